"""Vectorizable LLVM IR for transcendental functions.

``emit(builder, name, *args) -> ir.Value`` emits, at the builder's position, straight-line IR
computing ``name(*args)`` for scalar ``float`` or ``double`` arguments (all of one type; the
result has that type). ``SUPPORTED`` is the frozenset of names:

    exp exp2 expm1 log log2 log10 log1p sin cos tan tanh sinh cosh asin acos atan
    atan2(y, x) pow(x, y) erf erfc sigmoid lgamma

Why: ``llvm.exp.f32`` / ``llvm.sin.f32`` ... become libm calls that the x86 backend scalarises
inside vectorised loops. The code emitted here uses only fadd/fsub/fmul/fdiv, ``llvm.fma``,
``llvm.rint``/``floor``/``fabs``/``copysign``/``sqrt``, bitcasts, integer add/sub/and/shift,
fcmp/icmp and select, plus indexed loads from one private constant table (the bits of 2/pi, for
the sin/cos/tan argument reduction; gathers once vectorised): no call, no branch, no loop, so
LoopVectorize widens a loop that uses it like any other arithmetic. No fast-math flags are set
(the error-free transformations depend on exact IEEE rounding). Implementation notes:

* Targets need hardware FMA for speed (x86-64-v3 / znver / AArch64): on a baseline x86-64
  target (TJIT_CPU=portable) ``llvm.fma`` lowers to libm ``fma`` calls -- results stay correct
  (the error-free transformations need a fused multiply-add) but the loop is scalarised.
* float <-> int conversions use the ``x + 1.5*2**p`` trick instead of fptosi/sitofp (no poison
  on NaN, and no scalarised f64 <-> i64 conversions on AVX2); 2**k scaling is done in two
  halves so that results overflow to inf and underflow gradually through the subnormals with a
  single rounding; range clamps are NaN-preserving compare+select.
* Each family's method is described in its module: ``explog`` (exp, exp2, expm1, log, log2,
  log10, log1p), ``hyperbolic`` (tanh, sinh, cosh, sigmoid), ``trig`` (sin, cos, tan with the
  Payne-Hanek reduction), ``invtrig`` (asin, acos, atan, atan2), ``power`` (pow), ``erf``
  (erf, erfc) and ``lgamma``; ``expr`` is the expression layer over IRBuilder they share and
  ``consts`` the constants several of them use.
* Polynomial coefficients were fitted at development time (weighted least squares on
  Chebyshev nodes in mpmath, coefficients rounded one at a time to the target format and the
  rest refitted); split constants (ln2, pi/2, ... hi/lo) were computed with mpmath.

Measured accuracy: max error in ulps of the exact result (0.5 = correctly rounded). float32:
vs float64 numpy/scipy/libm references; a stride-61 sweep over all 2**32 bit patterns (70M
values) plus dense random sets near 0, thresholds and special ranges. float64: vs 80-bit long
double numpy (x87), mpmath for erf/erfc/lgamma; 1M random bit patterns + dense ranges per
function. NaN/+-inf/+-0 (including the sign of zero results) and subnormals match numpy.

    function   float32  float64        function   float32  float64
    exp         1.00     0.96          tanh        1.49     1.50
    exp2        0.84     0.87          sinh        1.42     1.75
    expm1       1.23     1.41          cosh        1.42     1.40
    log         0.83     0.81          asin        1.54     1.54
    log2        0.81     0.76          acos        1.24     1.15
    log10       0.72     0.69          atan        1.82     1.74
    log1p       0.82     0.82          atan2       1.82     1.84
    sin         0.50 *   0.79 *        erf         1.58     0.93
    cos         0.50 *   0.80 *        erfc        0.50     2.42
    tan         0.50 *   0.94 *        sigmoid     2.30     2.27
    pow         0.50     0.75 **       lgamma      0.50 *** 2.00 ***

Where the bounds are weaker:
  *   sin/cos/tan hold over the whole range (up to 3.4e38 / 1.8e308). float32: 0.5001 ulp on
      the stride-61 sweep and on the 3 float32 closest to a multiple of pi/2 in every binade.
      float64: 3M random bit patterns, dense ranges, and the 2 doubles closest to a multiple of
      pi/2 in every binade (vs mpmath, <= 0.5 ulp there); the maxima are kernel errors at
      ordinary arguments.
  **  pow float64: 0.63 ulp for normal results; subnormal results round twice (<= 0.75 ulp).
  *** lgamma for x < 0 is accurate to ~2e-15 * max(1, |lgamma(x)|) in absolute terms only:
      near the zeros of lgamma on the negative axis (x ~ -2.457, -2.747, -3.144, ...) the
      relative error is unbounded (e.g. 19 ulp at x = -4.033 where lgamma = 0.18) -- float32 is
      unaffected except within ~1e-8 of those zeros. float64 lgamma for x > 0: 2.0 ulp.
  erfc float64 reaches 2.4 ulp (product of exp(-x**2) and h(1/x)); sigmoid 2.3 ulp (exp,
  1 + e and the division round separately).

Speed, ns/element (LLVM 22 -O3 loop kernels on a 2-vCPU AMD EPYC znver4 VM, 512-bit vectors,
shared with other jobs: +-20% noise; numpy 2.4 has its own AVX-512 exp/log/sin/tanh/pow):
16M float32 elements (64 MiB in + 64 MiB out, CPU time per element, best of 5):
    exp  tjit 0.28  numpy 0.48     tanh  tjit 0.53  numpy 0.38     sin  tjit 1.9   numpy 0.72
16K elements in cache (tjit / numpy; numpy has no erf/erfc/sigmoid/lgamma: scipy.special):
    function  float32      float64          function  float32      float64
    exp       0.28/0.49    0.72/0.81       sinh      0.76/0.38    2.07/1.17
    exp2      0.24/0.23    0.59/0.72       cosh      0.34/0.34    0.90/0.97
    expm1     0.32/0.39    0.78/1.17       asin      0.36/0.40    1.00/1.29
    log       0.49/0.41    1.11/0.82       acos      0.41/0.42    1.12/1.34
    log2      0.58/0.27    1.29/0.95       atan      0.31/0.41    0.85/1.32
    log10     0.60/0.24    1.41/2.02       atan2     0.68/0.65    1.66/4.00
    log1p     0.63/0.49    1.40/1.13       pow       2.68/0.69    5.49/2.30
    sin       1.70/0.54    3.80/8.77       erf       0.50/12.77   3.85/12.85
    cos       1.70/0.55    3.75/8.82       erfc      4.01/12.22   3.93/11.97
    tan       1.91/0.42    4.50/1.37       sigmoid   0.39/3.64    0.99/6.28
    tanh      0.52/0.38    1.46/1.74       lgamma    8.39/18.93   8.86/21.99
sin/cos/tan pay for the Payne-Hanek reduction on every lane whatever the arguments: ~0.8 ns
(float32) / ~2.0 ns (float64) per element more than a Cody-Waite-only version (about half of it
the 2 / 4 gathers, ~1 element per cycle on this AMD CPU).
"""
from __future__ import annotations

from llvmlite import ir

from . import erf, explog, hyperbolic, invtrig, lgamma, power, trig
from .expr import Emitter, Val

__all__ = ["emit", "SUPPORTED"]

_UNARY = {
    "exp": explog.exp,
    "exp2": explog.exp2,
    "expm1": explog.expm1,
    "log": explog.log,
    "log2": explog.log2,
    "log10": explog.log10,
    "log1p": explog.log1p,
    "sin": trig.sin,
    "cos": trig.cos,
    "tan": trig.tan,
    "tanh": hyperbolic.tanh,
    "sinh": hyperbolic.sinh,
    "cosh": hyperbolic.cosh,
    "asin": invtrig.asin,
    "acos": invtrig.acos,
    "atan": invtrig.atan,
    "sigmoid": hyperbolic.sigmoid,
    "erf": erf.erf,
    "erfc": erf.erfc,
    "lgamma": lgamma.lgamma,
}
_BINARY = {
    "atan2": invtrig.atan2,
    "pow": power.power,
}

SUPPORTED: frozenset = frozenset(_UNARY) | frozenset(_BINARY)


def emit(builder: ir.IRBuilder, name: str, *args: ir.Value) -> ir.Value:
    """Emit branch-free, call-free IR computing ``name(*args)`` at the builder's position.

    Every argument must be a scalar ``float`` or ``double`` value (all the same type);
    the result has that type.
    """
    if name in _UNARY:
        fn, n = _UNARY[name], 1
    elif name in _BINARY:
        fn, n = _BINARY[name], 2
    else:
        raise ValueError("mathlib: unsupported function %r (supported: %s)"
                         % (name, ", ".join(sorted(SUPPORTED))))
    if len(args) != n:
        raise TypeError("mathlib: %s takes %d argument(s), got %d" % (name, n, len(args)))
    ty = args[0].type
    if not isinstance(ty, (ir.FloatType, ir.DoubleType)):
        raise TypeError("mathlib: %s: arguments must be float or double, got %s" % (name, ty))
    if any(a.type != ty for a in args):
        raise TypeError("mathlib: %s: all arguments must have the same type" % name)
    e = Emitter(builder)
    return fn(e, *[Val(e, a) for a in args]).v
