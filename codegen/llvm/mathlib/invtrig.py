"""asin, acos, atan, atan2.

asin/acos: polynomial in x**2 for |x| <= 1/2, else 2 asin(sqrt((1-|x|)/2)) with the sqrt
rounding error corrected. atan/atan2: reduction to |t| <= tan(pi/8) with one division, pi/4
and pi/2 added in two parts; atan2 prescales by powers of 2 (no overflow, no subnormal ratio
tests) and follows C99 for all signed zero / infinity cases.
"""
from __future__ import annotations

from .consts import C as _C
from .expr import INF


def _asin_core(e, a):
    """a = |x| -> (p, c, big): big: asin(a) = pi/2 - 2(p + c); else asin(a) = p."""
    t = e.tinfo(a)
    C = _C[t.bits]
    big = a.gt(0.5)
    zb = 0.5 - 0.5 * a
    z = e.select(big, zb, a * a)
    s = e.select(big, e.sqrt(zb), a)
    p = e.fma(s * z, e.poly(z, C["ASIN_P"]), s)
    # sqrt rounding correction: sqrt(zb) ~ s + c
    c = e.fma(-s, s, zb) / (s + s + (1e-30 if t.bits == 32 else 1e-300))
    return p, c, big


def asin(e, x):
    C = _C[e.tinfo(x).bits]
    p, c, big = _asin_core(e, e.fabs(x))
    pb = (C["PIO2"][0] - (p + p)) + (C["PIO2"][1] - (c + c))
    return e.copysign(e.select(big, pb, p), x)


def acos(e, x):
    C = _C[e.tinfo(x).bits]
    p, c, big = _asin_core(e, e.fabs(x))
    small = (C["PIO2"][0] - e.copysign(p, x)) + C["PIO2"][1]
    pos = (p + p) + (c + c)
    neg = (C["PI"][0] - (p + p)) + (C["PI"][1] - (c + c))
    return e.select(big, e.select(x.gt(0.0), pos, neg), small)


def _atan_reduced(e, num, den, sel_big, sel_mid):
    """atan(num/den) + {0, pi/4, pi/2} for nonnegative inputs -> (hi, rest), sum in [0, pi/2]."""
    C = _C[e.tinfo(num).bits]
    t = num / den
    z = t * t
    hi = e.select(sel_big, C["PIO2"][0], e.select(sel_mid, C["PIO4"][0], 0.0, t.ty))
    lo = e.select(sel_big, C["PIO2"][1], e.select(sel_mid, C["PIO4"][1], 0.0, t.ty))
    return hi, t + e.fma(t * z, e.poly(z, C["ATAN_P"]), lo)


def atan(e, x):
    C = _C[e.tinfo(x).bits]
    a = e.fabs(x)
    big = a.gt(C["TAN3PI8"])
    mid = a.gt(C["TANPI8"])
    num = e.select(big, -1.0, e.select(mid, a - 1.0, a))
    den = e.select(big, a, e.select(mid, a + 1.0, 1.0))
    hi, rest = _atan_reduced(e, num, den, big, mid)
    return e.copysign(hi + rest, x)


def atan2(e, y, x):
    t = e.tinfo(x)
    C = _C[t.bits]
    ax, ay = e.fabs(x), e.fabs(y)
    # exact power-of-2 prescaling: keeps ay + ax finite and the ratio tests out of the
    # subnormal range
    m = e.select(ax.gt(ay), ax, ay)
    tiny, up = (2.0**-100, 2.0**60) if t.bits == 32 else (2.0**-960, 2.0**500)
    sc = e.select(m.gt(t.max * 0.5), 0.5, e.select(m.lt(tiny), up, 1.0, x.ty))
    ax, ay = ax * sc, ay * sc
    big = (ay * C["TANPI8"]).gt(ax)  # ay/ax > tan(3pi/8) = 1/tan(pi/8), no overflow
    mid = ay.gt(ax * C["TANPI8"])
    num = e.select(big, -ax, e.select(mid, ay - ax, ay))
    den = e.select(big, ay, e.select(mid, ay + ax, ax))
    hi, rest = _atan_reduced(e, num, den, big, mid)
    both_inf = ax.eq(INF) & ay.eq(INF)
    both_zero = ax.eq(0.0) & ay.eq(0.0)
    hi = e.select(both_inf, C["PIO4"][0], e.select(both_zero, 0.0, hi))
    rest = e.select(both_inf, C["PIO4"][1], e.select(both_zero, 0.0, rest))
    neg = e.signbit(x)
    res = e.select(neg, (C["PI"][0] - hi) + (C["PI"][1] - rest), hi + rest)
    return e.copysign(res, y)
