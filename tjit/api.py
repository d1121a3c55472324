"""Top-level utilities of the torch namespace: realization, dtype settings, save/load,
threads, type queries."""
from __future__ import annotations

import builtins

from tjit.ir import dtype as dt

from tjit.runtime import threads

from . import engine, state
from .state import Generator, default_generator  # noqa: F401
from ._tensor import Tensor

def realize(*tensors) -> None:
    """Compute several tensors in one schedule."""
    ts = [t for t in tensors if isinstance(t, Tensor)]
    engine.realize([t._node for t in ts])
    for t in ts:
        _detach_graph(t)


def settle(*tensors) -> None:
    """`realize` as a scheduling choice, not because a value is needed (an optimizer's
    state before its update, running statistics): while `tjit.compile` traces, the tensors
    stay part of the one traced graph instead."""
    if engine.tracing is None:
        realize(*tensors)


def _detach_graph(t: Tensor) -> None:
    """After realization a tensor needs its graph only for autograd: drop it otherwise, so
    realized values do not keep their history (and memory) alive."""
    n = t._node
    if n.buffer is None or (t.grad_fn is not None):
        return
    if t._base is None:
        t._node = engine.buffer_node(n.buffer, n.dtype, n.shape)
    else:
        t._node_ = engine.buffer_node(n.buffer, n.dtype, n.shape)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_storage(obj) -> bool:
    return False


def is_floating_point(input) -> bool:
    return input.dtype.kind == "f"


def is_nonzero(input) -> bool:
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def numel(input) -> int:
    return input.numel()


def typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__name__


def promote_types(type1, type2):
    return dt.promote_types(type1, type2)


def result_type(tensor1, tensor2):
    from ._prim import result_type as rt
    return rt(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    return dt.category(from_) <= dt.category(to)


def set_default_dtype(d) -> None:
    if d not in (dt.float32, dt.float64, dt.float16, dt.bfloat16):
        raise TypeError("only floating-point types are supported as the default type")
    state.default_dtype = d


def get_default_dtype():
    return state.default_dtype


def set_default_tensor_type(t) -> None:
    """Deprecated spelling of set_default_dtype: takes tjit.DoubleTensor or 'torch.DoubleTensor'."""
    import warnings
    from .ops.creation import LEGACY_TYPES
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning, stacklevel=2)
    if isinstance(t, str):
        if t not in LEGACY_TYPES:
            raise AttributeError(f"module 'torch' has no attribute '{t.split('.')[-1]}'")
        t = LEGACY_TYPES[t]
    d = getattr(t, "dtype", None)
    if not isinstance(d, dt.DType):
        raise TypeError(f"invalid type object: {t!r}")
    set_default_dtype(d)


def set_num_threads(n: int) -> None:
    """Threads that run one large kernel (its outer loop is split across them)."""
    if not isinstance(n, builtins.int) or n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    threads.set_num_threads(n)


def get_num_threads() -> int:
    return threads.get_num_threads()


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True) -> None:
    from . import serialization

    def to_array(t: Tensor):
        return (t.detach()._host_array(), t.dtype.name, t.requires_grad, t._is_param)
    serialization.dump(obj, f, is_tensor=lambda x: isinstance(x, Tensor), to_array=to_array)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kwargs):
    from . import serialization
    from .ops.creation import _rebuild

    def from_array(arr, dtype_name, requires_grad, is_parameter):
        t = _rebuild(arr, dtype_name, requires_grad)
        if is_parameter:
            try:
                from .nn.parameter import Parameter
                return Parameter(t, requires_grad=requires_grad)
            except ImportError:
                pass
        return t
    return serialization.load(f, from_array=from_array, map_location=map_location, weights_only=weights_only)
