"""Gradient rules of the LAPACK decompositions qr, eig (torch.eig and linalg.eig) and lu,
registered in ir/autodiff's EXTERN table (keyed by the extern call's name).

Each rule restates torch's derivative (tools/autograd FunctionsManual) for real inputs with
tensor ops, so the gradient is lazy IR like the forward pass and differentiates again.  A
rule sees one output of the call at a time (`c.arg[1]`); the formulas are linear in the
outputs' gradients, so each output's term is computed on its own.
"""
from __future__ import annotations

import numpy as np

from tjit.ir.autodiff import EXTERN_RULES, NotDifferentiable

from . import shape as S
from .creation import eye, zeros
from .linalg import _eig_real, _solve


def _solve_right(b, a):
    """b a^-1 (X a = b), as a^T X^T = b^T."""
    return _solve(a.mT, b.mT).mT


# -- qr ----------------------------------------------------------------------------------
def _qr_grad(F, c, g):
    """A = QR with k = min(m, n): Q (m, k), R (k, n).  With M = gR R^T - Q^T gQ,
      m >= n: gA = (gQ + Q copyltu(M)) R^-T, copyltu mirroring M's upper triangle downwards;
      m < n:  gA = [Q tril(M^T - M) R1^-T | 0] + Q gR, R1 = R's leading m x m block
    (Q is square there, so gQ reaches A only through the first m columns)."""
    mode, out = c.arg[0].params[0], c.arg[1]
    if mode == "r":
        raise NotDifferentiable("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                                "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                                "linalg.qr.")
    *batch, m, n = c.shape(0)
    if mode == "complete" and m > n:
        raise NotDifferentiable("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    batch, k, d = tuple(batch), min(m, n), c.dtype(0)
    q = c.out if out == 0 else c.sibling(0, d, batch + (m, k))
    r = c.out if out == 1 else c.sibling(1, d, batch + (k, n))
    gq, gr = (g, None) if out == 0 else (None, g)
    mm = -(q.mT @ gq) if gq is not None else gr @ r.mT
    if m >= n:
        ga = q @ (S.triu(mm) + S.triu(mm, 1).mT)
        return _solve_right(ga if gq is None else ga + gq, r.mT)
    ga = _solve_right(q @ S.tril(mm.mT - mm), r[..., :, :m].mT)
    ga = S.cat([ga, zeros(batch + (m, n - m), dtype=d)], -1)
    return ga if gr is None else ga + q @ gr


# -- eig ---------------------------------------------------------------------------------
def _eig_grad(gl, gv, vals, vecs):
    """A = V diag(L) V^-1 with unit-norm columns, from gL or from gV:
    gA = V^-T (diag(gL) + (V^T gV - V^T V diag(V^T gV)) / E) V^T, E_ij = L_j - L_i (1 on the
    diagonal, where the numerator is 0); the V^T V term keeps the columns' norms fixed."""
    vt = vecs.mT
    if gv is None:
        return _solve(vt, S.unsqueeze(gl, -1) * vt)
    x = vt @ gv
    x = x - vt @ (vecs * S.unsqueeze(S.diagonal(x, 0, -2, -1), -2))
    e = S.unsqueeze(vals, -2) - S.unsqueeze(vals, -1) + eye(vals.shape[-1], dtype=vals.dtype)
    return _solve(vt, (x / e) @ vt)


def _linalg_eig_grad(F, c, g):
    """linalg.eig of a matrix with a real spectrum (the only kind tjit's real tensors allow)."""
    d, shape = c.dtype(0), c.shape(0)
    if c.arg[1] == 0:
        return _eig_grad(g, None, None, c.sibling(1, d, shape))
    return _eig_grad(None, g, c.sibling(0, d, shape[:-1]), c.out)


def _legacy_eig_grad(F, c, g):
    """torch.eig -> ((n, 2) real/imag eigenvalue pairs, real eigenvectors): PyTorch 1.x's
    eig_backward, defined for a real spectrum only (which it checks on the data, as 1.x did).
    The pairs' imaginary column stays 0 near such a matrix, so only the real column's
    gradient counts.  Without eigenvectors, the eigenvalues' term recomputes V."""
    eigenvectors, out = c.arg[0].params[0], c.arg[1]
    n, d = c.shape(0)[-1], c.dtype(0)
    pairs = c.out if out == 0 else c.sibling(0, d, (n, 2))
    if np.any(np.asarray(pairs.detach())[:, 1] != 0):
        raise RuntimeError("eig_backward: Backward calculation does not support complex eigenvalues at the moment.")
    if out == 0:
        vecs = c.sibling(1, d, (n, n)) if eigenvectors else _eig_real(c.x)[1]
        return _eig_grad(g[:, 0], None, None, vecs)
    if not eigenvectors:  # the eigenvector output is empty
        return zeros((n, n), dtype=d)
    return _eig_grad(None, g, pairs[:, 0], c.out)


# -- lu ----------------------------------------------------------------------------------
def _lu_grad(F, c, g):
    """torch's lu_factor_ex_backward on the packed LU.  A = P L U with k = min(m, n): L (m, k)
    unit lower, U (k, n) upper; gL, gU are the packed gradient's strictly lower / upper parts.
      m == n: gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T
      m < n:  gA = P L^-T [X + triu(gU1) | gU2],  X = tril(L^T gL - gU U^T, -1) U1^-T
      m > n:  gA = P [X + tril(gL1, -1) ; gL2] U^-T,  X = L1^-T triu(gU U^T - L^T gL)
    (U1 / L1 the leading k x k blocks).  P and the pivots are piecewise constant."""
    *batch, m, n = c.shape(0)
    d = c.dtype(0)
    if c.arg[1] != 0:
        return zeros((*batch, m, n), dtype=d)
    k = min(m, n)
    low = S.tril(c.out[..., :, :k], -1) + eye(m, k, dtype=d)
    up = S.triu(c.out[..., :k, :])
    gl, gu = S.tril(g[..., :, :k], -1), S.triu(g[..., :k, :])
    if m == n:
        ga = _solve(low.mT, _solve_right(S.tril(low.mT @ gl, -1) + S.triu(gu @ up.mT), up.mT))
    elif m < n:
        x = _solve_right(S.tril(low.mT @ gl - gu @ up.mT, -1), up[..., :, :m].mT)
        ga = _solve(low.mT, S.cat([x + gu[..., :, :m], gu[..., :, m:]], -1))
    else:
        x = _solve(low[..., :n, :].mT, S.triu(gu @ up.mT - low.mT @ gl))
        ga = _solve_right(S.cat([x + gl[..., :n, :], gl[..., n:, :]], -2), up.mT)
    return c.sibling(2, d, (*batch, m, m)) @ ga


EXTERN_RULES.update({"qr": (_qr_grad,), "eig": (_legacy_eig_grad,), "linalg_eig": (_linalg_eig_grad,),
                     "lu": (_lu_grad,)})
