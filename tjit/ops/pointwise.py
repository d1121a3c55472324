"""Elementwise math, comparison and logical ops, with torch's promotion and `out=`."""
from __future__ import annotations

import math
from numbers import Number

from tjit.ir import dtype as dt
from tjit.ir.ops import Op

from .. import state
from .._prim import apply, broadcast_shapes, cast, const, elementwise, expand_to, float_dtype_of, result_type, to_tensor
from .._tensor import Tensor


def _out(result: Tensor, out):
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if tuple(out.shape) != tuple(result.shape):
        out._node = cast(result, out.dtype)._node
        out._base, out._view_meta = None, None
        out._version += 1
        return out
    if dt.category(result.dtype) > dt.category(out.dtype):
        raise RuntimeError(f"result type {_tname(result.dtype)} can't be cast to the desired output type "
                           f"{_tname(out.dtype)}")
    return out._assign(result)


def _tname(d: dt.DType) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}[d.name]


def _check_tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


# -- arithmetic --------------------------------------------------------------------------
def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    if isinstance(input, Tensor) and input.dtype is dt.bool_ and isinstance(other, Tensor) and other.dtype is dt.bool_:
        return _out(elementwise(Op.OR, input, other, name="add"), out)
    return _out(elementwise(Op.ADD, input, other, name="add"), out)


def sub(input, other, *, alpha=1, out=None):
    if (isinstance(input, Tensor) and input.dtype is dt.bool_) or (isinstance(other, Tensor) and other.dtype is dt.bool_ and
                                                                 result_type(input, other) is dt.bool_):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    if alpha != 1:
        other = mul(other, alpha)
    return _out(elementwise(Op.SUB, input, other, name="sub"), out)


subtract = sub


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    return _out(elementwise(Op.MUL, input, other, name="mul"), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        d = float_dtype_of(input, other)
        return _out(elementwise(Op.DIV, input, other, compute_dtype=d, name="div"), out)
    common = result_type(input, other)
    if rounding_mode == "trunc":
        if common.kind == "f":
            return _out(trunc(elementwise(Op.DIV, input, other, name="div")), out)
        _check_int_zero(other)
        return _out(elementwise(Op.DIV, input, other, name="div"), out)
    if rounding_mode == "floor":
        return floor_divide(input, other, out=out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


divide = div


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def _check_int_zero(other):
    if isinstance(other, Number) and not isinstance(other, float) and other == 0:
        raise RuntimeError("ZeroDivisionError")


def floor_divide(input, other, *, out=None):
    common = result_type(input, other)
    if common.kind != "f":
        _check_int_zero(other)
    return _out(elementwise(Op.IDIV, input, other, name="floor_divide"), out)


def fmod(input, other, *, out=None):
    if result_type(input, other).kind != "f":
        _check_int_zero(other)
    return _out(elementwise(Op.FMOD, input, other, name="fmod"), out)


def remainder(input, other, *, out=None):
    """Python-style modulo: the result has the divisor's sign."""
    common = result_type(input, other)
    if common.kind != "f":
        _check_int_zero(other)
    r = elementwise(Op.FMOD, input, other, name="remainder")
    o = to_tensor(other, common)
    fix = (r != 0) & ((r < 0) != (o < 0))
    return _out(where(fix, r + o, r), out)


def neg(input, *, out=None):
    if input.dtype is dt.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return _out(apply(Op.NEG, [input], input.dtype, input.shape), out)


negative = neg


def positive(input):
    return input


def _unary(op: Op, name: str, float_only: bool = True):
    def fn(input, *, out=None):
        _check_tensor(input, name)
        d = float_dtype_of(input) if float_only else input.dtype
        return _out(apply(op, [cast(input, d)], d, input.shape), out)
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} (torch.{name})."
    return fn


exp = _unary(Op.EXP, "exp")
expm1 = _unary(Op.EXPM1, "expm1")
log = _unary(Op.LOG, "log")
log1p = _unary(Op.LOG1P, "log1p")
sqrt = _unary(Op.SQRT, "sqrt")
rsqrt = _unary(Op.RSQRT, "rsqrt")
sin = _unary(Op.SIN, "sin")
cos = _unary(Op.COS, "cos")
tan = _unary(Op.TAN, "tan")
tanh = _unary(Op.TANH, "tanh")
asin = _unary(Op.ASIN, "asin")
acos = _unary(Op.ACOS, "acos")
atan = _unary(Op.ATAN, "atan")
erf = _unary(Op.ERF, "erf")
sigmoid = _unary(Op.SIGMOID, "sigmoid")
reciprocal = _unary(Op.RECIP, "reciprocal")
arcsin, arccos, arctan = asin, acos, atan


def _rounding(op: Op, name: str):
    def fn(input, *, out=None):
        _check_tensor(input, name)
        if input.dtype.kind != "f":
            return _out(input, out)
        return _out(apply(op, [input], input.dtype, input.shape), out)
    fn.__name__ = name
    return fn


floor = _rounding(Op.FLOOR, "floor")
ceil = _rounding(Op.CEIL, "ceil")
trunc = _rounding(Op.TRUNC, "trunc")
fix = trunc


def round(input, *, decimals=0, out=None):
    if input.dtype.kind != "f":
        return _out(input, out)
    if decimals == 0:
        return _out(apply(Op.ROUND, [input], input.dtype, input.shape), out)
    scale = 10.0 ** decimals
    return _out(apply(Op.ROUND, [input * scale], input.dtype, input.shape) / scale, out)


def frac(input, *, out=None):
    return _out(input - trunc(input), out)


def abs(input, *, out=None):
    _check_tensor(input, "abs")
    if input.dtype is dt.bool_:
        return _out(input, out)
    return _out(apply(Op.ABS, [input], input.dtype, input.shape), out)


absolute = abs


def sign(input, *, out=None):
    if input.dtype is dt.bool_:
        return _out(input, out)
    one, zero = const(1, input.dtype), const(0, input.dtype)
    return _out(where(input > 0, one, where(input < 0, -one if input.dtype.kind != "u" else zero, zero * input)), out)


def sgn(input, *, out=None):
    return sign(input, out=out)


def signbit(input, *, out=None):
    x = cast(input, float_dtype_of(input)) if input.dtype.kind != "f" else input
    return _out((x < 0) | ((x == 0) & ((1.0 / x) < 0)), out)


def square(input, *, out=None):
    return _out(mul(input, input), out)


def sinh(input, *, out=None):
    x = cast(input, float_dtype_of(input))
    return _out((exp(x) - exp(-x)) * 0.5, out)


def cosh(input, *, out=None):
    x = cast(input, float_dtype_of(input))
    return _out((exp(x) + exp(-x)) * 0.5, out)


def log2(input, *, out=None):
    return _out(log(input) * (1.0 / math.log(2.0)), out)


def log10(input, *, out=None):
    return _out(log(input) * (1.0 / math.log(10.0)), out)


def exp2(input, *, out=None):
    return _out(exp(cast(input, float_dtype_of(input)) * math.log(2.0)), out)


def pow(input, exponent, *, out=None):
    if isinstance(input, Number) and not isinstance(exponent, Tensor):
        raise TypeError("pow(): at least one argument must be a Tensor")
    common = result_type(input, exponent)
    if common.kind in "iu" and isinstance(exponent, Number) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if isinstance(exponent, Number) and not isinstance(exponent, bool):
        if exponent == 2:
            return _out(mul(cast(input, common), cast(input, common)), out)
        if exponent == 1:
            return _out(cast(to_tensor(input), common), out)
        if exponent == 0.5 and common.kind == "f":
            return _out(sqrt(cast(input, common)), out)
    return _out(elementwise(Op.POW, input, exponent, name="pow"), out)


def float_power(input, exponent, *, out=None):
    a = cast(to_tensor(input), dt.float64) if isinstance(input, Tensor) else input
    b = cast(exponent, dt.float64) if isinstance(exponent, Tensor) else exponent
    return _out(pow(a, b) if isinstance(a, Tensor) or isinstance(b, Tensor) else pow(to_tensor(float(a)), b), out)


def atan2(input, other, *, out=None):
    d = float_dtype_of(input, other)
    return _out(elementwise(Op.ATAN2, input, other, compute_dtype=d, name="atan2"), out)


arctan2 = atan2


def maximum(input, other, *, out=None):
    return _out(elementwise(Op.MAX, input, other, name="maximum"), out)


def minimum(input, other, *, out=None):
    return _out(elementwise(Op.MIN, input, other, name="minimum"), out)


def fmax(input, other, *, out=None):
    a, b = to_tensor(input), to_tensor(other)
    return _out(where(isnan(a), b, where(isnan(b), a, maximum(a, b))), out)


def fmin(input, other, *, out=None):
    a, b = to_tensor(input), to_tensor(other)
    return _out(where(isnan(a), b, where(isnan(b), a, minimum(a, b))), out)


def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    x = input
    d = result_type(*(v for v in (input, min, max) if v is not None))
    x = cast(x, d)
    if min is not None:
        x = where(x < min, cast(to_tensor(min, d), d), x) if not isinstance(min, Tensor) else maximum(x, min)
    if max is not None:
        x = where(x > max, cast(to_tensor(max, d), d), x) if not isinstance(max, Tensor) else minimum(x, max)
    return _out(x, out)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    return _out(input + tensor1 * tensor2 * value if value != 1 else input + tensor1 * tensor2, out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    if tensor1.dtype.kind != "f" and tensor2.dtype.kind != "f":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           "for all dtypes.")
    q = tensor1 / tensor2
    return _out(input + (q * value if value != 1 else q), out)


def lerp(input, end, weight, *, out=None):
    return _out(input + (end - input) * weight, out)


def hypot(input, other, *, out=None):
    return _out(sqrt(input * input + other * other), out)


def logaddexp(input, other, *, out=None):
    m = maximum(input, other)
    return _out(m + log1p(exp(-abs(input - other))), out)


def xlogy(input, other, *, out=None):
    x = to_tensor(input)
    return _out(where(x == 0, const(0.0, float_dtype_of(input, other)), x * log(to_tensor(other))), out)


# -- comparison --------------------------------------------------------------------------
def _compare(op: Op, name: str, swap: bool = False):
    def fn(input, other, *, out=None):
        a, b = (other, input) if swap else (input, other)
        return _out(elementwise(op, a, b, out_dtype=dt.bool_, name=name), out)
    fn.__name__ = name
    return fn


eq = _compare(Op.CMPEQ, "eq")
ne = _compare(Op.CMPNE, "ne")
lt = _compare(Op.CMPLT, "lt")
le = _compare(Op.CMPLE, "le")
gt = _compare(Op.CMPLT, "gt", swap=True)
ge = _compare(Op.CMPLE, "ge", swap=True)
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def equal(input, other) -> bool:
    if tuple(input.shape) != tuple(other.shape):
        return False
    from .reduction import all as all_
    return bool(all_(eq(input, other)).item())


def isnan(input):
    if input.dtype.kind != "f":
        return const(False, dt.bool_, input.shape)
    return ne(input, input)


def isinf(input):
    if input.dtype.kind != "f":
        return const(False, dt.bool_, input.shape)
    return abs(input) == float("inf")


def isposinf(input):
    return input == float("inf") if input.dtype.kind == "f" else const(False, dt.bool_, input.shape)


def isneginf(input):
    return input == float("-inf") if input.dtype.kind == "f" else const(False, dt.bool_, input.shape)


def isfinite(input):
    if input.dtype.kind != "f":
        return const(True, dt.bool_, input.shape)
    return (input == input) & (abs(input) != float("inf"))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
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
    return cast(to_tensor(x), dt.bool_)


def logical_not(input, *, out=None):
    return _out(apply(Op.NOT, [_as_bool(input)], dt.bool_, input.shape), out)


def logical_and(input, other, *, out=None):
    return _out(elementwise(Op.AND, _as_bool(input), _as_bool(other), name="logical_and"), out)


def logical_or(input, other, *, out=None):
    return _out(elementwise(Op.OR, _as_bool(input), _as_bool(other), name="logical_or"), out)


def logical_xor(input, other, *, out=None):
    return _out(elementwise(Op.XOR, _as_bool(input), _as_bool(other), name="logical_xor"), out)


def _bitwise(op: Op, name: str):
    def fn(input, other, *, out=None):
        if result_type(input, other).kind == "f":
            raise RuntimeError(f'"{name}_cpu" not implemented for \'Float\'')
        return _out(elementwise(op, input, other, name=name), out)
    fn.__name__ = name
    return fn


bitwise_and = _bitwise(Op.AND, "bitwise_and")
bitwise_or = _bitwise(Op.OR, "bitwise_or")
bitwise_xor = _bitwise(Op.XOR, "bitwise_xor")


def bitwise_not(input, *, out=None):
    if input.dtype.kind == "f":
        raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float'")
    if input.dtype is dt.bool_:
        return logical_not(input, out=out)
    return _out(elementwise(Op.XOR, input, -1, name="bitwise_not"), out)


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    cond = to_tensor(condition)
    if cond.dtype is not dt.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_tname(cond.dtype)}")
    d = result_type(input, other)
    a, b = to_tensor(input, d), to_tensor(other, d)
    shape = broadcast_shapes(cond.shape, a.shape, b.shape, op="where")
    ins = [expand_to(cond, shape), expand_to(cast(a, d), shape), expand_to(cast(b, d), shape)]
    return _out(apply(Op.WHERE, ins, d, shape), out)


def masked_fill(input, mask, value):
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    if mask.dtype is not dt.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {_tname(mask.dtype)}")
    v = cast(to_tensor(value, input.dtype), input.dtype)
    return where(mask, v, input)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    if input.dtype.kind != "f":
        return _out(input, out)
    info = {"float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308, "float16": 65504.0,
            "bfloat16": 3.3895313892515355e38}[input.dtype.name]
    x = where(isnan(input), nan, input)
    x = where(x == float("inf"), info if posinf is None else posinf, x)
    x = where(x == float("-inf"), -info if neginf is None else neginf, x)
    return _out(x, out)
