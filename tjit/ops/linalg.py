"""Matrix products (the CONTRACT primitive, or a fused REDUCE for vector products) and
LAPACK-backed linear algebra (EXTERN: numpy routines on realized inputs).

torch.* spellings live here (torch.svd returns V, torch.qr takes `some`, torch.eig is the
removed real-pairs form); tjit.linalg builds the torch.linalg spellings on the `_` helpers.
The gradients of qr, eig and lu are in linalg_grad.py, the others in ir/autodiff.py.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.ops import Op, ReduceOp

from .._prim import (alias, apply, broadcast_shapes, const, expand_to, normalize_dim, reshape, torch_name,
                     unsupported, write_out)
from .._tensor import Tensor
from ..autograd_hooks import grad_name
from . import shape as S
from .pointwise import where
from .reduction import INF, _drop_axes, _return_type, _vector_norm, extern, reduce, sum as sum_


class LinAlgError(RuntimeError):
    """tjit.linalg.LinAlgError: a LAPACK routine failed on the data (singular matrix, not
    positive-definite).  A RuntimeError, as torch's."""


_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16"}


def _not_for_bool(x: Tensor, kernel: str):
    if x.dtype is dt.bool_:
        raise unsupported(kernel, x.dtype)


# -- products ----------------------------------------------------------------------------
def _contract(a: Tensor, b: Tensor) -> Tensor:
    """(..., M, K) @ (..., K, N) with broadcast batch dims: the CONTRACT primitive (an empty
    K gives zeros without a kernel looping over nothing)."""
    batch = broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    shape = batch + (a.shape[-2], b.shape[-1])
    if a.shape[-1] == 0:
        return const(0, a.dtype, shape)
    a = expand_to(a, batch + tuple(a.shape[-2:]))
    b = expand_to(b, batch + tuple(b.shape[-2:]))
    return apply(Op.CONTRACT, [a, b], a.dtype, shape)


@grad_name("DotBackward0")
def dot(input, other, *, out=None):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        n, m = input.shape[0], other.shape[0]
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number "
                           f"of elements, but got {n} and {m} elements respectively")
    if input.dtype != other.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {torch_name(input.dtype)} and "
                           f"{torch_name(other.dtype)}")
    _not_for_bool(input, "dot")
    return write_out(reduce(input * other, ReduceOp.SUM, (0,)), out)


vdot = dot


@grad_name("MvBackward0")
def mv(input, vec, *, out=None):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x{input.shape[1]}), "
                           f"vec ({vec.shape[0]})")
    if input.dtype != vec.dtype:
        v, m = torch_name(vec.dtype), torch_name(input.dtype)
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}")
    _not_for_bool(input, "addmv_impl_cpu")
    return write_out(reduce(input * S.unsqueeze(vec, 0), ReduceOp.SUM, (1,)), out)


def mm(input, mat2, *, out=None):
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    if input.dtype != mat2.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_C_NAMES[input.dtype.name]} != "
                           f"{_C_NAMES[mat2.dtype.name]}")
    _not_for_bool(input, "addmm_impl_cpu_")
    return write_out(_contract(input, mat2), out)


def _batched(a: Tensor, b: Tensor) -> Tensor:
    """bmm's checks over broadcast batch dims (K against the flattened batch, as torch
    reports it), then CONTRACT."""
    batch = broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    if a.shape[-1] != b.shape[-2]:
        nb = math.prod(batch)
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{nb}, {a.shape[-1]}] "
                           f"but got: [{nb}, {b.shape[-2]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {torch_name(a.dtype)} but found {torch_name(b.dtype)}")
    _not_for_bool(a, "bmm")
    return _contract(a, b)


def bmm(input, mat2, *, out=None):
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
                           f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return write_out(_batched(input, mat2), out)


def _matmul_grad_name(input, other, **_):
    """torch's matmul ends in dot, mv, mm (their names), squeeze for vector @ matrix, a
    copy for matrix @ batch (folded, transposed back) and a view of a folded or batched
    product otherwise."""
    if input.ndim <= 2 and other.ndim <= 2:
        return "SqueezeBackward4" if input.ndim == 1 and other.ndim == 2 else None
    return "CloneBackward0" if input.ndim == 2 and input.requires_grad else "UnsafeViewBackward0"


@grad_name(_matmul_grad_name)
def matmul(input, other, *, out=None):
    """torch.matmul's dispatch: dot, mv, mm, a folded mm/mv for (..., n, k) @ matrix/vector,
    and broadcast batched products; each case raises the error of the routine torch uses."""
    a, b = input, other
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.ndim == 1 and b.ndim == 1:
        return dot(a, b, out=out)
    if a.ndim == 2 and b.ndim == 1:
        return mv(a, b, out=out)
    if a.ndim == 1 and b.ndim == 2:
        return write_out(S.squeeze(mm(S.unsqueeze(a, 0), b), 0), out)
    if a.ndim == 2 and b.ndim == 2:
        return mm(a, b, out=out)
    if b.ndim <= 2:  # fold the batch into the rows: one matrix product
        rows = reshape(a, (math.prod(a.shape[:-1]), a.shape[-1]))
        r = mv(rows, b) if b.ndim == 1 else mm(rows, b)
        return write_out(reshape(r, tuple(a.shape[:-1]) + tuple(b.shape[1:])), out)
    a2 = S.unsqueeze(a, 0) if a.ndim == 1 else a
    r = _batched(a2, b)
    return write_out(S.squeeze(r, -2) if a.ndim == 1 else r, out)


def inner(input, other, *, out=None):
    if input.ndim == 0 or other.ndim == 0:
        return write_out(input * other, out)
    return write_out(tensordot(input, other, ([input.ndim - 1], [other.ndim - 1])), out)


def outer(input, vec2, *, out=None):
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return write_out(S.unsqueeze(input, 1) * S.unsqueeze(vec2, 0), out)


ger = outer


def _scaled_sum(input, prod, beta, alpha):
    """beta * input + alpha * prod, with input broadcast to prod's shape (one way, as
    torch's expand) and ignored entirely (NaN included) when beta is 0."""
    p = prod * alpha if alpha != 1 else prod
    base = S.expand(input, *prod.shape)
    if beta == 0:
        return p
    return (base * beta if beta != 1 else base) + p


@grad_name("AddmmBackward0")
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    return write_out(_scaled_sum(input, mm(mat1, mat2), beta, alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    return write_out(_scaled_sum(input, mv(mat, vec), beta, alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    return write_out(_scaled_sum(input, sum_(bmm(batch1, batch2), 0), beta, alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    return write_out(_scaled_sum(input, bmm(batch1, batch2), beta, alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    return write_out(_scaled_sum(input, outer(vec1, vec2), beta, alpha), out)


def _deprecated(message: str):
    warnings.warn(message, UserWarning, stacklevel=3)


def chain_matmul(*matrices, out=None):
    _deprecated("tjit.chain_matmul is deprecated and will be removed in a future release. Use tjit.linalg.multi_dot "
                "instead, which accepts a list of two or more tensors rather than multiple parameters.")
    return write_out(_chain(matrices), out)


def _chain(matrices) -> Tensor:
    r = matrices[0]
    for m in matrices[1:]:
        r = mm(r, m)
    return r


def _cross(input, other, dim: int) -> Tensor:
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.dtype != other.dtype:
        raise RuntimeError(f"expected scalar type {torch_name(input.dtype)} but found {torch_name(other.dtype)}")
    d = normalize_dim(dim, input.ndim, "cross")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    shape = broadcast_shapes(tuple(input.shape), tuple(other.shape))
    a0, a1, a2 = S.unbind(expand_to(input, shape), d)
    b0, b1, b2 = S.unbind(expand_to(other, shape), d)
    return S.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


def cross(input, other, dim=None, *, out=None):
    """torch.cross: without `dim`, the first dimension of size 3 (torch's deprecated default)."""
    if dim is None:
        _deprecated("Using tjit.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                    "explicitly or simply use tjit.linalg.cross.\nThe default value of dim will change to agree with "
                    "that of linalg.cross in a future release.")
        dim = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return write_out(_cross(input, other, dim), out)


def _tensordot_dims(a: Tensor, b: Tensor, dims) -> tuple:
    if isinstance(dims, Tensor):
        dims = dims.item() if dims.ndim == 0 else dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    da, db = dims
    for pos, d in ((3, da), (4, db)):
        if not isinstance(d, (list, tuple)):
            name = "dims_self" if pos == 3 else "dims_other"
            raise TypeError(f"tensordot(): argument '{name}' (position {pos}) must be tuple of ints, not "
                            f"{type(d).__name__}")
    return [normalize_dim(d, a.ndim, "tensordot") for d in da], [normalize_dim(d, b.ndim, "tensordot") for d in db]


def tensordot(a, b, dims=2, out=None):
    """Contract the listed dims: permute them together, reshape to one matrix product."""
    da, db = _tensordot_dims(a, b, dims)
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} "
                               f"and second has size {b.shape[j]} in dim {j}")
    fa = [i for i in range(a.ndim) if i not in da]
    fb = [i for i in range(b.ndim) if i not in db]
    k = math.prod(a.shape[i] for i in da)
    am = reshape(S.permute(a, *(fa + da)), (math.prod(a.shape[i] for i in fa), k))
    bm = reshape(S.permute(b, *(db + fb)), (k, math.prod(b.shape[i] for i in fb)))
    r = reshape(mm(am, bm), tuple(a.shape[i] for i in fa) + tuple(b.shape[i] for i in fb))
    return write_out(r, out)


def einsum(equation, *operands):
    from .einsum import einsum as _einsum
    return _einsum(equation, *operands)


# -- structured matrices -----------------------------------------------------------------
def trace(input):
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    _not_for_bool(input, "trace")
    return sum_(S.diagonal(input))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Each last-dim vector on a diagonal of a new matrix: elementwise (a mask over a padded
    view of the input), so it fuses; no scatter."""
    n = input.shape[-1] + abs(offset)
    lead = tuple(input.shape[:-1])
    widths = ((0, 0),) * (input.ndim - 1) + (((offset, 0) if offset >= 0 else (0, -offset)),)
    padded = apply(Op.PAD, [input], input.dtype, lead + (n,), (widths, 0)) if offset else input
    shape = lead + (n, n)
    rows, cols = apply(Op.IOTA, [], dt.int64, shape, len(lead)), apply(Op.IOTA, [], dt.int64, shape, len(lead) + 1)
    out = where(cols - rows == offset, expand_to(S.unsqueeze(padded, -2), shape), const(0, input.dtype))
    d1, d2 = normalize_dim(dim1, input.ndim + 1, "diag_embed"), normalize_dim(dim2, input.ndim + 1, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return S.movedim(out, (-2, -1), (d1, d2)) if (d1, d2) != (input.ndim - 1, input.ndim) else out


def diag(input, diagonal=0, *, out=None):
    if input.ndim == 1:
        return write_out(diag_embed(input, diagonal), out)
    if input.ndim == 2:
        return write_out(alias(S.contiguous(S.diagonal(input, diagonal))), out)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def matrix_power(input, n):
    _lapack_shape(input, "linalg.matrix_power")
    if n == 0:
        from .creation import eye
        return alias(expand_to(eye(input.shape[-1], dtype=input.dtype), tuple(input.shape)))
    if n < 0:
        input, n = inverse(input), -n
    result, base = None, input
    while n:  # binary powering: O(log n) products
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return alias(result)


# -- LAPACK family (EXTERN) --------------------------------------------------------------
def _lapack_shape(x: Tensor, op: str, square: bool = True):
    if x.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if square and x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {x.shape[-2]} by "
                           f"{x.shape[-1]} matrices")


def _lapack_input(x: Tensor, op: str, square: bool = True, kernel: str | None = None,
                  ints_unimplemented: bool = False) -> Tensor:
    """torch's checks for LAPACK routines: float32/float64 matrices (or batches).  Where
    torch's CPU `kernel` has no half (or, with ints_unimplemented, integer) version, it
    raises NotImplementedError naming that kernel."""
    _lapack_shape(x, op, square)
    if x.dtype.kind == "f" and x.dtype.itemsize >= 4:
        return x
    if kernel and (x.dtype.kind == "f" or ints_unimplemented):
        raise unsupported(kernel, x.dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {torch_name(x.dtype)}")
    raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {torch_name(x.dtype)}")


def _batch_prefix(a: np.ndarray, k: int) -> str:
    return f"(Batch element {k}): " if a.ndim > 2 else ""


def _getrf(m: np.ndarray):
    """LAPACK getrf (partial pivoting) of one (rows, cols) matrix: (packed L\\U, 1-based row
    swaps, info = the first zero pivot, 1-based, or 0).  numpy does not expose it."""
    a = np.array(m, dtype=m.dtype)
    pivots = np.zeros(min(a.shape), np.int32)
    info = 0
    for j in range(len(pivots)):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        pivots[j] = p + 1
        a[[j, p]] = a[[p, j]]
        if a[j, j] == 0:
            info = info or j + 1
            continue
        a[j + 1:, j] /= a[j, j]
        a[j + 1:, j + 1:] -= np.outer(a[j + 1:, j], a[j, j + 1:])
    return a, pivots, info


def _singular(op: str, a: np.ndarray, detail):
    """Raise the LinAlgError torch raises for the first singular matrix of a batch;
    `detail(info)` words it."""
    for k, m in enumerate(a.reshape((-1,) + a.shape[-2:])):
        info = _getrf(m)[2]
        if info:
            raise LinAlgError(f"{op}: {_batch_prefix(a, k)}{detail(info)}")
    raise LinAlgError(f"{op}: The input matrix is singular.")


def _np_inv(a):
    try:
        return (np.linalg.inv(a),)
    except np.linalg.LinAlgError:
        _singular("linalg.inv", a, lambda info: f"The diagonal element {info} is zero, the inversion could not be "
                                                "completed because the input matrix is singular.")


def inverse(input, *, out=None):
    x = _lapack_input(input, "linalg.inv")
    (r,) = extern("inv", (), _np_inv, [x], [(x.dtype, tuple(x.shape))])
    return write_out(r, out)


def det(input):
    x = _lapack_input(input, "linalg.det", kernel="lu_cpu")
    (r,) = extern("det", (), lambda a: (np.linalg.det(a),), [x], [(x.dtype, tuple(x.shape[:-2]))])
    return r


def _slogdet(input, op: str):
    x = _lapack_input(input, op)
    shape = tuple(x.shape[:-2])
    return extern("slogdet", (), lambda a: tuple(np.linalg.slogdet(a)), [x], [(x.dtype, shape), (x.dtype, shape)])


def slogdet(input):
    return _return_type("slogdet", ("sign", "logabsdet"))(*_slogdet(input, "linalg.slogdet"))


def logdet(input):
    sign, logabs = _slogdet(input, "linalg.slogdet")
    return where(sign < 0, float("nan"), logabs)


def _np_solve(a, b):
    try:
        return (np.linalg.solve(a, b),)
    except np.linalg.LinAlgError:
        _singular("torch.linalg.solve", a, lambda info: "The solver failed because the input matrix is singular.")


def _solve(A, B) -> Tensor:
    """torch.linalg.solve(A, B): B is a (batch of) vector(s) when it has one dim less than A
    (or is 1-D); batch dims broadcast."""
    A = _lapack_input(A, "linalg.solve", kernel="lu_cpu")
    if A.dtype != B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{torch_name(A.dtype)} and B of type {torch_name(B.dtype)} instead")
    vector = B.ndim == 1 or B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1])
    X = _solve_matrices(A, S.unsqueeze(B, -1) if vector else B)
    return S.squeeze(X, -1) if vector else X


def _solve_matrices(A, B) -> Tensor:
    """X with AX = B for (batches of) matrices B; batch dims broadcast."""
    if B.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    batch = broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    A = expand_to(A, batch + tuple(A.shape[-2:]))
    B = expand_to(B, batch + tuple(B.shape[-2:]))
    (X,) = extern("solve", (), _np_solve, [A, B], [(A.dtype, tuple(B.shape))])
    return X


def solve(input, A):
    """The removed torch.solve(B, A) -> (solution, LU): X with AX = B, and A's packed LU
    factorization (getrf layout, as linalg.lu_factor's, and differentiable like it);
    tjit.linalg.solve(A, B) is the modern form."""
    _lapack_input(A, "solve", kernel="lu_cpu")
    return _return_type("solve", ("solution", "LU"))(_solve_matrices(A, input), _lu(A, "solve")[0])


def _permutation(pivots: np.ndarray, rows: int, dtype) -> np.ndarray:
    """P with A = P L U from getrf's 1-based row swaps."""
    order = np.arange(rows)
    for j, p in enumerate(pivots - 1):
        order[[j, p]] = order[[p, j]]
    return np.eye(rows, dtype=dtype)[order].T


def _np_lu(check: str | None):
    """getrf of each matrix of a batch: (LU, pivots, P, info); a zero pivot raises, naming
    the op `check`, where one is given (torch.linalg.lu_factor's check)."""
    def fn(a):
        batch, (m, n) = a.shape[:-2], a.shape[-2:]
        lu, pivots = np.empty_like(a), np.empty(batch + (min(m, n),), np.int32)
        perm, info = np.empty(batch + (m, m), a.dtype), np.empty(batch, np.int32)
        for k, idx in enumerate(np.ndindex(batch)):
            lu[idx], pivots[idx], info[idx] = _getrf(a[idx])
            perm[idx] = _permutation(pivots[idx], m, a.dtype)
            if check and info[idx]:
                raise RuntimeError(f"{check}: {_batch_prefix(a, k)}U[{info[idx]},{info[idx]}] is zero and using it "
                                   "on lu_solve would result in a division by zero. If you still want to perform the "
                                   "factorization, consider calling linalg.lu(A, pivot) or "
                                   "linalg.lu_factor_ex(A, pivot)")
        return lu, pivots, perm, info
    return fn


def _lu(input, op: str, pivot: bool = True, check: str | None = None):
    """LU factorization with partial pivoting, A = P L U: (LU packed as getrf's, 1-based int32
    pivots, P, int32 info).  Only LU is differentiable (P and the pivots are piecewise
    constant).  `op` names the function in shape errors."""
    if input.ndim < 2:
        raise RuntimeError(f"{op}: Expected tensor with 2 or more dimensions. Got size: {list(input.shape)} instead")
    x = _lapack_input(input, op, square=False, kernel="lu_cpu", ints_unimplemented=True)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    *batch, m, n = x.shape
    batch = tuple(batch)
    return extern("lu", (check,), _np_lu(check), [x],
                  [(x.dtype, tuple(x.shape)), (dt.int32, batch + (min(m, n),)), (x.dtype, batch + (m, m)),
                   (dt.int32, batch)])


def _np_eig_pairs(eigenvectors: bool):
    """Old torch.eig layout: eigenvalues as (n, 2) [real, imag] rows; real eigenvectors, a
    complex pair (j, j+1) stored as the real and imaginary parts of vector j."""
    def fn(a):
        w, v = np.linalg.eig(a)
        pairs = np.stack([w.real, w.imag], -1)
        vecs = v.real.copy()
        j = 0
        while j < len(w):
            if w.imag[j] > 0:
                vecs[:, j + 1] = v[:, j].imag
                j += 1
            j += 1
        return pairs, vecs if eigenvectors else np.zeros(0, a.dtype)
    return fn


def eig(input, eigenvectors=False):
    """The removed torch.eig(A, eigenvectors=False) -> (e, v): e is n x 2 (real, imag), v
    the real eigenvector matrix (empty unless asked)."""
    x = _lapack_input(input, "eig")
    if x.ndim != 2:
        raise RuntimeError(f"eig: A must be a 2D tensor, got {x.ndim}D")
    n = x.shape[-1]
    e, v = extern("eig", (bool(eigenvectors),), _np_eig_pairs(eigenvectors), [x],
                  [(x.dtype, (n, 2)), (x.dtype, (n, n) if eigenvectors else (0,))])
    return _return_type("eig", ("eigenvalues", "eigenvectors"))(e, v)


def _np_real_eig(a):
    w, v = np.linalg.eig(a)
    if np.any(w.imag != 0):
        raise RuntimeError("linalg.eig: the matrix has complex eigenvalues and tjit has no complex dtype; "
                           "tjit.eig(A, eigenvectors=True) gives them as (real, imag) pairs")
    return w.real, v.real


def _eig_real(input):
    """torch.linalg.eig for matrices with a real spectrum (real tensors: no complex dtype)."""
    x = _lapack_input(input, "linalg.eig", kernel="linalg_eig_out_cpu")
    return extern("linalg_eig", (), _np_real_eig, [x], [(x.dtype, tuple(x.shape[:-1])), (x.dtype, tuple(x.shape))])


def _eigh(input, UPLO="L"):
    x = _lapack_input(input, "linalg.eigh", kernel="linalg_eigh_cpu", ints_unimplemented=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return extern("eigh", (UPLO,), lambda a: tuple(np.linalg.eigh(a, UPLO=UPLO)), [x],
                  [(x.dtype, tuple(x.shape[:-1])), (x.dtype, tuple(x.shape))])


def _svd(input, full_matrices=True):
    """(U, S, Vh) by LAPACK gesdd, as torch and numpy both use."""
    x = _lapack_input(input, "linalg.svd", square=False, kernel="linalg_svd_cpu")
    m, n = x.shape[-2:]
    k, batch = min(m, n), tuple(x.shape[:-2])
    ushape = batch + ((m, m) if full_matrices else (m, k))
    vshape = batch + ((n, n) if full_matrices else (k, n))
    return extern("svd", (bool(full_matrices),), lambda a: tuple(np.linalg.svd(a, full_matrices=full_matrices)),
                  [x], [(x.dtype, ushape), (x.dtype, batch + (k,)), (x.dtype, vshape)])


def _svdvals(input):
    x = _lapack_input(input, "linalg.svd", square=False, kernel="linalg_svd_cpu")
    (s,) = extern("svdvals", (), lambda a: (np.linalg.svd(a, compute_uv=False),), [x],
                  [(x.dtype, tuple(x.shape[:-2]) + (min(x.shape[-2:]),))])
    return s


def svd(input, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with V (not Vh); `some` gives the reduced factors; without
    compute_uv, U and V are zero-filled, as torch."""
    if not compute_uv:
        from .creation import zeros
        m, n, batch = input.shape[-2], input.shape[-1], tuple(input.shape[:-2])
        s = _svdvals(input)
        return _return_type("svd", ("U", "S", "V"))(zeros(batch + (m, m), dtype=s.dtype), s,
                                                     zeros(batch + (n, n), dtype=s.dtype))
    u, s, vh = _svd(input, full_matrices=not some)
    return _return_type("svd", ("U", "S", "V"))(u, s, alias(S.contiguous(S.transpose(vh, -2, -1))))


def _qr(input, mode="reduced"):
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    x = _lapack_input(input, "linalg.qr", square=False, kernel="geqrf_cpu")
    m, n = x.shape[-2:]
    k, batch = min(m, n), tuple(x.shape[:-2])
    qs = (0,) if mode == "r" else batch + ((m, m) if mode == "complete" else (m, k))
    rs = batch + ((m, n) if mode == "complete" else (k, n))

    def fn(a):
        if mode == "r":
            return np.zeros(0, a.dtype), np.linalg.qr(a, mode="r")
        return tuple(np.linalg.qr(a, mode=mode))
    return extern("qr", (mode,), fn, [x], [(x.dtype, qs), (x.dtype, rs)])


def qr(input, some=True):
    _deprecated("tjit.qr is deprecated in favor of tjit.linalg.qr and will be removed in a future release.\nThe "
                "boolean parameter 'some' has been replaced with a string parameter 'mode'.")
    return _return_type("qr", ("Q", "R"))(*_qr(input, "reduced" if some else "complete"))


def _np_cholesky(op: str, upper: bool):
    def fn(a):
        try:
            low = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            _not_positive_definite(op, a)
        return (np.swapaxes(low, -1, -2) if upper else low,)
    return fn


def _not_positive_definite(op: str, a: np.ndarray):
    """LinAlgError naming the first failing leading minor (potrf's info)."""
    mats = a.reshape((-1,) + a.shape[-2:])
    for k, m in enumerate(mats):
        low = np.zeros_like(m)
        for j in range(m.shape[0]):
            d = m[j, j] - low[j, :j] @ low[j, :j]
            if not d > 0:
                raise LinAlgError(f"{op}: {_batch_prefix(a, k)}The factorization could not be completed because the "
                                  f"input is not positive-definite (the leading minor of order {j + 1} is not "
                                  "positive-definite).")
            low[j, j] = np.sqrt(d)
            low[j + 1:, j] = (m[j + 1:, j] - low[j + 1:, :j] @ low[j, :j]) / low[j, j]
    raise LinAlgError(f"{op}: The factorization could not be completed because the input is not positive-definite.")


def _cholesky(input, upper=False, op="linalg.cholesky"):
    x = _lapack_input(input, op, kernel="cholesky_cpu")
    (r,) = extern("cholesky", (bool(upper), op), _np_cholesky(op, upper), [x], [(x.dtype, tuple(x.shape))])
    return r


def cholesky(input, upper=False, *, out=None):
    _deprecated("tjit.cholesky is deprecated in favor of tjit.linalg.cholesky and will be removed in a future "
                "release.\nU = tjit.cholesky(A, upper=True) should be replaced with U = tjit.linalg.cholesky(A).mH")
    _lapack_input(input, "cholesky", kernel="cholesky_cpu", ints_unimplemented=True)
    return write_out(_cholesky(input, upper, "cholesky"), out)


def _rtol(x: Tensor, atol, rtol) -> float:
    """torch's relative tolerance for pinv / matrix_rank: eps * max(m, n) when neither
    tolerance is given, 0 when only atol is."""
    if rtol is not None:
        return rtol
    return 0.0 if atol else float(np.finfo(x.dtype.np).eps * max(x.shape[-2:]))


def _np_pinv(atol: float, rtol: float):
    """Pseudo-inverse by SVD, dropping singular values below max(atol, rtol * largest)."""
    def fn(a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        keep = s > np.maximum(atol, rtol * s.max(-1, keepdims=True, initial=0.0))
        inv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(a.dtype)
        return (np.swapaxes(vh, -1, -2) * inv[..., None, :] @ np.swapaxes(u, -1, -2),)
    return fn


def _pinv(input, atol=None, rtol=None):
    if input.ndim < 2 or input.dtype not in (dt.float32, dt.float64):
        raise RuntimeError(f"linalg.pinv({torch_name(input.dtype)}{list(input.shape)}): expected a tensor with 2 or "
                           "more dimensions of float, double, cfloat or cdouble types")
    shape = tuple(input.shape[:-2]) + (input.shape[-1], input.shape[-2])
    r = _rtol(input, atol, rtol)
    (out,) = extern("pinv", (atol or 0.0, r), _np_pinv(atol or 0.0, r), [input], [(input.dtype, shape)])
    return out


def _matrix_rank(A, atol=None, rtol=None, hermitian=False) -> Tensor:
    """The number of singular values above max(atol, rtol * largest): tensor ops on the
    EXTERN singular values (eigenvalue magnitudes when hermitian)."""
    s = abs(_eigh(A)[0]) if hermitian else _svdvals(A)
    relative = reduce(s, ReduceOp.MAX, (s.ndim - 1,), True) * _rtol(A, atol, rtol)
    return sum_(s > where(relative > (atol or 0.0), relative, float(atol or 0.0)), -1)


def pinverse(input, rcond=1e-15):
    return _pinv(input, rtol=rcond)


def _matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None) -> Tensor:
    """torch.linalg.matrix_norm: 'fro', 'nuc', +-1 / +-inf (max/min absolute column / row
    sums) and +-2 (largest / smallest singular value) over the two dims in `dim`."""
    x = A.to(dtype) if dtype is not None else A
    _lapack_shape(x, "linalg.matrix_norm", square=False)
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{torch_name(x.dtype)}")
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dims)}")
    if ord not in ("fro", "nuc", 1, -1, 2, -2, INF, -INF):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord == "fro":
        return _vector_norm(x, 2, dims, keepdim)
    r, c = (normalize_dim(d, x.ndim, "linalg.matrix_norm") for d in dims)
    if ord in ("nuc", 2, -2):
        _lapack_input(x, "linalg.matrix_norm", square=False)
        s = _svdvals(S.movedim(x, (r, c), (-2, -1)))
        v = sum_(s, -1) if ord == "nuc" else reduce(s, ReduceOp.MAX if ord == 2 else ReduceOp.MIN, (s.ndim - 1,))
        if keepdim:
            for d in sorted((r, c)):
                v = S.unsqueeze(v, d)
        return v
    along, across = (r, c) if abs(ord) == 1 else (c, r)
    sums = reduce(abs(x), ReduceOp.SUM, (along,), True)
    v = reduce(sums, ReduceOp.MAX if ord > 0 else ReduceOp.MIN, (across,), True)
    return v if keepdim else _drop_axes(v, (r, c))
