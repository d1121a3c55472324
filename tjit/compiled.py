"""tjit.compile: trace a function of tensors once, then replay its compiled plan.

Eager tjit rebuilds the graph in Python on every call (a few microseconds per op) and walks
it to find the cached plan.  A compiled function traces once per input signature (shapes and
dtypes), keeps the plan and the graph's node order, and on later calls only binds the new
inputs to the plan's leaves and runs its kernels: no graph building, no key walk.

Training steps compile too: the Modules and Optimizers a function uses (found in its
arguments, closure, the globals it names, or the object of a bound method) own state that a
call reads and writes -- parameters, buffers, gradients, optimizer state.  Each of those is a
*slot*: bound as an input on every call, and when the step wrote it, given the new value
after the plan ran.  So `loss.backward(); opt.step()` inside the function updates the
model as the eager step would, in one plan, with step counts and bias corrections computed
in the graph.  What the replay must match is guarded: input shapes, which parameters have
gradients, which have optimizer state, every optimizer hyper-parameter (a new learning rate
traces again, and finds its kernels in the cache) and each module's train/eval mode.

What it accepts: a function (or an nn.Module) of tensors (plain Python values may be passed
too: they are traced as constants, each value its own trace) returning tensors (nested in tuples
or lists), computed without reading values on the host (no .item(), printing or
data-dependent shapes while traced).  Random ops draw afresh on every call, in the order the
eager function would (dropout in a compiled training step matches the eager step's masks).  Writing in place into a tensor
that is not such a slot is refused; other tensors the function reads are captured as they
were when it was traced.  Results come back without autograd history.  Python side effects
(hooks, prints) happen on the tracing call only.

`compiled.save(path)` writes a traced function -- inference or a training step -- as one
artifact (manifest, object code, captured constants); `tjit.load_compiled(path, module=None,
optimizer=None)` runs it in a fresh process without tracing, scheduling or compiling, on the
Module and Optimizer given (their state must match what the trace was guarded on).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from tjit.ir.graph import Node, RandKey
from tjit.ir.ops import Op
from tjit.runtime.buffer import Buffer

from . import _prim, engine
from ._tensor import Tensor
from .compiled_world import World, guard_json, slot_tensor


def compile(fn=None, **options):
    """`tjit.compile(fn)` or `@tjit.compile`: a callable that traces `fn` on its first call
    with each input signature and replays the compiled plan afterwards."""
    if options:
        unknown = ", ".join(sorted(options))
        raise TypeError(f"tjit.compile() got unexpected keyword arguments: {unknown}")
    if fn is None:
        return compile
    return Compiled(fn)


MAX_TRACES = 16  # per function: a learning rate that changes every step must not hoard traces


class Compiled:
    def __init__(self, fn):
        self.fn = fn
        self._traces: OrderedDict = OrderedDict()

    def __call__(self, *args):
        signature = tuple(_describe(i, a) for i, a in enumerate(args))
        world = World.of(self.fn, args)
        key = (signature, world.guard())
        trace = self._traces.get(key)
        if trace is not None:
            self._traces.move_to_end(key)
            return trace.run(args, world.slots)
        trace, result = _trace(self.fn, args, world)
        if trace is not None:
            trace.guard, trace.owners = key[1], (len(world.modules), len(world.optimizers))
            self._traces[key] = trace
            if len(self._traces) > MAX_TRACES:
                self._traces.popitem(last=False)
        return result

    def save(self, path) -> None:
        """The traced signature(s) as an artifact; `tjit.load_compiled` replays them."""
        if len(self._traces) != 1:
            raise RuntimeError(f"tjit.compile: save() needs exactly one traced input signature, "
                               f"this function has {len(self._traces)} (call it once first)")
        from . import compiled_artifact
        ((signature, _), trace), = self._traces.items()
        if trace.owners[0] > 1 or trace.owners[1] > 1:
            raise RuntimeError("tjit.compile: save() supports a function of one Module and at most one Optimizer; "
                               f"this one uses {trace.owners[0]} modules and {trace.owners[1]} optimizers")
        compiled_artifact.save(path, signature, trace)


NOT_COMPILED = object()


def replay_method(method, *args):
    """`method(*args)` (bound to an object that keeps its state in `__dict__`) through a
    compiled plan stored on that object as `_compiled_<name>` (its __getstate__ must leave
    the key out).  NOT_COMPILED when the method cannot be traced: the caller runs it
    eagerly, from then on, which raises any real error again."""
    owner, key = method.__self__, "_compiled_" + method.__name__
    compiled = owner.__dict__.get(key)
    if compiled is False:
        return NOT_COMPILED
    if compiled is None:
        compiled = owner.__dict__[key] = Compiled(method)
    try:
        return compiled(*args)
    except Exception:
        owner.__dict__[key] = False
        return NOT_COMPILED


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


class Loaded:
    """A compiled artifact: one input signature, replayed on the given Module / Optimizer."""

    def __init__(self, signature, trace: "_Trace", module=None, optimizer=None):
        self.signature, self.trace = signature, trace
        self.world = World([module] if module is not None else [], [optimizer] if optimizer is not None else [])

    def __call__(self, *args):
        got = tuple(_describe(i, a) for i, a in enumerate(args))
        if got != self.signature:
            raise RuntimeError(f"tjit.load_compiled: this artifact was compiled for inputs {_shown(self.signature)}, "
                               f"got {_shown(got)}")
        world = World(self.world.modules, self.world.optimizers)  # state created since loading
        if len(world.slots) != len(self.trace.state):
            raise RuntimeError(f"tjit.load_compiled: the module and optimizer have {len(world.slots)} parameters, "
                               f"buffers, gradients and state tensors, the artifact was compiled with "
                               f"{len(self.trace.state)}")
        now = guard_json(world.guard())
        if _unread_grads_ignored(now, self.trace) != _unread_grads_ignored(self.trace.guard, self.trace):
            raise RuntimeError("tjit.load_compiled: the module or optimizer is not in the state this artifact was "
                               f"compiled in (gradients present, optimizer state, hyper-parameters, train/eval): "
                               f"expected {self.trace.guard}, got {now}")
        return self.trace.run(args, world.slots)


def _unread_grads_ignored(guard: list, trace: "_Trace") -> list:
    """A guard without the gradients the trace never reads (a step that starts with
    zero_grad(): whether they exist on entry changes nothing)."""
    slots = [g for g, pos in zip(guard[0], trace.state) if not (g[0] == "grad" and pos is None)]
    return [slots] + guard[1:]


def _shown(signature) -> str:
    return ", ".join(repr(e[2]) if e[0] == "static" else f"{e[1].name}{list(e[0])}" for e in signature)


@dataclass
class _Trace:
    plan: object
    order: list         # the traced graph's nodes by position
    inputs: list        # per argument: its position in `order` (None if unused)
    state: list         # per slot: the position of its value on entry (None if unused or None)
    computed: list      # positions of the values the plan writes
    outputs: list       # positions of the results
    layout: object      # how the results nest in tuples/lists (_flatten)
    writes: list = ()   # (slot index, position of its new value, or None for a gradient dropped)
    draws: list = ()    # (generator, count, position or None) per random draw, in program order
    guard: object = ()  # the world guard it was traced under (JSON form once saved and loaded)
    owners: tuple = (0, 0)  # Modules and Optimizers of the world it was traced in
    checks: list = ()   # ("bounds", min position, max position, *what to check) per deferred input check

    def run(self, args, slots) -> Tensor | tuple:
        order = list(self.order)
        for pos, t in zip(self.inputs, args):
            if pos is not None:
                order[pos] = _realized(t)
        for pos, (kind, t) in zip(self.state, slots):
            if pos is not None:
                order[pos] = _realized(slot_tensor(kind, t))
        for i in self.computed:  # fresh nodes receive this call's values
            n = order[i]
            order[i] = Node(n.op, (), n.dtype, n.shape, n.arg)
        for gen, count, pos in self.draws:  # new random numbers, drawn as the eager call would
            key = RandKey(*gen.take(count))
            if pos is not None:
                n = order[pos]
                order[pos] = Node(Op.RAND, (), n.dtype, n.shape, key)
        engine.run_plan(self.plan, order)
        _check(self.checks, lambda pos: order[pos])  # before anything is committed
        for i, pos in self.writes:
            kind, t = slots[i]
            value = None if pos is None else _leaf(order[pos])
            if kind == "grad":
                t._grad = None if value is None else Tensor._from_node(value)
            else:
                t._node = value
                t._version += 1
                t._write_back()
        return _unflatten([Tensor._from_node(order[i]) for i in self.outputs], self.layout)


def _leaf(n: Node) -> Node:
    return engine.buffer_node(n.storage, n.dtype, n.shape)


def _realized(t: Tensor) -> Node:
    t.realize()
    return t._node


def _placeholder_node(n: Node) -> Node:
    """A leaf of its own on n's data: two tensors that are one node while tracing (an
    argument passed twice, parameters initialised alike) stay two inputs of the plan."""
    buf = n.storage
    return engine.buffer_node(Buffer(buf.numel, buf.array.dtype, buf.array), n.dtype, n.shape)


def _placeholder(t):
    if not isinstance(t, Tensor):
        return t
    return Tensor._from_node(_placeholder_node(_realized(t)))


def _trace(fn, args, world: World):
    """Run `fn` once as one lazy graph on placeholder leaves, compile that graph, and run
    it as a replay would.  Returns (the trace, or None when the call created state that a
    replay could not -- an optimizer's first step --, the call's results)."""
    name = getattr(fn, "__name__", type(fn).__name__)
    leaves = [_placeholder(a) for a in args]
    entry = [_Entry.enter(name, slot_tensor(kind, t)) for kind, t in world.slots]
    grads_on_entry = [t._grad for kind, t in world.slots if kind == "grad"]
    budget, engine.tracing, engine.trace_log = _prim.PENDING_DEPTH_BUDGET, name, engine.TraceLog()
    log = engine.trace_log
    _prim.PENDING_DEPTH_BUDGET = 1 << 30  # one graph: no intermediate realization
    try:
        with log.record():
            out = fn(*leaves)
    except BaseException:
        _restore(world, entry, grads_on_entry)
        raise
    finally:
        _prim.PENDING_DEPTH_BUDGET, engine.tracing, engine.trace_log = budget, None, None
    try:
        outs, layout = _flatten(out, name)
        final = World(world.modules, world.optimizers).slots
        _check_writes(name, log, final, entry, leaves)
        results = [o._node for o in outs]
        checked = [n for c in log.checks for n in c[1:3]]
        if [(k, id(t)) for k, t in final] != [(k, id(t)) for k, t in world.slots]:
            writes = None  # new state: computed once below, not replayable
            targets = results + checked + [v._node for v in (slot_tensor(k, t) for k, t in final) if v is not None]
        else:
            writes = []  # (slot index, its new node, or None for a gradient dropped)
            for i, ((kind, t), e) in enumerate(zip(final, entry)):
                now = slot_tensor(kind, t)
                if now is None:
                    if e.tensor is not None:
                        writes.append((i, None))
                elif now is not e.tensor or now._node is not e.placeholder:
                    writes.append((i, now._node))
            targets = results + checked + [n for _, n in writes if n is not None]
        key, order, local, empty = engine.structure(targets)
        if empty:
            raise RuntimeError(f"tjit.compile: {name} computes an empty tensor; run it eagerly")
    except BaseException:
        _restore(world, entry, grads_on_entry)
        raise
    if writes is None:
        try:
            return None, _run_once(targets, outs, layout, final, entry, log.checks)
        except BaseException:  # a deferred check failed: the slots keep their values
            _restore(world, entry, grads_on_entry)
            raise
    pending = [t for t in dict.fromkeys(targets) if not t.realized]
    plan = engine.plan_for(key, pending, order, local)
    trace = _Trace(plan, list(order), [local.get(id(a._node)) if isinstance(a, Tensor) else None for a in leaves],
                   [None if e.tensor is None else local.get(id(e.placeholder)) for e in entry],
                   plan.written(), [local[id(n)] for n in results],
                   layout, [(i, None if n is None else local[id(n)]) for i, n in writes],
                   [(gen, n.numel, local.get(id(n))) for gen, n in log.draws],
                   checks=[(kind, local[id(lo)], local[id(hi)], *what) for kind, lo, hi, *what in log.checks])
    for pos in trace.inputs + trace.state:  # every call binds its own: keep no buffer of this one's
        if pos is not None:
            trace.order[pos] = None
    for i, n in enumerate(trace.order):  # the plan reads positions, not edges: keep no graph alive
        if n is not None:
            trace.order[i] = _leaf(n) if n.realized else Node(n.op, (), n.dtype, n.shape, n.arg)
    _restore(world, entry, grads_on_entry)
    for gen, n in reversed(log.draws):  # the replay below draws these numbers again
        gen.rewind((n.arg.seed, n.arg.offset))
    return trace, trace.run(args, world.slots)


@dataclass
class _Entry:
    """A slot's tensor on entry to a trace: its value and version, and the placeholder leaf
    it reads as while traced."""
    tensor: Tensor | None
    node: Node | None = None
    version: int = 0
    placeholder: Node | None = None

    @classmethod
    def enter(cls, name: str, v: Tensor | None) -> "_Entry":
        if v is None:
            return cls(None)
        if v._base is not None:
            raise RuntimeError(f"tjit.compile: {name} uses a parameter or state tensor that is a view of another; "
                               "run it eagerly")
        n = _realized(v)
        e = cls(v, n, v._version, _placeholder_node(n))
        v._node = e.placeholder
        return e


def _restore(world: World, entry: list, grads_on_entry: list) -> None:
    """Undo a trace's effects on the slots (the replay that follows redoes them)."""
    for e in entry:
        if e.tensor is not None:
            e.tensor._node, e.tensor._version = e.node, e.version
    grads = iter(grads_on_entry)
    for kind, t in world.slots:
        if kind == "grad":
            t._grad = next(grads)


def _check_writes(name: str, log, final: list, entry: list, leaves: list) -> None:
    """A replay updates slots only: an in-place write into any other tensor that existed
    before the call (a global counter, an argument) would silently not happen again."""
    slot_ids = {id(t) for kind, t in final if kind == "value"} | {id(e.tensor) for e in entry}
    for t, before in log.writes.values():
        if id(t) not in slot_ids and id(t) not in log.born:
            t._node = before
            raise RuntimeError(f"tjit.compile: {name} writes in place into a tensor that is not a parameter, buffer, "
                               "gradient or optimizer state of the modules and optimizers it uses (found in its "
                               "arguments, closure and the globals it names); a replay would not write it. Return "
                               "the new value instead")
    for a in leaves:
        if isinstance(a, Tensor) and a._grad is not None:
            raise RuntimeError(f"tjit.compile: {name} computes gradients of its arguments; a replay would not "
                               "store them. Compute them with tjit.autograd.grad and return them")


def _check(checks: list, node_at) -> None:
    """Input checks deferred to the run (index bounds), on the values it computed."""
    from .ops.indexing import check_bounds_on_host
    for _, lo, hi, *what in checks:
        check_bounds_on_host(int(_host_scalar(node_at(lo))), int(_host_scalar(node_at(hi))), *what)


def _host_scalar(n: Node):
    return n.storage.array[0]


def _run_once(targets: list, outs: list, layout, final: list, entry: list, checks: list):
    """A call that created optimizer state: its traced graph computed as it is (the
    placeholders share the slots' memory), each slot left holding a plain leaf."""
    engine.realize(targets)
    _check(checks, lambda n: n)
    unchanged = {id(e.placeholder): e.node for e in entry if e.tensor is not None}
    for kind, t in final:
        v = slot_tensor(kind, t)
        if v is None:
            continue
        if id(v._node) in unchanged:
            v._node = unchanged[id(v._node)]
        elif v._node.op is not Op.BUFFER:
            v._node = _leaf(v._node)
            v._write_back()
    return _unflatten([Tensor._from_node(o._node) for o in outs], layout)


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
