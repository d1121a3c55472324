"""exp, exp2, expm1 and log, log2, log10, log1p, plus the reductions other families reuse.

* exp/exp2/expm1: Cody-Waite reduction by ln2 (hi part with trailing zeros), fitted
  polynomial; expm1 evaluates 2**k (1 + r + q) - 1 with one rounding.
* log family: fdlibm-style x = 2**k (1+f), sqrt(1/2) <= 1+f < sqrt(2), s = f/(2+f) and a
  polynomial in s**2; log2/log10/log1p carry the result in two parts before the last rounding.
"""
from __future__ import annotations

from .consts import C as _C
from .expr import INF, NAN


# --------------------------------------------------------------------------------------
# exp family
# --------------------------------------------------------------------------------------
def _ln2_reduce(e, x):
    """x -> (r, kf) with x = kf ln2 + r, |r| <= ln2/2 (ln2 in two parts, k*hi exact)."""
    C = _C[e.tinfo(x).bits]
    kf = e.rint(x * C["LOG2E"])
    r = e.fma(-kf, C["LN2"][0], x)
    return e.fma(-kf, C["LN2"][1], r), kf


def exp_reduce_t(e, x):
    """x (already clamped to the exp range) -> (t, kf) with exp(x) = (1 + t) * 2**kf."""
    C = _C[e.tinfo(x).bits]
    r, kf = _ln2_reduce(e, x)
    p = e.poly(r, C["EXP_P"])
    return e.fma(r * r, p, r), kf


def exp_reduce(e, x):
    """x (already clamped to the exp range) -> (y, kf) with exp(x) = y * 2**kf."""
    t, kf = exp_reduce_t(e, x)
    return 1.0 + t, kf


def exp(e, x):
    C = _C[e.tinfo(x).bits]
    y, kf = exp_reduce(e, e.clamp(x, C["EXP_LO"], C["EXP_HI"]))
    return e.ldexp(y, kf)


def exp2(e, x):
    C = _C[e.tinfo(x).bits]
    xc = e.clamp(x, C["EXP2_LO"], C["EXP2_HI"])
    kf = e.rint(xc)
    r = xc - kf
    y = e.fma(r, e.poly(r, C["EXP2_Q"]), 1.0)
    return e.ldexp(y, kf)


def expm1(e, x):
    C = _C[e.tinfo(x).bits]
    r, kf = _ln2_reduce(e, e.clamp(x, C["EXPM1_LO"], C["EXPM1_HI"]))
    q = r * r * e.fma(r, e.poly(r, C["EXPM1_T"]), 0.5)
    em1 = r + q  # expm1(r)
    s = e.pow2i(e.toint(kf) - 1)  # 2**(k-1), k-1 in the normal range
    res = e.fma(s, q, e.fma(s, r, s - 0.5)) * 2.0  # 2**k * (1 + r + q) - 1
    res = e.select(kf.eq(0.0), em1, res)
    return e.select(x.eq(0.0), x, res)


# --------------------------------------------------------------------------------------
# log family (fdlibm-style: x = 2**k * (1+f), sqrt(1/2) <= 1+f < sqrt(2), s = f/(2+f))
# --------------------------------------------------------------------------------------
def log_reduce(e, x):
    """x > 0 (denormals ok) -> (f, kf)."""
    t = e.tinfo(x)
    C = _C[t.bits]
    tiny = x.lt(t.min_normal)
    xs = e.select(tiny, x * 2.0 ** C["LOG_SCALE"], x)
    ix = e.bits(xs)
    tmp = ix - C["SQRT_HALF_BITS"]
    # arithmetic shift via an offset (ashr of i64 vectors does not exist on AVX2)
    off = 128 if t.bits == 32 else 1024  # (off << mant) fits; result read as unsigned
    ki = (tmp + (off << t.mant)).lshr(t.mant) - off
    m = e.from_bits(ix - (ki << t.mant))
    kf = e.tofloat(ki) - e.select(tiny, C["LOG_SCALE"], 0.0, x.ty)
    return m - 1.0, kf


def log_kernel(e, f, coeffs=None):
    """-> (s, hfsq, R) with log1p(f) = f - hfsq + s*(hfsq + R); ``coeffs`` overrides the
    format's LOG_LG polynomial (pow's float32 path needs more accuracy)."""
    s = f / (f + 2.0)
    z = s * s
    R = z * e.poly(z, coeffs or _C[e.tinfo(f).bits]["LOG_LG"])
    hfsq = 0.5 * f * f
    return s, hfsq, R


def _log_special(e, x, res, lower=0.0):
    """log-like special values: x==lower -> -inf, x<lower or nan -> nan, +inf -> +inf."""
    res = e.select(x.eq(INF), INF, res)
    res = e.select(x.eq(lower), -INF, res)
    return e.select(x.ult(lower), NAN, res)


def log(e, x):
    C = _C[e.tinfo(x).bits]
    f, kf = log_reduce(e, x)
    s, hfsq, R = log_kernel(e, f)
    res = kf * C["LN2"][0] - ((hfsq - (s * (hfsq + R) + kf * C["LN2"][1])) - f)
    return _log_special(e, x, res)


def log_hilo(e, f):
    """log1p(f) = hi + lo with ~2x working precision in the combination step."""
    s, hfsq, R = log_kernel(e, f)
    hi = f - hfsq
    lo = ((f - hi) - hfsq) + s * (hfsq + R)
    return hi, lo


def _scaled_log(e, x, c):
    """-> (kf, a, tail): log(x) (c[0] + c[1]) = a + tail for x = 2**kf (1+f), kf not added."""
    f, kf = log_reduce(e, x)
    hi, lo = log_hilo(e, f)
    ch, cl = c
    a = hi * ch
    return kf, a, e.fma(hi, ch, -a) + e.fma(hi, cl, lo * ch)


def log2(e, x):
    C = _C[e.tinfo(x).bits]
    kf, a, tail = _scaled_log(e, x, C["IVLN2"])
    w = kf + a
    tail = tail + ((kf - w) + a)
    return _log_special(e, x, w + tail)


def log10(e, x):
    C = _C[e.tinfo(x).bits]
    kf, a, tail = _scaled_log(e, x, C["IVLN10"])
    kh = kf * C["LOG10_2"][0]
    w = kh + a
    tail = tail + (((kh - w) + a) + kf * C["LOG10_2"][1])
    return _log_special(e, x, w + tail)


def log1p(e, x):
    t = e.tinfo(x)
    C = _C[t.bits]
    u = x + 1.0
    f, kf = log_reduce(e, u)
    # c ~ log(1+x) - log(u) (rounding error of u), musl log1p
    c = e.select(kf.ge(2.0), 1.0 - (u - x), x - (u - 1.0)) / u
    c = e.select(kf.ge(t.mant + 2.0), 0.0, c)
    s, hfsq, R = log_kernel(e, f)
    res = kf * C["LN2"][0] - ((hfsq - (s * (hfsq + R) + (kf * C["LN2"][1] + c))) - f)
    res = _log_special(e, x, res, lower=-1.0)
    return e.select(x.eq(0.0), x, res)
