"""Questions the Triton generator asks of a Kernel IR kernel before writing any code:
which loop variables a value reads, whether indices fit in int32, and whether a contract
kernel is a plain A @ B that tl.dot can compute."""
from __future__ import annotations

from dataclasses import dataclass

from tjit.ir import symbolic as sym
from tjit.ir.kernel import K, Kernel, KVal, extent
from tjit.ir.ops import Op, ReduceOp


def kvals(root: KVal):
    """Every KVal below `root`, including data-dependent index values (Ext keys)."""
    seen, stack = set(), [root]
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        yield v
        stack.extend(v.src)
        for e in index_exprs(v):
            stack.extend(a.key for a in atoms(e) if isinstance(a, sym.Ext))


def index_exprs(v: KVal) -> list:
    """The index expressions a leaf value reads at."""
    if v.op is K.LOAD:
        return [v.arg[1]] + [c.expr for c in v.arg[2]]
    if v.op is K.INDEX:
        return [v.arg]
    if v.op is K.RAND:
        return [v.arg[1]]
    return []


def atoms(e: sym.Lin):
    """The atoms of `e`, including those inside Div/Mod numerators."""
    for a, _ in e.terms:
        yield a
        if isinstance(a, (sym.Div, sym.Mod, sym.Ranged)):
            yield from atoms(a.num)


def has_ext(e: sym.Lin) -> bool:
    return any(isinstance(a, sym.Ext) for a in atoms(e))


def loop_vars(v: KVal) -> set:
    """The loop variables a value depends on."""
    out = set()
    for x in kvals(v):
        for e in index_exprs(x):
            out |= {a for a in atoms(e) if isinstance(a, sym.Var)}
    return out


def _magnitude(e: sym.Lin) -> int:
    """Largest absolute value any partial sum of `e` can take."""
    total = abs(e.const)
    for a, c in e.terms:
        m = _magnitude(a.num) if isinstance(a, (sym.Div, sym.Mod, sym.Ranged)) else max(abs(a.lo), abs(a.hi))
        total += abs(c) * m
    return total


def needs_int64(k: Kernel) -> bool:
    """Whether index arithmetic can leave int32 (Triton's tl.arange and program_id are int32)."""
    exprs = [s.index for s in k.stores]
    for root in [r.value for r in k.reduces] + [s.value for s in k.stores]:
        for v in kvals(root):
            exprs.extend(index_exprs(v))
    limit = 2 ** 31 - 1
    sizes = [a.numel for a in k.args] + [extent(v) for v in k.outer + k.inner]
    return any(n >= limit for n in sizes) or any(_magnitude(e) >= limit for e in exprs)


@dataclass
class DotPlan:
    """A contract kernel that is a plain (batched) A @ B: the outer variables split into batch
    (read by both operands), rows (A only) and columns (B only); one SUM over `k` of a * b."""
    batch: list
    rows: list
    cols: list
    k: sym.Var
    a: KVal
    b: KVal


def dot_plan(k: Kernel) -> DotPlan | None:
    """How tl.dot computes `k`, or None when it is not a float A @ B with an epilogue."""
    if k.kind != "contract" or len(k.reduces) != 1 or k.inner:
        return None
    r = k.reduces[0]
    if r.op is not ReduceOp.SUM or len(r.vars) != 1 or r.value.op is not Op.MUL:
        return None
    if r.dtype.name not in ("float32", "float16", "bfloat16"):
        return None
    a, b = r.value.src
    va, vb = loop_vars(a), loop_vars(b)
    kv = r.vars[0]
    if kv not in va or kv not in vb or any(x.op is K.ACC for x in (*kvals(a), *kvals(b))):
        return None
    batch = [v for v in k.outer if v in va and v in vb]
    rows = [v for v in k.outer if v in va and v not in vb]
    cols = [v for v in k.outer if v in vb and v not in va]
    if len(batch) + len(rows) + len(cols) != len(k.outer):
        return None
    return DotPlan(batch, rows, cols, kv, a, b)
