"""Reductions, scans and the sorting family against torch 2.13: values, dtypes, shapes,
named results and exception types; plus the fusion of reductions into single kernels.

Every case runs the same call in both libraries through `check_op` (tests/helpers.py).
Inputs reuse a few shapes so the compiled kernels are shared between tests."""
import numpy as np
import pytest
import torch

import tjit
from helpers import In, assert_same, check_op, make, noncontig, realize

pytestmark = pytest.mark.filterwarnings("ignore:.*(deprecated|degrees of freedom):UserWarning")

X = make((3, 4, 5))
INPUTS = {
    "float32": X,
    "float64": make((3, 4, 5), "float64", seed=1),
    "int32": make((3, 4, 5), "int32", seed=2),
    "uint8": make((3, 4, 5), "uint8", low=0, high=9, seed=3),
    "bool": make((3, 4, 5), "bool", seed=4),
    "float16": make((3, 4, 5), "float16", seed=5),
    "bfloat16": make((3, 4, 5), "bfloat16", seed=6),
    "transposed": noncontig(X),
    "strided": noncontig(X, "strided"),
    "special": make((3, 4, 5), special=True, seed=7),
}
DIMS = [((), {}), ((1,), {}), ((-1,), {"keepdim": True}), (((0, 2),), {}), (((-1, 0),), {"keepdim": True}),
        (((),), {})]
REDUCTIONS = ["sum", "nansum", "mean", "nanmean", "prod", "amax", "amin", "all", "any", "std", "var", "logsumexp",
              "count_nonzero", "argmax", "argmin", "max", "min", "norm"]


def lib_of(x):
    return torch if isinstance(x, torch.Tensor) else tjit


def _reduction_args(name, args, kwargs):
    """The call's arguments, or None where the op has no such form."""
    if name == "logsumexp" and args in ((), ((),)):
        return None  # logsumexp needs a dim; torch 2.13 fails oddly on dim=()
    if name == "count_nonzero" and kwargs:
        return None
    return (("fro",) + args) if name == "norm" else args


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_dims(name):
    """Every reduction over no dim, one dim, negative dims, dim tuples and the empty tuple,
    with and without keepdim (torch's errors included: prod/argmax reject tuples, ...)."""
    for args, kwargs in DIMS:
        full = _reduction_args(name, args, kwargs)
        if full is not None:
            check_op(name, None, X, *full, kwargs=kwargs)


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("kind", [k for k in INPUTS if k not in ("float32", "float64")])
def test_reduction_dtypes_and_layouts(name, kind):
    """Each dtype (integers: int64 sums, mean raises; half types accumulate in float32)
    and each memory layout, reduced fully and over a dim tuple."""
    for args, kwargs in (DIMS[0], DIMS[4]):
        full = _reduction_args(name, args, kwargs)
        if full is not None:
            check_op(name, None, INPUTS[kind], *full, kwargs=kwargs)


def test_float64_reductions():
    for name in ("sum", "mean", "var", "std", "amax", "argmin", "logsumexp", "norm", "prod"):
        check_op(name, None, INPUTS["float64"], 1)


def test_reduction_methods_and_out():
    check_op(lambda x: x.sum(1), None, X)
    check_op(lambda x: x.mean(dim=(0, 1), keepdim=True), None, X)
    check_op(lambda x: x.max(dim=0).values, None, X)
    check_op(lambda x: x.var(1, unbiased=False), None, X)
    check_op(lambda x, o: torch.sum(x, 1, out=o) if lib_of(x) is torch else tjit.sum(x, 1, out=o),
             None, X, make((3, 5), seed=9))
    check_op(lambda x, o: lib_of(x).sum(x, 1, out=o), None, X, make((3, 5), "int64", seed=9))  # out's dtype wins
    check_op(lambda x, o: lib_of(x).mean(x, 0, out=o), None, X, make((0,), seed=9))  # resized
    check_op(lambda x, v, i: lib_of(x).max(x, 1, out=(v, i)), None, X, make((3, 5)), make((3, 5), "int64"))


def test_result_dtypes():
    """sum/prod of integers and bools is int64, mean of integers raises, all/any keep uint8."""
    for kind in ("int32", "uint8", "bool"):
        for name in ("sum", "prod", "nansum", "cumsum", "cumprod"):
            args = (1,) if name.startswith("cum") else ()
            t, j = check_op(name, None, INPUTS[kind], *args)
            assert j.dtype is tjit.int64
    check_op("mean", None, INPUTS["int32"], match=r"mean\(\): could not infer output dtype.*Got: Int")
    check_op(lambda x: x.mean(dtype=lib_of(x).float64), None, INPUTS["int32"])
    check_op(lambda x: x.mean(dtype=lib_of(x).int64), None, X, match="Optional dtype must be either")
    check_op(lambda x: x.sum(1, dtype=lib_of(x).float64), None, INPUTS["int32"])
    check_op(lambda x: x.cumsum(1, dtype=lib_of(x).float64), None, INPUTS["int32"])
    check_op(lambda x: x.prod(0, dtype=lib_of(x).float64), None, INPUTS["float16"])
    check_op("sum", None, In(np.array([200, 100], np.uint8)))  # no uint8 overflow: int64
    check_op("std", None, INPUTS["int32"], match="std and var only support floating point")
    check_op("nanmean", None, INPUTS["bool"], match="nanmean")
    check_op("norm", None, INPUTS["int32"])
    check_op("logsumexp", None, INPUTS["int32"], 1)
    check_op("amax", None, make((), "bfloat16"))  # a 0-d bfloat16 stays 0-d


EMPTY = [make((0,)), make((3, 0)), make((0, 3))]


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "amax", "amin", "max", "min", "argmax", "argmin", "std",
                                  "var", "all", "any", "logsumexp", "norm", "median", "nanmedian", "mode", "cumsum",
                                  "cummax", "sort", "count_nonzero"])
def test_empty_inputs(name):
    """Sum of nothing is 0, product 1, mean nan, all True; reductions with no identity
    (max, argmax, median, mode) raise torch's IndexError / RuntimeError."""
    for x in EMPTY:
        for args in [(), (0,), (-1,)]:
            if name in ("logsumexp", "cumsum", "cummax") and not args:
                continue
            check_op(name, None, x, *args)


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "max", "min", "argmax", "std", "var", "all", "any",
                                  "logsumexp", "median", "mode", "kthvalue", "cumsum", "cumprod", "cummax", "cummin",
                                  "sort", "argsort", "topk", "norm", "count_nonzero"])
def test_zero_dim_inputs(name):
    x = make(())
    for args in [(0,), (-1,)]:
        if name == "kthvalue" or name == "topk":
            args = (1,) + args
        check_op(name, None, x, *args)
    if name not in ("logsumexp", "kthvalue", "topk", "cumsum", "cumprod", "cummax", "cummin"):
        check_op(name, None, x)
    if name in ("sum", "amax"):
        check_op(name, None, x, 1)  # dim 1 is out of range for a 0-d tensor


def test_max_min_forms():
    """max/min: full reduction, (values, indices) along a dim, and the elementwise form."""
    t, j = check_op("max", None, X, 1)
    assert type(j).__name__ == "max" and j._fields == ("values", "indices")
    assert repr(j).startswith("tjit.return_types.max(\nvalues=tensor(")
    check_op("min", None, X, -1, True)
    check_op("max", None, X, make((4, 5), seed=2))
    check_op(lambda x, y: lib_of(x).min(x, other=y), None, X, make((5,), seed=2))
    check_op("max", None, X, (0, 1))  # a dim tuple is a TypeError
    check_op("max", None, X, 3)  # out of range: IndexError
    ties = In(np.array([[1, 3, 3, 0], [2, 2, 1, 2]], np.int64))
    for name in ("max", "min", "argmax", "argmin"):
        check_op(name, None, ties, 1)  # the first of equal extremes


def test_nan_propagation():
    """NaN is the extreme for max/min and their indices, sorts last (first descending),
    poisons sums, means, variances and norms."""
    nan = In(np.array([[1., np.nan, 3., np.nan], [4., 2., -np.inf, np.inf], [0., -0., 5., 1.]], np.float32))
    for name in ("max", "min", "amax", "amin", "argmax", "argmin", "sum", "mean", "var", "logsumexp", "norm",
                 "cummax", "cummin", "median", "nanmedian", "nansum", "nanmean"):
        check_op(name, None, nan, 1)
    for name in ("max", "min", "argmax", "argmin", "median", "nanmedian"):
        check_op(name, None, nan)
    check_op("cummax", None, In(np.array([1., np.nan, 2., np.nan, 3.], np.float32)), 0)


def test_var_std_correction():
    for unbiased in (True, False):
        check_op("var", None, X, 1, unbiased)
        check_op("std", None, X, (0, 2), unbiased, True)
        check_op("var", None, X, unbiased)  # the old positional-bool form
    for correction in (0, 1, 2, 0.5, 5, 7):
        check_op("var", None, X, 2, kwargs={"correction": correction})  # 5 elements: 5 and 7 give inf
        check_op("std", None, X, kwargs={"correction": correction})
    check_op("var", None, In(np.ones((3, 2), np.float32)), 1, kwargs={"correction": 3})  # 0/0: nan
    check_op("var_mean", None, X, 1)
    check_op("std_mean", None, X, (0, 1), kwargs={"keepdim": True, "correction": 0})
    check_op("var", None, make((3, 1)), 1)  # a single element: nan
    check_op("std", None, INPUTS["float16"], 1)
    check_op(lambda x: x.mean(), None, In(np.full(3000, 30.0, np.float16)))  # accumulates in float32


NORMS = ["fro", "nuc", 1, 2, 3, 0, float("inf"), -float("inf"), -1, 0.5]


@pytest.mark.parametrize("p", NORMS)
def test_norm(p):
    m = make((3, 4))
    for dim, keepdim in ((None, False), (1, True), ((0, 1), False), ((-1, -2), True)):
        check_op("norm", None, m, p, dim, keepdim)
    check_op("norm", None, X, p)  # 3-D: 'nuc' needs two dims
    check_op("norm", None, X, p, (1, 2))
    check_op("dist", None, m, make((4,), seed=2), p)
    check_op("norm", None, make((0,)), p)  # no identity for inf and negative p


def test_norm_variants():
    check_op(lambda x: lib_of(x).norm(x, dtype=lib_of(x).float64), None, X)
    check_op("norm", None, X, "abc")
    check_op("norm", None, make((5000,), "float16"))
    check_op("norm", None, In(np.array([1e30, 1e30], np.float32)))  # overflows to inf like torch
    check_op("dist", None, INPUTS["int32"], INPUTS["int32"])
    check_op("dist", None, make((3,), "int64"), make((3,)))
    for name in ("vector_norm", "matrix_norm", "norm"):
        for ord in (None, 2, 1, -1, float("inf"), -2, "fro", "nuc", 0):
            args = () if ord is None else (ord,)
            check_op("linalg." + name, None, make((3, 4)), *args)
        check_op("linalg." + name, None, X, 2, (0, 2))
    check_op("linalg.matrix_norm", None, make((2, 3), "float16"), 1)
    check_op("linalg.matrix_norm", None, make((2, 3), "float16"), "nuc")


def test_large_reductions_are_accurate():
    """float32 sums of millions of elements stay within a few ulps of a float64 reference
    (the accumulation is vectorized, so rounding does not grow linearly)."""
    rng = np.random.default_rng(0)
    a = rng.random(2_000_003, dtype=np.float32) + 0.5
    ref = a.astype(np.float64)
    x = tjit.tensor(a)
    assert abs(x.sum().item() - ref.sum()) / ref.sum() < 1e-6
    assert abs(x.mean().item() - ref.mean()) / ref.mean() < 1e-6
    assert abs(x.var().item() - ref.var(ddof=1)) / ref.var() < 1e-5
    assert abs(x.norm().item() - np.sqrt((ref * ref).sum())) / np.sqrt((ref * ref).sum()) < 1e-6
    rows = a[:2_000_000].reshape(1000, 2000)
    np.testing.assert_allclose(tjit.tensor(rows).sum(0).numpy(), rows.astype(np.float64).sum(0), rtol=1e-6)
    np.testing.assert_allclose(tjit.tensor(rows).sum(1).numpy(), rows.astype(np.float64).sum(1), rtol=1e-6)


# -- scans -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["float32", "int32", "bool", "transposed", "strided", "special", "float16"])
def test_scans(kind):
    for name in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"):
        for d in ((0, -1) if kind == "float32" else (1,)):
            check_op(name, None, INPUTS[kind], d)


def test_cummax_ties_and_nan():
    """Ties take the last index (torch compares with >=); after a NaN every later NaN."""
    check_op("cummin", None, In(np.array([3, 1, 1, 2])), 0)
    check_op("cummax", None, In(np.array([True, False, True])), 0)
    check_op("cummin", None, In(np.array([1., np.nan, 0., np.nan, -1.], np.float32)), 0)
    check_op(lambda x, v, i: lib_of(x).cummax(x, 1, out=(v, i)), None, X, make((3, 4, 5)), make((3, 4, 5), "int64"))


# -- the sorting family (EXTERN) ---------------------------------------------------------
SPECIAL_ROW = In(np.array([3., np.nan, np.inf, -np.inf, 2., -0.0, 0.0, np.nan, 2.], np.float32))
PERM = In(np.random.default_rng(3).permutation(60).reshape(3, 4, 5) - 30)  # distinct: indices are defined


@pytest.mark.parametrize("kind", ["float32", "int32", "uint8", "bool", "transposed", "strided", "special", "float16",
                                  "bfloat16"])
def test_sort(kind):
    x = INPUTS[kind]
    for d in (0, -1):
        for descending in (False, True):
            check_op(lambda t: lib_of(t).sort(t, stable=True, dim=d, descending=descending), None, x)
            check_op(lambda t: lib_of(t).argsort(t, stable=True, dim=d, descending=descending), None, x)
    check_op("msort", None, x)


def test_sort_special_values():
    """NaN last ascending and first descending, -0.0 == 0.0 (stable), extreme integers."""
    for descending in (False, True):
        check_op(lambda t: lib_of(t).sort(t, stable=True, descending=descending), None, SPECIAL_ROW)
    big = In(np.array([np.iinfo(np.int64).min, 3, np.iinfo(np.int64).max, -1, 0]))
    check_op("sort", None, big, 0, True)
    check_op("sort", None, make((3, 4)), 2)
    t, j = check_op("sort", None, X)
    assert type(j).__name__ == "sort" and j._fields == ("values", "indices")
    check_op(lambda x, v, i: lib_of(x).sort(x, 1, out=(v, i)), None, X, make((3, 4, 5)), make((3, 4, 5), "int64"))


@pytest.mark.parametrize("kind", ["float32", "int32", "bool", "special", "transposed"])
def test_topk_kthvalue(kind):
    """Indices are compared where values are distinct; among equal values (the special
    input's infinities and NaNs) torch's partial sort picks an arbitrary one."""
    x = PERM if kind == "int32" else INPUTS[kind]
    pick = (lambda r: r.values) if kind == "special" else (lambda r: r)
    for d in (0, -1):
        for k in (1, 3):
            check_op(lambda t: pick(lib_of(t).topk(t, k, d)), None, x)
            check_op(lambda t: pick(lib_of(t).topk(t, k, d, largest=False)), None, x)
            check_op(lambda t: pick(lib_of(t).kthvalue(t, k, d, True)), None, x)
            check_op(lambda t: pick(lib_of(t).kthvalue(t, k, d)), None, x)


def test_topk_kthvalue_edges():
    check_op("topk", None, X, 0)
    check_op("topk", None, X, 5)
    check_op("topk", None, X, 6, match="selected index k out of range")
    check_op("topk", None, X, -1)
    check_op("kthvalue", None, X, 0, match="kthvalue")
    check_op("kthvalue", None, X, 6)
    check_op(lambda t: t.topk(3).values, None, SPECIAL_ROW)  # NaN counts as the largest
    check_op(lambda t: t.topk(3, largest=False).values, None, SPECIAL_ROW)
    check_op(lambda t: t.kthvalue(9).values, None, SPECIAL_ROW)


@pytest.mark.parametrize("kind", ["float32", "int32", "special", "transposed", "float16", "bfloat16", "bool"])
def test_median_mode(kind):
    x = PERM if kind == "int32" else INPUTS[kind]
    for name in ("median", "nanmedian"):
        check_op(name, None, x)  # the lower median of everything
        for d in (0, -1):
            check_op(name, None, x, d)
            check_op(name, None, x, d, True)
    modes = In(np.array([[1, 2, 2, 3, 3, 1], [5, 5, 5, 1, 1, 1], [0, 1, 2, 3, 4, 5]])) if kind == "int32" else x
    if kind == "special":  # torch's mode with NaN depends on where the NaNs are (NaN breaks its sort)
        modes = INPUTS["float16"]
    for d in (0, -1):
        check_op("mode", None, modes, d)
        check_op("mode", None, modes, d, True)


def test_median_nan_rows():
    rows = In(np.array([[1., np.nan, 2., np.nan], [np.nan, 1., np.nan, 2.], [4., 3., 2., 1.]], np.float32))
    check_op("median", None, rows, 1)  # the first NaN
    check_op("nanmedian", None, rows, 1)  # the median of the rest
    check_op(lambda x: x.nanmedian(1).values, None, In(np.full((2, 4), np.nan, np.float32)))


def test_unique():
    x = In(np.array([3, 1, 2, 3, 1, 7]))
    check_op("unique", None, x)
    check_op("unique", None, x, kwargs={"return_inverse": True, "return_counts": True})
    check_op("unique", None, In(np.array([[3, 1], [2, 3]])), kwargs={"return_inverse": True})
    check_op("unique", None, In(np.array([2., np.nan, np.nan, 1.], np.float32)))
    check_op("unique", None, In(np.array([[1, 2], [1, 2], [0, 1]])), kwargs={"dim": 0, "return_inverse": True})
    check_op("unique", None, INPUTS["bfloat16"])


def test_count_nonzero():
    x = make((3, 4), "int32", low=-1, high=1)
    for dim in (None, 0, (0, 1), -1):
        check_op("count_nonzero", None, x, dim)
    check_op("count_nonzero", None, INPUTS["special"], (0, 2))


GRADS = [lambda x: x.sum(1), lambda x: x.var((0, 2)), lambda x: x.max(1).values, lambda x: x.amin(-1),
         lambda x: x.norm(dim=1), lambda x: x.logsumexp(1), lambda x: x.cumsum(1), lambda x: x.cumprod(0),
         lambda x: x.sort(1).values, lambda x: x.topk(2).values, lambda x: x.median(1).values,
         lambda x: x.cummax(2).values, lambda x: x.prod(1)]


@pytest.mark.parametrize("k", range(len(GRADS)))
def test_gradients(k):
    check_op(GRADS[k], None, X, grad=True, rtol=1e-4, atol=1e-4)


# -- fusion ------------------------------------------------------------------------------
def n_kernels(t) -> int:
    return len(tjit.debug.schedule(t).kernels)


def test_reductions_fuse_into_one_kernel():
    """A reduction fuses with its elementwise inputs and its re-broadcast consumer."""
    x = tjit.tensor(make((8, 33)).values)
    y = tjit.tensor(make((8, 33), seed=1).values)
    centered = x - x.mean(1, keepdim=True)
    assert n_kernels(centered) == 1
    assert n_kernels(x.var(1, keepdim=True)) == 1
    assert n_kernels(x.std(0)) == 1
    assert n_kernels((x * y).sum(1)) == 1
    assert n_kernels(x.logsumexp(1)) == 1
    assert n_kernels((x - x.amax(1, keepdim=True)).exp()) == 1
    assert n_kernels(x.norm(dim=1)) == 1
    assert n_kernels(x.argmax(1)) == 1
    scanned = x.sum(1).cumsum(0)
    assert n_kernels(scanned) == 2  # a scan has its own loop nest: the sum is written first
    assert "reduce feeding a scan" in str(tjit.debug.schedule(scanned))
    np.testing.assert_allclose(scanned.numpy(), x.numpy().sum(1).cumsum(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(centered.numpy(), x.numpy() - x.numpy().mean(1, keepdims=True), rtol=1e-5, atol=1e-6)
    assert_same(torch.tensor(x.numpy()).var(1, keepdim=True), x.var(1, keepdim=True))


def test_fused_reduction_with_two_accumulators():
    """Reductions nested in one kernel keep separate accumulators (logsumexp reads both its
    max and its sum after the loops)."""
    x = make((6, 7), special=False)
    check_op("logsumexp", None, x, 1)
    check_op(lambda t: (t - t.amax(1, keepdim=True)).exp().sum(1) + t.amax(1), None, x)


def test_errors_name_the_op():
    check_op("sum", None, X, 3, match="Dimension out of range")
    check_op("sum", None, X, (0, 0), match="dim 0 appears multiple times")
    check_op("amax", None, X, (1, -2), match="appears multiple times")
    check_op("argmax", None, INPUTS["bool"], match="argmax")
    check_op("median", None, INPUTS["bool"], match="median")
    check_op("amax", None, make((0, 3)), 0, match=r"amax\(\): Expected reduction dim 0 to have non-zero size")
    check_op("max", None, make((0,)), match="Specify the reduction dim")
    with pytest.raises(IndexError):
        realize(tjit.argmax(tjit.zeros(0)))


def test_large_float32_sum_is_blocked_and_accurate():
    """A big reduction runs in two levels (parallel chunks, then their sum) and stays close
    to the float64 result."""
    a = np.random.default_rng(1).standard_normal(1 << 20).astype(np.float32)
    x = tjit.tensor(a)
    assert len(tjit.debug.schedule(x.sum()).kernels) == 2
    ref = a.astype(np.float64).sum()
    assert abs(x.sum().item() - ref) <= 1e-6 * np.abs(a).sum()
    np.testing.assert_allclose(x.reshape(4, -1).sum(1).numpy(), a.reshape(4, -1).astype(np.float64).sum(1), rtol=1e-5)
    assert x.amax().item() == a.max() and x.amin().item() == a.min()
