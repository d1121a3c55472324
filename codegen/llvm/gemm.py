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

# micro-kernel and cache blocking per element type and vector register width in bits:
# (MR, NR, vector width, MC, KC, NC).  512-bit registers (AVX-512) hold 6x32 floats of C in
# 12 registers: measured 150 -> 180 GFLOP/s on MLP-sized GEMMs against 256-bit blocking.
BLOCKING = {("float32", 512): (6, 32, 16, 96, 256, 4096), ("float64", 512): (6, 16, 8, 96, 256, 2048),
            ("float32", 256): (6, 16, 8, 96, 256, 4096), ("float64", 256): (6, 8, 4, 96, 256, 2048)}


@dataclass
class GemmPlan:
    a: KVal           # operand expression over (batch, m, k): usually a load, maybe a view or prologue
    b: KVal           # operand expression over (batch, k, n)
    c_offset: sym.Lin
    c_row: int
    c_col: int
    m: tuple          # loop vars the row index flattens (row-major), () for one row
    n: tuple          # likewise for the column index
    k: sym.Var
    batch: list
    M: int
    N: int
    Kd: int
    dtype: object
    epilogue: KVal | None  # None: the store value is the accumulator itself
    workers: int = 1       # threads the runtime will split the work items over
    direct_a: bool = False  # A is read in place (a weight, unit stride along k): never packed
    vector_bits: int = 256  # the target's vector registers

    @property
    def blocking(self) -> tuple:
        return BLOCKING[(self.dtype.name, self.vector_bits)]

    @property
    def split(self) -> tuple:
        """(rows, cols) of C per work item.  Work items run on different threads and each
        packs the operand panels it needs, so splitting M repeats B's packing and splitting
        N repeats A's: pick the split into about `_items` pieces that repeats the least."""
        MR, NR = self.blocking[:2]
        want = _items(self.M * self.N * max(self.Kd, 1), self.batches, self.workers)
        ca = 1 if self.direct_a else _pack_cost(self.a, self.k, self.m)  # read in place: still read
        cb = _pack_cost(self.b, self.k, self.n)
        best = None
        a = 1
        while a <= want:
            b = want // a
            mi, ni = _round_up(-(-self.M // a), MR), _round_up(-(-self.N // b), NR)
            am, bn = -(-self.M // mi), -(-self.N // ni)
            cost = (am * self.N * cb + bn * self.M * ca) * self.Kd + (0 if am * bn >= want else 1 << 62)
            if best is None or cost < best[0]:
                best = (cost, mi, ni)
            a *= 2
        return best[1], best[2]

    @property
    def items(self) -> tuple:
        """Work items per batch along M and along N."""
        mi, ni = self.split
        return -(-self.M // mi), -(-self.N // ni)

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


def _value_vars(v: KVal) -> set:
    """Loop variables a value depends on (through its loads' and indices' expressions)."""
    out = set()
    if v.op is K.LOAD:
        out |= sym.variables(v.arg[1])
        for c in v.arg[2]:
            out |= sym.variables(c.expr)
    elif v.op is K.INDEX:
        out |= sym.variables(v.arg)
    elif v.op is K.RAND:
        out |= sym.variables(v.arg[1])
    for s in v.src:
        out |= _value_vars(s)
    for a in list(out):
        if isinstance(a, sym.Ext):
            out.discard(a)
            out |= _value_vars(a.key)
    return out


def _has_acc(v: KVal) -> bool:
    return v.op is K.ACC or any(_has_acc(s) for s in v.src)


def plan(kernel, workers: int = 1, vector_bits: int = 256) -> GemmPlan | None:
    """Recognise a (batched) matmul: the reduce value is x * y with x free of the column
    and y free of the row; everything else about x and y is evaluated while packing."""
    if kernel.kind != "contract" or len(kernel.reduces) != 1 or kernel.inner or len(kernel.stores) != 1:
        return None
    red = kernel.reduces[0]
    d = red.dtype
    if (d.name, vector_bits) not in BLOCKING or len(red.vars) != 1 or red.matmul_axes is None:
        return None
    v, kv, store = red.value, red.vars[0], kernel.stores[0]
    if v.op is not Op.MUL or kernel.args[0].dtype != d or any(x.dtype != d for x in v.src):
        return None
    x, y = v.src
    m, n = (_flat_axis(e) for e in red.matmul_axes)
    if m is None or n is None or set(m) & set(n) or set(n) & _value_vars(x) or set(m) & _value_vars(y):
        return None
    if any(not isinstance(a, sym.Var) for a, _ in store.index.terms) or _has_acc(x) or _has_acc(y):
        return None
    c_row, c_col = _flat_stride(store.index, m), _flat_stride(store.index, n)
    if _epilogue_unsupported(store.value) or c_row is None or c_col is None:
        return None
    batch = [b for b in kernel.outer if b not in m and b not in n]
    epi = None if store.value.op is K.ACC else store.value
    M, N = _prod(extent(v) for v in m), _prod(extent(v) for v in n)
    off = _drop(store.index, set(m) | set(n))
    if M <= SMALL_M < N and len(n) == 1 and _unit_stride_load(y, kv):
        # few rows times a weight stored row by row (x @ W.T): packing W would cost as much as
        # the multiply, so compute C^T = W x^T with W read in place as the row operand (in
        # 256-bit blocks: 32 rows x 1024 took 108 µs so, 141 µs in 6x32 tiles)
        return GemmPlan(y, x, off, c_col, c_row, n, m, kv, batch, N, M, extent(kv), d, epi, workers, True, 256)
    return GemmPlan(x, y, off, c_row, c_col, m, n, kv, batch, M, N, extent(kv), d, epi, workers, False, vector_bits)


# a GEMM with at most this many rows reads a row-major weight in place instead of packing it
SMALL_M = 64


def _pack_cost(value: KVal, kvar, xvar) -> int:
    """Relative cost of packing one element of an operand: a vector copy, a strided gather,
    or an expression evaluated per element (a fused prologue: ReLU's backward mask...)."""
    if len(xvar) == 1 and (_unit_stride_load(value, xvar[0]) or _unit_stride_load(value, kvar)):
        return 1
    return 2 if value.op is K.LOAD else 6


def _prod(xs) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


def _flat_axis(e: sym.Lin):
    """The loop vars an axis index flattens row-major (i0*64 + i1 -> (i0, i1)); () for a
    constant-0 index (a size-1 axis); None if the index is anything else."""
    if e.const != 0 or any(not isinstance(a, sym.Var) for a, _ in e.terms):
        return None
    terms = sorted(e.terms, key=lambda t: -t[1])
    stride = 1
    for a, c in reversed(terms):
        if c != stride:
            return None
        stride *= extent(a)
    return tuple(a for a, _ in terms)


def _flat_stride(index: sym.Lin, axis: tuple):
    """The store index's stride per step of the flattened axis, if it is consistent."""
    if not axis:
        return 0
    stride = _coef(index, axis[-1])
    acc = stride
    for v in reversed(axis):
        if _coef(index, v) != acc:
            return None
        acc *= extent(v)
    return stride


def set_axis(em, axis: tuple, flat):
    """Bind the vars of a flattened axis from a flat position."""
    b = em.b
    for v in reversed(axis):
        e = ir.Constant(I64, extent(v))
        em.loopvars[v] = b.urem(flat, e) if v is not axis[0] else flat
        flat = b.udiv(flat, e)


def _epilogue_unsupported(v: KVal) -> bool:
    """The epilogue may read the accumulator (acc 0) and anything indexed by the outer vars."""
    return any(a != 0 for a in _accs(v))


def _accs(v: KVal) -> list:
    out = [v.arg] if v.op is K.ACC else []
    for s in v.src:
        out += _accs(s)
    return out


# multiply-adds per work item below which splitting a GEMM further does not pay
_MIN_ITEM_FLOPS = 1 << 21


def _items(flops: int, batches: int, workers: int) -> int:
    """Work items wanted per batch: one per thread (every extra item repacks an operand),
    none smaller than _MIN_ITEM_FLOPS."""
    n = 1
    while n < workers and n * batches < workers and flops // (2 * n) >= _MIN_ITEM_FLOPS:
        n *= 2
    return n


def launch_extent(p: GemmPlan) -> int:
    am, bn = p.items
    return p.batches * am * bn


class _Builder:
    """Loops with runtime bounds over the emitter's builder."""

    def __init__(self, em):
        self.em, self.b = em, em.b

    def for_range(self, name, lo, hi, body):
        v = sym.Var(name, 0, 0)
        self.em.loop(v, lo, hi, lambda: body(self.em.loopvars[v]))


def emit(em, p: GemmPlan) -> None:
    """Emit the GEMM body into the emitter's current function (start/end = work items).
    A work item is a (batch, row block, column block) of C; inside it the loops are
    BLIS's: column panels jc, depth blocks pc (pack B), row blocks ic (pack A), tiles."""
    b = em.b
    MR, NR, VW, MC, KC, NC = p.blocking
    if p.Kd > KC:  # equal depth blocks: K = 784 runs 4 x 196, not 3 x 256 and a 16-deep tail
        KC = -(-p.Kd // -(-p.Kd // KC))
    mi, ni = p.split
    am, bn = p.items
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
    ap = None if p.direct_a else b.bitcast(b.call(malloc, [c(min(MC, mi) * KC * esize + 64)]), ft.as_pointer())
    bp = b.bitcast(b.call(malloc, [c(KC * min(NC, ni) * esize + 64)]), ft.as_pointer())
    tile = b.alloca(ft, MR * NR)
    C = em.ptrs[0]

    def work_item(w):
        bidx, cell = b.udiv(w, c(am * bn)), b.urem(w, c(am * bn))
        # batch vars from the flat batch index, so operand offsets can be evaluated
        rem = bidx
        for v in reversed(p.batch):
            em.loopvars[v] = b.urem(rem, c(extent(v)))
            rem = b.udiv(rem, c(extent(v)))
        off_c = em.index(p.c_offset)
        row0, col0 = b.mul(b.udiv(cell, c(bn)), c(mi)), b.mul(b.urem(cell, c(bn)), c(ni))
        rows = _min(b, c(mi), b.sub(c(p.M), row0))
        cols = _min(b, c(ni), b.sub(c(p.N), col0))

        def jc_block(jb):
            jc = b.add(col0, b.mul(jb, c(NC)))
            nc = _min(b, c(NC), b.sub(b.add(col0, cols), jc))

            def pc_block(pb):
                pc = b.mul(pb, c(KC))
                kc = _min(b, c(KC), b.sub(c(p.Kd), pc))
                _pack(em, lb, bp, p.b, p.k, p.n, kc, nc, NR, pc, jc, p.N, ft)
                npan = b.udiv(b.add(nc, c(NR - 1)), c(NR))

                def ic_block(ib):
                    ic = b.add(row0, b.mul(ib, c(MC)))
                    mc = _min(b, c(MC), b.sub(b.add(row0, rows), ic))
                    if not p.direct_a:
                        _pack(em, lb, ap, p.a, p.k, p.m, kc, mc, MR, pc, ic, p.M, ft)
                    mpan = b.udiv(b.add(mc, c(MR - 1)), c(MR))

                    def jpanel(jp):
                        def ipanel(ip):
                            rows = _row_pointers(em, p, b.add(ic, b.mul(ip, c(MR))), pc, MR) if p.direct_a else None
                            accs = _micro(lb, b, fma, vt, ft, ap, bp, ip, jp, kc, MR, NR, VW, nv, rows)
                            for r in range(MR):
                                for q in range(nv):
                                    ptr = b.gep(tile, [c(r * NR + q * VW)])
                                    b.store(accs[r][q], b.bitcast(ptr, vt.as_pointer()), align=esize)
                            _write_tile(lb, b, tile, C, off_c, ic, jc, ip, jp, mc, nc, pc, MR, NR, p, ft)
                        lb.for_range("ip", c(0), mpan, ipanel)
                    lb.for_range("jp", c(0), npan, jpanel)
                lb.for_range("ib", c(0), b.udiv(b.add(rows, c(MC - 1)), c(MC)), ic_block)
            lb.for_range("pb", c(0), c(-(-p.Kd // KC)), pc_block)
        if p.Kd == 0:
            _zero_block(lb, b, C, off_c, row0, rows, col0, cols, p, ft)
        else:
            lb.for_range("jb", c(0), b.udiv(b.add(cols, c(NC - 1)), c(NC)), jc_block)
        if p.epilogue is not None:
            _epilogue(em, lb, b, C, off_c, row0, rows, col0, cols, p)

    lb.for_range("w", start, end, work_item)
    if ap is not None:
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


def _pack(em, lb, dst, value, kvar, xvar, kc, extent_, R, pk, p0, total, ft):
    """dst[panel][k][r] = value at (k = pk+k, x = p0+panel*R+r).  Panels wholly inside
    the operand are packed without checks, with vector loads when the operand is a plain
    load contiguous along x or along k; the last, partial panel evaluates the value at a
    clamped position and stores zero past `total`, so padding never reads out of bounds."""
    b = em.b
    c = lambda x: ir.Constant(I64, x)  # noqa: E731
    npan = b.udiv(b.add(extent_, c(R - 1)), c(R))
    full = _min(b, npan, b.sdiv(b.sub(c(total), p0), c(R)))
    along_x = len(xvar) == 1 and _unit_stride_load(value, xvar[0])
    along_k = len(xvar) == 1 and _unit_stride_load(value, kvar)

    def scalar_panel(pi, checked, k_from):
        def kloop(k):
            em.loopvars[kvar] = b.add(pk, k)
            for r in range(R):
                x = b.add(p0, b.add(b.mul(pi, c(R)), c(r)))
                if checked:
                    inb = b.icmp_signed("<", x, c(total))
                    x = b.select(inb, x, c(total - 1))
                set_axis(em, xvar, x)
                em.memo = {}
                v = em.value(value)
                if checked:
                    v = b.select(inb, v, ir.Constant(ft, 0.0))
                b.store(v, b.gep(dst, [_packed_at(b, pi, k, kc, R, r)]))
        lb.for_range("pk", k_from, kc, kloop)

    def full_panel(pi):
        x0 = b.add(p0, b.mul(pi, c(R)))
        if along_x:
            _pack_rows(em, lb, dst, value, kvar, xvar[0], kc, R, pk, x0, pi, ft)
        elif along_k:
            scalar_panel(pi, False, _pack_columns(em, lb, dst, value, kvar, xvar[0], kc, R, pk, x0, pi, ft))
        else:
            scalar_panel(pi, False, c(0))
    lb.for_range("pp", c(0), full, full_panel)
    lb.for_range("pq", full, npan, lambda pi: scalar_panel(pi, True, c(0)))


def _packed_at(b, pi, k, kc, R, r):
    c = lambda x: ir.Constant(I64, x)  # noqa: E731
    return b.add(b.mul(pi, b.mul(kc, c(R))), b.add(b.mul(k, c(R)), c(r)))


def _unit_stride_load(value, var) -> bool:
    """An unconditional load whose index is plain loop vars and steps by one element along
    `var` (the operand's own type: plan() checked that)."""
    if value.op is not K.LOAD or value.arg[2]:
        return False
    idx = value.arg[1]
    return all(isinstance(a, sym.Var) for a, _ in idx.terms) and _coef(idx, var) == 1


def _load_vector(em, value, width, ft):
    """`width` consecutive elements of a unit-stride load from its current position."""
    b = em.b
    em.memo = {}
    ptr = b.gep(em.ptrs[value.arg[0]], [em.index(value.arg[1])])
    return b.load(b.bitcast(ptr, ir.VectorType(ft, width).as_pointer()), align=4)


def _pack_rows(em, lb, dst, value, kvar, xv, kc, R, pk, x0, pi, ft):
    """Operand contiguous along x: each k's R values are one vector load and store."""
    b = em.b

    def kloop(k):
        em.loopvars[kvar] = b.add(pk, k)
        em.loopvars[xv] = x0
        vec = _load_vector(em, value, R, ft)
        ptr = b.gep(dst, [_packed_at(b, pi, k, kc, R, 0)])
        b.store(vec, b.bitcast(ptr, vec.type.as_pointer()), align=4)
    lb.for_range("pk", ir.Constant(I64, 0), kc, kloop)


_CHUNK = 8  # k's per transposed block in _pack_columns


def _pack_columns(em, lb, dst, value, kvar, xv, kc, R, pk, x0, pi, ft):
    """Operand contiguous along k: load _CHUNK k's of each of the R rows as vectors and
    transpose them into the panel's k-major order.  Returns where the leftover k's start."""
    b = em.b
    c = lambda x: ir.Constant(I64, x)  # noqa: E731
    chunks = b.udiv(kc, c(_CHUNK))
    i32 = ir.IntType(32)
    vt = ir.VectorType(ft, R)

    def chunk(q):
        k0 = b.mul(q, c(_CHUNK))
        em.loopvars[kvar] = b.add(pk, k0)
        rows = []
        for r in range(R):
            em.loopvars[xv] = b.add(x0, c(r))
            rows.append(_load_vector(em, value, _CHUNK, ft))
        for j in range(_CHUNK):
            out = ir.Constant(vt, ir.Undefined)
            for r in range(R):
                out = b.insert_element(out, b.extract_element(rows[r], ir.Constant(i32, j)), ir.Constant(i32, r))
            ptr = b.gep(dst, [_packed_at(b, pi, b.add(k0, c(j)), kc, R, 0)])
            b.store(out, b.bitcast(ptr, vt.as_pointer()), align=4)
    lb.for_range("pc", c(0), chunks, chunk)
    return b.mul(chunks, c(_CHUNK))


def _row_pointers(em, p: GemmPlan, row0, pc, MR: int) -> list:
    """For an A read in place: the address of A[row, pc] for each of the panel's MR rows
    (rows past the end repeat the last one; their results are never stored)."""
    b = em.b
    ptrs = []
    for r in range(MR):
        row = _min(b, b.add(row0, ir.Constant(I64, r)), ir.Constant(I64, p.M - 1))
        em.loopvars[p.m[0]] = row
        em.loopvars[p.k] = pc
        em.memo = {}
        ptrs.append(b.gep(em.ptrs[p.a.arg[0]], [em.index(p.a.arg[1])]))
    return ptrs


def _micro(lb, b, fma, vt, ft, ap, bp, ip, jp, kc, MR, NR, VW, nv, rows=None):
    """MR x NR block of C in registers: for k: acc[r][q] += A[r] * B[q*VW : q*VW+VW].  A comes
    from its packed panel, or (`rows`) straight from each row's memory."""
    c = lambda x: ir.Constant(I64, x)  # noqa: E731
    a0 = None if rows is not None else b.gep(ap, [b.mul(ip, b.mul(kc, c(MR)))])
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
        a = b.load(b.gep(a0, [b.add(b.mul(k, c(MR)), c(r))])) if rows is None else b.load(b.gep(rows[r], [k]))
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


def _zero_block(lb, b, C, off_c, row0, rows, col0, cols, p, ft):
    """K = 0: the item's block of C is zero."""
    c = lambda x: ir.Constant(I64, x)  # noqa: E731

    def row(r):
        def col(q):
            m, n = b.add(row0, r), b.add(col0, q)
            b.store(ir.Constant(ft, 0.0), b.gep(C, [b.add(off_c, b.add(b.mul(m, c(p.c_row)), b.mul(n, c(p.c_col))))]))
        lb.for_range("zq", c(0), cols, col)
    lb.for_range("zr", c(0), rows, row)


def _epilogue(em, lb, b, C, off_c, row0, rows, col0, cols, p):
    """out[b, m, n] = epilogue(acc = C[b, m, n]) over this work item's block."""
    c = lambda x: ir.Constant(I64, x)  # noqa: E731

    def row(r):
        def col(q):
            m, n = b.add(row0, r), b.add(col0, q)
            set_axis(em, p.m, m)
            set_axis(em, p.n, n)
            ptr = b.gep(C, [b.add(off_c, b.add(b.mul(m, c(p.c_row)), b.mul(n, c(p.c_col))))])
            saved = em.memo
            em.memo = {}
            em.accs[0] = b.load(ptr)
            b.store(em.to_storage(em.value(p.epilogue), p.dtype), ptr)
            em.memo = saved
        lb.for_range("eq", c(0), cols, col)
    lb.for_range("er", c(0), rows, row)
