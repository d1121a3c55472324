"""The kernel skeletons: how each kind of Kernel IR kernel maps onto Triton programs.

    elementwise  BLOCK consecutive points of the flattened outer space per program
    reduce       BLOCK_O outer points (tile rows) per program; each accumulator is a loop over
                 BLOCK_R chunks of its reduce variables, then the stores loop over BLOCK_J
                 chunks of the inner variables
    contract     tl.dot on BLOCK_M x BLOCK_K and BLOCK_K x BLOCK_N tiles, then the epilogue;
                 odd contractions (no plain A @ B, float64) use the reduce skeleton
    scan         BLOCK_O rows; the scanned axis in BLOCK_S chunks with a carry between chunks
    scatter      as elementwise with tl.atomic_* stores; an accumulation without an atomic
                 runs in one program, element by element
"""
from __future__ import annotations

import re
from math import prod

from tjit.ir.kernel import K, KVal, extent
from tjit.ir.ops import Op, ReduceOp

from . import helpers
from .analysis import DotPlan, dot_plan
from .emit import POINTER, TL, Emitter, Scope, Tile, TritonKernel, atomic_op, combine_fn, literal, value_type


def _pow2(n: int, cap: int) -> int:
    """The smallest power of two >= n, at most `cap` (tl.arange needs powers of two)."""
    p = 1
    while p < n and p < cap:
        p *= 2
    return p


def _warps(tile: int) -> int:
    return max(1, min(8, tile // 256))


def _identity(op: ReduceOp, d) -> str:
    """The identity of a reduction, as a literal of its tile type (bool tiles are int8)."""
    if d.name == "bool":
        return "0" if op in (ReduceOp.SUM, ReduceOp.MAX) else "1"
    if op in (ReduceOp.SUM, ReduceOp.PROD):
        return literal(0 if op is ReduceOp.SUM else 1, d)
    if d.kind == "f":
        return 'float("-inf")' if op is ReduceOp.MAX else 'float("inf")'
    bits = d.itemsize * 8
    lo, hi = (0, (1 << bits) - 1) if d.kind == "u" else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return str(lo if op is ReduceOp.MAX else hi)


def _tile_type(d) -> str:
    return "tl.int8" if d.name == "bool" else value_type(d)


class KernelWriter(Emitter):
    def write(self) -> TritonKernel:
        k = self.k
        plan = dot_plan(k)
        st = k.stores[0] if k.stores else None
        if plan is not None:
            blocks, grid, warps = self.dot(plan)
        elif k.kind == "scan":
            blocks, grid, warps = self.scan()
        elif k.kind == "scatter" and st.accumulate is not None and not atomic_op(st.accumulate, k.args[st.slot].dtype):
            blocks, grid, warps = self.sequential()
        elif k.reduces or k.inner:
            blocks, grid, warps = self.reduce()
        else:
            blocks, grid, warps = self.elementwise()
        return self.finish(blocks, grid, warps, 3 if plan else 1)

    def program_id(self):
        self.line("pid = tl.program_id(0)" + (".to(tl.int64)" if self.wide else ""))

    def stores(self):
        for st in self.k.stores:
            self.store(st)

    # -- skeletons ------------------------------------------------------------------------
    def elementwise(self):
        n = prod(extent(v) for v in self.k.outer)
        block = _pow2(n, 1024)
        self.scope = Scope(("BLOCK",), {0: "o_mask"})
        self.program_id()
        self.bind(self.k.outer, self.arange("pid * BLOCK", "BLOCK", None, "o", n, f"BLOCK of the {n} points"))
        self.stores()
        return {"BLOCK": block}, ((n, "BLOCK"),), _warps(block)

    def sequential(self):
        n = prod(extent(v) for v in self.k.outer)
        self.scope = Scope((), {})
        self.line(f"for o_idx in range(0, {n}):", "in order, so repeated indices accumulate correctly")
        self.depth += 1
        self.bind(self.k.outer, Tile("o_idx"))
        self.stores()
        self.depth -= 1
        return {}, ((1, None),), 1

    def outer_rows(self):
        """Axis 0 of a 2-D kernel: BLOCK_O outer points per program."""
        n = prod(extent(v) for v in self.k.outer)
        self.scope = Scope(("BLOCK_O", "1"), {0: "o_mask"})
        self.program_id()
        self.bind(self.k.outer, self.arange("pid * BLOCK_O", "BLOCK_O", 0, "o", n,
                                            f"rows: BLOCK_O of the {n} outer points"))

    def reduce(self):
        k = self.k
        n_r = max([prod(extent(v) for v in r.vars) for r in k.reduces] or [1])
        n_j = prod(extent(v) for v in k.inner)
        br = _pow2(n_r, 1024) if k.reduces else 1
        bj = _pow2(n_j, 1024) if k.inner else 1
        n_o = prod(extent(v) for v in k.outer)
        bo = _pow2(n_o, min(64, max(1, 4096 // max(br, bj))))
        self.outer_rows()
        for r in k.reduces:
            self.reduction(r)
        for st in k.acc_stores:  # reductions kept for later schedules
            self.store(st)
        blocks = {"BLOCK_O": bo}
        if k.reduces:
            blocks["BLOCK_R"] = br
        if k.inner:
            blocks["BLOCK_J"] = bj

            def body():
                self.bind(k.inner, self.column("j_start", "BLOCK_J", "j", n_j, "columns: inner points"))
                self.stores()
            self.loop("j_start", n_j, "BLOCK_J", body)
        else:
            self.stores()
        return blocks, ((n_o, "BLOCK_O"),), _warps(bo * max(br, bj))

    def reduction(self, r):
        """acc<n>: combine BLOCK_O x BLOCK_R tiles elementwise, then reduce the tile's columns."""
        n = prod(extent(v) for v in r.vars)
        ident, fn, tile_t = _identity(r.op, r.dtype), combine_fn(r.op, r.dtype), _tile_type(r.dtype)
        self.use(f"{fn}(")
        over = ", ".join(f"{v.name} < {extent(v)}" for v in r.vars) or "nothing"
        self.line(f"acc{r.acc}_tile = tl.full([BLOCK_O, BLOCK_R], {ident}, {tile_t})",
                  f"acc{r.acc} = {r.op.name.lower()} over {over}")

        def body():
            self.bind(r.vars, self.column("r_start", "BLOCK_R", "r", n))
            x = self.tile_value(r.value, r.dtype)
            self.line(f"acc{r.acc}_tile = {fn}(acc{r.acc}_tile, tl.where(o_mask & r_mask, {x}, {ident}))")
        self.loop("r_start", n, "BLOCK_R", body)
        final = f"tl.reduce(acc{r.acc}_tile, 1, {fn}, keep_dims=True)"
        self.line(f"acc{r.acc} = {final}" + (" != 0" if r.dtype.name == "bool" else ""))
        self.accs[r.acc] = Tile(f"acc{r.acc}", frozenset({0}))

    def tile_value(self, v: KVal, d) -> str:
        """A reduced or scanned value in its tile type."""
        x = self.typed(self.value(v), d).expr
        return f"{x}.to(tl.int8)" if d.name == "bool" else x

    def scan(self):
        """Scan each BLOCK_S chunk, combine it with the carry of the chunks before, store,
        then fold the chunk into the carry."""
        k = self.k
        r = k.reduces[0]
        n_s = prod(extent(v) for v in r.vars)
        bs = _pow2(n_s, 1024)
        n_o = prod(extent(v) for v in k.outer)
        bo = _pow2(n_o, min(64, max(1, 4096 // bs)))
        self.outer_rows()
        ident, fn, tile_t = _identity(r.op, r.dtype), combine_fn(r.op, r.dtype), _tile_type(r.dtype)
        self.use(f"{fn}(")
        self.line(f"carry = tl.full([BLOCK_O, 1], {ident}, {tile_t})",
                  f"cumulative {r.op.name.lower()} over {', '.join(v.name for v in r.vars)}")

        def body():
            self.bind(r.vars, self.column("s_start", "BLOCK_S", "s", n_s))
            self.line(f"chunk = tl.where(o_mask & s_mask, {self.tile_value(r.value, r.dtype)}, {ident})")
            self.line(f"acc0 = {fn}(tl.associative_scan(chunk, 1, {fn}), carry)")
            self.accs[r.acc] = Tile("acc0", frozenset({0, 1}))
            if r.dtype.name == "bool":
                self.accs[r.acc] = self.assign("acc0 != 0", {0, 1})
            self.stores()
            self.line(f"carry = {fn}(carry, tl.reduce(chunk, 1, {fn}, keep_dims=True))")
        self.loop("s_start", n_s, "BLOCK_S", body)
        return {"BLOCK_O": bo, "BLOCK_S": bs}, ((n_o, "BLOCK_O"),), _warps(bo * bs)

    def dot(self, p: DotPlan):
        nb = prod(extent(v) for v in p.batch)
        nm, nn, nk = prod(extent(v) for v in p.rows), prod(extent(v) for v in p.cols), extent(p.k)
        bm, bn, bk = _pow2(max(nm, 16), 64), _pow2(max(nn, 16), 64), _pow2(max(nk, 16), 32)
        self.program_id()
        self.line(f"num_n = ({nn} + BLOCK_N - 1) // BLOCK_N", "program -> (batch, row block, column block)")
        self.line(f"num_m = ({nm} + BLOCK_M - 1) // BLOCK_M")
        self.line("pid_n = pid % num_n")
        self.line("pid_m = pid // num_n % num_m")
        self.line("pid_b = pid // (num_n * num_m)")
        self.scope = epilogue = Scope(("BLOCK_M", "BLOCK_N"), {0: "m_mask", 1: "n_mask"})
        self.bind(p.batch, Tile("pid_b"))
        self.bind(p.rows, self.arange("pid_m * BLOCK_M", "BLOCK_M", 0, "m", nm, f"rows of the {nm} x {nn} output"))
        self.bind(p.cols, self.arange("pid_n * BLOCK_N", "BLOCK_N", 1, "n", nn, "columns"))
        # 16-bit operands (loaded or cast) go to tl.dot in their own type: the products are exact
        half = all(x.op in (K.LOAD, Op.CAST) and x.dtype.name in ("float16", "bfloat16") for x in (p.a, p.b)) \
            and p.a.dtype == p.b.dtype
        self.line("acc0 = tl.full([BLOCK_M, BLOCK_N], 0.0, tl.float32)", f"acc0 = sum over {p.k.name} < {nk} of a * b")

        def operand(v: KVal, k_axis: int, name: str) -> str:
            if k_axis == 1:
                self.scope = Scope(("BLOCK_M", "BLOCK_K"), {0: "m_mask", 1: f"k{name}_mask"}, dict(epilogue.vars))
            else:
                self.scope = Scope(("BLOCK_K", "BLOCK_N"), {0: f"k{name}_mask", 1: "n_mask"}, dict(epilogue.vars))
            self.scope.vars[p.k] = self.arange("k_start", "BLOCK_K", k_axis, f"k{name}", nk)
            self.memo = {}
            t = self.half_operand(v) if half else self.typed(self.value(v), v.dtype)
            expr = t.expr if t.axes == {0, 1} else f"tl.broadcast_to({t.expr}, {self.scope.shape({0, 1})})"
            if nk % bk:  # the K tail must add nothing
                expr = f"tl.where(k{name}_mask, {expr}, 0.0)"
            return self.assign(expr, {0, 1}, f"{name.upper()} tile", name=f"{name}_tile").expr

        def body():
            a, b = operand(p.a, 1, "a"), operand(p.b, 0, "b")
            precision = "" if half else ', input_precision="ieee"'  # float32: no tf32 rounding
            self.line(f"acc0 = tl.dot({a}, {b}, acc0{precision})")
        self.loop("k_start", nk, "BLOCK_K", body)
        self.scope, self.memo = epilogue, {}
        self.accs[0] = Tile("acc0", frozenset({0, 1}))
        self.stores()
        blocks = {"BLOCK_M": bm, "BLOCK_N": bn, "BLOCK_K": bk}
        return blocks, ((nb, None), (nm, "BLOCK_M"), (nn, "BLOCK_N")), 4

    def half_operand(self, v: KVal) -> Tile:
        """A float16/bfloat16 load or cast, kept in that type."""
        if v.op is K.LOAD:
            return self.load(v, raw=True)
        src = self.typed(self.value(v.src[0]), v.src[0].dtype)
        return self.assign(f"{src.expr}.to({TL[v.dtype.name]})", src.axes)

    # -- the source file ------------------------------------------------------------------
    def finish(self, blocks: dict, grid: tuple, warps: int, stages: int) -> TritonKernel:
        k = self.k
        fn_name = re.sub(r"\W", "_", k.name)
        if not fn_name.isidentifier() or fn_name.startswith("_"):
            fn_name = "k_" + fn_name
        params = [f"{a.name}_ptr" for a in k.args] + [f"{b}: tl.constexpr" for b in blocks]
        signature = {f"{a.name}_ptr": "*i64" if a.kind == "rand" else POINTER[a.dtype.name] for a in k.args}
        launch = ", ".join(f"{b}={v}" for b, v in blocks.items())
        grid_text = " * ".join(f"cdiv({e}, {b})" if b else str(e) for e, b in grid)
        out = ["# Triton kernel generated by tjit from this Kernel IR:", "#"]
        out += ["#   " + ln for ln in str(k).splitlines()]
        out += ["#", f"# launch: grid = ({grid_text},), {launch or 'no blocks'}, num_warps={warps}"]
        out += ["import triton", "import triton.language as tl"]
        body = "\n".join(self.lines)
        if "libdevice." in body:
            out.append("from triton.language.extra import libdevice")
        out.append("")
        for h in helpers.closure(self.helpers):
            out += ["", helpers.SOURCES[h].strip(), ""]
        out += ["", "@triton.jit", f"def {fn_name}({', '.join(params)}):", body, ""]
        return TritonKernel(k.name, fn_name, "\n".join(out), signature, blocks, grid, warps, stages)
