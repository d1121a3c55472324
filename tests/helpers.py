"""Run one op in torch and in tjit on the same inputs and compare everything torch defines.

The pattern is tinygrad's `helper_test_op`: inputs are described once (numpy values plus a
dtype and a memory layout), built in both frameworks, the op runs in both, and the results
must agree in values (dtype-aware tolerances, NaN/inf positions exact), dtype and shape. When
torch raises, tjit must raise the same kind of exception. The tensor inputs are compared
afterwards too (in-place ops and `out=` write them; nothing else may).

    from helpers import check_op, make, In

    check_op("add", None, make((3, 4)), make((4,)), kwargs={"alpha": 2})   # torch.add / tjit.add
    check_op(lambda x: x.exp_(), None, make((2, 3), "float64"))           # one callable for both
    check_op(torch.clamp, tjit.clamp, make((5,), "int32"), 1, 3)          # scalars pass through
    check_op(lambda x, y: x @ y, None, make((2, 3), layout="transposed"), make((3,)), grad=True)

Inputs (positional, after the two functions):
  * `In` (from `make`, `In(values, dtype, layout)`, or `noncontig(...)`): a tensor in each framework;
  * a numpy array: a contiguous tensor of the array's dtype;
  * a list/tuple holding any of these: the same container of tensors (for cat/stack);
  * a tjit dtype: the same dtype of each library (also in `kwargs`);
  * anything else (Python numbers, None, strings): passed to both functions unchanged.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import torch

import tjit

FLOAT_DTYPES = ("float32", "float64", "float16", "bfloat16")
INT_DTYPES = ("uint8", "int8", "int16", "int32", "int64")
ALL_DTYPES = FLOAT_DTYPES + INT_DTYPES + ("bool",)
LAYOUTS = ("contiguous", "transposed", "strided")
# shapes that break naive kernels: 0-d, empty along some axis, size-1 axes, odd sizes
EDGE_SHAPES = ((), (0,), (3, 0), (1,), (1, 1), (7,), (2, 3, 5))

# (rtol, atol) per result dtype: a few ulps of the type, like torch.testing's defaults but
# loose enough for polynomial transcendental functions
TOLERANCES = {"float64": (1e-7, 1e-7), "float32": (1e-5, 1e-5), "float16": (2e-3, 1e-3),
              "bfloat16": (1.6e-2, 1e-2)}


@dataclass
class In:
    """One tensor input: its values (numpy; bfloat16 values given as float32 that are rounded
    on construction), its dtype name, its memory layout and whether it requires grad.

    layout: "contiguous"; "transposed" (stored with the axes reversed, then permuted back: a
    non-contiguous view with the same values); "strided" (every axis taken with step 2 from a
    larger buffer at offset 1, whose other elements are garbage, so reading the wrong
    element shows up).  Layouts that need more dimensions than the value has (transposing a
    1-d value, striding a 0-d one) fall back to contiguous."""
    values: np.ndarray
    dtype: str | None = None
    layout: str = "contiguous"
    requires_grad: bool = False

    def __post_init__(self):
        self.values = np.asarray(self.values)
        self.dtype = self.dtype or self.values.dtype.name
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {self.layout!r}")

    def build(self, lib):
        """This input in `lib` (the torch or tjit module): (tensor, leaf). The leaf is the
        stored tensor the view is taken from; it is what requires grad, so gradients of
        non-contiguous inputs are compared on their storage."""
        storage = np.float32 if self.dtype == "bfloat16" else self.dtype
        vals = np.asarray(self.values, dtype=storage)
        dtype = getattr(lib, self.dtype)
        if self.layout == "transposed" and vals.ndim >= 2:
            axes = tuple(reversed(range(vals.ndim)))
            leaf = lib.tensor(np.ascontiguousarray(vals.transpose(axes)), dtype=dtype)
            view = lambda t: t.permute(*axes)  # noqa: E731
        elif self.layout == "strided" and vals.ndim >= 1:
            big = np.full(tuple(2 * n + 1 for n in vals.shape), _garbage(vals.dtype), dtype=vals.dtype)
            window = tuple(slice(1, 1 + 2 * n, 2) for n in vals.shape)
            big[window] = vals
            leaf = lib.tensor(big, dtype=dtype)
            view = lambda t: t[window]  # noqa: E731
        else:
            leaf = lib.tensor(vals, dtype=dtype)
            view = lambda t: t  # noqa: E731
        leaf.requires_grad_(self.requires_grad)
        return view(leaf), leaf


def _garbage(np_dtype):
    """A value test inputs rarely contain, so reading padding instead of data is visible."""
    if np_dtype.kind == "f":
        return 1234.5
    if np_dtype.kind == "b":
        return True
    return np.iinfo(np_dtype).max


def make(shape, dtype="float32", *, low=-4.0, high=4.0, special=False, seed=0, layout="contiguous",
         requires_grad=False) -> In:
    """Random values of `dtype` in [low, high) (integers: [low, high] clipped to the type;
    bool: random) from a fixed seed. `special` sprinkles NaN, +-inf and -0.0 into float
    inputs (about one element in four)."""
    rng = np.random.default_rng(seed)
    shape = tuple(shape)
    if dtype == "bool":
        vals = rng.random(shape) < 0.5
    elif dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        lo, hi = max(int(low), info.min), min(int(high), info.max)
        vals = rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)
    else:
        vals = rng.uniform(low, high, size=shape)
        if special and vals.size:
            picks = rng.random(shape) < 0.25
            vals[picks] = rng.choice([np.nan, np.inf, -np.inf, -0.0, 0.0], size=int(picks.sum()))
        with np.errstate(over="ignore"):  # float16 saturates to inf like a torch cast
            vals = vals.astype(np.float32 if dtype == "bfloat16" else dtype)
    return In(vals, dtype, layout, requires_grad)


def noncontig(x: In, layout: str = "transposed") -> In:
    """The same values as `x` in a non-contiguous layout."""
    return In(x.values, x.dtype, layout, x.requires_grad)


# -- running and comparing ---------------------------------------------------------------
def check_op(torch_fn, tjit_fn=None, *inputs, kwargs=None, rtol=None, atol=None, check_dtype=True,
             grad=False, match=None):
    """Run `torch_fn` and `tjit_fn` on the same inputs and assert the results agree.

    torch_fn: a callable, or the name of a function both libraries define ("add",
        "nn.functional.relu"); tjit_fn: the tjit callable, or None for "the same" (the same
        name, or the same callable: fine for methods and operators, `lambda x: x.exp()`).
    kwargs: keyword arguments passed to both functions (tjit dtypes become torch dtypes on
        the torch side, as they do in positional arguments).
    rtol/atol: override the per-dtype tolerances (TOLERANCES).
    grad: also compare gradients: every float input requires grad, both outputs are reduced
        with the same random weights, backward() runs, and the inputs' .grad must agree.
    match: a regex that tjit's exception message must match when torch raises.
    Warnings: where torch warns, tjit must warn with the same category (and the warnings
    are swallowed).
    Returns (torch_result, tjit_result) for further checks; (exception, exception) when
    torch raised.
    """
    __tracebackhide__ = True
    torch_fn, tjit_fn = _resolve(torch_fn, tjit_fn)
    t_in, t_leaves = _build(inputs, torch, grad)
    j_in, j_leaves = _build(inputs, tjit, grad)
    t_kwargs = {k: _convert(v, torch) for k, v in (kwargs or {}).items()}
    j_kwargs = {k: _convert(v, tjit) for k, v in (kwargs or {}).items()}
    try:
        with warnings.catch_warnings(record=True) as t_warned:
            warnings.simplefilter("always")
            t_out = torch_fn(*t_in, **t_kwargs)
    except Exception as e:  # torch defines the expected error: tjit must raise the same kind
        t_err = e
    else:
        t_err = None
    if t_err is not None:
        return t_err, _check_raises(t_err, tjit_fn, j_in, j_kwargs, match)
    with warnings.catch_warnings(record=True) as j_warned:
        warnings.simplefilter("always")
        j_out = tjit_fn(*j_in, **j_kwargs)
    _check_warnings(t_warned, j_warned)
    assert_same(t_out, j_out, rtol=rtol, atol=atol, check_dtype=check_dtype)
    for i, (t, j) in enumerate(zip(t_leaves, j_leaves)):  # in-place ops and out= write inputs
        assert_same(t, j, rtol=rtol, atol=atol, check_dtype=check_dtype, what=f"tensor input {i} after the op")
    if grad:
        _check_grads(t_leaves, j_leaves, t_out, j_out, rtol, atol)
    return t_out, j_out


def _check_warnings(t_warned, j_warned):
    """Where torch warns (deprecated overloads, resized outputs), tjit warns with the same
    category (torch warns some things only once per process, so tjit may warn more often)."""
    __tracebackhide__ = True
    t_kinds = {w.category.__name__ for w in t_warned}
    j_kinds = {w.category.__name__ for w in j_warned}
    assert t_kinds <= j_kinds, (f"torch warned {[str(w.message)[:120] for w in t_warned]}\n"
                                f"tjit warned {[str(w.message)[:120] for w in j_warned]}")


def _check_raises(t_err, tjit_fn, j_in, kwargs, match):
    __tracebackhide__ = True
    try:
        with warnings.catch_warnings(record=True):
            realize(tjit_fn(*j_in, **kwargs))
    except Exception as e:
        assert _builtin_base(type(e)) is _builtin_base(type(t_err)), (
            f"torch raised {type(t_err).__name__}: {t_err}\ntjit raised {type(e).__name__}: {e}")
        if match is not None:
            assert re.search(match, str(e)), f"tjit's message {str(e)!r} does not match {match!r}"
        return e
    raise AssertionError(f"torch raised {type(t_err).__name__}: {t_err}\ntjit did not raise")


def _resolve(torch_fn, tjit_fn):
    if isinstance(torch_fn, str):
        name = torch_fn
        torch_fn = _lookup(torch, name)
        return torch_fn, tjit_fn or _lookup(tjit, name)
    return torch_fn, tjit_fn or torch_fn


def _lookup(mod, dotted: str):
    for part in dotted.split("."):
        mod = getattr(mod, part)
    return mod


def _build(inputs, lib, grad: bool):
    """The inputs as `lib` values, and the leaf tensors behind the tensor inputs."""
    args, leaves = [], []
    for x in inputs:
        if isinstance(x, np.ndarray):
            x = In(x)
        if isinstance(x, In):
            if grad and x.dtype in FLOAT_DTYPES:
                x = In(x.values, x.dtype, x.layout, True)
            t, leaf = x.build(lib)
            args.append(t)
            leaves.append(leaf)
        elif isinstance(x, (list, tuple)) and any(isinstance(v, (In, np.ndarray)) for v in x):
            inner, inner_leaves = _build(x, lib, grad)
            args.append(type(x)(inner))
            leaves += inner_leaves
        else:
            args.append(_convert(x, lib))
    return args, leaves


def _convert(x, lib):
    """tjit dtypes stand for the same dtype of either library (`dtype=tjit.int32` in kwargs)."""
    return getattr(lib, x.name) if isinstance(x, tjit.dtype) else x


def realize(x):
    """Force every tensor in `x` (errors tjit reports at realization surface here)."""
    if isinstance(x, tjit.Tensor):
        np.asarray(x)
    elif isinstance(x, (tuple, list)):
        for v in x:
            realize(v)
    return x


def _builtin_base(exc_type):
    """The first builtin exception class in the MRO: torch's private subclasses
    (torch._C._LinAlgError) compare by their builtin base; NotImplementedError stays distinct
    from RuntimeError."""
    for cls in exc_type.__mro__:
        if cls.__module__ == "builtins":
            return cls
    return Exception


def assert_same(expected, actual, *, rtol=None, atol=None, check_dtype=True, what="result"):
    """torch value `expected` vs tjit value `actual`: tensors (values, dtype, shape), nested
    tuples/lists of them, dtypes, torch.Size and Python scalars."""
    __tracebackhide__ = True
    if isinstance(expected, torch.Tensor):
        assert isinstance(actual, tjit.Tensor), f"{what}: expected a Tensor, got {type(actual).__name__}"
        assert tuple(actual.shape) == tuple(expected.shape), (
            f"{what}: shape {tuple(actual.shape)} != torch's {tuple(expected.shape)}")
        if check_dtype:
            assert actual.dtype.name == _dtype_name(expected.dtype), (
                f"{what}: dtype {actual.dtype.name} != torch's {_dtype_name(expected.dtype)}")
        assert_values(to_numpy(expected), np.asarray(actual), _dtype_name(expected.dtype), rtol, atol, what)
    elif isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)) and len(actual) == len(expected), (
            f"{what}: expected a sequence of {len(expected)}, got {actual!r}")
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_same(e, a, rtol=rtol, atol=atol, check_dtype=check_dtype, what=f"{what}[{i}]")
    elif isinstance(expected, torch.dtype):
        assert isinstance(actual, tjit.dtype) and actual.name == _dtype_name(expected), (
            f"{what}: {actual!r} != torch's {expected}")
    elif isinstance(expected, torch.Size):
        assert isinstance(actual, tuple) and tuple(actual) == tuple(expected), f"{what}: {actual!r} != torch's {expected}"
    elif isinstance(expected, float):
        assert isinstance(actual, (float, int)), f"{what}: expected a float, got {type(actual).__name__}"
        assert_values(np.float64(expected), np.float64(actual), "float64", rtol, atol, what)
    else:
        assert type(actual) is type(expected) and actual == expected, f"{what}: {actual!r} != torch's {expected!r}"


def _dtype_name(d) -> str:
    return str(d).removeprefix("torch.")


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """A torch tensor's values (bfloat16 as float32)."""
    t = t.detach()
    return (t.float() if t.dtype == torch.bfloat16 else t).numpy()


def assert_values(expected: np.ndarray, actual: np.ndarray, dtype: str, rtol, atol, what="result"):
    """Exact for integers and bools; within the dtype's tolerance for floats, with NaN and
    infinities required in the same places."""
    __tracebackhide__ = True
    expected, actual = np.asarray(expected), np.asarray(actual)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if dtype not in TOLERANCES:
        bad = expected != actual
        assert not bad.any(), f"{what}: {int(bad.sum())} elements differ\n torch: {expected[bad][:8]}\n tjit: {actual[bad][:8]}"
        return
    dr, da = TOLERANCES[dtype]
    rtol = dr if rtol is None else rtol
    atol = da if atol is None else atol
    e, a = expected.astype(np.float64), actual.astype(np.float64)
    with np.errstate(invalid="ignore"):
        close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True) | (a == e)
    bad = ~close
    assert not bad.any(), (f"{what}: {int(bad.sum())} of {e.size} elements differ (rtol={rtol}, atol={atol})\n"
                           f" torch: {e[bad][:8]}\n tjit:  {a[bad][:8]}\n where: {np.argwhere(bad)[:8].tolist()}")


def _check_grads(t_leaves, j_leaves, t_out, j_out, rtol, atol):
    """Reduce each output with the same fixed weights (so a wrong gradient cannot hide in a
    sum) and compare the gradients of every leaf that requires grad."""
    __tracebackhide__ = True
    t_outs = t_out if isinstance(t_out, (tuple, list)) else (t_out,)
    j_outs = j_out if isinstance(j_out, (tuple, list)) else (j_out,)
    t_loss, j_loss = 0, 0
    for k, (t, j) in enumerate(zip(t_outs, j_outs)):
        if not (isinstance(t, torch.Tensor) and t.requires_grad):
            continue
        w = make(tuple(t.shape), "float64", low=0.5, high=1.5, seed=100 + k).values
        t_loss = t_loss + (t * torch.tensor(w, dtype=t.dtype)).sum()
        j_loss = j_loss + (j * tjit.tensor(w, dtype=j.dtype)).sum()
    assert isinstance(t_loss, torch.Tensor), "grad=True but no output requires grad in torch"
    t_loss.backward()
    j_loss.backward()
    for i, (t, j) in enumerate(zip(t_leaves, j_leaves)):
        if t.requires_grad:
            assert j.grad is not None, f"input {i}: tjit computed no gradient"
            assert_same(t.grad, j.grad, rtol=rtol, atol=atol, what=f"grad of input {i}")
