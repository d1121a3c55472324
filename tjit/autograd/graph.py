"""The autograd tape, at the tensor level (like torch and micrograd).

Every recorded op output gets a backward node (`tensor.grad_fn`): the primitive, its arg,
one edge per input (the input's grad_fn, or the AccumulateGrad node of a leaf) and the saved
tensors its gradient rule may read.  Values are immutable graph nodes, so a saved tensor is
exact by construction; the version counters only reproduce torch's errors for in-place
writes to a tensor the backward needs.
"""
from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from types import MappingProxyType

from tjit.ir import autodiff
from tjit.ir.ops import Op, ReduceOp

from .._tensor import Tensor

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
         "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
         "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
         "if you need to access saved tensors after calling backward.")


class RemovableHandle:
    """What register_hook returns: `remove()` unregisters the hook."""
    _ids = itertools.count()

    def __init__(self, hooks: dict):
        self.id = next(self._ids)
        self._hooks = hooks

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _add_hook(hooks: dict, fn) -> RemovableHandle:
    h = RemovableHandle(hooks)
    hooks[h.id] = fn
    return h


_NO_HOOKS = MappingProxyType({})


class Node:
    """torch.autograd.graph.Node: one step of the backward graph.  `_edges[i]` is
    (node, output_nr) for input i, or None when that input needs no gradient."""
    n_outputs = 1

    # hook tables, read on every backward; a node gets its own (`own`) only when one is
    # registered: most nodes never have hooks, and five dicts per recorded op cost more
    # than the op's other bookkeeping
    _tensor_pre_hooks = _NO_HOOKS   # id -> (output_nr, fn): Tensor.register_hook
    _retain = _NO_HOOKS             # output_nr -> weakref of a retain_grad() tensor
    _pre_hooks = _NO_HOOKS          # id -> fn(grad_outputs) -> grad_outputs | None
    _post_hooks = _NO_HOOKS         # id -> fn(grad_inputs, grad_outputs) -> ... | None

    def __init__(self, edges: tuple):
        self._edges = edges

    def own(self, table: str) -> dict:
        """This node's own hook table `table`, made on first use."""
        d = self.__dict__.get(table)
        if d is None:
            d = OrderedDict()
            setattr(self, table, d)
        return d

    @property
    def metadata(self) -> dict:
        return self.own("_metadata")

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        return tuple(e if e is not None else (None, 0) for e in self._edges)

    def register_hook(self, fn) -> RemovableHandle:
        return _add_hook(self.own("_post_hooks"), fn)

    def register_prehook(self, fn) -> RemovableHandle:
        return _add_hook(self.own("_pre_hooks"), fn)

    def apply(self, grads: list, needs: list) -> list:
        """Gradients for the inputs (None where not needed) from the outputs' gradients."""
        raise NotImplementedError

    def release(self) -> None:
        """Free the saved tensors (backward without retain_graph)."""

    def _materialize(self, grads: list) -> list:
        """Outputs that got no gradient: nodes with one output never see this."""
        return grads

    def took_over(self, t: Tensor) -> None:
        """`t` was written in place and now holds this node's output."""

    def __call__(self, *grads):
        return tuple(self.apply(list(grads), [e is not None for e in self._edges]))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The end of the graph for a leaf tensor: adds the gradient into `variable.grad`."""

    def __init__(self, tensor: Tensor):
        super().__init__(())
        self._ref = weakref.ref(tensor)

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def variable(self):
        return self._ref()

    def apply(self, grads, needs):
        t = self._ref()
        if t is not None:
            accumulate(t, grads[0])
        return []


def accumulate(t: Tensor, g: Tensor) -> None:
    """t.grad += g, torch's way: the first gradient is stored as a fresh tensor, later ones are
    added in place, or out of place (keeping the graph) when grad mode is on (create_graph)."""
    from .grad_mode import is_grad_enabled, no_grad
    if t._grad is None:
        t._grad = g if is_grad_enabled() else Tensor._from_node(g._node)
    elif is_grad_enabled():
        t._grad = t._grad + g
    else:
        with no_grad():
            t._grad._assign(t._grad + g)


# -- saved tensors -----------------------------------------------------------------------
def storage_version(t: Tensor) -> int:
    """Views share their base's version counter, as in torch."""
    return t._base._version if t._base is not None else t._version


class SavedTensor:
    """An input (held) or the output (held weakly: output -> grad_fn -> output would be a
    cycle) of a recorded op, with the version it had when saved."""
    __slots__ = ("tensor", "ref", "node", "version", "grad_fn", "nr")

    def __init__(self, t: Tensor, owner=None):
        self.version = storage_version(t)
        self.node, self.nr = t._node, t._output_nr
        if owner is None:
            self.tensor, self.ref, self.grad_fn = t, None, t._grad_fn
        else:
            self.tensor, self.ref, self.grad_fn = None, weakref.ref(t), owner

    def unpack(self) -> Tensor:
        t = self.tensor if self.ref is None else self.ref()
        if t is not None and storage_version(t) != self.version:
            raise RuntimeError(_modified_message(t, self.grad_fn, self.version))
        if self.ref is None:
            return t
        out = Tensor._from_node(self.node)
        out._grad_fn, out._output_nr, out.requires_grad_flag = self.grad_fn, self.nr, True
        return out

    def snapshot(self) -> None:
        """The held tensor is about to be written in place: keep its current value and
        history in a tensor of its own instead (torch saves `original_self`)."""
        t = self.tensor
        snap = Tensor._from_node(self.node)
        snap._grad_fn, snap.requires_grad_flag = t._grad_fn, t.requires_grad
        snap._grad_accumulator = t._grad_accumulator if t._grad_fn is None else None
        self.tensor, self.version = snap, 0


def _modified_message(t: Tensor, grad_fn, expected: int) -> str:
    dims = ", ".join(str(s) for s in t.shape)
    what = f"[{t.type()} [{dims}]]"
    if grad_fn is not None:
        what += f", which is output 0 of {_short_name(grad_fn.name())},"
    return ("one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{what} is at version {storage_version(t)}; expected version {expected} instead. Hint: enable anomaly "
            "detection to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True).")


def _short_name(name: str) -> str:
    return name.split("Backward")[0] if "Backward" in name else name


# -- backward nodes of primitives --------------------------------------------------------
class PrimBackward(Node):
    """grad_fn of one recorded primitive.  It is also the `c` its gradient rules read
    (ir/autodiff): arg, inputs, output, shapes, dtypes.  Each node is an instance of a
    subclass named as torch names it (`grad_fn_class`), so type(), repr and name() agree
    with torch's."""

    def __init__(self, op: Op, arg, inputs: list, out: Tensor, edges: tuple):
        super().__init__(edges)
        self.op, self.arg = op, arg
        self._shapes = tuple(tuple(t.shape) for t in inputs)
        self._dtypes = tuple(t.dtype for t in inputs)
        self._out_meta = (tuple(out.shape), out.dtype)
        self._saved = [SavedTensor(t) for t in inputs]
        self._saved_out = SavedTensor(out, self)

    # the rule context --------------------------------------------------------------------
    def src(self, i: int) -> Tensor:
        if self._saved is None:
            raise RuntimeError(FREED)
        return self._saved[i].unpack()

    @property
    def x(self) -> Tensor:
        return self.src(0)

    @property
    def y(self) -> Tensor:
        return self.src(1)

    @property
    def out(self) -> Tensor:
        if self._saved is None:
            raise RuntimeError(FREED)
        return self._saved_out.unpack()

    def shape(self, i: int) -> tuple:
        return self._shapes[i]

    def dtype(self, i: int):
        return self._dtypes[i]

    def sibling(self, k: int, dtype, shape=None) -> Tensor:
        """Output k of the same EXTERN call (sort's indices, svd's other factors), of this
        output's shape unless given; recorded like any op, so it differentiates again."""
        from .._prim import apply
        call, _ = self.arg
        srcs = [self.src(i) for i in range(len(self._shapes))]
        return apply(Op.EXTERN, srcs, dtype, self._out_meta[0] if shape is None else tuple(shape), (call, k))

    # Node ----------------------------------------------------------------------------------
    def apply(self, grads, needs):
        from . import prims
        g = grads[0]
        rules = autodiff.rules_for(self.op, self.arg, len(self._edges))
        out = []
        for i, (rule, need) in enumerate(zip(rules, needs)):
            out.append(_checked(rule(prims, self, g), self, i) if need and rule is not None else None)
        return out

    def release(self) -> None:
        self._saved = None
        self._saved_out = None

    def took_over(self, t: Tensor) -> None:
        """Saved copies of t's old value stay exact, and the output is tracked through t."""
        if self._saved is None:
            return
        for s in self._saved:
            if s.tensor is t:
                s.snapshot()
        self._saved_out = SavedTensor(t, self)


class FillBackward2(Node):
    """A tensor with history was overwritten in place by a constant (fill_, zero_, copy_):
    its old history gets a zero gradient.  (Named as torch names fill_(scalar)'s.)"""

    def __init__(self, t: Tensor):
        super().__init__((gradient_edge(t),))
        self._meta = (tuple(t.shape), t.dtype)

    def apply(self, grads, needs):
        from .._prim import const
        return [const(0, self._meta[1], self._meta[0]) if needs[0] else None]


class FillBackward3(FillBackward2):
    """fill_(tensor): torch numbers the overloads."""


class ZeroBackward0(FillBackward2):
    """zero_()."""


class CopyBackwards(FillBackward2):
    """copy_ of a value without history."""


def overwritten_as(t: Tensor, cls: type) -> Tensor:
    """Name the node an in-place overwrite by a constant gave t as torch names that op."""
    if type(t._grad_fn) is FillBackward2:
        t._grad_fn.__class__ = cls
    return t


def _checked(grad, fn: PrimBackward, i: int):
    """A rule's result must have the input's shape and dtype: a broken rule fails here,
    naming the op, not later as a wrong value."""
    if grad is not None and (tuple(grad.shape) != fn.shape(i) or grad.dtype != fn.dtype(i)):
        raise RuntimeError(f"Function {fn.name()} returned an invalid gradient at index {i} - got "
                           f"{list(grad.shape)} {grad.dtype} but expected {list(fn.shape(i))} {fn.dtype(i)}")
    return grad


_NAMES = {
    Op.NEG: "Neg", Op.RECIP: "Reciprocal", Op.SQRT: "Sqrt", Op.RSQRT: "Rsqrt", Op.EXP: "Exp", Op.EXPM1: "Expm1",
    Op.LOG: "Log", Op.LOG1P: "Log1P", Op.SIN: "Sin", Op.COS: "Cos", Op.TAN: "Tan", Op.TANH: "Tanh",
    Op.ASIN: "Asin", Op.ACOS: "Acos", Op.ATAN: "Atan", Op.ERF: "Erf", Op.SIGMOID: "Sigmoid", Op.ABS: "Abs",
    Op.FLOOR: "Floor", Op.CEIL: "Ceil", Op.TRUNC: "Trunc", Op.ROUND: "Round", Op.ADD: "Add", Op.SUB: "Sub",
    Op.MUL: "Mul", Op.DIV: "Div", Op.IDIV: "NotImplemented", Op.FMOD: "Fmod", Op.MAX: "Maximum",
    Op.MIN: "Minimum", Op.ATAN2: "Atan2", Op.WHERE: "Where", Op.PERMUTE: "Permute", Op.EXPAND: "Expand",
    Op.PAD: "ConstantPadNd", Op.SHRINK: "Slice", Op.FLIP: "Flip", Op.AS_STRIDED: "AsStrided", Op.GATHER: "Gather",
    Op.CAT: "Cat",
}
# (over every axis, over some): sum and prod number these overloads 0 and 1
_REDUCE_NAMES = {ReduceOp.SUM: ("SumBackward0", "SumBackward1"), ReduceOp.PROD: ("ProdBackward0", "ProdBackward1"),
                 ReduceOp.MAX: ("AmaxBackward0",) * 2, ReduceOp.MIN: ("AminBackward0",) * 2}
_SCAN_NAMES = {ReduceOp.SUM: "Cumsum", ReduceOp.PROD: "Cumprod", ReduceOp.MAX: "Cummax", ReduceOp.MIN: "Cummin"}
_EXTERN_NAMES = {"sort": "Sort", "median": "Median", "nanmedian": "Nanmedian", "mode": "Mode",
                 "inv": "LinalgInvEx", "det": "LinalgDet", "slogdet": "LinalgSlogdet", "solve": "LinalgSolveEx"}
_CLASSES: dict = {}


def grad_fn_class(name: str) -> type:
    """The PrimBackward subclass for torch's grad_fn name `name` (one per name).  A name
    like torch::autograd::CopySlices is the type CopySlices whose name() is the full one."""
    cls = _CLASSES.get(name)
    if cls is None:
        short = name.rsplit("::", 1)[-1]
        body = {"__qualname__": short} if short == name else {"__qualname__": short, "name": lambda self: name}
        cls = _CLASSES[name] = type(short, (PrimBackward,), body)
    return cls


# ops whose name depends on nothing else
_FIXED = {op: grad_fn_class(f"{name}Backward0") for op, name in _NAMES.items()}
# enum members read once (a member lookup costs as much as a dict lookup): naming runs on
# every recorded RESHAPE and REDUCE
_RESHAPE, _REDUCE, _POW, _CAST, _SHRINK = Op.RESHAPE, Op.REDUCE, Op.POW, Op.CAST, Op.SHRINK


def _prim_class(fn: PrimBackward) -> type:
    """The class of a freshly recorded primitive's node (a composite op relabels its
    result's node with its own name: tjit.autograd_hooks.grad_name)."""
    return _FIXED.get(fn.op) or grad_fn_class(_prim_name(fn))


def _prim_name(fn: PrimBackward) -> str:
    """torch's grad_fn name for the primitives whose name depends on their arg, dtypes,
    shapes or inputs."""
    op = fn.op
    if op is _RESHAPE:
        return _reshape_name(fn)
    if op is _REDUCE:
        return _reduce_name(fn)
    if op is _POW:  # pow(Tensor, Scalar) 0, pow(Tensor, Tensor) 1, pow(Scalar, Tensor) 2
        base, exponent = (e is not None for e in fn._edges)
        return f"PowBackward{1 if base and exponent else 0 if base else 2}"
    if op is _CAST:
        return "CloneBackward0" if fn._dtypes[0] == fn._out_meta[1] else "ToCopyBackward0"
    if op is Op.SCAN:
        return f"{_SCAN_NAMES[fn.arg[0]]}Backward0"
    if op is Op.SCATTER:
        rop = fn.arg[1]
        kind = "Scatter" if rop is None else "ScatterAdd" if rop is ReduceOp.SUM else "ScatterReduce"
        return f"{kind}Backward0"
    if op is Op.CONTRACT:
        return "MmBackward0" if len(fn._out_meta[0]) == 2 else "BmmBackward0"
    name = fn.arg[0].name  # EXTERN
    return f"{_EXTERN_NAMES.get(name, name.title().replace('_', ''))}Backward0"


def _reduce_name(fn: PrimBackward) -> str:
    """A REDUCE's name, from a table (this runs on every recorded reduction)."""
    rop, axes = fn.arg
    return _REDUCE_NAMES[rop][len(axes) < len(fn._shapes[0])]


def _reshape_name(fn: PrimBackward) -> str:
    """A RESHAPE that drops the axes a reduction kept (keepdim=False) or a sliced axis is
    the tail of that op (SumBackward1, SelectBackward0); otherwise squeeze, unsqueeze or view."""
    src, out = fn._shapes[0], fn._out_meta[0]
    if len(out) == len(src) or [s for s in src if s != 1] != [s for s in out if s != 1]:
        return "ViewBackward0"
    if len(out) > len(src):
        return "UnsqueezeBackward0"
    prev = fn._edges[0][0] if fn._edges[0] is not None else None
    if isinstance(prev, PrimBackward):
        if prev.op is _REDUCE:
            return _reduce_name(prev)
        if prev.op is _SHRINK:
            return "SelectBackward0"
    return "SqueezeBackward0"


# -- recording ---------------------------------------------------------------------------
def gradient_edge(t: Tensor) -> tuple:
    """Where t's gradient goes: its grad_fn, or its leaf accumulator."""
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (accumulator(t), 0)


def accumulator(t: Tensor) -> AccumulateGrad:
    acc = t._grad_accumulator
    if acc is None:
        acc = t._grad_accumulator = AccumulateGrad(t)
    return acc


def record(out: Tensor, op: Op, inputs: list, arg) -> None:
    """tjit._prim's hook: give the output of a primitive its grad_fn (only floating-point
    results are differentiable)."""
    if out.dtype.kind != "f":
        return
    edges = tuple(gradient_edge(t) if t.requires_grad else None for t in inputs)
    fn = out._grad_fn = PrimBackward(op, arg, inputs, out, edges)
    fn.__class__ = _prim_class(fn)
    out.requires_grad_flag = True


def record_view(view: Tensor, base: Tensor, op: Op, arg) -> None:
    """A view re-derived from its base after an in-place write to the base."""
    fn = view._grad_fn = PrimBackward(op, arg, [base], view, (gradient_edge(base),))
    fn.__class__ = _prim_class(fn)
    view._output_nr = 0


def rename(t: Tensor, name: str) -> Tensor:
    """Show torch's name for a composite op's grad_fn (e.g. max(dim) -> MaxBackward0): the
    node of t's primitive becomes an instance of that name's class; its gradient rule and
    edges stay the primitive's."""
    if isinstance(t._grad_fn, PrimBackward):
        t._grad_fn.__class__ = grad_fn_class(name)
    return t
