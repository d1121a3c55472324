"""Gradients of every differentiable op against torch: first and second order (third for
smooth ops) in float64 on random inputs with broadcasting and non-contiguous views, and
first order in float32 through the shared check_op helper.

Each case is `fn(L, *inputs)` where L is the library (torch or tjit).  Every output is
reduced with fixed weights, then each order's gradients are contracted with fixed random
tensors to give the scalar the next order differentiates, in both libraries alike.
"""
import numpy as np
import pytest
import torch

import tjit
from helpers import In, assert_same, check_op, make, noncontig

D = "float64"


def x34(seed=0, **kw):
    return make((3, 4), D, seed=seed, **kw)


def pos34(seed=0, layout="contiguous"):
    return make((3, 4), D, seed=seed, low=0.5, high=2.5, layout=layout)


def t(L, v, dtype=None):
    """A constant (index) tensor in library L."""
    return L.tensor(v) if dtype is None else L.tensor(v, dtype=getattr(L, dtype))


def _inplace_rows(L, x):
    h = x * 2
    h[0] = 0.0             # setitem on a non-leaf: CopySlices
    h[:, 1:3] *= 3.0       # in place through a view
    h[1].mul_(x[2])        # ... times a tensor that requires grad
    return h * h


TIES = np.array([[-1.0, 1.0, 0.5, 2.0], [-3.0, 1.0, -1.0, 0.0], [1.0, -1.0, 0.25, -2.0]])  # on the bounds
IDX = [[0, 2], [1, 1], [3, 0]]
SIDX = [[0, 1, 0], [2, 2, 1]]

# (id, fn(L, *args), inputs, highest order compared)
CASES = [
    # elementwise, with broadcasting and non-contiguous operands
    ("add", lambda L, x, y: x + y * 3, [x34(layout="transposed"), make((4,), D, seed=1)], 2),
    ("sub", lambda L, x, y: L.sub(x, y, alpha=2), [x34(), make((3, 1), D, seed=1)], 2),
    ("mul", lambda L, x, y: x * y, [x34(layout="strided"), make((4,), D, seed=1)], 3),
    ("div", lambda L, x, y: x / y, [x34(), pos34(1, "transposed")], 3),
    # unary functions, grouped by domain (each one is a separate output with its own weights)
    ("unary_real", lambda L, x: (-x * x, x.exp(), x.expm1(), x.exp2(), x.sin(), x.cos(), x.tanh(), x.atan(),
                                 x.erf(), x.sigmoid(), x.sinh() * x.cosh(), x.square()),
     [make((3, 4), D, low=-2, high=2, layout="transposed")], 3),
    ("unary_positive", lambda L, x: (x.log(), x.log1p(), x.log2() + x.log10(), x.sqrt(), x.rsqrt(), x.reciprocal()),
     [pos34(layout="strided")], 3),
    ("unary_bounded", lambda L, x: (x.asin(), x.acos(), x.tan()), [make((3, 4), D, low=-0.9, high=0.9)], 2),
    ("abs_sign", lambda L, x: x.abs() * x + x.sign(), [x34()], 2),
    ("rounding", lambda L, x: x.floor() + x.ceil() * x + x.trunc() + x.round() + x.frac() * x, [x34()], 2),
    ("square", lambda L, x: x.square(), [x34()], 2),
    ("pow_tensor", lambda L, x, y: x ** y, [pos34(), make((3, 4), D, seed=3, low=-2, high=2)], 3),
    ("pow_scalar", lambda L, x: x ** 3.0 + x ** 0.5 * 0 + x.abs() ** 1.5, [x34()], 2),
    ("pow_scalar_base", lambda L, x: 2.0 ** x, [x34()], 2),
    ("float_power", lambda L, x, y: L.float_power(x, y), [pos34(), make((4,), D, seed=3)], 2),
    ("atan2", lambda L, x, y: L.atan2(x, y), [x34(), x34(3, layout="transposed")], 2),
    ("hypot", lambda L, x, y: L.hypot(x, y), [x34(), x34(3)], 2),
    ("maximum", lambda L, x, y: L.maximum(x * x, y), [x34(), x34(4)], 2),
    ("minimum_ties", lambda L, x, y: L.minimum(x, y.round() * 0 + x.round()), [x34(), x34(4)], 2),
    ("fmax_fmin", lambda L, x, y: L.fmax(x, y) * L.fmin(x, y), [x34(), x34(4)], 2),
    ("clamp", lambda L, x: (x * x).clamp(1, 4), [x34()], 2),
    ("clamp_at_bounds", lambda L, x, lo: x.clamp(-1, 1) * x + x.clamp(min=lo, max=lo + 1) ** 2,
     [In(TIES, D), In(TIES * [[1, 0, 1, 0]], D)], 2),
    ("clamp_tensor", lambda L, x, lo, hi: x.clamp(min=lo, max=hi),
     [x34(), x34(5), make((3, 4), D, seed=6, low=1, high=5)], 2),
    ("addcmul_addcdiv", lambda L, x, a, b: L.addcdiv(L.addcmul(x, a, b, value=0.5), a, b, value=2),
     [x34(), x34(1), pos34(2)], 2),
    ("lerp", lambda L, x, y, w: L.lerp(x, y, w), [x34(), x34(1), x34(2)], 2),
    ("logaddexp", lambda L, x, y: L.logaddexp(x, y), [x34(), x34(1)], 2),
    ("xlogy", lambda L, x, y: L.xlogy(x, y), [x34(), pos34(1)], 2),
    ("fmod_remainder", lambda L, x, y: L.fmod(x, y) + L.remainder(x, y) * x, [x34(), pos34(1)], 2),
    ("where", lambda L, x, y: L.where(x > 0, x * y, y * y), [x34(), x34(4)], 2),
    ("masked_fill", lambda L, x: (x * x).masked_fill(x > 1, 2.0), [x34()], 2),
    ("nan_to_num", lambda L, x: (x.log()).nan_to_num(0.0) * x, [x34()], 2),
    ("cast", lambda L, x: (x.float() * 2).double() * x, [x34()], 2),
    # reductions and scans
    ("sum", lambda L, x: (x * x).sum(1) + x.sum(), [x34(layout="strided")], 2),
    ("sum_keepdim", lambda L, x: (x * x).sum((0, 2), keepdim=True), [make((2, 3, 4), D)], 2),
    ("mean", lambda L, x: (x * x).mean(0), [x34()], 2),
    ("prod", lambda L, x: x.prod(1), [x34()], 3),
    ("prod_zeros", lambda L, x: (x * (x.abs() > 1.5)).prod(1) + (x * (x.abs() > 3)).prod(), [make((3, 6), D)], 2),
    ("amax_amin", lambda L, x: (x * x).amax(1).sum() + x.amin(0), [x34()], 2),
    ("amax_ties", lambda L, x: x.round().amax(1) * x.sum(1), [x34()], 2),
    ("max_min_dim", lambda L, x: x.max(1).values * x.min(0, keepdim=True).values.sum(), [x34()], 2),
    ("max_ties_dim", lambda L, x: (x.round() * 0 + x.round().abs()).max(1).values * x.mean(), [x34()], 2),
    ("max_full", lambda L, x: x.max() * x.min(), [x34()], 2),
    ("var_std", lambda L, x: x.var(1).sum() + x.std(0) + x.var(), [x34()], 3),
    ("var_mean", lambda L, x: L.var_mean(x, 1, correction=0), [x34()], 2),
    ("logsumexp", lambda L, x: x.logsumexp(1), [x34()], 2),
    ("norm", lambda L, x: x.norm() + x.norm(1, dim=1).sum() + x.norm(3, dim=0) + x.norm(float("inf")), [x34()], 2),
    ("dist", lambda L, x, y: L.dist(x, y), [x34(), x34(1)], 2),
    ("cumsum", lambda L, x: (x * x).cumsum(1), [x34()], 2),
    ("cumprod", lambda L, x: x.cumprod(1), [x34(layout="transposed")], 2),
    ("cumprod_zeros", lambda L, x: (x * (x.abs() > 1)).cumprod(1), [make((3, 6), D)], 2),
    ("cummax_cummin", lambda L, x: x.cummax(1).values * x.cummin(0).values, [x34()], 2),
    ("logcumsumexp", lambda L, x: x.logcumsumexp(1), [x34()], 2),
    # sorting family (EXTERN): gradients through the indices
    ("sort", lambda L, x: (x * x).sort(1, descending=True).values, [x34()], 2),
    ("topk", lambda L, x: x.topk(2, 1).values ** 2, [x34()], 2),
    ("kthvalue", lambda L, x: x.kthvalue(2, 0).values ** 2, [x34()], 2),
    ("median", lambda L, x: x.median(1).values ** 2 + x.median(), [make((3, 5), D)], 2),
    ("mode", lambda L, x: x.mode(1).values * x.sum(), [In(np.round(make((3, 6), D).values / 2), D)], 2),
    # movement and joins
    ("view_reshape", lambda L, x: x.t().reshape(12).view(2, 6) ** 2, [x34()], 2),
    ("permute_transpose", lambda L, x: x.permute(2, 0, 1).transpose(0, 2) ** 2, [make((2, 3, 4), D)], 2),
    ("squeeze_unsqueeze", lambda L, x: x.unsqueeze(1).squeeze() ** 2, [x34()], 2),
    ("expand", lambda L, x: x.expand(2, 3, 4) ** 2, [make((3, 1), D)], 2),
    ("repeat_tile", lambda L, x: x.repeat(2, 1) ** 2 + x.tile((1, 2)).sum(), [x34()], 2),
    ("repeat_interleave", lambda L, x: x.repeat_interleave(2, dim=0) ** 2, [x34()], 2),
    ("flip_roll", lambda L, x: x.flip(1) * x.roll(1, 0) * x, [x34()], 2),
    ("cat_stack", lambda L, x, y: L.cat([x * x, y], 1).sum(0) * L.stack([x, x * 2]).sum(), [x34(), make((3, 2), D)], 2),
    ("split_chunk_unbind", lambda L, x: x.split(1, 1)[1] * x.chunk(2, 0)[0][0] + x.unbind(1)[3][:, None], [x34()], 2),
    ("slicing", lambda L, x: x[1:, ::2] ** 2 + x[0, 1] + x[..., None][:, 2, 0].sum(), [x34(layout="strided")], 2),
    ("narrow_select", lambda L, x: x.narrow(1, 1, 2) ** 2 + x.select(0, 2)[:2], [x34()], 2),
    ("diagonal_triangles", lambda L, x: x.diagonal(1) ** 2 + x.tril().sum() + x.triu(1).sum(), [x34()], 2),
    ("unfold", lambda L, x: x.unfold(1, 2, 1) ** 2, [x34()], 2),
    ("as_strided", lambda L, x: x.as_strided((2, 2), (1, 2), 1) ** 2, [x34()], 2),
    ("movedim", lambda L, x: L.movedim(x, 0, 2) ** 2, [make((2, 3, 4), D)], 2),
    ("contiguous_clone", lambda L, x: x.t().contiguous().clone() ** 2, [x34()], 2),
    # indexing
    ("gather", lambda L, x: (x * x).gather(1, t(L, IDX)), [x34()], 2),
    ("index_advanced", lambda L, x: (x ** 2)[[0, 2, 2]] + x[:, [1, 1, 3, 0]].t().sum(), [x34(layout="strided")], 2),
    ("index_mask", lambda L, x: (x * x)[x > 0].sum() * x, [x34()], 2),
    ("index_select_take", lambda L, x: x.index_select(1, t(L, [3, 0, 3])) ** 2
     + L.take(x, t(L, [[0, 5], [11, 5]])).sum(),
     [x34()], 2),
    ("take_along_dim", lambda L, x: L.take_along_dim(x, t(L, IDX), 1) ** 2, [x34()], 2),
    ("masked_select", lambda L, x: (x * x).masked_select(x > 0), [x34()], 2),
    ("scatter", lambda L, x, s: x.scatter(1, t(L, [[0, 1, 3], [2, 0, 1]]), s * s) * x,
     [make((2, 4), D), make((2, 3), D)], 2),
    ("scatter_add", lambda L, x, s: x.scatter_add(1, t(L, SIDX), s * s) * x, [make((2, 4), D), make((2, 3), D)], 2),
    ("scatter_prod", lambda L, x, s: x.scatter_reduce(1, t(L, SIDX), s, "prod"), [make((2, 4), D), make((2, 3), D)], 2),
    ("scatter_amax", lambda L, x, s: x.scatter_reduce(1, t(L, SIDX), s, "amax") ** 2,
     [make((2, 4), D), make((2, 3), D)], 2),
    ("scatter_mean", lambda L, x, s: x.scatter_reduce(1, t(L, SIDX), s, "mean", include_self=False) ** 2,
     [make((2, 4), D), make((2, 3), D)], 2),
    ("index_add_copy_fill", lambda L, x, s: (x.index_add(0, t(L, [0, 2]), s) * x.index_copy(0, t(L, [2, 1]), s)
                                             + x.index_fill(1, t(L, [0]), 1.5)), [x34(), make((2, 4), D)], 2),
    ("index_put", lambda L, x, v: x.index_put((t(L, [0, 2]),), v * v, accumulate=True) * x, [x34(), make((4,), D)], 2),
    ("masked_scatter", lambda L, x, s: x.masked_scatter(x > 0, s) ** 2, [x34(), make((12,), D)], 2),
    ("setitem_views", _inplace_rows, [x34()], 2),
    # linear algebra
    ("matmul", lambda L, a, b: (a @ b).tanh(), [x34(layout="transposed"), make((4, 5), D, seed=2)], 2),
    ("matmul_batched", lambda L, a, b: (a @ b) ** 2, [make((2, 3, 4), D), make((4, 2), D, seed=2)], 2),
    ("matmul_vectors", lambda L, a, v: (a @ v) ** 2 + (v @ a.t()).sum() + L.dot(v, v) * L.mv(a, v).sum(),
     [x34(), make((4,), D, seed=2)], 2),
    ("bmm_outer", lambda L, a, b: L.bmm(a, b) ** 2 + L.outer(a[0, 0], b[1, :, 0]).sum(),
     [make((2, 3, 4), D), make((2, 4, 2), D, seed=2)], 2),
    ("addmm_family", lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2) ** 2 + L.addmv(c[0], a, b[:, 0]).sum()
     + L.addr(c, a[:, 0], b[0]).sum(), [make((4, 4), D), make((4, 3), D, seed=1), make((3, 4), D, seed=2)], 2),
    ("baddbmm", lambda L, c, a, b: L.baddbmm(c, a, b) ** 2,
     [make((2, 3, 2), D), make((2, 3, 4), D, seed=1), make((2, 4, 2), D, seed=2)], 2),
    ("einsum_tensordot", lambda L, a, b: L.einsum("ij,jk->ik", a, b) ** 2 + L.tensordot(a, b.t(), 2),
     [x34(), make((4, 3), D, seed=1)], 2),
    ("cross", lambda L, x, y: L.cross(x, y, dim=1) ** 2, [make((2, 3), D), make((2, 3), D, seed=5)], 2),
    ("inverse", lambda L, x: L.inverse(x), [make((3, 3), D)], 2),
    ("det_slogdet", lambda L, x: L.det(x) + L.slogdet(x)[1] + L.logdet(x @ x.t()), [make((3, 3), D)], 2),
    ("solve", lambda L, a, b: L.linalg.solve(a, b) + L.linalg.solve(a, b[:, 0]).sum(),
     [make((3, 3), D), make((3, 2), D, seed=7)], 2),
    ("trace_diag", lambda L, x: L.trace(x) * L.diag(x).sum() + L.diag(x[0]).sum() ** 2 + L.diag_embed(x).sum(),
     [make((3, 3), D)], 2),
    ("matrix_power", lambda L, x: L.matrix_power(x, 3) + L.matrix_power(x, -1), [make((3, 3), D)], 2),
    # decompositions: losses that do not depend on the factors' sign conventions
    ("cholesky", lambda L, a: (lambda spd: (L.linalg.cholesky(spd), L.linalg.cholesky(spd, upper=True) ** 2))(
        a @ a.mT + 3 * L.eye(3, dtype=a.dtype)), [make((3, 3), D)], 2),
    ("eigh", lambda L, a: (lambda w, v: (w, v ** 2, L.linalg.eigvalsh(a.mT + a)))(*L.linalg.eigh(a + a.mT)),
     [make((3, 3), D, seed=4)], 2),
    ("svd_tall", lambda L, a: (lambda u, s, vh: (u ** 2, s, vh ** 2, L.linalg.svdvals(a)))(
        *L.linalg.svd(a, full_matrices=False)), [make((4, 3), D)], 2),
    ("svd_wide_full", lambda L, a: (lambda u, s, vh: (u ** 2, s, vh[:3] ** 2))(*L.linalg.svd(a)), [make((3, 4), D)], 2),
    ("qr", lambda L, a: (lambda q, r: (q ** 2, r ** 2))(*L.linalg.qr(a)), [make((4, 3), D)], 2),
    ("pinv", lambda L, a, b: (L.linalg.pinv(a), L.linalg.pinv(b)), [make((4, 3), D), make((3, 4), D, seed=1)], 2),
]


def _build(lib, ins):
    built = [x.build(lib) for x in ins]
    return [v for v, _ in built], [leaf for (_, leaf), x in zip(built, ins) if x.requires_grad]


def _scalar(lib, tensors, seed):
    """sum(t * w) over the tensors that require grad, with fixed weights."""
    total = 0
    for k, x in enumerate(tensors):
        if isinstance(x, lib.Tensor) and x.requires_grad:
            w = make(tuple(x.shape), D, low=-1.5, high=1.5, seed=seed + k).values
            total = total + (x * lib.tensor(w, dtype=x.dtype)).sum()
    return total


def _gradients(lib, fn, ins, order: int) -> list:
    """[order-1 grads, order-2 grads, ...] of the inputs; stops early when the gradient no
    longer depends on the inputs (both libraries then owe zeros)."""
    args, leaves = _build(lib, ins)
    out = fn(lib, *args)
    cur = _scalar(lib, out if isinstance(out, (tuple, list)) else (out,), 100)
    result = []
    for k in range(order):
        if not isinstance(cur, lib.Tensor) or not cur.requires_grad:
            break
        grads = lib.autograd.grad(cur, leaves, create_graph=True, allow_unused=True)
        result.append(grads)
        cur = _scalar(lib, grads, 200 + 10 * k)
    return result


def check_higher(fn, ins, order: int, rtol=1e-6, atol=1e-7):
    ins = [In(x.values, x.dtype, x.layout, True) for x in ins]
    expected = _gradients(torch, fn, ins, order)
    actual = _gradients(tjit, fn, ins, order)
    tjit.realize(*(g for grads in actual for g in grads if g is not None))
    for k in range(max(len(expected), len(actual))):
        for i, x in enumerate(ins):
            e = expected[k][i] if k < len(expected) else None
            a = actual[k][i] if k < len(actual) else None
            e = torch.zeros(x.values.shape, dtype=torch.float64) if e is None else e
            a = tjit.zeros(x.values.shape, dtype=tjit.float64) if a is None else a
            assert_same(e, a, rtol=rtol, atol=atol, what=f"order-{k + 1} gradient of input {i}")


@pytest.mark.parametrize("fn,ins,order", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gradients_match_torch(fn, ins, order):
    check_higher(fn, ins, order)


# -- first order in float32 through the shared helper ------------------------------------
F32 = [
    ("mul_broadcast", lambda x, y: x * y, [make((3, 4)), make((4,), seed=1)]),
    ("tanh_noncontig", lambda x: x.tanh(), [noncontig(make((3, 4)))]),
    ("sum_strided", lambda x: x.sum(0), [make((3, 4), layout="strided")]),
    ("matmul_transposed", lambda a, b: a @ b, [make((3, 4), layout="transposed"), make((4, 2), seed=2)]),
    ("softmax_like", lambda x: x.exp() / x.exp().sum(1, keepdim=True), [make((3, 4))]),
    ("sort_values", lambda x: x.sort(0).values, [make((5, 3))]),
]


@pytest.mark.parametrize("fn,ins", [c[1:] for c in F32], ids=[c[0] for c in F32])
def test_float32_gradients(fn, ins):
    check_op(fn, None, *ins, grad=True)
