"""Tensor creation: from data, constants, ranges, and counter-based random numbers."""
from __future__ import annotations

import math
from numbers import Number

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.graph import RandKey, node
from tjit.ir.ops import Op

from .. import engine, state
from .._prim import apply, cast, const, elementwise, reshape
from tjit.runtime.buffer import Buffer
from .._tensor import Tensor


def _shape_arg(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"expected a sequence of integers as the size, but got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _finish(t: Tensor, requires_grad: bool = False, device=None) -> Tensor:
    if device is not None:
        from .._tensor import device as Device
        if Device(device).type != "cpu":
            raise RuntimeError(f"device {device} is not available: tjit runs on the CPU on this machine")
    if requires_grad:
        t = t.realize() if t._node.op is not Op.BUFFER else t
        t = Tensor._from_node(engine.buffer_node(t._buffer(), t.dtype, tuple(t.shape)))
        t.requires_grad_(True)
    return t


def from_buffer_array(arr: np.ndarray, dtype: dt.DType) -> Tensor:
    """A tensor owning a fresh copy of `arr` (the storage dtype of `dtype`)."""
    buf = Buffer(arr.size, dtype.np)
    buf.array[...] = np.ascontiguousarray(arr, dtype=dtype.np).reshape(-1)
    return Tensor._from_node(engine.buffer_node(buf, dtype, arr.shape))


def _infer_dtype(data) -> dt.DType:
    if isinstance(data, bool):
        return dt.bool_
    if isinstance(data, int):
        return dt.int64
    if isinstance(data, float):
        return state.default_dtype
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, np.ndarray):
        return dt.from_numpy(data.dtype)
    if isinstance(data, np.generic):
        return dt.from_numpy(np.asarray(data).dtype)
    if isinstance(data, (list, tuple)):
        kinds = [_infer_dtype(x) for x in data]
        out = None
        for k in kinds:
            out = k if out is None else dt.promote_types(out, k)
        return out or state.default_dtype
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _to_float_bits_bf16(a: np.ndarray) -> np.ndarray:
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(a), np.uint16(0x7FC0), rounded)


def host_to_tensor(a: np.ndarray, dtype: dt.DType) -> Tensor:
    if dtype is dt.bfloat16:
        return from_buffer_array(_to_float_bits_bf16(np.asarray(a, dtype=np.float32)), dtype)
    return from_buffer_array(np.asarray(a).astype(dtype.np, copy=False), dtype)


def _nested_values(data):
    if isinstance(data, Tensor):
        return data._values()
    if isinstance(data, (list, tuple)):
        if any(isinstance(x, Tensor) for x in data):
            return [_nested_values(x) for x in data]
    return data


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    if isinstance(data, Tensor):
        out = cast(data.detach(), dtype or data.dtype).clone()
        return _finish(out, requires_grad, device)
    d = dtype or _infer_dtype(data)
    arr = np.asarray(_nested_values(data))
    if arr.dtype == object:
        raise ValueError("expected sequence of equal-length sequences of numbers")
    return _finish(host_to_tensor(arr, d), requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor):
        return cast(data, dtype) if dtype is not None else data
    if isinstance(data, np.ndarray) and dtype is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr: np.ndarray) -> Tensor:
    """Shares memory with `arr`, like torch.from_numpy: in-place ops show up in the array."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    d = dt.from_numpy(arr.dtype)
    if any(s < 0 for s in arr.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a "
                         "copy of your array  with array.copy().) ")
    if arr.flags.c_contiguous:
        t = Tensor._from_node(engine.buffer_node(Buffer.wrap(arr), d, arr.shape))
        t._pinned = t._node.arg
        return t
    # a strided array: the buffer spans its memory, the tensor is a strided view of it
    span = sum((n - 1) * s for n, s in zip(arr.shape, arr.strides)) // arr.itemsize + 1
    flat = np.lib.stride_tricks.as_strided(arr, shape=(span,), strides=(arr.itemsize,))
    base = Tensor._from_node(engine.buffer_node(Buffer(span, arr.dtype, flat), d, (span,)))
    base._pinned = base._node.arg
    return base.as_strided(arr.shape, tuple(s // arr.itemsize for s in arr.strides), 0)


def _rebuild(arr, dtype_name, requires_grad):
    d = dt.BY_NAME[dtype_name]
    t = from_buffer_array(arr, d) if d is dt.bfloat16 else host_to_tensor(arr, d)
    return t.requires_grad_(requires_grad) if requires_grad else t


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False) -> Tensor:
    size = _shape_arg(size if isinstance(size, (tuple, list)) else (size,))
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    d = dtype or _infer_dtype(fill_value)
    t = const(fill_value, d, size)
    return _out(_finish(t, requires_grad, device), out)


def _out(t: Tensor, out):
    if out is None:
        return t
    out._node = t._node if tuple(out.shape) != tuple(t.shape) else out._assign(t)._node
    return out


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False) -> Tensor:
    return _out(_finish(const(0, dtype or state.default_dtype, _shape_arg(size)), requires_grad, device), out)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False) -> Tensor:
    return _out(_finish(const(1, dtype or state.default_dtype, _shape_arg(size)), requires_grad, device), out)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False,
          memory_format=None) -> Tensor:
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad, out=out)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return zeros(tuple(input.shape), dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return ones(tuple(input.shape), dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def _iota(n: int, dtype: dt.DType) -> Tensor:
    return Tensor._from_node(node(Op.IOTA, (), dtype, (n,), 0))


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    is_float = any(isinstance(v, float) for v in vals)
    d = dtype or (state.default_dtype if is_float else dt.int64)
    n = max(0, math.ceil((end - start) / step))
    if d.kind == "f" or is_float:
        t = _iota(n, dt.float64) * float(step) + float(start)
    else:
        t = _iota(n, dt.int64) * int(step) + int(start)
    return _out(_finish(cast(t, d), requires_grad, device), out)


def range_(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    n = int(math.floor((end - start) / step)) + 1
    d = dtype or state.default_dtype
    return _finish(cast(_iota(n, dt.float64) * float(step) + float(start), d), requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    d = dtype or state.default_dtype
    if steps == 1:
        return _out(_finish(full((1,), start, dtype=d), requires_grad, device), out)
    step = (end - start) / max(steps - 1, 1)
    i = _iota(steps, dt.float64)
    from .pointwise import where
    t = where(i < steps // 2, i * step + start, (i - (steps - 1)) * step + end)
    return _out(_finish(cast(t, d), requires_grad, device), out)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    d = dtype or state.default_dtype
    exps = linspace(start, end, steps, dtype=dt.float64)
    from .pointwise import pow as pow_
    return _out(_finish(cast(pow_(float(base), exps), d), requires_grad, device), out)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    m = n if m is None else m
    rows = Tensor._from_node(node(Op.IOTA, (), dt.int64, (n, m), 0))
    cols = Tensor._from_node(node(Op.IOTA, (), dt.int64, (n, m), 1))
    return _out(_finish(cast(rows == cols, dtype or state.default_dtype), requires_grad, device), out)


# -- random ------------------------------------------------------------------------------
def _uniform01(shape, dtype: dt.DType, generator=None) -> Tensor:
    gen = generator or state.default_generator
    n = 1
    for s in shape:
        n *= s
    seed, offset = gen.take(n)
    rd = dt.float64 if dtype is dt.float64 else dt.float32
    t = Tensor._from_node(node(Op.RAND, (), rd, tuple(shape), RandKey(seed, offset)))
    return t


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False) -> Tensor:
    d = dtype or state.default_dtype
    return _out(_finish(cast(_uniform01(_shape_arg(size), d, generator), d), requires_grad, device), out)


def _standard_normal(shape, d: dt.DType, generator=None) -> Tensor:
    """Box-Muller on two independent uniform streams; fuses into the consumer."""
    u1 = _uniform01(shape, d, generator)
    u2 = _uniform01(shape, d, generator)
    from .pointwise import cos, log, sqrt
    r = sqrt(log(1.0 - u1) * -2.0)
    return r * cos(u2 * (2 * math.pi))


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          pin_memory=False) -> Tensor:
    d = dtype or state.default_dtype
    return _out(_finish(cast(_standard_normal(_shape_arg(size), d, generator), d), requires_grad, device), out)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return rand(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return randn(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
            out=None, layout=None) -> Tensor:
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    u = _uniform01(_shape_arg((size,) if isinstance(size, int) else size), dt.float64, generator)
    from .pointwise import floor
    t = floor(u * float(high - low)) + float(low)
    return _out(_finish(cast(t, dtype or dt.int64), requires_grad, device), out)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        from .._prim import broadcast_shapes
        shp = broadcast_shapes(*(x.shape for x in (mean, std) if isinstance(x, Tensor)))
        d = (mean if isinstance(mean, Tensor) else std).dtype
        if isinstance(std, Tensor) and not isinstance(mean, Tensor):
            d = std.dtype
        t = _standard_normal(shp, d, generator) * std + mean
        return _out(cast(t, d), out)
    if isinstance(std, Number) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if size is None:
        raise TypeError("normal() with float mean and std needs a size")
    d = dtype or state.default_dtype
    t = _standard_normal(_shape_arg((size,) if isinstance(size, int) else size), d, generator) * std + mean
    return _out(_finish(cast(t, d), requires_grad, device), out)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    prob = input if p is None else p
    u = _uniform01(tuple(input.shape), input.dtype, generator)
    return _out(cast(u < prob, input.dtype), out)


def manual_seed(seed: int):
    return state.default_generator.manual_seed(seed)


def seed() -> int:
    return state.default_generator.seed()


def initial_seed() -> int:
    return state.default_generator.initial_seed()


def get_rng_state():
    return state.default_generator.get_state()


def set_rng_state(new_state) -> None:
    state.default_generator.set_state(new_state)


def clone(input, *, memory_format=None) -> Tensor:
    """Values are immutable nodes, so a copy is a new tensor on the same value; an identity
    CAST keeps it a distinct step for autograd (CloneBackward)."""
    return apply(Op.CAST, [input], input.dtype, tuple(input.shape), input.dtype)
