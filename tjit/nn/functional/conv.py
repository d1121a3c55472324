"""Convolutions as views + one CONTRACT.

The input is zero-padded (a PAD view), its sliding windows are movement-op views laid out
as (N, groups, C/groups * prod(kernel), prod(output)), and the weight as
(groups, O/groups, C/groups * prod(kernel)); a batched matmul of the two is the convolution,
so the GEMM path and its epilogue (bias) serve it.  Transposed convolutions are the adjoint:
one GEMM gives every input element times the whole kernel, and `fold_windows` adds each
product at its output position (no zeros inserted and multiplied).
"""
from __future__ import annotations

import itertools
import math

from ..modules.utils import _ntuple
from ...autograd.function import Function
from ...autograd_hooks import label
from ..._prim import alias
from ..._tensor import contiguous_strides
from ._base import L, Op, S, apply
from .padding import constant_pad


def _tuple(v, n, name):
    t = _ntuple(n)(v)
    if len(t) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={list(t)}")
    return tuple(int(x) for x in t)


def windows(x, kernel, stride, dilation, lead: int):
    """All sliding windows of the last len(kernel) axes of x, as
    x.shape[:lead] + out_sizes + kernel.  Windows that do not overlap are plain movement
    ops (their gradients are too); overlapping ones are a Function whose gradient is
    `fold_windows`, because differentiating the tiling trick below would sum through
    reshapes whose indices need chains of div/mod (slow kernels)."""
    kernel, stride, dilation = tuple(kernel), tuple(stride), tuple(dilation)
    spatial = tuple(x.shape[lead:])
    out = tuple((i - d * (k - 1) - 1) // s + 1 for i, k, s, d in zip(spatial, kernel, stride, dilation))
    if _disjoint(kernel, stride, dilation):
        return _window_view(x, kernel, stride, dilation, lead), out
    return _Windows.apply(x, kernel, stride, dilation, lead), out


def _disjoint(kernel, stride, dilation) -> bool:
    return all(k <= s for k, s in zip(kernel, stride)) and all(d == 1 for d in dilation)


class _Windows(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, dilation, lead):
        ctx.geometry = (tuple(x.shape[lead:]), kernel, stride, dilation, lead)
        return _window_view(x, kernel, stride, dilation, lead)

    @staticmethod
    def backward(ctx, g):
        return fold_windows(g, *ctx.geometry), None, None, None, None


def fold_windows(g, spatial, kernel, stride, dilation, lead: int):
    """The adjoint of windows(): g is laid out as windows' result (lead axes, out sizes,
    kernel); each position of the `spatial` grid sums the window entries that read it.  Its
    own gradient is windows() again (differentiating the sum below would scatter each
    offset's gradient over the whole of g)."""
    return _Fold.apply(g, tuple(spatial), tuple(kernel), tuple(stride), tuple(dilation), lead)


class _Fold(Function):
    @staticmethod
    def forward(ctx, g, spatial, kernel, stride, dilation, lead):
        ctx.geometry = (kernel, stride, dilation, lead)
        ctx.count = tuple(g.shape[lead:lead + len(kernel)])
        return _fold_sum(g, spatial, kernel, stride, dilation, lead)

    @staticmethod
    def backward(ctx, grad):
        # the grid may hold more windows than g had (a transposed conv's output_padding of
        # a stride or more): those read no entry of g
        kernel, lead = ctx.geometry[0], ctx.geometry[3]
        win = _shrink(windows(grad, *ctx.geometry)[0], lead, [(0, c) for c in ctx.count] + [(0, k) for k in kernel])
        return win, None, None, None, None, None


def _fold_sum(g, spatial, kernel, stride, dilation, lead: int):
    """One shifted, spread copy of g per kernel offset, all summed in one fused kernel whose
    loads have plain indices."""
    n = len(kernel)
    total = None
    for offset in itertools.product(*(range(k) for k in kernel)):
        part = _spread(g[(slice(None),) * (lead + n) + offset], stride, n)
        widths = [(0, 0)] * lead + [(k * d, size - k * d - p) for k, d, size, p in
                                    zip(offset, dilation, spatial, part.shape[lead:])]
        part = constant_pad(part, widths)
        total = part if total is None else total + part
    return total


def _window_view(x, kernel, stride, dilation, lead: int):
    """windows() as a view: disjoint windows by padding, shrinking and reshaping (so their
    gradient is movement ops too), overlapping ones by one AS_STRIDED view."""
    n = len(kernel)
    spatial = tuple(x.shape[lead:])
    out = tuple((i - d * (k - 1) - 1) // s + 1 for i, k, s, d in zip(spatial, kernel, stride, dilation))
    keep = tuple(x.shape[:lead])
    if _disjoint(kernel, stride, dilation):
        x = constant_pad(x, [(0, 0)] * lead + [(0, max(0, o * s - i)) for i, o, s in zip(spatial, out, stride)])
        x = _shrink(x, lead, [(0, o * s) for o, s in zip(out, stride)])
        x = S.reshape(x, keep + _flat((o, s) for o, s in zip(out, stride)))
        x = _shrink(x, lead, _flat(((0, o), (0, k)) for o, k in zip(out, kernel)))
        order = tuple(range(lead)) + tuple(lead + 2 * i for i in range(n)) + tuple(lead + 2 * i + 1 for i in range(n))
        return S.permute(x, order)
    # overlapping: one strided view, x[..., o*s + k*d]; its gradient is fold_windows (see
    # windows), and lowering simplifies its flat index back to plain per-axis terms
    inner = contiguous_strides(x.shape)
    shape = keep + out + tuple(kernel)
    strides = inner[:lead] + tuple(s * c for s, c in zip(stride, inner[lead:])) + \
        tuple(d * c for d, c in zip(dilation, inner[lead:]))
    return apply(Op.AS_STRIDED, [x], x.dtype, shape, (shape, strides, 0))


def _flat(pairs) -> tuple:
    return tuple(v for p in pairs for v in p)


def _shrink(x, lead, bounds):
    """Keep [lo, hi) of each axis after the first `lead` ones."""
    full = [(0, s) for s in x.shape[:lead]] + list(bounds)
    if all(lo == 0 and hi == s for (lo, hi), s in zip(full, x.shape)):
        return x
    return apply(Op.SHRINK, [x], x.dtype, tuple(hi - lo for lo, hi in full), tuple(full))


def _same_padding(kernel, dilation, stride):
    if any(s != 1 for s in stride):
        raise ValueError("padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return [(t // 2, t - t // 2) for t in total]


def _padding_pairs(padding, n, kernel, dilation, stride):
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * n
        if padding == "same":
            return _same_padding(kernel, dilation, stride)
        raise ValueError(f"Invalid padding string '{padding}', should be one of ['valid', 'same']")
    return [(p, p) for p in _tuple(padding, n, "padding")]


def _check_conv(x, weight, groups, n, name):
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input of "
                           f"size: {list(x.shape)}")
    if weight.ndim != n + 2:
        raise RuntimeError(f"weight should have at least three dimensions")
    channels = x.shape[-n - 1]
    if weight.shape[1] * groups != channels:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {channels} channels "
                           "instead")
    if weight.shape[0] % groups:
        raise RuntimeError("Given groups={}, expected weight to be divisible by {} at dimension 0, but got weight of "
                           "size {} instead".format(groups, groups, list(weight.shape)))


def _conv(x, weight, bias, stride, padding, dilation, groups, n, name):
    _check_conv(x, weight, groups, n, name)
    unbatched = x.ndim == n + 1
    if unbatched:
        x = S.unsqueeze(x, 0)
    kernel = tuple(weight.shape[2:])
    stride, dilation = _tuple(stride, n, "stride"), _tuple(dilation, n, "dilation")
    pads = _padding_pairs(padding, n, kernel, dilation, stride)
    x = constant_pad(x, [(0, 0), (0, 0)] + pads)
    for s, k, d in zip(x.shape[2:], kernel, dilation):
        if s < d * (k - 1) + 1:
            raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, x.shape[2:]))}). "
                               f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than "
                               "actual input size")
    batch, channels = x.shape[:2]
    grouped = S.reshape(x, (batch, groups, channels // groups) + tuple(x.shape[2:]))
    win, out = windows(grouped, kernel, stride, dilation, 3)
    # (N, G, Cg, *out, *kernel) -> (N, G, Cg, *kernel, *out) -> (N, G, Cg*K, L)
    order = (0, 1, 2) + tuple(range(3 + n, 3 + 2 * n)) + tuple(range(3, 3 + n))
    k_total = channels // groups * math.prod(kernel)
    cols = S.reshape(S.permute(win, order), (batch, groups, k_total, math.prod(out)))
    w = S.reshape(weight, (1, groups, weight.shape[0] // groups, k_total))
    y = S.reshape(L.matmul(w, cols), (batch, weight.shape[0]) + out)
    if bias is not None:
        y = y + S.reshape(bias, (weight.shape[0],) + (1,) * n)
    y = label(y, "ConvolutionBackward0")
    return S.squeeze(y, 0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _spread(x, stride, n):
    """Insert stride-1 zeros between neighbouring elements of the last n axes."""
    for i, s in enumerate(stride):
        if s == 1:
            continue
        d = x.ndim - n + i
        size = x.shape[d]
        y = S.unsqueeze(x, d + 1)
        widths = [(0, 0)] * y.ndim
        widths[d + 1] = (0, s - 1)
        y = constant_pad(y, widths)
        y = S.reshape(y, tuple(x.shape[:d]) + (size * s,) + tuple(x.shape[d + 1:]))
        widths = [(0, 0)] * y.ndim
        widths[d] = (0, -(s - 1))
        x = constant_pad(y, widths)
    return x


def _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation, n, name):
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input of "
                           f"size: {list(x.shape)}")
    channels = x.shape[-n - 1]
    if weight.shape[0] != channels:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
                           f"to have {weight.shape[0]} channels, but got {channels} channels instead")
    stride, dilation = _tuple(stride, n, "stride"), _tuple(dilation, n, "dilation")
    padding, output_padding = _tuple(padding, n, "padding"), _tuple(output_padding, n, "output_padding")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                               f"output_padding_height: {op}, output_padding_width: {op}, stride_height: {s}, "
                               f"stride_width: {s}, dilation_height: {d}, dilation_width: {d}")
    unbatched = x.ndim == n + 1
    if unbatched:
        x = S.unsqueeze(x, 0)
    kernel, spatial = tuple(weight.shape[2:]), tuple(x.shape[2:])
    batch, cin_g, cout_g = x.shape[0], channels // groups, weight.shape[1]
    # every input element times the whole kernel (one GEMM, no inserted zeros multiplied),
    # then each product added at its output position: the fold of those columns
    w = S.reshape(weight, (1, groups, cin_g, cout_g * math.prod(kernel)))
    cols = L.matmul(S.transpose(w, -1, -2), S.reshape(x, (batch, groups, cin_g, math.prod(spatial))))
    cols = S.reshape(cols, (batch, groups * cout_g) + kernel + spatial)
    cols = S.permute(cols, (0, 1) + tuple(range(2 + n, 2 + 2 * n)) + tuple(range(2, 2 + n)))
    full = tuple((i - 1) * s + d * (k - 1) + 1 + op
                 for i, s, d, k, op in zip(spatial, stride, dilation, kernel, output_padding))
    y = fold_windows(cols, full, kernel, stride, dilation, 2)
    y = constant_pad(y, [(0, 0), (0, 0)] + [(-p, -p) for p in padding])
    # a primitive's node on top (the fold is a Function, whose node keeps its class's name)
    y = alias(y) if bias is None else y + S.reshape(bias, (bias.shape[0],) + (1,) * n)
    y = label(y, "ConvolutionBackward0")
    return S.squeeze(y, 0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                           "conv_transpose3d")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) -> (N, C * kh * kw, L), the conv's column matrix."""
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    x = input if input.ndim == 4 else S.unsqueeze(input, 0)
    kernel, dilation = _tuple(kernel_size, 2, "kernel_size"), _tuple(dilation, 2, "dilation")
    padding, stride = _tuple(padding, 2, "padding"), _tuple(stride, 2, "stride")
    x = constant_pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    win, out = windows(x, kernel, stride, dilation, 2)
    cols = S.reshape(S.permute(win, (0, 1, 4, 5, 2, 3)), (x.shape[0], x.shape[1] * math.prod(kernel),
                                                            math.prod(out)))
    return cols if input.ndim == 4 else S.squeeze(cols, 0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im: the sum of every column placed back at its window (overlaps add up)."""
    if input.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input.ndim}D)")
    x = input if input.ndim == 3 else S.unsqueeze(input, 0)
    out_size = _tuple(output_size, 2, "output_size")
    kernel, dilation = _tuple(kernel_size, 2, "kernel_size"), _tuple(dilation, 2, "dilation")
    padding, stride = _tuple(padding, 2, "padding"), _tuple(stride, 2, "stride")
    blocks = [(o + 2 * p - d * (k - 1) - 1) // s + 1 for o, p, d, k, s in zip(out_size, padding, dilation, kernel,
                                                                              stride)]
    batch, ck, length = x.shape
    if ck % math.prod(kernel):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={ck} and kernel_size={kernel}")
    if length != math.prod(blocks):
        raise RuntimeError(f"Given output_size={out_size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but "
                           f"got input.size(2)={length}.")
    channels = ck // math.prod(kernel)
    cols = S.permute(S.reshape(x, (batch, channels) + kernel + tuple(blocks)), (0, 1, 4, 5, 2, 3))
    padded = tuple(o + 2 * p for o, p in zip(out_size, padding))
    total = fold_windows(cols, padded, kernel, stride, dilation, 2)
    total = constant_pad(total, [(0, 0), (0, 0)] + [(-p, -p) for p in padding])
    return total if input.ndim == 3 else S.squeeze(total, 0)
