"""The one primitive op set.  Every frontend op decomposes into these."""
from __future__ import annotations

from enum import Enum, auto


class Op(Enum):
    __hash__ = object.__hash__  # members are singletons; Enum's own hash is a Python call
    # sources
    BUFFER = auto()   # realized data; arg = runtime Buffer
    CONST = auto()    # arg = python scalar, broadcast to shape
    IOTA = auto()     # arg = axis: the index along that axis
    RAND = auto()     # arg = RandKey: counter-based uniform [0,1) (seed/offset are kernel arguments)
    # unary elementwise
    NEG = auto(); RECIP = auto(); SQRT = auto(); RSQRT = auto(); EXP = auto(); EXPM1 = auto()
    LOG = auto(); LOG1P = auto(); SIN = auto(); COS = auto(); TAN = auto(); TANH = auto()
    ASIN = auto(); ACOS = auto(); ATAN = auto(); ERF = auto(); SIGMOID = auto()
    ABS = auto(); FLOOR = auto(); CEIL = auto(); TRUNC = auto(); ROUND = auto(); NOT = auto()
    CAST = auto()     # arg = DType
    # binary elementwise
    ADD = auto(); SUB = auto(); MUL = auto(); DIV = auto(); IDIV = auto(); FMOD = auto()
    MAX = auto(); MIN = auto(); POW = auto(); ATAN2 = auto()
    CMPLT = auto(); CMPLE = auto(); CMPEQ = auto(); CMPNE = auto()
    AND = auto(); OR = auto(); XOR = auto()
    # ternary
    WHERE = auto()
    # reductions: arg = (ReduceOp, axes); output keeps reduced axes as size 1
    REDUCE = auto()
    # movement (views: they only change indexing, never copy)
    RESHAPE = auto()  # arg = new shape
    PERMUTE = auto()  # arg = permutation
    EXPAND = auto()   # arg = new shape (size-1 axes broadcast)
    PAD = auto()      # arg = (((before, after), ...), fill value)
    SHRINK = auto()   # arg = ((start, end), ...)
    FLIP = auto()     # arg = axes
    AS_STRIDED = auto()  # arg = (shape, strides, offset) over the source's row-major elements
    # structured ops with their own kernel shapes
    CONTRACT = auto()  # batched matmul: (..., M, K) x (..., K, N) -> (..., M, N)
    GATHER = auto()    # arg = axis: out[i] = src[i with i[axis] := index[i]]
    SCATTER = auto()   # arg = (axis, reduce): out = base; out[.. index[i] ..] (+)= src[i]
    SCAN = auto()      # arg = (ReduceOp, axis): inclusive cumulative sum/prod
    EXTERN = auto()    # arg = ExternCall: a library routine (sort, LAPACK) run as one schedule item
    CAT = auto()       # arg = axis: the sources joined along it, each written in place by its own kernel


class ReduceOp(Enum):
    SUM = auto(); PROD = auto(); MAX = auto(); MIN = auto()


UNARY = frozenset({Op.NEG, Op.RECIP, Op.SQRT, Op.RSQRT, Op.EXP, Op.EXPM1, Op.LOG, Op.LOG1P, Op.SIN,
                   Op.COS, Op.TAN, Op.TANH, Op.ASIN, Op.ACOS, Op.ATAN, Op.ERF, Op.SIGMOID, Op.ABS,
                   Op.FLOOR, Op.CEIL, Op.TRUNC, Op.ROUND, Op.NOT, Op.CAST})
BINARY = frozenset({Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.IDIV, Op.FMOD, Op.MAX, Op.MIN, Op.POW,
                    Op.ATAN2, Op.CMPLT, Op.CMPLE, Op.CMPEQ, Op.CMPNE, Op.AND, Op.OR, Op.XOR})
COMPARE = frozenset({Op.CMPLT, Op.CMPLE, Op.CMPEQ, Op.CMPNE})
ELEMENTWISE = UNARY | BINARY | {Op.WHERE}
MOVEMENT = frozenset({Op.RESHAPE, Op.PERMUTE, Op.EXPAND, Op.PAD, Op.SHRINK, Op.FLIP, Op.AS_STRIDED})
SOURCES = frozenset({Op.BUFFER, Op.CONST, Op.IOTA, Op.RAND})
# ops whose output is always written to memory by a kernel of its own
MATERIALIZING = frozenset({Op.CONTRACT, Op.SCATTER, Op.SCAN, Op.EXTERN, Op.CAT})
