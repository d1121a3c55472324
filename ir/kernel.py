"""Kernel IR: the single lowering target both code generators read.

A kernel has a fixed, printable shape that maps onto CPU loops and Triton blocks alike:

    for outer vars (parallel):                      # Kernel.outer
        acc_k = reduce_op over vars_k of value_k    # Kernel.reduces, in order; may use acc_<k
        for inner vars:                             # Kernel.inner
            store out[index] = value                # Kernel.stores

`kind` names the template: elementwise / reduce / contract (a reduce whose value is a
product, lowered to GEMM where the backend can) / scan (the reduce runs along the inner loop
and stores every step) / scatter (stores accumulate into an existing buffer at
data-dependent indices; never split across threads).

Values form a DAG of `KVal`; loop indices are `tjit.ir.symbolic` expressions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, auto

from . import symbolic as sym
from .dtype import DType
from .ops import Op, ReduceOp


class K(Enum):
    """Kernel-level leaves; computation nodes use `Op` (elementwise ops, WHERE, CAST)."""
    LOAD = auto()   # arg = (arg slot, index Lin, valid constraints, fill)
    CONST = auto()  # arg = python scalar
    INDEX = auto()  # arg = index Lin, as a value
    ACC = auto()    # arg = accumulator number
    RAND = auto()   # arg = (rand slot, counter Lin): uniform float32 in [0, 1)


@dataclass(frozen=True)
class KVal:
    op: object  # K or Op
    dtype: DType
    src: tuple = ()
    arg: object = None

    def __hash__(self):
        """Cached: codegen memoizes on values, and rehashing a deep DAG at every lookup is quadratic."""
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.op, self.dtype, self.src, self.arg))
            object.__setattr__(self, "_hash", h)
        return h


@dataclass(frozen=True)
class Constraint:
    """lo <= expr <= hi must hold for a load to be in bounds (from PAD)."""
    expr: sym.Lin
    lo: int
    hi: int


@dataclass
class Reduce:
    acc: int
    op: ReduceOp
    dtype: DType
    vars: list
    value: KVal
    # for a matmul: the index expressions of its row and column (what GEMM codegen blocks)
    matmul_axes: tuple | None = None


@dataclass
class Store:
    slot: int
    index: sym.Lin
    value: KVal
    accumulate: ReduceOp | None = None  # scatter-add style read-modify-write


@dataclass
class KArg:
    name: str
    dtype: DType
    kind: str  # 'out', 'in', 'rand' (a u64 seed/offset pair), 'inout'
    numel: int = 0


@dataclass
class Kernel:
    name: str
    kind: str
    args: list
    outer: list = field(default_factory=list)
    reduces: list = field(default_factory=list)
    inner: list = field(default_factory=list)
    stores: list = field(default_factory=list)
    # accumulators also written out (at the outer level, after the reduces): a reduction's
    # value is kept, so a later schedule loads it instead of recomputing it in another kernel
    # with another summation order (values compared for equality, as a max with its winners,
    # must stay bit-identical)
    acc_stores: list = field(default_factory=list)

    def __str__(self) -> str:
        return format_kernel(self)


def extent(v: sym.Var) -> int:
    return v.hi + 1


def format_kernel(k: Kernel) -> str:
    names: dict = {}
    lines = []

    def val(v: KVal) -> str:
        if v in names:
            return names[v]
        if v.op is K.CONST:
            return repr(v.arg)
        if v.op is K.ACC:
            return f"acc{v.arg}"
        if v.op is K.LOAD:
            slot, idx, valid, fill = v.arg
            guard = "".join(f" if {c.lo}<={c.expr}<={c.hi}" for c in valid)
            s = f"{k.args[slot].name}[{idx}]{guard}" + (f" else {fill}" if valid else "")
        elif v.op is K.INDEX:
            s = f"idx({v.arg})"
        elif v.op is K.RAND:
            s = f"rand({k.args[v.arg[0]].name}, {v.arg[1]})"
        elif v.op is Op.CAST:
            s = f"{v.dtype.name}({val(v.src[0])})"
        else:
            s = f"{v.op.name.lower()}({', '.join(val(x) for x in v.src)})"
        name = f"v{len(names)}"
        names[v] = name
        lines.append(f"{pad}{name}: {v.dtype.name} = {s}")
        return name

    sig = ", ".join(f"{a.kind} {a.name}: {a.dtype.name}" for a in k.args)
    out = [f"kernel {k.name} [{k.kind}] ({sig})"]
    depth = 1
    if k.outer:
        out.append("  " * depth + "for " + ", ".join(f"{v.name} < {extent(v)}" for v in k.outer) + " (parallel):")
        depth += 1
    for r in k.reduces:
        pad = "  " * (depth + 1)
        lines, names = [], {}
        res = val(r.value)
        out.append("  " * depth + f"acc{r.acc} = {r.op.name.lower()} over "
                   + ", ".join(f"{v.name} < {extent(v)}" for v in r.vars) + ":")
        out.extend(lines)
        out.append(pad + f"-> {res}")
    for st in k.acc_stores:
        out.append("  " * depth + f"{k.args[st.slot].name}[{st.index}] = acc{st.value.arg}  (kept)")
    if k.inner:
        out.append("  " * depth + "for " + ", ".join(f"{v.name} < {extent(v)}" for v in k.inner) + ":")
        depth += 1
    for st in k.stores:
        pad = "  " * depth
        lines, names = [], {}
        res = val(st.value)
        out.extend(lines)
        op = "=" if st.accumulate is None else f"{st.accumulate.name.lower()}="
        out.append(pad + f"{k.args[st.slot].name}[{st.index}] {op} {res}")
    return "\n".join(out)
