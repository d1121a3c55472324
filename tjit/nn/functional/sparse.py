"""Embedding lookups (GATHER rows of the weight) and one_hot."""
from __future__ import annotations

import numpy as np

from ...autograd_hooks import grad_name
from ...ops.creation import host_to_tensor
from ..modules.utils import no_grad
from ._base import I, P, R, S, Tensor, cast, const, dt, iota


def _check_indices(input, name="embedding"):
    if not isinstance(input, Tensor) or input.dtype not in (dt.int64, dt.int32):
        got = input.type() if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {got} instead (while checking arguments for {name})")


def _padding_index(padding_idx, num_embeddings):
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= num_embeddings:
        raise AssertionError("Padding_idx must be within num_embeddings")
    if padding_idx < 0:
        if padding_idx < -num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx += num_embeddings
    return padding_idx


def _rows(input, weight):
    flat = S.reshape(input, (-1,))
    return S.reshape(I.index_select(weight, 0, flat), tuple(input.shape) + (weight.shape[1],))


def embedding_renorm_(weight, input, max_norm, norm_type):
    """Rescale, in place, the rows `input` refers to whose norm exceeds max_norm."""
    with no_grad():
        n = weight.shape[0]
        hit = I.index_fill(const(False, dt.bool_, (n,)), 0, S.reshape(input, (-1,)), True)
        norms = R.norm(weight, norm_type, 1, keepdim=True)
        scale = P.where(S.unsqueeze(hit, 1) & (norms > max_norm), max_norm / (norms + 1e-7), const(1, weight.dtype))
        weight._assign(weight * scale)
    return weight


def _grad_masked_weight(weight, padding_idx):
    """The weight with the padding row's gradient cut (forward values unchanged)."""
    rows = iota(tuple(weight.shape), 0)
    return P.where(rows == padding_idx, weight.detach(), weight)


def _scaled_by_freq(out, input, num_embeddings):
    """Gradient of each looked-up row divided by how often its index occurs in the batch;
    forward values are exactly `out`."""
    flat = S.reshape(input, (-1,))
    counts = I.index_add(const(0, out.dtype, (num_embeddings,)), 0, flat, const(1, out.dtype, (flat.shape[0],)))
    scale = S.unsqueeze(S.reshape(I.index_select(counts, 0, flat), tuple(input.shape)), -1)
    scaled = out / scale
    return scaled - scaled.detach() + out.detach()


@grad_name("EmbeddingBackward0")
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """weight[input]: rows of the embedding matrix gathered by index."""
    _check_indices(input)
    padding_idx = _padding_index(padding_idx, weight.shape[0])
    if max_norm is not None:
        embedding_renorm_(weight, input, max_norm, norm_type)
    w = weight
    if padding_idx is not None and weight.requires_grad:
        w = _grad_masked_weight(weight, padding_idx)
    out = _rows(input, w)
    if scale_grad_by_freq and weight.requires_grad:
        out = _scaled_by_freq(out, input, weight.shape[0])
    return out


def _bag_of(input, offsets, include_last_offset):
    """(flat indices, host array of each position's bag, number of bags): 2-D input is one
    bag per row; 1-D input is split into bags at the host-read offsets."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        bags, length = input.shape
        return S.reshape(input, (-1,)), np.repeat(np.arange(bags), length), bags
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    _check_indices(offsets, "embedding_bag")
    bounds = np.asarray(offsets.tolist(), dtype=np.int64)
    n = input.shape[0]
    if bounds.size and bounds[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {bounds[0]}")
    if bounds.size and bounds[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of "
                           f"{bounds[-1]}")
    if include_last_offset:
        bounds = bounds[:-1]
    return input, np.searchsorted(bounds, np.arange(n), side="right") - 1, len(bounds)


def _check_bag_indices(flat, num_embeddings):
    """torch's range check, a RuntimeError naming the first bad position."""
    values = np.asarray(flat.tolist(), dtype=np.int64)
    bad = np.flatnonzero((values < 0) | (values >= num_embeddings))
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {values[bad[0]]} which is not in the valid range "
                           f"[0, {num_embeddings})")


def _check_bag_args(input, weight, mode, scale_grad_by_freq, per_sample_weights):
    _check_indices(input, "embedding_bag")
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums / means / maxes of bags of embeddings: each bag is a masked reduction of the
    gathered rows over a (bags, positions) membership matrix; padding entries are no members."""
    _check_bag_args(input, weight, mode, scale_grad_by_freq, per_sample_weights)
    padding_idx = _padding_index(padding_idx, weight.shape[0])
    flat, bag_ids, bags = _bag_of(input, offsets, include_last_offset)
    _check_bag_indices(flat, weight.shape[0])
    if max_norm is not None:
        embedding_renorm_(weight, flat, max_norm, norm_type)
    rows = I.index_select(weight, 0, flat)
    if scale_grad_by_freq and weight.requires_grad:
        rows = _scaled_by_freq(rows, flat, weight.shape[0])
    if per_sample_weights is not None:
        rows = rows * S.unsqueeze(S.reshape(per_sample_weights, (-1,)), 1)
    bag_of = host_to_tensor(bag_ids, dt.int64)
    member = S.unsqueeze(bag_of, 0) == iota((bags, flat.shape[0]), 0)
    if padding_idx is not None:
        member = member & S.unsqueeze(flat != padding_idx, 0)
    m3 = S.unsqueeze(member, 2)
    if mode == "max" and flat.shape[0]:
        out = R.amax(P.where(m3, S.unsqueeze(rows, 0), const(float("-inf"), weight.dtype)), 1)
        return P.where(R.any(member, 1, keepdim=True), out, const(0, weight.dtype))
    total = R.sum(P.where(m3, S.unsqueeze(rows, 0), const(0, weight.dtype)), 1)
    if mode != "mean":
        return total  # "sum", or "max" of no positions at all: every bag is empty, zero
    count = R.sum(cast(member, weight.dtype), 1, keepdim=True)
    return total / P.maximum(count, const(1, weight.dtype))


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding along a new last dimension."""
    if tensor.dtype is not dt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(R.max(tensor).item()) + 1
    if tensor.numel() and tensor._node.realized:
        vals = tensor.detach()._values()
        if vals.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if vals.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    classes = iota(tuple(tensor.shape) + (num_classes,), tensor.ndim)
    return cast(S.unsqueeze(tensor, -1) == classes, dt.int64)
