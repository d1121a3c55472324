"""The engine: graph -> schedule -> Kernel IR -> LLVM -> native code -> run.

This is the only module that drives all stages.  A realization looks up the graph's
*structure* (ops, shapes, dtypes, constants; not data, not random seeds) in the schedule
cache; a hit reuses the compiled plan and skips scheduling and compiling entirely.
"""
from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import asdict, dataclass, replace

import numpy as np

from tjit.ir.graph import Node, RandKey, node, toposort
from tjit.ir.ops import Op
from tjit.ir.rebase import rebase
from tjit.ir.schedule import schedule
from tjit.codegen.llvm.emit import emit_module, launch_extent
from tjit.runtime import cache, cpu, stats, threads
from tjit.runtime.buffer import Buffer

from . import dump
from .plan_runner import run as _run

# lowering and code generation recurse along the longest pending path of a graph (bounded by
# tjit._prim.PENDING_DEPTH_BUDGET, a few frames per level): leave them room
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))


@dataclass
class _Step:
    kind: str             # 'kernel' | 'extern'
    out: int              # local index of the node written
    refs: list            # ('node', local) or ('rand', local) per kernel argument after 'out'
    symbol: str = ""      # the kernel's name in the compiled object
    extent: int = 1       # range of the parallel loop
    work: int = 0         # elements the kernel touches: decides whether threads pay off
    serial: bool = False  # scatter kernels read-modify-write: never split
    more: list = None     # local indices of a multi-output kernel's further outputs
    layout: str = ""      # per kernel argument: 'o' an output, 'i' an input (refs, in order)
    offsets: list = None  # per kernel argument: bytes added to its pointer (ir/rebase.py)


@dataclass
class _Plan:
    steps: list
    library: object

    def bind(self) -> "_Plan":
        self.fns = {st.symbol: self.library.functions[st.symbol] for st in self.steps if st.kind == "kernel"}
        return self

    def written(self) -> list:
        """Positions of the nodes the plan computes (kernel and library outputs)."""
        return sorted({p for st in self.steps for p in [st.out] + (st.more or [])})

    def to_json(self) -> str:
        return json.dumps({"steps": [asdict(st) for st in self.steps],
                           "objects": self.library.keys if self.library else []})

    @staticmethod
    def from_json(text: str) -> "_Plan | None":
        d = json.loads(text)
        steps = [_Step(**{**st, "refs": [tuple(r) for r in st["refs"]]}) for st in d["steps"]]
        library = None
        if d["objects"]:
            library = cpu.load_library(d["objects"], [st.symbol for st in steps if st.kind == "kernel"])
            if library is None:
                return None
        return _Plan(steps, library).bind()


_plans: dict = {}


def structure(targets: list):
    """Canonical structural key of the graph below `targets`, its node order, each node's
    position, and whether a pending node is empty (it needs no kernel)."""
    order = toposort(targets)
    local, entries, empty = {}, [], False
    for i, n in enumerate(order):
        local[id(n)] = i
        if n.buffer is not None or n.op is Op.BUFFER:
            entries.append(("in", n.dtype.name, n.shape))
            continue
        own = n.skey
        if own is None:  # what the node itself contributes: computed once per node
            arg = "rand" if n.op is Op.RAND else n.arg
            if n.op is Op.EXTERN:
                arg = (n.arg[0].name, n.arg[0].params, n.arg[1])
            own = n.skey = (n.op.value, n.dtype.name, n.shape, _key_arg(arg))
        empty = empty or 0 in n.shape
        entries.append((own, tuple([local[id(s)] for s in n.src])))
    key = (tuple(entries), tuple(local[id(t)] for t in targets))
    return key, order, local, empty


def _key_arg(a):
    if isinstance(a, float):
        return ("f", repr(a))
    if isinstance(a, (tuple, list)):
        return tuple(_key_arg(x) for x in a)
    return a


def _compile(targets, order, local) -> _Plan:
    stats.count("schedules")
    dump.stage("graph", lambda: dump.format_graph(targets))
    sched = schedule(targets)
    dump.stage("schedule", lambda: str(sched))
    kernels, symbols, steps, compiled = [], [], [], {}
    for i, item in enumerate(sched.items):
        out = local[id(item.output)]
        if item.kind == "extern":
            steps.append(_Step("extern", out, [("node", local[id(s)]) for s in item.inputs]))
            continue
        k = item.kernel
        dump.stage("kernel", lambda k=k: str(k))
        refs = [("rand", local[_rand_node_id(order, a)]) if isinstance(a, RandKey) else ("node", local[id(a)])
                for a in item.inputs]
        k, moved = rebase(k)
        extent = launch_extent(k, threads.get_num_threads(), cpu.vector_bits())
        key = _kernel_key(k)
        symbol = compiled.get(key)
        if symbol is None:  # identical kernels (an RNN's time steps) share one compiled function
            symbol = compiled[key] = f"k{i}_{k.name}"[:200]
            kernels.append(k)
            symbols.append(symbol)
        work = _work(k, extent)
        layout = "".join("o" if a.kind in ("out", "inout") else "i" for a in k.args)
        offsets = [m * np.dtype(a.dtype.storage).itemsize for m, a in zip(moved, k.args)]
        steps.append(_Step("kernel", out, refs, symbol, extent=extent, work=work,
                           serial=k.kind == "scatter", more=[local[id(n)] for n in item.more_outputs],
                           layout=layout, offsets=offsets if any(offsets) else None))
    library = None
    if kernels:
        texts = []
        for group in _module_groups(kernels, cpu.compile_jobs()):
            text = str(emit_module([kernels[i] for i in group], [symbols[i] for i in group],
                                   workers=threads.get_num_threads(), vector_bits=cpu.vector_bits()))
            dump.stage("llvm", lambda text=text: text)
            dump.stage("asm", lambda text=text: cpu.assembly(text))
            texts.append(text)
        library = cpu.compile_library(texts, symbols)
    if dump.enabled("triton"):
        from tjit.codegen.triton import emit as triton_emit
        for k in kernels:
            dump.stage("triton", lambda k=k: triton_emit.kernel_source(k))
    return _Plan(steps, library).bind()


# LLVM time per kernel, roughly: a GEMM (packing, micro-kernel, epilogue) costs ~8 others
_GEMM_WEIGHT = 8
_SPLIT_WEIGHT = 16  # a schedule compiled as several modules in parallel needs at least this


def _module_groups(kernels: list, jobs: int) -> list:
    """Kernel indices per LLVM module: one module, or for a schedule heavy enough to pay for
    forked compiler processes, `jobs` modules balanced by estimated compile time."""
    weights = [_GEMM_WEIGHT if k.kind == "contract" else 1 for k in kernels]
    if jobs < 2 or len(kernels) < 2 or sum(weights) < _SPLIT_WEIGHT:
        return [list(range(len(kernels)))]
    groups, loads = [[] for _ in range(jobs)], [0] * jobs
    for i in sorted(range(len(kernels)), key=lambda i: -weights[i]):
        g = loads.index(min(loads))
        groups[g].append(i)
        loads[g] += weights[i]
    return [sorted(g) for g in groups if g]


def _kernel_key(k) -> tuple:
    """Everything code generation reads from a kernel, without its name."""
    return (str(replace(k, name="")), tuple(a.numel for a in k.args), tuple(r.matmul_axes for r in k.reduces))


def _work(k, extent: int) -> int:
    """Elements a kernel touches: each argument counts at most once per iteration (a time
    step reading its slice of a sequence-long buffer touches the slice, not the buffer)."""
    iters = 1
    for v in list(k.outer) + list(k.inner):
        iters *= v.hi + 1
    reduced = sum(_reduce_size(r) for r in k.reduces)
    span = iters * max(reduced, 1)
    return sum(min(a.numel, span) for a in k.args) + reduced * max(extent, 1)


def _reduce_size(r) -> int:
    n = 1
    for v in r.vars:
        n *= v.hi + 1
    return n


def _rand_node_id(order, key: RandKey) -> int:
    for n in order:
        if n.op is Op.RAND and n.arg is key:
            return id(n)
    raise KeyError(key)


# set by tjit.compile while it traces a function: reading a value then is an error
tracing: str | None = None


class TraceLog:
    """What a traced function did besides computing its results: tensors it wrote in place
    (each with its value before the first write), tensors it created (ids; those may be
    written freely), its random draws (a replay draws again, in the same order) and the
    input checks deferred to each replay (index bounds).  `record()` counts creations while the trace runs."""

    def __init__(self):
        self.writes: dict = {}
        self.born: set = set()
        self.draws: list = []  # (generator, RAND node) per random draw, in program order
        self.checks: list = []  # ("bounds", min node, max node, *what to check): see ops/indexing.py

    def wrote(self, t) -> None:
        if id(t) not in self.writes:
            self.writes[id(t)] = (t, t._node_)

    @contextlib.contextmanager
    def record(self):
        from . import _prim
        from ._tensor import Tensor
        born, plain, own = self.born, _prim._new_tensor, Tensor.__dict__["_from_node"]

        def new(cls):
            t = plain(cls)
            born.add(id(t))
            return t

        def new_from_node(cls, n):
            t = own.__func__(cls, n)
            born.add(id(t))
            return t
        _prim._new_tensor, Tensor._from_node = new, classmethod(new_from_node)
        try:
            yield self
        finally:
            _prim._new_tensor, Tensor._from_node = plain, own


trace_log: TraceLog | None = None


def realize(targets: list) -> None:
    """Compute every pending node in `targets`; afterwards each has `.buffer` set."""
    targets = [t for t in dict.fromkeys(targets) if not t.realized]
    if not targets:
        return
    if tracing is not None:
        raise RuntimeError(f"tjit.compile: {tracing} reads a tensor's value while it is traced (item(), "
                           "printing, numpy(), a data-dependent shape); compile the part that does not")
    key, order, local, empty = structure(targets)
    if empty:  # empty tensors need no kernel (and have no index space)
        for n in order:
            if n.numel == 0 and not n.realized:
                n.buffer = Buffer(0, n.dtype.np)
        return realize(targets)
    _run(plan_for(key, targets, order, local), order)


def plan_for(key, targets: list, order: list, local: dict) -> "_Plan":
    """The compiled plan for a graph's structural key: from memory, from disk, or built."""
    key = (key, threads.get_num_threads())  # GEMMs are split into one work item per thread
    plan = _plans.get(key)
    if plan is None:
        plan = _load_plan(key) or _store_plan(key, _compile(targets, order, local))
        _plans[key] = plan
    else:
        stats.count("schedule_cache_hits")
    return plan


def run_plan(plan: "_Plan", order: list) -> None:
    """Run a plan on `order`: the graph's nodes by position, leaves realized (tjit.compile
    binds new inputs there and passes fresh nodes for the values it computes)."""
    _run(plan, order)


def _code_fingerprint() -> str:
    """Hash of the compiler's own source: a plan cached by an older scheduler or code
    generator is never reused (the structural key alone would not notice)."""
    import hashlib
    import os
    import tjit.codegen
    import tjit.ir
    h = hashlib.sha256()
    for pkg in (tjit.ir, tjit.codegen):
        root = os.path.dirname(pkg.__file__)
        for dirpath, _, files in sorted(os.walk(root)):
            for f in sorted(files):
                if f.endswith(".py"):
                    with open(os.path.join(dirpath, f), "rb") as fh:
                        h.update(fh.read())
    with open(__file__, "rb") as fh:
        h.update(fh.read())
    return h.hexdigest()


_FINGERPRINT = None


def _disk_key(key) -> str:
    global _FINGERPRINT
    if _FINGERPRINT is None:
        _FINGERPRINT = _code_fingerprint()
    return cpu.target_key("plan", _FINGERPRINT, repr(key))


def _load_plan(key) -> _Plan | None:
    """A fresh process finds the plan (and its object code) a previous one compiled."""
    if dump.any_enabled():  # a dump asks to watch compilation: build the plan afresh
        return None
    text = cache.get(_disk_key(key))
    if text is None:
        return None
    try:
        plan = _Plan.from_json(text.decode())
    except (ValueError, KeyError, TypeError):
        return None
    if plan is not None:
        stats.count("plan_disk_hits")
    return plan


def _store_plan(key, plan: _Plan) -> _Plan:
    cache.put(_disk_key(key), plan.to_json().encode())
    return plan


def buffer_node(buf: Buffer, dtype, shape) -> Node:
    return node(Op.BUFFER, (), dtype, shape, buf)
