"""Randomized differential tests of the ops whose kernels read through computed windows and
bounds: convolutions (plain and transposed), pools, unfold/fold, F.pad in every mode, joins
of many pieces and stepped slices.  A wrong bound there reads out of bounds, so each case
compares forward values and every input's gradient with torch's.

Every case is drawn from a numpy RNG seeded by its test id, so a failure reproduces by id
(`pytest 'tests/nn/test_fuzz_windows.py::test_fuzz[conv2d-3]'`); the drawn arguments are
printed and shown with the failure.  A crash kills the run: pytest's faulthandler prints the
stack, and `-v` names the case that was running.  The default run draws 40 cases; `-m slow`
draws a few hundred more."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch

import tjit
from nn_util import check_fn

RTOL, ATOL = 1e-4, 1e-4


@dataclass
class Case:
    """fn(lib, *tensors) runs the op with lib = torch or tjit (their APIs are the same)."""
    desc: str
    fn: Callable
    arrays: list


def _ints(rng, lo, hi, n):
    """n integers in [lo, hi]."""
    return tuple(int(v) for v in rng.integers(lo, hi + 1, size=n))


def _arg(rng, v):
    """A per-dimension argument as a tuple, or sometimes as the single int both libraries accept."""
    return v[0] if len(set(v)) == 1 and rng.random() < 0.5 else v


def _values(rng, shape, dtype="float32"):
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


def _dtype(rng):
    return "float64" if rng.random() < 0.2 else "float32"


def _layout(rng, a):
    """The input stored three ways: as is; inside a larger buffer at an offset (a view whose
    kernels read at a constant offset); transposed (a non-contiguous view).  Returns the stored
    array and the view that recovers `a` from it in either library."""
    kind = rng.choice(["plain", "offset", "transposed"], p=[0.5, 0.3, 0.2])
    if kind == "offset":
        big = _values(rng, tuple(s + 2 for s in a.shape), a.dtype.name)
        big[(slice(1, -1),) * a.ndim] = a
        return big, lambda t: t[(slice(1, -1),) * a.ndim], f"{list(a.shape)} (inside {list(big.shape)})"
    if kind == "transposed" and a.ndim >= 2:
        axes = tuple(reversed(range(a.ndim)))
        return np.ascontiguousarray(a.transpose(axes)), lambda t: t.permute(*axes), f"{list(a.shape)} (transposed)"
    return a, lambda t: t, str(list(a.shape))


# -- convolutions -----------------------------------------------------------------------
def _conv(rng, n):
    groups = int(rng.integers(1, 3))
    cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    kernel, stride, dilation = _ints(rng, 1, 3, n), _ints(rng, 1, 3, n), _ints(rng, 1, 2, n)
    choice = rng.choice(["ints", "same", "valid"], p=[0.7, 0.2, 0.1])
    if choice == "same" and all(s == 1 for s in stride):
        padding, lows = "same", (1,) * n
    elif choice == "valid":
        padding, lows = "valid", tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    else:
        pads = _ints(rng, 0, 2, n)
        padding = _arg(rng, pads)
        lows = tuple(max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilation, pads))
    spread = 3 if n == 3 else 5
    spatial = tuple(lo + int(rng.integers(0, spread + 1)) for lo in lows)
    dtype = _dtype(rng)
    x, view, layout = _layout(rng, _values(rng, (int(rng.integers(1, 3)), cin) + spatial, dtype))
    arrays = [x, _values(rng, (cout, cin // groups) + kernel, dtype)]
    bias = rng.random() < 0.5
    if bias:
        arrays.append(_values(rng, (cout,), dtype))
    kw = dict(stride=_arg(rng, stride), padding=padding, dilation=_arg(rng, dilation), groups=groups)
    desc = f"conv{n}d x={layout} w={list(arrays[1].shape)} bias={bias} {dtype} {kw}"
    return Case(desc, lambda lib, x, w, b=None: getattr(lib.nn.functional, f"conv{n}d")(view(x), w, b, **kw),
                arrays)


def _conv_transpose(rng, n):
    groups = int(rng.integers(1, 3))
    cin, cout_g = groups * int(rng.integers(1, 3)), int(rng.integers(1, 3))
    kernel, stride, dilation = _ints(rng, 1, 3, n), _ints(rng, 1, 3, n), _ints(rng, 1, 2, n)
    spatial = _ints(rng, 1, 3 if n == 3 else 5, n)
    out_pad = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
    # the output (i - 1) * s - 2 p + d (k - 1) + op + 1 must keep at least one element
    pads = tuple(min(int(rng.integers(0, 3)), ((i - 1) * s + d * (k - 1) + op) // 2)
                 for i, s, d, k, op in zip(spatial, stride, dilation, kernel, out_pad))
    dtype = _dtype(rng)
    x, view, layout = _layout(rng, _values(rng, (int(rng.integers(1, 3)), cin) + spatial, dtype))
    arrays = [x, _values(rng, (cin, cout_g) + kernel, dtype)]
    bias = rng.random() < 0.5
    if bias:
        arrays.append(_values(rng, (cout_g * groups,), dtype))
    kw = dict(stride=_arg(rng, stride), padding=_arg(rng, pads), output_padding=_arg(rng, out_pad), groups=groups,
              dilation=_arg(rng, dilation))
    desc = f"conv_transpose{n}d x={layout} w={list(arrays[1].shape)} bias={bias} " \
           f"{dtype} {kw}"
    fn = f"conv_transpose{n}d"
    return Case(desc, lambda lib, x, w, b=None: getattr(lib.nn.functional, fn)(view(x), w, b, **kw), arrays)


# -- pools, unfold, fold --------------------------------------------------------------------
def _lead(rng):
    """(N, C) or, unbatched, (C,)."""
    return (int(rng.integers(1, 3)), int(rng.integers(1, 4))) if rng.random() < 0.75 else (int(rng.integers(1, 4)),)


def _max_pool(rng, n):
    kernel, dilation = _ints(rng, 1, 4, n), _ints(rng, 1, 2, n)
    pads = tuple(int(rng.integers(0, min(2, k // 2) + 1)) for k in kernel)
    # at least `dilation` elements, so that no window reads padding only (torch's own
    # backward crashes on those: its index is -1)
    lows = tuple(max(d, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilation, pads))
    spatial = tuple(lo + int(rng.integers(0, 6)) for lo in lows)
    x, view, layout = _layout(rng, _values(rng, _lead(rng) + spatial, _dtype(rng)))
    kw = dict(kernel_size=_arg(rng, kernel), stride=None if rng.random() < 0.3 else _arg(rng, _ints(rng, 1, 3, n)),
              padding=_arg(rng, pads), dilation=_arg(rng, dilation), ceil_mode=bool(rng.random() < 0.5),
              return_indices=bool(rng.random() < 0.4))
    desc = f"max_pool{n}d x={layout} {x.dtype} {kw}"
    return Case(desc, lambda lib, x: getattr(lib.nn.functional, f"max_pool{n}d")(view(x), **kw), [x])


def _avg_pool(rng, n):
    kernel = _ints(rng, 1, 4, n)
    pads = tuple(int(rng.integers(0, min(2, k // 2) + 1)) for k in kernel)
    spatial = tuple(max(1, k - 2 * p) + int(rng.integers(0, 6)) for k, p in zip(kernel, pads))
    x, view, layout = _layout(rng, _values(rng, _lead(rng) + spatial, _dtype(rng)))
    kw = dict(kernel_size=_arg(rng, kernel), stride=None if rng.random() < 0.3 else _arg(rng, _ints(rng, 1, 3, n)),
              padding=_arg(rng, pads), ceil_mode=bool(rng.random() < 0.5),
              count_include_pad=bool(rng.random() < 0.5))
    if n == 2 and rng.random() < 0.25:
        kw["divisor_override"] = int(rng.integers(1, 5))
    desc = f"avg_pool{n}d x={layout} {x.dtype} {kw}"
    return Case(desc, lambda lib, x: getattr(lib.nn.functional, f"avg_pool{n}d")(view(x), **kw), [x])


def _window_args(rng):
    """kernel_size, dilation, padding, stride of unfold/fold and the smallest input that fits."""
    kernel, dilation, pads = _ints(rng, 1, 3, 2), _ints(rng, 1, 2, 2), _ints(rng, 0, 2, 2)
    kw = dict(kernel_size=_arg(rng, kernel), dilation=_arg(rng, dilation), padding=_arg(rng, pads),
              stride=_arg(rng, _ints(rng, 1, 3, 2)))
    lows = tuple(max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilation, pads))
    return kw, kernel, lows


def _unfold(rng):
    kw, _, lows = _window_args(rng)
    spatial = tuple(lo + int(rng.integers(0, 5)) for lo in lows)
    x, view, layout = _layout(rng, _values(rng, _lead(rng) + spatial))
    return Case(f"unfold x={layout} {kw}", lambda lib, x: lib.nn.functional.unfold(view(x), **kw),
                [x])


def _fold(rng):
    kw, kernel, lows = _window_args(rng)
    size = tuple(lo + int(rng.integers(0, 5)) for lo in lows)
    t = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    blocks = math.prod((o + 2 * p - d * (k - 1) - 1) // s + 1 for o, p, d, k, s in
                       zip(size, t(kw["padding"]), t(kw["dilation"]), kernel, t(kw["stride"])))
    shape = _lead(rng)[:-1] + (int(rng.integers(1, 3)) * math.prod(kernel), blocks)
    x, view, layout = _layout(rng, _values(rng, shape))
    return Case(f"fold x={layout} output_size={size} {kw}",
                lambda lib, x: lib.nn.functional.fold(view(x), size, **kw), [x])


# -- pad, joins, slices ---------------------------------------------------------------------
def _pad(rng):
    """F.pad, then a reshape across the padded axes and a reduction (the reshape above the
    pad is what the pad's masked index has to simplify through)."""
    mode = str(rng.choice(["constant", "reflect", "replicate", "circular"]))
    n_pad = int(rng.integers(1, 4))
    ndim = n_pad + int(rng.integers(1, 3)) if mode != "constant" else int(rng.integers(n_pad, n_pad + 3))
    shape = _ints(rng, 1, 4, ndim)
    widths = []
    for size in reversed(shape[ndim - n_pad:]):
        if mode == "constant":
            before = int(rng.integers(-1, 3))  # negative widths crop; keep an element
            widths += [before, max(int(rng.integers(-1, 3)), 1 - size - before)]
        else:
            top = {"reflect": min(2, size - 1), "replicate": 2, "circular": min(2, size)}[mode]
            widths += [int(rng.integers(0, top + 1)), int(rng.integers(0, top + 1))]
    kw = {"mode": mode} if mode != "constant" or rng.random() < 0.5 else {"value": float(rng.uniform(-2, 2))}
    out_shape = list(shape)
    for i in range(n_pad):
        out_shape[ndim - 1 - i] += widths[2 * i] + widths[2 * i + 1]
    numel = math.prod(out_shape)
    split = int(rng.choice([d for d in range(1, numel + 1) if numel % d == 0]))
    new_shape = (numel // split, split)
    dim = int(rng.integers(0, 2))
    mean = rng.random() < 0.5
    x, view, layout = _layout(rng, _values(rng, shape))
    desc = f"pad x={layout} pad={widths} {kw} -> reshape{new_shape} -> {'mean' if mean else 'sum'}" \
           f"(dim={dim})"

    def fn(lib, x):
        y = lib.nn.functional.pad(view(x), widths, **kw).reshape(new_shape)
        return (y * y + y).mean(dim) if mean else (y * y + y).sum(dim)
    return Case(desc, fn, [x])


def _join(rng, stack):
    """cat or stack of 5-9 pieces (cat's may be empty), then elementwise ops and a sum over a
    random axis."""
    k = int(rng.integers(5, 10))
    ndim = int(rng.integers(1, 4))
    base = _ints(rng, 1, 4, ndim)
    dim = int(rng.integers(-ndim - stack, ndim + stack))
    if stack:
        shapes = [base] * k
    else:
        d = dim % ndim
        shapes = [base[:d] + (int(rng.choice([0, 1, 2, 3, 4], p=[0.1, 0.3, 0.2, 0.2, 0.2])),) + base[d + 1:]
                  for _ in range(k)]
    arrays = [_values(rng, s) for s in shapes]
    out_ndim = ndim + stack
    sum_dim = int(rng.integers(0, out_ndim))
    name = "stack" if stack else "cat"

    def fn(lib, *pieces):
        y = getattr(lib, name)(pieces, dim)
        return (y * y - 2 * y).sum(sum_dim)
    return Case(f"{name} of {[list(s) for s in shapes]} dim={dim} -> sum(dim={sum_dim})", fn, arrays)


def _slice(rng):
    """Two stepped slices of one tensor with the same shape, combined elementwise (their
    gradients add into the same input)."""
    ndim = int(rng.integers(2, 4))
    shape = _ints(rng, 2, 9, ndim)
    first, second = [], []
    for size in shape:
        start, step = int(rng.integers(0, min(3, size))), int(rng.integers(1, 4))
        stop = None if rng.random() < 0.5 else int(rng.integers(start + 1, size + 1))
        if stop is not None and stop < size and rng.random() < 0.5:
            stop -= size  # the same stop, counted from the end
        count = len(range(*slice(start, stop, step).indices(size)))
        step2 = int(rng.integers(1, 4))
        step2 = step2 if (count - 1) * step2 < size else 1
        start2 = int(rng.integers(0, size - (count - 1) * step2))
        first.append(slice(start, stop, step))
        second.append(slice(start2, start2 + (count - 1) * step2 + 1, step2))
    first, second = tuple(first), tuple(second)
    x, view, layout = _layout(rng, _values(rng, shape))

    def fn(lib, x):
        v = view(x)
        a, b = v[first], v[second]
        return a * b + 2 * a - b.exp()
    return Case(f"slice x={layout} a=x{_fmt(first)} b=x{_fmt(second)} -> a*b + 2a - exp(b)", fn, [x])


def _fmt(slices):
    part = lambda s: f"{'' if s.start is None else s.start}:{'' if s.stop is None else s.stop}:{s.step}"  # noqa: E731
    return "[" + ", ".join(part(s) for s in slices) + "]"


GENERATORS = {
    **{f"conv{n}d": (lambda n: lambda rng: _conv(rng, n))(n) for n in (1, 2, 3)},
    **{f"conv_transpose{n}d": (lambda n: lambda rng: _conv_transpose(rng, n))(n) for n in (1, 2, 3)},
    **{f"max_pool{n}d": (lambda n: lambda rng: _max_pool(rng, n))(n) for n in (1, 2)},
    **{f"avg_pool{n}d": (lambda n: lambda rng: _avg_pool(rng, n))(n) for n in (1, 2)},
    "unfold": _unfold, "fold": _fold, "pad": _pad,
    "cat": lambda rng: _join(rng, False), "stack": lambda rng: _join(rng, True), "slice": _slice,
}
# cases per kind in the default run (40 in all) and in the slow run
DEFAULT = {"conv1d": 3, "conv2d": 3, "conv3d": 2, "conv_transpose1d": 3, "conv_transpose2d": 3,
           "conv_transpose3d": 2, "max_pool1d": 2, "max_pool2d": 2, "avg_pool1d": 2, "avg_pool2d": 2, "unfold": 2,
           "fold": 2, "pad": 6, "cat": 2, "stack": 2, "slice": 2}
SLOW = 20


def make_case(kind: str, seed: int) -> Case:
    """The case `kind-seed`: the same arguments on every run and machine."""
    return GENERATORS[kind](np.random.default_rng([seed, list(GENERATORS).index(kind)]))


def _ids(counts, first):
    return [(kind, first + i) for kind, count in counts.items() for i in range(count)]


SLOW_IDS = _ids(dict.fromkeys(GENERATORS, SLOW), 1000)
PARAMS = _ids(DEFAULT, 0) + [pytest.param(*p, marks=pytest.mark.slow) for p in SLOW_IDS]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on even kernels
@pytest.mark.parametrize("kind,seed", PARAMS, ids=lambda v: str(v))
def test_fuzz(kind, seed):
    case = make_case(kind, seed)
    print(case.desc)
    check_fn(lambda *t: case.fn(torch, *t), lambda *t: case.fn(tjit, *t), *case.arrays, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name,shape,kw", [
    ("max_pool1d", (1, 2, 8), {"kernel_size": 3, "padding": 2, "dilation": 2}),
    ("max_pool1d", (1, 2, 8), {"kernel_size": 3, "padding": 2, "dilation": 2, "return_indices": True}),
    ("max_pool2d", (1, 1, 8, 8), {"kernel_size": (3, 1), "padding": (2, 0), "dilation": 2}),
    ("avg_pool2d", (1, 1, 4, 4), {"kernel_size": 2, "padding": 2})])
def test_pool_padding_limits(name, shape, kw):
    """Max pools allow half the kernel as padding, not half the dilated kernel (which the
    draws above stay within): torch's checks, messages and order."""
    with pytest.raises(RuntimeError) as expected:
        getattr(torch.nn.functional, name)(torch.ones(shape), **kw)
    with pytest.raises(RuntimeError, match=re.escape(str(expected.value))):
        getattr(tjit.nn.functional, name)(tjit.ones(shape), **kw)
