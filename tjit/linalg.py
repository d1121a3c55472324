"""tjit.linalg: torch.linalg's spellings over the ops in tjit/ops/linalg.py.

They differ from the old torch.* names in their results (linalg.svd returns Vh, linalg.qr
takes a mode string, linalg.norm chooses a matrix norm for 2-D input) and result type names.
tjit has no complex dtype, so eig / eigvals accept matrices with a real spectrum only; the
removed tjit.eig gives complex spectra as (real, imag) pairs.
"""
from __future__ import annotations

from .ops import linalg as _L
from .ops import linalg_grad as _linalg_grad  # noqa: F401  (registers the qr / eig / lu gradients)
from .ops import shape as _S
from ._prim import write_out
from .ops.creation import eye as _eye
from .ops.reduction import _return_type, _vector_norm

LinAlgError = _L.LinAlgError
matmul = _L.matmul
det = _L.det
matrix_power = _L.matrix_power
matrix_norm = _L._matrix_norm
vector_norm = _vector_norm
svdvals = _L._svdvals
diagonal = _S.diagonal


def inv(A, *, out=None):
    return _L.inverse(A, out=out)


def cross(input, other, *, dim=-1, out=None):
    return write_out(_L._cross(input, other, dim), out)


def slogdet(A):
    return _return_type("linalg_slogdet", ("sign", "logabsdet"))(*_L._slogdet(A, "linalg.slogdet"))


def solve(A, B, *, left=True, out=None):
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return write_out(_L._solve(A.mT, B.mT).mT, out)
    return write_out(_L._solve(A, B), out)


def eig(A):
    return _return_type("linalg_eig", ("eigenvalues", "eigenvectors"))(*_L._eig_real(A))


def eigvals(A):
    return _L._eig_real(A)[0]


def eigh(A, UPLO="L"):
    return _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))(*_L._eigh(A, UPLO))


def eigvalsh(A, UPLO="L"):
    return _L._eigh(A, UPLO)[0]


def svd(A, full_matrices=True):
    return _return_type("linalg_svd", ("U", "S", "Vh"))(*_L._svd(A, full_matrices))


def qr(A, mode="reduced"):
    return _return_type("linalg_qr", ("Q", "R"))(*_L._qr(A, mode))


def lu_factor(A, *, pivot=True):
    lu, pivots, _, _ = _L._lu(A, "torch.lu_factor", pivot, check="torch.linalg.lu_factor")
    return _return_type("linalg_lu_factor", ("LU", "pivots"))(lu, pivots)


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    check = "torch.linalg.lu_factor_ex" if check_errors else None
    lu, pivots, _, info = _L._lu(A, "torch.lu_factor", pivot, check)
    return _return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))(lu, pivots, info)


def lu(A, *, pivot=True):
    """(P, L, U) unpacked from the packed factorization with tensor ops, so L and U
    differentiate through it; P is piecewise constant and has no gradient, as torch's."""
    packed, _, p, _ = _L._lu(A, "linalg.lu", pivot)
    m, n = A.shape[-2:]
    k = min(m, n)
    low = _S.tril(packed[..., :, :k], -1) + _eye(m, k, dtype=packed.dtype)
    return _return_type("linalg_lu", ("P", "L", "U"))(p.detach(), low, _S.triu(packed[..., :k, :]))


def cholesky(A, *, upper=False, out=None):
    return write_out(_L._cholesky(A, upper), out)


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    return _L._pinv(A, atol, rtol)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    return _L._matrix_rank(A, atol, rtol, hermitian)


def multi_dot(tensors):
    """A chain of products; 1-D ends act as row / column vectors, as torch's."""
    first, last = tensors[0], tensors[-1]
    ms = [_S.unsqueeze(first, 0) if first.ndim == 1 else first, *tensors[1:-1],
          _S.unsqueeze(last, 1) if last.ndim == 1 and len(tensors) > 1 else last]
    r = _L._chain(ms)
    if first.ndim == 1:
        r = _S.squeeze(r, 0)
    if last.ndim == 1 and len(tensors) > 1:
        r = _S.squeeze(r, -1)
    return r


def vecdot(x, y, *, dim=-1):
    return (x * y).sum(dim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """A vector norm over one dim (or the flattened input when ord is None), a matrix norm
    over two (or for 2-D input with an ord)."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        r = _vector_norm(A, 2, dim, keepdim, dtype=dtype)
    elif (dim is not None and len(dim) == 2) or (dim is None and A.ndim == 2):
        r = _L._matrix_norm(A, ord, dim or (-2, -1), keepdim, dtype=dtype)
    elif isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord}")
    else:
        if dim is None and A.ndim != 1:
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A.ndim}D.")
        r = _vector_norm(A, ord, dim, keepdim, dtype=dtype)
    return write_out(r, out)
