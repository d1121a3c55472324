"""Reductions (sum, mean, max, var, norm, ...), scans (cumsum, cumprod) and the EXTERN
sorting family (sort, topk, median, mode, kthvalue)."""
from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.graph import ExternCall
from tjit.ir.ops import Op, ReduceOp

from .. import state
from .._prim import apply, cast, const, normalize_dim, normalize_dims, reshape, to_tensor
from .._tensor import Tensor
from .pointwise import _out, _tname, abs, exp, log, sqrt, where

values_indices = namedtuple("values_indices", ["values", "indices"])
torch_return_types = {}


def _ret(name):
    if name not in torch_return_types:
        torch_return_types[name] = namedtuple(name, ["values", "indices"])
    return torch_return_types[name]


def _axes(x: Tensor, dim, op: str) -> tuple:
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(x.ndim))
    return normalize_dims(dim, x.ndim, op)


def reduce(x: Tensor, rop: ReduceOp, dim=None, keepdim=False, dtype: dt.DType | None = None, op: str = "") -> Tensor:
    """The REDUCE primitive with torch's dim/keepdim handling."""
    axes = _axes(x, dim, op)
    d = dtype or x.dtype
    x = cast(x, d)
    kshape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    if axes and x.ndim:
        r = apply(Op.REDUCE, [x], d, kshape, (rop, axes))
    else:
        r = x
    if keepdim:
        return r
    return reshape(r, tuple(s for i, s in enumerate(x.shape) if i not in axes))


def _sum_dtype(x: Tensor, dtype):
    if dtype is not None:
        return dtype
    return dt.int64 if x.dtype.kind in "biu" else x.dtype


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    return _out(reduce(input, ReduceOp.SUM, dim, keepdim, _sum_dtype(input, dtype), "sum"), out)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    return sum(where(input != input, 0.0, input), dim, keepdim, dtype=dtype)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    return _out(reduce(input, ReduceOp.PROD, dim, keepdim, _sum_dtype(input, dtype), "prod"), out)


def _count(x: Tensor, axes) -> int:
    n = 1
    for a in axes:
        n *= x.shape[a]
    return n


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    d = dtype or input.dtype
    if d.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {_tname(input.dtype)}")
    axes = _axes(input, dim, "mean")
    s = reduce(input, ReduceOp.SUM, dim, keepdim, d, "mean")
    n = _count(input, axes)
    return _out(s / n if n else s * float("nan"), out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    keep = input == input
    return nansum(input, dim, keepdim, dtype=dtype) / sum(keep, dim, keepdim)


def _check_nonempty(x: Tensor, axes, op: str):
    if x.numel() == 0 and (not axes or any(x.shape[a] == 0 for a in axes)):
        if len(axes) == x.ndim:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        raise IndexError(f"{op}(): Expected reduction dim {axes[0]} to have non-zero size.")


def amax(input, dim=(), keepdim=False, *, out=None):
    axes = _axes(input, dim, "amax")
    _check_nonempty(input, axes, "amax")
    return _out(reduce(input, ReduceOp.MAX, axes, keepdim, op="amax"), out)


def amin(input, dim=(), keepdim=False, *, out=None):
    axes = _axes(input, dim, "amin")
    _check_nonempty(input, axes, "amin")
    return _out(reduce(input, ReduceOp.MIN, axes, keepdim, op="amin"), out)


def _arg_extreme(x: Tensor, dim, keepdim, rop: ReduceOp, op: str):
    """Index of the first extreme value (NaN counts as the extreme, as in torch)."""
    if dim is None:
        x = reshape(x, (x.numel(),))
        dim = 0
    d = normalize_dim(dim, x.ndim, op)
    _check_nonempty(x, (d,) if x.ndim else (), op)
    if x.ndim == 0:
        return const(0, dt.int64)
    m = reduce(x, rop, d, True, op=op)
    hit = (x == m)
    if x.dtype.kind == "f":
        hit = hit | (x != x)
    from tjit.ir.graph import node
    idx = Tensor._from_node(node(Op.IOTA, (), dt.int64, tuple(x.shape), d))
    big = const(x.shape[d], dt.int64)
    return reduce(where(hit, idx, big), ReduceOp.MIN, d, keepdim, op=op)


def argmax(input, dim=None, keepdim=False):
    out = _arg_extreme(input, dim, keepdim, ReduceOp.MAX, "argmax")
    return reshape(out, ()) if dim is None else out


def argmin(input, dim=None, keepdim=False):
    out = _arg_extreme(input, dim, keepdim, ReduceOp.MIN, "argmin")
    return reshape(out, ()) if dim is None else out


def _minmax(input, dim, keepdim, other, out, rop: ReduceOp, op: str):
    if isinstance(dim, Tensor):
        from .pointwise import maximum, minimum
        return (maximum if rop is ReduceOp.MAX else minimum)(input, dim, out=out)
    if other is not None:
        from .pointwise import maximum, minimum
        return (maximum if rop is ReduceOp.MAX else minimum)(input, other, out=out)
    if dim is None:
        _check_nonempty(input, tuple(range(input.ndim)), op)
        return _out(reduce(input, rop, None, False, op=op), out)
    d = normalize_dim(dim, input.ndim, op)
    _check_nonempty(input, (d,) if input.ndim else (), op)
    values = reduce(input, rop, d if input.ndim else None, keepdim, op=op)
    indices = _arg_extreme(input, d, keepdim, rop, op)
    res = _ret(op)(values, indices)
    if out is not None:
        out[0]._assign(values)
        out[1]._assign(indices)
        return _ret(op)(*out)
    return res


def max(input, dim=None, keepdim=False, *, other=None, out=None):
    return _minmax(input, dim, keepdim, other, out, ReduceOp.MAX, "max")


def min(input, dim=None, keepdim=False, *, other=None, out=None):
    return _minmax(input, dim, keepdim, other, out, ReduceOp.MIN, "min")


def all(input, dim=None, keepdim=False, *, out=None):
    return _out(reduce(cast(input, dt.bool_), ReduceOp.MIN, dim, keepdim, op="all"), out)


def any(input, dim=None, keepdim=False, *, out=None):
    return _out(reduce(cast(input, dt.bool_), ReduceOp.MAX, dim, keepdim, op="any"), out)


def count_nonzero(input, dim=None):
    return sum(input != 0, dim)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if input.dtype.kind != "f":
        raise RuntimeError(f"std and var only support floating point and complex dtypes")
    c = _correction(unbiased, correction)
    axes = _axes(input, dim, "var")
    n = _count(input, axes)
    mu = reduce(input, ReduceOp.SUM, axes, True) / builtins.max(n, 1) if n else reduce(input, ReduceOp.SUM, axes, True) * float("nan")
    dev = input - mu
    ss = reduce(dev * dev, ReduceOp.SUM, axes, keepdim)
    denom = builtins.max(n - c, 0)
    return _out(ss / denom if denom else ss * float("nan") if n <= c else ss, out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return _out(sqrt(var(input, dim, unbiased, keepdim, correction=correction)), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def logsumexp(input, dim, keepdim=False, *, out=None):
    x = cast(input, input.dtype if input.dtype.kind == "f" else state.default_dtype)
    axes = _axes(x, dim, "logsumexp")
    m = reduce(x, ReduceOp.MAX, axes, True)
    m = where(abs(m) == float("inf"), const(0.0, x.dtype), m)
    s = reduce(exp(x - m), ReduceOp.SUM, axes, True)
    r = log(s) + m
    return _out(r if keepdim else reshape(r, tuple(n for i, n in enumerate(x.shape) if i not in axes)), out)


def norm(input, p="fro", dim=None, keepdim=False, *, dtype=None, out=None):
    x = cast(input, dtype) if dtype is not None else input
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_tname(x.dtype)}")
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        from .linalg import svdvals
        return _out(sum(svdvals(x), -1, keepdim), out)
    axes = _axes(x, dim, "norm")
    ax = abs(x)
    if p == 2:
        r = sqrt(reduce(x * x, ReduceOp.SUM, axes, keepdim))
    elif p == 1:
        r = reduce(ax, ReduceOp.SUM, axes, keepdim)
    elif p == float("inf"):
        r = reduce(ax, ReduceOp.MAX, axes, keepdim)
    elif p == float("-inf"):
        r = reduce(ax, ReduceOp.MIN, axes, keepdim)
    elif p == 0:
        r = reduce(cast(x != 0, x.dtype), ReduceOp.SUM, axes, keepdim)
    else:
        r = reduce(ax ** p, ReduceOp.SUM, axes, keepdim) ** (1.0 / p)
    return _out(r, out)


def dist(input, other, p=2):
    return norm(input - other, p)


# -- scans -------------------------------------------------------------------------------
def _scan(x: Tensor, dim, rop: ReduceOp, dtype, op: str):
    d = normalize_dim(dim, x.ndim, op)
    dtype = dtype or (dt.int64 if x.dtype.kind in "biu" else x.dtype)
    x = cast(x, dtype)
    if x.ndim == 0:
        return x
    return apply(Op.SCAN, [x], dtype, x.shape, (rop, d))


def cumsum(input, dim, *, dtype=None, out=None):
    return _out(_scan(input, dim, ReduceOp.SUM, dtype, "cumsum"), out)


def cumprod(input, dim, *, dtype=None, out=None):
    return _out(_scan(input, dim, ReduceOp.PROD, dtype, "cumprod"), out)


def cummax(input, dim):
    v = _scan(input, dim, ReduceOp.MAX, input.dtype, "cummax")
    return _ret("cummax")(v, _cum_arg(input, v, dim))


def cummin(input, dim):
    v = _scan(input, dim, ReduceOp.MIN, input.dtype, "cummin")
    return _ret("cummin")(v, _cum_arg(input, v, dim))


def _cum_arg(x, running, dim):
    from tjit.ir.graph import node
    d = normalize_dim(dim, x.ndim)
    idx = Tensor._from_node(node(Op.IOTA, (), dt.int64, tuple(x.shape), d))
    hit = where(x == running, idx, const(-1, dt.int64))
    return _scan(hit, d, ReduceOp.MAX, dt.int64, "cumarg")


def logcumsumexp(input, dim):
    m = reduce(input, ReduceOp.MAX, normalize_dim(dim, input.ndim), True)
    return log(cumsum(exp(input - m), dim)) + m


# -- extern: sorting family --------------------------------------------------------------
def extern(name: str, params: tuple, fn, inputs: list, outputs: list) -> list:
    """Run a library routine as one schedule item.  `outputs` lists (dtype, shape)."""
    call = ExternCall(name, params, fn)
    return [apply(Op.EXTERN, inputs, d, shape, (call, k)) for k, (d, shape) in enumerate(outputs)]


def _np_sort(dim, descending, stable):
    def fn(a):
        key = -a if descending and a.dtype.kind != "b" else a
        if descending and a.dtype.kind == "f":
            key = np.where(np.isnan(a), -np.inf, -a)  # NaN sorts first when descending, as torch
        elif descending and a.dtype.kind == "b":
            key = ~a
        elif a.dtype.kind == "u" and descending:
            key = -a.astype(np.int64)
        idx = np.argsort(key, axis=dim, kind="stable")
        return np.take_along_axis(a, idx, dim), idx.astype(np.int64)
    return fn


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    if input.ndim == 0:
        return _ret("sort")(input, const(0, dt.int64))
    d = normalize_dim(dim, input.ndim, "sort")
    v, i = extern("sort", (d, bool(descending)), _np_sort(d, descending, stable), [input],
                  [(input.dtype, tuple(input.shape)), (dt.int64, tuple(input.shape))])
    return _ret("sort")(v, i)


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    d = normalize_dim(dim, input.ndim, "topk") if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    s = sort(input, d, descending=largest)
    from .shape import narrow
    if input.ndim == 0:
        return _ret("topk")(input, const(0, dt.int64))
    return _ret("topk")(narrow(s.values, d, 0, k), narrow(s.indices, d, 0, k))


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    d = normalize_dim(dim, input.ndim, "kthvalue") if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if input.ndim == 0:
        return _ret("kthvalue")(input, const(0, dt.int64))
    s = sort(input, d)
    from .shape import select, narrow
    v, i = (narrow(s.values, d, k - 1, 1), narrow(s.indices, d, k - 1, 1)) if keepdim else \
        (select(s.values, d, k - 1), select(s.indices, d, k - 1))
    return _ret("kthvalue")(v, i)


def median(input, dim=None, keepdim=False, *, out=None):
    if dim is None:
        flat = reshape(input, (input.numel(),))
        if input.numel() == 0:
            return const(float("nan"), input.dtype)
        return kthvalue(flat, (input.numel() + 1) // 2, 0).values
    d = normalize_dim(dim, input.ndim, "median") if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    r = kthvalue(input, (n + 1) // 2, d, keepdim)
    return _ret("median")(r.values, r.indices)


def nanmedian(input, dim=None, keepdim=False):
    return median(input, dim, keepdim)


def _np_mode(dim):
    def fn(a):
        moved = np.moveaxis(a, dim, -1)
        flat = moved.reshape(-1, moved.shape[-1])
        vals = np.empty(flat.shape[0], dtype=a.dtype)
        idxs = np.empty(flat.shape[0], dtype=np.int64)
        for r, row in enumerate(flat):
            u, counts = np.unique(row, return_counts=True)
            best = u[np.argmax(counts)]  # smallest of the most frequent values, as torch
            vals[r] = best
            idxs[r] = np.nonzero(row == best)[0][-1]
        shape = moved.shape[:-1]
        return vals.reshape(shape), idxs.reshape(shape)
    return fn


def mode(input, dim=-1, keepdim=False, *, out=None):
    if input.ndim == 0:
        return _ret("mode")(input, const(0, dt.int64))
    d = normalize_dim(dim, input.ndim, "mode")
    shape = tuple(s for i, s in enumerate(input.shape) if i != d)
    v, i = extern("mode", (d,), _np_mode(d), [input], [(input.dtype, shape), (dt.int64, shape)])
    if keepdim:
        from .shape import unsqueeze
        v, i = unsqueeze(v, d), unsqueeze(i, d)
    return _ret("mode")(v, i)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    from .creation import host_to_tensor
    a = input._values()
    res = np.unique(a if dim is None else a, return_inverse=True, return_counts=True, axis=dim)
    u, inv, counts = res
    out = [host_to_tensor(u, input.dtype)]
    if return_inverse:
        out.append(host_to_tensor(inv.reshape(input.shape) if dim is None else inv, dt.int64))
    if return_counts:
        out.append(host_to_tensor(counts, dt.int64))
    return out[0] if len(out) == 1 else tuple(out)
