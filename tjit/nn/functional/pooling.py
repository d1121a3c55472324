"""Pooling: sliding windows are an AS_STRIDED view of the padded input, reduced over the
kernel axes; adaptive and fractional pools read their variable windows through computed
indices (fused gathers).  Indices returned by max pools are positions in the flattened
spatial input, as torch's."""
from __future__ import annotations

import math

from ...autograd_hooks import grad_name
from ..modules.utils import _ntuple
from ._base import I, P, R, S, cast, const, dt, float_input, gather_dim, iota
from .conv import windows
from .padding import constant_pad


_I64_MAX = (1 << 63) - 1


def _tuple(v, n):
    return tuple(int(x) for x in _ntuple(n)(v))


def _out_size(size, k, s, p, d, ceil_mode):
    """torch's pooling_output_shape, including the rule that the last window must start
    inside the input or the left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _setup(x, kernel_size, stride, padding, dilation, ceil_mode, n, name, return_indices=False):
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{name}: Expected {n + 1}D or {n + 2}D input, but got input of size: {list(x.shape)}")
    kernel = _tuple(kernel_size, n)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _tuple(stride, n)
    padding, dilation = _tuple(padding, n), _tuple(dilation, n)
    _check_pads(kernel, padding, dilation, name, return_indices)
    spatial = x.shape[-n:]
    out = tuple(_out_size(sz, k, s, p, d, ceil_mode) for sz, k, s, p, d in zip(spatial, kernel, stride, padding,
                                                                               dilation))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, x.shape[-n - 1:]))}). Calculated output size: "
                           f"({'x'.join(map(str, (x.shape[-n - 1],) + out))}). Output size is too small")
    # right padding: enough for the last window (ceil mode may need more than p, floor less)
    widths = [(p, (o - 1) * s + d * (k - 1) + 1 - sz - p) for sz, k, s, p, d, o in
              zip(spatial, kernel, stride, padding, dilation, out)]
    return kernel, stride, padding, dilation, out, widths


def _check_pads(kernel, padding, dilation, name, return_indices):
    """torch's checks in torch's order: max_pool1d's own (without indices), half the dilated
    kernel (every pool), then half the kernel itself (max pools: the stricter rule)."""
    if name == "max_pool1d" and not return_indices and padding[0] > kernel[0] // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={padding[0]} "
                           f"and kernel_size={kernel[0]}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    if name.startswith("max") and any(p > k // 2 for k, p in zip(kernel, padding)):
        if len(kernel) == 3:
            (kt, kh, kw), (pt, ph, pw) = kernel, padding
            sizes = f"kT: {kt} kW: {kw} kH: {kh} padT: {pt} padW: {pw} padH: {ph}"
        else:
            (kh, kw), (ph, pw) = ((1,) + kernel)[-2:], ((0,) + padding)[-2:]
            sizes = f"padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}"
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got {sizes}")


def _lowest(dtype):
    if dtype.kind == "f":
        return float("-inf")
    return -(1 << (8 * dtype.itemsize - 1)) if dtype.kind == "i" else 0


def _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, n, name):
    kernel, stride, padding, dilation, out, widths = _setup(x, kernel_size, stride, padding, dilation, ceil_mode,
                                                            n, name, return_indices)
    lead = x.ndim - n
    xp = constant_pad(x, [(0, 0)] * lead + widths, _lowest(x.dtype))
    win, _ = windows(xp, kernel, stride, dilation, lead)
    axes = tuple(range(x.ndim, x.ndim + n))
    values = R.amax(win, axes)
    if not return_indices:
        return values
    pos = _window_positions(x.shape[-n:], out, kernel, stride, padding, dilation)
    return values, _argmax(win, values, pos, axes)


def _argmax(win, values, pos, axes, valid=None):
    """Input position of each window's maximum, as torch's scan finds it: the first maximum,
    but the last NaN (every NaN replaces the running maximum). `valid` masks window slots."""
    hit = win == _keep(values, axes)
    if valid is not None:
        hit = hit & valid
    index = R.amin(P.where(hit, pos, const(_I64_MAX, dt.int64)), axes)
    if win.dtype.kind != "f":
        return index
    nan = P.isnan(win) if valid is None else P.isnan(win) & valid
    return P.where(R.any(nan, axes), R.amax(P.where(nan, pos, const(-1, dt.int64)), axes), index)


def _keep(values, axes):
    for a in axes:
        values = S.unsqueeze(values, a)
    return values


def _window_positions(spatial, out, kernel, stride, padding, dilation):
    """Flat input position of every (output, kernel) window element: shape (*out, *kernel)."""
    n = len(spatial)
    shape = tuple(out) + tuple(kernel)
    flat = None
    for i in range(n):
        coord = iota(shape, i) * stride[i] - padding[i] + iota(shape, n + i) * dilation[i]
        flat = coord if flat is None else flat * spatial[i] + coord
    return flat


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1, "max_pool1d")


@grad_name("MaxPool2DWithIndicesBackward0")
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2, "max_pool2d")


@grad_name("MaxPool3DWithIndicesBackward0")
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3, "max_pool3d")


max_pool1d_with_indices = max_pool1d
max_pool2d_with_indices = max_pool2d
max_pool3d_with_indices = max_pool3d


def _avg_divisor(spatial, out, kernel, stride, padding, count_include_pad):
    """Elements each window averages over (torch's pool_size rule), shape (*out)."""
    n = len(spatial)
    total = None
    for i in range(n):
        start = iota(tuple(out), i) * stride[i] - padding[i]
        end = P.minimum(start + kernel[i], const(spatial[i] + padding[i], dt.int64))
        if count_include_pad:
            size = end - start
        else:
            size = P.minimum(end, const(spatial[i], dt.int64)) - P.maximum(start, const(0, dt.int64))
        total = size if total is None else total * size
    return total


def _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, n, name):
    kernel, stride, padding, _, out, widths = _setup(x, kernel_size, stride, padding, 1, ceil_mode, n, name)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    lead = x.ndim - n
    xp = constant_pad(x, [(0, 0)] * lead + widths)
    win, _ = windows(xp, kernel, stride, (1,) * n, lead)
    total = R.sum(win, tuple(range(x.ndim, x.ndim + n)))
    if divisor_override is not None:
        return total / divisor_override
    return total / cast(_avg_divisor(x.shape[-n:], out, kernel, stride, padding, count_include_pad), x.dtype)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1, "avg_pool1d")


@grad_name("AvgPool2DBackward0")
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2,
                     "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3,
                     "avg_pool3d")


def _lp_pool(x, norm_type, kernel_size, stride, ceil_mode, n):
    kernel = _tuple(kernel_size, n)
    pooled = _avg_pool(P.pow(x, norm_type), kernel, stride, 0, ceil_mode, True, None, n, f"lp_pool{n}d")
    scaled = P.sign(pooled) * P.where(pooled < 0, const(0, pooled.dtype), P.abs(pooled)) * math.prod(kernel)
    return P.pow(scaled, 1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)


# -- adaptive pools ----------------------------------------------------------------------
def _adaptive_windows(x, output_size, n):
    """Gather torch's adaptive windows [floor(o*I/O), ceil((o+1)*I/O)) of every spatial axis:
    (values (…, *out, *K), valid mask (*out, *K), flat input positions (*out, *K)), where K
    is the longest window; shorter windows repeat their last element and are masked."""
    spatial = x.shape[-n:]
    out = tuple(s if o is None else int(o) for s, o in zip(spatial, _ntuple(n)(output_size)))
    lead = x.ndim - n
    y, valid, flat = x, None, None
    for i, (size, o) in enumerate(zip(spatial, out)):
        k = max(-(-((j + 1) * size) // o) - (j * size) // o for j in range(o)) if o else 0
        start = (iota((o, k), 0) * size) // o
        end = ((iota((o, k), 0) + 1) * size + o - 1) // o
        pos = P.minimum(start + iota((o, k), 1), end - 1)                          # (O_i, K_i)
        grid = (1,) * i + (o,) + (1,) * (n - 1) + (k,) + (1,) * (n - 1 - i)     # its place in (*out, *K)
        ok = S.reshape(start + iota((o, k), 1) < end, grid)
        valid = ok if valid is None else valid & ok
        flat = S.reshape(pos, grid) if flat is None else flat * size + S.reshape(pos, grid)
        y = _gather_windows(y, lead + 2 * i, pos)
    # (..., O1, K1, O2, K2, ...) -> (..., O1, O2, ..., K1, K2, ...)
    order = tuple(range(lead)) + tuple(lead + 2 * i for i in range(n)) + tuple(lead + 2 * i + 1 for i in range(n))
    return S.permute(y, order), valid, flat, out


def _gather_windows(y, d, pos):
    """Replace axis d of y by the (O, K) windows that `pos` (shape (O, K), or
    y.shape[:d] + (O, K) for per-plane windows) selects along it."""
    o, k = pos.shape[-2:]
    src = S.expand(S.unsqueeze(y, d + 1), tuple(y.shape[:d + 1]) + (k,) + tuple(y.shape[d + 1:]))
    full = tuple(y.shape[:d]) + (o, k) + tuple(y.shape[d + 1:])
    lead = tuple(pos.shape[:-2]) + (1,) * (d - pos.ndim + 2)
    index = S.expand(S.reshape(pos, lead + (o, k) + (1,) * (y.ndim - d - 1)), full)
    return gather_dim(src, d, index)


def _adaptive_avg(x, output_size, n):
    vals, valid, _, out = _adaptive_windows(x, output_size, n)
    axes = tuple(range(x.ndim, x.ndim + n))
    mask = cast(valid, x.dtype)
    return R.sum(vals * mask, axes) / R.sum(mask, tuple(range(n, 2 * n)))


def _adaptive_max(x, output_size, return_indices, n):
    vals, valid, flat, out = _adaptive_windows(x, output_size, n)
    axes = tuple(range(x.ndim, x.ndim + n))
    masked = P.where(valid, vals, const(_lowest(x.dtype), x.dtype))
    values = R.amax(masked, axes)
    if not return_indices:
        return values
    return values, _argmax(masked, values, flat, axes, valid)


def _check_adaptive(x, n, name):
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{name}(): Expected {n + 1}D or {n + 2}D tensor, but got {list(x.shape)}")


def adaptive_avg_pool1d(input, output_size):
    _check_adaptive(input, 1, "adaptive_avg_pool1d")
    return _adaptive_avg(float_input(input), output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    _check_adaptive(input, 2, "adaptive_avg_pool2d")
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input, output_size):
    _check_adaptive(input, 3, "adaptive_avg_pool3d")
    return _adaptive_avg(input, output_size, 3)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    _check_adaptive(input, 1, "adaptive_max_pool1d")
    return _adaptive_max(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    _check_adaptive(input, 2, "adaptive_max_pool2d")
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    _check_adaptive(input, 3, "adaptive_max_pool3d")
    return _adaptive_max(input, output_size, return_indices, 3)


# -- unpooling ---------------------------------------------------------------------------
def _max_unpool(x, indices, kernel_size, stride, padding, output_size, n, name):
    kernel = _tuple(kernel_size, n)
    stride = kernel if stride is None else _tuple(stride, n)
    padding = _tuple(padding, n)
    default = tuple((s - 1) * st - 2 * p + k for s, st, p, k in zip(x.shape[-n:], stride, padding, kernel))
    if output_size is None:
        out = default
    else:
        out = tuple(output_size)[-n:]
        for o, dflt, st in zip(out, default, stride):
            if not dflt - st < o < dflt + st:
                raise ValueError(f"invalid output_size \"{list(output_size)}\" (dim 0 must be between "
                                 f"{dflt - st} and {dflt + st})")
    lead = tuple(x.shape[:-n])
    flat_in = S.reshape(x, lead + (-1,))
    flat_idx = S.reshape(indices, lead + (-1,))
    base = const(0, x.dtype, lead + (math.prod(out),))
    res = I.scatter(base, -1, flat_idx, flat_in)
    return S.reshape(res, lead + out)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1, "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2, "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3, "max_unpool3d")


# -- fractional max pooling --------------------------------------------------------------
def _fractional_starts(samples, in_size, out_size, k):
    """torch's pseudo-random window starts: one sample u per (N, C) and axis gives
    start[o] = floor((o + u) * a) - floor(u * a), a = (I - K) / (O - 1); last start I - K."""
    o = iota(tuple(samples.shape) + (out_size,), samples.ndim, samples.dtype)
    if out_size == 1:
        return cast(o * 0 + (in_size - k), dt.int64)
    alpha = (in_size - k) / (out_size - 1)
    u = S.unsqueeze(samples, -1)
    start = P.floor((o + u) * alpha) - P.floor(u * alpha)
    last = iota(tuple(start.shape), start.ndim - 1) == out_size - 1
    return cast(P.where(last, const(in_size - k, start.dtype), start), dt.int64)


def _fractional_name(n):
    return "fractional_max_pool2d" if n == 2 else "fractional_max_pool3d_out"


def _check_fractional_input(x, samples, n):
    if x.ndim in (n + 1, n + 2):
        return
    if samples is None and x.ndim < n + 1:  # torch reads the channel count to draw the samples
        raise IndexError(f"Dimension out of range (expected to be in range of [-{x.ndim}, {x.ndim - 1}], but got "
                         f"-{n + 1})")
    raise RuntimeError(f"{_fractional_name(n)}(): Expected {n + 1}D or {n + 2}D tensor, but got: {list(x.shape)}")


def _fractional_out_size(spatial, kernel, output_size, output_ratio, n):
    """The output size, checked as torch checks it: the last window must fit (3-D pooling
    wants one spare element beyond it, as torch's kernel does)."""
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"fractional_max_pool{n}d requires specifying either an output_size or an output_ratio")
        out = tuple(int(s * r) for s, r in zip(spatial, _ntuple(n)(output_ratio)))
    else:
        out = _tuple(output_size, n)
    checks = (("height", 0), ("width", 1)) if n == 2 else (("time", 0), ("width", 2), ("height", 1))
    for axis, i in checks:
        last = out[i] + kernel[i] - 1
        if last > spatial[i] or (n == 3 and last == spatial[i]):
            raise RuntimeError(f"{_fractional_name(n)}(): pool {axis} {kernel[i]} too large relative to input {axis} "
                               f"{spatial[i]}")
    return out


def _check_samples(samples, x, n):
    """torch's checks of explicit `_random_samples` (N' >= N, C, n) against a batched input."""
    if samples.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.ndim}")
    if samples.shape[0] < x.shape[0]:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.shape[1] != x.shape[1]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[2] != n:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {n}; got {samples.shape[2]}.")
    if samples.dtype != x.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    return S.narrow(samples, 0, 0, x.shape[0])


def _fractional_max_pool(x, kernel_size, output_size, output_ratio, return_indices, samples, n):
    _check_fractional_input(x, samples, n)
    kernel = _tuple(kernel_size, n)
    spatial = x.shape[-n:]
    out = _fractional_out_size(spatial, kernel, output_size, output_ratio, n)
    unbatched = x.ndim == n + 1
    if unbatched:
        x = S.unsqueeze(x, 0)
    batch, channels = x.shape[:2]
    if samples is None:
        from ...ops.creation import rand
        samples = rand(batch, channels, n, dtype=x.dtype)
    samples = _check_samples(samples, x, n)
    y, flat = x, None
    sample_of = (1, 0) if n == 2 else (0, 1, 2)  # torch's sample order: (W, H) in 2-D, (T, H, W) in 3-D
    for i in range(n):
        start = _fractional_starts(S.select(samples, 2, sample_of[i]), spatial[i], out[i], kernel[i])  # (N, C, O)
        pos = S.unsqueeze(start, -1) + iota((batch, channels, out[i], kernel[i]), 3)            # (N, C, O, K)
        p = S.reshape(pos, (batch, channels) + (1,) * (2 * i) + (out[i], kernel[i]) + (1,) * (2 * (n - 1 - i)))
        flat = p if flat is None else flat * spatial[i] + p
        y = _gather_windows(y, 2 + 2 * i, pos)
    order = (0, 1) + tuple(2 + 2 * i for i in range(n)) + tuple(3 + 2 * i for i in range(n))
    win = S.permute(y, order)
    flat = S.permute(S.expand(flat, tuple(y.shape)), order)
    axes = tuple(range(2 + n, 2 + 2 * n))
    values = R.amax(win, axes)
    index = _argmax(win, values, flat, axes)
    if unbatched:
        values, index = S.squeeze(values, 0), S.squeeze(index, 0)
    return (values, index) if return_indices else values


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 2)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 3)
