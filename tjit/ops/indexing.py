"""Indexing: x[...] reads and writes, gather/scatter and their relatives.

Basic indices (ints, slices, None, Ellipsis) give views.  Advanced indices (integer
tensors, lists, boolean masks) become one GATHER over a (selected, rest) layout of the
tensor; writes become a SCATTER into the same layout, then the tensor's in-place machinery
updates the base.  Indices are bounds-checked at the call site, as torch does, so generated
kernels never see an out-of-range index.
"""
from __future__ import annotations

import math

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.graph import node
from tjit.ir.ops import Op, ReduceOp

from .._prim import apply, broadcast_shapes, cast, const, expand_to, normalize_dim, reshape, to_tensor
from .._tensor import Tensor, contiguous_strides
from . import shape as S


def _iota(shape, axis) -> Tensor:
    return Tensor._from_node(node(Op.IOTA, (), dt.int64, tuple(shape), axis))


def _check_index(index: Tensor, size: int, dim: int, op: str = "index") -> None:
    if index.dtype.kind not in "iu":
        raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors")
    if index.numel() == 0:
        return
    a = index.detach()._values()
    lo, hi = int(a.min()), int(a.max())
    if lo < -size or hi >= size:
        bad = hi if hi >= size else lo
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _wrap_negative(index: Tensor, size: int) -> Tensor:
    from .pointwise import where
    index = cast(index, dt.int64)
    return where(index < 0, index + size, index)


# -- gather / scatter primitives ---------------------------------------------------------
def gather(input: Tensor, dim, index: Tensor, *, sparse_grad=False, out=None) -> Tensor:
    d = normalize_dim(dim, input.ndim, "gather")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for a in range(index.ndim):
        if a != d and index.shape[a] > input.shape[a]:
            raise RuntimeError(f"Size does not match at dimension {a} expected index {list(index.shape)} to be "
                               f"smaller than self {list(input.shape)} apart from dimension {d}")
    _check_index(index, input.shape[d] if input.ndim else 1, d, "gather")
    if input.ndim == 0:
        return reshape(input, tuple(index.shape))
    src = _shrink_to(input, index.shape, d)
    res = apply(Op.GATHER, [src, _wrap_negative(index, input.shape[d])], input.dtype, tuple(index.shape), d)
    from .pointwise import _out
    return _out(res, out)


def _shrink_to(x: Tensor, shape, skip: int) -> Tensor:
    if all(a == skip or x.shape[a] == shape[a] for a in range(x.ndim)):
        return x
    bounds = tuple((0, x.shape[a]) if a == skip else (0, shape[a]) for a in range(x.ndim))
    new = tuple(x.shape[a] if a == skip else shape[a] for a in range(x.ndim))
    return apply(Op.SHRINK, [x], x.dtype, new, bounds)


def _scatter(input: Tensor, dim, index: Tensor, src, rop) -> Tensor:
    d = normalize_dim(dim, input.ndim, "scatter")
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    _check_index(index, input.shape[d], d, "scatter")
    if isinstance(src, Tensor):
        for a in range(index.ndim):
            if index.shape[a] > src.shape[a]:
                raise RuntimeError(f"Expected index {list(index.shape)} to be smaller than self {list(input.shape)} "
                                   f"apart from dimension {d} and to be smaller size than src {list(src.shape)}")
        src = _shrink_to(cast(src, input.dtype), index.shape, -1)
    else:
        src = expand_to(const(src, input.dtype), tuple(index.shape))
    idx = _wrap_negative(index, input.shape[d])
    return apply(Op.SCATTER, [input, idx, src], input.dtype, tuple(input.shape), (d, rop))


_REDUCE = {None: None, "add": ReduceOp.SUM, "sum": ReduceOp.SUM, "multiply": ReduceOp.PROD,
           "prod": ReduceOp.PROD, "amax": ReduceOp.MAX, "amin": ReduceOp.MIN}


def scatter(input, dim, index, src=None, *, value=None, reduce=None) -> Tensor:
    if src is None:
        src = value
    if reduce not in _REDUCE:
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    return _scatter(input, dim, index, src, _REDUCE[reduce])


def scatter_add(input, dim, index, src) -> Tensor:
    return _scatter(input, dim, index, src, ReduceOp.SUM)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True) -> Tensor:
    if reduce == "mean":
        total = _scatter(input if include_self else input * 0, dim, index, src, ReduceOp.SUM)
        count = _scatter(cast(const(1 if include_self else 0, input.dtype, input.shape), input.dtype), dim, index,
                         1, ReduceOp.SUM)
        from .pointwise import where
        res = total / where(count == 0, const(1, input.dtype), count)
        return cast(res if input.dtype.kind == "f" else res.floor(), input.dtype)
    if reduce not in _REDUCE or reduce is None:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    base = input
    if not include_self:
        ident = {"sum": 0, "prod": 1, "amax": float("-inf"), "amin": float("inf")}[reduce]
        touched = _scatter(const(False, dt.bool_, input.shape), dim, index, True, None)
        from .pointwise import where
        base = where(touched, const(ident, input.dtype), input)
    return _scatter(base, dim, index, src, _REDUCE[reduce])


def index_select(input: Tensor, dim, index: Tensor, *, out=None) -> Tensor:
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = normalize_dim(dim, input.ndim, "index_select") if input.ndim else 0
    index = reshape(index, (index.numel(),))
    _check_index(index, input.shape[d] if input.ndim else 1, d)
    if input.ndim == 0:
        return reshape(input, ()) if index.numel() == 1 else input
    shape = tuple(index.numel() if a == d else s for a, s in enumerate(input.shape))
    view_shape = tuple(index.numel() if a == d else 1 for a in range(input.ndim))
    idx = expand_to(reshape(_wrap_negative(index, input.shape[d]), view_shape), shape)
    res = apply(Op.GATHER, [input, idx], input.dtype, shape, d)
    from .pointwise import _out
    return _out(res, out)


def take(input: Tensor, index: Tensor) -> Tensor:
    flat = reshape(input, (input.numel(),))
    return reshape(index_select(flat, 0, reshape(index, (-1,))), tuple(index.shape))


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return take(input, indices)
    d = normalize_dim(dim, input.ndim)
    shape = broadcast_shapes(tuple(s for a, s in enumerate(input.shape) if a != d),
                             tuple(s for a, s in enumerate(indices.shape) if a != d))
    full_in = list(shape)
    full_in.insert(d, input.shape[d])
    full_idx = list(shape)
    full_idx.insert(d, indices.shape[d])
    return gather(S.expand(input, tuple(full_in)), d, S.expand(indices, tuple(full_idx)))


def index_add(input, dim, index, source, *, alpha=1) -> Tensor:
    d = normalize_dim(dim, input.ndim, "index_add")
    idx = _expand_index(index, source, d)
    src = source * alpha if alpha != 1 else source
    return _scatter(input, d, idx, src, ReduceOp.SUM)


def index_copy(input, dim, index, source) -> Tensor:
    d = normalize_dim(dim, input.ndim, "index_copy")
    return _scatter(input, d, _expand_index(index, source, d), source, None)


def index_fill(input, dim, index, value) -> Tensor:
    d = normalize_dim(dim, input.ndim, "index_fill")
    shape = tuple(index.numel() if a == d else s for a, s in enumerate(input.shape))
    src = expand_to(cast(to_tensor(value, input.dtype), input.dtype), shape)
    return _scatter(input, d, _expand_index(index, src, d), src, None)


def _expand_index(index: Tensor, source: Tensor, d: int) -> Tensor:
    index = reshape(index, (index.numel(),))
    view_shape = tuple(index.numel() if a == d else 1 for a in range(source.ndim))
    return expand_to(reshape(index, view_shape), tuple(source.shape))


# -- data-dependent shapes: the index list is computed on the host from realized data ---
def nonzero(input: Tensor, *, as_tuple=False):
    a = input.detach()._values()
    nz = np.nonzero(a.reshape(a.shape or (1,)))
    from .creation import host_to_tensor
    if as_tuple:
        return tuple(host_to_tensor(i.astype(np.int64), dt.int64) for i in nz) if input.ndim else \
            (host_to_tensor(nz[0].astype(np.int64), dt.int64),)
    return host_to_tensor(np.stack(nz, axis=1).astype(np.int64) if nz else np.zeros((0, 0), np.int64), dt.int64)


def argwhere(input):
    return nonzero(input)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    if mask.dtype is not dt.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(input.shape, mask.shape)
    x = reshape(expand_to(input, shape), (math.prod(shape),))
    idx = nonzero(reshape(expand_to(mask, shape), (math.prod(shape),)))
    return index_select(x, 0, reshape(idx, (-1,)))


# -- x[key] ------------------------------------------------------------------------------
def _normalize_key(x: Tensor, key) -> list:
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, (list, np.ndarray)) or (isinstance(k, Tensor)):
            t = k if isinstance(k, Tensor) else to_tensor(np.asarray(k) if not isinstance(k, list) or k else
                                                         np.zeros((0,), np.int64))
            if t.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(t)
        elif isinstance(k, bool):
            out.append(const(k, dt.bool_))
        elif isinstance(k, (int, np.integer)):
            out.append(int(k))
        elif k is None or k is Ellipsis or isinstance(k, slice):
            if isinstance(k, slice):
                k = slice(*(int(v) if isinstance(v, Tensor) else v for v in (k.start, k.stop, k.step)))
            out.append(k)
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             "valid indices (got " + type(k).__name__ + ")")
    consumed = sum(1 if not isinstance(k, Tensor) or k.dtype is not dt.bool_ else max(k.ndim, 1)
                   for k in out if k is not None and k is not Ellipsis)
    if sum(k is Ellipsis for k in out) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    if Ellipsis in [k for k in out if not isinstance(k, Tensor)]:
        i = next(i for i, k in enumerate(out) if k is Ellipsis)
        out[i:i + 1] = [slice(None)] * (x.ndim - consumed)
    else:
        out += [slice(None)] * (x.ndim - consumed)
    return out


def _basic(x: Tensor, key: list):
    """Apply the basic part of an index; returns the view and, for each advanced index,
    (result dim it applies to, index tensor)."""
    dim, adv = 0, []
    for k in key:
        if k is None:
            x = S.unsqueeze(x, dim)
            dim += 1
        elif isinstance(k, int):
            n = x.shape[dim]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {n}")
            x = S.select(x, dim, k)
        elif isinstance(k, slice):
            step = 1 if k.step is None else k.step
            if step <= 0:
                raise ValueError("step must be greater than zero")
            x = S.slice_dim(x, dim, k.start, k.stop, step)
            dim += 1
        elif k.dtype is dt.bool_:
            if k.ndim == 0:  # x[True] adds a dim; x[False] an empty one
                x = S.unsqueeze(x, dim)
                adv.append((dim, nonzero(reshape(k, (1,)), as_tuple=True)[0]))
                dim += 1
                continue
            for a in range(k.ndim):
                if k.shape[a] != x.shape[dim + a]:
                    raise IndexError(f"The shape of the mask {list(k.shape)} at index {a} does not match the shape "
                                     f"of the indexed tensor {list(x.shape)} at index {dim + a}")
            for i, t in enumerate(nonzero(k, as_tuple=True)):
                adv.append((dim + i, t))
            dim += k.ndim
        else:
            adv.append((dim, k))
            dim += 1
    return x, adv


def _advanced_layout(x: Tensor, adv):
    """Permute the advanced dims to the front and flatten them: (L, R) plus what is needed
    to turn a gathered (M, R) back into torch's result layout."""
    dims = [d for d, _ in adv]
    if len(set(dims)) != len(dims):
        raise IndexError("repeated dims in advanced indexing are not supported")
    for d, t in adv:
        _check_index(t, x.shape[d], d)
    idx_shape = broadcast_shapes(*(t.shape for _, t in adv))
    rest = [a for a in range(x.ndim) if a not in dims]
    perm = dims + rest
    xp = S.permute(x, perm)
    sizes = [x.shape[d] for d in dims]
    L, R = math.prod(sizes), math.prod(x.shape[a] for a in rest)
    linear = None
    for (d, t), st in zip(adv, contiguous_strides(sizes)):
        term = expand_to(_wrap_negative(t, x.shape[d]), idx_shape) * st
        linear = term if linear is None else linear + term
    M = math.prod(idx_shape)
    adjacent = dims == list(range(dims[0], dims[0] + len(dims)))
    return xp, (L, R), reshape(linear, (M,)), idx_shape, rest, adjacent, dims


def _finish_layout(flat: Tensor, x: Tensor, idx_shape, rest, adjacent, dims) -> Tensor:
    rest_shape = tuple(x.shape[a] for a in rest)
    out = reshape(flat, tuple(idx_shape) + rest_shape)
    if adjacent and dims[0] > 0:
        k = len(idx_shape)
        first = dims[0]
        order = list(range(k, k + first)) + list(range(k)) + list(range(k + first, k + len(rest)))
        out = S.permute(out, order)
    return out


def getitem(x: Tensor, key) -> Tensor:
    if x.ndim == 0 and not isinstance(key, (tuple, type(None), type(Ellipsis), Tensor, bool, list)):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                         "C++ to convert a 0-dim tensor to a number")
    v, adv = _basic(x, _normalize_key(x, key))
    if not adv:
        return v
    xp, (L, R), linear, idx_shape, rest, adjacent, dims = _advanced_layout(v, adv)
    M = linear.shape[0]
    src = reshape(xp, (L, R))
    index = expand_to(reshape(linear, (M, 1)), (M, R))
    flat = apply(Op.GATHER, [src, index], x.dtype, (M, R), 0)
    return _finish_layout(flat, v, idx_shape, rest, adjacent, dims)


def setitem(x: Tensor, key, value) -> None:
    v, adv = _basic(x, _normalize_key(x, key))
    value = to_tensor(value, x.dtype) if not isinstance(value, Tensor) else value
    if not adv:
        if v._base is None and v is not x:  # a full-tensor key on a base returns a fresh view
            pass
        target = v if (v._base is not None or v is x) else x
        target._assign(expand_to(cast(value, x.dtype), tuple(target.shape)))
        return
    index_put_(v, adv, value, accumulate=False)


def index_put_(target: Tensor, adv, value: Tensor, accumulate: bool) -> Tensor:
    xp, (L, R), linear, idx_shape, rest, adjacent, dims = _advanced_layout(target, adv)
    M = linear.shape[0]
    # the value is given in the gathered result's layout: bring it to (M, R)
    res_shape = tuple(_finish_layout(const(0, target.dtype, (M, R)), target, idx_shape, rest, adjacent, dims).shape)
    val = expand_to(cast(value, target.dtype), res_shape)
    if adjacent and dims[0] > 0:
        k, first = len(idx_shape), dims[0]
        inv = list(range(first, first + k)) + list(range(first)) + list(range(first + k, len(res_shape)))
        val = S.permute(val, inv)
    val = reshape(val, (M, R))
    index = expand_to(reshape(linear, (M, 1)), (M, R))
    base2d = reshape(xp, (L, R))
    new2d = apply(Op.SCATTER, [base2d, index, val], target.dtype, (L, R),
                  (0, ReduceOp.SUM if accumulate else None))
    perm = dims + rest
    inv_perm = [perm.index(a) for a in range(target.ndim)]
    new = S.permute(reshape(new2d, tuple(xp.shape)), inv_perm)
    target._assign(new)
    return target


def index_put(input, indices, values, accumulate=False) -> Tensor:
    out = Tensor._from_node(input._node)
    adv = [(d, t) for d, t in enumerate(indices) if t is not None]
    return index_put_(out, adv, to_tensor(values, input.dtype), accumulate)


def scatter_positions(base: Tensor, value: Tensor, shape, strides, offset) -> Tensor:
    """The base with the elements a strided view addresses replaced by `value`."""
    n = base.numel()
    m = math.prod(shape)
    pos = const(offset, dt.int64, tuple(shape))
    for a, st in enumerate(strides):
        if shape[a] > 1 and st:
            pos = pos + _iota(shape, a) * st
    flat = reshape(Tensor._from_node(base._node), (n,))
    new = apply(Op.SCATTER, [flat, reshape(pos, (m,)), reshape(value, (m,))], base.dtype, (n,), (0, None))
    return reshape(new, tuple(base.shape))


def masked_scatter(input, mask, source):
    shape = tuple(input.shape)
    idx = nonzero(reshape(expand_to(mask, shape), (-1,)))
    flat = reshape(Tensor._from_node(input._node), (-1,))
    k = idx.shape[0]
    src = reshape(source, (-1,))
    src = S.slice_dim(src, 0, 0, k)
    new = apply(Op.SCATTER, [flat, reshape(idx, (k,)), src], input.dtype, flat.shape, (0, None))
    return reshape(new, shape)
