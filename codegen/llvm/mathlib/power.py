"""pow(x, y) = 2**(y log2|x|) with the C99/numpy/torch special cases.

float32 runs in double (log2 and exp2 to ~2**-37); float64 computes log2|x| as a double-double
(~2**-68 relative: 2s + s**3(2/3 + 2/5 s**2 + ...) with the first terms in double-double) and
y*log2|x| exactly with fma, then a double-double exp2. Special cases: pow(x, +-0) = 1 and
pow(1, y) = 1 even for NaN, negative base with integer exponent (odd exponent keeps the sign,
including -0 and -inf), negative finite base with non-integer exponent = NaN, pow(-1, +-inf)
= 1, 0**negative = +-inf, |x|<1 vs |x|>1 for y = +-inf. Integer powers with exact results
are exact.
"""
from __future__ import annotations

from .consts import C as _C
from .consts import hexf
from .explog import log_kernel, log_reduce
from .expr import INF, NAN

_POW = dict(
    # float32 path runs in double: log1p kernel R(z)/z to ~2**-37, 2**r to ~2**-40
    LG32=[0.6666666561224495, 0.40000341624626484, 0.28536933780194496, 0.23588911854520447],
    EXP2_32=[0.6931471805463187, 0.24022650697765877, 0.05550410940204914,
             0.009618128691237165, 0.0013333451180926959, 0.00015403775937402697,
             1.530998250621379e-05, 1.3189101383974803e-06],
    # float64 path: log1p(f) = 2s + s^3 (2/3 + 2/5 z + z^2 W(z)) with the first two terms
    # in double-double; polynomial error < 2**-79
    TWO_THIRDS=(hexf("0x1.5555555555555p-1"), hexf("0x1.5555555555555p-55")),
    TWO_FIFTHS=(hexf("0x1.999999999999ap-2"), -hexf("0x1.999999999999ap-56")),
    W64=[0.28571428571428514, 0.22222222222255364, 0.1818181817399918, 0.15384616376568852,
         0.13333258633164505, 0.11768147134053937, 0.10431301631803858, 0.10956565815289179],
    # float64 exp2 stage: 2^r = 1 + ln2 r + r^2 E(r) with ln2 as double-double, |err| < 2**-63
    LN2=(hexf("0x1.62e42fefa39efp-1"), hexf("0x1.abc9e3b39803fp-56")),
    E64=[0.24022650695910072, 0.05550410866482164, 0.009618129107628012,
         0.0013333558146401449, 0.00015403530394159098, 1.5252733847419881e-05,
         1.3215486212530558e-06, 1.0178054405967796e-07, 7.055105199503831e-09,
         4.4562434391067694e-10, 2.5456942844013257e-11],
    TMAX=1100.0,
)


def _log2_f64_for_f32(e, ax):
    """log2(ax) in double, relative error ~2**-37 (ax a double holding a float32)."""
    f, kf = log_reduce(e, ax)
    s, hfsq, R = log_kernel(e, f, _POW["LG32"])
    l1p = f - (hfsq - s * (hfsq + R))
    return e.fma(l1p, _C[64]["IVLN2"][0], kf), None


def _log2_dd(e, ax):
    """log2(ax) as a double-double (hi, lo), relative error ~2**-70."""
    P = _POW
    f, kf = log_reduce(e, ax)
    # s = f / (2 + f) as double-double
    d = f + 2.0
    dl = (2.0 - d) + f
    sh = f / d
    sl = (e.fma(-sh, d, f) - sh * dl) / d
    # z = s^2 = a + zl
    a = sh * sh
    b = e.fma(sh, sh, -a)
    zl = b + 2.0 * sh * sl
    # Q = 2/3 + 2/5 z + z^2 W(z) as double-double
    q1h, q1l = P["TWO_FIFTHS"]
    p1h = a * q1h
    p1l = e.fma(a, q1h, -p1h) + (a * q1l + zl * q1h)
    w = a * a * e.poly(a, P["W64"])
    t1 = p1h + w
    t1e = (p1h - t1) + w
    qh = P["TWO_THIRDS"][0] + t1
    ql = ((P["TWO_THIRDS"][0] - qh) + t1) + (P["TWO_THIRDS"][1] + (p1l + t1e))
    s3h = sh * a
    s3l = e.fma(sh, a, -s3h) + (sh * b + 3.0 * a * sl)
    # T = s^3 Q
    th = s3h * qh
    tl = e.fma(s3h, qh, -th) + (s3h * ql + s3l * qh)
    # log1p(f) = 2s + T
    s2 = sh + sh
    lh = s2 + th
    ll = ((s2 - lh) + th) + (sl + sl + tl)
    # * 1/ln2
    ch, cl = _C[64]["IVLN2"]
    mh = lh * ch
    ml = e.fma(lh, ch, -mh) + (lh * cl + ll * ch)
    # + k (|k| >= |mh| unless k == 0)
    rh = kf + mh
    rl = ((kf - rh) + mh) + ml
    hi = rh + rl  # renormalise: |lo| <= ulp(hi)/2
    return hi, (rh - hi) + rl


def power(e, x, y):
    is32 = e.tinfo(x).bits == 32
    if is32:
        x, y = e.ext(x), e.ext(y)
    P = _POW
    ax = e.fabs(x)
    lh, ll = (_log2_f64_for_f32 if is32 else _log2_dd)(e, ax)
    lh = e.select(ax.eq(0.0), -INF, e.select(ax.eq(INF), INF, lh))
    # t = y * log2|x| (double-double)
    th = y * lh
    ok = e.fabs(th).le(P["TMAX"])
    tl = e.fma(y, lh, -th)
    if ll is not None:
        tl = tl + y * ll
    tl = e.select(ok, tl, 0.0)
    thc = e.clamp(th, -P["TMAX"], P["TMAX"])
    kf = e.rint(thc)
    if is32:
        r = (thc - kf) + tl
        res = e.ldexp(e.fma(r, e.poly(r, P["EXP2_32"]), 1.0), kf)
    else:
        # 2^(rh + rl), rh = th - k exact; evaluated so that only the last add rounds
        rh = thc - kf
        c1h, c1l = P["LN2"]
        ph = rh * c1h
        q = rh * rh * e.poly(rh, P["E64"])
        sh = ph + 1.0
        # 2^(rh+rl) = 2^rh (1 + rl ln2 + ...), |rl| < 2**-40
        rest = e.fma(rh, c1h, -ph) + rh * c1l + q + tl * c1h * (sh + q)
        res = e.ldexp(sh + (((1.0 - sh) + ph) + rest), kf)
    # sign and special cases
    yint = e.rint(y).eq(y)  # true for +-inf, false for nan
    yodd = yint & e.rint(y * 0.5).ne(y * 0.5)
    res = e.select(e.signbit(x) & yodd, -res, res)
    res = e.select(x.lt(0.0) & x.gt(-INF) & ~yint, NAN, res)
    res = e.select(x.isnan(), x, res)
    res = e.select(x.eq(-1.0) & e.fabs(y).eq(INF), 1.0, res)
    res = e.select(x.eq(1.0) | y.eq(0.0), 1.0, res)
    return e.trunc(res) if is32 else res
