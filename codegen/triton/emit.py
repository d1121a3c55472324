"""Kernel IR -> Triton source text (one `@triton.jit` function per kernel).

The generated function is specialised to the kernel's shapes: every extent is a literal, the
only runtime arguments are the buffer pointers (`<arg>_ptr`, in `Kernel.args` order) and the
block sizes are `tl.constexpr` parameters (`TritonKernel` carries the launch metadata).
Values are tiles along at most two axes; templates.py maps each kernel kind onto programs and
tile axes, this module renders values, indices, loads and stores inside them.

Semantics follow the CPU generator (codegen/llvm/emit.py) op for op: half types are stored as
such and computed in float32, integer division never traps, max/min propagate NaN, RAND is the
same splitmix64 of (key, offset + counter).  `OPS` is the one table of what each Op means here.
Every lane outside the iteration space is masked, so no kernel reads or writes out of bounds.
Generated code calls only Triton builtins and its own helpers (helpers.py), never
triton.language.standard's @jit functions, so one process can both interpret kernels
(TRITON_INTERPRET=1) and compile them ahead of time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from math import prod

from tjit.ir import symbolic as sym
from tjit.ir.dtype import DType
from tjit.ir.kernel import K, Kernel, KVal, extent
from tjit.ir.ops import Op, ReduceOp

from . import helpers
from .analysis import has_ext, needs_int64

TL = {"bool": "tl.int1", "uint8": "tl.uint8", "int8": "tl.int8", "int16": "tl.int16", "int32": "tl.int32",
       "int64": "tl.int64", "float16": "tl.float16", "bfloat16": "tl.bfloat16", "float32": "tl.float32",
       "float64": "tl.float64"}
# the launch signature's pointer type of each dtype's buffers (bool is stored as bytes)
POINTER = {"bool": "*i8", "uint8": "*u8", "int8": "*i8", "int16": "*i16", "int32": "*i32", "int64": "*i64",
           "float16": "*fp16", "bfloat16": "*bf16", "float32": "*fp32", "float64": "*fp64"}


def value_type(d: DType) -> str:
    """Type a value has while it is computed: half types compute in float32, as on the CPU."""
    return "tl.float32" if d.name in ("float16", "bfloat16") else TL[d.name]


def _kind(d: DType) -> int:
    """Column of `OPS` for operands of dtype `d`."""
    return 0 if d.kind == "f" else 2 if d.kind == "b" else 1


# Op -> (float, int, bool) template; {0} {1} {2} are the operands in their value types.
OPS = {
    Op.ADD: ("{0} + {1}", "{0} + {1}", "{0} | {1}"),
    Op.SUB: ("{0} - {1}", "{0} - {1}", "{0} ^ {1}"),
    Op.MUL: ("{0} * {1}", "{0} * {1}", "{0} & {1}"),
    Op.DIV: ("{0} / {1}", "_div_trunc({0}, {1})", None),
    Op.IDIV: ("tl.floor({0} / {1})", "_div_floor({0}, {1})", None),
    Op.FMOD: ("libdevice.fmod({0}, {1})", "_mod_trunc({0}, {1})", None),
    Op.MAX: ("tl.maximum({0}, {1}, propagate_nan=tl.PropagateNan.ALL)", "tl.maximum({0}, {1})", "{0} | {1}"),
    Op.MIN: ("tl.minimum({0}, {1}, propagate_nan=tl.PropagateNan.ALL)", "tl.minimum({0}, {1})", "{0} & {1}"),
    Op.POW: ("libdevice.pow({0}, {1})", "_ipow({0}, {1})", None),
    Op.ATAN2: ("libdevice.atan2({0}, {1})", None, None),
    Op.CMPLT: ("{0} < {1}", "{0} < {1}", "{0}.to(tl.int8) < {1}.to(tl.int8)"),
    Op.CMPLE: ("{0} <= {1}", "{0} <= {1}", "{0}.to(tl.int8) <= {1}.to(tl.int8)"),
    Op.CMPEQ: ("{0} == {1}", "{0} == {1}", "{0} == {1}"),
    Op.CMPNE: ("{0} != {1}", "{0} != {1}", "{0} != {1}"),  # float != is unordered: NaN != NaN
    Op.AND: (None, "{0} & {1}", "{0} & {1}"),
    Op.OR: (None, "{0} | {1}", "{0} | {1}"),
    Op.XOR: (None, "{0} ^ {1}", "{0} ^ {1}"),
    Op.WHERE: ("tl.where({0}, {1}, {2})",) * 3,
    Op.NOT: (None, "~{0}", "~{0}"),
    Op.NEG: ("-{0}", "-{0}", None),
    Op.ABS: ("tl.abs({0})", "tl.abs({0})", "{0}"),
    Op.RECIP: ("1.0 / {0}", None, None),
    Op.SQRT: ("tl.sqrt({0})", None, None),
    Op.RSQRT: ("tl.rsqrt({0})", None, None),
    Op.EXP: ("tl.exp({0})", None, None),
    Op.EXPM1: ("libdevice.expm1({0})", None, None),
    Op.LOG: ("tl.log({0})", None, None),
    Op.LOG1P: ("libdevice.log1p({0})", None, None),
    Op.SIN: ("tl.sin({0})", None, None),
    Op.COS: ("tl.cos({0})", None, None),
    Op.TAN: ("libdevice.tan({0})", None, None),
    Op.TANH: ("libdevice.tanh({0})", None, None),
    Op.ASIN: ("libdevice.asin({0})", None, None),
    Op.ACOS: ("libdevice.acos({0})", None, None),
    Op.ATAN: ("libdevice.atan({0})", None, None),
    Op.ERF: ("tl.erf({0})", None, None),
    Op.SIGMOID: ("1.0 / (1.0 + tl.exp(-{0}))", None, None),
    Op.FLOOR: ("tl.floor({0})", "{0}", "{0}"),
    Op.CEIL: ("tl.ceil({0})", "{0}", "{0}"),
    Op.TRUNC: ("libdevice.trunc({0})", "{0}", "{0}"),
    Op.ROUND: ("libdevice.rint({0})", "{0}", "{0}"),  # half to even
}
# float32 `/` and tl.sqrt are approximations on the GPU; the CPU rounds them exactly
_FLOAT32 = {Op.DIV: "tl.div_rn({0}, {1})", Op.IDIV: "tl.floor(tl.div_rn({0}, {1}))",
            Op.RECIP: "tl.div_rn(1.0, {0})", Op.SQRT: "tl.sqrt_rn({0})"}
# unsigned division cannot overflow: only a zero divisor needs a guard
_UNSIGNED = {Op.DIV: "{0} // tl.where({1} == 0, 1, {1})", Op.IDIV: "{0} // tl.where({1} == 0, 1, {1})",
             Op.FMOD: "{0} % tl.where({1} == 0, 1, {1})", Op.ABS: "{0}"}
# a constant divisor other than 0 and -1 can neither trap nor overflow: Triton's C-style // and %
# (truncating) do; keyed by (op, unsigned)
_CONST_DIVISOR = {(Op.DIV, False): "{0} // {1}", (Op.DIV, True): "{0} // {1}", (Op.IDIV, True): "{0} // {1}",
                  (Op.FMOD, False): "{0} % {1}", (Op.FMOD, True): "{0} % {1}"}
# ops whose templates take Python literals as operands (Triton types a literal like its tensor operand)
_TAKES_LITERALS = frozenset({Op.ADD, Op.SUB, Op.MUL, Op.CMPLT, Op.CMPLE, Op.CMPEQ, Op.CMPNE, Op.AND, Op.OR,
                             Op.XOR, Op.WHERE, Op.MAX, Op.MIN})
_FLOAT_TAKES_LITERALS = frozenset({Op.DIV, Op.IDIV})


def template(op: Op, d: DType) -> str:
    """The Triton expression of `op` on operands of dtype `d`."""
    if value_type(d) == "tl.float32" and op in _FLOAT32:
        return _FLOAT32[op]
    if d.kind == "u" and op in _UNSIGNED:
        return _UNSIGNED[op]
    t = OPS[op][_kind(d)]
    if t is None:
        raise NotImplementedError(f"Triton codegen: {op.name} on {d.name}")
    return t


@dataclass(frozen=True)
class TritonKernel:
    """Generated source plus what a launcher needs: pointer signature, block sizes, grid."""
    name: str            # the Kernel IR name
    fn_name: str         # the @triton.jit function in `source`
    source: str
    signature: dict      # runtime argument name -> pointer type, in launch order
    constexprs: dict     # block sizes: constexpr name -> value
    grid_terms: tuple    # program count = prod(cdiv(extent, constexprs[block] or 1))
    num_warps: int = 4
    num_stages: int = 3

    def grid(self, constexprs: dict | None = None) -> tuple:
        c = {**self.constexprs, **(constexprs or {})}
        n = 1
        for ext, block in self.grid_terms:
            b = c[block] if block else 1
            n *= -(-ext // b)
        return (n,)


def kernel_source(kernel: Kernel) -> str:
    return generate(kernel).source


def generate(kernel: Kernel) -> TritonKernel:
    from .templates import KernelWriter  # the skeletons build on the renderer below
    return KernelWriter(kernel).write()


def literal(x, d: DType) -> str:
    """A Python literal of `x` as a value of dtype `d` (integers wrap to its width)."""
    if d.name == "bool":
        return repr(bool(x))
    if d.kind == "f":
        x = float(x)
        return repr(x) if x == x and abs(x) != float("inf") else f'float("{x}")'
    bits = d.itemsize * 8
    x = int(x) & ((1 << bits) - 1)
    return str(x - (1 << bits) if d.kind == "i" and x >= 1 << (bits - 1) else x)


def combine_fn(op: ReduceOp, d: DType) -> str:
    """Helper combining two partial results of a reduction (bool tiles are int8 0/1)."""
    if d.name == "bool":
        return "_maximum" if op in (ReduceOp.SUM, ReduceOp.MAX) else "_minimum"
    if op in (ReduceOp.MAX, ReduceOp.MIN):
        return ("_maximum" if op is ReduceOp.MAX else "_minimum") + ("_nan" if d.kind == "f" else "")
    return "_add" if op is ReduceOp.SUM else "_mul"


def atomic_op(op: ReduceOp | None, d: DType) -> str | None:
    """The tl.atomic_* that performs a scatter's accumulation, if the GPU has one."""
    if op is ReduceOp.SUM and d.name in ("float32", "float64", "float16", "bfloat16", "int32", "int64"):
        return "tl.atomic_add"
    if op in (ReduceOp.MAX, ReduceOp.MIN) and d.name in ("int32", "int64"):
        return "tl.atomic_max" if op is ReduceOp.MAX else "tl.atomic_min"
    return None


@dataclass(frozen=True)
class Tile:
    """A rendered value: a Python expression (a name, or a literal) and the tile axes it spans."""
    expr: str
    axes: frozenset = frozenset()
    literal: bool = False


@dataclass
class Scope:
    """How loop variables appear in one part of a kernel: each variable's tile, and the block
    size and lane mask of each tile axis."""
    blocks: tuple                               # constexpr name per tile axis
    masks: dict                                 # axis -> mask name
    vars: dict = field(default_factory=dict)    # sym.Var -> Tile

    def shape(self, axes) -> str:
        return "[" + ", ".join(b if a in axes else "1" for a, b in enumerate(self.blocks)) + "]"


# names the skeletons use; a Kernel IR variable with such a name is renamed
_RESERVED = re.compile(r"^(pid.*|num_.*|.*_(idx|mask|start|ptr|tile)|v\d+|acc\d+|chunk|carry|BLOCK.*|tl|triton|"
                       r"libdevice|_.*)$")


class Emitter:
    """Renders a kernel's values, indices, loads and stores as lines of Triton code."""

    def __init__(self, kernel: Kernel):
        self.k = kernel
        self.lines: list = []
        self.depth = 1
        self.helpers: list = []
        self.count = 0
        self.memo: dict = {}
        self.accs: dict = {}
        self.scope = Scope((), {})
        self.wide = needs_int64(kernel)
        self.names = {}
        for v in kernel.outer + kernel.inner + [v for r in kernel.reduces for v in r.vars]:
            ok = v.name.isidentifier() and not _RESERVED.match(v.name)
            self.names[v] = v.name if ok else "x_" + re.sub(r"\W", "_", v.name)

    def line(self, text: str, comment: str = ""):
        self.lines.append("    " * self.depth + text + (f"  # {comment}" if comment else ""))

    def assign(self, expr: str, axes, comment: str = "", name: str | None = None) -> Tile:
        if name is None:
            name = f"v{self.count}"
            self.count += 1
        self.line(f"{name} = {expr}", comment)
        return Tile(name, frozenset(axes))

    def use(self, expr: str) -> str:
        """Note the helpers an expression calls, so the source carries them."""
        for h in re.findall(r"\b(_[a-z0-9_]+)\(", expr):
            if h in helpers.SOURCES and h not in self.helpers:
                self.helpers.append(h)
        return expr

    def loop(self, var: str, n: int, block: str, body):
        """`for var in range(0, n, block)`; values computed inside stay inside."""
        self.line(f"for {var} in range(0, {n}, {block}):")
        saved, self.memo = self.memo, dict(self.memo)
        self.depth += 1
        body()
        self.depth -= 1
        self.memo = saved

    def arange(self, start: str, block: str, axis: int | None, name: str, n: int, comment: str = "") -> Tile:
        """`<name>_idx` = start + [0, block) along tile `axis` (None: a 1-D kernel), and its
        lane mask `<name>_mask`."""
        idx = f"{start} + tl.arange(0, {block})"
        if self.wide:
            idx = f"({idx}).to(tl.int64)"
        if axis is not None:
            idx = f"({idx}){'[:, None]' if axis == 0 else '[None, :]'}"
        self.line(f"{name}_idx = {idx}", comment)
        self.line(f"{name}_mask = {name}_idx < {n}")
        return Tile(f"{name}_idx", frozenset({axis or 0}))

    def column(self, start: str, block: str, name: str, n: int, comment: str = "") -> Tile:
        """Axis 1 of a 2-D kernel: a chunk of the loop that runs inside each program."""
        self.scope.blocks = (self.scope.blocks[0], block)
        self.scope.masks[1] = f"{name}_mask"
        return self.arange(start, block, 1, name, n, comment)

    def bind(self, vars_: list, flat: Tile):
        """Loop variables (under their Kernel IR names) from one flat row-major index."""
        for j, v in enumerate(vars_):
            stride = prod(extent(w) for w in vars_[j + 1:])
            e = f"{flat.expr} // {stride}" if stride > 1 else flat.expr
            if j > 0:
                e = f"({e}) % {extent(v)}" if stride > 1 else f"{e} % {extent(v)}"
            self.scope.vars[v] = self.assign(e, flat.axes, f"{v.name} < {extent(v)}", name=self.names[v])

    # -- index expressions --------------------------------------------------------------
    def index(self, e: sym.Lin) -> Tile:
        parts, axes = [], set()
        for a, c in e.terms:
            t = self.atom(a)
            axes |= t.axes
            parts.append(t.expr if c == 1 else f"-{t.expr}" if c == -1 else f"{t.expr} * {c}")
        if e.const or not parts:
            parts.append(str(e.const))
        expr = " + ".join(parts).replace("+ -", "- ")
        if len(parts) > 1:
            expr = f"({expr})"
        return Tile(expr, frozenset(axes), literal=not e.terms)

    def atom(self, a) -> Tile:
        if isinstance(a, sym.Var):
            return self.scope.vars[a]
        if isinstance(a, sym.Ext):
            return self.ext(a)
        num = self.index(a.num)
        if isinstance(a, sym.Ranged):
            return num
        op = "//" if isinstance(a, sym.Div) else "%"
        lo = sym.true_bounds(a.num)[0]  # also where a mask is off: unguarded loads form such addresses
        if lo >= 0:
            return Tile(f"({num.expr} {op} {a.d})", num.axes)
        # floor semantics for a numerator that may be negative: shift it to >= 0 first
        shift = -(lo // a.d)
        if op == "//":
            return Tile(f"(({num.expr} + {shift * a.d}) // {a.d} - {shift})", num.axes)
        return Tile(f"(({num.expr} + {shift * a.d}) % {a.d})", num.axes)

    def ext(self, a: sym.Ext) -> Tile:
        """A data-dependent index, clamped to [lo, hi] so a bad index never leaves the buffer."""
        if a in self.memo:
            return self.memo[a]
        v = self.value(a.key)
        if v.literal:
            t = Tile(str(min(max(int(v.expr), a.lo), a.hi)), literal=True)
        else:
            cast = "" if self.wide else ".to(tl.int32)"
            t = self.assign(f"tl.minimum(tl.maximum({v.expr}, {a.lo}), {a.hi}){cast}", v.axes,
                            f"data-dependent index, clamped to [{a.lo}, {a.hi}]")
        self.memo[a] = t
        return t

    # -- values -------------------------------------------------------------------------
    def value(self, v: KVal) -> Tile:
        if v not in self.memo:
            self.memo[v] = self._value(v)
        return self.memo[v]

    def typed(self, t: Tile, d: DType) -> Tile:
        """A literal as a typed scalar tensor (function calls and casts need tensors)."""
        return Tile(f"tl.full([], {t.expr}, {value_type(d)})", t.axes) if t.literal else t

    def _value(self, v: KVal) -> Tile:
        if v.op is K.CONST:
            return Tile(literal(v.arg, v.dtype), literal=True)
        if v.op is K.ACC:
            return self.accs[v.arg]
        if v.op is K.INDEX:
            i = self.index(v.arg)
            return i if i.literal else self.assign(f"{i.expr}.to(tl.int64)", i.axes, f"index {v.arg}")
        if v.op is K.LOAD:
            return self.load(v)
        if v.op is K.RAND:
            slot, counter = v.arg
            c = self.index(counter)
            fn = "_rand_uniform64" if v.dtype.name == "float64" else "_rand_uniform"
            cexpr = c.expr if c.literal else f"{c.expr}.to(tl.uint64)"
            return self.assign(self.use(f"{fn}({self.k.args[slot].name}_ptr, {cexpr})"), c.axes,
                               f"uniform [0, 1) at counter {counter}")
        if v.op is Op.CAST:
            return self.cast(self.value(v.src[0]), v.src[0].dtype, v.dtype)
        return self.compute(v)

    def compute(self, v: KVal) -> Tile:
        d = v.src[-1].dtype if v.op is Op.WHERE else v.src[0].dtype
        srcs = [self.value(s) for s in v.src]
        tmpl = template(v.op, d)
        divisor = srcs[-1].literal and not srcs[0].literal and d.is_int and int(srcs[-1].expr) not in (0, -1)
        if divisor and (v.op, d.kind == "u") in _CONST_DIVISOR:
            tmpl = _CONST_DIVISOR[v.op, d.kind == "u"]
        elif all(s.literal for s in srcs) or not (v.op in _TAKES_LITERALS and d.kind != "b"
                                                  or v.op in _FLOAT_TAKES_LITERALS and d.kind == "f"):
            srcs = [self.typed(s, x.dtype) for s, x in zip(srcs, v.src)]
        expr = self.use(tmpl.format(*(s.expr for s in srcs)))
        return self.assign(expr, frozenset().union(*(s.axes for s in srcs)))

    def cast(self, t: Tile, src: DType, dst: DType) -> Tile:
        vs, vd = value_type(src), value_type(dst)
        if dst.name in ("float16", "bfloat16") and src.name != dst.name:
            # computed in float32, but a cast to a half type rounds to it (as torch's does)
            t = self.typed(t, src)
            return self.assign(f"{t.expr}.to({TL[dst.name]}).to(tl.float32)", t.axes)
        if vs == vd:
            return t
        t = self.typed(t, src)
        if dst.name == "bool":
            expr = f"{t.expr} != 0"
        elif src.kind == "f" and dst.kind == "u":  # wrap like the CPU, not saturate
            expr = f"{t.expr}.to(tl.int64).to({vd})"
        else:
            expr = f"{t.expr}.to({vd})"
        return self.assign(expr, t.axes)

    def pointer(self, slot: int, idx: sym.Lin, extra_axes=frozenset()) -> tuple:
        """(pointer expression, axes) of element `idx` of argument `slot`, broadcast over
        `extra_axes` too."""
        off = self.index(idx)
        axes = off.axes | extra_axes
        ptr = f"{self.k.args[slot].name}_ptr + {off.expr}"
        if axes != off.axes:
            ptr = f"tl.broadcast_to({ptr}, {self.scope.shape(axes)})"
        return ptr, axes

    def mask(self, axes, conds=()) -> str:
        return " & ".join([self.scope.masks[a] for a in sorted(axes)] + list(conds))

    def load(self, v: KVal, raw: bool = False) -> Tile:
        """A masked load; `raw` keeps half types in storage precision (tl.dot operands)."""
        slot, idx, valid, _ = v.arg
        conds, axes = [], frozenset()
        for c in valid:
            e = self.index(c.expr)
            axes |= e.axes
            if c.expr.lo < c.lo:
                conds.append(f"({e.expr} >= {c.lo})")
            if c.expr.hi > c.hi:
                conds.append(f"({e.expr} <= {c.hi})")
        ptr, axes = self.pointer(slot, idx, axes)
        mask = self.mask(axes, conds)
        expr = f"tl.load({ptr}" + (f", mask={mask}, other=0)" if mask else ")")
        if not raw:
            expr = self.from_storage(expr, v.dtype)
        comment = f"{self.k.args[slot].name}[{'gathered' if has_ext(idx) else idx}]"
        return self.assign(expr, axes, comment)

    @staticmethod
    def from_storage(expr: str, d: DType) -> str:
        if d.name == "bool":
            return f"{expr} != 0"
        return f"{expr}.to(tl.float32)" if d.name in ("float16", "bfloat16") else expr

    def to_storage(self, t: Tile, d: DType) -> str:
        if d.name == "bool":
            return f"{self.typed(t, d).expr}.to(tl.int8)"
        if d.name in ("float16", "bfloat16"):
            return f"{self.typed(t, d).expr}.to({TL[d.name]})"
        return t.expr

    def store(self, st):
        arg = self.k.args[st.slot]
        val = self.value(st.value)
        ptr, axes = self.pointer(st.slot, st.index, val.axes)
        mask = self.mask(axes)
        mask_arg = f", mask={mask}" if mask else ""
        where = f"{arg.name}[{'scattered' if has_ext(st.index) else st.index}]"
        data = self.to_storage(val, arg.dtype)
        if st.accumulate is None:
            self.line(f"tl.store({ptr}, {data}{mask_arg})", where)
            return
        atomic = atomic_op(st.accumulate, arg.dtype)
        if atomic:
            self.line(f'{atomic}({ptr}, {data}{mask_arg}, sem="relaxed")', f"{where} {st.accumulate.name.lower()}=")
            return
        # no atomic for this op/dtype: the sequential skeleton runs one element at a time
        old = self.assign(f"tl.load({ptr})", axes, f"{where} {st.accumulate.name.lower()}= ...")
        fn = combine_fn(st.accumulate, arg.dtype)
        new = self.typed(val, arg.dtype)
        if arg.dtype.name == "bool":  # stored as int8 0/1: combine as int8
            self.line(self.use(f"tl.store({ptr}, {fn}({old.expr}, {new.expr}.to(tl.int8)))"))
        else:
            old = self.assign(self.from_storage(old.expr, arg.dtype), axes)
            new = self.assign(self.use(f"{fn}({old.expr}, {new.expr})"), axes)
            self.line(f"tl.store({ptr}, {self.to_storage(new, arg.dtype)})")
        self.line("tl.debug_barrier()", "the next element may hit the same address")
