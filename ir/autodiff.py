"""Gradient rules: one per differentiable primitive, written in primitives.

`rules_for(op, arg, n)` gives one entry per input of the op: a function
`(F, c, g) -> gradient of that input`, or None where the input is not differentiable.
`g` is the gradient of the op's output.  `c` is the recorded op: `c.arg`; its inputs `c.x`,
`c.y`, `c.src(i)` (tensors) with their shapes and dtypes `c.shape(i)`, `c.dtype(i)`; its
output `c.out`; for EXTERN the other outputs of the same call (`c.sibling(k, dtype, shape)`).
`F` is the frontend's tensor namespace (this package never imports tjit); Python operators
work on its tensors and broadcast like torch.

A gradient is itself a graph of primitives, so the backward pass is scheduled and fused like
the forward pass, and it differentiates again (create_graph=True) with these same rules.
The engine calls an input's rule only when that gradient is needed, so a rule reads (and
version-checks) only the saved tensors its formula uses, as torch's derivatives do.
"""
from __future__ import annotations

import math

from .dtype import int64
from .ops import Op, ReduceOp

SUM, PROD, MAX, MIN = ReduceOp.SUM, ReduceOp.PROD, ReduceOp.MAX, ReduceOp.MIN


class NotDifferentiable(RuntimeError):
    """Raised by a rule whose op has no derivative (torch's message)."""


def _not_implemented(name: str):
    def rule(F, c, g):
        raise NotDifferentiable(f"derivative for {name} is not implemented")
    return rule


def _zero(F, c, g):
    """Piecewise-constant ops (floor, round, ...): the gradient is zero almost everywhere."""
    return F.zeros(g.shape, g.dtype)


# -- elementwise -------------------------------------------------------------------------
def _maximum_grad(first: bool, keep):
    """out = maximum(x, y) (keep = '>') or minimum (keep = '<'): the loser gets nothing, a
    tie splits g evenly, otherwise (the winner, or NaN) g passes (torch's rule)."""
    def rule(F, c, g):
        a, b = (c.x, c.y) if first else (c.y, c.x)
        return F.where(a == b, g * 0.5, F.where(keep(b, a), 0.0, g))
    return rule


def _pow_base(F, c, g):
    # out = x ** y: dx = g * y * x ** (y - 1), and 0 where y == 0
    x, y = c.x, c.y
    return F.where(y == 0, 0.0, g * y * x ** (y - 1))


def _pow_exponent(F, c, g):
    # out = x ** y: dy = g * out * log(x), and 0 where x == 0 and y >= 0
    x, y = c.x, c.y
    return g * F.where((x == 0) & (y >= 0), 0.0, c.out * F.log(x))


def _atan2_grad(first: bool):
    # out = atan2(a, b): da = g * b / (a^2 + b^2), db = -g * a / (a^2 + b^2)
    def rule(F, c, g):
        a, b = c.x, c.y
        denom = a * a + b * b
        return g * b / denom if first else -g * a / denom
    return rule


# -- reductions --------------------------------------------------------------------------
def _reduce_grad(F, c, g):
    rop, axes = c.arg
    x = c.shape(0)
    if rop is SUM:  # out = sum(x): dx = g broadcast back
        return F.expand(g, x)
    if rop is PROD:
        return F.expand(g, x) * _prod_others(F, c.x, axes)
    # out = max(x): g split evenly among the elements equal to the extreme (NaN counts)
    xv, out = c.x, c.out
    hit = (xv == out) | ((xv != xv) & (out != out))
    count = F.sum(F.cast(hit, g.dtype), axes)
    return F.where(hit, F.expand(g / count, x), 0.0)


def _prod_others(F, x, axes):
    """prod_{j != i} x_j over `axes`, exact when x holds zeros (no division by zero)."""
    zero = x == 0
    x1 = F.where(zero, 1.0, x)                        # zeros replaced by 1
    p1 = F.reduce(x1, PROD, axes)                     # product of the non-zero elements
    nz = F.sum(F.cast(zero, x.dtype), axes)           # zeros per group
    return F.where(zero, F.where(nz == 1, p1, 0.0), F.where(nz == 0, p1 / x1, 0.0))


def _scan_grad(F, c, g):
    rop, axis = c.arg
    if rop is SUM:  # out_j = sum_{k<=j} x_k: dx_i = sum_{j>=i} g_j
        return _reverse_cumsum(F, g, axis)
    if rop is PROD:
        return _cumprod_grad(F, c, g, axis)
    # out_j = max_{k<=j} x_k: g_j goes to the (last) position that attains out_j
    x = c.x
    hit = (x == c.out) | (x != x)
    idx = F.scan(F.where(hit, F.iota(x.shape, axis), -1), MAX, axis)
    return F.scatter(F.zeros(x.shape, g.dtype), axis, idx, g, SUM)


def _reverse_cumsum(F, v, axis):
    return F.flip(F.scan(F.flip(v, (axis,)), SUM, axis), (axis,))


def _cumprod_grad(F, c, g, axis):
    """out_j = prod_{k<=j} x_k: dx_i = sum_{j>=i} g_j * prod_{k<=j, k!=i} x_k.  Before the
    first zero of a row this is revcumsum(g * out) / x_i; at the first zero it is
    revcumsum(g * cumprod(x with that zero as 1)); after it, 0.  No division by zero."""
    x, out = c.x, c.out
    zero = x == 0
    seen = F.scan(F.cast(zero, x.dtype), SUM, axis)   # zeros up to and including k
    before = seen == 0
    first = zero & (seen == 1)
    plain = _reverse_cumsum(F, g * out, axis) / F.where(before, x, 1.0)
    skip_zero = F.scan(F.where(first, 1.0, x), PROD, axis)
    at_zero = _reverse_cumsum(F, g * skip_zero, axis)
    return F.where(before, plain, F.where(first, at_zero, 0.0))


# -- movement ----------------------------------------------------------------------------
def _expand_grad(F, c, g):
    # out = expand(x): dx = g summed over the broadcast axes
    axes = tuple(a for a, (s, o) in enumerate(zip(c.shape(0), g.shape)) if s != o)
    return F.sum(g, axes) if axes else g


def _permute_grad(F, c, g):
    # out = permute(x, p): dx = permute(g, p^-1)
    inv = [0] * len(c.arg)
    for i, p in enumerate(c.arg):
        inv[p] = i
    return F.permute(g, tuple(inv))


def _pad_grad(F, c, g):
    # out = pad(x): dx = the unpadded window of g
    widths, _ = c.arg
    return F.shrink(g, tuple((b, b + n) for (b, _), n in zip(widths, c.shape(0))))


def _shrink_grad(F, c, g):
    # out = x[a:b]: dx = g padded with zeros back to x's shape
    return F.pad(g, tuple((a, n - b) for (a, b), n in zip(c.arg, c.shape(0))))


def _as_strided_grad(F, c, g):
    # out[i] = flat(x)[offset + i . strides]: dx = scatter-add of g at those positions
    shape, strides, offset = c.arg
    src = c.shape(0)
    numel, m = math.prod(src), math.prod(shape)
    pos = F.full(shape, offset, int64)
    for a, st in enumerate(strides):
        if shape[a] > 1 and st:
            pos = pos + F.iota(shape, a) * st
    flat = F.scatter(F.zeros((numel,), g.dtype), 0, F.reshape(pos, (m,)), F.reshape(g, (m,)), SUM)
    return F.reshape(flat, src)


# -- structured ops ----------------------------------------------------------------------
def _gather_grad(F, c, g):
    # out[i] = x[i with i[axis] := index[i]]: dx = scatter-add of g at index
    return F.scatter(F.zeros(c.shape(0), g.dtype), c.arg, c.y, g, SUM)


def _scatter_base_grad(F, c, g):
    """out = base with src scattered in at index: d base."""
    axis, rop = c.arg
    if rop is None:  # overwritten positions get nothing
        return F.scatter(g, axis, c.y, F.zeros(c.shape(2), g.dtype), None)
    if rop is SUM:
        return g
    if rop is PROD:  # g * prod(everything else that landed there), zeros in base handled
        base1 = F.where(c.x == 0, 1.0, c.x)
        return g * F.scatter(base1, axis, c.y, c.src(2), PROD) / base1
    base, out = c.x, c.out
    return F.cast(base == out, g.dtype) * _scatter_extreme_share(F, c, g)


def _scatter_src_grad(F, c, g):
    """out = base with src scattered in at index: d src."""
    axis, rop = c.arg
    if rop in (None, SUM):  # each src element's own destination
        return F.gather(g, axis, c.y)
    if rop is PROD:
        return _scatter_prod_src_grad(F, c, g)
    index = c.y
    value = F.gather(c.out, axis, index)
    return F.cast(c.src(2) == value, g.dtype) * F.gather(_scatter_extreme_share(F, c, g), axis, index)


def _scatter_extreme_share(F, c, g):
    """scatter amax/amin: g divided by the number of contributions equal to the result."""
    axis, _ = c.arg
    base, index, src, out = c.x, c.y, c.src(2), c.out
    base_hits = F.cast(base == out, g.dtype)
    src_hits = F.cast(src == F.gather(out, axis, index), g.dtype)
    return g / F.scatter(base_hits, axis, index, src_hits, SUM)


def _scatter_prod_src_grad(F, c, g):
    """scatter prod, d src (torch's formula): g * result / src, where a src zero that is
    alone in its destination gets the product of the other contributions."""
    axis, _ = c.arg
    base, index, src, out = c.x, c.y, c.src(2), c.out
    src_zero = src == 0
    zeros_at = F.scatter(F.zeros(c.shape(0), g.dtype), axis, index, F.cast(src_zero, g.dtype), SUM)
    single = src_zero & (F.gather(zeros_at, axis, index) == 1)
    without = F.scatter(base, axis, index, F.where(single, 1.0, src), PROD)
    return F.where(single, F.gather(g * without, axis, index),
                   F.gather(g * out, axis, index) / F.where(src_zero, 1.0, src))


def _mT(F, t):
    n = len(t.shape)
    return F.permute(t, tuple(range(n - 2)) + (n - 1, n - 2))


# -- EXTERN: library routines, keyed by the call's name ----------------------------------
def _by_index(F, c, g):
    """sort / median / mode values: each value's gradient goes to the input element it was
    taken from (the call's index output)."""
    if c.arg[1] != 0:
        return None
    axis = c.arg[0].params[0]
    idx = c.sibling(1, int64)
    if len(g.shape) < len(c.shape(0)):  # the call reduced `axis` away
        keep = tuple(g.shape[:axis]) + (1,) + tuple(g.shape[axis:])
        g, idx = F.reshape(g, keep), F.reshape(idx, keep)
    return F.scatter(F.zeros(c.shape(0), g.dtype), axis, idx, g, SUM)


def _inverse_grad(F, c, g):
    # out = A^-1: dA = -A^-T g A^-T
    inv_t = _mT(F, c.out)
    return -F.contract(F.contract(inv_t, g), inv_t)


def _det_grad(F, c, g):
    # out = det(A): dA = g * det(A) * A^-T
    scale = F.reshape(g * c.out, tuple(g.shape) + (1, 1))
    return scale * _mT(F, F.inverse(c.x))


def _slogdet_grad(F, c, g):
    # (sign, log|det A|): d log|det A| / dA = A^-T; the sign is piecewise constant
    if c.arg[1] == 0:
        return F.zeros(c.shape(0), g.dtype)
    return F.reshape(g, tuple(g.shape) + (1, 1)) * _mT(F, F.inverse(c.x))


def _solve_a_grad(F, c, g):
    # X = A^-1 B: dA = -dB X^T with dB = A^-T g
    return -F.contract(_solve_b_grad(F, c, g), _mT(F, c.out))


def _solve_b_grad(F, c, g):
    # X = A^-1 B: dB = A^-T g
    return F.solve(_mT(F, c.x), g)


def _tril(F, x, k: int = 0):
    """Lower triangle of the last two axes (on and below diagonal k)."""
    n, m = x.shape[-2:]
    return F.where(F.iota((n, m), 1) - F.iota((n, m), 0) <= k, x, 0.0)


def _eye(F, n: int, dtype):
    return F.cast(F.iota((n, n), 0) == F.iota((n, n), 1), dtype)


def _col(F, v):
    return F.reshape(v, tuple(v.shape) + (1,))


def _row(F, v):
    return F.reshape(v, tuple(v.shape[:-1]) + (1, v.shape[-1]))


def _cholesky_grad(F, c, g):
    # A = L L^T: dA = L^-T Phi(L^T dL) L^-1, Phi = the lower triangle, mirrored, diagonal halved
    upper = c.arg[0].params[0]
    low, gl = (_mT(F, c.out), _mT(F, g)) if upper else (c.out, g)
    t = _tril(F, F.contract(_mT(F, low), gl))
    phi = (t + _mT(F, _tril(F, t, -1))) * 0.5
    inv = F.inverse(low)
    return F.contract(F.contract(_mT(F, inv), phi), inv)


def _eigh_grad(F, c, g):
    """A = V diag(L) V^T.  dA = V diag(gL) V^T from the eigenvalues; from the vectors
    V (skew(V^T gV) / 2 / E) V^T with E_ij = L_j - L_i (1 on the diagonal)."""
    k = c.arg[1]
    vecs = c.out if k == 1 else c.sibling(1, c.dtype(0), c.shape(0))
    if k == 0:
        return F.contract(vecs, _col(F, g) * _mT(F, vecs))
    vals = c.sibling(0, c.dtype(0), c.shape(0)[:-1])
    x = F.contract(_mT(F, vecs), g)
    e = _row(F, vals) - _col(F, vals) + _eye(F, vals.shape[-1], vals.dtype)
    inner = (x - _mT(F, x)) * 0.5 / e
    return F.contract(F.contract(vecs, inner), _mT(F, vecs))


def _svd_factors(F, c):
    """U (m, k), S (k), Vh (k, n) of this call, the full factors cut to k = min(m, n)."""
    full = c.arg[0].params[0]
    *batch, m, n = c.shape(0)
    batch, k, d = tuple(batch), min(m, n), c.dtype(0)
    u = c.sibling(0, d, batch + ((m, m) if full else (m, k)))
    vh = c.sibling(2, d, batch + ((n, n) if full else (k, n)))
    return _cut(F, u, (m, k)), c.sibling(1, d, batch + (k,)), _cut(F, vh, (k, n))


def _cut(F, t, last2):
    """The leading block of the last two axes."""
    keep = tuple((0, s) for s in t.shape[:-2]) + tuple((0, s) for s in last2)
    return F.shrink(t, keep)


def _svd_grad(F, c, g):
    """torch's svd_backward, one factor at a time (it is linear in gU, gS, gVh)."""
    out = c.arg[1]
    u, sv, vh = _svd_factors(F, c)
    m, n = c.shape(0)[-2:]
    k = min(m, n)
    if out == 1:  # dA = U diag(gS) Vh
        return F.contract(u, _col(F, g) * vh)
    s2 = sv * sv
    e = _row(F, s2) - _col(F, s2) + _eye(F, k, sv.dtype)
    if out == 0:  # gU
        gu = _cut(F, g, (m, k))
        x = F.contract(_mT(F, u), gu)
        inner = (x - _mT(F, x)) * _row(F, sv) / e
        ga = F.contract(u, inner)
        if m > k:  # (I - U U^T) gU S^-1
            gus = gu / _row(F, sv)
            ga = ga + gus - F.contract(u, F.contract(_mT(F, u), gus))
        return F.contract(ga, vh)
    gvh = _cut(F, g, (k, n))
    x = F.contract(vh, _mT(F, gvh))
    inner = _col(F, sv) * (x - _mT(F, x)) / e
    ga = F.contract(inner, vh)
    if n > k:  # S^-1 gVh (I - V V^T)
        sgv = gvh / _col(F, sv)
        ga = ga + sgv - F.contract(F.contract(sgv, _mT(F, vh)), vh)
    return F.contract(u, ga)


def _svdvals_grad(F, c, g):
    # S = svdvals(A): dA = U diag(gS) Vh
    u, _, vh = F.svd(c.x)
    return F.contract(u, _col(F, g) * vh)


def _pinv_grad(F, c, g):
    """torch's pinv_backward."""
    a, p = c.x, c.out
    m, n = a.shape[-2:]
    ph, gh = _mT(F, p), _mT(F, g)
    mm = F.contract
    if m <= n:
        k = mm(gh, p)
        kph = mm(k, ph)
        return -_mT(F, mm(p, k)) + kph - mm(mm(a, p), kph) + mm(mm(ph, p), gh - mm(k, a))
    k = mm(p, gh)
    phk = mm(ph, k)
    return -_mT(F, mm(k, p)) + mm(mm(gh - mm(a, k), p), ph) + phk - mm(mm(phk, p), a)


# qr, eig, linalg_eig and lu register theirs from tjit/ops/linalg_grad.py
EXTERN_RULES = {
    "sort": (_by_index,),
    "median": (_by_index,),
    "nanmedian": (_by_index,),
    "mode": (_by_index,),
    "inv": (_inverse_grad,),
    "det": (_det_grad,),
    "slogdet": (_slogdet_grad,),
    "solve": (_solve_a_grad, _solve_b_grad),
    "cholesky": (_cholesky_grad,),
    "eigh": (_eigh_grad,),
    "svd": (_svd_grad,),
    "svdvals": (_svdvals_grad,),
    "pinv": (_pinv_grad,),
}


def _lt(a, b):
    return a < b


def _gt(a, b):
    return a > b


# -- the table ---------------------------------------------------------------------------
RULES = {
    Op.NEG: (lambda F, c, g: -g,),                                          # d(-x) = -g
    Op.RECIP: (lambda F, c, g: -g * c.out * c.out,),                        # d(1/x) = -g / x^2
    Op.SQRT: (lambda F, c, g: g / (c.out * 2.0),),                          # d sqrt(x) = g / (2 sqrt x)
    Op.RSQRT: (lambda F, c, g: g * c.out * c.out * c.out * -0.5,),          # d x^-1/2 = -g x^-3/2 / 2
    Op.EXP: (lambda F, c, g: g * c.out,),                                   # d exp(x) = g exp(x)
    Op.EXPM1: (lambda F, c, g: g * (c.out + 1.0),),                         # d expm1(x) = g exp(x)
    Op.LOG: (lambda F, c, g: g / c.x,),                                     # d log(x) = g / x
    Op.LOG1P: (lambda F, c, g: g / (c.x + 1.0),),                           # d log1p(x) = g / (1 + x)
    Op.SIN: (lambda F, c, g: g * F.cos(c.x),),                              # d sin(x) = g cos(x)
    Op.COS: (lambda F, c, g: g * -F.sin(c.x),),                             # d cos(x) = -g sin(x)
    Op.TAN: (lambda F, c, g: g * (c.out * c.out + 1.0),),                   # d tan(x) = g (1 + tan^2 x)
    Op.TANH: (lambda F, c, g: g * (1.0 - c.out * c.out),),                  # d tanh(x) = g (1 - tanh^2 x)
    Op.ASIN: (lambda F, c, g: g * F.rsqrt(1.0 - c.x * c.x),),               # d asin(x) = g / sqrt(1 - x^2)
    Op.ACOS: (lambda F, c, g: -g * F.rsqrt(1.0 - c.x * c.x),),              # d acos(x) = -g / sqrt(1 - x^2)
    Op.ATAN: (lambda F, c, g: g / (c.x * c.x + 1.0),),                      # d atan(x) = g / (1 + x^2)
    Op.ERF: (lambda F, c, g: g * F.exp(-(c.x * c.x)) * (2.0 / math.sqrt(math.pi)),),  # 2/sqrt(pi) e^-x^2
    Op.SIGMOID: (lambda F, c, g: g * c.out * (1.0 - c.out),),               # d s(x) = g s (1 - s)
    Op.ABS: (lambda F, c, g: g * F.sign(c.x),),                             # d |x| = g sign(x)
    Op.FLOOR: (_zero,), Op.CEIL: (_zero,), Op.TRUNC: (_zero,), Op.ROUND: (_zero,),  # piecewise constant
    Op.CAST: (lambda F, c, g: F.cast(g, c.dtype(0)),),                      # d cast(x) = g in x's dtype
    Op.ADD: (lambda F, c, g: g, lambda F, c, g: g),                         # d(x + y) = g, g
    Op.SUB: (lambda F, c, g: g, lambda F, c, g: -g),                        # d(x - y) = g, -g
    Op.MUL: (lambda F, c, g: g * c.y, lambda F, c, g: g * c.x),             # d(x y) = g y, g x
    Op.DIV: (lambda F, c, g: g / c.y,                                       # d(x / y) = g / y,
             lambda F, c, g: -g * c.x / (c.y * c.y)),                       #            -g x / y^2
    Op.IDIV: (_not_implemented("aten::floor_divide"),) * 2,                 # torch defines none
    Op.FMOD: (lambda F, c, g: g,                                            # d fmod(x, y) = g,
              lambda F, c, g: -g * F.trunc(c.x / c.y)),                     #               -g trunc(x / y)
    Op.MAX: (_maximum_grad(True, _gt), _maximum_grad(False, _gt)),          # winner takes g, ties split
    Op.MIN: (_maximum_grad(True, _lt), _maximum_grad(False, _lt)),
    Op.POW: (_pow_base, _pow_exponent),                                     # g y x^(y-1), g x^y log x
    Op.ATAN2: (_atan2_grad(True), _atan2_grad(False)),                      # g b / r^2, -g a / r^2
    Op.WHERE: (None,                                                        # d where(c, a, b) =
               lambda F, c, g: F.where(c.src(0), g, 0.0),                   #   g where c,
               lambda F, c, g: F.where(c.src(0), 0.0, g)),                  #   g where not c
    Op.REDUCE: (_reduce_grad,),                                             # sum / prod / max / min
    Op.RESHAPE: (lambda F, c, g: F.reshape(g, c.shape(0)),),                # d reshape = reshape back
    Op.PERMUTE: (_permute_grad,),
    Op.EXPAND: (_expand_grad,),
    Op.PAD: (_pad_grad,),
    Op.SHRINK: (_shrink_grad,),
    Op.FLIP: (lambda F, c, g: F.flip(g, c.arg),),                           # d flip = flip back
    Op.AS_STRIDED: (_as_strided_grad,),
    Op.CONTRACT: (lambda F, c, g: F.contract(g, _mT(F, c.y)),              # d(A B) = g B^T,
                  lambda F, c, g: F.contract(_mT(F, c.x), g)),              #          A^T g
    Op.GATHER: (_gather_grad, None),
    Op.SCATTER: (_scatter_base_grad, None, _scatter_src_grad),
    Op.SCAN: (_scan_grad,),                                                 # cumsum / cumprod / cummax
}


def rules_for(op: Op, arg, n_inputs: int) -> tuple:
    """The gradient functions of one recorded op's `n_inputs` inputs."""
    if op is Op.EXTERN:
        name = arg[0].name
        rules = EXTERN_RULES.get(name) or (_not_implemented(f"'{name}'"),) * n_inputs
    elif op is Op.CAT:
        rules = tuple(_cat_grad(i) for i in range(n_inputs))
    else:
        rules = RULES.get(op) or (_not_implemented(op.name.lower()),) * n_inputs
    return tuple(rules) + (None,) * (n_inputs - len(rules))


def _cat_grad(i: int):
    """out = cat(x_0, x_1, ...) along arg: dx_i = g's slice where x_i sits."""
    def rule(F, c, g):
        axis = c.arg
        start = sum(c.shape(j)[axis] for j in range(i))
        shape = c.shape(i)
        return F.shrink(g, tuple((start, start + s) if a == axis else (0, s) for a, s in enumerate(shape)))
    return rule
