"""Matrix products, einsum and LAPACK-backed linear algebra against torch 2.13.

Products are CONTRACT / REDUCE kernels and are compared exactly like any op; decompositions
(eigh, svd, qr, eig) are unique only up to the sign of each vector, so they are compared
after aligning signs, and checked by reconstruction.  The removed torch.eig is checked
against torch.linalg.eig's complex eigenvalues."""
import numpy as np
import pytest
import torch

import tjit
from helpers import In, assert_same, check_op, make, noncontig, realize

pytestmark = pytest.mark.filterwarnings("ignore:.*(deprecated|degrees of freedom):UserWarning")


def M(*shape, **kw):
    return make(shape, **kw)


def lib_of(x):
    return torch if isinstance(x, torch.Tensor) else tjit


# -- products ----------------------------------------------------------------------------
MATMUL_SHAPES = [((3,), (3,)), ((3,), (4,)), ((2, 3), (3,)), ((2, 3), (4,)), ((3,), (3, 4)), ((4,), (2, 3)),
                 ((2, 3), (3, 4)), ((2, 3), (4, 5)), ((2, 2, 3), (3, 4)), ((2, 2, 3), (4, 5)), ((2, 2, 3), (3,)),
                 ((2, 2, 3), (4,)), ((3,), (2, 3, 5)), ((4,), (2, 3, 5)), ((2, 3), (2, 3, 4)), ((2, 3), (2, 4, 5)),
                 ((2, 1, 2, 3), (5, 3, 4)), ((2, 2, 3), (3, 3, 4)), ((2, 0), (0, 3)), ((0, 3), (3, 2)),
                 ((2, 3, 0), (0, 4))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_shapes(sa, sb):
    """Every torch.matmul case (dot, mv, mm, folded batch, broadcast batch, empty K) and its
    error, in contiguous and non-contiguous layouts."""
    a, b = M(*sa), M(*sb, seed=1)
    check_op("matmul", None, a, b)
    check_op(lambda x, y: x @ y, None, noncontig(a), noncontig(b, "strided"))


@pytest.mark.parametrize("dtype", ["float64", "int64", "int32", "uint8", "float16", "bfloat16", "bool"])
def test_matmul_dtypes(dtype):
    for sa, sb in [((2, 3), (3, 4)), ((3,), (3,)), ((2, 3), (3,)), ((2, 2, 3), (2, 3, 4)), ((2, 2, 3), (3, 2))]:
        check_op("matmul", None, M(*sa, dtype=dtype, low=-3, high=3), M(*sb, dtype=dtype, seed=1, low=-3, high=3))


def test_matmul_dtype_mismatch():
    """Each matmul case names the routine torch uses (dot, addmv, mm, bmm)."""
    for sa, sb, msg in [((3,), (3,), "dot : expected both vectors to have same dtype"),
                        ((2, 3), (3,), "addmv input tensors must have the same dtype"),
                        ((3,), (3, 2), "expected m1 and m2 to have the same dtype, but got: double != float"),
                        ((2, 3), (3, 2), "expected m1 and m2 to have the same dtype"),
                        ((2, 2, 3), (2, 3, 2), "expected scalar type Double but found Float")]:
        check_op("matmul", None, M(*sa, dtype="float64"), M(*sb), match=msg)
    check_op("matmul", None, M(2, 3), make((), seed=1), match="at least 1D")


def test_gemm_sizes():
    """Shapes past the GEMM blocking (several register tiles, a ragged edge, batches)."""
    for sa, sb in [((37, 70), (70, 29)), ((3, 33, 17), (17, 50)), ((2, 9, 130), (2, 130, 7))]:
        check_op("matmul", None, M(*sa), M(*sb, seed=1), rtol=1e-4, atol=1e-4)
        check_op("matmul", None, M(*sa, dtype="float64"), M(*sb, dtype="float64", seed=1))
    check_op(lambda x, y: x.mT @ y, None, M(40, 24), M(40, 18, seed=1), rtol=1e-4, atol=1e-4)


PRODUCTS = [("mm", [(2, 3), (3, 4)]), ("mm", [(3,), (3, 4)]), ("mm", [(2, 3), (3,)]), ("mm", [(2, 3), (4, 5)]),
            ("bmm", [(2, 3, 4), (2, 4, 5)]), ("bmm", [(2, 3, 4), (3, 4, 5)]), ("bmm", [(3, 4), (2, 4, 5)]),
            ("bmm", [(2, 3, 4), (4, 5)]), ("bmm", [(2, 3, 4), (2, 5, 5)]), ("mv", [(2, 3), (3,)]),
            ("mv", [(2, 3), (3, 1)]), ("mv", [(3,), (3,)]), ("mv", [(2, 3), (4,)]), ("dot", [(3,), (3,)]),
            ("dot", [(3,), (4,)]), ("dot", [(2, 3), (3,)]), ("vdot", [(3,), (3,)]), ("inner", [(2, 3), (4, 3)]),
            ("inner", [(3,), ()]), ("outer", [(3,), (4,)]), ("outer", [(3, 1), (4,)]), ("ger", [(3,), (4,)]),
            ("chain_matmul", [(2, 3), (3, 4), (4, 2)])]


@pytest.mark.parametrize("name,shapes", PRODUCTS)
def test_products(name, shapes):
    check_op(name, None, *[M(*s, seed=i) for i, s in enumerate(shapes)])


def test_product_methods_and_promotion():
    check_op(lambda a, b: a.mm(b), None, M(2, 3), M(3, 4, seed=1))
    check_op(lambda a, b: a.matmul(b), None, M(2, 2, 3), M(3, seed=1))
    check_op("outer", None, M(3, dtype="int64"), M(4))  # outer promotes, matmul does not
    check_op("dot", None, M(3, dtype="int64"), M(3, dtype="int64", seed=1))
    check_op("dot", None, M(3, dtype="bool"), M(3, dtype="bool", seed=1))
    check_op(lambda a, b, o: lib_of(a).mm(a, b, out=o), None, M(2, 3), M(3, 4, seed=1), M(2, 4, seed=2))
    check_op("linalg.multi_dot", None, [M(3), M(3, 4, seed=1), M(4, 2, seed=2)])
    check_op("linalg.matmul", None, M(2, 3), M(3, 4, seed=1))
    check_op("linalg.vecdot", None, M(2, 3), M(3, seed=1))


ADDS = [("addmm", [(4,), (2, 3), (3, 4)]), ("addmm", [(2, 4), (2, 3), (3, 4)]), ("addmm", [(3,), (2, 3), (3, 4)]),
        ("addmv", [(2,), (2, 3), (3,)]), ("addbmm", [(2, 4), (5, 2, 3), (5, 3, 4)]),
        ("baddbmm", [(2, 4), (5, 2, 3), (5, 3, 4)]), ("addr", [(2, 3), (2,), (3,)])]


@pytest.mark.parametrize("name,shapes", ADDS)
def test_add_products(name, shapes):
    """beta * input + alpha * product; input broadcasts one way; beta=0 ignores input (even
    NaN) but still checks its shape."""
    ins = [M(*s, seed=i) for i, s in enumerate(shapes)]
    for beta, alpha in [(1, 1), (0.5, 2), (0, 3), (0, 1)]:
        check_op(name, None, *ins, kwargs={"beta": beta, "alpha": alpha})
    nan_in = In(np.full(shapes[0], np.nan, np.float32))
    check_op(name, None, nan_in, *ins[1:], kwargs={"beta": 0})
    check_op(lambda *a: getattr(a[0], name)(*a[1:]), None, *ins)


def test_addr_bool_and_int():
    check_op("addr", None, M(2, 3, dtype="bool"), M(2, dtype="bool"), M(3, dtype="bool", seed=1))
    check_op("addr", None, M(2, 3, dtype="int64"), M(2, dtype="int64"), M(3, dtype="int64", seed=1),
             kwargs={"alpha": 2})


def test_cross():
    for name, sa, sb, args in [("cross", (2, 3), (2, 3), ()), ("cross", (3, 2), (3, 2), ()),
                               ("cross", (3, 3), (3, 3), (0,)), ("cross", (3, 2), (3, 2), (1,)),
                               ("cross", (2, 3), (1, 3), (1,)), ("cross", (2, 3), (3,), (-1,)),
                               ("linalg.cross", (2, 3), (1, 3), ()), ("linalg.cross", (3, 2), (3, 2), ()),
                               ("linalg.cross", (4, 3), (3,), ())]:
        check_op(name, None, M(*sa), M(*sb, seed=1), *args)
    check_op("cross", None, M(3), M(3, dtype="float64"), 0, match="expected scalar type Float but found Double")
    check_op(lambda a, b: lib_of(a).linalg.cross(a, b, dim=0), None, noncontig(M(3, 4)), M(3, 4, seed=1))


def test_tensordot():
    for dims in [2, 0, 1, ([1, 2], [0, 1]), [[1], [0]], ([0], [1]), ([1], [0]), -1, (1, 0)]:
        check_op("tensordot", None, M(2, 3, 4), M(3, 4, 5, seed=1), dims)
    check_op("tensordot", None, M(2, 3, 4), M(4, 3, 5, seed=1), ([1, 2], [1, 0]))
    check_op(lambda a, b: lib_of(a).tensordot(a, b, dims=lib_of(a).tensor(1)), None, M(2, 3), M(3, 5, seed=1))


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii", [(3, 3)]), ("ii->i", [(3, 3)]),
           ("ij->", [(2, 3)]), ("ij->ji", [(2, 3)]), ("i,i->", [(3,), (3,)]), ("i,j->ij", [(3,), (4,)]),
           ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
           ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]), ("ij,ij->ij", [(2, 3), (1, 3)]),
           ("...j,j", [(2, 5, 3), (3,)]), ("ba...,a...->b", [(2, 5, 3), (5, 1)]), ("iij->j", [(3, 3, 2)]),
           ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]), ("i,i", [(0,), (0,)]), ("a b, b c -> a c", [(2, 3), (3, 4)]),
           ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("Ab,bC->AC", [(2, 3), (3, 2)]),
           # errors, each with torch's message
           ("ij,jk", [(2, 3), (4, 4)]), ("ij->ik", [(2, 3)]), ("ii->i", [(2, 3)]), ("ijk", [(2, 3)]),
           ("i1", [(2, 3)]), ("ij,jk->ik", [(2, 3)]), ("ij", [(2, 3), (3, 4)]), ("ij->ii", [(2, 3)])]


@pytest.mark.parametrize("eq,shapes", EINSUMS)
def test_einsum(eq, shapes):
    check_op("einsum", None, eq, *[M(*s, seed=i) for i, s in enumerate(shapes)])


def test_einsum_forms_and_dtypes():
    check_op("einsum", None, "ij,jk", [M(2, 3), M(3, 4, seed=1)])
    check_op("einsum", None, M(2, 3), [0, 1], M(3, 4, seed=1), [1, 2], [0, 2])
    check_op("einsum", None, M(2, 3), [0, Ellipsis], M(2, 4, seed=1), [0, 2])
    check_op("einsum", None, "ij,jk", M(2, 3, dtype="int64"), M(3, 4, dtype="int64"))
    check_op("einsum", None, "ij->j", M(2, 3, dtype="bool"))
    check_op("einsum", None, "i,j", M(2), M(3, dtype="float64"))
    check_op("einsum", None, "ij,jk", M(2, 3), M(3, 4, dtype="float64"))
    check_op("einsum", None, "i,i", M(3, dtype="bool"), M(3, dtype="bool", seed=1))
    check_op("einsum", None, "bij,bjk->bik", noncontig(M(2, 3, 4)), noncontig(M(2, 4, 5, seed=1), "strided"))


def test_einsum_is_one_contract_kernel():
    a, b = tjit.tensor(M(8, 5).values), tjit.tensor(M(5, 6, seed=1).values)
    sched = tjit.debug.schedule(tjit.einsum("ij,jk->ik", a, b))
    assert len(sched.kernels) == 1 and "matmul" in sched.kernels[0].name
    assert len(tjit.debug.schedule(tjit.einsum("i,j->ij", a[0], b[0])).kernels) == 1  # a broadcast multiply


# -- structured matrices -----------------------------------------------------------------
def test_trace_diag_tri():
    check_op("trace", None, M(3, 4))
    check_op("trace", None, M(3, 3, dtype="int32"))
    check_op("trace", None, M(3, 3, dtype="bool"))
    check_op("trace", None, M(3))
    check_op("diag", None, M(2, 2, 2))
    check_op("diag", None, make(()))
    for k in (0, -2, 3):
        check_op("diag", None, M(3), k)
        check_op("diag", None, noncontig(M(3, 4)), k)
        check_op("diag_embed", None, M(2, 3), k, 0, 2)
        check_op("tril", None, M(3, 4), k)
        check_op("triu", None, noncontig(M(2, 3, 4)), k)
    check_op("diag", None, M(3, 4), 1)
    check_op("diag_embed", None, M(2, 3), -1)
    check_op("diag_embed", None, M(2, 3, dtype="int64"), 1, -1, 0)
    check_op("diag_embed", None, M(2, 3), 0, 1, 1)
    check_op("tril", None, M(3))


def test_matrix_power():
    a = In((np.random.default_rng(1).standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32))
    for n in (0, 1, 2, 3, 5, -1, -2):
        check_op("matrix_power", None, a, n, rtol=1e-4)
    check_op("matrix_power", None, M(2, 2, 2), 0)
    check_op("matrix_power", None, M(2, 2, dtype="int64", low=-2, high=2), 3)
    check_op("matrix_power", None, M(2, 2, dtype="int64"), -1)
    check_op("matrix_power", None, M(2, 3), 2)
    check_op("linalg.matrix_power", None, a, 2)


# -- LAPACK family (EXTERN) --------------------------------------------------------------
RNG = np.random.default_rng(0)


def well_conditioned(*shape, dtype=np.float32):
    n = shape[-1]
    return In((RNG.standard_normal(shape) + n * np.eye(n)).astype(dtype))


def spd(*batch, n=3, dtype=np.float32):
    a = RNG.standard_normal(batch + (n, n))
    return In((a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype))


SINGULAR = In(np.array([[1., 2.], [2., 4.]], np.float32))
SINGULAR_BATCH = In(np.stack([np.eye(2), [[1., 2.], [2., 4.]]]).astype(np.float32))
LAPACK_INPUTS = {"square": well_conditioned(3, 3), "batch64": well_conditioned(2, 4, 4, dtype=np.float64),
                 "spd": spd(2), "transposed": noncontig(well_conditioned(3, 3)), "rect": M(2, 3), "vector": M(3),
                 "half": M(2, 2, dtype="float16"), "bfloat16": M(2, 2, dtype="bfloat16"), "int": M(2, 2, dtype="int64"),
                 "empty": M(0, 0), "empty_batch": M(0, 2, 2)}
LAPACK_OPS = ["inverse", "det", "slogdet", "logdet", "linalg.inv", "linalg.det", "linalg.slogdet", "pinverse",
              "linalg.pinv", "linalg.svdvals", "linalg.eigvalsh", "cholesky", "linalg.cholesky"]


@pytest.mark.parametrize("name", LAPACK_OPS)
def test_lapack_values(name):
    """Results, dtypes and torch's errors (shape, dtype: RuntimeError or NotImplementedError
    as torch raises them) for batches, transposed inputs and empty matrices."""
    for kind, x in LAPACK_INPUTS.items():
        if "cholesky" in name and kind in ("square", "batch64", "transposed"):
            x = spd(*((2,) if kind == "batch64" else ()), n=4 if kind == "batch64" else 3)
        check_op(name, None, x, rtol=1e-4, atol=1e-5)


def test_singular_and_not_positive_definite():
    """Data-dependent failures raise torch's LinAlgError text (a RuntimeError) when the
    value is computed."""
    check_op("linalg.inv", None, SINGULAR, match=r"linalg.inv: The diagonal element 2 is zero")
    check_op("inverse", None, SINGULAR_BATCH, match=r"\(Batch element 1\): The diagonal element 2 is zero")
    check_op("linalg.inv", None, In(np.zeros((3, 3), np.float32)), match="diagonal element 1 is zero")
    check_op("linalg.solve", None, SINGULAR, M(2), match="The solver failed because the input matrix is singular")
    check_op("linalg.solve", None, SINGULAR_BATCH, M(2), match=r"\(Batch element 1\)")
    check_op("linalg.cholesky", None, In(np.array([[1., 2.], [2., 1.]], np.float32)),
             match="leading minor of order 2 is not positive-definite")
    check_op("linalg.cholesky", None, In(np.array([[-1., 2.], [2., 1.]], np.float32)), match="order 1")
    check_op("cholesky", None, In(np.stack([np.eye(2), [[1., 2.], [2., 1.]]]).astype(np.float32)),
             match=r"cholesky: \(Batch element 1\)")
    with pytest.raises(tjit.linalg.LinAlgError):
        realize(tjit.linalg.inv(tjit.tensor(SINGULAR.values)))
    check_op("det", None, SINGULAR)
    check_op("slogdet", None, SINGULAR)
    check_op("logdet", None, In(-np.eye(3, dtype=np.float32)))


def test_solve():
    a, a64 = LAPACK_INPUTS["square"], LAPACK_INPUTS["batch64"]
    for b in (M(3), M(3, 2), M(4, 3, 2), M(4), M(3, dtype="float64")):
        check_op("linalg.solve", None, a, b, rtol=1e-4)
    check_op("linalg.solve", None, a64, M(2, 4, dtype="float64"))
    check_op("linalg.solve", None, a64, M(4, dtype="float64"))
    check_op(lambda x, y: lib_of(x).linalg.solve(x, y, left=False), None, a, M(2, 3), rtol=1e-4)
    check_op("linalg.solve", None, M(2, 2, dtype="float16"), M(2, dtype="float16"))


def test_legacy_solve():
    """The removed torch.solve(B, A) -> (solution, LU): checked against torch.linalg.solve and
    torch.linalg.lu_factor's packed LU."""
    a, b = LAPACK_INPUTS["square"], M(3, 2)
    ta, tb = torch.tensor(a.values), torch.tensor(b.values)
    x, lu = tjit.solve(tjit.tensor(b.values), tjit.tensor(a.values))
    assert_same(torch.linalg.solve(ta, tb), x, rtol=1e-4)
    assert_same(torch.linalg.lu_factor(ta).LU, lu, rtol=1e-4)


@pytest.mark.parametrize("shape", [(3, 3), (3, 5), (5, 3), (2, 4, 4), (3, 0)])
def test_lu(shape):
    """linalg.lu_factor / lu_factor_ex / lu: getrf's packed LU, 1-based int32 pivots, P L U."""
    x = M(*shape, dtype="float64")
    for name in ("linalg.lu_factor", "linalg.lu_factor_ex", "linalg.lu"):
        check_op(name, None, x)
    check_op("linalg.lu", None, M(*shape), rtol=1e-4, atol=1e-5)


def test_lu_errors():
    check_op("linalg.lu_factor", None, SINGULAR, match=r"torch.linalg.lu_factor: U\[2,2\] is zero")
    check_op("linalg.lu_factor", None, SINGULAR_BATCH, match=r"\(Batch element 1\): U\[2,2\] is zero")
    check_op("linalg.lu_factor_ex", None, SINGULAR_BATCH)
    check_op("linalg.lu_factor_ex", None, SINGULAR, kwargs={"check_errors": True}, match="lu_factor_ex: U")
    check_op("linalg.lu", None, SINGULAR)
    check_op("linalg.lu_factor", None, M(3), match="torch.lu_factor: Expected tensor with 2 or more dimensions")
    check_op("linalg.lu", None, M(3), match="linalg.lu: Expected tensor with 2 or more dimensions")
    for dtype in ("int64", "float16", "bool"):
        check_op("linalg.lu_factor", None, M(2, 2, dtype=dtype), match="lu_cpu")
    check_op("linalg.lu", None, M(2, 2), kwargs={"pivot": False}, match="without pivoting")


def aligned(ref: np.ndarray, got: np.ndarray, axis: int = -2) -> np.ndarray:
    """got with each vector (along `axis`) flipped to point the way ref's does."""
    sign = np.sign(np.sum(ref * got, axis=axis, keepdims=True))
    return got * np.where(sign == 0, 1, sign)


def test_eigh():
    for x in (spd(), spd(2, n=4, dtype=np.float64), noncontig(spd())):
        for uplo in ("L", "U"):
            t = torch.linalg.eigh(x.build(torch)[0], UPLO=uplo)
            j = tjit.linalg.eigh(x.build(tjit)[0], UPLO=uplo)
            assert type(j).__name__ == "linalg_eigh" and j._fields == ("eigenvalues", "eigenvectors")
            assert_same(t.eigenvalues, j.eigenvalues, rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(aligned(t.eigenvectors.numpy(), j.eigenvectors.numpy()),
                                       t.eigenvectors.numpy(), rtol=1e-4, atol=1e-4)
    check_op("linalg.eigh", None, M(2, 3))
    check_op("linalg.eigh", None, spd(), "X")
    check_op("linalg.eigh", None, M(2, 2, dtype="int64"), match="linalg_eigh_cpu")


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3), (3, 3)])
def test_svd(shape):
    x = M(*shape, dtype="float64")
    a = x.values
    for some in (True, False):
        t = torch.svd(torch.tensor(a), some=some)
        j = tjit.svd(tjit.tensor(a), some=some)
        assert j._fields == ("U", "S", "V") and tuple(j.V.shape) == tuple(t.V.shape)
        assert_same(t.S, j.S)
        k = min(shape[-2:])
        u, v = j.U.numpy()[..., :k], j.V.numpy()[..., :k]
        sign = np.sign(np.sum(t.U.numpy()[..., :k] * u, axis=-2, keepdims=True))
        np.testing.assert_allclose(u * sign, t.U.numpy()[..., :k], atol=1e-10)
        np.testing.assert_allclose(v * sign, t.V.numpy()[..., :k], atol=1e-10)
    for full in (True, False):
        t = torch.linalg.svd(torch.tensor(a), full_matrices=full)
        j = tjit.linalg.svd(tjit.tensor(a), full_matrices=full)
        assert type(j).__name__ == "linalg_svd" and tuple(j.Vh.shape) == tuple(t.Vh.shape)
        rebuilt = (j.U.numpy()[..., :, :k] * j.S.numpy()[..., None, :]) @ j.Vh.numpy()[..., :k, :]
        np.testing.assert_allclose(rebuilt, a, atol=1e-10)
    t = torch.svd(torch.tensor(a), compute_uv=False)
    assert_same(t, tjit.svd(tjit.tensor(a), compute_uv=False))
    check_op("svd", None, M(*shape, dtype="float16"))
    check_op("linalg.svd", None, M(0, *shape[-1:]))  # empty: identity factors, as torch


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_qr(shape):
    a = M(*shape, dtype="float64").values
    for mode in ("reduced", "complete", "r"):
        t = torch.linalg.qr(torch.tensor(a), mode=mode)
        j = tjit.linalg.qr(tjit.tensor(a), mode=mode)
        assert type(j).__name__ == "linalg_qr" and tuple(j.Q.shape) == tuple(t.Q.shape)
        k = min(shape[-2:])  # Householder QR is unique up to the signs of R's rows
        sign = np.sign(np.diagonal(t.R.numpy(), axis1=-2, axis2=-1) * np.diagonal(j.R.numpy(), axis1=-2, axis2=-1))
        np.testing.assert_allclose(j.R.numpy()[..., :k, :] * sign[..., :, None], t.R.numpy()[..., :k, :], atol=1e-10)
        if mode != "r":
            np.testing.assert_allclose(j.Q.numpy()[..., :k] * sign[..., None, :], t.Q.numpy()[..., :k], atol=1e-10)
    for some in (True, False):
        t, j = torch.qr(torch.tensor(a), some=some), tjit.qr(tjit.tensor(a), some=some)
        assert j._fields == ("Q", "R") and tuple(j.R.shape) == tuple(t.R.shape)
        np.testing.assert_allclose(j.Q.numpy() @ j.R.numpy(), a, atol=1e-10)
    check_op("linalg.qr", None, M(*shape), "x")


def test_legacy_eig():
    """The removed torch.eig(A, eigenvectors): eigenvalues as (real, imag) rows, in
    torch.linalg.eig's order; a complex pair's vectors stored as real and imaginary parts."""
    rot = np.array([[0., -2., 0.], [2., 0., 0.], [0., 0., 3.]], np.float64)
    for a in (rot, well_conditioned(4, 4, dtype=np.float64).values):
        ref = torch.linalg.eig(torch.tensor(a))
        e, v = tjit.eig(tjit.tensor(a), eigenvectors=True)
        w = ref.eigenvalues.numpy()
        np.testing.assert_allclose(e.numpy(), np.stack([w.real, w.imag], -1), atol=1e-10)
        vr, vals = v.numpy(), e.numpy()
        j = 0
        while j < len(w):  # A v = lambda v, rebuilt from the packed real layout
            if vals[j, 1] != 0:
                vec = vr[:, j] + 1j * vr[:, j + 1]
                np.testing.assert_allclose(a @ vec, (vals[j, 0] + 1j * vals[j, 1]) * vec, atol=1e-10)
                j += 2
            else:
                np.testing.assert_allclose(a @ vr[:, j], vals[j, 0] * vr[:, j], atol=1e-10)
                j += 1
    e, v = tjit.eig(tjit.tensor(rot))
    assert tuple(v.shape) == (0,) and tuple(e.shape) == (3, 2)


def test_linalg_eig_real_spectrum():
    """tjit has no complex dtype: linalg.eig/eigvals give real tensors for a real spectrum
    and raise for a complex one."""
    a = spd(n=4, dtype=np.float64).values
    ref = torch.linalg.eig(torch.tensor(a))
    j = tjit.linalg.eig(tjit.tensor(a))
    np.testing.assert_allclose(j.eigenvalues.numpy(), ref.eigenvalues.numpy().real, atol=1e-10)
    np.testing.assert_allclose(aligned(ref.eigenvectors.numpy().real, j.eigenvectors.numpy()),
                               ref.eigenvectors.numpy().real, atol=1e-10)
    np.testing.assert_allclose(tjit.linalg.eigvals(tjit.tensor(a)).numpy(), ref.eigenvalues.numpy().real, atol=1e-10)
    with pytest.raises(RuntimeError, match="complex eigenvalues"):
        realize(tjit.linalg.eigvals(tjit.tensor([[0., 1.], [-1., 0.]])))


def test_pinverse_and_norms_of_matrices():
    for x in (M(3, 2), M(2, 4, 3, dtype="float64"), noncontig(M(3, 4))):
        check_op("pinverse", None, x, rtol=1e-4, atol=1e-5)
        check_op(lambda t: lib_of(t).linalg.pinv(t, rtol=0.5), None, x, rtol=1e-4, atol=1e-5)
        check_op(lambda t: lib_of(t).linalg.pinv(t, atol=1.0), None, x, rtol=1e-4, atol=1e-5)
    for ord in ("fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf")):
        check_op("linalg.matrix_norm", None, M(2, 3, 4), ord, (0, 2), True, rtol=1e-4)
    check_op("linalg.matrix_norm", None, M(3), 1)


def test_matrix_rank():
    low = np.random.default_rng(2).standard_normal((2, 5, 2)) @ np.random.default_rng(3).standard_normal((2, 2, 4))
    x = In(low.astype(np.float32))
    for kwargs in ({}, {"atol": 1.0}, {"rtol": 0.5}):
        check_op("linalg.matrix_rank", None, x, kwargs=kwargs)
    gram = In((low[:, :4] @ np.swapaxes(low[:, :4], -1, -2)).astype(np.float32))
    check_op("linalg.matrix_rank", None, gram, kwargs={"hermitian": True})
    check_op("linalg.matrix_rank", None, M(0, 3))


GRADS = [(lambda a, b: a @ b, [M(2, 3), M(3, 4, seed=1)]), (lambda a, b: a.bmm(b), [M(2, 2, 3), M(2, 3, 4, seed=1)]),
         (lambda a, b: a.mv(b), [M(2, 3), M(3, seed=1)]),
         (lambda a, b: lib_of(a).einsum("bn,anm->ba", a, b), [M(2, 3), M(4, 3, 5, seed=1)]),
         (lambda i, a, b: i.addmm(a, b, beta=0.5, alpha=2), [M(4), M(2, 3), M(3, 4, seed=1)]),
         (lambda a, b: a.cross(b, dim=1), [M(2, 3), M(2, 3, seed=1)]), (lambda a: a.diag_embed(1), [M(2, 3)]),
         (lambda a: a.inverse(), [LAPACK_INPUTS["square"]]), (lambda a: a.det(), [LAPACK_INPUTS["square"]]),
         (lambda a, b: lib_of(a).linalg.solve(a, b), [LAPACK_INPUTS["square"], M(3, 2, seed=2)])]


@pytest.mark.parametrize("k", range(len(GRADS)))
def test_gradients(k):
    fn, inputs = GRADS[k]
    check_op(fn, None, *inputs, grad=True, rtol=1e-4, atol=1e-4)
