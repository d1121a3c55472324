"""Tensor creation against torch: data conversion and dtype inference, memory sharing with
numpy, constant fills, ranges (empty ranges, float and negative steps), *_like, random
numbers (statistics and reproducibility) and the default dtype."""
import math

import numpy as np
import pytest
import torch

import tjit
from helpers import assert_same, check_op, make


@pytest.fixture
def default_float64():
    """Both libraries use float64 as the default dtype for the test, float32 after it."""
    torch.set_default_dtype(torch.float64)
    tjit.set_default_dtype(tjit.float64)
    yield
    torch.set_default_dtype(torch.float32)
    tjit.set_default_dtype(tjit.float32)


# -- tensor() -------------------------------------------------------------------------------
DATA = {
    "ints": [1, 2, 3], "mixed": [1, 2.0], "bool_int": [True, 1], "bools": [True, False], "nested": [[1, 2], [3, 4]],
    "empty": [], "empty_nested": [[]], "tuples": ((1.5, 2), (3, 4)), "range": range(4), "float": 3.5, "int": 7,
    "bool": True, "neg_zero": [-0.0, 0.0], "special": [float("nan"), float("inf"), -float("inf")],
    "big_float": [1e40], "deep": [[[1], [2]], [[3], [4]]], "np_scalars": [np.float32(1), 2],
    "np_float64": [np.float64(1), 2], "np_int32": np.int32(3),
}


@pytest.mark.parametrize("name", list(DATA))
def test_tensor_dtype_inference(name):
    check_op(lambda: torch.tensor(DATA[name]), lambda: tjit.tensor(DATA[name]))


@pytest.mark.parametrize("dtype", [tjit.float16, tjit.bfloat16, tjit.int32, tjit.uint8, tjit.bool, tjit.float64])
def test_tensor_with_dtype(dtype):
    """Floats are truncated into integer types; anything nonzero is True."""
    data = [[0.5, 1.7, 0.0], [2.0, 100.25, 3.999]]
    check_op(lambda d: torch.tensor(data, dtype=d), lambda d: tjit.tensor(data, dtype=d), dtype)


@pytest.mark.parametrize("data, dtype", [([-1.5, 2.7], tjit.uint8), ([300], tjit.uint8), ([float("nan")], tjit.int32),
                                         ([2 ** 40], tjit.int32), ([float("inf")], tjit.int64), ([-1, -255], tjit.uint8),
                                         ([-256], tjit.uint8), ([255.5], tjit.uint8), ([-129], tjit.int8)])
def test_tensor_out_of_range_python_values(data, dtype):
    check_op(lambda d: torch.tensor(data, dtype=d), lambda d: tjit.tensor(data, dtype=d), dtype)


@pytest.mark.parametrize("data", [[[1, 2], [3]], None, "a", ["a"], [1, None], 2 ** 63, [2 ** 63], object()])
def test_tensor_bad_data(data):
    check_op(lambda: torch.tensor(data), lambda: tjit.tensor(data))


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int16", "uint8", "bool"])
def test_tensor_from_numpy_arrays(dtype):
    """numpy arrays keep their dtype (also transposed and 0-d ones) and are copied."""
    a = make((3, 4), dtype).values
    check_op(lambda: torch.tensor(a), lambda: tjit.tensor(a))
    check_op(lambda: torch.tensor(a.T), lambda: tjit.tensor(a.T))
    check_op(lambda: torch.tensor(a[1, 2]), lambda: tjit.tensor(a[1, 2]))
    check_op(lambda: torch.tensor(np.array(a[0, 0])), lambda: tjit.tensor(np.array(a[0, 0])))
    t = tjit.tensor(a)
    a_before = a.copy()
    a[...] = a[::-1, ::-1]
    np.testing.assert_array_equal(t.numpy(), a_before)


def test_tensor_from_tensors():
    check_op(lambda: torch.tensor([torch.tensor(1.5), torch.tensor(2.0)]),
             lambda: tjit.tensor([tjit.tensor(1.5), tjit.tensor(2.0)]))
    check_op(lambda: torch.tensor([torch.ones(2), torch.ones(2)]), lambda: tjit.tensor([tjit.ones(2), tjit.ones(2)]))
    check_op(lambda x: torch.tensor(x), lambda x: tjit.tensor(x), make((2, 3)))  # warns: use clone()
    check_op(lambda x: torch.tensor(x, dtype=torch.int16), lambda x: tjit.tensor(x, dtype=tjit.int16), make((2, 3)))


def test_tensor_requires_grad():
    t = tjit.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf
    check_op(lambda: torch.tensor([1, 2], requires_grad=True), lambda: tjit.tensor([1, 2], requires_grad=True))


def test_tensor_copies_and_as_tensor():
    x = tjit.tensor([1.0, 2.0])
    y = tjit.as_tensor(x)
    assert y is x
    a = np.arange(3.0)
    t = tjit.as_tensor(a)
    a[0] = 9.0
    assert t[0].item() == 9.0  # as_tensor shares memory with numpy like from_numpy


# -- from_numpy: memory shared both ways --------------------------------------------------------
def _sharing_script(lib, a):
    """Writes through the array and through the tensor; returns what each side sees."""
    t = lib.from_numpy(a)
    a[0, 0] = 7
    seen = t[0, 0].item()
    t.add_(1)
    t[1] = 0
    t.mul_(2)
    return seen, a.copy(), t.numpy().copy()


@pytest.mark.parametrize("dtype, view", [("float32", "contiguous"), ("int64", "contiguous"), ("float16", "contiguous"),
                                         ("uint8", "transposed"), ("float64", "sliced")])
def test_from_numpy_shares_memory(dtype, view):
    def array():
        base = np.arange(24).reshape(4, 6).astype(dtype)
        return {"contiguous": base[:2, :3].copy(), "transposed": base[:3, :2].copy().T,
                "sliced": base[1:3, ::2]}[view]
    t_seen, t_arr, t_ten = _sharing_script(torch, array())
    j_seen, j_arr, j_ten = _sharing_script(tjit, array())
    assert j_seen == t_seen
    np.testing.assert_array_equal(j_arr, t_arr)
    np.testing.assert_array_equal(j_ten, t_ten)


def test_from_numpy_dtypes_and_errors():
    for a in [np.zeros((2, 3), np.int8), np.zeros((), np.float64), np.zeros((0, 3), np.int16)]:
        check_op(lambda: torch.from_numpy(a), lambda: tjit.from_numpy(a))
    for bad in [np.arange(3.0)[::-1], [1, 2], np.array(["a"])]:
        check_op(lambda: torch.from_numpy(bad), lambda: tjit.from_numpy(bad))


def test_numpy_shares_memory():
    """t.numpy() is a view of the tensor: later in-place ops show up in it."""
    x = tjit.ones(3)
    a = x.numpy()
    x.mul_(2)
    np.testing.assert_array_equal(a, [2.0, 2.0, 2.0])
    a[1] = 5.0
    assert x.tolist() == [2.0, 5.0, 2.0]


# -- constant fills -----------------------------------------------------------------------------
SIZES = [(2, 3), ((2, 3),), ([4],), (0,), ((),), (torch.Size([2, 1]),), (-1,), (2, -3), (2.5,), ("a",)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", ["zeros", "ones"])
def test_zeros_ones_sizes(name, size):
    size = tuple(tjit.Size(s) if isinstance(s, torch.Size) else s for s in size)
    t_size = tuple(torch.Size(s) if isinstance(s, tjit.Size) else s for s in size)
    check_op(lambda: getattr(torch, name)(*t_size), lambda: getattr(tjit, name)(*size))


@pytest.mark.parametrize("dtype", [tjit.float64, tjit.float16, tjit.bfloat16, tjit.int8, tjit.uint8, tjit.bool])
def test_fills_with_dtype(dtype):
    for name in ["zeros", "ones"]:
        check_op(name, None, 2, 3, kwargs={"dtype": dtype})
    check_op(lambda d: torch.empty(2, 3, dtype=d).shape, lambda d: tjit.empty(2, 3, dtype=d).shape, dtype)
    check_op(lambda d: torch.empty(2, dtype=d).dtype, lambda d: tjit.empty(2, dtype=d).dtype, dtype)
    check_op("full", None, (2, 2), 3, kwargs={"dtype": dtype})


@pytest.mark.parametrize("fill", [1, 1.5, True, -2, float("nan"), float("inf")])
def test_full_dtype_inference(fill):
    check_op("full", None, (2, 3), fill)
    check_op("full", None, (), fill)


def test_full_edge_cases():
    check_op("full", None, (2,), float("nan"), kwargs={"dtype": tjit.int32})
    check_op("full", None, 2, 1)
    check_op(lambda: torch.full((2,), torch.tensor(2.5)), lambda: tjit.full((2,), tjit.tensor(2.5)))
    check_op("full", None, (0, 3), 7)
    check_op("full", None, (2,), 300, kwargs={"dtype": tjit.uint8})


@pytest.mark.parametrize("args", [(3,), (2, 3), (3, 2), (0,), (3, 0), (1,), (-1,), (2, -1)])
def test_eye(args):
    check_op("eye", None, *args)
    check_op("eye", None, *args, kwargs={"dtype": tjit.int64})


def test_out_argument():
    check_op(lambda o: torch.zeros(2, 3, out=o), lambda o: tjit.zeros(2, 3, out=o), make((2, 3), "int32"))
    check_op(lambda o: torch.arange(5, out=o), lambda o: tjit.arange(5, out=o), make((5,), "float64"))
    check_op(lambda o: torch.arange(0.5, 3, out=o), lambda o: tjit.arange(0.5, 3, out=o), make((0,), "int64"))
    check_op(lambda o: torch.eye(2, out=o), lambda o: tjit.eye(2, out=o), make((3,), "float32"))


# -- *_like ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "bfloat16"])
def test_like(dtype):
    x = make((2, 3), dtype, layout="transposed")
    check_op("zeros_like", None, x)
    check_op("ones_like", None, x)
    check_op("full_like", None, x, 2.7)
    check_op("zeros_like", None, x, kwargs={"dtype": tjit.float16})
    check_op(lambda t: torch.empty_like(t).shape, lambda t: tjit.empty_like(t).shape, x)
    check_op(lambda t: torch.empty_like(t, dtype=torch.int8).dtype, lambda t: tjit.empty_like(t, dtype=tjit.int8).dtype,
             x)


@pytest.mark.parametrize("fn", ["rand_like", "randn_like", "randint_like"])
@pytest.mark.parametrize("dtype", ["float32", "float16", "int64"])
def test_random_like(fn, dtype):
    x = make((20, 30), dtype)
    args = (5,) if fn == "randint_like" else ()

    def shape_dtype(lib):
        return lambda t: (lambda r: (r.shape, r.dtype))(getattr(lib, fn)(t, *args))
    check_op(shape_dtype(torch), shape_dtype(tjit), x)


# -- ranges -----------------------------------------------------------------------------------------
ARANGE = [(5,), (0.0, 5), (0, 5, 0.5), (5, 0, -1), (5, 0, -1.5), (0, 0), (0, 1, 0.1), (1, 2.5, 0.5), (-3, 3),
          (10, 2, -3), (0.5, 3), (1e-3, 1e-2, 1e-3), (2, 9, 4), (5, 0), (0, 5, 0), (float("inf"),), (True,),
          (-0.5, 0.5, 0.25), (np.int64(3),), (np.float32(2.5),)]


@pytest.mark.parametrize("args", ARANGE, ids=str)
def test_arange(args):
    check_op("arange", None, *args)


@pytest.mark.parametrize("dtype", [tjit.float16, tjit.bfloat16, tjit.int64, tjit.int32, tjit.uint8, tjit.float64])
def test_arange_dtypes(dtype):
    check_op("arange", None, -3, 7, kwargs={"dtype": dtype})
    check_op("arange", None, 0.5, 3, kwargs={"dtype": dtype})
    check_op("arange", None, 0, 2.5, 0.5, kwargs={"dtype": dtype})


def test_arange_tensor_arguments():
    check_op(lambda: torch.arange(torch.tensor(3)), lambda: tjit.arange(tjit.tensor(3)))
    check_op(lambda: torch.arange(torch.tensor(3.0)), lambda: tjit.arange(tjit.tensor(3.0)))
    check_op(lambda: torch.arange(1, torch.tensor(4), 2), lambda: tjit.arange(1, tjit.tensor(4), 2))


LINSPACE = [(0, 1, 5), (0, 1, 1), (0, 1, 0), (3, -3, 7), (-1.5, 2.25, 10), (0, 1, 3), (1e-3, 1e3, 13), (5, 5, 4),
            (0, 1, 2), (0, 1, 100), (0, 1, -1)]


@pytest.mark.parametrize("args", LINSPACE, ids=str)
def test_linspace(args):
    check_op("linspace", None, *args)


@pytest.mark.parametrize("dtype", [tjit.int64, tjit.int32, tjit.uint8, tjit.float64, tjit.float16])
def test_linspace_dtypes(dtype):
    check_op("linspace", None, 0, 10, 5, kwargs={"dtype": dtype})
    check_op("linspace", None, -5, 5, 4, kwargs={"dtype": dtype})
    check_op("linspace", None, 0.5, 7.25, 6, kwargs={"dtype": dtype})


def test_linspace_tensor_bounds_and_errors():
    check_op(lambda: torch.linspace(torch.tensor(0.0), torch.tensor(1.0), 3),
             lambda: tjit.linspace(tjit.tensor(0.0), tjit.tensor(1.0), 3))
    check_op("linspace", None, 0, 1)  # steps is required
    check_op("linspace", None, 0, 1, 2.5)


LOGSPACE = [(0, 2, 3), (0, 2, 3, 2), (-1, 1, 3, 2.5), (0, 1, 1), (0, 1, 0), (2, -2, 9), (0, 0.5, 4, 7)]


@pytest.mark.parametrize("args", LOGSPACE, ids=str)
def test_logspace(args):
    check_op("logspace", None, *args)


def test_logspace_dtypes():
    check_op("logspace", None, 0, 3, 4, kwargs={"dtype": tjit.int64})
    check_op("logspace", None, 0, 3, 7, kwargs={"dtype": tjit.float64})
    check_op("logspace", None, -2, 2, 5, kwargs={"dtype": tjit.bfloat16})


# -- random numbers ---------------------------------------------------------------------------------
N = (200, 100)


def _stats(t):
    a = np.asarray(t, dtype=np.float64)
    return a.mean(), a.std()


@pytest.mark.parametrize("dtype", [tjit.float32, tjit.float64, tjit.float16, tjit.bfloat16])
def test_rand_randn_statistics(dtype):
    tjit.manual_seed(0)
    u = tjit.rand(*N, dtype=dtype)
    assert u.dtype == dtype and tuple(u.shape) == N
    a = np.asarray(u, dtype=np.float64)
    assert a.min() >= 0.0 and a.max() < 1.0 and len(np.unique(a)) > 100
    mean, std = _stats(u)
    assert abs(mean - 0.5) < 0.01 and abs(std - 1 / math.sqrt(12)) < 0.01
    z = tjit.randn(*N, dtype=dtype)
    mean, std = _stats(z)
    assert z.dtype == dtype and abs(mean) < 0.02 and abs(std - 1) < 0.02
    # the tails of a normal: 0.27% of values beyond 3 sigma
    assert 0.001 < float(np.mean(np.abs(np.asarray(z, dtype=np.float64)) > 3)) < 0.005


def test_normal_overloads():
    tjit.manual_seed(1)
    mean, std = _stats(tjit.normal(3.0, 2.0, N))
    assert abs(mean - 3) < 0.05 and abs(std - 2) < 0.05
    m = tjit.full(N, -1.0)
    s = tjit.full(N, 0.5, dtype=tjit.float64)
    for args in [(m, 0.5), (-1.0, s), (m, s)]:
        t = tjit.normal(*args)
        mean, std = _stats(t)
        assert tuple(t.shape) == N and abs(mean + 1) < 0.02 and abs(std - 0.5) < 0.02
    t = tjit.normal(tjit.arange(4.0), tjit.zeros(4))
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert tuple(tjit.normal(means=tjit.zeros(3)).shape) == (3,)  # the manual's legacy keyword


def test_normal_dtypes_and_errors():
    m32, s64 = make((3,)), make((3,), "float64", low=0.1, high=1)
    check_op(lambda m, s: torch.normal(m, s).dtype, lambda m, s: tjit.normal(m, s).dtype, m32, s64)
    check_op(lambda s: torch.normal(0.0, s).dtype, lambda s: tjit.normal(0.0, s).dtype, s64)
    check_op(lambda: torch.normal(0.0, 1.0, (2, 3)).shape, lambda: tjit.normal(0.0, 1.0, (2, 3)).shape)
    check_op("normal", None, 0.0, -1.0, (2,))
    check_op("normal", None, make((2,)), make((3,)))
    check_op("normal", None, make((2,), "int64"), 1.0)
    check_op("normal", None, make((3,)), -1.0)
    check_op("normal", None, make((3,)), make((3,), low=-2, high=-1))


@pytest.mark.parametrize("low, high, dtype", [(0, 10, None), (-5, 5, tjit.int32), (3, 4, tjit.int64),
                                              (0, 256, tjit.uint8), (-3, 3, tjit.float32), (100, 103, tjit.int16)])
def test_randint(low, high, dtype):
    tjit.manual_seed(2)
    t = tjit.randint(low, high, N, dtype=dtype)
    assert t.dtype == (dtype or tjit.int64) and tuple(t.shape) == N
    values, counts = np.unique(np.asarray(t), return_counts=True)
    np.testing.assert_array_equal(values, np.arange(low, high))  # every value, nothing outside
    assert counts.min() > 0.5 * counts.mean()


def test_randint_arguments_and_errors():
    check_op(lambda: torch.randint(3, (2, 4)).shape, lambda: tjit.randint(3, (2, 4)).shape)
    check_op(lambda: torch.randint(3, (2,)).dtype, lambda: tjit.randint(3, (2,)).dtype)
    check_op("randint", None, 3, 3, (2,))
    check_op("randint", None, 3, 2)
    check_op("randint", None, -3, 3, (2,), kwargs={"dtype": tjit.uint8})
    check_op("randint", None, 0, 300, (2,), kwargs={"dtype": tjit.uint8})


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_bernoulli(dtype):
    tjit.manual_seed(3)
    p = tjit.tensor(make(N, dtype, low=0, high=1).values, dtype=getattr(tjit, dtype))
    b = tjit.bernoulli(p)
    assert b.dtype == p.dtype and set(np.unique(np.asarray(b))) <= {0.0, 1.0}
    assert abs(float(np.asarray(b, np.float64).mean()) - float(np.asarray(p, np.float64).mean())) < 0.01
    assert abs(float(np.asarray(tjit.bernoulli(p, 0.3), np.float64).mean()) - 0.3) < 0.01
    assert np.asarray(tjit.bernoulli(tjit.zeros(100, dtype=p.dtype))).sum() == 0
    assert np.asarray(tjit.bernoulli(tjit.ones(100, dtype=p.dtype))).sum() == 100


def test_bernoulli_errors():
    check_op("bernoulli", None, np.full(3, 1.5, np.float32))
    check_op("bernoulli", None, np.ones(3, np.int64))
    check_op("bernoulli", None, np.ones(3, np.float32), 1.5)


@pytest.mark.parametrize("name, args", [("rand", (3,)), ("randn", (3,))])
def test_random_float_only(name, args):
    for dtype in [tjit.int64, tjit.bool]:
        check_op(name, None, *args, kwargs={"dtype": dtype})


@pytest.mark.parametrize("fn", [lambda: tjit.rand(50), lambda: tjit.randn(5, 10), lambda: tjit.randint(0, 1000, (50,)),
                                lambda: tjit.normal(2.0, 3.0, (50,)), lambda: tjit.bernoulli(tjit.full((50,), 0.5))],
                         ids=["rand", "randn", "randint", "normal", "bernoulli"])
def test_reproducibility(fn):
    """The same seed gives the same numbers; consecutive draws differ."""
    tjit.manual_seed(1234)
    first, second = np.asarray(fn()).copy(), np.asarray(fn()).copy()
    tjit.manual_seed(1234)
    np.testing.assert_array_equal(np.asarray(fn()), first)
    np.testing.assert_array_equal(np.asarray(fn()), second)
    assert not np.array_equal(first, second)
    tjit.manual_seed(4321)
    assert not np.array_equal(np.asarray(fn()), first)


def test_generators_and_rng_state():
    g = tjit.Generator().manual_seed(7)
    a = tjit.rand(20, generator=g)
    tjit.rand(20)  # the default generator does not disturb g
    b = tjit.rand(20, generator=g)
    g2 = tjit.Generator().manual_seed(7)
    np.testing.assert_array_equal(np.asarray(tjit.rand(20, generator=g2)), np.asarray(a))
    np.testing.assert_array_equal(np.asarray(tjit.rand(20, generator=g2)), np.asarray(b))
    state = tjit.get_rng_state()
    x = tjit.randn(10).tolist()
    tjit.set_rng_state(state)
    assert tjit.randn(10).tolist() == x
    assert tjit.initial_seed() == tjit.default_generator.initial_seed()


def test_lazy_random_values_are_stable():
    """A random tensor realized twice (or used by two consumers) holds one set of values."""
    tjit.manual_seed(5)
    r = tjit.rand(10)
    y = r * 2
    np.testing.assert_allclose(np.asarray(y), np.asarray(r) * 2)
    np.testing.assert_array_equal(np.asarray(r), np.asarray(r))


# -- default dtype -----------------------------------------------------------------------------------
def test_default_float64_creation(default_float64):
    check_op("tensor", None, [1.5, 2])
    check_op("tensor", None, [1, 2])
    check_op("zeros", None, 2)
    check_op("full", None, (2,), 0.5)
    check_op("arange", None, 0.5, 3)
    check_op("linspace", None, 0, 1, 5)
    check_op("logspace", None, 0, 1, 3)
    check_op("eye", None, 2)
    check_op(lambda: torch.rand(3).dtype, lambda: tjit.rand(3).dtype)
    check_op(lambda: torch.randn(3).dtype, lambda: tjit.randn(3).dtype)


def test_default_float64_promotion(default_float64):
    i = make((3,), "int32")
    check_op(lambda x: x + 1.5, None, i)
    check_op(lambda x: x / 2, None, i)
    check_op("exp", None, i)
    check_op(lambda x: x * 0.5, None, make((3,), "float32"))  # a float tensor keeps its type
    check_op(lambda x: torch.result_type(x, 1.5), lambda x: tjit.result_type(x, 1.5), i)


@pytest.mark.parametrize("dtype", [tjit.float16, tjit.bfloat16])
def test_default_half_types(dtype):
    torch.set_default_dtype(getattr(torch, dtype.name))
    tjit.set_default_dtype(dtype)
    try:
        check_op("tensor", None, [1.5, 2])
        check_op(lambda x: x / 2, None, make((3,), "int64"))
    finally:
        torch.set_default_dtype(torch.float32)
        tjit.set_default_dtype(tjit.float32)


def test_set_default_dtype_errors():
    for d in [tjit.int64, tjit.bool]:
        check_op("set_default_dtype", None, d)
    assert tjit.get_default_dtype() == tjit.float32


@pytest.mark.parametrize("name", ["DoubleTensor", "torch.DoubleTensor", "FloatTensor", "LongTensor", "torch.Foo"])
def test_set_default_tensor_type(name):
    def run(lib):
        def fn():
            lib.set_default_tensor_type(name if "." in name else getattr(lib, name))
            return lib.get_default_dtype(), lib.tensor([1.5]).dtype
        return fn
    try:
        check_op(run(torch), run(tjit))
    finally:
        torch.set_default_dtype(torch.float32)
        tjit.set_default_dtype(tjit.float32)


def test_legacy_tensor_types():
    check_op(lambda: torch.FloatTensor(2, 3).shape, lambda: tjit.FloatTensor(2, 3).shape)
    check_op(lambda: torch.FloatTensor([1, 2]), lambda: tjit.FloatTensor([1, 2]))
    check_op(lambda: torch.LongTensor([1.5, 2]), lambda: tjit.LongTensor([1.5, 2]))
    check_op(lambda: torch.BoolTensor([1, 0]), lambda: tjit.BoolTensor([1, 0]))
    check_op(lambda: torch.DoubleTensor(2).dtype, lambda: tjit.DoubleTensor(2).dtype)
    assert isinstance(tjit.ones(2), tjit.FloatTensor) and not isinstance(tjit.ones(2), tjit.DoubleTensor)
    assert isinstance(tjit.ones(2, dtype=tjit.uint8), tjit.ByteTensor)
    assert_same(torch.ones(2).type(), tjit.ones(2).type())


def test_negative_zero_constant_is_its_own_node():
    a, b = tjit.full((2,), 0.0), tjit.full((2,), -0.0)
    assert np.signbit(b.numpy()).all() and not np.signbit(a.numpy()).any()
