"""F.pad in all four modes: constant padding is the PAD view; reflect, replicate and circular
read the input through an index computed from the output position (a fused gather)."""
from __future__ import annotations

from ._base import Op, P, apply, const, gather_dim, iota

_MODES = ("constant", "reflect", "replicate", "circular")


def _pairs(pad, ndim: int):
    """F.pad's flat (last-dim-first) list as ((before, after), ...) per dimension."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {ndim}")
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return widths


def constant_pad(x, widths, value=0):
    """Pad (positive widths) and crop (negative widths) with `value` as the fill."""
    crop = tuple((max(-a, 0), s - max(-b, 0)) for (a, b), s in zip(widths, x.shape))
    if any(lo != 0 or hi != s for (lo, hi), s in zip(crop, x.shape)):
        if any(hi < lo for lo, hi in crop):
            raise RuntimeError(f"The input size {list(x.shape)}, plus negative padding {widths} resulted in a "
                               "negative output size, which is invalid. Check dimension "
                               f"{next(i for i, (lo, hi) in enumerate(crop) if hi < lo)} of your input.")
        x = apply(Op.SHRINK, [x], x.dtype, tuple(hi - lo for lo, hi in crop), crop)
    grow = tuple((max(a, 0), max(b, 0)) for a, b in widths)
    if not any(a or b for a, b in grow):
        return x
    shape = tuple(s + a + b for s, (a, b) in zip(x.shape, grow))
    fill = const(value, x.dtype)._node.arg  # the value as the dtype holds it
    return apply(Op.PAD, [x], x.dtype, shape, (grow, fill))


def _source_index(mode: str, n: int, before: int, shape, dim: int):
    """Which input position each output position along `dim` reads."""
    s = iota(shape, dim) - before
    if mode == "replicate":
        return P.clamp(s, 0, n - 1)
    if mode == "circular":
        return P.remainder(s, n)
    a = P.abs(s)  # reflect: mirror at 0 and at n - 1, the edges themselves not repeated
    return (n - 1) - P.abs((n - 1) - a)


def _check_mode_dims(x, mode, n_padded):
    if x.ndim not in (n_padded + 1, n_padded + 2):
        raise NotImplementedError(f"Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now")


def _index_pad(x, widths, mode):
    """Negative widths crop first (torch's order); the rest reads the cropped input."""
    x = constant_pad(x, [(min(a, 0), min(b, 0)) for a, b in widths])
    for d, (a, b) in enumerate((max(a, 0), max(b, 0)) for a, b in widths):
        if not (a or b):
            continue
        n = x.shape[d]
        if mode == "reflect" and (a >= n or b >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({a}, {b}) at dimension {d} of input {list(x.shape)}")
        if mode == "circular" and (a > n or b > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0:
            raise RuntimeError(f"padding size is expected to be less than input size at dim {d}")
        shape = tuple(n + a + b if i == d else s for i, s in enumerate(x.shape))
        x = gather_dim(x, d, _source_index(mode, n, a, shape, d))
    return x


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: `pad` lists (before, after) widths starting from the last
    dimension; constant mode accepts negative widths (cropping)."""
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    widths = _pairs(pad, input.ndim)
    if mode == "constant":
        return constant_pad(input, widths, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    _check_mode_dims(input, mode, len(pad) // 2)
    return _index_pad(input, widths, mode)

