"""EmbeddingBag and functional.embedding_bag against torch: outputs and the gradients of the
weight and of per_sample_weights, for every mode and input layout."""
import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
from nn_util import check_fn, check_layer, pair

TF, JF = torch.nn.functional, jnn.functional
W = np.random.default_rng(0).uniform(-2, 2, (7, 3)).astype(np.float32)
# four bags, the second one empty; index 4 occurs twice (it is the padding index below)
FLAT, OFFSETS = np.array([1, 2, 4, 5, 4, 3, 2, 6, 0]), np.array([0, 3, 3, 5])
BAGS_2D = np.array([[1, 4, 2], [4, 4, 4], [6, 0, 6]])  # the second bag is all padding
PSW = np.random.default_rng(1).uniform(0.5, 1.5, FLAT.shape).astype(np.float32)


def both(a):
    return torch.tensor(a), tjit.tensor(a)


def bag_pair(**kw):
    """The same bag module in both frameworks, from the same pretrained weight."""
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(W), freeze=False, **kw)
    j = jnn.EmbeddingBag.from_pretrained(tjit.tensor(W), freeze=False, **kw)
    assert repr(j) == repr(t) and j.weight.requires_grad
    return t, j


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_modes_and_layouts(mode, padding_idx):
    t, j = bag_pair(mode=mode, padding_idx=padding_idx)
    check_layer(t, j, both(FLAT), both(OFFSETS), rtol=1e-5, atol=1e-6)
    check_layer(t, j, both(BAGS_2D), rtol=1e-5, atol=1e-6)
    t, j = bag_pair(mode=mode, padding_idx=padding_idx, include_last_offset=True)
    check_layer(t, j, both(FLAT), both(np.append(OFFSETS, len(FLAT))), rtol=1e-5, atol=1e-6)


def test_state_dict_and_padding_row():
    t, j = pair(torch.nn.EmbeddingBag, jnn.EmbeddingBag, 7, 3, mode="max", padding_idx=-2)
    assert repr(j) == repr(t)
    check_layer(t, j, both(BAGS_2D), rtol=1e-5, atol=1e-6)
    tjit.manual_seed(0)
    assert (np.asarray(jnn.EmbeddingBag(7, 3, padding_idx=1).weight.detach())[1] == 0).all()


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_per_sample_weights(padding_idx):
    """Gradients reach the weight (scaled per sample) and the per-sample weights."""
    def run(lib, F):
        return lambda w, psw, psw2: (
            F.embedding_bag(lib.tensor(FLAT), w, lib.tensor(OFFSETS), mode="sum", per_sample_weights=psw,
                            padding_idx=padding_idx),
            F.embedding_bag(lib.tensor(BAGS_2D), w, mode="sum", per_sample_weights=psw2, padding_idx=padding_idx))
    check_fn(run(torch, TF), run(tjit, JF), W, PSW, PSW.reshape(3, 3), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,norm_type", [("mean", 2.0), ("max", 1.0)])
def test_max_norm(mode, norm_type):
    """The looked-up rows are renormalized in place first; gradients are those of the new rows."""
    t, j = bag_pair(mode=mode, max_norm=1.5, norm_type=norm_type)
    check_layer(t, j, both(FLAT[:5]), both(OFFSETS[:2]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(j.weight.detach()), t.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    check_layer(t, j, both(BAGS_2D), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(j.weight.detach()), t.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_scale_grad_by_freq(mode):
    """Each row's gradient is divided by its count in the batch.  Only index 4 repeats: torch's
    CPU kernel divides the k-th distinct index by the count of sorted_indices[k], which is
    right only while every repeat is of the largest index."""
    t, j = bag_pair(mode=mode, scale_grad_by_freq=True)
    check_layer(t, j, both(np.array([0, 1, 2, 3, 4, 4, 4])), both(np.array([0, 2, 5])), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("args,kwargs,exc,match", [
    ((FLAT, np.array([1, 3])), {}, RuntimeError, "offsets\\[0\\] has to be 0"),
    ((FLAT, np.array([0, 3, 12])), {}, RuntimeError, "offsets\\[-1\\] can not be greater than input's length 9"),
    ((FLAT, np.array([[0, 3]])), {}, ValueError, "offsets has to be a 1D Tensor"),
    ((FLAT,), {}, ValueError, "offsets has to be a 1D Tensor but got None"),
    ((BAGS_2D, np.array([0, 3])), {}, ValueError, "if input is 2D, then offsets has to be None"),
    ((FLAT[None, None],), {}, ValueError, "input has to be 1D or 2D Tensor, but got Tensor of dimension 3"),
    ((np.array([1, 9]), np.array([0])), {}, RuntimeError, "Index 1 of input takes value 9 which is not in the valid"),
    ((FLAT, np.array([0, 3])), {"mode": "max", "scale_grad_by_freq": True}, ValueError, "max mode does not support"),
    ((FLAT, np.array([0, 3])), {"mode": "mean", "per_sample_weights": PSW}, NotImplementedError,
     "per_sample_weights is only supported for mode='sum' \\(got mode='mean'\\)"),
    ((FLAT, np.array([0, 3])), {"mode": "sum", "per_sample_weights": PSW[:8]}, ValueError,
     "must have the same shape as the input"),
    ((FLAT, np.array([0, 3])), {"mode": "median"}, ValueError, "mode has to be one of sum, mean or max"),
])
def test_errors(args, kwargs, exc, match):
    for lib, F in ((torch, TF), (tjit, JF)):
        a = [lib.tensor(x) for x in args]
        kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        with pytest.raises(exc, match=match):
            F.embedding_bag(a[0], lib.tensor(W), *a[1:], **kw)


def test_empty_input_and_int32_indices():
    empty = np.zeros(0, np.int64)

    def run(lib, F):
        return lambda w: tuple(F.embedding_bag(lib.tensor(empty), w, lib.tensor([0, 0]), mode=m)
                               for m in ("sum", "mean", "max")) + (
            F.embedding_bag(lib.tensor(FLAT.astype(np.int32)), w, lib.tensor(OFFSETS.astype(np.int32)), mode="max"),)
    check_fn(run(torch, TF), run(tjit, JF), W)
