"""lgamma, evaluated in float64 for both formats.

x >= 8: Stirling with a double-double log; 0 < x < 8: shifted to [0.5, 2.5) and (x-1) G(x-1) /
(x-2) G(x-2) polynomials (exact zeros at 1 and 2) plus one log; x < 0 by reflection
log(pi / |x sin(pi x)|) - lgamma(|x|) with an exact sin(pi x) argument reduction. Poles (0,
negative integers) give +inf.
"""
from __future__ import annotations

from .consts import C as _C
from .consts import hexf
from .explog import log, log_hilo, log_reduce
from .expr import INF

_LGAMMA = dict(
    # lgamma(c + s) = s G(s): A+ (c=1, 0<=s<0.5), B- (c=2, -0.5<=s<0), B+ (c=2, 0<=s<0.5)
    GA=[-0.5772156649015329, 0.8224670334241133, -0.4006856343863458, 0.2705808084074492,
        -0.20738555008367607, 0.16955715204661634, -0.14404947354109812, 0.1255047292869928,
        -0.11129283837924958, 0.09984274911864803, -0.08975652335651645, 0.07909795046063085,
        -0.06532053158158156, 0.04696509983288918, -0.026501856059695416, 0.01007343402175549,
        -0.0018849260568388087],
    GBM=[0.42278433509846713, 0.3224670334241115, -0.06735230105338084, 0.020580808418727264,
         -0.007385551285289658, 0.002890505708334167, -0.0011928103989548924, 0.0005091813313329407,
         -0.00022621891712818233, 8.527211220722415e-05, -9.366867755535587e-05,
         -0.00010345958577332469, -0.00023971906737355598, -0.00029941995496507055,
         -0.0002719991433573264, -0.00014442326515214343, -3.6717555185653494e-05],
    GBP=[0.42278433509846713, 0.32246703342411503, -0.06735230105339698, 0.020580808437989585,
         -0.00738555132688421, 0.0028905158530404002, -0.0011928230899150203, 0.0005102808237294793,
         -0.00022706834662115097, 0.00011789552799925629, -0.00010925444607094373,
         0.0001862313801886748, -0.000320434211908119, 0.0004174556064061292,
         -0.00036983981024749503, 0.00019771558469210888, -4.808287901426609e-05],
    # Stirling, x >= 8: lgamma(x) = (x - 1/2)(log x - 1) + W0 + w W(w^2), w = 1/x
    W0=hexf("0x1.acfe390c97d69p-2"),
    W=[0.08333333333333241, -0.002777777776772566, 0.000793650410315369, -0.0005951688551967705,
       0.0008352646582104581, -0.0016078527450463392],
    # sin(pi u) = u SP(u^2), 0 <= u <= 1/2
    SP=[3.141592653589793, -5.167712780049947, 2.550164039876085, -0.5992645292892317,
        0.08214588618617963, -0.007370427638091364, 0.0004662876782519616, -2.1876179771782067e-05,
        7.44423655877145e-07],
    LOGPI=hexf("0x1.250d048e7a1bdp+0"),
)


def _log_dd64(e, x):
    """log(x) as a double-double (hi, lo), x >= 2 (k >= 1), relative error ~2**-62."""
    C = _C[64]
    f, kf = log_reduce(e, x)
    hi, lo = log_hilo(e, f)
    a = kf * C["LN2"][0]  # exact
    th = a + hi
    return th, ((a - th) + hi) + (lo + kf * C["LN2"][1])


def _stirling64(e, a):
    """lgamma(a) for a >= 8."""
    L = _LGAMMA
    th, tl = _log_dd64(e, a)
    uh = th - 1.0
    ul = ((th - uh) - 1.0) + tl
    m = a - 0.5
    ph = m * uh
    pl = e.select(e.fabs(ph).lt(INF), e.fma(m, uh, -ph) + m * ul, 0.0)
    w = 1.0 / a
    return ph + (pl + (L["W0"] + w * e.poly(w * w, L["W"])))


def lgamma(e, x):
    is32 = e.tinfo(x).bits == 32
    if is32:
        x = e.ext(x)
    L = _LGAMMA
    a = e.fabs(x)
    # 0 < a < 8: lgamma(a) = s G(s) -+ log(arg); the core argument c + s lies in [0.5, 2.5)
    ii = e.clamp(e.floor(a - 1.5), 1.0, 6.0)
    yp = a - ii  # exact; in [1.5, 2.5) for 2.5 <= a < 8
    s = e.select(a.lt(0.5), a, e.select(a.lt(1.5), a - 1.0, e.select(a.lt(2.5), a - 2.0, yp - 2.0)))
    seg_a = a.lt(0.5) | (a.ge(1.0) & a.lt(1.5))
    neg_s = s.lt(0.0)

    def coef(k):
        return e.select(seg_a, L["GA"][k], e.select(neg_s, L["GBM"][k], L["GBP"][k], x.ty))

    g = coef(len(L["GA"]) - 1)
    for k in range(len(L["GA"]) - 2, -1, -1):
        g = e.fma(g, s, coef(k))
    core = s * g
    prod = yp  # yp (yp+1) ... (yp+ii-1) for 2.5 <= a < 8
    for k in range(1, 6):
        prod = prod * e.select(ii.gt(float(k)), yp + float(k), 1.0)
    lg = log(e, e.select(a.lt(1.0), a, e.select(a.ge(2.5), prod, 1.0)))
    small = core + e.select(a.lt(1.0), -lg, lg)
    lpos = e.select(a.ge(8.0), _stirling64(e, a), small)
    # x < 0: lgamma(x) = log(pi / |x sin(pi x)|) - lgamma(|x|)
    t = a - e.floor(a)
    u = e.select(t.gt(0.5), 1.0 - t, t)
    tiny = a.lt(2.0**-500)  # keep |x sin(pi x)| ~ pi x^2 out of the underflow range
    sc = e.select(tiny, 2.0**600, 1.0, x.ty)
    q = (a * sc) * ((u * sc) * e.poly(u * u, L["SP"]))
    ln2h, ln2l = _C[64]["LN2"]
    lq = log(e, q) - e.select(tiny, 1200.0 * ln2h + 1200.0 * ln2l, 0.0, x.ty)
    neg = (L["LOGPI"] - lq) - lpos
    neg = e.select(t.eq(0.0), INF, neg)  # poles at the non-positive integers
    res = e.select(x.lt(0.0), neg, lpos)
    res = e.select(a.eq(INF), INF, res)
    return e.trunc(res) if is32 else res
