"""sin, cos, tan with a branch-free Payne-Hanek argument reduction over the whole range.

|x| < pi/4 is its own reduced argument; above, a Payne-Hanek reduction (the ``|x| >= pi/4``
and ``|x| < pi/4`` results are both computed and selected per lane). The biased exponent
indexes a bit-granular table of 2/pi (T[i] = a 52-bit window as an exact double, 9.3 KiB),
m0 = +-mantissa * 2**-50 is built from the bits, and x * 2/pi (mod 4) = sum m0 * 2**(-52 i) *
T[k + 52 i] is formed with exact fma products: 2 windows (104 bits) for float32, 4 (208 bits)
for float64, where the integer part is removed piecewise (rint) and the fraction summed with
TwoSum into a double-double. The tables' tails and roundings leave 2**-78 (float32) /
~2**-150 (float64) absolute error in quadrants, against reduced arguments no smaller than
2**-30 / 2**-62 (the closest float32 / double to a multiple of pi/2; found by exhaustive /
continued-fraction search). float32 then evaluates the polynomials in double, so it is
correctly rounded in practice; float64 uses fdlibm-style kernels on the double-double; tan
divides double-doubles.
"""
from __future__ import annotations

from .consts import C as _C
from .expr import FMT64, INF, NAN

# float32 sin/cos/tan reduce and evaluate in double; polynomials good to ~2**-33 on |r| <= pi/4.
_F32TRIG = dict(
    SIN_S=[-0.16666666639760788, 0.008333329207454677, -0.0001983928497377849,
           2.717885736983057e-06],
    COS_C=[0.04166666661706092, -0.001388888332282164, 2.479941908365587e-05,
           -2.720269815671452e-07],
)

# Payne-Hanek reduction: 2/pi to 1216 bits (mpmath), bit j (from 1) weighing 2**-j.
_TWO_OVER_PI = int(
    "a2f9836e4e441529fc2757d1f534ddc0db6295993c439041fe5163abdebbc561b7246e3a424d"
    "d2e006492eea09d1921cfe1deb1cb129a73ee88235f52ebb4484e99c7026b45f7e413991d639"
    "835339f49c845f8bbdf9283b1ff897ffde05980fef2f118b5a0a6d1f6d367ecf27cb09b74f46"
    "3f669e5fea2d7527bac7ebe5f17b3d0739f78a5292ea6bfb5fb11f8d5d0856033046fc7b6bab", 16)
_PH_PAD = 64  # zero bits ahead of the binary point: windows may start before it


def _ph_table():
    """T[i] = bits i-PAD+1 .. i-PAD+52 of 2/pi as an integer (exact in a double): any 52-bit
    window is one load; long enough for four windows from that of the largest float64
    exponent field (inf/nan lanes read it too)."""
    n = 2047 - 1076 - 1 + _PH_PAD + 52 * 3 + 1
    assert n - 1 - _PH_PAD + 52 <= 1216
    return [float((_TWO_OVER_PI >> (1216 - (i - _PH_PAD + 52))) & (2**52 - 1)) for i in range(n)]


_PH_TABLE = _ph_table()


def _ph_pieces(e, x, xd, npieces):
    """Payne-Hanek setup for finite |x| >= 1/2 (other lanes read in-range garbage), xd = x as a
    double. With |x| = m 2**(k-mant), m an integer, returns m0 = sign(x) m 2**-50 and the
    pieces P_i: 52-bit integers (doubles) reading 2/pi from the bit of weight 2**-(k-mant-1)
    on (earlier bits make multiples of 4), so that x 2/pi = sum m0 P_i 2**(-52 i) (mod 4) up
    to m 2**(2 - 52 npieces)."""
    t = e.tinfo(x)
    k = e.bits(x).lshr(t.mant) & (2 * t.bias + 1)  # biased exponent (inf/nan: in the table)
    k = e.select(k.lt(t.bias - 1), t.bias - 1, k)
    idx = e.zext64(k + (_PH_PAD - t.bias - t.mant - 2))
    tab = e.table("tjit.mathlib.two_over_pi", _PH_TABLE)
    m0 = e.from_bits((e.bits(xd) & 0x800FFFFFFFFFFFFF) | (1023 + t.mant - 50 << 52))
    return m0, [e.lookup(tab, idx + 52 * i) for i in range(npieces)]


def _two_sum(e, a, b):
    """a + b = s + err exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _rem_pio2_32(e, x):
    """float32 x -> (r, q), r a double with x = r + q pi/2 (mod 2pi), |r| <= pi/4. Payne-Hanek
    for |x| >= pi/4 with 104 bits of 2/pi: 2**-78 absolute error in quadrants, and the fraction
    exceeds 2**-30 for every float32."""
    xd = e.ext(x)
    m0, (p0, p1) = _ph_pieces(e, x, xd, 2)
    h0 = m0 * p0  # < 2**26
    l0 = e.fma(m0, p0, -h0)
    qm = h0 + FMT64.magic  # rint(h0) in the low mantissa bits
    q = qm - FMT64.magic
    f = ((h0 - q) + l0) + (m0 * 2.0**-52) * p1  # (h0 - q) + l0 exact: 2**-50 multiples < 1
    r = f * _C[64]["PIO2"][0]
    small = e.fabs(xd).lt(_C[32]["PIO4"][0])
    r = e.select(small, xd, r)
    n = e.select(small, 0, e.bits(qm))  # q + an offset with zero low bits
    return e.select(e.fabs(xd).lt(INF), r, NAN), n


def _trig32(e, x, which):
    """float32 sin/cos/tan: reduction and polynomials in double."""
    T = _F32TRIG
    r, q = _rem_pio2_32(e, x)
    z = r * r
    sr = e.fma(r * z, e.poly(z, T["SIN_S"]), r)
    cr = e.fma(z, e.fma(z, e.poly(z, T["COS_C"]), -0.5), 1.0)
    if which == "cos":
        q = q + 1
    odd = (q & 1).eq(1)
    if which == "tan":
        num = e.select(odd, -cr, sr)
        den = e.select(odd, sr, cr)
        return e.select(x.eq(0.0), x, e.trunc(num / den))
    v = e.select(odd, cr, sr)
    res = e.trunc(e.select((q & 2).eq(2), -v, v))
    return e.select(x.eq(0.0), x, res) if which == "sin" else res


def _rem_pio2_64(e, x):
    """float64 x -> (y0, y1, q): x = y0 + y1 + q pi/2 (mod 2pi), |y0| <= pi/4, y0 + y1 a
    double-double. Payne-Hanek for |x| >= pi/4 with 208 bits of 2/pi; the fraction (> 2**-62
    for every double) is summed with error-free transformations to ~2**-150 absolute."""
    m0, (p0, p1, p2, p3) = _ph_pieces(e, x, x, 4)
    m1 = m0 * 2.0**-52
    m2 = m0 * 2.0**-104
    h0 = m0 * p0  # < 2**55
    l0 = e.fma(m0, p0, -h0)
    h0 = e.fma(e.rint(h0 * 0.25), -4.0, h0)  # mod 4, exact
    k0 = h0 + FMT64.magic  # rint(h0) in the low mantissa bits
    s = (h0 - (k0 - FMT64.magic)) + l0  # exact: a multiple of 2**-50 below 2**3
    h1 = m1 * p1  # < 2**3
    t, et = _two_sum(e, s, h1)
    k1 = t + FMT64.magic
    t = t - (k1 - FMT64.magic)
    h2 = m2 * p2  # < 2**-49
    # et + l1: exact (multiples of 2**-102 below 2**-49)
    u, eu = _two_sum(e, et + e.fma(m1, p1, -h1), h2)
    eu = eu + (e.fma(m2, p2, -h2) + (m0 * 2.0**-156) * p3)
    f0, f1 = _two_sum(e, t, u)
    f1 = f1 + eu
    ph, pl = _C[64]["PIO2"]
    y0 = f0 * ph
    y1 = e.fma(f0, ph, -y0) + (f0 * pl + f1 * ph)
    small = e.fabs(x).lt(_C[64]["PIO4"][0])
    y0 = e.select(small, x, y0)
    y1 = e.select(small, 0.0, y1)
    n = e.select(small, 0, e.bits(k0) + e.bits(k1))  # k0 + k1 + offsets with zero low bits
    return e.select(e.fabs(x).lt(INF), y0, NAN), y1, n


def _ksin64(e, x, y):
    """sin(x + y), |x| <= pi/4 -> (hi, lo)."""
    S = _C[64]["SIN_S"]
    z = x * x
    v = z * x
    r = e.poly(z, S[1:])
    u = (z * (0.5 * y - v * r) - y) - v * S[0]
    hi = x - u
    return hi, (x - hi) - u


def _kcos64(e, x, y):
    """cos(x + y), |x| <= pi/4 -> (hi, lo)."""
    z = x * x
    r = z * e.poly(z, _C[64]["COS_C"])
    hz = 0.5 * z
    w = 1.0 - hz
    u = ((1.0 - w) - hz) + (z * r - x * y)
    hi = w + u
    return hi, (w - hi) + u


def _trig64(e, x, which):
    """float64 sin/cos/tan on the double-double reduced argument."""
    y0, y1, q = _rem_pio2_64(e, x)
    sh, sl = _ksin64(e, y0, y1)
    ch, cl = _kcos64(e, y0, y1)
    if which == "cos":
        q = q + 1
    odd = (q & 1).eq(1)
    if which == "tan":
        nh = e.select(odd, -ch, sh)
        nl = e.select(odd, -cl, sl)
        dh = e.select(odd, sh, ch)
        dl = e.select(odd, sl, cl)
        inv = 1.0 / dh
        q1 = nh * inv
        rem = e.fma(-q1, dh, nh) + (nl - q1 * dl)  # (n - q1*d), n and d double-double
        res = e.fma(rem, inv, q1)
        return e.select(x.eq(0.0), x, res)
    v = e.select(odd, ch, sh)
    v = e.select((q & 2).eq(2), -v, v)
    if which == "sin":
        v = e.select(x.eq(0.0), x, v)
    return v


def _trig(e, x, which):
    return (_trig32 if e.tinfo(x).bits == 32 else _trig64)(e, x, which)


def sin(e, x):
    return _trig(e, x, "sin")


def cos(e, x):
    return _trig(e, x, "cos")


def tan(e, x):
    return _trig(e, x, "tan")
