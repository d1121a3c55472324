"""Gather/scatter and their relatives (index_select, index_add, take, put, masked_*, ...).

Reading at indices is one GATHER node, writing one SCATTER (x[key] itself is in
subscript.py).  Indices are bounds-checked at the call site, as torch does, so generated
kernels never see an out-of-range index.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.graph import node
from tjit.ir.ops import Op, ReduceOp

from .._prim import (apply, broadcast_shapes, cast, const, expand_to, normalize_dim, reshape, to_tensor,
                     torch_name, write_out)
from .. import engine
from .._tensor import Tensor
from . import shape as S
from .pointwise import clamp, where

_OOB = "index {bad} is out of bounds for dimension {dim} with size {size}"
_INT32_64 = (dt.int32, dt.int64)
_INT64 = (dt.int64,)


# -- index validation --------------------------------------------------------------------
def _require_dtype(index: Tensor, allowed, exc, message: str) -> None:
    if index.dtype not in allowed:
        raise exc(message.format(dtype=torch_name(index.dtype)))


def _check_bounds(index: Tensor, size: int, dim: int = 0, *, negative=True, exc=IndexError,
                  message=_OOB) -> Tensor:
    """Reads the index on the host (torch checks at the call site) and returns it ready for a
    kernel: int64, negative entries wrapped where the op allows them."""
    if index.numel() == 0:
        return cast(index, dt.int64)
    if engine.tracing is not None:  # checked after each replay instead (tjit.compile)
        return _traced_bounds(index, size, dim, negative, exc, message)
    a = index._values()
    lo, hi = int(a.min()), int(a.max())
    index = cast(index, dt.int64)
    low = -size if negative else 0
    if lo < low or hi >= size:
        raise exc(message.format(bad=hi if hi >= size else lo, dim=dim, size=size))
    return where(index < 0, index + size, index) if lo < 0 else index


def _traced_bounds(index: Tensor, size: int, dim: int, negative: bool, exc, message: str) -> Tensor:
    """`_check_bounds` while tjit.compile traces: the index's min and max become results the
    replay checks before it commits anything, and the kernel reads at clamped positions, so a
    bad index raises the eager error and never reads out of bounds."""
    from .reduction import amax, amin
    index = cast(index, dt.int64)
    engine.trace_log.checks.append(("bounds", amin(index)._node, amax(index)._node, -size if negative else 0, size,
                                    dim, exc.__name__, message))
    if negative:
        index = where(index < 0, index + size, index)
    return clamp(index, 0, size - 1)


def check_bounds_on_host(lo: int, hi: int, low: int, size: int, dim: int, exc: str, message: str) -> None:
    """The check `_traced_bounds` deferred, on the replay's min and max."""
    if lo < low or hi >= size:
        raise {"IndexError": IndexError, "RuntimeError": RuntimeError}[exc](
            message.format(bad=hi if hi >= size else lo, dim=dim, size=size))


def _iota(shape, axis) -> Tensor:
    return Tensor._from_node(node(Op.IOTA, (), dt.int64, tuple(shape), axis))


def _scatter_node(base: Tensor, axis: int, index: Tensor, src: Tensor, rop) -> Tensor:
    """out = base; out[.., index[i], ..] (rop)= src[i].  An empty index writes nothing."""
    if index.numel() == 0:
        return apply(Op.CAST, [base], base.dtype, tuple(base.shape), base.dtype)
    return apply(Op.SCATTER, [base, index, src], base.dtype, tuple(base.shape), (axis, rop))


def _along(index: Tensor, d: int, shape) -> Tensor:
    """A 1-d index placed along dim `d` and broadcast to `shape`."""
    view = tuple(index.shape[0] if a == d else 1 for a in range(len(shape)))
    return expand_to(reshape(index, view), tuple(shape))


# -- gather ------------------------------------------------------------------------------
def gather(input: Tensor, dim, index: Tensor, *, sparse_grad=False, out=None) -> Tensor:
    _require_dtype(index, _INT32_64, RuntimeError, "gather(): Expected dtype int32/int64 for index")
    d = normalize_dim(dim, input.ndim, "gather")
    if input.ndim == 0 or index.ndim == 0:
        if max(input.ndim, index.ndim) > 1:
            raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
        flat = gather(reshape(input, (1,)) if input.ndim == 0 else input, 0, reshape(index, (index.numel(),)))
        return write_out(reshape(flat, tuple(index.shape)), out)
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for a in range(index.ndim):
        if a != d and index.shape[a] > input.shape[a]:
            raise RuntimeError(f"Size does not match at dimension {a} expected index {list(index.shape)} to be no "
                               f"larger than self {list(input.shape)} apart from dimension {d}")
    index = _check_bounds(index, input.shape[d], d, negative=False, exc=RuntimeError)
    res = apply(Op.GATHER, [_shrink_to(input, index.shape, d), index], input.dtype, tuple(index.shape), d)
    return write_out(res, out)


def _shrink_to(x: Tensor, shape, skip: int) -> Tensor:
    """The leading corner of `x` of `shape` (all dims but `skip`)."""
    bounds = tuple((0, x.shape[a]) if a == skip else (0, shape[a]) for a in range(x.ndim))
    if all(b == x.shape[a] for a, (_, b) in enumerate(bounds)):
        return x
    return apply(Op.SHRINK, [x], x.dtype, tuple(b for _, b in bounds), bounds)


def index_select(input: Tensor, dim, index: Tensor, *, out=None) -> Tensor:
    _require_dtype(index, _INT32_64, RuntimeError, "index_select(): Expected dtype int32 or int64 for index")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = normalize_dim(dim, input.ndim, "index_select")
    if input.ndim == 0:
        if index.numel() != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)")
        _check_bounds(index, 1, negative=False, message="index out of range in self")
        return write_out(apply(Op.CAST, [input], input.dtype, (), input.dtype), out)
    index = _check_bounds(reshape(index, (index.numel(),)), input.shape[d], d, negative=False,
                          message="index out of range in self")
    shape = tuple(index.numel() if a == d else s for a, s in enumerate(input.shape))
    return write_out(apply(Op.GATHER, [input, _along(index, d, shape)], input.dtype, shape, d), out)


def take(input: Tensor, index: Tensor) -> Tensor:
    _require_dtype(index, _INT64, RuntimeError, "take(): Expected a long tensor for index, but got {dtype}")
    n = input.numel()
    flat = _check_bounds(reshape(index, (index.numel(),)), n,
                         message="out of range: tried to access index {bad} on a tensor of " + f"{n} elements.")
    res = apply(Op.GATHER, [reshape(input, (n,)), flat], input.dtype, flat.shape, 0)
    return reshape(res, tuple(index.shape))


def take_along_dim(input: Tensor, indices: Tensor, dim=None, *, out=None) -> Tensor:
    _require_dtype(indices, _INT64, RuntimeError,
                   "torch.take_along_dim(): dtype of indices should be Long but got {dtype}")
    if dim is None:
        return write_out(take(input, reshape(indices, (indices.numel(),))), out)
    d = normalize_dim(dim, input.ndim, "take_along_dim")
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    rest = broadcast_shapes(*(tuple(s if a != d else 1 for a, s in enumerate(t.shape)) for t in (input, indices)))
    x = S.expand(input, tuple(input.shape[d] if a == d else s for a, s in enumerate(rest)))
    idx = _check_bounds(S.expand(indices, tuple(indices.shape[d] if a == d else s for a, s in enumerate(rest))),
                        input.shape[d], d)
    return write_out(apply(Op.GATHER, [x, idx], input.dtype, tuple(idx.shape), d), out)


def masked_select(input: Tensor, mask: Tensor, *, out=None) -> Tensor:
    if mask.dtype is not dt.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(input.shape, mask.shape)
    n = math.prod(shape)
    flat = reshape(S.expand(input, shape), (n,))
    pos = nonzero(reshape(S.expand(mask, shape), (n,)), as_tuple=True)[0]
    return write_out(apply(Op.GATHER, [flat, pos], input.dtype, tuple(pos.shape), 0), out)


# -- scatter -----------------------------------------------------------------------------
def _scatter(input: Tensor, dim, index: Tensor, src, rop, op: str = "scatter") -> Tensor:
    _require_dtype(index, _INT32_64, RuntimeError, f"{op}(): Expected dtype int32/int64 for index")
    if input.ndim == 0:
        src = reshape(src, (1,)) if isinstance(src, Tensor) and src.ndim == 0 else src
        one = _scatter(reshape(input, (1,)), 0, reshape(index, (index.numel(),)), src, rop, op)
        return reshape(one, ())
    d = normalize_dim(dim, input.ndim, op)
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor):
        if src.dtype != input.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if any(index.shape[a] > src.shape[a] or (a != d and index.shape[a] > input.shape[a])
               for a in range(index.ndim)):
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} "
                               f"apart from dimension {d} and to be no larger size than src {list(src.shape)}")
        src = _shrink_to(src, index.shape, -1)
    else:
        src = expand_to(const(src, input.dtype), tuple(index.shape))
    index = _check_bounds(index, input.shape[d], d, negative=False, exc=RuntimeError)
    return _scatter_node(input, d, index, src, rop)


def scatter(input, dim, index, src=None, *, value=None, reduce=None) -> Tensor:
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    rop = {None: None, "add": ReduceOp.SUM, "multiply": ReduceOp.PROD}[reduce]
    if reduce is not None and isinstance(src, Tensor):
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                      "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                      UserWarning, stacklevel=2)
    return _scatter(input, dim, index, value if src is None else src, rop)


def scatter_add(input, dim, index, src) -> Tensor:
    return _scatter(input, dim, index, src, ReduceOp.SUM, "scatter_add")


_SCATTER_REDUCE = {"sum": ReduceOp.SUM, "prod": ReduceOp.PROD, "amax": ReduceOp.MAX, "amin": ReduceOp.MIN}


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True) -> Tensor:
    if reduce not in _SCATTER_REDUCE and reduce != "mean":
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if include_self:
        base = input
    else:  # positions the index touches start from the reduction's identity
        touched = _scatter(const(False, dt.bool_, input.shape), dim, index, True, None)
        base = where(touched, const(_identity(reduce, input.dtype), input.dtype), input)
    if reduce != "mean":
        return _scatter(base, dim, index, src, _SCATTER_REDUCE[reduce], "scatter_reduce")
    total = _scatter(base, dim, index, src, ReduceOp.SUM, "scatter_reduce")
    count = _scatter(const(int(include_self), input.dtype, input.shape), dim, index, 1, ReduceOp.SUM)
    count = where(count == 0, const(1, input.dtype), count)
    from .pointwise import div
    return div(total, count, rounding_mode=None if input.dtype.kind == "f" else "floor")


def _identity(reduce: str, d: dt.DType):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if d.kind == "f":
        return float("-inf") if reduce == "amax" else float("inf")
    if d.kind == "b":
        return reduce == "amin"
    info = np.iinfo(d.storage)
    return int(info.min if reduce == "amax" else info.max)


def _index_source(input: Tensor, d: int, index: Tensor, source: Tensor, op: str, count_exc=RuntimeError,
                  count_msg="") -> Tensor:
    """Checks an index_add/index_copy source against self and returns the index broadcast
    along `d` to the source's shape."""
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    n = index.numel()
    if source.ndim and n != source.shape[d]:
        raise count_exc(count_msg.format(n=n, m=source.shape[d], d=d))
    if source.ndim and (source.ndim != input.ndim or
                        any(a != d and s != input.shape[a] for a, s in enumerate(source.shape))):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")
    return reshape(index, (n,))


def index_add(input, dim, index, source, *, alpha=1) -> Tensor:
    _require_dtype(index, _INT32_64, RuntimeError,
                   "index_add_(): Expected dtype int32/int64 for index but got: {dtype}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_add_(): self ({torch_name(input.dtype)}) and source "
                           f"({torch_name(source.dtype)}) must have the same scalar type")
    d = normalize_dim(dim, input.ndim, "index_add")
    index = _index_source(input, d, index, source, "index_add_", count_msg="index_add_(): Number of indices ({n}) "
                          "should be equal to source.size(dim): ({m}), for dim: {d}")
    index = _check_bounds(index, input.shape[d] if input.ndim else 1, d, negative=False, exc=RuntimeError)
    src = source * alpha if alpha != 1 else source
    return _index_write(input, d, index, src, ReduceOp.SUM)


def index_copy(input, dim, index, source) -> Tensor:
    _require_dtype(index, _INT64, RuntimeError, "index_copy_(): Expected a long tensor for index, but got {dtype}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{torch_name(input.dtype)} and (source) {torch_name(source.dtype)}")
    d = normalize_dim(dim, input.ndim, "index_copy")
    index = _index_source(input, d, index, source, "index_copy_", IndexError,
                          "index_copy_(): Number of indices ({n}) should be equal to source.size(dim) ({m})")
    index = _check_bounds(index, input.shape[d] if input.ndim else 1, d, negative=False,
                          message="index_copy_(): " + _OOB)
    return _index_write(input, d, index, source, None)


def _index_write(input: Tensor, d: int, index: Tensor, source: Tensor, rop) -> Tensor:
    if input.ndim == 0:
        return reshape(_scatter_node(reshape(input, (1,)), 0, index, reshape(source, (1,)), rop), ())
    return _scatter_node(input, d, _along(index, d, source.shape), source, rop)


def index_fill(input, dim, index, value) -> Tensor:
    """A WHERE on a per-slice flag (one tiny scatter), not a scatter into the whole tensor."""
    _require_dtype(index, _INT64, IndexError, "index_fill_(): Expected dtype int64 for index.")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    d = normalize_dim(dim, input.ndim, "index_fill")
    n = input.shape[d] if input.ndim else 1
    index = _check_bounds(reshape(index, (index.numel(),)), n, d)
    flags = _scatter_node(const(False, dt.bool_, (n,)), 0, index, const(True, dt.bool_, index.shape), None)
    if input.ndim:
        flags = _along(flags, d, input.shape)
    return where(reshape(flags, tuple(input.shape)), cast(to_tensor(value, input.dtype), input.dtype), input)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate=False) -> Tensor:
    _require_dtype(index, _INT64, RuntimeError, "put_(): Expected a long tensor for index, but got {dtype}")
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{torch_name(input.dtype)} and source.dtype = {torch_name(source.dtype)}")
    n = input.numel()
    flat = _check_bounds(reshape(index, (index.numel(),)), n,
                         message="out of range: tried to access index {bad} on a tensor of " + f"{n} elements.")
    new = _scatter_node(reshape(input, (n,)), 0, flat, reshape(source, (source.numel(),)),
                        ReduceOp.SUM if accumulate else None)
    return reshape(new, tuple(input.shape))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    if mask.dtype is not dt.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{torch_name(mask.dtype)}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{torch_name(input.dtype)} and {torch_name(source.dtype)}")
    shape = broadcast_shapes(input.shape, mask.shape)
    n = math.prod(shape)
    pos = nonzero(reshape(S.expand(mask, shape), (n,)), as_tuple=True)[0]
    k = pos.shape[0]
    if source.numel() < k:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    src = S.slice_dim(reshape(source, (source.numel(),)), 0, 0, k)
    return reshape(_scatter_node(reshape(S.expand(input, shape), (n,)), 0, pos, src, None), shape)


# -- data-dependent shapes: the index list is computed on the host from realized data ---
def nonzero(input: Tensor, *, out=None, as_tuple=False):
    from .creation import host_to_tensor
    a = input._values()
    if input.ndim == 0:  # one hit (or none) with no coordinates
        hits = int(bool(a))
        if as_tuple:
            return (host_to_tensor(np.zeros(hits, np.int64), dt.int64),)
        return write_out(host_to_tensor(np.zeros((hits, 0), np.int64), dt.int64), out)
    nz = np.nonzero(a)
    if as_tuple:
        return tuple(host_to_tensor(i.astype(np.int64), dt.int64) for i in nz)
    return write_out(host_to_tensor(np.stack(nz, axis=1).astype(np.int64), dt.int64), out)


def argwhere(input):
    return nonzero(input)


def index_put_(target: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """x[indices] = values, torch's functional form: indices are tensors (masks allowed)."""
    from .subscript import _Advanced, _check_mask, _expand_masks
    adv, dim = [], 0
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        t = cast(t, dt.bool_) if t.dtype is dt.uint8 else t
        if t.dtype is dt.bool_:
            _check_mask(t, target, dim)
        adv.append((dim, t))
        dim += t.ndim if t.dtype is dt.bool_ else 1
    if dim > target.ndim:
        raise IndexError(f"too many indices for tensor of dimension {target.ndim}")
    values = to_tensor(values, target.dtype)
    return target._assign(_Advanced(target, _expand_masks(adv)).put(values, accumulate))


def index_put(input, indices, values, accumulate=False) -> Tensor:
    return index_put_(apply(Op.CAST, [input], input.dtype, tuple(input.shape), input.dtype), indices, values,
                      accumulate)
