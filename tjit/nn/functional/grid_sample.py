"""Spatial transformers: affine_grid and grid_sample for 2-D (N, C, H, W) and volumetric
(N, C, D, H, W) input.  A grid holds normalized positions in [-1, 1] in (x, y[, z]) order,
that is the spatial axes reversed; sampling gathers the input at integer taps around each
position and sums them with interpolation weights, so values and gradients (w.r.t. input
and grid) come from the graph."""
from __future__ import annotations

import math
import warnings

from ._base import L, P, R, S, cast, const, dt, gather_dim, iota
from .sampling import _ATEN_NAMES, _CUBIC_A, _cubic_pieces

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")


def _align(align_corners) -> bool:
    """torch's default (False) for align_corners=None, with its warning."""
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", stacklevel=3)
        return False
    return bool(align_corners)


# -- affine_grid -------------------------------------------------------------------------
def _base_coords(n, align_corners, dtype):
    """torch's linspace(-1, 1, n) (stepping from -1 in the first half, back from 1 in the
    second, so it is symmetric), shrunk to pixel centres unless align_corners."""
    if n <= 1:
        return const(0, dtype, (n,))
    step = 2.0 / (n - 1)
    i = iota((n,), 0, dtype)
    coords = P.where(i < n // 2, i * step - 1.0, 1.0 - ((n - 1) - i) * step)
    return coords if align_corners else coords * ((n - 1) / n)


def _check_affine(theta, size, align_corners):
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    k = len(size) - 2
    if k not in (2, 3):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (k, k + 1):
        raise ValueError(f"Expected a batch of {k}D affine matrices of shape Nx{k}x{k + 1} for size {size}. Got "
                         f"{theta.shape}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=3)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, *spatial, k) of the affine maps theta (N, k, k+1) over [-1, 1]."""
    align = _align(align_corners)
    _check_affine(theta, size, align)
    n, spatial = size[0], tuple(int(s) for s in size[2:])
    k, points = len(spatial), math.prod(spatial)
    columns = []
    for j in range(k):                                   # x, y[, z]: the spatial axes reversed
        axis = k - 1 - j
        view = tuple(s if a == axis else 1 for a, s in enumerate(spatial))
        columns.append(S.expand(S.reshape(_base_coords(spatial[axis], align, theta.dtype), view), spatial))
    base = S.stack(columns + [const(1, theta.dtype, spatial)], -1)                    # (*spatial, k+1)
    grid = L.matmul(S.reshape(base, (1, points, k + 1)), S.transpose(theta, 1, 2))   # (N, points, k)
    return S.reshape(grid, (n,) + spatial + (k,))


# -- grid_sample -------------------------------------------------------------------------
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


def _pad_coord(c, size, padding_mode, align_corners):
    """Pixel coordinate moved inside the input by border clamping or reflection; 'zeros'
    leaves it, and taps outside read zero."""
    if padding_mode == "border":
        return P.clamp(c, 0, size - 1)
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        return P.clamp(c, 0, size - 1)
    return c


def _check_grid(input, grid, mode):
    """torch's grid_sampler checks, in its order."""
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
                           f"{list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but got "
                           f"grid with sizes {list(grid.shape)}")
    for d in range(2, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(input.shape)} with dimension {d} being empty")
    nd = 4 if input.ndim == 4 else 5
    if input.ndim != nd or grid.ndim != nd:
        raise RuntimeError(f"grid_sampler(): expected {nd}D input and grid with same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if nd == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"expected scalar type {_ATEN_NAMES.get(input.dtype, input.dtype)} but found "
                           f"{_ATEN_NAMES.get(grid.dtype, grid.dtype)}")


def _sample(input, idx, weight):
    """Sum over the trailing tap axis of weight * input at the integer positions idx (one
    float tensor (N, *out, T) per axis, in grid order x, y[, z]), as one gather.  A tap
    outside the input contributes nothing, not even a NaN weight's (torch skips it)."""
    n, c = input.shape[:2]
    sizes = tuple(reversed(input.shape[2:]))
    flat = S.reshape(input, (n, c, math.prod(sizes)))
    inside, pos, stride = None, None, 1
    for i, size in zip(idx, sizes):
        ok = (i >= 0) & (i <= size - 1)
        inside = ok if inside is None else inside & ok
        term = cast(P.where(ok, i, 0.0), dt.int64) * stride
        pos = term if pos is None else pos + term
        stride *= size
    shape = tuple(pos.shape)
    m = math.prod(shape[1:])
    vals = S.reshape(gather_dim(flat, 2, S.expand(S.reshape(pos, (n, 1, m)), (n, c, m))), (n, c) + shape[1:])
    return R.sum(P.where(S.unsqueeze(inside, 1), vals * S.unsqueeze(weight, 1), 0.0), -1)


def _tap_offsets(per_axis, k, dtype):
    """Offsets 0..per_axis-1 of every tap along each of k axes, as (T,) tensors with
    T = per_axis**k (the first axis varying slowest): pure index arithmetic, no stacking."""
    grid = (per_axis,) * k
    return [S.reshape(iota(grid, j, dtype), (per_axis ** k,)) for j in range(k)]


def _bilinear(input, coords):
    """2^k corner taps weighted by the products of their per-axis distances."""
    weight, idx = None, []
    for c, d in zip(coords, _tap_offsets(2, len(coords), input.dtype)):
        lo = S.unsqueeze(P.floor(c), -1)
        c = S.unsqueeze(c, -1)
        idx.append(lo + d)
        f = P.where(d == 0, lo + 1 - c, c - lo)
        weight = f if weight is None else weight * f
    return _sample(input, idx, weight)


def _nearest(input, coords):
    """One tap at the rounded position.  Its unit weight is built from the rounded
    coordinate (round's derivative is zero), so the grid gets torch's zero gradient."""
    rounded = [S.unsqueeze(P.round(c), -1) for c in coords]
    return _sample(input, rounded, rounded[0] - rounded[0] + 1.0)


def _bicubic(input, points, sizes, padding_mode, align_corners):
    """4x4 taps at offsets -1..2 around each position, each padded separately as torch
    does, weighted by the cubic-convolution kernel (A = -0.75) at the tap's distance."""
    near, far = _cubic_pieces(_CUBIC_A)
    weight, idx = None, []
    for p, size, d in zip(points, sizes, _tap_offsets(4, len(points), input.dtype)):
        base = S.unsqueeze(P.floor(p), -1)
        t = S.unsqueeze(p, -1) - base
        o = d - 1
        idx.append(_pad_coord(base + o, size, padding_mode, align_corners))
        z = P.where(o <= 0, t - o, o - t)
        f = P.where((o == 0) | (o == 1), near(z), far(z))
        weight = f if weight is None else weight * f
    return _sample(input, idx, weight)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample (N, C, [D,] H, W) input at grid (N, [Do,] Ho, Wo, k) positions in [-1, 1]."""
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align = _align(align_corners)
    _check_grid(input, grid, mode)
    sizes = tuple(reversed(input.shape[2:]))
    points = [_unnormalize(grid[..., j], size, align) for j, size in enumerate(sizes)]
    if mode == "bicubic":
        return _bicubic(input, points, sizes, padding_mode, align)
    coords = [_pad_coord(p, size, padding_mode, align) for p, size in zip(points, sizes)]
    return _nearest(input, coords) if mode == "nearest" else _bilinear(input, coords)
