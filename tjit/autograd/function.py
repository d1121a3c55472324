"""Custom differentiable operations: tjit.autograd.Function, with torch's API.

`MyFn.apply(*args)` runs `MyFn.forward(ctx, *args)` without recording, then makes the
context (which is the backward node, as in torch) the grad_fn of the differentiable
outputs.  The engine later calls `MyFn.backward(ctx, *grad_outputs)`; written with tensor
ops, it is lazy and fusable like any gradient, and recorded under create_graph=True.
"""
from __future__ import annotations

import functools

from .. import _prim
from .._tensor import Tensor
from .grad_mode import is_grad_enabled, no_grad
from .graph import FREED, Node, SavedTensor, gradient_edge

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What `forward` can tell `backward` through ctx."""

    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument 0 is of type "
                                f"{type(t).__name__}")
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors) -> None:
        self._dirty = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            raise RuntimeError(FREED)
        return tuple(s.unpack() if s is not None else None for s in self._saved)


class BackwardCFunction(Node, FunctionCtx):
    """The grad_fn of a custom Function's outputs, and the ctx its forward/backward get.
    Each Function has its subclass, named `<Function>Backward` as torch's."""

    def __init__(self, fn_cls):
        Node.__init__(self, ())
        self._cls = fn_cls
        self._to_save = ()
        self._saved = ()
        self._non_differentiable: set = set()
        self._dirty: set = set()
        self._materialize_grads = True
        self._out_meta: list = []
        self._in_meta: list = []
        self.needs_input_grad: tuple = ()

    @property
    def n_outputs(self) -> int:
        return len(self._out_meta)

    def __repr__(self) -> str:
        return f"<tjit.autograd.function.{self.name()} object at {hex(id(self))}>"

    def release(self) -> None:
        self._saved = None

    def _materialize(self, grads: list) -> list:
        if not self._materialize_grads:
            return grads
        return [g if g is not None or meta is None else _prim.const(0, meta[1], meta[0])
                for g, meta in zip(grads, self._out_meta)]

    def apply(self, grads, needs):
        result = self._cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._in_meta)
        if len(result) < n or any(g is not None for g in result[n:]):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected {n}, "
                               f"got {len(result)})")
        return [self._fit(i, g) if need else None for i, (g, need) in enumerate(zip(result, needs))]

    def _fit(self, i: int, g):
        """A returned gradient must broadcast to its input: summed down and cast to it."""
        if g is None:
            return None
        shape, dtype = self._in_meta[i]
        if not isinstance(g, Tensor):
            raise RuntimeError(f"function {self.name()} returned a gradient different than None at position "
                               f"{i + 1}, but the corresponding forward input was not a Variable")
        if tuple(g.shape) != shape:
            try:
                g = g.sum_to_size(shape)
            except RuntimeError:
                raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {i} - got "
                                   f"{list(g.shape)} but expected shape compatible with {list(shape)}") from None
        return _prim.cast(g, dtype)


class Function:
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` (or
    `forward(*args)` plus `setup_context(ctx, inputs, output)`), then call `.apply`."""

    _backward_cls = BackwardCFunction

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def vjp(ctx, *grad_outputs):
        raise NotImplementedError

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.vjp is not Function.vjp and cls.backward is Function.backward:
            cls.backward = staticmethod(cls.vjp)
        cls._backward_cls = type(f"{cls.__name__}Backward", (BackwardCFunction,), {"__module__": __name__})

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls(cls)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        recording = is_grad_enabled() and any(ctx.needs_input_grad)
        edges = tuple(gradient_edge(a) if need else None for a, need in zip(args, ctx.needs_input_grad))
        with no_grad():
            if cls.setup_context is Function.setup_context:
                output = cls.forward(ctx, *args, **kwargs)
            else:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
        if not recording:
            return output
        ctx._edges = edges
        ctx._in_meta = [(tuple(a.shape), a.dtype) if isinstance(a, Tensor) else None for a in args]
        single = not isinstance(output, tuple)
        outs = _attach(ctx, (output,) if single else output, args)
        return outs[0] if single else outs


def _attach(ctx: BackwardCFunction, outputs: tuple, args: tuple) -> tuple:
    """Make ctx the grad_fn of each differentiable output and save what forward asked for."""
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    result, by_id = [], {}
    for k, o in enumerate(outputs):
        if not isinstance(o, Tensor):
            result.append(o)
            ctx._out_meta.append(None)
            continue
        ctx._out_meta.append((tuple(o.shape), o.dtype))
        if id(o) in ctx._non_differentiable or o.dtype.kind != "f":
            result.append(o)
            continue
        new = o if id(o) in ctx._dirty or id(o) not in inputs else Tensor._from_node(o._node)
        new._grad_fn, new._output_nr, new.requires_grad_flag = ctx, k, True
        by_id[id(o)] = new
        result.append(new)
    ctx._saved = [_save(ctx, t, by_id) for t in ctx._to_save]
    ctx._to_save = ()
    return tuple(result)


def _save(ctx, t, outputs: dict):
    if t is None:
        return None
    if id(t) in outputs:
        return SavedTensor(outputs[id(t)], ctx)
    return SavedTensor(t)


def once_differentiable(fn):
    """A backward that is not itself differentiable: it runs without recording."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper
