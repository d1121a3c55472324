"""tjit.nn.init: in-place initialisers, drawn from tjit's counter-based RNG under no_grad.

The new values stay lazy (a RAND node) until first used, so a parameter that is later
overwritten by load_state_dict never costs a kernel.
"""
from __future__ import annotations

import math
import warnings

from .._prim import cast, const
from ..ir import dtype as dt
from .. import linalg
from ..ops import creation as C, pointwise as P, reduction as R, shape as S
from ..ops.indexing import _iota
from .modules.utils import no_grad


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (torch's table)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _fill(tensor, value):
    """Write an initial value, computed now: a parameter left as a lazy random expression
    would be redrawn inside every kernel that reads it until something realizes it."""
    with no_grad():
        tensor._assign(value)
    tensor.realize()
    return tensor


def _uniform(shape, a, b, dtype, generator=None):
    return C._uniform01(shape, dtype, generator) * (b - a) + a


def _normal(shape, mean, std, dtype, generator=None):
    return C._standard_normal(shape, dtype, generator) * std + mean


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    return _fill(tensor, _uniform(tuple(tensor.shape), a, b, tensor.dtype, generator))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    return _fill(tensor, _normal(tuple(tensor.shape), mean, std, tensor.dtype, generator))


def _erfinv(y: Tensor) -> Tensor:
    """Inverse error function (Giles' approximation refined by two Newton steps), from
    elementwise ops so it fuses with the draw."""
    w = -P.log((1.0 - y) * (1.0 + y))
    central = w < 5.0
    wc = w - 2.5
    pc = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
              0.246640727, 1.50140941):
        pc = pc * wc + c
    wt = P.sqrt(w) - 3.0
    pt = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
              1.00167406, 2.83297682):
        pt = pt * wt + c
    x = P.where(central, pc, pt) * y
    for _ in range(2):
        err = P.erf(x) - y
        x = x - err / (P.exp(-x * x) * (2.0 / math.sqrt(math.pi)))
    return x


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Normal(mean, std) truncated to [a, b] by inverting the CDF (torch's method)."""
    def cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may "
                      "be incorrect.", stacklevel=2)
    lo, hi = cdf((a - mean) / std), cdf((b - mean) / std)
    compute = dt.float64 if tensor.dtype is dt.float64 else dt.float32
    u = _uniform(tuple(tensor.shape), 2 * lo - 1, 2 * hi - 1, compute, generator)
    value = P.clamp(_erfinv(u) * (std * math.sqrt(2.0)) + mean, a, b)
    return _fill(tensor, cast(value, tensor.dtype))


def constant_(tensor, val):
    return _fill(tensor, const(val, tensor.dtype, tuple(tensor.shape)))


def ones_(tensor):
    return constant_(tensor, 1)


def zeros_(tensor):
    return constant_(tensor, 0)


def eye_(tensor):
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, C.eye(*tensor.shape, dtype=tensor.dtype))


def dirac_(tensor, groups=1):
    """Identity convolution weights: channel i of each group passes through unchanged."""
    ndim = tensor.ndim
    if ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    min_dim = min(out_per_group, sizes[1])
    out_idx = _iota(sizes, 0) % out_per_group
    hit = (out_idx == _iota(sizes, 1)) & (out_idx < min_dim)
    for axis in range(2, ndim):
        hit = hit & (_iota(sizes, axis) == sizes[axis] // 2)
    return _fill(tensor, cast(hit, tensor.dtype))


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian draw."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _normal((rows, cols), 0.0, 1.0, tensor.dtype, generator)
    if rows < cols:
        flat = S.t(flat)
    q, r = linalg.qr(flat)
    q = q * P.sign(S.diagonal(r))
    if rows < cols:
        q = S.t(q)
    return _fill(tensor, S.reshape(q, tuple(tensor.shape)) * gain)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Normal(0, std) with a fraction `sparsity` of each column set to zero (rows chosen by
    a random permutation per column)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    keys = C._uniform01((rows, cols), dt.float32, generator)
    rank = R.argsort(R.argsort(keys, 0), 0)
    values = _normal((rows, cols), 0.0, std, tensor.dtype, generator)
    return _fill(tensor, P.where(rank < num_zeros, const(0, tensor.dtype), values))


def _deprecated(new):
    name = new.__name__[:-1]

    def old(*args, **kwargs):
        warnings.warn(f"`nn.init.{name}` is now deprecated in favor of `nn.init.{new.__name__}`.", FutureWarning,
                      stacklevel=2)
        return new(*args, **kwargs)
    old.__name__ = name
    old.__doc__ = f"Deprecated alias of {new.__name__}."
    return old


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
