"""Matrix products (the CONTRACT primitive) and LAPACK-backed linear algebra (EXTERN)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.ops import Op

from .._prim import apply, broadcast_shapes, cast, expand_to, reshape, result_type
from .._tensor import Tensor
from . import shape as S
from .pointwise import _out
from .reduction import extern, sum as sum_


def _check_float_or_same(a: Tensor, b: Tensor, op: str):
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cname(a.dtype)} != {_cname(b.dtype)}")


def _cname(d):
    from .pointwise import _tname
    return {"Float": "float", "Double": "double", "Long": "long int", "Int": "int", "Half": "c10::Half",
            "BFloat16": "c10::BFloat16", "Short": "short int", "Char": "signed char", "Byte": "unsigned char",
            "Bool": "bool"}[_tname(d)]


def _contract(a: Tensor, b: Tensor) -> Tensor:
    """(..., M, K) @ (..., K, N) with broadcast batch dims."""
    batch = broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    a = expand_to(a, batch + tuple(a.shape[-2:]))
    b = expand_to(b, batch + tuple(b.shape[-2:]))
    shape = batch + (a.shape[-2], b.shape[-1])
    return apply(Op.CONTRACT, [a, b], a.dtype, shape)


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    a, b = input, other
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    _check_float_or_same(a, b, "matmul")
    ka, kb = a.shape[-1], (b.shape[-2] if b.ndim > 1 else b.shape[0])
    if ka != kb:
        if a.ndim == 1 and b.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
                               "have the same number of elements, but got "
                               f"{a.shape[0]} and {b.shape[0]} elements respectively")
        am = f"{a.shape[-2] if a.ndim > 1 else 1}x{ka}"
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({am} and {kb}x{b.shape[-1] if b.ndim > 1 else 1})")
    a2 = S.unsqueeze(a, 0) if a.ndim == 1 else a
    b2 = S.unsqueeze(b, 1) if b.ndim == 1 else b
    r = _contract(a2, b2)
    if a.ndim == 1:
        r = S.squeeze(r, -2)
    if b.ndim == 1:
        r = S.squeeze(r, -1)
    return _out(r, out)


def mm(input, mat2, *, out=None):
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
                           f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(input, mat2, out=out)


def mv(input, vec, *, out=None):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {vec.ndim}, {input.ndim}, {vec.ndim}")
    return matmul(input, vec, out=out)


def dot(input, other, *, out=None):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.dtype != other.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_tname2(input)} and "
                           f"{_tname2(other)}")
    return matmul(input, other, out=out)


vdot = inner_1d = dot


def _tname2(t):
    from .pointwise import _tname
    return _tname(t.dtype)


def outer(input, vec2, *, out=None):
    return _out(S.unsqueeze(input, 1) * S.unsqueeze(vec2, 0), out)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    prod = mm(mat1, mat2)
    return _out(_scaled_sum(input, prod, beta, alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    return _out(_scaled_sum(input, mv(mat, vec), beta, alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    return _out(_scaled_sum(input, sum_(bmm(batch1, batch2), 0), beta, alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    return _out(_scaled_sum(input, bmm(batch1, batch2), beta, alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    return _out(_scaled_sum(input, outer(vec1, vec2), beta, alpha), out)


def _scaled_sum(input, prod, beta, alpha):
    p = prod * alpha if alpha != 1 else prod
    if beta == 0:  # torch ignores input entirely (even NaN) when beta is 0
        return expand_to(p, broadcast_shapes(input.shape, p.shape))
    return (input * beta if beta != 1 else input) + p


def cross(input, other, dim=None, *, out=None):
    if dim is None:
        dim = next((i for i, s in enumerate(broadcast_shapes(input.shape, other.shape)) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    shape = broadcast_shapes(input.shape, other.shape)
    a, b = expand_to(input, shape), expand_to(other, shape)
    d = dim % len(shape)
    if shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    a0, a1, a2 = S.unbind(a, d)
    b0, b1, b2 = S.unbind(b, d)
    return _out(S.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d), out)


def tensordot(a, b, dims=2):
    if isinstance(dims, int):
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = [list(x) if isinstance(x, (list, tuple)) else [x] for x in dims]
    fa = [i for i in range(a.ndim) if i not in da]
    fb = [i for i in range(b.ndim) if i not in db]
    k = 1
    for i in da:
        k *= a.shape[i]
    am = reshape(S.permute(a, fa + da), (-1, k))
    bm = reshape(S.permute(b, db + fb), (k, -1))
    return reshape(matmul(am, bm), tuple(a.shape[i] for i in fa) + tuple(b.shape[i] for i in fb))


def einsum(equation, *operands):
    from .einsum import einsum as _einsum
    return _einsum(equation, *operands)


def chain_matmul(*matrices):
    out = matrices[0]
    for m in matrices[1:]:
        out = mm(out, m)
    return out


multi_dot = chain_matmul


# -- LAPACK family (EXTERN) --------------------------------------------------------------
def _lapack_dtype(x: Tensor) -> dt.DType:
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg: Expected a floating point or complex tensor as input. Got {_tname2(x)}")
    return x.dtype


def _square(x: Tensor, op: str):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices, but they are {x.shape[-2] if x.ndim > 1 else x.shape[-1]} by {x.shape[-1]} matrices")


def inverse(input, *, out=None):
    _square(input, "inv")
    d = _lapack_dtype(input)

    def fn(a):
        if a.size and np.any(np.linalg.matrix_rank(a.astype(np.float64)) < a.shape[-1]):
            raise RuntimeError("linalg.inv: The diagonal element 1 is zero, the inversion could not be completed "
                               "because the input matrix is singular.")
        return (np.linalg.inv(a.astype(np.float64)).astype(a.dtype),)
    (r,) = extern("inverse", (), fn, [input], [(d, tuple(input.shape))])
    return _out(r, out)


inv = inverse


def det(input):
    _square(input, "det")
    d = _lapack_dtype(input)
    (r,) = extern("det", (), lambda a: (np.asarray(np.linalg.det(a.astype(np.float64)), dtype=a.dtype),), [input],
                  [(d, tuple(input.shape[:-2]))])
    return r


def slogdet(input):
    d = _lapack_dtype(input)
    sign, logabs = extern("slogdet", (), lambda a: tuple(np.asarray(v, dtype=a.dtype) for v in np.linalg.slogdet(a.astype(np.float64))),
                          [input], [(d, tuple(input.shape[:-2])), (d, tuple(input.shape[:-2]))])
    return namedtuple("slogdet", ["sign", "logabsdet"])(sign, logabs)


def solve(A, B):
    d = _lapack_dtype(A)
    vec = B.ndim == A.ndim - 1
    shape = tuple(B.shape)
    (r,) = extern("solve", (vec,), lambda a, b: (np.linalg.solve(a.astype(np.float64), b.astype(np.float64)[..., None] if vec else b.astype(np.float64)).reshape(shape).astype(a.dtype),),
                  [A, B], [(d, shape)])
    return r


def eig(input, eigenvectors=False):
    """torch.eig's old name: eigenvalues as (n, 2) real/imag pairs (and vectors if asked);
    the modern complex-valued form is tjit.linalg.eig."""
    _square(input, "eig")
    d = _lapack_dtype(input)
    n = input.shape[-1]

    def fn(a):
        w, v = np.linalg.eig(a.astype(np.float64))
        pairs = np.stack([w.real, w.imag], -1).astype(a.dtype)
        return pairs, v.real.astype(a.dtype)
    w, v = extern("eig", (), fn, [input], [(d, (n, 2)), (d, (n, n))])
    return namedtuple("eig", ["eigenvalues", "eigenvectors"])(w, v if eigenvectors else _empty(d))


def _empty(d):
    from .creation import zeros
    return zeros(0, dtype=d)


def eigh(input, UPLO="L"):
    d = _lapack_dtype(input)
    n = input.shape[-1]
    w, v = extern("eigh", (UPLO,), lambda a: tuple(x.astype(a.dtype) for x in np.linalg.eigh(a.astype(np.float64), UPLO=UPLO)),
                  [input], [(d, tuple(input.shape[:-1])), (d, tuple(input.shape))])
    return namedtuple("eigh", ["eigenvalues", "eigenvectors"])(w, v)


def eigvalsh(input, UPLO="L"):
    return eigh(input, UPLO).eigenvalues


def svd(input, full_matrices=True, *, some=None):
    d = _lapack_dtype(input)
    if some is not None:
        full_matrices = not some
    m, n = input.shape[-2], input.shape[-1]
    k = min(m, n)
    ushape = tuple(input.shape[:-2]) + ((m, m) if full_matrices else (m, k))
    vshape = tuple(input.shape[:-2]) + ((n, n) if full_matrices else (k, n))

    def fn(a):
        u, s, vh = np.linalg.svd(a.astype(np.float64), full_matrices=full_matrices)
        return u.astype(a.dtype), s.astype(a.dtype), vh.astype(a.dtype)
    u, s, vh = extern("svd", (full_matrices,), fn, [input], [(d, ushape), (d, tuple(input.shape[:-2]) + (k,)), (d, vshape)])
    return namedtuple("svd", ["U", "S", "Vh"])(u, s, vh)


def svdvals(input):
    return svd(input, full_matrices=False).S


def qr(input, mode="reduced"):
    d = _lapack_dtype(input)
    m, n = input.shape[-2], input.shape[-1]
    k = min(m, n)
    qs = (m, m) if mode == "complete" else (m, k)
    rs = (m, n) if mode == "complete" else (k, n)
    q, r = extern("qr", (mode,), lambda a: tuple(x.astype(a.dtype) for x in np.linalg.qr(a.astype(np.float64), mode=mode)),
                  [input], [(d, tuple(input.shape[:-2]) + qs), (d, tuple(input.shape[:-2]) + rs)])
    return namedtuple("qr", ["Q", "R"])(q, r)


def cholesky(input, upper=False):
    d = _lapack_dtype(input)

    def fn(a):
        L = np.linalg.cholesky(a.astype(np.float64))
        return ((np.swapaxes(L, -1, -2) if upper else L).astype(a.dtype),)
    (r,) = extern("cholesky", (upper,), fn, [input], [(d, tuple(input.shape))])
    return r


def pinverse(input, rcond=1e-15):
    d = _lapack_dtype(input)
    shape = tuple(input.shape[:-2]) + (input.shape[-1], input.shape[-2])
    (r,) = extern("pinv", (rcond,), lambda a: (np.linalg.pinv(a.astype(np.float64), rcond=rcond).astype(a.dtype),),
                  [input], [(d, shape)])
    return r


def matrix_power(input, n):
    if n == 0:
        from .creation import eye
        return expand_to(eye(input.shape[-1], dtype=input.dtype), tuple(input.shape))
    if n < 0:
        input, n = inverse(input), -n
    out = None
    base = input
    while n:
        if n & 1:
            out = base if out is None else matmul(out, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return out


def trace(input):
    if input.ndim != 2:
        raise RuntimeError("trace: expected a matrix")
    return sum_(S.diagonal(input))


def diag(input, diagonal=0):
    if input.ndim == 1:
        n = input.shape[0] + abs(diagonal)
        from .creation import zeros
        base = zeros(n, n, dtype=input.dtype)
        out = Tensor._from_node(base._node)
        S.diagonal(out, diagonal)._assign(input)
        return out
    if input.ndim == 2:
        return S.diagonal(input, diagonal).clone()
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    n = input.shape[-1] + abs(offset)
    from .creation import zeros
    out = zeros(tuple(input.shape[:-1]) + (n, n), dtype=input.dtype)
    S.diagonal(out, offset, dim1, dim2)._assign(input)
    return out
