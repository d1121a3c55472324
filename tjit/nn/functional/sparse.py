"""Embedding lookups (GATHER rows of the weight) and one_hot."""
from __future__ import annotations

import numpy as np

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


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums / means / maxes of bags of embeddings: 2-D input is one bag per row; 1-D input
    is split into bags at `offsets`."""
    _check_indices(input, "embedding_bag")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "the Pytorch GitHub.")
    padding_idx = _padding_index(padding_idx, weight.shape[0])
    if max_norm is not None:
        embedding_renorm_(weight, input, max_norm, norm_type)
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences.")
        bags, length = input.shape
        flat = S.reshape(input, (-1,))
        bag_of = iota((bags, length), 0)
    else:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        flat = input
        bounds = [int(v) for v in offsets.tolist()]
        if include_last_offset:
            bounds = bounds[:-1]
        bags = len(bounds)
        # which bag each position belongs to: index setup from the host offsets
        bag_ids = np.searchsorted(np.asarray(bounds), np.arange(flat.shape[0]), side="right") - 1
        bag_of = host_to_tensor(bag_ids, dt.int64)
    bag_of = S.reshape(bag_of, (-1,))
    rows = I.index_select(weight, 0, flat)
    keep = const(True, dt.bool_, (flat.shape[0],)) if padding_idx is None else flat != padding_idx
    if per_sample_weights is not None:
        rows = rows * S.unsqueeze(S.reshape(per_sample_weights, (-1,)), 1)
    member = (S.unsqueeze(bag_of, 0) == iota((bags, flat.shape[0]), 0)) & S.unsqueeze(keep, 0)
    m3 = S.unsqueeze(member, 2)
    if mode == "max":
        neg = const(float("-inf"), weight.dtype)
        out = R.amax(P.where(m3, S.unsqueeze(rows, 0), neg), 1)
        return P.where(R.any(member, 1, keepdim=True), out, const(0, weight.dtype))
    total = R.sum(P.where(m3, S.unsqueeze(rows, 0), const(0, weight.dtype)), 1)
    if mode == "sum":
        return total
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
