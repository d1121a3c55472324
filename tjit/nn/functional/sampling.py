"""Resampling: interpolate (nearest, linear family, bicubic, area), pixel (un)shuffle,
affine_grid and grid_sample.  Interpolation is separable: each spatial axis is resampled in
turn by gathers at source positions computed from the output index, with torch's
coordinate rules (align_corners, scale_factor vs. size)."""
from __future__ import annotations

import math
import warnings

from ..modules.utils import _ntuple
from ._base import L, P, S, cast, const, dt, gather_dim, iota
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}
_CUBIC_A = -0.75


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


def _cubic_weights(t):
    a = _CUBIC_A

    def near(z):  # |z| <= 1
        return ((a + 2) * z - (a + 3)) * z * z + 1

    def far(z):  # 1 < |z| < 2
        return ((a * z - 5 * a) * z + 8 * a) * z - 4 * a
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


def _check_mode(x, mode, align_corners):
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
        return
    expected = _LINEAR.get(mode, 4 if mode == "bicubic" else None)
    if expected is None:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the "
                                  f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
                                  f"(got {mode})")
    if x.ndim != expected:
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs {expected}D input")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes of (N, C, *spatial) input."""
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    _check_mode(input, mode, align_corners)
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by tjit")
    sizes, scales = _output_sizes(input, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        pool = {3: adaptive_avg_pool1d, 4: adaptive_avg_pool2d, 5: adaptive_avg_pool3d}[input.ndim]
        return pool(input, sizes)
    align = bool(align_corners)
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


# -- spatial transformers ----------------------------------------------------------------
def _base_coords(n, align_corners, dtype):
    if n <= 1:
        return const(0, dtype, (n,))
    step = 2.0 / (n - 1)
    coords = iota((n,), 0, dtype) * step - 1.0
    return coords if align_corners else coords * ((n - 1) / n)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, *spatial, k) of the affine maps theta (N, k, k+1) over [-1, 1]."""
    align = bool(align_corners)
    if len(size) == 4:
        n, _, h, w = size
        if tuple(theta.shape[1:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {list(size)}. Got "
                             f"{list(theta.shape)}.")
        xs = S.expand(S.reshape(_base_coords(w, align, theta.dtype), (1, w)), (h, w))
        ys = S.expand(S.reshape(_base_coords(h, align, theta.dtype), (h, 1)), (h, w))
        base = S.stack([xs, ys, const(1, theta.dtype, (h, w))], -1)          # (H, W, 3)
        grid = L.matmul(S.reshape(base, (1, h * w, 3)), S.transpose(theta, 1, 2))
        return S.reshape(grid, (n, h, w, 2))
    if len(size) == 5:
        n, _, d, h, w = size
        if tuple(theta.shape[1:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {list(size)}. Got "
                             f"{list(theta.shape)}.")
        xs = S.expand(S.reshape(_base_coords(w, align, theta.dtype), (1, 1, w)), (d, h, w))
        ys = S.expand(S.reshape(_base_coords(h, align, theta.dtype), (1, h, 1)), (d, h, w))
        zs = S.expand(S.reshape(_base_coords(d, align, theta.dtype), (d, 1, 1)), (d, h, w))
        base = S.stack([xs, ys, zs, const(1, theta.dtype, (d, h, w))], -1)
        grid = L.matmul(S.reshape(base, (1, d * h * w, 4)), S.transpose(theta, 1, 2))
        return S.reshape(grid, (n, d, h, w, 3))
    raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                              f"respectively. Got size {list(size)}.")


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, twice_low, twice_high):
    """Reflect coordinates into [low, high] (torch's reflect_coordinates, bounds doubled)."""
    if twice_low == twice_high:
        return const(0, coord.dtype, tuple(coord.shape))
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    c = P.abs(coord - lo)
    extra = P.fmod(c, span)
    flips = P.floor(c / span)
    return P.where(P.fmod(flips, 2.0) == 0, extra + lo, span - extra + lo)


def _source_coord(coord, size, padding_mode, align_corners):
    c = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        c = P.clamp(c, 0, size - 1)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        c = P.clamp(c, 0, size - 1)
    return c


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample (N, C, H, W) input at grid (N, Ho, Wo, 2) positions in [-1, 1] (x then y)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if input.ndim != 4 or mode == "bicubic":
        raise NotImplementedError("grid_sample: tjit supports 4-D input with bilinear or nearest mode")
    align = bool(align_corners)
    n, c, h, w = input.shape
    _, ho, wo, _ = grid.shape
    gx = _source_coord(grid[..., 0], w, padding_mode, align)       # (N, Ho, Wo)
    gy = _source_coord(grid[..., 1], h, padding_mode, align)
    flat = S.reshape(input, (n, c, h * w))

    def tap(ix, iy):
        inside = (ix >= 0) & (ix <= w - 1) & (iy >= 0) & (iy <= h - 1)
        pos = P.clamp(iy, 0, h - 1) * w + P.clamp(ix, 0, w - 1)
        index = S.expand(S.reshape(cast(pos, dt.int64), (n, 1, ho * wo)), (n, c, ho * wo))
        vals = S.reshape(gather_dim(flat, 2, index), (n, c, ho, wo))
        return vals, S.unsqueeze(cast(inside, input.dtype), 1)

    if mode == "nearest":
        vals, inside = tap(P.round(gx), P.round(gy))
        return vals * inside
    x0, y0 = P.floor(gx), P.floor(gy)
    out = None
    for dx in (0, 1):
        for dy in (0, 1):
            wx = (gx - x0) if dx else (x0 + 1 - gx)
            wy = (gy - y0) if dy else (y0 + 1 - gy)
            vals, inside = tap(x0 + dx, y0 + dy)
            term = vals * inside * S.unsqueeze(wx * wy, 1)
            out = term if out is None else out + term
    return out

