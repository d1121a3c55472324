"""The tensor namespace the gradient rules of ir/autodiff are written against (`F`).

Each function builds primitives through tjit._prim, so gradients are lazy graph nodes
that fuse like the forward pass, and are themselves recorded under create_graph=True.
"""
from __future__ import annotations

import math

from tjit.ir import dtype as dt
from tjit.ir.ops import Op, ReduceOp

from .._prim import apply, cast, const, expand_to as expand, reshape  # noqa: F401
from ..ops.linalg import _solve as solve, inverse  # noqa: F401
from ..ops.linalg import _svd
from ..ops.pointwise import cos, exp, log, rsqrt, sign, sin, trunc, where  # noqa: F401
from ..ops.reduction import reduce as _reduce


def zeros(shape, dtype):
    return const(0, dtype, tuple(shape))


def full(shape, value, dtype):
    return const(value, dtype, tuple(shape))


def reduce(x, rop: ReduceOp, axes):
    """REDUCE keeping the reduced axes as size 1."""
    return _reduce(x, rop, tuple(axes), keepdim=True)


def sum(x, axes):  # noqa: A001 - the rules' name for it
    return reduce(x, ReduceOp.SUM, axes)


def permute(x, perm):
    perm = tuple(perm)
    if perm == tuple(range(len(perm))):
        return x
    return apply(Op.PERMUTE, [x], x.dtype, tuple(x.shape[p] for p in perm), perm)


def pad(x, widths):
    """Zero padding ((before, after) per axis)."""
    widths = tuple((int(b), int(a)) for b, a in widths)
    if not any(b or a for b, a in widths):
        return x
    shape = tuple(n + b + a for n, (b, a) in zip(x.shape, widths))
    return apply(Op.PAD, [x], x.dtype, shape, (widths, 0.0 if x.dtype.kind == "f" else 0))


def shrink(x, bounds):
    bounds = tuple((int(a), int(b)) for a, b in bounds)
    if all(a == 0 and b == n for (a, b), n in zip(bounds, x.shape)):
        return x
    return apply(Op.SHRINK, [x], x.dtype, tuple(b - a for a, b in bounds), bounds)


def flip(x, axes):
    return apply(Op.FLIP, [x], x.dtype, tuple(x.shape), tuple(axes))


def contract(a, b):
    """Batched matmul of equal-batch operands: (..., M, K) x (..., K, N)."""
    return apply(Op.CONTRACT, [a, b], a.dtype, tuple(a.shape[:-1]) + (b.shape[-1],))


def gather(src, axis: int, index):
    return apply(Op.GATHER, [src, index], src.dtype, tuple(index.shape), axis)


def scatter(base, axis: int, index, src, rop):
    """base with src written (rop None) or combined (SUM/PROD/MAX/MIN) at index along axis."""
    if math.prod(index.shape) == 0:
        return base
    return apply(Op.SCATTER, [base, index, cast(src, base.dtype)], base.dtype, tuple(base.shape), (axis, rop))


def scan(x, rop: ReduceOp, axis: int):
    if math.prod(x.shape) == 0:
        return x
    return apply(Op.SCAN, [x], x.dtype, tuple(x.shape), (rop, axis))


def iota(shape, axis: int):
    return apply(Op.IOTA, [], dt.int64, tuple(shape), axis)


def svd(x):
    """Reduced (U, S, Vh)."""
    return tuple(_svd(x, full_matrices=False))
