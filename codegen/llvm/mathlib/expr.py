"""A tiny expression layer over llvmlite's IRBuilder for the mathlib kernels.

``Val`` wraps an ``ir.Value`` and overloads arithmetic (python numbers become constants of
the other operand's type); comparisons return ``Mask``. ``Emitter`` holds the builder and the
helpers every function family shares: intrinsics, NaN-preserving clamps, bit casts, the
branch-free float <-> int conversions, exact 2**k scaling, constant tables and Horner
polynomials. No fast-math flags are ever set: every rounding step is explicit (the
error-free transformations rely on it).
"""
from __future__ import annotations

from llvmlite import ir

F32 = ir.FloatType()
F64 = ir.DoubleType()
INF = float("inf")
NAN = float("nan")


class Mask:
    """An i1 mask (result of a comparison)."""

    __slots__ = ("e", "v")

    def __init__(self, e, v):
        self.e, self.v = e, v

    def __and__(self, o):
        return Mask(self.e, self.e.b.and_(self.v, o.v))

    def __or__(self, o):
        return Mask(self.e, self.e.b.or_(self.v, o.v))

    def __invert__(self):
        return Mask(self.e, self.e.b.not_(self.v))


class Val:
    """A float or int value; operators emit the matching instruction."""

    __slots__ = ("e", "v")

    def __init__(self, e, v):
        self.e, self.v = e, v

    @property
    def ty(self):
        return self.v.type

    @property
    def isf(self):
        return isinstance(self.v.type, (ir.FloatType, ir.DoubleType))

    def _o(self, o):
        return o.v if isinstance(o, Val) else self.e.const(self.v.type, o)

    def _bin(self, fop, iop, o, rev=False):
        b = self.e.b
        a, c = (self._o(o), self.v) if rev else (self.v, self._o(o))
        return Val(self.e, getattr(b, fop if self.isf else iop)(a, c))

    def __add__(self, o):
        return self._bin("fadd", "add", o)

    def __radd__(self, o):
        return self._bin("fadd", "add", o, True)

    def __sub__(self, o):
        return self._bin("fsub", "sub", o)

    def __rsub__(self, o):
        return self._bin("fsub", "sub", o, True)

    def __mul__(self, o):
        return self._bin("fmul", "mul", o)

    def __rmul__(self, o):
        return self._bin("fmul", "mul", o, True)

    def __truediv__(self, o):
        return self._bin("fdiv", "sdiv", o)

    def __rtruediv__(self, o):
        return self._bin("fdiv", "sdiv", o, True)

    def __neg__(self):
        if self.isf:
            return Val(self.e, self.e.b.fneg(self.v))
        return 0 - self

    # integer-only bit operations
    def __and__(self, o):
        return Val(self.e, self.e.b.and_(self.v, self._o(o)))

    def __or__(self, o):
        return Val(self.e, self.e.b.or_(self.v, self._o(o)))

    def __xor__(self, o):
        return Val(self.e, self.e.b.xor(self.v, self._o(o)))

    def __lshift__(self, o):
        return Val(self.e, self.e.b.shl(self.v, self._o(o)))

    def lshr(self, o):
        return Val(self.e, self.e.b.lshr(self.v, self._o(o)))

    # comparisons -> Mask. Float ones are *ordered* (false on NaN) unless u*-prefixed.
    def _cmp(self, op, o, unordered=False):
        b = self.e.b
        if self.isf:
            f = b.fcmp_unordered if unordered else b.fcmp_ordered
            return Mask(self.e, f(op, self.v, self._o(o)))
        return Mask(self.e, b.icmp_signed(op, self.v, self._o(o)))

    def lt(self, o):
        return self._cmp("<", o)

    def le(self, o):
        return self._cmp("<=", o)

    def gt(self, o):
        return self._cmp(">", o)

    def ge(self, o):
        return self._cmp(">=", o)

    def eq(self, o):
        return self._cmp("==", o)

    def ne(self, o):
        return self._cmp("!=", o, unordered=True)

    def ult(self, o):
        return self._cmp("<", o, unordered=True)

    def ugt(self, o):
        return self._cmp(">", o, unordered=True)

    def isnan(self):
        return Mask(self.e, self.e.b.fcmp_unordered("uno", self.v, self.v))


class Fmt:
    """Per-format constants of float32 / float64 and their same-width integers."""

    def __init__(self, bits):
        self.bits = bits
        self.f = F32 if bits == 32 else F64
        self.i = ir.IntType(bits)
        self.mant = 23 if bits == 32 else 52
        self.bias = 127 if bits == 32 else 1023
        self.magic = 1.5 * 2.0**self.mant  # x + magic puts rint(x) in the low mantissa bits
        self.magic_bits = 0x4B400000 if bits == 32 else 0x4338000000000000
        self.min_normal = 2.0**-126 if bits == 32 else 2.0**-1022
        self.max = float.fromhex("0x1.fffffep127" if bits == 32 else "0x1.fffffffffffffp1023")
        self.half_off = 512 if bits == 32 else 4096  # offset making exponents positive for lshr


FMT32, FMT64 = Fmt(32), Fmt(64)


def _ty_of(*xs, default=None):
    """The type of the first ``Val`` among ``xs`` (python numbers take it), else ``default``."""
    return next((x.ty for x in xs if isinstance(x, Val)), default)


class Emitter:
    """Emission context: builder + intrinsic declarations + helpers."""

    def __init__(self, builder):
        self.b = builder
        self.mod = builder.module

    # ---- constants / types
    def const(self, ty, val):
        if isinstance(ty, ir.IntType):
            return ir.Constant(ty, int(val))
        return ir.Constant(ty, float(val))

    def k(self, ty, val):
        return Val(self, self.const(ty, val))

    def tinfo(self, x):
        return FMT32 if isinstance(x.ty, ir.FloatType) else FMT64

    def iinfo(self, k):
        """The format whose integers have ``k``'s width."""
        return FMT32 if k.ty.width == 32 else FMT64

    # ---- intrinsics
    def _intr(self, name, ty, nargs):
        fnty = ir.FunctionType(ty, [ty] * nargs)
        fn = self.mod.declare_intrinsic(name, [ty], fnty)
        if fn.function_type != fnty:
            raise TypeError("intrinsic %s already declared with type %s" % (fn.name, fn.function_type))
        return fn

    def call(self, name, *args):
        vals = [a.v for a in args]
        fn = self._intr(name, vals[0].type, len(vals))
        return Val(self, self.b.call(fn, vals))

    def fma(self, a, b, c):
        ty = _ty_of(a, b, c)
        return self.call("llvm.fma", *(v if isinstance(v, Val) else self.k(ty, v) for v in (a, b, c)))

    def rint(self, x):
        return self.call("llvm.rint", x)

    def floor(self, x):
        return self.call("llvm.floor", x)

    def fabs(self, x):
        return self.call("llvm.fabs", x)

    def sqrt(self, x):
        return self.call("llvm.sqrt", x)

    def copysign(self, mag, sgn):
        return self.call("llvm.copysign", mag, sgn)

    def select(self, m, a, b, ty=None):
        ty = _ty_of(a, b, default=ty)
        av = a.v if isinstance(a, Val) else self.const(ty, a)
        bv = b.v if isinstance(b, Val) else self.const(ty, b)
        return Val(self, self.b.select(m.v, av, bv))

    def clamp(self, x, lo, hi):
        """NaN-preserving clamp (compare + select, lowers to min/max)."""
        x = self.select(x.gt(hi), hi, x)
        return self.select(x.lt(lo), lo, x)

    # ---- bit casts / conversions
    def bits(self, x):
        return Val(self, self.b.bitcast(x.v, self.tinfo(x).i))

    def from_bits(self, i):
        return Val(self, self.b.bitcast(i.v, self.iinfo(i).f))

    def ext(self, x):
        return Val(self, self.b.fpext(x.v, F64))

    def trunc(self, x):
        return Val(self, self.b.fptrunc(x.v, F32))

    def toint(self, kf):
        """Integer-valued float (|k| < 2**22 / 2**51) -> same-width int, without fptosi
        (no poison on NaN, and no scalarised f64->i64 conversion on AVX2)."""
        t = self.tinfo(kf)
        return self.bits(kf + t.magic) - t.magic_bits

    def tofloat(self, k):
        t = self.iinfo(k)
        return self.from_bits(k + t.magic_bits) - t.magic

    def pow2i(self, k):
        """2**k for an int k in the normal exponent range."""
        t = self.iinfo(k)
        return self.from_bits((k + t.bias) << t.mant)

    def ldexp(self, y, kf):
        """y * 2**kf, kf integer-valued float with 2**(kf/2) normal; one rounding only."""
        t = self.tinfo(y)
        k = self.toint(kf)
        k1 = (k + t.half_off).lshr(1) - t.half_off // 2  # floor(k / 2)
        k2 = k - k1
        return (y * self.pow2i(k1)) * self.pow2i(k2)

    def signbit(self, x):
        return self.bits(x).lt(0)

    def zext64(self, i):
        return i if i.ty.width == 64 else Val(self, self.b.zext(i.v, ir.IntType(64)))

    # ---- constant tables (indexed loads become gathers when vectorised)
    def table(self, name, values):
        """The module's private constant double array ``name`` (created on first use)."""
        g = self.mod.globals.get(name)
        if g is None:
            ty = ir.ArrayType(F64, len(values))
            g = ir.GlobalVariable(self.mod, ty, name)
            g.global_constant, g.linkage, g.unnamed_addr = True, "private", True
            g.initializer = ir.Constant(ty, values)
        return g

    def lookup(self, table, idx):
        """table[idx] for an in-range integer index."""
        ptr = self.b.gep(table, [ir.Constant(idx.ty, 0), idx.v], inbounds=True)
        return Val(self, self.b.load(ptr))

    # ---- polynomials
    def poly(self, z, coeffs):
        """Horner with fma: sum coeffs[i] * z**i."""
        p = self.k(z.ty, coeffs[-1])
        for c in reversed(coeffs[:-1]):
            p = self.fma(p, z, c)
        return p
