"""Reductions (sum, mean, max, var, norm, ...), scans (cumsum, cummax, ...) and the EXTERN
sorting family (sort, topk, kthvalue, median, mode, unique).

Reductions and scans are REDUCE / SCAN primitives, so they fuse with their elementwise
inputs and consumers (`x - x.mean(1, keepdim=True)` is one kernel).  Only the sorting family
runs a numpy routine on realized inputs, declared through `extern(...)`.
"""
from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.graph import ExternCall
from tjit.ir.ops import Op, ReduceOp

from .. import state
from ..autograd_hooks import dim_overload, grad_name
from .._prim import alias, apply, cast, const, normalize_dim, reshape, torch_name, unsupported, write_out
from .._tensor import Tensor
from .pointwise import abs, exp, isnan, log, sqrt, where

INF = float("inf")
_RETURN_TYPES: dict = {}


# -- named results -----------------------------------------------------------------------
def _return_type(name: str, fields=("values", "indices")) -> type:
    """torch.return_types.<name>: a named tuple that prints the way torch's does."""
    key = (name, tuple(fields))
    if key not in _RETURN_TYPES:
        base = namedtuple(name, fields)

        def __repr__(self):
            body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
            return f"tjit.return_types.{name}(\n{body})"
        _RETURN_TYPES[key] = type(name, (base,), {"__slots__": (), "__repr__": __repr__})
    return _RETURN_TYPES[key]


def _results(name: str, values: Tensor, indices: Tensor, out=None):
    """A (values, indices) result, written into `out=(values, indices)` when given."""
    if out is not None:
        write_out(values, out[0])
        write_out(indices, out[1])
        values, indices = out
    return _return_type(name)(values, indices)


# -- the REDUCE primitive ----------------------------------------------------------------
def _axes(x: Tensor, dim, op: str, empty_means_all: bool = True) -> tuple:
    """torch's `dim` (None, an int or a sequence; negatives wrap) as sorted axes.  A 0-d
    tensor accepts dim 0 / -1 and reduces nothing."""
    if dim is None:
        return tuple(range(x.ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims and empty_means_all:
        return tuple(range(x.ndim))
    axes = [normalize_dim(d, x.ndim, op) for d in dims]
    for i, a in enumerate(axes):
        if a in axes[:i]:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    return tuple(sorted(axes)) if x.ndim else ()


def _identity(rop: ReduceOp, d: dt.DType):
    """What a reduction over nothing gives (max / min: the type's lowest / highest value)."""
    if rop is ReduceOp.SUM:
        return 0
    if rop is ReduceOp.PROD:
        return 1
    if d.kind == "b":
        return rop is ReduceOp.MIN
    if d.kind == "f":
        return -INF if rop is ReduceOp.MAX else INF
    info = np.iinfo(d.np)
    return int(info.min if rop is ReduceOp.MAX else info.max)


def reduce(x: Tensor, rop: ReduceOp, axes: tuple, keepdim: bool = False, dtype: dt.DType | None = None) -> Tensor:
    """REDUCE over normalized `axes` with torch's keepdim.  Reducing an empty axis gives the
    identity as a constant, so no kernel ever loops over zero elements."""
    d = dtype or x.dtype
    x = cast(x, d)
    kshape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    if not axes:
        r = alias(x)
    elif builtins.any(x.shape[a] == 0 for a in axes):
        r = const(_identity(rop, d), d, kshape)
    else:
        r = _two_level(x, rop, axes, d, kshape)
        if r is None:
            r = apply(Op.REDUCE, [x], d, kshape, (rop, axes))
    return r if keepdim else _drop_axes(r, axes)


# a reduction of at least this many elements per output, into few outputs, runs in two levels
SPLIT_REDUCE_MIN = 1 << 16
SPLIT_REDUCE_CHUNK = 4096


def _two_level(x: Tensor, rop: ReduceOp, axes: tuple, d: dt.DType, kshape: tuple):
    """Reduce fixed-size chunks first, then the chunk results: the chunks run in parallel
    (they are the outer loop) and each float sum stays short, so a float32 sum of 64M
    elements keeps float32-level accuracy (blocked summation) instead of drifting."""
    R = _count(x, axes)
    outer = x.numel() // R
    if R < SPLIT_REDUCE_MIN or outer > 64:
        return None
    keep = [i for i in range(x.ndim) if i not in axes]
    perm = keep + list(axes)
    xp = x if perm == list(range(x.ndim)) else apply(Op.PERMUTE, [x], d, tuple(x.shape[i] for i in perm), tuple(perm))
    flat = reshape(xp, (outer, R))
    C = SPLIT_REDUCE_CHUNK
    n = -(-R // C)
    if n * C != R:
        flat = apply(Op.PAD, [flat], d, (outer, n * C), (((0, 0), (0, n * C - R)), _identity(rop, d)))
    parts = apply(Op.REDUCE, [reshape(flat, (outer, n, C))], d, (outer, n, 1), (rop, (2,)))
    total = apply(Op.REDUCE, [parts], d, (outer, 1, 1), (rop, (1,)))
    return reshape(total, kshape)


def _drop_axes(r: Tensor, axes) -> Tensor:
    """A keepdim result without its reduced (size-1) axes."""
    return reshape(r, tuple(s for i, s in enumerate(r.shape) if i not in axes))


def _count(x: Tensor, axes) -> int:
    return math.prod(x.shape[a] for a in axes)


def _acc(d: dt.DType) -> dt.DType:
    """The type means, variances and norms accumulate in: half types in float32, as torch."""
    return dt.float32 if d in (dt.float16, dt.bfloat16) else d


def _long_if_integral(d: dt.DType) -> dt.DType:
    return dt.int64 if d.kind in "biu" else d


def _check_nonempty(x: Tensor, axes, op: str, full: bool, shown=None):
    """torch's errors for max-like reductions (no identity) over zero elements: `full` when
    no dim was given; `shown` is the dim as torch prints it (some ops echo the user's)."""
    if full and x.numel() == 0:
        if op in ("argmax", "argmin"):
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    bad = [a for a in axes if x.shape[a] == 0]
    if bad:
        raise IndexError(f"{op}(): Expected reduction dim {bad[0] if shown is None else shown} to have non-zero size.")


# -- sums and means ----------------------------------------------------------------------
@grad_name(dim_overload("Sum"))
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    d = dtype or (out.dtype if out is not None else _long_if_integral(input.dtype))
    return write_out(reduce(input, ReduceOp.SUM, _axes(input, dim, "sum"), keepdim, d), out)


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    x = where(isnan(input), 0, input) if input.dtype.kind == "f" else input
    return sum(x, dim, keepdim, dtype=dtype, out=out)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    d = dtype or (out.dtype if out is not None else _long_if_integral(input.dtype))
    return write_out(reduce(input, ReduceOp.PROD, _axes(input, dim, "prod"), keepdim, d), out)


def _mean(x: Tensor, axes, keepdim, d: dt.DType) -> Tensor:
    s = reduce(x, ReduceOp.SUM, axes, keepdim, _acc(d))
    return cast(s / _count(x, axes), d)


@grad_name(dim_overload("Mean"))
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if dtype is not None and dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either a floating point "
                           f"or complex dtype. Got: {torch_name(dtype)}")
    if dtype is None and input.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {torch_name(input.dtype)}")
    return write_out(_mean(input, _axes(input, dim, "mean"), keepdim, dtype or input.dtype), out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if input.dtype.kind != "f":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{torch_name(input.dtype)}")
    kept = sum(~isnan(input), dim, keepdim)
    return write_out(nansum(input, dim, keepdim, dtype=dtype) / kept, out)


# -- max / min and their indices ---------------------------------------------------------
def _shown(dim):
    """The dim amax/amin echo in errors (the user's spelling); None: no dim given."""
    return dim if isinstance(dim, int) or dim is None else (dim[0] if len(dim) else None)


def amax(input, dim=(), keepdim=False, *, out=None):
    axes = _axes(input, dim, "amax")
    _check_nonempty(input, axes, "amax", _shown(dim) is None, _shown(dim))
    return write_out(reduce(input, ReduceOp.MAX, axes, keepdim), out)


def amin(input, dim=(), keepdim=False, *, out=None):
    axes = _axes(input, dim, "amin")
    _check_nonempty(input, axes, "amin", _shown(dim) is None, _shown(dim))
    return write_out(reduce(input, ReduceOp.MIN, axes, keepdim), out)


def _iota(shape, axis: int) -> Tensor:
    return apply(Op.IOTA, [], dt.int64, shape, axis)


def _arg_extreme(x: Tensor, axis: int, keepdim: bool, rop: ReduceOp) -> Tensor:
    """Index of the first extreme value along `axis`; NaN counts as the extreme, as in torch.
    Two fused reductions: the extreme, then the smallest index that attains it."""
    if x.ndim == 0:
        return const(0, dt.int64)
    m = reduce(x, rop, (axis,), True)
    hit = x == m
    if x.dtype.kind == "f":
        hit = hit | isnan(x)
    idx = where(hit, _iota(tuple(x.shape), axis), x.shape[axis])
    return reduce(idx, ReduceOp.MIN, (axis,), keepdim)


def _argmax_like(input, dim, keepdim, rop: ReduceOp, op: str) -> Tensor:
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"{op}(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    if input.dtype is dt.bool_:
        raise RuntimeError(f"{op}(): does not support bool input")
    if dim is None:
        _check_nonempty(input, tuple(range(input.ndim)), op, True)
        flat = reshape(input, (input.numel(),))
        r = _arg_extreme(flat, 0, False, rop)
        return reshape(r, (1,) * input.ndim) if keepdim else r
    axes = _axes(input, dim, op)
    _check_nonempty(input, axes, op, False)
    return _arg_extreme(input, axes[0] if axes else 0, keepdim, rop)


def argmax(input, dim=None, keepdim=False, *, out=None):
    return write_out(_argmax_like(input, dim, keepdim, ReduceOp.MAX, "argmax"), out)


def argmin(input, dim=None, keepdim=False, *, out=None):
    return write_out(_argmax_like(input, dim, keepdim, ReduceOp.MIN, "argmin"), out)


def _max_like(input, dim, keepdim, other, out, rop: ReduceOp, op: str):
    """torch.max / torch.min: the full reduction, (values, indices) along a dim, or the
    elementwise maximum/minimum with another tensor."""
    if isinstance(dim, Tensor) or other is not None:
        from .pointwise import maximum, minimum
        return (maximum if rop is ReduceOp.MAX else minimum)(input, dim if other is None else other, out=out)
    if dim is None:
        axes = tuple(range(input.ndim))
        _check_nonempty(input, axes, op, True)
        from ..autograd.graph import rename
        return write_out(rename(reduce(input, rop, axes, False), f"{op.title()}Backward1"), out)
    if not isinstance(dim, int):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    axes = _axes(input, dim, op)
    _check_nonempty(input, axes, op, False)
    values = reduce(input, rop, axes, keepdim)
    indices = _arg_extreme(input, axes[0] if axes else 0, keepdim, rop)
    if axes and values.requires_grad:
        values = _at_indices(input, indices, axes[0], keepdim, f"{op.title()}Backward0")
    return _results(op, values, indices, out)


def _at_indices(input: Tensor, indices: Tensor, axis: int, keepdim: bool, name: str) -> Tensor:
    """max/min(dim) values read at the returned indices: torch gives the gradient to that
    element alone, not to every tie."""
    kshape = tuple(1 if i == axis else s for i, s in enumerate(input.shape))
    v = apply(Op.GATHER, [input, reshape(indices, kshape)], input.dtype, kshape, axis)
    from ..autograd.graph import rename
    return rename(v if keepdim else reshape(v, tuple(indices.shape)), name)


def max(input, dim=None, keepdim=False, *, other=None, out=None):
    return _max_like(input, dim, keepdim, other, out, ReduceOp.MAX, "max")


def min(input, dim=None, keepdim=False, *, other=None, out=None):
    return _max_like(input, dim, keepdim, other, out, ReduceOp.MIN, "min")


# -- logical reductions ------------------------------------------------------------------
def _logical(input, dim, keepdim, out, rop: ReduceOp, op: str):
    """all/any: bool results (uint8 for uint8 input, as torch); an empty dim list reduces
    nothing here, unlike sum's."""
    axes = _axes(input, dim, op, empty_means_all=False)
    r = reduce(cast(input, dt.bool_), rop, axes, keepdim)
    return write_out(cast(r, dt.uint8 if input.dtype is dt.uint8 else dt.bool_), out)


def all(input, dim=None, keepdim=False, *, out=None):
    return _logical(input, dim, keepdim, out, ReduceOp.MIN, "all")


def any(input, dim=None, keepdim=False, *, out=None):
    return _logical(input, dim, keepdim, out, ReduceOp.MAX, "any")


def count_nonzero(input, dim=None):
    return sum(input != 0, dim)


# -- variance and standard deviation -----------------------------------------------------
def _moments(x: Tensor, dim, unbiased, keepdim, correction, op: str):
    """(variance, mean) by the two-pass formula (accurate, and one kernel with keepdim: the
    mean is an inner reduction of the same loop nest).  Divides by max(N - correction, 0)
    like torch, so too few elements give inf or nan."""
    if isinstance(dim, bool):  # the old var(input, unbiased) overload
        dim, unbiased = None, dim
    if x.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    c = correction if correction is not None else (0 if unbiased is False else 1)
    axes = _axes(x, dim, op)
    n = _count(x, axes)
    if (n if x.numel() else 0) - c <= 0:  # torch's N is numel(input) / numel(output): 0 when empty
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    xa = cast(x, _acc(x.dtype))
    mu = reduce(xa, ReduceOp.SUM, axes, True) / n
    dev = xa - mu
    var_ = reduce(dev * dev, ReduceOp.SUM, axes, keepdim) / builtins.max(n - c, 0)
    return var_, (mu if keepdim else _drop_axes(mu, axes))


@grad_name("VarBackward0")
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    v, _ = _moments(input, dim, unbiased, keepdim, correction, "var")
    return write_out(cast(v, input.dtype), out)


@grad_name("StdBackward0")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    v, _ = _moments(input, dim, unbiased, keepdim, correction, "std")
    return write_out(cast(sqrt(v), input.dtype), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, m = _moments(input, dim, unbiased, keepdim, correction, "var_mean")
    return cast(v, input.dtype), cast(m, input.dtype)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, m = _moments(input, dim, unbiased, keepdim, correction, "std_mean")
    return cast(sqrt(v), input.dtype), cast(m, input.dtype)


# -- logsumexp and norms -----------------------------------------------------------------
@grad_name("LogsumexpBackward0")
def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(x - m))) + m with m the (finite) maximum: no overflow, and all -inf /
    +inf / NaN slices give what torch gives."""
    d = input.dtype if input.dtype.kind == "f" else state.default_dtype
    x = cast(input, _acc(d))
    axes = _axes(x, dim, "logsumexp")
    m = reduce(x, ReduceOp.MAX, axes, True)
    m = where(abs(m) == INF, 0.0, m)
    r = log(reduce(exp(x - m), ReduceOp.SUM, axes, True)) + m
    return write_out(cast(r if keepdim else _drop_axes(r, axes), d), out)


@grad_name("LinalgVectorNormBackward0")
def _vector_norm(x: Tensor, ord=2, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """torch.linalg.vector_norm: sum(|x|^ord)^(1/ord), with the max/min/count cases."""
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{torch_name(x.dtype)}")
    if dtype is not None:
        x = cast(x, dtype)
    axes = _axes(x, dim, "linalg.vector_norm")
    if (ord < 0 or ord == INF) and builtins.any(x.shape[a] == 0 for a in axes):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because the "
                           "operation does not have an identity")
    a = abs(cast(x, _acc(x.dtype)))
    if ord == INF:
        r = reduce(a, ReduceOp.MAX, axes, keepdim)
    elif ord == -INF:
        r = reduce(a, ReduceOp.MIN, axes, keepdim)
    elif ord == 0:
        r = reduce(cast(a != 0, a.dtype), ReduceOp.SUM, axes, keepdim)
    elif ord == 1:
        r = reduce(a, ReduceOp.SUM, axes, keepdim)
    elif ord == 2:
        r = sqrt(reduce(a * a, ReduceOp.SUM, axes, keepdim))
    else:
        r = reduce(a ** ord, ReduceOp.SUM, axes, keepdim) ** (1.0 / ord)
    return cast(r, x.dtype)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: 'fro' (and numbers) are vector norms over `dim`; 'nuc' and 'fro' over more
    than two dims go to the matrix norm, with its errors."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            r = _vector_norm(input, 2, dim, keepdim, dtype=dtype)
        else:
            from .linalg import _matrix_norm
            r = _matrix_norm(input, p, tuple(range(input.ndim)) if dim is None else dim, keepdim, dtype=dtype)
    else:
        r = _vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)
    return write_out(r, out)


@grad_name("DistBackward0")
def dist(input, other, p=2):
    diff = input - other
    if diff.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{torch_name(diff.dtype)} instead.")
    return _vector_norm(diff, p)


# -- scans -------------------------------------------------------------------------------
def _scan(x: Tensor, dim, rop: ReduceOp, dtype: dt.DType, op: str) -> Tensor:
    """SCAN along one axis (a kernel of its own; its elementwise input fuses into it)."""
    axis = normalize_dim(dim, x.ndim, op)
    x = cast(x, dtype)
    if x.ndim == 0 or x.numel() == 0:
        return alias(x)
    return apply(Op.SCAN, [x], dtype, x.shape, (rop, axis))


def cumsum(input, dim, *, dtype=None, out=None):
    return write_out(_scan(input, dim, ReduceOp.SUM, dtype or _long_if_integral(input.dtype), "cumsum"), out)


def cumprod(input, dim, *, dtype=None, out=None):
    return write_out(_scan(input, dim, ReduceOp.PROD, dtype or _long_if_integral(input.dtype), "cumprod"), out)


def _cum_extreme(input, dim, rop: ReduceOp, op: str, out):
    """Running max/min and the index of the element it came from: the last index that
    attains it (torch compares with >=), and once a NaN is seen every later NaN."""
    values = _scan(input, dim, rop, input.dtype, op)
    if input.ndim == 0:
        return _results(op, values, const(0, dt.int64), out)
    axis = normalize_dim(dim, input.ndim, op)
    hit = input == values
    if input.dtype.kind == "f":
        hit = hit | isnan(input)
    idx = where(hit, _iota(tuple(input.shape), axis), -1)
    return _results(op, values, _scan(idx, axis, ReduceOp.MAX, dt.int64, op), out)


def cummax(input, dim, *, out=None):
    return _cum_extreme(input, dim, ReduceOp.MAX, "cummax", out)


def cummin(input, dim, *, out=None):
    return _cum_extreme(input, dim, ReduceOp.MIN, "cummin", out)


def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(x - m))) + m, shifted by the slice's largest finite value (no overflow;
    terms far below it underflow).  Infinities and NaN propagate forward as in torch."""
    if input.dtype.kind != "f":
        raise unsupported("logcumsumexp_out_cpu", input.dtype)
    axis = normalize_dim(dim, input.ndim, "logcumsumexp")
    finite = where(isnan(input) | (abs(input) == INF), -INF, input)
    m = reduce(finite, ReduceOp.MAX, (axis,) if input.ndim else (), True)
    m = where(m == -INF, 0.0, m)
    return write_out(log(cumsum(exp(input - m), axis)) + m, out)


# -- extern: the sorting family ----------------------------------------------------------
def extern(name: str, params: tuple, fn, inputs: list, outputs: list) -> list:
    """Run a library routine as one schedule item.  `fn(*arrays) -> tuple of arrays` gets
    the inputs' storage (bfloat16 as raw uint16 bits); `outputs` lists (dtype, shape)."""
    call = ExternCall(name, params, fn)
    return [apply(Op.EXTERN, inputs, d, shape, (call, k)) for k, (d, shape) in enumerate(outputs)]


def _host(a: np.ndarray, bf16: bool) -> np.ndarray:
    """Comparable values of a storage array (bfloat16 bits widened to float32)."""
    return (a.astype(np.uint32) << 16).view(np.float32) if bf16 else a


def _argsort(v: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort with torch's order: NaN is the largest value (last ascending, first
    descending); equal elements keep their order."""
    if not descending:
        return np.argsort(v, axis=axis, kind="stable")
    if v.dtype.kind == "f":
        return np.lexsort((-v, ~np.isnan(v)), axis=axis)
    return np.argsort(~v, axis=axis, kind="stable")  # bitwise not reverses the order, no overflow


def _np_sort(axis: int, descending: bool, bf16: bool):
    def fn(a):
        idx = _argsort(_host(a, bf16), axis, descending)
        return np.take_along_axis(a, idx, axis), idx
    return fn


def sort(input, dim=-1, descending=False, *, stable=False, out=None):
    axis = normalize_dim(dim, input.ndim, "sort")
    if input.ndim == 0:
        return _results("sort", alias(input), const(0, dt.int64), out)
    shape = tuple(input.shape)
    v, i = extern("sort", (axis, bool(descending), input.dtype.name), _np_sort(axis, descending, input.dtype is dt.bfloat16),
                  [input], [(input.dtype, shape), (dt.int64, shape)])
    return _results("sort", v, i, out)


def argsort(input, dim=-1, descending=False, *, stable=False):
    return sort(input, dim, descending, stable=stable).indices


def msort(input, *, out=None):
    return write_out(sort(input, 0).values, out)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    if input.dtype is dt.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    axis = normalize_dim(dim, input.ndim, "topk")
    n = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    s = sort(input, axis, descending=largest)
    if input.ndim == 0:
        return _results("topk", s.values, s.indices, out)
    from .shape import narrow
    return _results("topk", narrow(s.values, axis, 0, k), narrow(s.indices, axis, 0, k), out)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    if input.dtype is dt.bool_:
        raise unsupported("kthvalue_cpu", input.dtype)
    axis = normalize_dim(dim, input.ndim, "kthvalue")
    n = input.shape[axis] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    s = sort(input, axis)
    if input.ndim == 0:
        return _results("kthvalue", s.values, s.indices, out)
    from .shape import narrow, select
    pick = (lambda t: narrow(t, axis, k - 1, 1)) if keepdim else (lambda t: select(t, axis, k - 1))
    return _results("kthvalue", pick(s.values), pick(s.indices), out)


def _np_median(axis: int, ignore_nan: bool, bf16: bool):
    """The lower median along `axis` and its index.  With NaNs: the first NaN (median) or
    the median of the other values (nanmedian; an all-NaN slice gives its first NaN)."""
    def fn(a):
        v = np.moveaxis(_host(a, bf16), axis, -1)
        order = np.argsort(v, axis=-1, kind="stable")
        n = v.shape[-1]
        count = n - np.isnan(v).sum(-1) if v.dtype.kind == "f" else np.full(v.shape[:-1], n)
        pos = np.maximum(count - 1, 0) // 2 if ignore_nan else np.where(count == n, (n - 1) // 2, count)
        idx = np.take_along_axis(order, pos[..., None], -1)
        vals = np.take_along_axis(np.moveaxis(a, axis, -1), idx, -1)
        return vals[..., 0], idx[..., 0]
    return fn


def _median(input, dim, keepdim, out, ignore_nan: bool, op: str):
    if input.dtype is dt.bool_:
        raise unsupported(f"{op}_{'cpu' if dim is None else 'out'}", input.dtype)
    flat = dim is None
    x = reshape(input, (input.numel(),)) if flat else input
    if flat and x.numel() == 0:
        return const(float("nan") if x.dtype.kind == "f" else _identity(ReduceOp.MAX, x.dtype), x.dtype)
    axis = normalize_dim(0 if flat else dim, x.ndim, op)
    if x.ndim == 0:
        return _results(op, alias(x), const(0, dt.int64), out)
    _check_nonempty(x, (axis,), op, False)
    shape = tuple(s for i, s in enumerate(x.shape) if i != axis)
    v, i = extern(op, (axis, x.dtype.name), _np_median(axis, ignore_nan, x.dtype is dt.bfloat16), [x],
                  [(x.dtype, shape), (dt.int64, shape)])
    if flat:
        return write_out(v, out)
    if keepdim:
        from .shape import unsqueeze
        v, i = unsqueeze(v, axis), unsqueeze(i, axis)
    return _results(op, v, i, out)


def median(input, dim=None, keepdim=False, *, out=None):
    return _median(input, dim, keepdim, out, False, "median")


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    return _median(input, dim, keepdim, out, True, "nanmedian")


def _np_mode(axis: int, bf16: bool):
    """Most frequent value along `axis` (the smallest on ties; NaNs never equal each other)
    and the last index where it occurs, as torch's CPU kernel."""
    def fn(a):
        raw = np.moveaxis(a, axis, -1)
        v = _host(raw, bf16)
        s = np.sort(v, axis=-1)
        n = s.shape[-1]
        pos = np.arange(n)
        starts = np.ones(s.shape, bool)
        starts[..., 1:] = s[..., 1:] != s[..., :-1]
        run = pos - np.maximum.accumulate(np.where(starts, pos, 0), axis=-1)  # run length - 1
        best = np.take_along_axis(s, np.argmax(run, axis=-1)[..., None], -1)
        same = (v == best) | (np.isnan(v) & np.isnan(best)) if v.dtype.kind == "f" else v == best
        idx = n - 1 - np.argmax(same[..., ::-1], axis=-1)
        return np.take_along_axis(raw, idx[..., None], -1)[..., 0], idx
    return fn


def mode(input, dim=-1, keepdim=False, *, out=None):
    axis = normalize_dim(dim, input.ndim, "mode")
    if input.ndim == 0:
        return _results("mode", alias(input), const(0, dt.int64), out)
    _check_nonempty(input, (axis,), "mode", False)
    shape = tuple(s for i, s in enumerate(input.shape) if i != axis)
    v, i = extern("mode", (axis, input.dtype.name), _np_mode(axis, input.dtype is dt.bfloat16), [input],
                  [(input.dtype, shape), (dt.int64, shape)])
    if keepdim:
        from .shape import unsqueeze
        v, i = unsqueeze(v, axis), unsqueeze(i, axis)
    return _results("mode", v, i, out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Sorted distinct values (NaNs stay distinct, as torch).  The result's shape depends on
    the data, so the input is realized here, like nonzero."""
    from .creation import host_to_tensor
    a = input._values()
    u, inv, counts = np.unique(a, return_inverse=True, return_counts=True, axis=dim, equal_nan=False)
    out = [host_to_tensor(u, input.dtype)]
    if return_inverse:
        out.append(host_to_tensor(inv.reshape(input.shape if dim is None else -1), dt.int64))
    if return_counts:
        out.append(host_to_tensor(counts, dt.int64))
    return out[0] if len(out) == 1 else tuple(out)
