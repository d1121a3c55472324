"""CONTRACT kernels as a packed, register-blocked GEMM (BLIS structure) in LLVM IR.

A contract kernel whose reduce value is `A[...] * B[...]` with affine indices becomes:

    for each (batch, block of MC rows)        <- the parallel range the runtime splits
      for jc in N step NC, pc in K step KC:
        pack B[pc:pc+KC, jc:jc+NC] into NR-wide panels, A[rows, pc:pc+KC] into MR-tall panels
        for each MR x NR tile: micro-kernel (MR*NR/VW accumulators of VW-wide FMAs over KC)
                               C tile (+)= accumulators
      epilogue over the rows' C: out = f(acc, bias, residual, ...), the kernel's store value

Strides come from the index expressions, so transposed and batched operands need no copy:
packing reads them in whatever layout they have.
"""
from __future__ import annotations

from dataclasses import dataclass

from llvmlite import ir

from tjit.ir import symbolic as sym
from tjit.ir.kernel import K, KVal, extent
from tjit.ir.ops import Op

I64 = ir.IntType(64)
I8 = ir.IntType(8)

# micro-kernel and cache blocking per element type: (MR, NR, vector width, MC, KC, NC)
BLOCKING = {"float32": (6, 16, 8, 96, 256, 4096), "float64": (6, 8, 4, 96, 256, 2048)}


@dataclass
class Operand:
    slot: int
    offset: sym.Lin   # in batch vars only
    row: int          # stride along its first matrix dim (m for A, k for B)
    col: int          # stride along its second (k for A, n for B)


@dataclass
class GemmPlan:
    a: Operand
    b: Operand
    c_offset: sym.Lin
    c_row: int
    c_col: int
    m: sym.Var | None
    n: sym.Var | None
    k: sym.Var
    batch: list
    M: int
    N: int
    Kd: int
    dtype: object
    epilogue: KVal | None  # None: the store value is the accumulator itself

    @property
    def mblocks(self) -> int:
        mc = BLOCKING[self.dtype.name][3]
        return -(-self.M // mc)

    @property
    def batches(self) -> int:
        n = 1
        for v in self.batch:
            n *= extent(v)
        return n


def _coef(e: sym.Lin, v) -> int:
    if v is None:
        return 0
    for a, c in e.terms:
        if a == v:
            return c
    return 0


def _drop(e: sym.Lin, vs) -> sym.Lin:
    return sym.Lin(tuple((a, c) for a, c in e.terms if a not in vs), e.const)


def plan(kernel) -> GemmPlan | None:
    """Recognise a plain (batched) matmul with an elementwise epilogue."""
    if kernel.kind != "contract" or len(kernel.reduces) != 1 or kernel.inner or len(kernel.stores) != 1:
        return None
    red = kernel.reduces[0]
    d = red.dtype
    if d.name not in BLOCKING or len(red.vars) != 1:
        return None
    v = red.value
    if v.op is not Op.MUL or any(s.op is not K.LOAD or s.arg[2] for s in v.src):
        return None
    (la, lb), kv = v.src, red.vars[0]
    ia, ib = la.arg[1], lb.arg[1]
    store = kernel.stores[0]
    if kernel.args[la.arg[0]].dtype != d or kernel.args[lb.arg[0]].dtype != d or kernel.args[0].dtype != d:
        return None
    for e in (ia, ib, store.index):
        if any(not isinstance(a, sym.Var) for a, _ in e.terms):
            return None
    if red.matmul_axes is None:
        return None
    m, n = (_single_var(e) for e in red.matmul_axes)
    if m is False or n is False:
        return None
    batch = set(kernel.outer) - {m, n}
    if _coef(ib, m) or _coef(ia, n):
        return None
    if _epilogue_unsupported(store.value):
        return None
    epi = None if (store.value.op is K.ACC) else store.value
    return GemmPlan(
        Operand(la.arg[0], _drop(ia, {m, kv}), _coef(ia, m), _coef(ia, kv)),
        Operand(lb.arg[0], _drop(ib, {n, kv}), _coef(ib, kv), _coef(ib, n)),
        _drop(store.index, {m, n}), _coef(store.index, m), _coef(store.index, n),
        m, n, kv, [x for x in kernel.outer if x in batch],
        extent(m) if m is not None else 1, extent(n) if n is not None else 1, extent(kv), d, epi)


def _single_var(e: sym.Lin):
    """The loop variable an axis index is, None for a size-1 axis, False otherwise."""
    if e.is_const and e.const == 0:
        return None
    if len(e.terms) == 1 and e.const == 0 and e.terms[0][1] == 1 and isinstance(e.terms[0][0], sym.Var):
        return e.terms[0][0]
    return False


def _epilogue_unsupported(v: KVal) -> bool:
    seen = []

    def walk(x):
        if x.op is K.ACC:
            seen.append(x.arg)
        for s in x.src:
            walk(s)
        if x.op is K.LOAD:
            for a, _ in x.arg[1].terms:
                if isinstance(a, sym.Ext):
                    seen.append(-1)
    walk(v)
    return any(a != 0 for a in seen)


def launch_extent(p: GemmPlan) -> int:
    return p.batches * p.mblocks


class _Builder:
    """Loops with runtime bounds over the emitter's builder."""

    def __init__(self, em):
        self.em, self.b = em, em.b

    def for_range(self, name, lo, hi, body):
        v = sym.Var(name, 0, 0)
        self.em.loop(v, lo, hi, lambda: body(self.em.loopvars[v]))


def emit(em, p: GemmPlan) -> None:
    """Emit the GEMM body into the emitter's current function (start/end = work items)."""
    b = em.b
    MR, NR, VW, MC, KC, NC = BLOCKING[p.dtype.name]
    ft = ir.FloatType() if p.dtype.name == "float32" else ir.DoubleType()
    vt = ir.VectorType(ft, VW)
    nv = NR // VW
    esize = 4 if p.dtype.name == "float32" else 8
    c = lambda x: ir.Constant(I64, x)  # noqa: E731
    lb = _Builder(em)
    start, end = em.fn.args[-2], em.fn.args[-1]
    malloc = _decl(em.m, "malloc", ir.FunctionType(I8.as_pointer(), [I64]))
    free = _decl(em.m, "free", ir.FunctionType(ir.VoidType(), [I8.as_pointer()]))
    fma = _decl(em.m, f"llvm.fma.v{VW}{'f32' if esize == 4 else 'f64'}", ir.FunctionType(vt, [vt, vt, vt]))
    ap = b.bitcast(b.call(malloc, [c(MC * KC * esize + 64)]), ft.as_pointer())
    bp = b.bitcast(b.call(malloc, [c(KC * min(NC, _round_up(p.N, NR)) * esize + 64)]), ft.as_pointer())
    tile = b.alloca(ft, MR * NR)
    A, B, C = em.ptrs[p.a.slot], em.ptrs[p.b.slot], em.ptrs[0]
    mblocks = p.mblocks

    def work_item(w):
        bidx, mb = b.udiv(w, c(mblocks)), b.urem(w, c(mblocks))
        # batch vars from the flat batch index, so operand offsets can be evaluated
        rem = bidx
        for v in reversed(p.batch):
            em.loopvars[v] = b.urem(rem, c(extent(v)))
            rem = b.udiv(rem, c(extent(v)))
        off_a, off_b, off_c = em.index(p.a.offset), em.index(p.b.offset), em.index(p.c_offset)
        ic = b.mul(mb, c(MC))
        mc = _min(b, c(MC), b.sub(c(p.M), ic))

        def jc_block(jb):
            jc = b.mul(jb, c(NC))
            nc = _min(b, c(NC), b.sub(c(p.N), jc))

            def pc_block(pb):
                pc = b.mul(pb, c(KC))
                kc = _min(b, c(KC), b.sub(c(p.Kd), pc))
                _pack(lb, b, bp, B, off_b, kc, nc, NR, pc, jc, p.b.row, p.b.col, p.N, ft)
                _pack(lb, b, ap, A, off_a, kc, mc, MR, pc, ic, p.a.col, p.a.row, p.M, ft)
                npan = b.udiv(b.add(nc, c(NR - 1)), c(NR))
                mpan = b.udiv(b.add(mc, c(MR - 1)), c(MR))

                def jpanel(jp):
                    def ipanel(ip):
                        accs = _micro(lb, b, fma, vt, ft, ap, bp, ip, jp, kc, MR, NR, VW, nv)
                        for r in range(MR):
                            for q in range(nv):
                                ptr = b.gep(tile, [c(r * NR + q * VW)])
                                b.store(accs[r][q], b.bitcast(ptr, vt.as_pointer()), align=esize)
                        _write_tile(lb, b, tile, C, off_c, ic, jc, ip, jp, mc, nc, pc, MR, NR, p, ft)
                    lb.for_range("ip", c(0), mpan, ipanel)
                lb.for_range("jp", c(0), npan, jpanel)
            lb.for_range("pb", c(0), c(-(-p.Kd // KC)), pc_block)
        if p.Kd == 0:
            _zero_rows(lb, b, C, off_c, ic, mc, p, ft)
        else:
            lb.for_range("jb", c(0), c(-(-p.N // NC)), jc_block)
        if p.epilogue is not None:
            _epilogue(em, lb, b, C, off_c, ic, mc, p)

    lb.for_range("w", start, end, work_item)
    b.call(free, [b.bitcast(ap, I8.as_pointer())])
    b.call(free, [b.bitcast(bp, I8.as_pointer())])


def _round_up(x, m):
    return -(-x // m) * m


def _decl(module, name, fnty):
    if name in module.globals:
        return module.globals[name]
    return ir.Function(module, fnty, name)


def _min(b, x, y):
    return b.select(b.icmp_signed("<", x, y), x, y)


def _pack(lb, b, dst, src, off, kc, extent_, R, pk, p0, kstride, xstride, total, ft):
    """dst[panel][k][r] = src[off + (pk+k)*kstride + (p0+panel*R+r)*xstride], zero past `total`."""
    c = lambda x: ir.Constant(I64, x)  # noqa: E731
    npan = b.udiv(b.add(extent_, c(R - 1)), c(R))

    def panel(pi):
        def kloop(k):
            row = b.add(pk, k)
            for r in range(R):
                x = b.add(p0, b.add(b.mul(pi, c(R)), c(r)))
                inb = b.icmp_signed("<", x, c(total))
                xs = b.select(inb, x, c(0))
                addr = b.add(off, b.add(b.mul(row, c(kstride)), b.mul(xs, c(xstride))))
                v = b.load(b.gep(src, [addr]))
                v = b.select(inb, v, ir.Constant(ft, 0.0))
                di = b.add(b.mul(pi, b.mul(kc, c(R))), b.add(b.mul(k, c(R)), c(r)))
                b.store(v, b.gep(dst, [di]))
        lb.for_range("pk", c(0), kc, kloop)
    lb.for_range("pp", c(0), npan, panel)


def _micro(lb, b, fma, vt, ft, ap, bp, ip, jp, kc, MR, NR, VW, nv):
    """MR x NR block of C in registers: for k: acc[r][q] += A[r] * B[q*VW : q*VW+VW]."""
    c = lambda x: ir.Constant(I64, x)  # noqa: E731
    a0 = b.gep(ap, [b.mul(ip, b.mul(kc, c(MR)))])
    b0 = b.gep(bp, [b.mul(jp, b.mul(kc, c(NR)))])
    entry = b.block
    head = b.append_basic_block("micro.head")
    body = b.append_basic_block("micro.body")
    done = b.append_basic_block("micro.done")
    b.branch(head)
    b.position_at_end(head)
    k = b.phi(I64, name="mk")
    k.add_incoming(c(0), entry)
    zero = ir.Constant(vt, [ir.Constant(ft, 0.0)] * VW)
    accs = []
    for r in range(MR):
        row = []
        for q in range(nv):
            ph = b.phi(vt, name=f"acc{r}_{q}")
            ph.add_incoming(zero, entry)
            row.append(ph)
        accs.append(row)
    b.cbranch(b.icmp_signed("<", k, kc), body, done)
    b.position_at_end(body)
    bvecs = [b.load(b.bitcast(b.gep(b0, [b.add(b.mul(k, c(NR)), c(q * VW))]), vt.as_pointer()), align=4)
             for q in range(nv)]
    undef = ir.Constant(vt, ir.Undefined)
    mask = ir.Constant(ir.VectorType(ir.IntType(32), VW), [0] * VW)
    new = []
    for r in range(MR):
        a = b.load(b.gep(a0, [b.add(b.mul(k, c(MR)), c(r))]))
        av = b.shuffle_vector(b.insert_element(undef, a, ir.Constant(ir.IntType(32), 0)), undef, mask)
        new.append([b.call(fma, [av, bvecs[q], accs[r][q]]) for q in range(nv)])
    for r in range(MR):
        for q in range(nv):
            accs[r][q].add_incoming(new[r][q], body)
    k.add_incoming(b.add(k, c(1)), body)
    b.branch(head)
    b.position_at_end(done)
    return accs


def _write_tile(lb, b, tile, C, off_c, ic, jc, ip, jp, mc, nc, pc, MR, NR, p, ft):
    """C[tile] = acc on the first K block, C[tile] += acc after; only the valid part."""
    c = lambda x: ir.Constant(I64, x)  # noqa: E731
    r0 = b.mul(ip, c(MR))
    q0 = b.mul(jp, c(NR))
    rows = _min(b, c(MR), b.sub(mc, r0))
    cols = _min(b, c(NR), b.sub(nc, q0))
    first = b.icmp_signed("==", pc, c(0))

    def row(r):
        def col(q):
            v = b.load(b.gep(tile, [b.add(b.mul(r, c(NR)), q)]))
            m = b.add(ic, b.add(r0, r))
            n = b.add(jc, b.add(q0, q))
            addr = b.add(off_c, b.add(b.mul(m, c(p.c_row)), b.mul(n, c(p.c_col))))
            ptr = b.gep(C, [addr])
            old = b.select(first, ir.Constant(ft, 0.0), b.load(ptr))
            b.store(b.fadd(old, v), ptr)
        lb.for_range("tq", c(0), cols, col)
    lb.for_range("tr", c(0), rows, row)


def _zero_rows(lb, b, C, off_c, ic, mc, p, ft):
    c = lambda x: ir.Constant(I64, x)  # noqa: E731

    def row(r):
        def col(n):
            m = b.add(ic, r)
            b.store(ir.Constant(ft, 0.0), b.gep(C, [b.add(off_c, b.add(b.mul(m, c(p.c_row)), b.mul(n, c(p.c_col))))]))
        lb.for_range("zq", c(0), c(p.N), col)
    lb.for_range("zr", c(0), mc, row)


def _epilogue(em, lb, b, C, off_c, ic, mc, p):
    """out[b, m, n] = epilogue(acc = C[b, m, n]) for this work item's rows."""
    c = lambda x: ir.Constant(I64, x)  # noqa: E731

    def row(r):
        def col(n):
            m = b.add(ic, r)
            if p.m is not None:
                em.loopvars[p.m] = m
            if p.n is not None:
                em.loopvars[p.n] = n
            ptr = b.gep(C, [b.add(off_c, b.add(b.mul(m, c(p.c_row)), b.mul(n, c(p.c_col))))])
            saved = em.memo
            em.memo = {}
            em.accs[0] = b.load(ptr)
            b.store(em.to_storage(em.value(p.epilogue), p.dtype), ptr)
            em.memo = saved
        lb.for_range("eq", c(0), c(p.N), col)
    lb.for_range("er", c(0), mc, row)
