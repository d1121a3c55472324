"""tjit.compile: trace a function of tensors once, then replay its compiled plan.

Eager tjit rebuilds the graph in Python on every call (a few microseconds per op) and walks
it to find the cached plan.  A compiled function traces once per input signature (shapes and
dtypes), keeps the plan and the graph's node order, and on later calls only binds the new
inputs to the plan's leaves and runs its kernels: no graph building, no key walk.

What it accepts: a function (or an nn.Module) of tensors (plain Python values may be passed
too: they are traced as constants, each value its own trace) returning tensors (nested in tuples
or lists), computed without reading values on the host (no .item(), printing or
data-dependent shapes while traced) and without random ops.  A Module's parameters and
buffers are bound afresh on every call, so optimizer steps and load_state_dict are seen;
other tensors the function reads are captured as they were when it was traced.  Calls run
without autograd (inference).

`compiled.save(path)` writes the traced plan as one artifact (manifest, object code, captured
constants); `tjit.load_compiled(path, module=None)` runs it in a fresh process without tracing,
scheduling or compiling (the Module, when there was one, supplies its current parameters).
"""
from __future__ import annotations

from dataclasses import dataclass

from tjit.ir.graph import Node
from tjit.ir.ops import Op
from tjit.runtime.buffer import Buffer

from . import _prim, engine
from ._tensor import Tensor
from .autograd.grad_mode import no_grad


def compile(fn=None, **options):
    """`tjit.compile(fn)` or `@tjit.compile`: a callable that traces `fn` on its first call
    with each input signature and replays the compiled plan afterwards."""
    if options:
        unknown = ", ".join(sorted(options))
        raise TypeError(f"tjit.compile() got unexpected keyword arguments: {unknown}")
    if fn is None:
        return compile
    return Compiled(fn)


class Compiled:
    def __init__(self, fn):
        self.fn = fn
        self._traces: dict = {}

    def __call__(self, *args):
        signature = tuple(_describe(i, a) for i, a in enumerate(args))
        trace = self._traces.get(signature)
        if trace is None:
            trace = self._traces[signature] = _trace(self.fn, args, self._state())
        return trace.run(args, self._state())

    def _state(self) -> list:
        return _module_state(self.fn)

    def save(self, path) -> None:
        """The traced signature(s) as an artifact; `tjit.load_compiled` replays them."""
        if len(self._traces) != 1:
            raise RuntimeError(f"tjit.compile: save() needs exactly one traced input signature, "
                               f"this function has {len(self._traces)} (call it once first)")
        from . import compiled_artifact
        (signature, trace), = self._traces.items()
        compiled_artifact.save(path, signature, trace)


_STATIC = (int, float, bool, str, type(None))


def _describe(i: int, a):
    """An argument's part of the input signature: a tensor's shape and dtype, or a plain
    Python value, which is traced as a constant (another value traces again)."""
    if isinstance(a, Tensor):
        return (tuple(a.shape), a.dtype)
    if isinstance(a, _STATIC) or (isinstance(a, tuple) and all(isinstance(x, _STATIC) for x in a)):
        return ("static", type(a).__name__, a)
    raise TypeError(f"tjit.compile: argument {i} is {type(a).__name__}; compiled functions take tensors and plain "
                    "Python values (numbers, strings, None, tuples of them)")


def _module_state(fn) -> list:
    """A Module's parameters and buffers: bound on every call, not captured."""
    from .nn import Module
    if not isinstance(fn, Module):
        return []
    return [t for _, t in fn.named_parameters()] + [t for _, t in fn.named_buffers()]


class Loaded:
    """A compiled artifact: one input signature, replayed."""

    def __init__(self, signature, trace: "_Trace", module=None):
        self.signature, self.trace, self.module = signature, trace, module

    def __call__(self, *args):
        got = tuple(_describe(i, a) for i, a in enumerate(args))
        if got != self.signature:
            raise RuntimeError(f"tjit.load_compiled: this artifact was compiled for inputs {_shown(self.signature)}, "
                               f"got {_shown(got)}")
        state = _module_state(self.module)
        if len(state) != len(self.trace.state):
            raise RuntimeError(f"tjit.load_compiled: the module has {len(state)} parameters and buffers, the "
                               f"artifact was compiled with {len(self.trace.state)}")
        return self.trace.run(args, state)


def _shown(signature) -> str:
    return ", ".join(repr(e[2]) if e[0] == "static" else f"{e[1].name}{list(e[0])}" for e in signature)


@dataclass
class _Trace:
    plan: object
    order: list         # the traced graph's nodes by position
    inputs: list        # per argument: its position in `order` (None if unused)
    state: list         # per parameter/buffer: its position (None if unused)
    computed: list      # positions of the values the plan computes
    outputs: list       # positions of the results
    layout: object      # how the results nest in tuples/lists (_flatten)

    def run(self, args, state) -> Tensor | tuple:
        order = list(self.order)
        for pos, t in zip(self.inputs + self.state, list(args) + state):
            if pos is not None:
                order[pos] = _realized(t)
        for i in self.computed:  # fresh nodes receive this call's values
            n = order[i]
            order[i] = Node(n.op, (), n.dtype, n.shape, n.arg)
        engine.run_plan(self.plan, order)
        return _unflatten([Tensor._from_node(order[i]) for i in self.outputs], self.layout)


def _realized(t: Tensor) -> Node:
    t.realize()
    return t._node


def _placeholder(t):
    """A leaf of its own on t's data (two arguments that are one tensor while tracing must
    stay two inputs of the plan); plain values pass as they are."""
    if not isinstance(t, Tensor):
        return t
    n = _realized(t)
    buf = n.buffer if n.buffer is not None else n.arg
    return Tensor._from_node(engine.buffer_node(Buffer(buf.numel, buf.array.dtype, buf.array), n.dtype, n.shape))


def _trace(fn, args, state) -> _Trace:
    leaves = [_placeholder(a) for a in args]
    state_nodes = [_realized(t) for t in state]
    name = getattr(fn, "__name__", type(fn).__name__)
    budget, engine.tracing = _prim.PENDING_DEPTH_BUDGET, name
    _prim.PENDING_DEPTH_BUDGET = 1 << 30  # one graph: no intermediate realization
    try:
        with no_grad():
            out = fn(*leaves)
    finally:
        _prim.PENDING_DEPTH_BUDGET, engine.tracing = budget, None
    outs, layout = _flatten(out, name)
    targets = [o._node for o in outs]
    key, order, local, empty = engine.structure(targets)
    if empty:
        raise RuntimeError(f"tjit.compile: {name} computes an empty tensor; run it eagerly")
    if any(n.op is Op.RAND for n in order):
        raise RuntimeError(f"tjit.compile: {name} draws random numbers; a replay would repeat them, "
                           "so random ops are not compiled yet")
    pending = [t for t in dict.fromkeys(targets) if not t.realized]
    plan = engine.plan_for(key, pending, order, local)
    inputs = [local.get(id(a._node)) if isinstance(a, Tensor) else None for a in leaves]
    bound = [local.get(id(n)) for n in state_nodes]
    kept = list(order)
    for pos in inputs + bound:  # every call binds its own: keep no buffer of the first call's
        if pos is not None:
            kept[pos] = None
    return _Trace(plan, kept, inputs, bound,
                  [i for i, n in enumerate(order) if not n.realized], [local[id(n)] for n in targets], layout)


def _flatten(out, name: str):
    """The tensors of a (nested) tuple/list result, and its layout for rebuilding it."""
    if isinstance(out, Tensor):
        return [out], None
    if isinstance(out, (tuple, list)):
        tensors, layouts = [], []
        for o in out:
            ts, lay = _flatten(o, name)
            tensors += ts
            layouts.append((len(ts), lay))
        return tensors, (type(out), layouts)
    raise TypeError(f"tjit.compile: {name} must return tensors (in nested tuples or lists), not {type(out).__name__}")


def _unflatten(tensors: list, layout):
    if layout is None:
        return tensors[0]
    kind, parts = layout
    out, at = [], 0
    for count, lay in parts:
        out.append(_unflatten(tensors[at:at + count], lay))
        at += count
    return kind(out)
