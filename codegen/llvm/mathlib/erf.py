"""erf and erfc.

erf (float32): three segments ([0,1.25): x + x P(x**2); [1.25,2.5), [2.5,3.95): 1 - P(|x|-m))
evaluated as one polynomial whose coefficients are picked per lane with selects; no exp.
erf/erfc (float64; float32 erfc evaluates the float64 code): |x| < 0.84375: x + x P(x**2)
(erfc: 0.5 - ((x - 0.5) + x P)); above, erfc(x) = exp(-x**2) / x * h(1/x) with h on five
segments (select-picked coefficients), x**2 split exactly with fma.
"""
from __future__ import annotations

from .consts import C as _C
from .explog import exp_reduce_t

_ERF = dict(
    # erf(x) = x + x y(x^2), |x| < 0.84375 (float64)
    Y64=[0.12837916709551256, -0.3761263890318333, 0.11283791670932782, -0.02686617064037286,
         0.005223977572898766, -0.0008548323616395742, 0.00012055194525260086,
         -1.4922016813726823e-05, 1.6400398114286752e-06, -1.570641217089808e-07,
         1.0704149386783565e-08],
    # erfc(x) = exp(-x^2) / x * h(1/x), segments [lo, next lo): (lo, v-centre, h0 hi, h0 lo, coeffs)
    SEG64=[
        (0.84375, 0.9925925925925926, 0.4287290154095275, 1.5812774136442525e-17,
         [-0.15489657405807483, 0.0353435562378711, 0.008717838671393852, -0.01896538499812752,
          0.01628422962127767, -0.01032665465976389, 0.004968065759715383, -0.0013193445838677177,
          -0.0006811548269970677, 0.0014754623736931444, -0.0015453700106481962,
          0.0013164242755848397, -0.0008720427804312655]),
        (1.25, 0.6631578947368422, 0.4829793999520148, -7.986661285116431e-18,
         [-0.1713863206841481, 0.006304705355315116, 0.06090039756374073, -0.06883689881718955,
          0.04667087581042829, -0.014998132718082221, -0.01305447784671942, 0.030563331048140005,
          -0.03545367416751435, 0.029173222601779847, -0.015181337960536756, -0.003964817635986112,
          0.020036807065243127]),
        (1.9, 0.4298245614035088, 0.5223012388893473, -2.1119613594774825e-18,
         [-0.160156991595025, -0.06501939310279796, 0.1512011954363451, -0.11917897964109853,
          0.011996210808662252, 0.11104201778184428, -0.18642755028567348, 0.1637676419466676,
          -0.02547872902165976, -0.19658481965249863, 0.41474197370688354, -0.48779212066185185,
          0.2685384288360995]),
        (3.0, 0.26666666666666666, 0.5459614547813946, -5.0971611972144947e-17,
         [-0.124857499603012, -0.156869505213185, 0.21692066288278913, -0.04912306844474225,
          -0.23239417717077657, 0.3947292940870045, -0.17813760750089053, -0.5002913105664304,
          1.2859400272575718, -1.258292555640711, -0.736773348277341, 5.0176648970924775,
          -8.60192693230577]),
        (5.0, 0.11818181818181818, 0.5603293769968001, 1.613769603164598e-17,
         [-0.06402060979750845, -0.24947341321894323, 0.16932333088223803, 0.24400232836433616,
          -0.4856677977619458, -0.11490231797589552, 1.3877949511240752, -1.24368519454455,
          -3.107540705119889, 8.967981446291665, -0.7468453534847302, -36.74423986593111,
          58.796030051976906]),
    ],
    # float32 erf: |x| < 1.25: x + x y(x^2); else 1 - P(|x| - m) (P ~ erfc), two segments
    A32=[0.12837916612625122, -0.3761262893676758, 0.11283662915229797, -0.02685980126261711,
         0.005208238959312439, -0.0008332577999681234, 0.00010362464672653005,
         -7.517164249293273e-06],
    # (1.25, 2.5, 1.875)
    S32_125=[0.008009948767721653, -0.0335458368062973, 0.06289760768413544, -0.06744071841239929,
             0.042276687920093536, -0.011467470787465572, -0.00422625569626689,
             0.004955396521836519, -0.0010705619351938367, -0.0004310343647375703],
    # (2.5, 3.95, 3.225)
    S32_250=[5.094849711895222e-06, -3.431608638493344e-05, 0.00011068580352002755,
             -0.00022658187663182616, 0.0003282208344899118, -0.00035490188747644424,
             0.0002952986105810851, -0.00019001250620931387, 8.710497058928013e-05,
             -2.0711066099465825e-05],
)


def _seg_select(e, x, bounds, values, ty):
    """Per-lane piecewise constant: values[i] where bounds[i] <= x < bounds[i+1]."""
    v = e.k(ty, values[-1])
    for b, c in zip(reversed(bounds[1:]), reversed(values[:-1])):
        v = e.select(x.lt(b), c, v)
    return v


def _seg_poly(e, x, bounds, coeffs, z, ty):
    """Horner in z with per-lane coefficients: coeffs[i] (one list per segment) on segment i."""
    p = _seg_select(e, x, bounds, [c[-1] for c in coeffs], ty)
    for i in range(len(coeffs[0]) - 2, -1, -1):
        p = e.fma(p, z, _seg_select(e, x, bounds, [c[i] for c in coeffs], ty))
    return p


def _erfc_pos64(e, a):
    """erfc(a) for a >= 0.84375 (clamped internally), float64."""
    segs = _ERF["SEG64"]
    bounds = [sg[0] for sg in segs]
    ac = e.clamp(a, 0.84375, 27.5)
    v = 1.0 / ac
    eps = e.fma(-v, ac, 1.0)  # 1/ac = v (1 + eps)
    ty = a.ty
    u = v - _seg_select(e, ac, bounds, [sg[1] for sg in segs], ty)
    p = _seg_poly(e, ac, bounds, [sg[4] for sg in segs], u, ty)
    h = _seg_select(e, ac, bounds, [sg[2] for sg in segs], ty) + e.fma(
        u, p, _seg_select(e, ac, bounds, [sg[3] for sg in segs], ty))
    # exp(-ac^2) = (1 + t) 2^k (1 - pe), ac^2 = p2 + pe exactly
    p2 = ac * ac
    pe = e.fma(ac, ac, -p2)
    C = _C[64]
    t, kf = exp_reduce_t(e, e.clamp(-p2, C["EXP_LO"], C["EXP_HI"]))
    m = h * v
    d = eps - pe  # |d| < 2**-43: (1 + t)(1 + d) - 1 = t + d + d t
    return e.ldexp(e.fma(m, t + e.fma(d, t, d), m), kf)


def _erf32(e, x):
    a = e.fabs(x)
    ac = e.select(a.gt(3.95), 3.95, a)
    in_a = ac.lt(1.25)
    u = ac - e.select(ac.lt(2.5), 1.875, 3.225, x.ty)
    var = e.select(in_a, ac * ac, u)
    ca = list(_ERF["A32"]) + [0.0] * (len(_ERF["S32_125"]) - len(_ERF["A32"]))
    p = _seg_poly(e, ac, [0.0, 1.25, 2.5], [ca, _ERF["S32_125"], _ERF["S32_250"]], var, x.ty)
    small = e.fma(x, p, x)
    large = e.copysign(1.0 - p, x)
    return e.select(in_a, small, large)


def erf(e, x):
    if e.tinfo(x).bits == 32:
        return _erf32(e, x)
    a = e.fabs(x)
    y = e.poly(x * x, _ERF["Y64"])
    small = e.fma(x, y, x)
    ec = _erfc_pos64(e, e.select(a.gt(6.0), 6.0, a))
    large = e.copysign(1.0 - ec, x)
    return e.select(a.lt(0.84375), small, large)


def erfc(e, x):
    is32 = e.tinfo(x).bits == 32
    if is32:
        x = e.ext(x)
    a = e.fabs(x)
    y = e.poly(x * x, _ERF["Y64"])
    xy = x * y
    small = e.select(a.lt(0.25), 1.0 - (x + xy), 0.5 - ((x - 0.5) + xy))
    ec = _erfc_pos64(e, a)
    large = e.select(x.gt(0.0), ec, 2.0 - ec)
    res = e.select(a.lt(0.84375), small, large)
    return e.trunc(res) if is32 else res
