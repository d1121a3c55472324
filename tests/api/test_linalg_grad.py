"""Gradients of qr (also with more columns than rows), eig (the removed torch.eig and
linalg.eig, real spectrum) and lu (linalg.lu_factor / lu and the removed torch.solve's LU):
gradcheck in float64 against finite differences, and torch 2.13's gradients, first and
second order.  Losses use squares of the factors where a factor is unique only up to the
sign of its vectors, and weigh eigenvectors by their eigenvalue where the order may differ."""
import numpy as np
import pytest
import torch

import tjit
from helpers import assert_same, make
from tjit.autograd import gradcheck

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:UserWarning")
D = "float64"


def values(*shape, seed=0):
    return make(shape, D, seed=seed).values


def real_spectrum(n, seed=0):
    """S diag(L) S^-1: a non-symmetric matrix with distinct real eigenvalues."""
    s = np.random.default_rng(seed).standard_normal((n, n)) + n * np.eye(n)
    return s @ np.diag(np.arange(1.0, n + 1) * (-1.0) ** np.arange(n)) @ np.linalg.inv(s)


def weights(lib, t, seed):
    return lib.tensor(make(tuple(t.shape), D, seed=seed).values)


def torch_and_tjit_grads(loss, a, second_order=True):
    """(first, second order) gradients of loss(lib, A) in both libraries; the second order
    differentiates the first contracted with fixed weights."""
    result = []
    for lib in (torch, tjit):
        x = lib.tensor(a, requires_grad=True)
        (g,) = lib.autograd.grad(loss(lib, x), x, create_graph=second_order)
        grads = [g]
        if second_order:
            grads += lib.autograd.grad((g * weights(lib, g, 9)).sum(), x)
        result.append(grads)
    return zip(*result)


def check_against_torch(loss, a, second_order=True):
    for order, (t, j) in enumerate(torch_and_tjit_grads(loss, a, second_order), 1):
        assert_same(t, j, rtol=1e-7, atol=1e-9, what=f"order-{order} gradient")


# -- qr ----------------------------------------------------------------------------------
def qr_loss(mode):
    def loss(lib, a):
        q, r = lib.linalg.qr(a, mode=mode)
        return (q * q * weights(lib, q, 1)).sum() + (r * r * weights(lib, r, 2)).sum()
    return loss


@pytest.mark.parametrize("shape,mode,second_order", [((3, 5), "reduced", True), ((3, 5), "complete", False),
                                                     ((2, 3, 5), "reduced", False), ((5, 3), "reduced", False)])
def test_qr_matches_torch(shape, mode, second_order):
    """Wide (m < n) and, for the shared code, tall matrices (whose second order
    test_autograd_ops covers)."""
    check_against_torch(qr_loss(mode), values(*shape), second_order)


def test_qr_wide_gradcheck():
    a = tjit.tensor(values(3, 5, seed=3), requires_grad=True)
    for mode in ("reduced", "complete"):
        assert gradcheck(lambda x: tuple(tjit.linalg.qr(x, mode=mode)), (a,))
    assert gradcheck(lambda x: tuple(tjit.qr(x, some=False)), (a,))


@pytest.mark.parametrize("shape,mode,message", [
    ((3, 4), "r", "The derivative of linalg.qr depends on Q, which is not computed when mode='r'"),
    ((4, 3), "complete", "The QR decomposition is not differentiable when mode='complete' and nrows > ncols")])
def test_qr_not_differentiable(shape, mode, message):
    """torch refuses these in backward, with the same RuntimeError."""
    for lib in (torch, tjit):
        a = lib.tensor(values(*shape), requires_grad=True)
        with pytest.raises(RuntimeError, match=message):
            lib.linalg.qr(a, mode=mode).R.sum().backward()


# -- eig ---------------------------------------------------------------------------------
def eig_loss(lib, a, legacy=True):
    """Eigenvalues cubed plus squared eigenvectors weighted by row and by their eigenvalue:
    the same whatever the order and signs of the eigenpairs."""
    if lib is torch:
        vals, vecs = (t.real for t in torch.linalg.eig(a))
    elif legacy:
        pairs, vecs = tjit.eig(a, eigenvectors=True)
        vals = pairs[:, 0]
    else:
        vals, vecs = tjit.linalg.eig(a)
    rows = lib.tensor(np.linspace(-1.0, 2.0, a.shape[-1]))
    return (vals ** 3).sum() + (vecs * vecs * vals[None, :] * rows[:, None]).sum()


def test_legacy_eig_matches_torch_linalg_eig():
    """torch.eig's (real, imag) pairs and real eigenvectors against the real parts of
    torch.linalg.eig.  torch's complex double backward refuses losses of the eigenvectors,
    so the second order is compared on eigenvalues (whose gradient uses the eigenvectors)."""
    a = real_spectrum(3)
    check_against_torch(eig_loss, a, second_order=False)
    check_against_torch(lambda lib, x: eig_loss(lib, x, legacy=False), a, second_order=False)
    for eigenvectors in (True, False):
        check_against_torch(lambda lib, x: (torch.linalg.eigvals(x).real ** 3).sum() if lib is torch
                            else (tjit.eig(x, eigenvectors)[0][:, 0] ** 3).sum(), a)


def test_eig_gradcheck():
    a = tjit.tensor(real_spectrum(3, seed=1), requires_grad=True)
    assert gradcheck(lambda x: tuple(tjit.eig(x, eigenvectors=True)), (a,))
    assert gradcheck(lambda x: tjit.eig(x)[0], (a,))
    assert gradcheck(lambda x: tuple(tjit.linalg.eig(x)), (a,))


def test_legacy_eig_complex_spectrum_raises():
    """PyTorch 1.x's eig_backward covered real eigenvalues only."""
    rotation = tjit.tensor([[0.0, -2.0], [2.0, 0.0]], dtype=tjit.float64, requires_grad=True)
    e, v = tjit.eig(rotation, eigenvectors=True)
    with pytest.raises(RuntimeError, match="eig_backward: Backward calculation does not support complex eigenvalues"):
        (e.sum() + v.sum()).backward()


# -- lu ----------------------------------------------------------------------------------
def lu_factor_loss(lib, a):
    lu = lib.linalg.lu_factor(a).LU
    return (lu * lu * weights(lib, lu, 1)).sum()


def lu_loss(lib, a):
    p, low, up = lib.linalg.lu(a)
    return (low * weights(lib, low, 1)).sum() + (up * up * weights(lib, up, 2)).sum() + (p * up.sum()).sum()


@pytest.mark.parametrize("shape,second_order", [((3, 3), True), ((3, 5), False), ((5, 3), False), ((2, 3, 3), False)])
def test_lu_matches_torch(shape, second_order):
    a = values(*shape)
    check_against_torch(lu_factor_loss, a, second_order)
    check_against_torch(lu_loss, a, second_order=False)


@pytest.mark.parametrize("shape", [(3, 3), (3, 5), (5, 3)])
def test_lu_gradcheck(shape):
    """L and U are the packed LU's entries, so this checks lu_factor's rule too."""
    a = tjit.tensor(values(*shape, seed=5), requires_grad=True)
    assert gradcheck(lambda x: tuple(tjit.linalg.lu(x))[1:], (a,))


def test_legacy_solve_lu_gradient():
    """The removed torch.solve(B, A) -> (X, LU): X differentiates as linalg.solve's, LU as
    linalg.lu_factor's."""
    a, b = values(3, 3, seed=6), values(3, 2, seed=7)

    def grads(lib):
        ta, tb = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        if lib is torch:
            x, lu = torch.linalg.solve(ta, tb), torch.linalg.lu_factor(ta).LU
        else:
            x, lu = tjit.solve(tb, ta)
        ((x * weights(lib, x, 1)).sum() + (lu * lu * weights(lib, lu, 2)).sum()).backward()
        return ta.grad, tb.grad
    for t, j in zip(grads(torch), grads(tjit)):
        assert_same(t, j, rtol=1e-7, atol=1e-9)
