"""What a compiled function reads and writes besides its arguments.

A training step reads and writes the state of the Modules and Optimizers it uses: parameters,
buffers, gradients, optimizer state.  `World` finds those objects (in the arguments, the
closure, the globals the code names, a bound method's object) and lists their tensors as
*slots*, ("value", t) or ("grad", p); `World.guard()` is what a trace depends on besides its
inputs (slot shapes, which gradients exist, hyper-parameters, train/eval modes).
"""
from __future__ import annotations

import types

from tjit.ir.dtype import DType

from ._tensor import Tensor


class World:
    """The Modules and Optimizers a function uses, and their state as slots: ("value", t)
    for each parameter, buffer and optimizer state tensor, ("grad", p) for each tensor that
    can have a gradient."""

    def __init__(self, modules: list, optimizers: list):
        self.modules, self.optimizers = modules, optimizers
        values, grads = {}, {}
        for m in modules:
            for p in m.parameters():
                values.setdefault(id(p), p)
                if p.requires_grad:
                    grads.setdefault(id(p), p)
            for b in m.buffers():
                values.setdefault(id(b), b)
        for o in optimizers:
            for group in o.param_groups:
                for p in group["params"]:
                    values.setdefault(id(p), p)
                    grads.setdefault(id(p), p)
            for st in o.state.values():
                for v in st.values():
                    if isinstance(v, Tensor):
                        values.setdefault(id(v), v)
        self.slots = [("value", t) for t in values.values()] + [("grad", p) for p in grads.values()]

    @classmethod
    def of(cls, fn, args) -> "World":
        from .nn import Module
        from .optim import Optimizer
        found: dict = {}

        def visit(obj, depth: int) -> None:
            if isinstance(obj, (Module, Optimizer)):
                found.setdefault(id(obj), obj)
            elif depth and isinstance(obj, (list, tuple)):
                for o in obj:
                    visit(o, depth - 1)
            elif depth and isinstance(obj, dict):
                for o in obj.values():
                    visit(o, depth - 1)
            elif depth and hasattr(obj, "__dict__") and not isinstance(obj, (type, types.ModuleType, Tensor)) \
                    and not callable(obj):
                for o in vars(obj).values():
                    visit(o, depth - 1)

        for a in args:
            visit(a, 1)
        visit(fn, 0)
        target = getattr(fn, "func", fn)  # functools.partial
        visit(getattr(fn, "args", ()), 1)
        owner = getattr(target, "__self__", None)
        if owner is not None:
            visit(owner, 1)
            visit(vars(owner) if hasattr(owner, "__dict__") else (), 1)
        target = getattr(target, "__func__", target)
        code = getattr(target, "__code__", None)
        if code is not None:
            for cell in target.__closure__ or ():
                try:
                    visit(cell.cell_contents, 2)
                except ValueError:  # an empty cell
                    pass
            names = target.__globals__
            for name in code.co_names:
                if name in names:
                    visit(names[name], 2)
        objs = list(found.values())
        return cls([o for o in objs if isinstance(o, Module)], [o for o in objs if isinstance(o, Optimizer)])

    def guard(self) -> tuple:
        """What a trace depends on besides its inputs: slot shapes, which gradients exist,
        hyper-parameters and train/eval modes."""
        return (tuple((kind, t._node_.shape, t._node_.dtype) if kind == "value" else (kind, t._grad is None)
                      for kind, t in self.slots),
                tuple(sub.training for m in self.modules for sub in m.modules()),
                tuple(_frozen(group) for o in self.optimizers for group in o.param_groups))


def _frozen(v):
    if isinstance(v, dict):
        return tuple((k, _frozen(x)) for k, x in v.items() if k != "params")
    if isinstance(v, (list, tuple)):
        return tuple(_frozen(x) for x in v)
    if isinstance(v, Tensor):
        return ("tensor", id(v))
    return v


def guard_json(guard) -> list:
    """A guard as JSON data (dtypes by name, tuples as lists): how an artifact stores it."""
    if isinstance(guard, (tuple, list)):
        return [guard_json(g) for g in guard]
    if isinstance(guard, DType):
        return guard.name
    return guard


def slot_tensor(kind: str, t: Tensor):
    return t if kind == "value" else t._grad
