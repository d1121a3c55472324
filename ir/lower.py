"""Lowering: one fused region of the graph -> one Kernel.

The output node is rendered at symbolic loop indices.  Rendering walks the graph: movement
ops rewrite the index expression (views never copy), elementwise ops combine their
sources' values, realized nodes (kernel inputs) become loads, and a REDUCE/CONTRACT becomes
an accumulator computed once per value of the loop variables its index depends on.  When
the region cannot be one kernel, `FusionConflict` names the node to materialize and why;
the scheduler cuts there and tries again.
"""
from __future__ import annotations

import math

from . import symbolic as sym
from .dtype import int64
from .graph import Node, RandKey
from .kernel import KArg, K, Kernel, KVal, Constraint, Reduce, Store
from .ops import Op, ReduceOp, ELEMENTWISE, MATERIALIZING


class FusionConflict(Exception):
    def __init__(self, node: Node, reason: str):
        super().__init__(reason)
        self.node, self.reason = node, reason


class _Lowering:
    def __init__(self, root: Node, inputs: set, copy: bool = False, also: tuple = ()):
        # copy: `root` is already computed (a kernel input); the kernel copies it to 'out'
        # also: further outputs computed in the same loop (a multi-output kernel)
        self.root, self.inputs = (None if copy else root), inputs
        self.computed = {id(r) for r in (root, *also)} if not copy else set()
        self.args: list[KArg] = [KArg("out", root.dtype, "out", root.numel)]
        self.args += [KArg(f"out{i + 1}", r.dtype, "out", r.numel) for i, r in enumerate(also)]
        self.out_shape = root.shape
        self.slots: dict = {}        # input node id -> arg slot
        self.arg_nodes: list = []    # node (or RandKey) per input slot, in order
        self.memo: dict = {}
        self.reduces: list[Reduce] = []  # in completion order: an inner reduce before its user
        self.n_accs = 0                  # accumulator numbers, given out before rendering a value
        self.in_scan = False             # a scan kernel has no loop nest for other reductions
        self.acc_deps: list[frozenset] = []  # loop vars each accumulator depends on
        self.reduce_vars: set = set()
        self.ops_seen: list[str] = []
        self.has_matmul = False
        self.kept: dict = {}         # reductions whose accumulators are written out too
        self.acc_stores: list = []

    # -- arguments ------------------------------------------------------------------------
    def slot(self, key, make) -> int:
        if id(key) not in self.slots:
            self.slots[id(key)] = len(self.args)
            self.args.append(make())
            self.arg_nodes.append(key)
        return self.slots[id(key)]

    def note(self, name: str):
        if name not in self.ops_seen:
            self.ops_seen.append(name)

    # -- rendering ------------------------------------------------------------------------
    def render(self, n: Node, idx: tuple, valid: tuple = ()) -> KVal:
        key = (n, idx, valid)
        if key in self.memo:
            return self.memo[key]
        v = self._render(n, idx, valid)
        self.memo[key] = v
        return v

    def _render(self, n: Node, idx: tuple, valid: tuple) -> KVal:
        if n.realized or (id(n) not in self.computed and id(n) in self.inputs):
            s = self.slot(n, lambda: KArg(f"in{len(self.args)}", n.dtype, "in", n.numel))
            flat = sym.flatten(idx, n.shape)
            if valid:
                lo, hi = sym.true_bounds(flat)
                if 0 <= lo and hi < n.numel:  # every address formed is in the buffer: the padded
                    valid = ()                 # read's WHERE masks the value, the load needs no guard
            return KVal(K.LOAD, n.dtype, (), (s, flat, valid, 0))
        op = n.op
        if op is Op.CONST:
            return KVal(K.CONST, n.dtype, (), n.arg)
        if op is Op.IOTA:
            return _cast(KVal(K.INDEX, int64, (), idx[n.arg]), n.dtype)
        if op is Op.RAND:
            s = self.slot(n.arg, lambda: KArg(f"rand{len(self.args)}", int64, "rand"))
            self.note("rand")
            return KVal(K.RAND, n.dtype, (), (s, sym.flatten(idx, n.shape)))
        if op in ELEMENTWISE:
            self.note(op.name.lower())
            return KVal(op, n.dtype, tuple(self.render(s, idx, valid) for s in n.src), n.arg)
        if op is Op.RESHAPE:
            return self.render(n.src[0], tuple(sym.unflatten(sym.flatten(idx, n.shape), n.src[0].shape)), valid)
        if op is Op.PERMUTE:
            new = [None] * len(idx)
            for i, p in enumerate(n.arg):
                new[p] = idx[i]
            return self.render(n.src[0], tuple(new), valid)
        if op is Op.EXPAND:
            src = n.src[0]
            return self.render(src, tuple(sym.lin(0) if s == 1 else i for i, s in zip(idx, src.shape)), valid)
        if op is Op.SHRINK:
            return self.render(n.src[0], tuple(i + a for i, (a, _) in zip(idx, n.arg)), valid)
        if op is Op.FLIP:
            return self.render(n.src[0], tuple((sym.lin(s - 1) - i) if ax in n.arg else i
                                               for ax, (i, s) in enumerate(zip(idx, n.shape))), valid)
        if op is Op.PAD:
            return self._pad(n, idx, valid)
        if op is Op.AS_STRIDED:
            shape, strides, offset = n.arg
            flat = sym.lin(offset)
            for i, st in zip(idx, strides):
                flat = flat + i * st
            return self.render(n.src[0], tuple(sym.unflatten(flat, n.src[0].shape)), valid)
        if op is Op.GATHER:
            src, index = n.src
            iv = _cast(self.render(index, idx, valid), int64)
            ext = sym.lin(sym.Ext(iv, 0, src.shape[n.arg] - 1))
            self.note("gather")
            return self.render(src, tuple(ext if a == n.arg else i for a, i in enumerate(idx)), valid)
        if op in (Op.REDUCE, Op.CONTRACT):
            return self._accumulate(n, idx, valid)
        if op in MATERIALIZING:
            raise FusionConflict(n, f"{op.name.lower()} writes its own buffer")
        raise NotImplementedError(f"lowering of {op}")

    def _pad(self, n: Node, idx: tuple, valid: tuple) -> KVal:
        widths, fill = n.arg
        src = n.src[0]
        new_idx, conds = [], []
        for i, (b, _), s in zip(idx, widths, src.shape):
            j = i - b
            if j.lo < 0 or j.hi > s - 1:
                if j.hi < 0 or j.lo > s - 1:  # entirely in the padding
                    return KVal(K.CONST, n.dtype, (), fill)
                conds.append(Constraint(j, 0, s - 1))
                j = sym.ranged(j, 0, s - 1)  # only read where the constraint holds
            new_idx.append(j)
        if not conds:
            return self.render(src, tuple(new_idx), valid)
        inner = self.render(src, tuple(new_idx), valid + tuple(conds))
        return KVal(Op.WHERE, n.dtype, (_valid_value(conds), inner, KVal(K.CONST, n.dtype, (), fill)))

    def _accumulate(self, n: Node, idx: tuple, valid: tuple) -> KVal:
        if self.in_scan:
            raise FusionConflict(n, "reduce feeding a scan")
        deps = set()
        for i in idx:
            deps |= sym.variables(i)
        for c in valid:  # its loads are guarded by the enclosing padding's bounds
            deps |= sym.variables(c.expr)
        if deps & self.reduce_vars:
            raise FusionConflict(n, "reduce nested inside another reduce's loop")
        if any(isinstance(a, sym.Ext) for a in deps):
            raise FusionConflict(n, "reduce read at data-dependent positions")
        num = self.n_accs
        self.n_accs += 1
        if n.op is Op.CONTRACT:
            if any(r.matmul_axes is not None for r in self.reduces) or self.has_matmul:
                # one matmul per kernel: the code generators block each kernel as one GEMM
                raise FusionConflict(n, "one matmul per kernel (the GEMM takes the rest as its epilogue)")
            self.has_matmul = True
            a, b = n.src
            kdim = a.shape[-1]
            kv = sym.var(f"r{num}_0", kdim)
            self.reduce_vars.update(sym.variables(kv))
            a_idx = idx[:-1] + (kv,)
            b_idx = idx[:-2] + (kv, idx[-1])
            self.note("matmul")
            value = KVal(Op.MUL, n.dtype, (self.render(a, a_idx, valid), self.render(b, b_idx, valid)))
            rvars, rop = [kv], ReduceOp.SUM
            axes = (idx[-2], idx[-1])
        else:
            rop, raxes = n.arg
            axes = None
            src = n.src[0]
            rvars, src_idx = [], list(idx)
            for j, ax in enumerate(raxes):
                v = sym.var(f"r{num}_{j}", src.shape[ax])
                rvars.append(v)
                src_idx[ax] = v
                self.reduce_vars.update(sym.variables(v))
            self.note(rop.name.lower())
            value = self.render(src, tuple(src_idx), valid)
        loop_vars = [next(iter(sym.variables(v))) if v.terms else None for v in rvars]
        red = Reduce(num, rop, n.dtype, [v for v in loop_vars if v is not None], value, axes)
        self.reduces.append(red)
        self.acc_deps.append(frozenset(deps))
        acc = KVal(K.ACC, n.dtype, (), num)
        if (n.op is Op.REDUCE and n is not self.root and not self.in_scan and id(n) not in self.kept
                and _covers(n, idx)):  # (the root is written anyway)
            slot = len(self.args)
            self.args.append(KArg(f"kept{slot}", n.dtype, "out", n.numel))
            self.kept[id(n)] = n
            self.acc_stores.append(Store(slot, sym.flatten(idx, n.shape), acc))
        return acc


def _covers(n: Node, idx: tuple) -> bool:
    """Whether the loop writing accumulator values at `idx` visits every element of the
    reduction's output exactly: each kept axis indexed by its own loop variable."""
    seen = set()
    for i, s in zip(idx, n.shape):
        if s == 1:
            if not (i.is_const and i.const == 0):
                return False
            continue
        if len(i.terms) != 1 or i.const != 0 or i.terms[0][1] != 1 or not isinstance(i.terms[0][0], sym.Var):
            return False
        v = i.terms[0][0]
        if v.hi + 1 != s or v in seen:
            return False
        seen.add(v)
    return True


def _valid_value(conds) -> KVal:
    from .dtype import bool_
    out = None
    for c in conds:
        e = KVal(K.INDEX, int64, (), c.expr)
        v = KVal(Op.AND, bool_, (KVal(Op.CMPLE, bool_, (KVal(K.CONST, int64, (), c.lo), e)),
                                   KVal(Op.CMPLE, bool_, (e, KVal(K.CONST, int64, (), c.hi)))))
        out = v if out is None else KVal(Op.AND, bool_, (out, v))
    return out


def _cast(v: KVal, dtype) -> KVal:
    return v if v.dtype == dtype else KVal(Op.CAST, dtype, (v,), dtype)


def lower(root: Node, inputs: set, copy: bool = False) -> tuple[Kernel, list]:
    """Lower the region above `inputs` (ids of nodes to load) that computes `root`.
    Returns the kernel and the input nodes / RandKeys in argument order (after 'out').
    With copy=True, `root` is itself an input and the kernel copies it into 'out'."""
    attempt = _try_lower(root, inputs, True, copy)
    if attempt is None:
        attempt = _try_lower(root, inputs, False, copy)
    return attempt


def lower_piece(root: Node, piece: int, inputs: set) -> tuple[Kernel, list]:
    """Source `piece` of a CAT root, computed over its own shape and stored in place at its
    offset along the cat axis: each piece reads only its own data (a chain of selects
    would evaluate every piece at every position)."""
    axis = root.arg
    offset = sum(s.shape[axis] for s in root.src[:piece])
    return _try_lower(root, inputs, True, piece=(root.src[piece], axis, offset)) or \
        _try_lower(root, inputs, False, piece=(root.src[piece], axis, offset))


def _loop_indices(shape: tuple, flat: bool):
    """The output index per axis and the loop variables: one flat loop (indices by div/mod,
    which must simplify away) or one loop per axis (size-1 axes get none)."""
    if flat:
        fv = sym.var("i", math.prod(shape))
        return tuple(sym.unflatten(fv, shape)), list(sym.variables(fv))
    idx = tuple(sym.var(f"i{d}", s) if s != 1 else sym.lin(0) for d, s in enumerate(shape))
    return idx, [next(iter(sym.variables(i))) for i in idx if i.terms]


def _try_lower(root: Node, inputs: set, flat: bool, copy: bool = False, piece=None):
    lw = _Lowering(root, inputs, copy)
    value_node = root if piece is None else piece[0]
    shape = value_node.shape
    idx, out_vars = _loop_indices(shape, flat)
    value = lw.render(value_node, idx)
    if piece is None:
        out_index = sym.flatten(idx, shape)
    else:
        _, axis, offset = piece
        out_index = sym.flatten(tuple(i + offset if a == axis else i for a, i in enumerate(idx)), root.shape)
    stores = [Store(0, out_index, value)]
    if flat and (lw.reduces or _any_divmod(lw, stores)):
        return None
    deps = frozenset().union(*lw.acc_deps) if lw.acc_deps else None
    if deps is None:
        outer, inner = out_vars, []
    else:
        outer = [v for v in out_vars if v in deps]
        inner = [v for v in out_vars if v not in deps]
    kind = "contract" if "matmul" in lw.ops_seen else "reduce" if lw.reduces else "elementwise"
    name = _kernel_name(lw, shape, root)
    k = Kernel(name, kind, lw.args, outer, lw.reduces, inner, stores, lw.acc_stores)
    k.kept_nodes = list(lw.kept.values())
    return k, lw.arg_nodes


def lower_group(roots: list, inputs: set):
    """Several same-shaped elementwise outputs in one loop (their shared loads and
    subexpressions are computed once).  None if the group is not purely elementwise."""
    for flat in (True, False):
        lw = _Lowering(roots[0], inputs, also=tuple(roots[1:]))
        shape = roots[0].shape
        idx, out_vars = _loop_indices(shape, flat)
        out_index = sym.flatten(idx, shape)
        stores = [Store(slot, out_index, lw.render(r, idx)) for slot, r in enumerate(roots)]
        if lw.reduces:
            return None
        if flat and _any_divmod(lw, stores):
            continue
        name = "multi_" + _kernel_name(lw, shape, roots[0])
        return Kernel(name, "elementwise", lw.args, out_vars, [], [], stores), lw.arg_nodes
    return None


def _any_divmod(lw: _Lowering, stores) -> bool:
    for key, v in lw.memo.items():
        if v.op is K.LOAD and sym.has_divmod(v.arg[1]):
            return True
    return any(sym.has_divmod(s.index) for s in stores)


def _kernel_name(lw: _Lowering, shape, root) -> str:
    ops = lw.ops_seen[:6] or ["copy"]
    dims = "x".join(str(s) for s in shape) or "scalar"
    prefix = "fused_" if len(lw.ops_seen) > 1 else ""
    return f"{prefix}{'_'.join(ops)}_{dims}"


def lower_scan(root: Node, inputs: set) -> tuple[Kernel, list]:
    """Inclusive scan along one axis: the accumulator runs along the inner loop and every
    step is stored.  The scanned value may be a fused elementwise expression."""
    rop, axis = root.arg
    lw = _Lowering(root, inputs)
    lw.in_scan = True
    idx = [sym.var(f"i{d}", s) if s != 1 else sym.lin(0) for d, s in enumerate(root.shape)]
    sv = sym.var("s", root.shape[axis])
    idx[axis] = sv
    value = lw.render(root.src[0], tuple(idx))
    lw.note(f"cum{rop.name.lower()}")
    outer = [next(iter(sym.variables(i))) for d, i in enumerate(idx) if i.terms and d != axis]
    svars = list(sym.variables(sv))
    red = Reduce(0, rop, root.dtype, svars, value)
    store = Store(0, sym.flatten(idx, root.shape), KVal(K.ACC, root.dtype, (), 0))
    k = Kernel(_kernel_name(lw, root.shape, root), "scan", lw.args, outer, [red], svars, [store])
    return k, lw.arg_nodes


def lower_scatter(root: Node, inputs: set) -> tuple[Kernel, list]:
    """out[.., index[i], ..] (op)= src[i], over the index's shape; `out` already holds base."""
    axis, rop = root.arg
    base, index, src = root.src
    lw = _Lowering(root, inputs)
    lw.args[0].kind = "inout"
    idx = tuple(sym.var(f"i{d}", s) if s != 1 else sym.lin(0) for d, s in enumerate(index.shape))
    iv = _cast(lw.render(index, idx), int64)
    ext = sym.lin(sym.Ext(iv, 0, base.shape[axis] - 1))
    out_idx = tuple(ext if a == axis else i for a, i in enumerate(idx))
    value = lw.render(src, idx)
    lw.note("scatter" if rop is None else f"scatter_{rop.name.lower()}")
    outer = [next(iter(sym.variables(i))) for i in idx if i.terms]
    store = Store(0, sym.flatten(out_idx, root.shape), value, rop)
    k = Kernel(_kernel_name(lw, index.shape, root), "scatter", lw.args, outer, [], [], [store])
    return k, lw.arg_nodes
