"""Elementwise arithmetic and math, with torch's promotion, dtype support, argument checks
and `out=`.  Ops without a primitive of their own are written in primitives here (they
fuse into one kernel), following torch's CPU formulas where those decide special values
(floor division, lerp, round with decimals).  Comparison, logical and selection ops live
in `comparison` and are re-exported here, where the Tensor methods are bound from."""
from __future__ import annotations

import builtins
import math
import warnings
from numbers import Number

from tjit.ir import dtype as dt
from tjit.ir.ops import Op

from .._prim import (FLOAT_ONLY, NO_BOOL, apply, binary_args, both_tensors, broadcast_cast, c10_name, cast, const,
                     elementwise, expect_operand, expect_tensor, float_dtype_of, require_kind, result_type, to_tensor,
                     torch_name, write_out)
from .._tensor import Tensor
from ..autograd_hooks import grad_name
from .comparison import (allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, equal, ge, greater,  # noqa: F401
                         greater_equal, gt, isclose, isfinite, isinf, isnan, isneginf, isposinf, le, less, less_equal,
                         logical_and, logical_not, logical_or, logical_xor, lt, masked_fill, nan_to_num, ne, not_equal,
                         where)
from .creation import clone

# other op modules use these two names
_out = write_out
_tname = torch_name


# -- add / sub / mul -----------------------------------------------------------------------
def _check_alpha(alpha, common: dt.DType) -> None:
    if isinstance(alpha, bool) and common is not dt.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if common.kind != "f" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _scaled(other, alpha, common: dt.DType):
    """alpha * other in the common dtype (alpha never takes part in type promotion)."""
    if alpha == 1 and not isinstance(alpha, bool):
        return other
    return mul(cast(to_tensor(other, common), common), const(alpha, common))


def _plain(input, other) -> bool:
    """A tensor and a tensor or a Python float: no argument checks can fail."""
    return isinstance(input, Tensor) and (isinstance(other, Tensor) or type(other) is float)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other (bool + bool is logical or)."""
    if alpha == 1 and out is None and _plain(input, other) and type(alpha) is int:
        return elementwise(Op.ADD, input, other, name="add")
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        binary_args("add", input, other, input_number=True)
    common = result_type(input, other)
    _check_alpha(alpha, common)
    return write_out(elementwise(Op.ADD, input, _scaled(other, alpha, common), compute_dtype=common, name="add"), out)


def _check_bool_sub(input, other) -> None:
    a, b = (isinstance(x, bool) or (isinstance(x, Tensor) and x.dtype is dt.bool_) for x in (input, other))
    if a and b:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if a or b:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other; torch refuses bool operands."""
    if (alpha == 1 and type(alpha) is int and out is None and _plain(input, other) and input.dtype is not dt.bool_
            and (type(other) is float or other.dtype is not dt.bool_)):
        return elementwise(Op.SUB, input, other, name="sub")
    binary_args("sub", input, other, input_number=True)
    _check_bool_sub(input, other)
    common = result_type(input, other)
    _check_alpha(alpha, common)
    return write_out(elementwise(Op.SUB, input, _scaled(other, alpha, common), compute_dtype=common, name="sub"), out)


subtract = sub


@grad_name(lambda input, other, **_: f"RsubBackward{int(not isinstance(other, Tensor))}")
def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    if out is None and _plain(input, other):
        return elementwise(Op.MUL, input, other, name="mul")
    binary_args("mul", input, other, input_number=True)
    return write_out(elementwise(Op.MUL, input, other, name="mul"), out)


multiply = mul


# -- division family -------------------------------------------------------------------------
def _check_int_divisor(other, common: dt.DType) -> None:
    """Integer division by zero is an error in torch (its kernels check the data); so it is
    here, which realizes the divisor."""
    if common.kind == "f":
        return
    if isinstance(other, Tensor):
        from .reduction import any as any_
        zero = bool(any_(eq(other, 0)).item()) if other.numel() else False
    else:
        zero = other == 0
    if zero:
        raise RuntimeError("ZeroDivisionError")


def _prepare(op: str, input, other, kernel: str, input_number: bool = False):
    """Checks shared by the division family: argument types, bool, integer zero divisors."""
    binary_args(op, input, other, input_number)
    common = result_type(input, other)
    require_kind(kernel, common, NO_BOOL)
    _check_int_divisor(other, common)
    return common


def div(input, other, *, rounding_mode=None, out=None):
    """True division in a float type, or rounded toward zero ('trunc') or down ('floor') in
    the promoted type (integer division by zero is an error)."""
    if rounding_mode is None:
        if out is None and _plain(input, other) and input.dtype.kind == "f":
            return elementwise(Op.DIV, input, other, compute_dtype=float_dtype_of(input, other), name="div")
        binary_args("div", input, other, input_number=True)
        d = float_dtype_of(input, other)
        return write_out(elementwise(Op.DIV, input, other, compute_dtype=d, name="div"), out)
    if rounding_mode == "trunc":
        common = _prepare("div", input, other, "div_trunc_cpu", input_number=True)
        q = elementwise(Op.DIV, input, other, compute_dtype=common, name="div")
        return write_out(_trunc(q) if common.kind == "f" else q, out)
    if rounding_mode == "floor":
        return floor_divide(input, other, out=out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                       f"'{rounding_mode}'")


divide = div


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def _floor_div_float(a: Tensor, b: Tensor) -> Tensor:
    """torch's div_floor_floating: Python's // computed from fmod so that the quotient is
    the exact floor even where a / b rounds up to an integer."""
    q = a / b
    mod = apply(Op.FMOD, [a, b], a.dtype, a.shape)
    d = (a - mod) / b
    d = where((mod != 0) & ((b < 0) != (mod < 0)), d - 1, d)
    fl = _floor(d)
    fl = where(d - fl > 0.5, fl + 1, fl)
    res = where(d != 0, fl, where(signbit(q), const(-0.0, a.dtype), const(0.0, a.dtype)))
    return where(b == 0, q, res)


def floor_divide(input, other, *, out=None):
    """Python's //: the quotient rounded down."""
    common = _prepare("floor_divide", input, other, "div_floor_cpu", input_number=True)
    if common.kind != "f":
        return write_out(elementwise(Op.IDIV, input, other, compute_dtype=common, name="floor_divide"), out)
    a, b = broadcast_cast(common, "floor_divide", input, other)
    return write_out(_floor_div_float(a, b), out)


def fmod(input, other, *, out=None):
    """C's fmod: the remainder takes the dividend's sign."""
    _prepare("fmod", input, other, "fmod_cpu")
    return write_out(elementwise(Op.FMOD, input, other, name="fmod"), out)


def remainder(input, other, *, out=None):
    """Python's modulo: the result takes the divisor's sign."""
    common = _prepare("remainder", input, other, "remainder_cpu", input_number=True)
    a, b = broadcast_cast(common, "remainder", input, other)
    r = apply(Op.FMOD, [a, b], common, a.shape)
    return write_out(where((r != 0) & ((r < 0) != (b < 0)), r + b, r), out)


# -- unary -------------------------------------------------------------------------------------
def neg(input, *, out=None):
    expect_tensor(input, "neg")
    if input.dtype is dt.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return write_out(apply(Op.NEG, [input], input.dtype, input.shape), out, same_dtype=True)


negative = neg


def positive(input):
    expect_tensor(input, "positive")
    if input.dtype is dt.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _float_unary(op: Op, name: str):
    """exp, sin, ...: integer and bool inputs compute in the default float type."""
    def fn(input, *, out=None):
        expect_tensor(input, name)
        d = float_dtype_of(input)
        return write_out(apply(op, [cast(input, d)], d, input.shape), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} (torch.{name}); integer inputs give the default float type."
    return fn


exp = _float_unary(Op.EXP, "exp")
expm1 = _float_unary(Op.EXPM1, "expm1")
log = _float_unary(Op.LOG, "log")
log1p = _float_unary(Op.LOG1P, "log1p")
sqrt = _float_unary(Op.SQRT, "sqrt")
rsqrt = _float_unary(Op.RSQRT, "rsqrt")
sin = _float_unary(Op.SIN, "sin")
cos = _float_unary(Op.COS, "cos")
tan = _float_unary(Op.TAN, "tan")
tanh = _float_unary(Op.TANH, "tanh")
asin = _float_unary(Op.ASIN, "asin")
acos = _float_unary(Op.ACOS, "acos")
atan = _float_unary(Op.ATAN, "atan")
erf = _float_unary(Op.ERF, "erf")
sigmoid = _float_unary(Op.SIGMOID, "sigmoid")
reciprocal = _float_unary(Op.RECIP, "reciprocal")
arcsin, arccos, arctan = asin, acos, atan


def _floor(x):
    return apply(Op.FLOOR, [x], x.dtype, x.shape)


def _trunc(x):
    return apply(Op.TRUNC, [x], x.dtype, x.shape)


def _rounding(op: Op, name: str):
    """floor/ceil/trunc: identity (a copy) on integers, not defined for bool."""
    def fn(input, *, out=None):
        expect_tensor(input, name)
        require_kind(f"{name}_vml_cpu", input.dtype, NO_BOOL)
        if input.dtype.kind != "f":
            return write_out(clone(input), out, same_dtype=True)
        return write_out(apply(op, [input], input.dtype, input.shape), out, same_dtype=True)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} (torch.{name})."
    return fn


floor = _rounding(Op.FLOOR, "floor")
ceil = _rounding(Op.CEIL, "ceil")
trunc = _rounding(Op.TRUNC, "trunc")
fix = trunc


def round(input, *, decimals=None, out=None):
    """Round half to even; with `decimals`, torch's formula: round(x * 10^d) / 10^d, or
    round(x / 10^-d) * 10^-d for negative d (the scale is a value of the input's type)."""
    expect_tensor(input, "round")
    if decimals is not None and (not isinstance(decimals, int) or isinstance(decimals, bool)):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if decimals is None:
        require_kind("round_vml_cpu", input.dtype, NO_BOOL)
        if input.dtype.kind != "f":
            return write_out(clone(input), out, same_dtype=True)
    require_kind("round_vml_cpu" if not decimals else "round_cpu", input.dtype, FLOAT_ONLY)
    if not decimals:
        return write_out(apply(Op.ROUND, [input], input.dtype, input.shape), out, same_dtype=True)
    scale = const(10.0 ** builtins.abs(decimals), input.dtype)
    if decimals > 0:
        res = apply(Op.ROUND, [input * scale], input.dtype, input.shape) / scale
    else:
        res = apply(Op.ROUND, [input / scale], input.dtype, input.shape) * scale
    return write_out(res, out, same_dtype=True)


def frac(input, *, out=None):
    expect_tensor(input, "frac")
    require_kind("frac_cpu", input.dtype, FLOAT_ONLY)
    return write_out(input - _trunc(input), out, same_dtype=True)


def abs(input, *, out=None):
    expect_tensor(input, "abs")
    require_kind("abs_cpu", input.dtype, NO_BOOL)
    return write_out(apply(Op.ABS, [input], input.dtype, input.shape), out, same_dtype=True)


absolute = abs


def sign(input, *, out=None):
    """-1, 0 or 1 (0 for NaN, as torch's (0 < x) - (x < 0))."""
    expect_tensor(input, "sign")
    if input.dtype is dt.bool_:
        return write_out(clone(input), out, same_dtype=True)
    one, zero = const(1, input.dtype), const(0, input.dtype)
    minus = const(-1, input.dtype)
    return write_out(where(input > 0, one, where(input < 0, minus, zero)), out, same_dtype=True)


def sgn(input, *, out=None):
    return sign(input, out=out)


def signbit(input, *, out=None):
    expect_tensor(input, "signbit")
    if out is not None and out.dtype is not dt.bool_:
        raise RuntimeError("signbit does not support non-boolean outputs.")
    x = input if input.dtype.kind == "f" else cast(input, dt.float32)
    return write_out((x < 0) | ((x == 0) & ((1.0 / x) < 0)), out)


@grad_name("PowBackward0")
def square(input, *, out=None):
    return pow(input, 2, out=out)


def _as_float(input, name: str):
    expect_tensor(input, name)
    return cast(input, float_dtype_of(input))


def _in_double(input, name: str, fn):
    """fn computed in float64 and rounded once to the result type: exact where a float32
    composition of primitives would be off by an ulp or overflow early."""
    x = _as_float(input, name)
    return cast(fn(cast(x, dt.float64)), x.dtype)


def sinh(input, *, out=None):
    """(expm1(x) - expm1(-x)) / 2: no cancellation near 0."""
    return write_out(_in_double(input, "sinh", lambda x: (expm1(x) - expm1(-x)) * 0.5), out)


def cosh(input, *, out=None):
    return write_out(_in_double(input, "cosh", lambda x: (exp(x) + exp(-x)) * 0.5), out)


def _log_base(base: float):
    """log(x) / log(base), snapped to the integer k where base**k == x exactly, so exact
    powers give exact results (int(log2(8.0)) == 3)."""
    def fn(x):
        r = log(x) * (1.0 / math.log(base))
        k = apply(Op.ROUND, [r], r.dtype, r.shape)
        return where(pow(base, k) == x, k, r)
    return fn


def log2(input, *, out=None):
    return write_out(_in_double(input, "log2", _log_base(2.0)), out)


def log10(input, *, out=None):
    return write_out(_in_double(input, "log10", _log_base(10.0)), out)


def exp2(input, *, out=None):
    expect_tensor(input, "exp2")
    return write_out(pow(2.0, input), out)


# -- pow -----------------------------------------------------------------------------------------
# scalar exponents torch's CPU kernel computes without pow(), so results match bit for bit
_POW_SHORTCUTS = {
    2: lambda x: x * x, 3: lambda x: x * x * x, 0.5: lambda x: sqrt(x), -0.5: lambda x: rsqrt(x),
    -1: lambda x: reciprocal(x), -2: lambda x: reciprocal(x * x),
}


def _pow_grad_name(input, exponent, **_):
    """torch numbers pow's overloads: (Tensor, Scalar) 0, (Tensor, Tensor) 1, (Scalar, Tensor) 2."""
    return f"PowBackward{0 if not isinstance(exponent, Tensor) else 1 if isinstance(input, Tensor) else 2}"


@grad_name(_pow_grad_name)
def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        expect_operand(input, "pow", "self", 1)
        expect_tensor(exponent, "pow", "exponent", 2)
    else:
        expect_operand(exponent, "pow", "exponent", 2)
    common = result_type(input, exponent)
    if isinstance(exponent, Number):
        return write_out(_pow_scalar(cast(input, common), exponent), out)
    require_kind("pow", common, NO_BOOL)
    a, b = broadcast_cast(common, "pow", input, exponent)
    if common.kind == "f":
        return write_out(apply(Op.POW, [a, b], common, a.shape), out)
    return write_out(_int_pow(a, b), out)


def _pow_scalar(x: Tensor, exponent) -> Tensor:
    if x.dtype.kind != "f" and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if exponent == 0 and not x.requires_grad:  # with grad: x ** 0 keeps x in its history (PowBackward0)
        return const(1, x.dtype, x.shape)
    if exponent == 1:
        return clone(x)
    require_kind("pow", x.dtype, NO_BOOL)
    shortcut = _POW_SHORTCUTS.get(exponent)
    if shortcut is not None and (exponent > 0 or x.dtype.kind == "f"):
        return cast(shortcut(x), x.dtype)
    e = const(exponent, x.dtype, x.shape)
    return apply(Op.POW, [x, e], x.dtype, x.shape) if x.dtype.kind == "f" else _int_pow(x, e)


def _int_pow(a: Tensor, b: Tensor) -> Tensor:
    """Integer power; negative exponents give 1 for base 1, +-1 for base -1, else 0 (c10's powi)."""
    p = apply(Op.POW, [a, b], a.dtype, a.shape)
    if a.dtype.kind == "u":
        return p
    one = const(1, a.dtype)
    odd = (b & 1) != 0
    neg_exp = where(a == 1, one, where(a == -1, where(odd, -one, one), const(0, a.dtype)))
    return where(b < 0, neg_exp, p)


def float_power(input, exponent, *, out=None):
    a = cast(input, dt.float64) if isinstance(input, Tensor) else float(input)
    b = cast(exponent, dt.float64) if isinstance(exponent, Tensor) else float(exponent)
    return write_out(pow(a, b), out)


# -- binary math ---------------------------------------------------------------------------------
def atan2(input, other, *, out=None):
    both_tensors("atan2", input, other)
    d = float_dtype_of(input, other)
    return write_out(elementwise(Op.ATAN2, input, other, compute_dtype=d, name="atan2"), out)


arctan2 = atan2


def maximum(input, other, *, out=None):
    """NaN-propagating elementwise maximum."""
    both_tensors("maximum", input, other)
    return write_out(elementwise(Op.MAX, input, other, name="maximum"), out)


def minimum(input, other, *, out=None):
    both_tensors("minimum", input, other)
    return write_out(elementwise(Op.MIN, input, other, name="minimum"), out)


def fmax(input, other, *, out=None):
    """Maximum that ignores a NaN when the other value is a number."""
    both_tensors("fmax", input, other)
    return write_out(where(isnan(input), other, where(isnan(other), input, maximum(input, other))), out)


def fmin(input, other, *, out=None):
    both_tensors("fmin", input, other)
    return write_out(where(isnan(input), other, where(isnan(other), input, minimum(input, other))), out)


def _clamp_grad_name(input, min=None, max=None, **_):
    """torch's clamp overloads: Tensor bounds 0, Number bounds 1."""
    return f"ClampBackward{int(not isinstance(max if min is None else min, Tensor))}"


@grad_name(_clamp_grad_name)
def clamp(input, min=None, max=None, *, out=None):
    """min(max(x, lo), hi), NaN-propagating; lo > hi gives hi everywhere, like torch."""
    expect_tensor(input, "clamp")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    for name, b in (("min", min), ("max", max)):
        if b is not None:
            expect_operand(b, "clamp", name, 2 if name == "min" else 3)
    if len({isinstance(b, Tensor) for b in bounds}) > 1:
        raise TypeError("clamp() received an invalid combination of arguments - got a Tensor and a Number bound; "
                        "expected both Tensors or both Numbers")
    d = result_type(input, *bounds)
    x = cast(input, d)
    if min is not None:
        x = _clamp_side(x, min, d, lower=True)
    if max is not None:
        x = _clamp_side(x, max, d, lower=False)
    return write_out(x, out, same_dtype=not isinstance(bounds[0], Tensor))


def _clamp_side(x: Tensor, bound, d: dt.DType, lower: bool) -> Tensor:
    """x where it is inside the bound (a tie is inside, so the gradient reaches x, as in
    torch), the bound where x is outside, NaN where either is NaN."""
    b = cast(to_tensor(bound, d), d)
    inside, outside = (x >= b, x < b) if lower else (x <= b, x > b)
    return where(inside, x, where(outside, b, x + b))


clip = clamp


@grad_name(lambda input, min, **_: f"ClampMinBackward{int(isinstance(min, Tensor))}")
def clamp_min(input, min, *, out=None):
    return clamp(input, min=min, out=out)


@grad_name(lambda input, max, **_: f"ClampMaxBackward{int(isinstance(max, Tensor))}")
def clamp_max(input, max, *, out=None):
    return clamp(input, max=max, out=out)


def _deprecated_value_overload(name: str, args: tuple, value):
    """addcmul(input, value, t1, t2): the positional-value form torch still accepts with a warning."""
    if len(args) == 3 and isinstance(args[0], Number):
        warnings.warn(f"This overload of {name} is deprecated:\n\t{name}(Tensor input, Number value, Tensor tensor1, "
                      f"Tensor tensor2, *, Tensor out = None)\nConsider using one of the following signatures "
                      f"instead:\n\t{name}(Tensor input, Tensor tensor1, Tensor tensor2, *, Number value = 1, "
                      f"Tensor out = None)", UserWarning, stacklevel=3)
        return args[1], args[2], args[0]
    if len(args) != 2:
        raise TypeError(f"{name}() takes 3 positional arguments but {len(args) + 1} were given")
    return args[0], args[1], value


def addcmul(input, *args, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    t1, t2, value = _deprecated_value_overload("addcmul", args, value)
    for i, (name, t) in enumerate((("input", input), ("tensor1", t1), ("tensor2", t2))):
        expect_tensor(t, "addcmul", name, i + 1)
    d = result_type(input, t1, t2)
    require_kind("addcmul_cpu_out", d, NO_BOOL)
    return write_out(cast(input, d) + const(value, d) * cast(t1, d) * cast(t2, d), out)


def addcdiv(input, *args, value=1, out=None):
    """input + value * tensor1 / tensor2 (true division; integer operands are an error)."""
    t1, t2, value = _deprecated_value_overload("addcdiv", args, value)
    for i, (name, t) in enumerate((("input", input), ("tensor1", t1), ("tensor2", t2))):
        expect_tensor(t, "addcdiv", name, i + 1)
    if t1.dtype.kind != "f" and t2.dtype.kind != "f":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           "for all dtypes.")
    d = result_type(input, t1, t2)
    return write_out(cast(input, d) + const(value, d) * cast(t1, d) / cast(t2, d), out)


def lerp(input, end, weight, *, out=None):
    """torch's formula: start + w * (end - start) for |w| < 0.5, else end - (end - start) * (1 - w),
    exact at both ends."""
    expect_tensor(input, "lerp")
    expect_tensor(end, "lerp", "end", 2)
    expect_operand(weight, "lerp", "weight", 3)
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype != input.dtype and not (name == "weight" and t.ndim == 0):
            raise RuntimeError(f"expected dtype {c10_name(input.dtype)} for `{name}` but got dtype "
                               f"{c10_name(t.dtype)}")
    require_kind("lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar", input.dtype, FLOAT_ONLY)
    d = input.dtype
    diff = end - input
    if not isinstance(weight, Tensor):
        w = float(weight)
        res = input + diff * w if builtins.abs(w) < 0.5 else end - diff * (1.0 - w)
        return write_out(cast(res, d), out)
    w = cast(weight, d)
    return write_out(where(abs(w) < 0.5, input + w * diff, end - diff * (1 - w)), out)


def hypot(input, other, *, out=None):
    both_tensors("hypot", input, other)
    require_kind("hypot_cpu", result_type(input, other), FLOAT_ONLY)
    return write_out(sqrt(input * input + other * other), out)


def logaddexp(input, other, *, out=None):
    both_tensors("logaddexp", input, other)
    require_kind("logaddexp_cpu", result_type(input, other), FLOAT_ONLY)
    m = maximum(input, other)
    return write_out(m + log1p(exp(-abs(input - other))), out)


def xlogy(input, other, *, out=None):
    x = to_tensor(input)
    return write_out(where(x == 0, const(0.0, float_dtype_of(input, other)), x * log(to_tensor(other))), out)


# -- torch.abs_(x) and friends: the functional spelling of the in-place methods -----------------
def _functional_inplace(name: str):
    def fn(input, *args, **kwargs):
        expect_tensor(input, name)
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}(x, ...) == x.{name}(...)"
    return fn


FUNCTIONAL_INPLACE = ("abs", "acos", "arccos", "arcsin", "arctan", "asin", "atan", "ceil", "clamp", "clamp_max",
                      "clamp_min", "clip", "cos", "cosh", "erf", "exp", "exp2", "expm1", "fix", "floor", "frac", "log",
                      "log10", "log1p", "log2", "nan_to_num", "neg", "negative", "reciprocal", "round", "rsqrt",
                      "sigmoid", "sin", "sinh", "sqrt", "square", "tan", "tanh", "trunc", "xlogy")
globals().update({n + "_": _functional_inplace(n + "_") for n in FUNCTIONAL_INPLACE})


# -- the activations torch also offers as torch.* functions and Tensor methods ----------------
def relu(input):
    """torch.relu / Tensor.relu: the functional form (tjit.nn.functional.relu)."""
    from ..nn.functional import activation
    return activation.relu(input)


def softmax(input, dim, dtype=None):
    from ..nn.functional import activation
    return activation.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    from ..nn.functional import activation
    return activation.log_softmax(input, dim, dtype=dtype)
