"""Resampling: interpolate (nearest, linear family, bicubic, area, antialiased bilinear /
bicubic / lanczos), pixel and channel shuffles.  Interpolation is separable: each spatial
axis is resampled in turn by gathers at source positions computed from the output index,
with torch's coordinate rules (align_corners, scale_factor vs. size)."""
from __future__ import annotations

import math
import warnings

from ..modules.utils import _ntuple
from ._base import P, R, S, cast, dt, gather_dim, iota
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_LINEAR = ("linear", "bilinear", "trilinear")
_NO_ALIGN = ("nearest", "area", "nearest-exact")
_NEEDS_NDIM = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4, "lanczos": 4}
_CUBIC_A = -0.75
_ATEN_NAMES = {dt.bool_: "Bool", dt.uint8: "Byte", dt.int8: "Char", dt.int16: "Short", dt.int32: "Int",
               dt.int64: "Long", dt.float16: "Half", dt.bfloat16: "BFloat16", dt.float32: "Float",
               dt.float64: "Double"}


def _output_sizes(x, size, scale_factor, recompute_scale_factor):
    """Output sizes and the per-axis scales (input/output ratios) torch uses to map indices."""
    n = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = _ntuple(n)(size)
        if len(sizes) != n:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(x.shape[2:])} and output size of {list(sizes)}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                             "...,oK) format.")
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return tuple(int(s) for s in sizes), [None] * n
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    factors = _ntuple(n)(scale_factor)
    if len(factors) != n:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
                         f"spatial dimensions of {list(x.shape[2:])} and scale_factor of shape {list(factors)}. Please "
                         "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                         "format.")
    sizes = tuple(int(math.floor(s * f)) for s, f in zip(x.shape[2:], factors))
    scales = [None] * n if recompute_scale_factor else [float(f) for f in factors]
    return sizes, scales


def _ratio(in_size, out_size, scale, align_corners):
    """torch's area_pixel_compute_scale."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else in_size / out_size


def _source(out_size, in_size, scale, align_corners, cubic, dtype):
    """Fractional source coordinate of every output position along one axis."""
    ratio = _ratio(in_size, out_size, scale, align_corners)
    dst = iota((out_size,), 0, dtype)
    if align_corners:
        return dst * ratio
    src = (dst + 0.5) * ratio - 0.5
    return src if cubic else P.clamp_min(src, 0.0)


def _take(x, d, index):
    """x[..., index, ...] along axis d for a 1-D index (broadcast over the other axes)."""
    shape = tuple(index.shape[0] if a == d else s for a, s in enumerate(x.shape))
    view = tuple(index.shape[0] if a == d else 1 for a in range(x.ndim))
    return gather_dim(x, d, S.expand(S.reshape(index, view), shape))


def _along(v, d, ndim):
    return S.reshape(v, tuple(v.shape[0] if a == d else 1 for a in range(ndim)))


def _nearest_axis(x, d, out_size, scale, exact):
    in_size = x.shape[d]
    ratio = 1.0 / scale if scale is not None and scale > 0 else in_size / out_size
    dst = iota((out_size,), 0, dt.float32)
    src = P.floor((dst + 0.5) * ratio if exact else dst * ratio)
    return _take(x, d, P.clamp_max(cast(src, dt.int64), in_size - 1))


def _linear_axis(x, d, out_size, scale, align_corners):
    in_size = x.shape[d]
    src = _source(out_size, in_size, scale, align_corners, False, x.dtype)
    i0 = P.clamp_max(cast(P.floor(src), dt.int64), in_size - 1)
    i1 = P.clamp_max(i0 + 1, in_size - 1)
    w1 = _along(src - cast(i0, x.dtype), d, x.ndim)
    return _take(x, d, i0) * (1.0 - w1) + _take(x, d, i1) * w1


def _cubic_pieces(a):
    """The cubic-convolution kernel with parameter a: its pieces for |z| <= 1 and 1 < |z| < 2."""
    def near(z):
        return ((a + 2) * z - (a + 3)) * z * z + 1

    def far(z):
        return ((a * z - 5 * a) * z + 8 * a) * z - 4 * a
    return near, far


def _cubic_weights(t):
    """Weights of the taps at -1, 0, 1, 2 around a position t in [0, 1) past a sample."""
    near, far = _cubic_pieces(_CUBIC_A)
    return far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)


def _cubic_axis(x, d, out_size, scale, align_corners):
    in_size = x.shape[d]
    src = _source(out_size, in_size, scale, align_corners, True, x.dtype)
    base = P.floor(src)
    t = src - base
    i = cast(base, dt.int64)
    out = None
    for tap, w in zip(range(-1, 3), _cubic_weights(t)):
        term = _take(x, d, P.clamp(i + tap, 0, in_size - 1)) * _along(w, d, x.ndim)
        out = term if out is None else out + term
    return out


# -- antialiasing (torch's separable _upsample_*_aa kernels, after PIL) ------------------
def _triangle(z):
    return P.clamp_min(1.0 - P.abs(z), 0.0)


def _keys_cubic(z):
    """Keys' cubic (a = -0.5): PIL's bicubic filter, which antialiasing uses."""
    near, far = _cubic_pieces(-0.5)
    z = P.abs(z)
    return P.where(z < 1.0, near(z), P.where(z < 2.0, far(z), 0.0))


def _sinc(z):
    pz = z * math.pi
    return P.where(z == 0, 1.0, P.sin(pz) / pz)


def _lanczos3(z):
    z = P.abs(z)
    return P.where(z < 3.0, _sinc(z) * _sinc(z / 3.0), 0.0)


_AA_FILTERS = {"bilinear": (1.0, _triangle), "bicubic": (2.0, _keys_cubic), "lanczos": (3.0, _lanczos3)}


def _rounded(value, dtype):
    """A host scalar rounded to dtype, as torch holds its scale and support in scalar_t."""
    return float(dtype.np.type(value))


def _aa_axis(x, d, out_size, scale, align_corners, mode):
    """Antialiased resampling along axis d: output i averages the inputs within the filter's
    support around scale * (i + 0.5), the filter widened by the downscale ratio and its
    weights renormalized to sum to 1 (near the borders too).  The fixed-width window of
    `taps` inputs per output is one gather, weighted and summed.  The rounding follows
    torch's mix of scalar_t and double arithmetic."""
    in_size, f, f64 = x.shape[d], x.dtype, dt.float64
    half_width, kernel = _AA_FILTERS[mode]
    ratio = _rounded(_ratio(in_size, out_size, scale, align_corners), f)
    widen = max(ratio, 1.0)
    support = _rounded(half_width * widen, f)
    taps = math.ceil(support) * 2 + 1
    center = cast((iota((out_size, 1), 0, f64) + 0.5) * ratio, f)                  # (out, 1)
    first = P.clamp_min(P.floor(cast(center, f64) - support + 0.5), 0.0)
    count = P.clamp(P.clamp_max(P.floor(cast(center, f64) + support + 0.5), in_size) - first, 0, taps)
    k = iota((out_size, taps), 1, f64)
    pos = first + k                                                               # (out, taps)
    arg = cast((cast(cast(pos, f) - center, f64) + 0.5) * _rounded(1.0 / widen, f), f)
    w = P.where(k < count, kernel(arg), 0.0)
    total = R.sum(w, 1, keepdim=True)
    w = P.where(total != 0, w / total, w)
    index = S.reshape(cast(P.clamp_max(pos, in_size - 1), dt.int64), (out_size * taps,))
    vals = S.reshape(_take(x, d, index), tuple(x.shape[:d]) + (out_size, taps) + tuple(x.shape[d + 1:]))
    return R.sum(vals * S.reshape(w, (out_size, taps) + (1,) * (x.ndim - d - 1)), d + 1)


def _antialias(x, sizes, scales, align_corners, mode):
    """Width first, then height, skipping an axis whose size does not change (as torch)."""
    if x.dtype not in (dt.float32, dt.float64):
        raise NotImplementedError(f'"compute_index_ranges_weights" not implemented for '
                                  f"'{_ATEN_NAMES.get(x.dtype, x.dtype)}'")
    for i in reversed(range(len(sizes))):
        if sizes[i] != x.shape[2 + i]:
            x = _aa_axis(x, 2 + i, sizes[i], scales[i], align_corners, mode)
    return x


def _input_error(ndim, mode):
    return NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {ndim}D) for the modes: "
                               f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
                               f"(got {mode})")


def _check_mode(x, mode, align_corners, antialias):
    """torch's checks once the output size is settled, in its order."""
    if antialias and not (mode in _AA_FILTERS and x.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if mode in _NO_ALIGN:
        return
    expected = _NEEDS_NDIM.get(mode)
    if x.ndim != expected:
        if mode in _LINEAR:
            raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs {expected}D input")
        raise _input_error(x.ndim, mode)
    if mode == "lanczos":
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes of (N, C, *spatial) input."""
    if input.ndim not in (3, 4, 5):
        raise _input_error(input.ndim, mode)
    if mode in _NO_ALIGN and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                         "bicubic | trilinear")
    sizes, scales = _output_sizes(input, size, scale_factor, recompute_scale_factor)
    _check_mode(input, mode, align_corners, antialias)
    if mode == "area":
        pool = {3: adaptive_avg_pool1d, 4: adaptive_avg_pool2d, 5: adaptive_avg_pool3d}[input.ndim]
        return pool(input, sizes)
    align = bool(align_corners)
    if antialias:
        return _antialias(input, sizes, scales, align, mode)
    x = input
    for i, (out_size, scale) in enumerate(zip(sizes, scales)):
        d = 2 + i
        if mode in ("nearest", "nearest-exact"):
            x = _nearest_axis(x, d, out_size, scale, mode == "nearest-exact")
        elif mode == "bicubic":
            x = _cubic_axis(x, d, out_size, scale, align)
        else:
            x = _linear_axis(x, d, out_size, scale, align)
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- pixel and channel shuffles ---------------------------------------------------------
def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(lead)
    x = S.reshape(input, tuple(lead) + (c // (r * r), r, r, h, w))
    x = S.permute(x, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return S.reshape(x, tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)="
                           f"{h} is not divisible by {r}" if h % r else
                           f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)="
                           f"{w} is not divisible by {r}")
    k = len(lead)
    x = S.reshape(input, tuple(lead) + (c, h // r, r, w // r, r))
    x = S.permute(x, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return S.reshape(x, tuple(lead) + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    n, c = input.shape[:2]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    x = S.reshape(input, (n, groups, c // groups) + tuple(input.shape[2:]))
    return S.reshape(S.transpose(x, 1, 2), tuple(input.shape))


native_channel_shuffle = channel_shuffle
