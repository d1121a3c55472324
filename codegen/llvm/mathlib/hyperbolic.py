"""tanh, sinh, cosh and sigmoid, built on the exp family.

tanh and sinh use an odd polynomial for small |x| (tanh |x| < 0.625, sinh |x| < 1) and expm1
above; cosh and large sinh scale the reduced exp by 2**(k-1) so they overflow only where the
result does; sigmoid divides exp(-|x|) (or 1) by 1 + exp(-|x|).
"""
from __future__ import annotations

from .consts import C as _C
from .explog import exp_reduce, expm1


def tanh(e, x):
    C = _C[e.tinfo(x).bits]
    a = e.select(e.fabs(x).gt(C["TANH_CLAMP"]), C["TANH_CLAMP"], e.fabs(x))
    t = expm1(e, a + a)
    large = e.copysign(t / (t + 2.0), x)
    z = x * x
    small = e.copysign(e.fma(x * z, e.poly(z, C["TANH_P"]), x), x)  # copysign: tanh(-0) = -0
    return e.select(a.lt(0.625), small, large)


def _half_exp(e, a):
    """exp(a) / 2 for a >= 0: the exp clamp is one wider, since halving keeps results finite
    up to ln(2 max) (sinh, cosh overflow later than exp)."""
    C = _C[e.tinfo(a).bits]
    y, kf = exp_reduce(e, e.clamp(a, C["EXP_LO"], C["EXP_HI"] + 1.0))
    return e.ldexp(y, kf - 1.0)


def sinh(e, x):
    C = _C[e.tinfo(x).bits]
    a = e.fabs(x)
    E = expm1(e, a)
    mid = (E + E / (E + 1.0)) * 0.5
    z = x * x
    small = e.fma(a * z, e.poly(z, C["SINH_P"]), a)
    small = e.select(a.lt(1.0), small, mid)
    big = _half_exp(e, a)
    return e.copysign(e.select(a.gt(C["SINH_BIG"]), big, small), x)


def cosh(e, x):
    h = _half_exp(e, e.fabs(x))  # e^a / 2
    return h + 0.25 / h


def sigmoid(e, x):
    C = _C[e.tinfo(x).bits]
    na = -e.fabs(x)
    y, kf = exp_reduce(e, e.clamp(na, C["EXP_LO"], C["EXP_HI"]))
    ex = e.ldexp(y, kf)  # exp(-|x|) in (0, 1]
    num = e.select(x.ge(0.0), 1.0, ex)
    num = e.select(x.isnan(), x, num)
    return num / (ex + 1.0)
