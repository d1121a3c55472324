"""Elementwise comparison, predicates (isnan, ...), logical and bitwise ops, and selection
(where, masked_fill, nan_to_num), with torch's promotion, dtype support and `out=`."""
from __future__ import annotations

import warnings

from tjit.ir import dtype as dt
from tjit.ir.ops import Op

from .._prim import (apply, binary_args, both_tensors, broadcast_shapes, c10_name, cast, const, elementwise,
                     expand_to, expect_operand, expect_tensor, require_kind, result_type, to_tensor, torch_name,
                     write_out)
from .._tensor import Tensor
from .creation import clone


# -- comparison --------------------------------------------------------------------------------
def _compare(op: Op, name: str, swap: bool = False):
    def fn(input, other, *, out=None):
        binary_args(name, input, other)
        a, b = (other, input) if swap else (input, other)
        return write_out(elementwise(op, a, b, out_dtype=dt.bool_, name=name), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} in the promoted type of both operands; a bool result."
    return fn


eq = _compare(Op.CMPEQ, "eq")
ne = _compare(Op.CMPNE, "ne")
lt = _compare(Op.CMPLT, "lt")
le = _compare(Op.CMPLE, "le")
gt = _compare(Op.CMPLT, "gt", swap=True)
ge = _compare(Op.CMPLE, "ge", swap=True)
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def equal(input, other) -> bool:
    """Same shape and equal values (after promotion); NaN is never equal."""
    both_tensors("equal", input, other)
    if tuple(input.shape) != tuple(other.shape):
        return False
    from .reduction import all as all_
    return bool(all_(eq(input, other)).item())


def isnan(input):
    expect_tensor(input, "isnan")
    if input.dtype.kind != "f":
        return const(False, dt.bool_, input.shape)
    return ne(input, input)


def isinf(input):
    expect_tensor(input, "isinf")
    if input.dtype.kind != "f":
        return const(False, dt.bool_, input.shape)
    return abs(input) == float("inf")


def isposinf(input):
    expect_tensor(input, "isposinf")
    return input == float("inf") if input.dtype.kind == "f" else const(False, dt.bool_, input.shape)


def isneginf(input):
    expect_tensor(input, "isneginf")
    return input == float("-inf") if input.dtype.kind == "f" else const(False, dt.bool_, input.shape)


def isfinite(input):
    expect_tensor(input, "isfinite")
    if input.dtype.kind != "f":
        return const(True, dt.bool_, input.shape)
    return (input == input) & (abs(input) != float("inf"))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    both_tensors("isclose", input, other)
    if input.dtype != other.dtype:
        raise RuntimeError(f"{torch_name(input.dtype)} did not match {torch_name(other.dtype)}")
    close = abs(input - other) <= atol + rtol * abs(other)
    close = close | (input == other)
    if equal_nan:
        close = close | (isnan(input) & isnan(other))
    return close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    from .reduction import all as all_
    return bool(all_(isclose(input, other, rtol, atol, equal_nan)).item())


# -- logical / bitwise -------------------------------------------------------------------
def _as_bool(x):
    return cast(x, dt.bool_)


def logical_not(input, *, out=None):
    expect_tensor(input, "logical_not")
    return write_out(apply(Op.NOT, [_as_bool(input)], dt.bool_, input.shape), out)


def _logical(op: Op, name: str):
    def fn(input, other, *, out=None):
        both_tensors(name, input, other)
        return write_out(elementwise(op, _as_bool(input), _as_bool(other), name=name), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name}: nonzero values are True; a bool result."
    return fn


logical_and = _logical(Op.AND, "logical_and")
logical_or = _logical(Op.OR, "logical_or")
logical_xor = _logical(Op.XOR, "logical_xor")


def _bitwise(op: Op, name: str):
    def fn(input, other, *, out=None):
        binary_args(name, input, other)
        require_kind(f"{name}_cpu", result_type(input, other), "iub")
        return write_out(elementwise(op, input, other, name=name), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} of integer or bool tensors."
    return fn


bitwise_and = _bitwise(Op.AND, "bitwise_and")
bitwise_or = _bitwise(Op.OR, "bitwise_or")
bitwise_xor = _bitwise(Op.XOR, "bitwise_xor")


def bitwise_not(input, *, out=None):
    expect_tensor(input, "bitwise_not")
    require_kind("bitwise_not_cpu", input.dtype, "iub")
    if input.dtype is dt.bool_:
        return write_out(logical_not(input), out, same_dtype=True)
    return write_out(elementwise(Op.XOR, input, -1, name="bitwise_not"), out, same_dtype=True)


# -- selection -----------------------------------------------------------------------------
def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    expect_tensor(condition, "where", "condition", 1)
    if condition.dtype is dt.uint8:
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed in "
                      "a future version of PyTorch. Use a boolean condition instead.", UserWarning, stacklevel=2)
        condition = _as_bool(condition)
    if condition.dtype is not dt.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{torch_name(condition.dtype)}")
    expect_operand(input, "where", "input", 2)
    expect_operand(other, "where", "other", 3)
    d = result_type(input, other)
    a, b = (cast(to_tensor(x, d), d) for x in (input, other))
    shape = broadcast_shapes(condition.shape, a.shape, b.shape, op="where")
    ins = [expand_to(condition, shape), expand_to(a, shape), expand_to(b, shape)]
    if out is not None and out.dtype != d:
        raise RuntimeError(f"Expected out type to be {torch_name(d)} but got {torch_name(out.dtype)}")
    return write_out(apply(Op.WHERE, ins, d, shape), out)


def masked_fill(input, mask, value):
    expect_tensor(input, "masked_fill")
    expect_tensor(mask, "masked_fill", "mask", 2)
    expect_operand(value, "masked_fill", "value", 3)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    if mask.dtype is not dt.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{c10_name(mask.dtype)}")
    v = cast(value, input.dtype) if isinstance(value, Tensor) else const(value, input.dtype)
    return where(mask, v, input)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """NaN -> nan, +inf -> posinf (default: the dtype's largest value), -inf -> neginf."""
    expect_tensor(input, "nan_to_num")
    d = input.dtype
    if out is not None and out.dtype != d:
        raise RuntimeError(f"nan_to_num: dtype of out: {torch_name(out.dtype)} should be same as input: {torch_name(d)}")
    if d.kind != "f":
        return write_out(clone(input), out)
    big = {"float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308, "float16": 65504.0,
           "bfloat16": 3.3895313892515355e38}[d.name]
    pos, neg_ = (big if posinf is None else posinf), (-big if neginf is None else neginf)
    x = where(isnan(input), const(nan, d), input)
    x = where(input == float("inf"), const(pos, d), x)
    return write_out(where(input == float("-inf"), const(neg_, d), x), out)
