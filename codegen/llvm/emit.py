"""Kernel IR -> LLVM IR (llvmlite.ir).

Each kernel becomes `void @<symbol>(i8** args, i64 start, i64 end)`: the runtime passes the
buffer pointers in `args` and splits the first outer loop's range across threads.  The
entry forwards to an internal body whose pointer parameters are `noalias`, so LoopVectorize
can widen the loops; reductions carry `reassoc nsz` so they vectorise too.  Transcendentals
come from `mathlib` (straight-line polynomial IR), never scalar libm calls in the loop.
"""
from __future__ import annotations

from llvmlite import ir

from tjit.ir import symbolic as sym
from tjit.ir import dtype as dtypes
from tjit.ir.dtype import DType
from tjit.ir.kernel import K, Kernel, KVal, extent
from tjit.ir.ops import Op, ReduceOp

from . import gemm


I1, I8, I16, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(16), ir.IntType(32), ir.IntType(64)
F16, F32, F64 = ir.HalfType(), ir.FloatType(), ir.DoubleType()


def storage_type(d: DType) -> ir.Type:
    return {"bool": I8, "uint8": I8, "int8": I8, "int16": I16, "int32": I32, "int64": I64,
            "float16": F16, "bfloat16": I16, "float32": F32, "float64": F64}[d.name]


def value_type(d: DType) -> ir.Type:
    """Type a value has while it is computed: half types compute in float32."""
    return {"bool": I1, "float16": F32, "bfloat16": F32}.get(d.name) or storage_type(d)


def is_float(t: ir.Type) -> bool:
    return isinstance(t, (ir.FloatType, ir.DoubleType, ir.HalfType))


# No `contract` (fma fusion) on elementwise math: a value recomputed in two kernels must be
# bit-identical in both (max-pool and relu gradients compare a recomputed activation with a
# stored maximum), and torch rounds every op too.  Reductions may reassociate.
_FAST = ()
_REDUCE_FLAGS = ("reassoc", "nsz")


class _Emitter:
    def __init__(self, module: ir.Module, kernel: Kernel, symbol: str, workers: int = 1, vector_bits: int = 256):
        self.m, self.k, self.workers, self.vector_bits = module, kernel, workers, vector_bits
        entry_ty = ir.FunctionType(ir.VoidType(), [I8.as_pointer().as_pointer(), I64, I64])
        self.entry = ir.Function(module, entry_ty, symbol)
        ptr_types = []
        for a in kernel.args:
            ptr_types.append(I64.as_pointer() if a.kind == "rand" else storage_type(a.dtype).as_pointer())
        body_ty = ir.FunctionType(ir.VoidType(), ptr_types + [I64, I64])
        self.fn = ir.Function(module, body_ty, symbol + "_body")
        self.fn.linkage = "internal"
        for i, a in enumerate(kernel.args):
            self.fn.args[i].add_attribute("noalias")
        # entry: unpack the pointer array and call the body
        b = ir.IRBuilder(self.entry.append_basic_block("entry"))
        ptrs = []
        for i, t in enumerate(ptr_types):
            raw = b.load(b.gep(self.entry.args[0], [ir.Constant(I64, i)]))
            ptrs.append(b.bitcast(raw, t))
        b.call(self.fn, ptrs + [self.entry.args[1], self.entry.args[2]])
        b.ret_void()
        self.b = ir.IRBuilder(self.fn.append_basic_block("entry"))
        self.ptrs = list(self.fn.args[:len(kernel.args)])
        self.loopvars: dict = {}
        self.memo: dict = {}
        self.accs: dict = {}

    # -- loops ----------------------------------------------------------------------------
    def loop(self, var: sym.Var, lo, hi, body):
        """Emit `for var in [lo, hi)`; `body()` emits the loop body."""
        b = self.b
        pre = b.block
        head = b.append_basic_block(f"{var.name}.head")
        blk = b.append_basic_block(f"{var.name}.body")
        done = b.append_basic_block(f"{var.name}.done")
        b.branch(head)
        b.position_at_end(head)
        iv = b.phi(I64, name=var.name)
        iv.add_incoming(lo, pre)
        b.cbranch(b.icmp_signed("<", iv, hi), blk, done)
        b.position_at_end(blk)
        self.loopvars[var] = iv
        saved = self.memo
        self.memo = dict(saved)
        body()
        self.memo = saved
        nxt = b.add(iv, ir.Constant(I64, 1), name=f"{var.name}.next")
        iv.add_incoming(nxt, b.block)
        b.branch(head)
        b.position_at_end(done)

    def nested(self, vars_, body, first_range=None):
        if not vars_:
            body()
            return
        v, rest = vars_[0], vars_[1:]
        lo, hi = first_range if first_range else (ir.Constant(I64, 0), ir.Constant(I64, extent(v)))
        self.loop(v, lo, hi, lambda: self.nested(rest, body))

    # -- index expressions ----------------------------------------------------------------
    def index(self, e: sym.Lin):
        b = self.b
        out = ir.Constant(I64, e.const)
        for atom, c in e.terms:
            t = self.atom(atom)
            if c != 1:
                t = b.mul(t, ir.Constant(I64, c))
            out = b.add(out, t) if not (isinstance(out, ir.Constant) and out.constant == 0) else t
        return out

    def atom(self, a):
        b = self.b
        if isinstance(a, sym.Var):
            return self.loopvars[a]
        if isinstance(a, sym.Ranged):
            return self.index(a.num)
        if isinstance(a, sym.Ext):
            v = self.cast(self.value(a.key), a.key.dtype, _I64_DTYPE)
            v = b.select(b.icmp_signed("<", v, ir.Constant(I64, a.lo)), ir.Constant(I64, a.lo), v)
            return b.select(b.icmp_signed(">", v, ir.Constant(I64, a.hi)), ir.Constant(I64, a.hi), v)
        num, d = self.index(a.num), ir.Constant(I64, a.d)
        if sym.true_bounds(a.num)[0] >= 0:  # also where a mask is off: unguarded loads form such addresses
            return b.udiv(num, d) if isinstance(a, sym.Div) else b.urem(num, d)
        q, r = b.sdiv(num, d), b.srem(num, d)
        neg = b.icmp_signed("<", r, ir.Constant(I64, 0))
        if isinstance(a, sym.Div):
            return b.select(neg, b.sub(q, ir.Constant(I64, 1)), q)
        return b.select(neg, b.add(r, d), r)

    # -- values ---------------------------------------------------------------------------
    def value(self, v: KVal):
        if v in self.memo:
            return self.memo[v]
        out = self._value(v)
        self.memo[v] = out
        return out

    def _value(self, v: KVal):
        b = self.b
        if v.op is K.CONST:
            return const(v.arg, v.dtype)
        if v.op is K.ACC:
            return self.accs[v.arg]
        if v.op is K.INDEX:
            return self.cast(self.index(v.arg), _I64_DTYPE, v.dtype)
        if v.op is K.LOAD:
            slot, idx, valid, _ = v.arg
            i = self.index(idx)
            if valid:
                i = b.select(self.valid(valid), i, ir.Constant(I64, 0))
            raw = b.load(b.gep(self.ptrs[slot], [i]))
            return self.from_storage(raw, v.dtype)
        if v.op is K.RAND:
            slot, counter = v.arg
            return self.rand(slot, self.index(counter), v.dtype)
        if v.op is Op.CAST:
            return self.cast(self.value(v.src[0]), v.src[0].dtype, v.dtype)
        args = [self.value(s) for s in v.src]
        return alu(self, v.op, v.dtype, [s.dtype for s in v.src], args)

    def valid(self, constraints):
        b = self.b
        cond = None
        for c in constraints:
            e = self.index(c.expr)
            ok = b.and_(b.icmp_signed(">=", e, ir.Constant(I64, c.lo)), b.icmp_signed("<=", e, ir.Constant(I64, c.hi)))
            cond = ok if cond is None else b.and_(cond, ok)
        return cond

    def from_storage(self, raw, d: DType):
        b = self.b
        if d.name == "bool":
            return b.icmp_unsigned("!=", raw, ir.Constant(I8, 0))
        if d.name == "float16":
            return b.fpext(raw, F32)
        if d.name == "bfloat16":
            return b.bitcast(b.shl(b.zext(raw, I32), ir.Constant(I32, 16)), F32)
        return raw

    def to_storage(self, val, d: DType):
        b = self.b
        if d.name == "bool":
            return b.zext(val, I8)
        if d.name == "float16":
            return b.fptrunc(val, F16)
        if d.name == "bfloat16":  # round to nearest even, keep NaN quiet
            bits = b.bitcast(val, I32)
            lsb = b.and_(b.lshr(bits, ir.Constant(I32, 16)), ir.Constant(I32, 1))
            rounded = b.lshr(b.add(bits, b.add(lsb, ir.Constant(I32, 0x7FFF))), ir.Constant(I32, 16))
            isnan = b.fcmp_unordered("uno", val, val)
            return b.trunc(b.select(isnan, ir.Constant(I32, 0x7FC0), rounded), I16)
        return val

    def cast(self, val, src: DType, dst: DType):
        b = self.b
        if dst.name in ("float16", "bfloat16") and src.name != dst.name:
            # computed in float32, but a cast to a half type rounds to it (as torch's does)
            return self.from_storage(self.to_storage(self.cast(val, src, _F32_DTYPE), dst), dst)
        st, dt = value_type(src), value_type(dst)
        if src.name == dst.name or (st == dt and src.kind == dst.kind):
            return val
        if dst.name == "bool":
            if is_float(st):
                return b.fcmp_unordered("!=", val, ir.Constant(st, 0.0))
            return b.icmp_unsigned("!=", val, ir.Constant(st, 0))
        if is_float(dt):
            if is_float(st):
                return b.fpext(val, dt) if _bits(st) < _bits(dt) else (b.fptrunc(val, dt) if _bits(st) > _bits(dt) else val)
            return b.uitofp(val, dt) if src.kind in "ub" else b.sitofp(val, dt)
        if is_float(st):
            if dst.kind == "u":
                return b.trunc(b.fptosi(val, I64), dt) if dt != I64 else b.fptosi(val, dt)
            return b.fptosi(val, dt)
        if _bits(st) < _bits(dt):
            return b.zext(val, dt) if src.kind in "ub" else b.sext(val, dt)
        if _bits(st) > _bits(dt):
            return b.trunc(val, dt)
        return val

    def rand(self, slot, counter, d: DType):
        """splitmix64 of (key, offset + counter): a counter-based generator, so any element
        can be computed independently (fusable, identical on every backend)."""
        b = self.b
        key = b.load(b.gep(self.ptrs[slot], [ir.Constant(I64, 0)]))
        off = b.load(b.gep(self.ptrs[slot], [ir.Constant(I64, 1)]))
        z = b.xor(key, b.mul(b.add(b.add(off, counter), ir.Constant(I64, 1)), ir.Constant(I64, 0x9E3779B97F4A7C15 - 2**64)))
        z = b.mul(b.xor(z, b.lshr(z, ir.Constant(I64, 30))), ir.Constant(I64, 0xBF58476D1CE4E5B9 - 2**64))
        z = b.mul(b.xor(z, b.lshr(z, ir.Constant(I64, 27))), ir.Constant(I64, 0x94D049BB133111EB - 2**64))
        z = b.xor(z, b.lshr(z, ir.Constant(I64, 31)))
        if d.name == "float64":
            return b.fmul(b.uitofp(b.lshr(z, ir.Constant(I64, 11)), F64), ir.Constant(F64, 2.0 ** -53))
        u = b.fmul(b.uitofp(b.lshr(z, ir.Constant(I64, 40)), F32), ir.Constant(F32, 2.0 ** -24))
        return u

    # -- kernel body ----------------------------------------------------------------------
    def emit(self):
        k, b = self.k, self.b
        start, end = self.fn.args[-2], self.fn.args[-1]
        gp = gemm.plan(k, self.workers, self.vector_bits)
        if gp is not None:
            gemm.emit(self, gp)
        elif _column_reduction(k):
            self.column_lanes(start, end)
        elif k.outer:
            self.nested(k.outer, self.body, first_range=(start, end))
        else:
            # no parallel loop: run once, in the call that owns index 0
            run = b.append_basic_block("run")
            done = b.append_basic_block("done")
            b.cbranch(b.icmp_signed("<=", start, ir.Constant(I64, 0)), run, done)
            b.position_at_end(run)
            self.body()
            b.branch(done)
            b.position_at_end(done)
        b.ret_void()

    def body(self):
        k = self.k
        if k.kind == "scan":
            self.scan()
            return
        for r in k.reduces:
            self.reduce(r)
        for st in k.acc_stores:
            self.store(st)
        self.nested(k.inner, self.stores)

    def reduce(self, r):
        self.accs[r.acc] = self.reduce_nest(r, [[reduce_identity(r.op, r.dtype)]],
                                            lambda accs: [combine(self, r.op, r.dtype, accs[0], self.value(r.value))])[0][0]

    def column_lanes(self, start, end):
        """A reduction over rows (`_column_reduction`): LANES neighbouring outputs are
        reduced side by side, so each step of the reduce loop reads LANES consecutive
        elements (one vector after SLP) instead of one strided element per output."""
        b, k = self.b, self.k
        o = k.outer[0]
        blocks = b.sdiv(b.sub(end, start), ir.Constant(I64, LANES))
        split = b.add(start, b.mul(blocks, ir.Constant(I64, LANES)))
        blk = sym.Var("lanes", 0, 0)
        self.loop(blk, ir.Constant(I64, 0), blocks,
                  lambda: self.lane_block(o, b.add(start, b.mul(self.loopvars[blk], ir.Constant(I64, LANES)))))
        self.loop(o, split, end, self.body)

    def lane_block(self, o, first):
        b, k = self.b, self.k
        r = k.reduces[0]
        lanes = [b.add(first, ir.Constant(I64, lane)) for lane in range(LANES)]
        outer_memo = self.memo
        accs = self.reduce_lanes(r, o, lanes)
        for lane, acc in zip(lanes, accs):
            self.loopvars[o] = lane
            self.memo = dict(outer_memo)
            self.accs[r.acc] = acc
            for st in k.acc_stores:
                self.store(st)
            self.stores()
        self.memo = outer_memo

    def reduce_lanes(self, r, o, lanes) -> list:
        """reduce() for several values of the outer variable `o` at once: one loop nest,
        accumulator phis per lane.  Sums are in order per lane (the loop vectorizer would
        gather along the rows; the SLP vectorizer joins the lanes instead), so a single
        reduced variable keeps UNROLL interleaved partial sums per lane: shorter rounding
        chains and independent adds."""
        n = extent(r.vars[0])
        unroll = UNROLL if len(r.vars) == 1 and n >= 2 * UNROLL else 1

        def lane_values(accs):
            shared, out = self.memo, []
            for lane, acc in zip(lanes, accs):
                self.loopvars[o] = lane
                self.memo = dict(shared)
                out.append(combine(self, r.op, r.dtype, acc, self.value(r.value), ordered=True))
            self.memo = shared
            return out

        init = [reduce_identity(r.op, r.dtype)] * LANES
        main = n // unroll * unroll
        parts = self.reduce_nest(r, [init] * unroll, lane_values, main, unroll)
        while len(parts) > 1:  # pairwise: (p0 + p1) + (p2 + p3)
            parts = [[combine(self, r.op, r.dtype, x, y, ordered=True) for x, y in zip(parts[k], parts[k + 1])]
                     for k in range(0, len(parts), 2)]
        if main < n:
            parts = self.reduce_nest(r, parts, lane_values, n, 1, lo=main)
        return parts[0]

    def reduce_nest(self, r, copies: list, values, hi=None, step: int = 1, lo: int = 0, i: int = 0) -> list:
        """The loops over r.vars[i:], carrying accumulator phis: `copies` holds lists of
        accumulators; the outermost loop runs [lo, hi) by `step`, copy u handling index + u,
        inner loops run whole.  `values(accs)` gives a copy's new accumulators from the
        innermost body.  Returns the accumulators after the loops, per copy."""
        if i == len(r.vars):
            return [values(c) for c in copies]
        b = self.b
        v = r.vars[i]
        hi = extent(v) if hi is None else hi
        head = b.append_basic_block(f"{v.name}.head")
        body = b.append_basic_block(f"{v.name}.body")
        done = b.append_basic_block(f"{v.name}.done")
        entry = b.block
        b.branch(head)
        b.position_at_end(head)
        iv = b.phi(I64, name=v.name)
        iv.add_incoming(ir.Constant(I64, lo), entry)
        phis = []
        for copy in copies:
            row = []
            for lane, acc_in in enumerate(copy):
                ph = b.phi(value_type(r.dtype), name=f"acc{r.acc}.{v.name}.{lane}")
                ph.add_incoming(acc_in, entry)
                row.append(ph)
            phis.append(row)
        b.cbranch(b.icmp_signed("<", iv, ir.Constant(I64, hi)), body, done)
        b.position_at_end(body)
        saved, new = self.memo, []
        for u, row in enumerate(phis):
            self.loopvars[v] = b.add(iv, ir.Constant(I64, u)) if u else iv
            self.memo = dict(saved)
            new.append(self.reduce_nest(r, [row], values, i=i + 1)[0])
        self.memo = saved
        iv.add_incoming(b.add(iv, ir.Constant(I64, step)), b.block)
        for row, values_ in zip(phis, new):
            for ph, value in zip(row, values_):
                ph.add_incoming(value, b.block)
        b.branch(head)
        b.position_at_end(done)
        return phis

    def scan(self):
        """Sequential running accumulation along the scan variable, storing every step."""
        b = self.b
        r = self.k.reduces[0]
        st = self.k.stores[0]
        t = value_type(r.dtype)
        v = r.vars[0]
        entry_blk = b.block
        head = b.append_basic_block("scan.head")
        blk = b.append_basic_block("scan.body")
        done = b.append_basic_block("scan.done")
        b.branch(head)
        b.position_at_end(head)
        iv = b.phi(I64, name=v.name)
        acc = b.phi(t, name="scan.acc")
        iv.add_incoming(ir.Constant(I64, 0), entry_blk)
        acc.add_incoming(reduce_identity(r.op, r.dtype), entry_blk)
        b.cbranch(b.icmp_signed("<", iv, ir.Constant(I64, extent(v))), blk, done)
        b.position_at_end(blk)
        self.loopvars[v] = iv
        saved = self.memo
        self.memo = dict(saved)
        new = combine(self, r.op, r.dtype, acc, self.value(r.value), ordered=True)
        self.accs[r.acc] = new
        self.store(st)
        self.memo = saved
        iv.add_incoming(b.add(iv, ir.Constant(I64, 1)), b.block)
        acc.add_incoming(new, b.block)
        b.branch(head)
        b.position_at_end(done)

    def stores(self):
        for st in self.k.stores:
            self.store(st)

    def store(self, st):
        b = self.b
        arg = self.k.args[st.slot]
        ptr = b.gep(self.ptrs[st.slot], [self.index(st.index)])
        val = self.value(st.value)
        if st.accumulate is not None:
            old = self.from_storage(b.load(ptr), arg.dtype)
            val = combine(self, st.accumulate, arg.dtype, old, val, ordered=True)
        b.store(self.to_storage(val, arg.dtype), ptr)


# outputs a row reduction computes side by side (one AVX2 vector of float32), and the
# interleaved partial sums each keeps along a single reduced variable
LANES = 8
UNROLL = 4


def _column_reduction(k: Kernel) -> bool:
    """One reduction over rows of data laid out along the parallel variable: some load
    steps by one element along the outer variable, none along the innermost reduced one
    (those already vectorize along the reduce loop)."""
    if k.kind != "reduce" or len(k.outer) != 1 or k.inner or len(k.reduces) != 1:
        return False
    o, last = k.outer[0], k.reduces[0].vars[-1]
    loads = [v.arg[1] for v in _kvals(k.reduces[0].value) if v.op is K.LOAD]
    return any(_coef(i, o) == 1 for i in loads) and not any(_coef(i, last) in (1, -1) for i in loads)


def _coef(e: sym.Lin, v) -> int:
    return next((c for a, c in e.terms if a == v), 0)


def _kvals(v: KVal, seen=None) -> list:
    seen = set() if seen is None else seen
    if v in seen:
        return []
    seen.add(v)
    out = [v]
    for s in v.src:
        out += _kvals(s, seen)
    return out


_I64_DTYPE = dtypes.int64
_F32_DTYPE = dtypes.float32


def _bits(t: ir.Type) -> int:
    if isinstance(t, ir.IntType):
        return t.width
    return {ir.HalfType: 16, ir.FloatType: 32, ir.DoubleType: 64}[type(t)]


def const(x, d: DType):
    t = value_type(d)
    if d.name == "bool":
        return ir.Constant(I1, int(bool(x)))
    if is_float(t):
        return ir.Constant(t, float(x))
    x = int(x)
    bits = t.width
    x &= (1 << bits) - 1
    if x >= 1 << (bits - 1):
        x -= 1 << bits
    return ir.Constant(t, x)


def reduce_identity(op: ReduceOp, d: DType):
    t = value_type(d)
    if op is ReduceOp.SUM:
        return const(0, d)
    if op is ReduceOp.PROD:
        return const(1, d)
    if is_float(t):
        return ir.Constant(t, float("-inf") if op is ReduceOp.MAX else float("inf"))
    if d.name == "bool":
        return const(op is ReduceOp.MIN, d)
    lo, hi = (0, (1 << t.width) - 1) if d.kind == "u" else (-(1 << (t.width - 1)), (1 << (t.width - 1)) - 1)
    return const(lo if op is ReduceOp.MAX else hi, d)


def combine(em: _Emitter, op: ReduceOp, d: DType, acc, x, ordered: bool = False):
    b = em.b
    t = value_type(d)
    flags = () if ordered else _REDUCE_FLAGS
    if is_float(t):
        if op is ReduceOp.SUM:
            return b.fadd(acc, x, flags=flags)
        if op is ReduceOp.PROD:
            return b.fmul(acc, x, flags=flags)
        return _call_intr(em, "llvm.maximum" if op is ReduceOp.MAX else "llvm.minimum", t, [acc, x])
    if d.name == "bool":
        return b.or_(acc, x) if op in (ReduceOp.SUM, ReduceOp.MAX) else b.and_(acc, x)
    if op is ReduceOp.SUM:
        return b.add(acc, x)
    if op is ReduceOp.PROD:
        return b.mul(acc, x)
    signed = d.kind != "u"
    cmp = (b.icmp_signed if signed else b.icmp_unsigned)(">" if op is ReduceOp.MAX else "<", x, acc)
    return b.select(cmp, x, acc)


def _call_intr(em: _Emitter, name: str, t: ir.Type, args):
    # llvmlite infers a one-argument signature unless it is given the function type
    fn = em.m.declare_intrinsic(name, [t], fnty=ir.FunctionType(t, [t] * len(args)))
    return em.b.call(fn, args)


def alu(em: _Emitter, op: Op, d: DType, src_dtypes, args):
    """One elementwise op.  The table of what each Op means on the CPU."""
    b = em.b
    t = value_type(d)
    sd = src_dtypes[0]
    st = value_type(sd)
    fl = is_float(st)
    unsigned = sd.kind in "ub"
    if op in (Op.ADD, Op.SUB, Op.MUL):
        if sd.name == "bool":
            return {Op.ADD: b.or_, Op.SUB: b.xor, Op.MUL: b.and_}[op](*args)
        if fl:
            return {Op.ADD: b.fadd, Op.SUB: b.fsub, Op.MUL: b.fmul}[op](*args, flags=_FAST)
        return {Op.ADD: b.add, Op.SUB: b.sub, Op.MUL: b.mul}[op](*args)
    if op is Op.DIV:
        if fl:
            return b.fdiv(*args, flags=_FAST)
        return _int_div(b, args[0], args[1], st, unsigned, floor=False)
    if op is Op.IDIV:
        if fl:
            return _call_intr(em, "llvm.floor", t, [b.fdiv(*args)])
        return _int_div(b, args[0], args[1], st, unsigned, floor=True)
    if op is Op.FMOD:
        if fl:
            return b.frem(*args)
        y = b.select(b.icmp_signed("==", args[1], ir.Constant(st, 0)), ir.Constant(st, 1), args[1])
        if unsigned:
            return b.urem(args[0], y)
        y = b.select(b.icmp_signed("==", y, ir.Constant(st, -1)), ir.Constant(st, 1), y)
        return b.srem(args[0], y)
    if op in (Op.MAX, Op.MIN):
        if fl:
            return _call_intr(em, "llvm.maximum" if op is Op.MAX else "llvm.minimum", t, args)
        if sd.name == "bool":
            return (b.or_ if op is Op.MAX else b.and_)(*args)
        cmp = (b.icmp_unsigned if unsigned else b.icmp_signed)(">" if op is Op.MAX else "<", args[0], args[1])
        return b.select(cmp, args[0], args[1])
    if op in (Op.CMPLT, Op.CMPLE, Op.CMPEQ, Op.CMPNE):
        sym_ = {Op.CMPLT: "<", Op.CMPLE: "<=", Op.CMPEQ: "==", Op.CMPNE: "!="}[op]
        if fl:
            return b.fcmp_unordered(sym_, *args) if op is Op.CMPNE else b.fcmp_ordered(sym_, *args)
        return (b.icmp_unsigned if unsigned else b.icmp_signed)(sym_, *args)
    if op in (Op.AND, Op.OR, Op.XOR):
        return {Op.AND: b.and_, Op.OR: b.or_, Op.XOR: b.xor}[op](*args)
    if op is Op.WHERE:
        return b.select(*args)
    if op is Op.NOT:
        return b.not_(args[0])
    if op is Op.NEG:
        return b.fneg(args[0]) if fl else b.neg(args[0])
    if op is Op.ABS:
        if fl:
            return _call_intr(em, "llvm.fabs", t, args)
        if unsigned:
            return args[0]
        return b.select(b.icmp_signed("<", args[0], ir.Constant(st, 0)), b.neg(args[0]), args[0])
    if op is Op.RECIP:
        return b.fdiv(ir.Constant(t, 1.0), args[0])
    if op is Op.SQRT:
        return _call_intr(em, "llvm.sqrt", t, args)
    if op is Op.RSQRT:
        return b.fdiv(ir.Constant(t, 1.0), _call_intr(em, "llvm.sqrt", t, args))
    if op in (Op.FLOOR, Op.CEIL, Op.TRUNC, Op.ROUND):
        if not fl:
            return args[0]
        name = {Op.FLOOR: "llvm.floor", Op.CEIL: "llvm.ceil", Op.TRUNC: "llvm.trunc", Op.ROUND: "llvm.roundeven"}[op]
        return _call_intr(em, name, t, args)
    if op is Op.POW and not fl:
        return _int_pow(b, args[0], args[1], st)
    name = _MATH.get(op)
    if name is not None:
        from . import mathlib
        return mathlib.emit(b, name, *args)
    raise NotImplementedError(f"LLVM codegen for {op}")


_MATH = {Op.EXP: "exp", Op.EXPM1: "expm1", Op.LOG: "log", Op.LOG1P: "log1p", Op.SIN: "sin",
         Op.COS: "cos", Op.TAN: "tan", Op.TANH: "tanh", Op.ASIN: "asin", Op.ACOS: "acos",
         Op.ATAN: "atan", Op.ERF: "erf", Op.SIGMOID: "sigmoid", Op.POW: "pow", Op.ATAN2: "atan2"}


def _int_div(b, x, y, t, unsigned, floor):
    """Integer division that never traps: a zero divisor (and INT_MIN/-1) gives a defined
    value instead of SIGFPE; the frontend reports division by zero where torch does."""
    zero = b.icmp_signed("==", y, ir.Constant(t, 0))
    y = b.select(zero, ir.Constant(t, 1), y)
    if unsigned:
        return b.udiv(x, y)
    minus1 = b.icmp_signed("==", y, ir.Constant(t, -1))
    safe_y = b.select(minus1, ir.Constant(t, 1), y)
    q = b.sdiv(x, safe_y)
    q = b.select(minus1, b.neg(x), q)
    if not floor:
        return q
    r = b.sub(x, b.mul(q, y))
    adjust = b.and_(b.icmp_signed("!=", r, ir.Constant(t, 0)),
                    b.icmp_signed("!=", b.icmp_signed("<", r, ir.Constant(t, 0)), b.icmp_signed("<", y, ir.Constant(t, 0))))
    return b.select(adjust, b.sub(q, ir.Constant(t, 1)), q)


def _int_pow(b, x, e, t):
    """Square-and-multiply over every bit of the exponent, branch-free, so large exponents
    wrap around exactly as torch's powi does (negative exponents are handled by the frontend)."""
    result = ir.Constant(t, 1)
    base = x
    for _ in range(t.width):
        on = b.trunc(e, ir.IntType(1))
        result = b.select(on, b.mul(result, base), result)
        base = b.mul(base, base)
        e = b.lshr(e, ir.Constant(t, 1))
    return result


def launch_extent(kernel: Kernel, workers: int = 1, vector_bits: int = 256) -> int:
    """The range [0, n) the entry point's (start, end) split: work items for the runtime
    (`workers`: the threads it will use, which sizes a GEMM's items)."""
    gp = gemm.plan(kernel, workers, vector_bits)
    if gp is not None:
        return gemm.launch_extent(gp)
    return extent(kernel.outer[0]) if kernel.outer else 1


def emit_module(kernels: list, symbols: list, name: str = "tjit", workers: int = 1,
                vector_bits: int = 256) -> ir.Module:
    """All kernels of one schedule in one module: one optimisation and one object file."""
    module = ir.Module(name=name)
    for k, s in zip(kernels, symbols):
        _Emitter(module, k, s, workers, vector_bits).emit()
    return module
