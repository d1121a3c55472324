"""x[key]: reading and writing through indices, and writing views back into their base.

Basic indices (ints, slices, None, Ellipsis, 0-d integer tensors) give views, as torch's
do.  Advanced indices (integer tensors, lists, boolean masks) become one GATHER; writes
become one SCATTER, applied through the tensor's in-place machinery.  A boolean-mask write
whose value does not vary per selected element needs no index list at all: it is a WHERE.
A write through a view that is a box of its base (slices, selects, permutes, diagonals,
contiguous runs) is a WHERE over the padded value, one fused elementwise kernel; other views
scatter into the base.
"""
from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.ops import Op, ReduceOp

from .._prim import apply, broadcast_shapes, cast, const, expand_to, normalize_dim, reshape, to_tensor, torch_name
from .._tensor import Tensor, contiguous_strides
from ..autograd_hooks import label
from . import shape as S, strided
from .indexing import _OOB, _along, _check_bounds, _iota, _scatter_node, nonzero
from .pointwise import where


# -- x[key] ------------------------------------------------------------------------------
def _sequence_as_tuple(key) -> bool:
    """torch's (numpy's legacy) rule: a list holding sequences, slices, tensors, None or
    Ellipsis is a tuple of indices; a list of numbers is one index tensor."""
    if isinstance(key, tuple):
        return True
    if not isinstance(key, list) or len(key) >= 32:
        return False
    return any(isinstance(k, (Tensor, list, tuple, np.ndarray, slice, str)) or k is None or k is Ellipsis
               for k in key)


def _item(k):
    """One index item in canonical form: int, bool, slice, None, Ellipsis or an index tensor."""
    if isinstance(k, Tensor):
        if k.dtype not in (dt.int64, dt.int32, dt.uint8, dt.bool_):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if k.dtype is dt.uint8:
            warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.",
                          UserWarning, stacklevel=4)
            return cast(k, dt.bool_)
        return int(k.item()) if k.ndim == 0 and k.dtype is not dt.bool_ else k
    if isinstance(k, (bool, np.bool_)):
        return bool(k)
    if isinstance(k, (int, np.integer)):
        return int(k)
    if k is None or k is Ellipsis:
        return k
    if isinstance(k, slice):
        return slice(*(None if v is None else operator.index(v) for v in (k.start, k.stop, k.step)))
    if isinstance(k, str):
        raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
    if isinstance(k, (list, tuple, np.ndarray)):
        from .creation import tensor
        t = tensor(k) if len(k) else tensor([], dtype=dt.int64)
        return _item(t)
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                     f"indices (got {type(k).__name__})")


def _items(key) -> list:
    if not _sequence_as_tuple(key):
        return [_item(key)]
    if not isinstance(key, tuple):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in "
                      "pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as "
                      "tensor index, x[torch.tensor(seq)], which will result either in an error or a different result",
                      UserWarning, stacklevel=3)
    return [_item(k) for k in key]


def _consumed(k) -> int:
    """How many dims of the tensor an index item uses up."""
    if k is None or k is Ellipsis or isinstance(k, bool):
        return 0
    return k.ndim if isinstance(k, Tensor) and k.dtype is dt.bool_ else 1


def _basic(x: Tensor, items: list):
    """Apply the basic part of an index, as torch does (left to right, Ellipsis skipping the
    dims nothing else names).  Returns the view and the advanced indices as (dim, tensor),
    boolean masks still unexpanded."""
    specified = sum(_consumed(k) for k in items)
    if specified > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    v, dim, adv = x, 0, []
    for k in items:
        if k is Ellipsis:
            dim += x.ndim - specified
        elif k is None:
            v = S.unsqueeze(v, dim)
            dim += 1
        elif isinstance(k, bool) or (isinstance(k, Tensor) and k.ndim == 0):  # x[True]: a new dim, kept or not
            v = S.unsqueeze(v, dim)
            adv.append((dim, const(0, dt.int64, (1 if bool(k) else 0,))))
            dim += 1
        elif isinstance(k, int):
            n = v.shape[dim] if dim < v.ndim else 0
            if not -n <= k < n:
                raise IndexError(_OOB.format(bad=k, dim=dim, size=n))
            v = S.select(v, dim, k)
        elif isinstance(k, slice):
            if k.step == 0:
                raise ValueError("slice step cannot be zero")
            v = S.slice_dim(v, normalize_dim(dim, v.ndim), k.start, k.stop, 1 if k.step is None else k.step)
            dim += 1
        else:
            if k.dtype is dt.bool_:
                _check_mask(k, v, dim)
            adv.append((dim, k))
            dim += k.ndim if k.dtype is dt.bool_ else 1
    return v, adv


def _check_mask(mask: Tensor, v: Tensor, dim: int) -> None:
    for a in range(mask.ndim):
        if mask.shape[a] != v.shape[dim + a]:
            raise IndexError(f"The shape of the mask {list(mask.shape)} at index {a} does not match the shape of the "
                             f"indexed tensor {list(v.shape)} at index {dim + a}")


def _expand_masks(adv) -> list:
    """Boolean masks become one index tensor per masked dim (their nonzero positions)."""
    out = []
    for d, t in adv:
        if t.dtype is dt.bool_:
            out += [(d + i, p) for i, p in enumerate(nonzero(t, as_tuple=True))]
        else:
            out.append((d, t))
    return out


class _Advanced:
    """Advanced indices on a view, in the layout torch gives the result: the broadcast index
    shape replaces the indexed dims, in place when they are adjacent, in front otherwise.
    One index uses the dim directly; several are flattened to one index over a (L, R) view."""

    def __init__(self, v: Tensor, adv):
        self.v, self.dims = v, [d for d, _ in adv]
        try:
            self.idx_shape = broadcast_shapes(*(t.shape for _, t in adv))
        except RuntimeError:
            shapes = ", ".join(str(list(t.shape)) for _, t in adv)
            raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with shapes "
                             f"[{shapes}]") from None
        wrapped = [expand_to(_check_bounds(t, v.shape[d], d), self.idx_shape) for d, t in adv]
        self.rest = [a for a in range(v.ndim) if a not in self.dims]
        self.M = math.prod(self.idx_shape)
        if len(adv) == 1:
            self.index = reshape(wrapped[0], (self.M,))
        else:
            strides = contiguous_strides([v.shape[d] for d in self.dims])
            linear = wrapped[0] * strides[0]
            for t, st in zip(wrapped[1:], strides[1:]):
                linear = linear + t * st
            self.index = reshape(linear, (self.M,))
        first = self.dims[0]
        self.lead = first if self.dims == list(range(first, first + len(self.dims))) else 0
        self.result_shape = (tuple(v.shape[a] for a in self.rest[:self.lead]) + tuple(self.idx_shape) +
                             tuple(v.shape[a] for a in self.rest[self.lead:]))

    def flat_shape(self) -> tuple:
        """The shape of the gathered values before the index shape is unflattened."""
        rs = [self.v.shape[a] for a in self.rest]
        if len(self.dims) == 1:
            return tuple(rs[:self.dims[0]]) + (self.M,) + tuple(rs[self.dims[0]:])
        return (self.M, math.prod(rs))

    def source(self) -> tuple:
        """(tensor, axis) the index addresses."""
        if len(self.dims) == 1:
            return self.v, self.dims[0]
        xp = S.permute(self.v, self.dims + self.rest)
        return reshape(xp, (math.prod(self.v.shape[d] for d in self.dims), self.flat_shape()[1])), 0

    def get(self) -> Tensor:
        src, axis = self.source()
        shape = self.flat_shape()
        res = apply(Op.GATHER, [src, _along(self.index, axis, shape)], src.dtype, shape, axis)
        return self._unflatten(res)

    def _unflatten(self, flat: Tensor) -> Tensor:
        if len(self.dims) == 1:
            return reshape(flat, self.result_shape)
        rest = tuple(self.v.shape[a] for a in self.rest)
        out = reshape(flat, tuple(self.idx_shape) + rest)
        if self.lead:
            k = len(self.idx_shape)
            out = S.permute(out, list(range(k, k + self.lead)) + list(range(k)) +
                            list(range(k + self.lead, k + len(rest))))
        return out

    def put(self, value: Tensor, accumulate: bool) -> Tensor:
        """The view with `value` (broadcast to the result's shape) written at the indices."""
        _check_put_dtype(self.v, value)
        if not strided.broadcastable(value.shape, self.result_shape):
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
                               f"indexing result of shape {list(self.result_shape)}")
        value = expand_to(cast(value, self.v.dtype), self.result_shape)
        shape = self.flat_shape()
        if len(self.dims) > 1 and self.lead:
            k, n = len(self.idx_shape), len(self.result_shape)
            value = S.permute(value, list(range(self.lead, self.lead + k)) + list(range(self.lead)) +
                              list(range(self.lead + k, n)))
        value = reshape(value, shape)
        src, axis = self.source()
        new = _scatter_node(src, axis, _along(self.index, axis, shape), value, ReduceOp.SUM if accumulate else None)
        if len(self.dims) == 1:
            return new
        xp_shape = tuple(self.v.shape[a] for a in self.dims + self.rest)
        perm = self.dims + self.rest
        return S.permute(reshape(new, xp_shape), [perm.index(a) for a in range(self.v.ndim)])


def _check_put_dtype(target: Tensor, value: Tensor) -> None:
    if value.dtype != target.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{torch_name(target.dtype)} for the destination and {torch_name(value.dtype)} for the "
                           "source.")


def getitem(x: Tensor, key) -> Tensor:
    if x.ndim == 0 and isinstance(key, (int, np.integer, slice)) and not isinstance(key, bool):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                         "C++ to convert a 0-dim tensor to a number")
    v, adv = _basic(x, _items(key))
    if not adv:
        return v
    return label(_Advanced(v, _expand_masks(adv)).get(), "IndexBackward0")


def setitem(x: Tensor, key, value) -> None:
    v, adv = _basic(x, _items(key))
    value = to_tensor(value, x.dtype) if not isinstance(value, Tensor) else value
    strided.check_no_partial_overlap(v, (value,))
    if not adv:
        if not _is_same_view(value, v):  # `x[k] += 1` writes the view back onto itself
            v._assign(S.expand(_strip_leading_ones(value, v), tuple(v.shape)))
        return
    if _mask_write(v, adv, value):
        return
    v._assign(_Advanced(v, _expand_masks(adv)).put(value, accumulate=False))


def _is_same_view(value: Tensor, v: Tensor) -> bool:
    base = v._base if v._base is not None else v
    meta = v._view_meta if v._base is not None else None
    if value is base:
        return meta is None or (meta[0] == tuple(base.shape) and meta[1] == contiguous_strides(base.shape)
                                and meta[2] == 0)
    return value._base is base and value._view_meta == meta and value._base_version == base._version


def _strip_leading_ones(value: Tensor, target: Tensor) -> Tensor:
    """torch's copy into an indexed view drops the value's leading size-1 dims."""
    shape = tuple(value.shape)
    while len(shape) > target.ndim and shape[0] == 1:
        shape = shape[1:]
    return reshape(value, shape)


def _mask_write(v: Tensor, adv, value: Tensor) -> bool:
    """`v[mask] = value` as one WHERE when the value does not vary along the selected
    elements (a scalar, or broadcast over the masked dims): no index list, no host sync."""
    if len(adv) != 1 or adv[0][1].dtype is not dt.bool_:
        return False
    if value.ndim:  # a 0-d value is a masked_fill, which casts; others must match
        _check_put_dtype(v, value)
    p, mask = adv[0]
    after = v.ndim - p - mask.ndim
    shape = tuple(_strip_leading_ones(value, v).shape)
    sel = len(shape) - after - 1  # the value's dim aligned with the selected elements, if any
    if sel >= 0:
        if shape[sel] != 1:
            return False  # one value per selected element: the general path
        shape = shape[:sel] + (1,) * mask.ndim + shape[sel + 1:]
    if not strided.broadcastable(shape, v.shape):
        return False  # the general path reports the error
    m = reshape(mask, (1,) * p + tuple(mask.shape) + (1,) * after)
    v._assign(where(m, cast(reshape(value, shape), v.dtype), v))
    return True


# -- writing a view back into its base ---------------------------------------------------
def scatter_positions(base: Tensor, value: Tensor, shape, strides, offset) -> Tensor:
    """The base with the elements a strided view addresses replaced by `value`.  A view that
    is a box of the base (slices, selects, permutes, contiguous runs) becomes a WHERE over the
    padded value, which fuses into one elementwise kernel; anything else a SCATTER."""
    if math.prod(shape) == 0:
        return base
    if 0 in strides:  # an expanded view written with one value (fill_): write each element once
        keep = [st != 0 or n == 1 for n, st in zip(shape, strides)]
        bounds = tuple((0, n if k else 1) for n, k in zip(shape, keep))
        value = apply(Op.SHRINK, [value], value.dtype, tuple(b for _, b in bounds), bounds)
        shape = tuple(b for _, b in bounds)
    for box_shape in (tuple(base.shape), (base.numel(),)):
        box = _box(box_shape, shape, strides, offset)
        if box is not None:
            return reshape(_place_box(base, box_shape, value, shape, box), tuple(base.shape))
    n, m = base.numel(), math.prod(shape)
    pos = const(offset, dt.int64, tuple(shape))
    for a, st in enumerate(strides):
        if shape[a] > 1 and st:
            pos = pos + _iota(shape, a) * st
    flat = reshape(base, (n,))
    new = _scatter_node(flat, 0, reshape(pos, (m,)), reshape(value, (m,)), None)
    return reshape(new, tuple(base.shape))


def _box(bshape, shape, strides, offset):
    """Per base dim (view dim or None, start, step) when every view dim of size > 1 walks its
    own base dim with a fixed step and stays inside it; None otherwise."""
    bstrides = contiguous_strides(bshape)
    starts, rem = [], offset
    for bs in bstrides:
        starts.append(rem // bs)
        rem %= bs
    box = [(None, s, 1) for s in starts]
    for j, (n, st) in enumerate(zip(shape, strides)):
        if n == 1:
            continue
        for k, (bn, bs) in enumerate(zip(bshape, bstrides)):
            if box[k][0] is None and bn > 1 and st % bs == 0 and st and starts[k] + (n - 1) * (st // bs) < bn:
                box[k] = (j, starts[k], st // bs)
                break
        else:
            return None
    return box


def _place_box(base: Tensor, bshape, value: Tensor, shape, box) -> Tensor:
    """where(inside the box, value moved to its base positions, base) in `bshape`."""
    order = [j for j, _, _ in box if j is not None]  # the view dims of size > 1, in base order
    in_view_order = sorted(order)
    v = S.permute(reshape(value, tuple(shape[j] for j in in_view_order)), [in_view_order.index(j) for j in order])
    inner = tuple(shape[j] if j is not None else 1 for j, _, _ in box)
    v = reshape(v, inner)
    if inner == tuple(bshape) and all(start == 0 and step == 1 for _, start, step in box):
        return v  # the view covers the whole base
    mask = const(True, dt.bool_, inner)
    for k, (_, start, step) in enumerate(box):
        v, mask = (_spread(t, k, start, step, bshape[k]) for t in (v, mask))
    return where(mask, v, reshape(base, bshape))


def _spread(t: Tensor, k: int, start: int, step: int, size: int) -> Tensor:
    """Place dim k's elements at start, start+step, ... of a dim of `size`; zeros between."""
    n = t.shape[k]
    shape = tuple(t.shape)
    if step > 1:
        t = reshape(t, shape[:k + 1] + (1,) + shape[k + 1:])
        widths = tuple((0, step - 1) if a == k + 1 else (0, 0) for a in range(t.ndim))
        t = apply(Op.PAD, [t], t.dtype, shape[:k + 1] + (step,) + shape[k + 1:], (widths, 0))
        t = reshape(t, shape[:k] + (n * step,) + shape[k + 1:])
        bounds = tuple((0, (n - 1) * step + 1) if a == k else (0, s) for a, s in enumerate(shape))
        t = apply(Op.SHRINK, [t], t.dtype, tuple(b for _, b in bounds), bounds)
    extent = t.shape[k]
    widths = tuple((start, size - start - extent) if a == k else (0, 0) for a in range(t.ndim))
    if widths[k] == (0, 0):
        return t
    return apply(Op.PAD, [t], t.dtype, tuple(size if a == k else s for a, s in enumerate(t.shape)), (widths, 0))
