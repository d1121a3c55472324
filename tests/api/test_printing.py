"""tjit's tensor printing must be character-identical to torch's.

Every test builds a real torch tensor, prints it with torch, and prints the
same values with ``tjit._tensor_str.format_tensor``; the two strings must
match exactly.  Print options are set on both sides and reset after each
test.
"""

import ast
import math
import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tjit._tensor_str as ts  # noqa: E402

ALL_DTYPES = [
    torch.float32,
    torch.float64,
    torch.float16,
    torch.bfloat16,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.uint8,
    torch.bool,
]
SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (2, 2, 2, 3), (40,), (7, 25)]
SCALES = [1e-7, 1e-3, 1.0, 30.0, 1e4, 1e9, 1e30]


@pytest.fixture(autouse=True)
def _reset_print_options():
    """Each test starts and ends with default options in both libraries."""
    torch.set_printoptions(profile="default")
    ts.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    ts.set_printoptions(profile="default")


def _set_both(**options):
    torch.set_printoptions(**options)
    ts.set_printoptions(**options)


def _ours(t, is_parameter=False):
    """format_tensor fed the way the tjit Tensor class feeds it."""
    data = t.detach()
    if data.dtype == torch.bfloat16:
        values = data.float().numpy()  # exact: bf16 values fit in float32
    else:
        values = data.numpy()
    grad_fn = t.grad_fn
    return ts.format_tensor(
        values,
        str(t.dtype).removeprefix("torch."),
        requires_grad=t.requires_grad,
        grad_fn_name=None if grad_fn is None else type(grad_fn).__name__,
        is_parameter=is_parameter,
    )


def assert_same(t):
    expected = repr(t)
    got = _ours(t)
    assert got == expected, f"\nexpected:\n{expected}\ngot:\n{got}"


def _make(x, dtype):
    """A torch tensor of ``dtype`` built from float64 numpy data ``x``."""
    if dtype.is_floating_point:
        return torch.tensor(x, dtype=torch.float64).to(dtype)
    if dtype == torch.bool:
        return torch.tensor(x > 0)
    info = torch.iinfo(dtype)
    # keep int64 bounds representable as float64 so the cast cannot overflow
    low, high = max(info.min, -(2**62)), min(info.max, 2**62)
    x = np.clip(np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0), low, high)
    return torch.tensor(x.astype(np.int64)).to(dtype)


def _random(shape, scale, kind, seed):
    """Random data: plain normal, rounded to integers, or sprinkled with specials."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * scale
    if kind == "int":
        x = np.round(x)
    elif kind == "special" and x.size:
        flat = x.reshape(-1)
        where = rng.integers(0, flat.size, 3)
        flat[where] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], 3)
    return x


# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_random_values_all_dtypes_and_shapes(dtype, shape):
    for i, scale in enumerate(SCALES):
        for kind in ("normal", "int", "special"):
            assert_same(_make(_random(shape, scale, kind, seed=i), dtype))


@pytest.mark.parametrize(
    "values",
    [
        [float("nan")],
        [float("inf"), -float("inf"), float("nan")],
        [1.0, float("inf")],
        [1.5, float("nan"), -float("inf")],
        [-0.0, 0.0],
        [-0.0, 1.5],
        [-0.0, 2.0],
        [0.0, 0.0, 0.0],
        [1e-40, 1.0],  # subnormal float32
        [1e-45],
        [3.4e38, -3.4e38],
        [99999.99995, 1.0],  # rounding widens the column
        [9.99995, 1.0],
        [0.5, 1.5, 2.5],  # round-half-even in int mode boundaries
        [1e8, 1.0],  # sci-mode thresholds, just at and past each limit
        [1e8 + 8, 1.0],
        [1e-4, 1.0],
        [0.99e-4, 1.0],
        [1.0, 1000.0],
        [1.0, 1000.1],
        [-1e-5],
        [[1e-10, 1e10], [float("nan"), 0.0]],
        [123456789.0],
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16], ids=str)
def test_special_float_values(values, dtype):
    assert_same(torch.tensor(values, dtype=dtype))


@pytest.mark.parametrize(
    "t",
    [
        torch.tensor(float("nan")),
        torch.tensor(-0.0),
        torch.tensor(5.0),
        torch.tensor(2.5, dtype=torch.float64),
        torch.tensor(1e-9),
        torch.tensor(5),
        torch.tensor(-7, dtype=torch.int8),
        torch.tensor(True),
        torch.tensor(False),
        torch.tensor(3.0, dtype=torch.bfloat16),
        torch.tensor([2**63 - 1, -(2**63)]),
        torch.tensor([255, 0], dtype=torch.uint8),
        torch.tensor([-128, 127], dtype=torch.int8),
        torch.tensor([True, False]),
        torch.tensor([65504.0, 6e-8], dtype=torch.float16),
        torch.tensor([1e38, 3e-38], dtype=torch.bfloat16),
        torch.tensor([0.1, 0.2], dtype=torch.float16),
        torch.tensor([0.1, 0.2], dtype=torch.bfloat16),
        torch.zeros(3, 4),
        torch.full((3, 3), float("nan")),
        torch.ones(1, 1, 1, 1, dtype=torch.int16),
    ],
    ids=lambda t: f"{t.dtype}{tuple(t.shape)}",
)
def test_hand_picked(t):
    assert_same(t)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 3), (0, 0, 0)], ids=str)
def test_empty(shape, dtype):
    assert_same(torch.empty(shape, dtype=dtype))


# --------------------------------------------------------------------------
# summarization and wrapping
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "t",
    [
        torch.arange(2000),
        torch.arange(2000.0),
        torch.arange(1001, dtype=torch.int8),
        torch.randn(1001),
        torch.randn(100, 100) * 1e5,
        torch.randn(4, 300),
        torch.randn(300, 4),
        torch.ones(11, 11, 11, dtype=torch.int16),
        torch.randn(2, 30, 30, 2, dtype=torch.float64),
        torch.randn(1000),  # exactly at the threshold: not summarized
        torch.randn(3, 1000).to(torch.bfloat16),
        torch.randn(3, 1000) > 0,
    ],
    ids=lambda t: f"{t.dtype}{tuple(t.shape)}",
)
def test_summarized(t):
    assert_same(t)


def test_summarized_hidden_values_do_not_affect_format():
    t = torch.ones(2000)
    t[1000] = 1e-9  # hidden: the visible part stays in int mode
    assert_same(t)
    t[0] = 1e-9
    assert_same(t)


@pytest.mark.parametrize("linewidth", [0, 10, 20, 40, 79, 80, 81, 120])
def test_linewidth_wrapping(linewidth):
    _set_both(linewidth=linewidth)
    for n in (1, 7, 13, 29):
        for dtype in (torch.float64, torch.int8, torch.float16, torch.bool):
            t = (torch.arange(n) * 3.3).to(dtype)
            assert_same(t)
            assert_same(t.reshape(1, n))
            assert_same(t.reshape(1, 1, n))


# --------------------------------------------------------------------------
# print options
# --------------------------------------------------------------------------

OPTIONS = [
    dict(precision=0),
    dict(precision=1),
    dict(precision=8),
    dict(threshold=0),
    dict(threshold=5),
    dict(threshold=math.inf),
    dict(edgeitems=0),
    dict(edgeitems=0, threshold=3),
    dict(edgeitems=1, threshold=5),
    dict(edgeitems=5, threshold=10),
    dict(linewidth=30),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="default"),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(sci_mode=True, precision=2),
    dict(profile="short", sci_mode=False, threshold=10),
    dict(profile="full", precision=6, linewidth=50),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_print_options(options):
    _set_both(**options)
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    rng_seed = 0
    for shape in [(), (7,), (4, 9), (3, 4, 5), (2, 3, 2, 4), (0, 2), (12,)]:
        for dtype in (torch.float32, torch.float64, torch.float16, torch.int64, torch.bool):
            for scale in (1e-6, 1.0, 1e4, 1e10):
                rng_seed += 1
                assert_same(_make(_random(shape, scale, "special", rng_seed), dtype))
                assert_same(_make(_random(shape, scale, "int", rng_seed), dtype))


def test_set_printoptions_semantics():
    ts.set_printoptions(precision=2, sci_mode=True)
    assert ts.get_printoptions()["sci_mode"] is True
    # like torch, any call without sci_mode puts it back to automatic
    ts.set_printoptions(linewidth=100)
    opts = ts.get_printoptions()
    assert opts == dict(precision=2, threshold=1000, edgeitems=3, linewidth=100, sci_mode=None)
    # the profile is applied first, explicit arguments override it
    ts.set_printoptions(profile="short", edgeitems=4)
    assert ts.get_printoptions() == dict(
        precision=2, threshold=1000, edgeitems=4, linewidth=80, sci_mode=None
    )
    ts.set_printoptions(profile="full")
    assert ts.get_printoptions()["threshold"] == math.inf
    ts.set_printoptions(profile="no-such-profile")  # ignored, as in torch
    assert ts.get_printoptions()["threshold"] == math.inf
    ts.set_printoptions(profile="default")
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_manager():
    before = ts.get_printoptions()
    with ts.printoptions(precision=1):
        assert ts.format_tensor(np.array([1.25, 2.0]), "float64") == (
            "tensor([1.2, 2.0], dtype=torch.float64)"
        )
    assert ts.get_printoptions() == before


# --------------------------------------------------------------------------
# suffixes: dtype, device, autograd, Parameter
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16], ids=str)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (30,), (0,), (2, 0)], ids=str)
def test_autograd_suffixes(shape, dtype):
    leaf = torch.randn(shape, dtype=dtype, requires_grad=True)
    assert_same(leaf)
    assert_same(leaf * 2)  # MulBackward0
    assert_same(leaf.sum())  # SumBackward0
    assert_same(leaf.reshape(-1)[:1])  # a view


def test_suffixes_wrap_at_linewidth():
    # The last line is long, so the dtype/grad_fn suffixes move to new lines.
    for n in range(1, 14):
        t = torch.arange(n, dtype=torch.float64) * 1.5
        assert_same(t.requires_grad_() * 1)
        for lw in (30, 50, 60):
            _set_both(linewidth=lw)
            assert_same(t * 1)
            assert_same(t.to(torch.int8))
        _set_both(linewidth=80)


@pytest.mark.parametrize("requires_grad", [True, False])
def test_parameter(requires_grad):
    p = torch.nn.Parameter(torch.randn(3, 4, dtype=torch.float64), requires_grad=requires_grad)
    assert _ours(p, is_parameter=True) == repr(p)
    p = torch.nn.Parameter(torch.tensor(1.5), requires_grad=requires_grad)
    assert _ours(p, is_parameter=True) == repr(p)


def test_device_suffix():
    # torch-cpu cannot make CUDA tensors; this is torch's form for them.
    values = np.array([1.0, 2.0], dtype=np.float32)
    assert ts.format_tensor(values, "float32", device="cuda:0") == (
        "tensor([1., 2.], device='cuda:0')"
    )
    assert ts.format_tensor(values, "float64", device="cuda:1", requires_grad=True) == (
        "tensor([1., 2.], device='cuda:1', dtype=torch.float64, requires_grad=True)"
    )
    assert ts.format_tensor(np.zeros((0, 2), np.int64), "int64", device="cuda:0") == (
        "tensor([], device='cuda:0', size=(0, 2), dtype=torch.int64)"
    )
    assert ts.format_tensor(values, "float32", device="cpu") == "tensor([1., 2.])"


def test_grad_fn_wins_over_requires_grad():
    values = np.array([1.0], dtype=np.float32)
    assert ts.format_tensor(
        values, "float32", requires_grad=True, grad_fn_name="AddBackward0"
    ) == "tensor([1.], grad_fn=<AddBackward0>)"


def test_module_does_not_import_torch():
    source = pathlib.Path(ts.__file__).read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not any(n == "torch" or n.startswith("torch.") for n in names)
