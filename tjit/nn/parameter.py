"""Parameter and Buffer: tensors a Module registers by assignment.

A Parameter is a Tensor subclass (so `isinstance` and the printer's "Parameter containing:"
header work) that shares its data's graph node; results of ops on it are plain Tensors, as
in torch.  `Buffer` marks a tensor for registration as a module buffer.
"""
from __future__ import annotations

from .._tensor import Tensor


class _ParameterMeta(type(Tensor)):
    """`isinstance(t, Parameter)` is also true for tensors flagged as parameters (torch's
    rule for parameters rebuilt from checkpoints)."""

    def __instancecheck__(cls, instance):
        if cls is Parameter:
            return super().__instancecheck__(instance) or getattr(instance, "_is_param", False)
        return super().__instancecheck__(instance)


class Parameter(Tensor, metaclass=_ParameterMeta):
    """A tensor that is a module parameter: requires grad by default."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        self._init_from(data._node)
        self._is_param = True
        self.requires_grad_(requires_grad)

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (Tensor.__reduce_ex__(self, proto), self.requires_grad))


def _rebuild_parameter(reduced, requires_grad):
    fn, args = reduced
    return Parameter(fn(*args), requires_grad)


class _BufferMeta(type(Tensor)):
    def __instancecheck__(cls, instance):
        return getattr(instance, "_is_buffer", False) or super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """`module.x = Buffer(t)` registers `t` as a buffer (persistent unless told otherwise).
    Like torch, the object is a plain Tensor carrying a mark."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = data.detach()
        t.requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


def is_lazy(param) -> bool:
    """tjit has no lazily initialised (shape-inferring) parameters."""
    return False
