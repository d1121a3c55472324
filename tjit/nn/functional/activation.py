"""Activation functions, softmax and friends: elementwise tensor ops that fuse into their
neighbours (a softmax is two reductions and one elementwise kernel at most)."""
from __future__ import annotations

import math
import warnings

from ...autograd_hooks import grad_name, label
from ._base import C, P, R, S, cast, const, float_input, inplace_result, iota


def threshold(input, threshold, value, inplace=False):
    return inplace_result(input, P.where(input > threshold, input, const(value, input.dtype)), inplace)


def threshold_(input, threshold, value):
    return globals()["threshold"](input, threshold, value, inplace=True)


def relu(input, inplace=False):
    """max(x, 0), NaN and -0.0 kept as torch keeps them; the gradient at 0 is 0, as torch's."""
    zero = const(0, input.dtype)
    out = P.where(input < 0, zero, P.where(input == 0, input * zero, input))
    return inplace_result(input, label(out, "ReluBackward0"), inplace)


def relu_(input):
    return relu(input, inplace=True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return inplace_result(input, P.clamp(input, min_val, max_val), inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    return inplace_result(input, P.where(input > 0, input, P.expm1(input) * alpha), inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    return inplace_result(input, P.where(input > 0, input, P.expm1(input) * _SELU_ALPHA) * _SELU_SCALE, inplace)


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return inplace_result(input, P.where(input > 0, input, P.expm1(input / alpha) * alpha), inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return inplace_result(input, P.where(input > 0, input, input * negative_slope), inplace)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input, weight):
    """Leaky ReLU with a learned slope per channel (dim 1) or one shared slope."""
    n = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                           f"and channel size = {channels}.")
    w = S.reshape(weight, (n,) + (1,) * (input.ndim - 2)) if input.ndim >= 2 and n != 1 else S.reshape(weight, ())
    return P.where(input > 0, input, input * w)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Random leaky slope in [lower, upper) while training, their mean otherwise."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    slope = C.rand(tuple(input.shape), dtype=input.dtype) * (upper - lower) + lower
    return inplace_result(input, P.where(input >= 0, input, input * slope), inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = S.chunk(input, 2, d)
    return a * P.sigmoid(b)


@grad_name("GeluBackward0")
def gelu(input, approximate="none"):
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
        return input * 0.5 * (P.tanh(inner) + 1.0)
    if approximate != "none":
        raise RuntimeError(f"approximate argument must be either none or tanh.")
    return input * 0.5 * (P.erf(input * (1.0 / math.sqrt(2.0))) + 1.0)


def logsigmoid(input):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for large |x|."""
    return P.minimum(input, const(0, input.dtype)) - P.log1p(P.exp(-P.abs(input)))


def hardshrink(input, lambd=0.5):
    return P.where((input > lambd) | (input < -lambd), input, const(0, input.dtype))


def tanhshrink(input):
    return input - P.tanh(input)


def softsign(input):
    return input / (P.abs(input) + 1)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear above `threshold` as in torch."""
    bx = input * beta
    return P.where(bx > threshold, input, P.log1p(P.exp(bx)) / beta)


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    zero = const(0, input.dtype)
    return P.where(input > lambd, input - lambd, P.where(input < -lambd, input + lambd, zero))


def tanh(input):
    return P.tanh(input)


def sigmoid(input):
    return P.sigmoid(input)


def hardsigmoid(input, inplace=False):
    return inplace_result(input, P.clamp(input + 3.0, 0.0, 6.0) / 6.0, inplace)


def hardswish(input, inplace=False):
    return inplace_result(input, input * P.clamp(input + 3.0, 0.0, 6.0) / 6.0, inplace)


def silu(input, inplace=False):
    return inplace_result(input, label(input * P.sigmoid(input), "SiluBackward0"), inplace)


def mish(input, inplace=False):
    return inplace_result(input, input * P.tanh(softplus(input)), inplace)


# -- softmax family ----------------------------------------------------------------------
def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(input, dim, dtype, name, stacklevel):
    if dim is None:
        dim = _softmax_dim(name, input.ndim, stacklevel)
    x = cast(input, dtype) if dtype is not None else float_input(input)
    return x, dim


def _stable_shift(x, dim):
    """The row maximum, subtracted only for range: the result does not depend on it, so it
    carries no gradient (no max-backward kernels)."""
    return R.amax(x.detach(), dim, keepdim=True)


@grad_name("SoftmaxBackward0")
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x - max) / sum: one reduction for the max, one for the sum, fused elementwise."""
    x, dim = _prepare(input, dim, dtype, "softmax", _stacklevel)
    if x.ndim == 0:
        return P.exp(x - x)
    e = P.exp(x - _stable_shift(x, dim))
    return e / R.sum(e, dim, keepdim=True)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    x, dim = _prepare(input, dim, dtype, "softmin", _stacklevel)
    return softmax(-x, dim)


@grad_name("LogSoftmaxBackward0")
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    x, dim = _prepare(input, dim, dtype, "log_softmax", _stacklevel)
    if x.ndim == 0:
        return x - x
    shifted = x - _stable_shift(x, dim)
    return shifted - P.log(R.sum(P.exp(shifted), dim, keepdim=True))


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """Softmax over logits plus Gumbel noise; `hard` returns one-hot values whose gradient is
    the soft sample's (straight-through)."""
    u = C.rand(tuple(logits.shape), dtype=logits.dtype)
    gumbels = -P.log(-P.log1p(-u))  # -log of an Exp(1) sample, as torch draws it
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = R.argmax(y_soft, dim, keepdim=True)
    d = dim % logits.ndim
    y_hard = cast(P.eq(iota(tuple(y_soft.shape), d), index), logits.dtype)
    return y_hard - y_soft.detach() + y_soft
