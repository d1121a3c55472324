"""scaled_dot_product_attention: softmax(Q K^T * scale + mask) V as two CONTRACTs with the
softmax fused between them."""
from __future__ import annotations

import math

from ._base import L, P, S, const, dt, iota
from .activation import softmax
from .dropout import dropout


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    if enable_gqa and key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key = S.repeat_interleave(key, groups, key.ndim - 3)
        value = S.repeat_interleave(value, groups, value.ndim - 3)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = L.matmul(query, S.transpose(key, -2, -1)) * scale
    neg_inf = const(float("-inf"), scores.dtype)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        rows, cols = scores.shape[-2:]
        keep = iota((rows, cols), 1) <= iota((rows, cols), 0)
        scores = P.where(keep, scores, neg_inf)
    if attn_mask is not None:
        scores = P.where(attn_mask, scores, neg_inf) if attn_mask.dtype is dt.bool_ else scores + attn_mask
    weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return L.matmul(weights, value)
