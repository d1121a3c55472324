"""Distances and similarities between vectors, and normalization to unit norm."""
from __future__ import annotations

from ._base import P, R, S, const, expand_to
from ..._prim import broadcast_shapes


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dimension."""
    nd = max(x1.ndim, x2.ndim)
    return R.norm(x1 - x2 + eps, p, nd - 1 if nd else None, keepdim=keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps))) along dim."""
    shape = broadcast_shapes(x1.shape, x2.shape)
    a, b = expand_to(x1, shape), expand_to(x2, shape)
    na = P.clamp_min(R.norm(a, 2, dim, keepdim=True), eps)
    nb = P.clamp_min(R.norm(b, 2, dim, keepdim=True), eps)
    return R.sum((a / na) * (b / nb), dim)


def pdist(input, p=2):
    """Distances between all pairs of rows (upper triangle, row-major)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    n = input.shape[0]
    rows = [i for i in range(n) for j in range(i + 1, n)]
    cols = [j for i in range(n) for j in range(i + 1, n)]
    from ...ops.creation import tensor
    from ...ir import dtype as dt
    if not rows:
        return const(0, input.dtype, (0,))
    a = S.reshape(input[tensor(rows, dtype=dt.int64)], (len(rows), input.shape[1]))
    b = S.reshape(input[tensor(cols, dtype=dt.int64)], (len(cols), input.shape[1]))
    return R.norm(a - b, p, 1)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along dim."""
    denom = P.clamp_min(R.norm(input, p, dim, keepdim=True), eps)
    res = input / denom
    return res if out is None else out._assign(res)
