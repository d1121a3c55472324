"""Tensor creation: from data, constants, ranges, and counter-based random numbers.

Data enters through numpy (the host transfer); every computed value (ranges, random
numbers, fills) is a lazy node that fuses into its consumer.  Dtype inference and range
formulas follow torch's CPU kernels so values match bit for bit where torch defines them.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.graph import RandKey, node
from tjit.ir.ops import Op

from .. import engine, state
from .._prim import apply, cast, const, unsupported, write_out
from tjit.runtime.buffer import Buffer
from .._tensor import Tensor


# -- sizes, devices, out= ----------------------------------------------------------------------
def _shape_arg(size, op: str = "tensor") -> tuple:
    """torch's `*size` argument: ints, or one sequence of ints (torch.Size, 0-d int tensors)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor) and s.ndim == 0 and s.dtype.kind in "iu":
            s = int(s.item())
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, not {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"{op}: Dimension size must be non-negative.")
        out.append(int(s))
    return tuple(out)


def _finish(t: Tensor, requires_grad: bool = False, device=None) -> Tensor:
    if device is not None:
        from .._tensor import device as Device
        if Device(device).type != "cpu":
            raise RuntimeError(f"device {device} is not available: tjit runs on the CPU on this machine")
    if requires_grad:
        if t.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t = t.realize() if t._node.op is not Op.BUFFER else t
        t = Tensor._from_node(engine.buffer_node(t._buffer(), t.dtype, tuple(t.shape)))
        t.requires_grad_(True)
    return t


def _dtype_for_out(dtype, out):
    """Factories with `out=` and no dtype produce the out tensor's dtype."""
    return out.dtype if dtype is None and isinstance(out, Tensor) else dtype


# -- from data ---------------------------------------------------------------------------------
def from_buffer_array(arr: np.ndarray, dtype: dt.DType) -> Tensor:
    """A tensor owning a fresh copy of `arr` (the storage dtype of `dtype`)."""
    buf = Buffer(arr.size, dtype.np)
    buf.array[...] = np.ascontiguousarray(arr, dtype=dtype.np).reshape(-1)
    return Tensor._from_node(engine.buffer_node(buf, dtype, arr.shape))


def _to_float_bits_bf16(a: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns, rounding to nearest even, NaN kept quiet."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(a), np.uint16(0x7FC0), rounded).reshape(np.shape(a))  # ascontiguousarray makes 0-d 1-d


def host_to_tensor(a: np.ndarray, dtype: dt.DType) -> Tensor:
    if dtype is dt.bfloat16:
        return from_buffer_array(_to_float_bits_bf16(np.asarray(a, dtype=np.float32)), dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        return from_buffer_array(np.asarray(a).astype(dtype.np, copy=False), dtype)


def _infer_dtype(data, nested: bool = False) -> dt.DType:
    """torch.tensor's inference: bool < int64 < default float over Python values; numpy
    values and tensors keep their own dtype."""
    if isinstance(data, (np.ndarray, np.generic)):  # before float: np.float64 subclasses float
        return dt.from_numpy(np.asarray(data).dtype)
    if isinstance(data, bool):
        return dt.bool_
    if isinstance(data, int):
        return dt.int64
    if isinstance(data, float):
        return state.default_dtype
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, str):
        if nested:
            raise ValueError(f"too many dimensions '{type(data).__name__}'")
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if isinstance(data, (list, tuple, range)):
        out = None
        for x in data:
            k = _infer_dtype(x, nested=True)
            out = k if out is None else dt.promote_types(out, k)
        return out or state.default_dtype
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _nested_values(data):
    """Python/numpy data with one-element tensors replaced by their values."""
    if isinstance(data, Tensor):
        if data.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return data.item()
    if isinstance(data, (list, tuple)):
        return [_nested_values(x) for x in data]
    return data


def _check_python_range(arr: np.ndarray, d: dt.DType) -> None:
    """Python numbers must fit the integer dtype they are stored in (c10's checked
    conversion: floats within [lowest, max], ints too except that unsigned types let
    negative ints down to -max wrap around)."""
    if arr.dtype == object or (arr.dtype.kind == "u" and arr.dtype.itemsize == 8):
        raise ValueError("Overflow when unpacking long long")
    if d.kind not in "iu" or arr.size == 0 or arr.dtype.kind == "b":
        return
    info = np.iinfo(d.np)
    if arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(arr) | (arr < info.min) | (arr > info.max)
    else:
        lowest = -info.max if d.kind == "u" else info.min
        bad = (arr < lowest) | (arr > info.max)
    if bad.any():
        raise RuntimeError(f"value cannot be converted to type {d.name} without overflow")


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor holding a copy of `data` (nested sequences, numpy arrays, scalars)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        return _finish(clone(cast(data.detach(), dtype or data.dtype)), requires_grad, device)
    d = dtype or _infer_dtype(data)
    from_python = not isinstance(data, (np.ndarray, np.generic))
    arr = np.asarray(_nested_values(data))
    if arr.dtype.kind in "USO" and arr.dtype != object:
        raise ValueError(f"too many dimensions '{type(arr.flat[0]).__name__}'")
    if from_python:
        _check_python_range(arr, d)
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
        t._pin(t._node.arg)
        return t
    # a strided array: the buffer spans its memory, the tensor is a strided view of it
    span = sum((n - 1) * s for n, s in zip(arr.shape, arr.strides)) // arr.itemsize + 1
    flat = np.lib.stride_tricks.as_strided(arr, shape=(span,), strides=(arr.itemsize,))
    base = Tensor._from_node(engine.buffer_node(Buffer(span, arr.dtype, flat), d, (span,)))
    base._pin(base._node.arg)
    return base.as_strided(arr.shape, tuple(s // arr.itemsize for s in arr.strides), 0)


def _rebuild(arr, dtype_name, requires_grad):
    d = dt.BY_NAME[dtype_name]
    t = from_buffer_array(arr, d) if d is dt.bfloat16 else host_to_tensor(arr, d)
    return t.requires_grad_(requires_grad) if requires_grad else t


def clone(input, *, memory_format=None) -> Tensor:
    """Values are immutable nodes, so a copy is a new tensor on the same value; an identity
    CAST keeps it a distinct step for autograd (CloneBackward)."""
    return apply(Op.CAST, [input], input.dtype, tuple(input.shape), input.dtype)


# -- constant fills ------------------------------------------------------------------------------
def _scalar(x):
    return x.item() if isinstance(x, Tensor) else x


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False) -> Tensor:
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    size = _shape_arg(size, "full")
    fill_value = _scalar(fill_value)
    d = _dtype_for_out(dtype, out) or _infer_dtype(fill_value)
    _check_python_range(np.asarray(fill_value), d)
    return write_out(_finish(const(fill_value, d, size), requires_grad, device), out)


def _fill(value, op: str):
    def factory(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False,
                memory_format=None) -> Tensor:
        d = _dtype_for_out(dtype, out) or state.default_dtype
        return write_out(_finish(const(value, d, _shape_arg(size, op)), requires_grad, device), out)
    factory.__name__ = factory.__qualname__ = op
    factory.__doc__ = f"torch.{op}(*size): a tensor filled with {value} (the default float type unless dtype=)."
    return factory


zeros = _fill(0, "zeros")
ones = _fill(1, "ones")
# tjit never exposes uninitialized memory: empty is zeros
empty = _fill(0, "empty")


def _like(factory):
    def like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
        return factory(tuple(input.shape), dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)
    like.__name__ = like.__qualname__ = factory.__name__ + "_like"
    like.__doc__ = f"torch.{like.__name__}: {factory.__name__} with input's shape and dtype."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
        if v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    rows = Tensor._from_node(node(Op.IOTA, (), dt.int64, (n, m), 0))
    cols = Tensor._from_node(node(Op.IOTA, (), dt.int64, (n, m), 1))
    d = _dtype_for_out(dtype, out) or state.default_dtype
    return write_out(_finish(cast(rows == cols, d), requires_grad, device), out)


# -- ranges --------------------------------------------------------------------------------------
def _iota(n: int, dtype: dt.DType) -> Tensor:
    return Tensor._from_node(node(Op.IOTA, (), dtype, (n,), 0))


def _is_float_arg(v) -> bool:
    return isinstance(v, (float, np.floating)) or (isinstance(v, Tensor) and v.dtype.kind == "f")


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    """start + i * step in torch's accumulate type: double for floating results; int64 for
    integer results, with start and step truncated first.  The length is ceil((end - start)
    / step) in double, except for int64, which uses exact integer arithmetic on the
    truncated bounds."""
    if end is None:
        start, end = 0, start
    is_float = any(_is_float_arg(v) for v in (start, end, step))
    start, end, step = (_scalar(v) for v in (start, end, step))
    d = _dtype_for_out(dtype, out) or (state.default_dtype if is_float else dt.int64)
    fs, fe, fstep = float(start), float(end), float(step)
    if fstep == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(fs) and math.isfinite(fe)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (fstep > 0 and fe < fs) or (fstep < 0 and fe > fs):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if d.kind == "f":
        acc, xs, xstep = dt.float64, fs, fstep
        n = math.ceil((fe - fs) / fstep)
    else:
        acc, xs, xstep = dt.int64, int(start), int(step)
        n = _int64_arange_size(xs, int(end), xstep) if d is dt.int64 else math.ceil((fe - fs) / fstep)
    t = _iota(max(n, 0), acc) * const(xstep, acc) + const(xs, acc)
    return write_out(_finish(cast(t, d), requires_grad, device), out)


def _int64_arange_size(xs: int, xe: int, xstep: int) -> int:
    """(xe - xs + xstep - sign(xstep)) / xstep with C's truncating division."""
    if xstep == 0:
        raise ValueError("step must be nonzero")
    num = xe - xs + xstep - (1 if xstep > 0 else -1)
    q = abs(num) // abs(xstep)
    return q if (num >= 0) == (xstep > 0) else -q


def range_(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    """torch.range (deprecated): like arange but includes `end`."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    n = int(math.floor((end - start) / step)) + 1
    d = dtype or state.default_dtype
    return _finish(cast(_iota(n, dt.float64) * float(step) + float(start), d), requires_grad, device)


def _linear_steps(start, end, steps: int, d: dt.DType) -> Tensor:
    """torch's linspace kernel: start and end are converted to the result type first; the
    step is in that type for floats (double for integers); the first half counts up from
    start, the second half down from end, so both ends are exact."""
    if d.kind == "f":
        cd = d if d in (dt.float32, dt.float64) else dt.float32
        conv = np.float32 if cd is dt.float32 else np.float64
        s, e = conv(start), conv(end)
        step = float((e - s) / conv(max(steps - 1, 1)))
        s, e = float(s), float(e)
    else:
        cd = dt.float64
        s, e = (int(np.array(int(v)).astype(d.np)) for v in (start, end))  # wraps like a C cast
        step = (float(e) - float(s)) / max(steps - 1, 1)
    i = _iota(steps, cd)
    up = i * const(step, cd) + const(s, cd)
    down = const(e, cd) - (const(steps - 1, cd) - i) * const(step, cd)
    from .pointwise import where
    return where(i < steps // 2, up, down)


def _check_steps(steps) -> None:
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    _check_steps(steps)
    start, end = _scalar(start), _scalar(end)
    d = _dtype_for_out(dtype, out) or state.default_dtype
    t = _linear_steps(start, end, steps, d) if steps != 1 else const(start, d, (1,))
    return write_out(_finish(cast(t, d), requires_grad, device), out)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, out=None,
             layout=None) -> Tensor:
    """base ** (linspace exponents), the power taken in double as torch's kernel does."""
    _check_steps(steps)
    start, end = _scalar(start), _scalar(end)
    d = _dtype_for_out(dtype, out) or state.default_dtype
    exps = _linear_steps(start, end, steps, d) if steps != 1 else const(start, d, (1,))
    if d.kind != "f":
        exps = cast(exps, d)
    from .pointwise import pow as pow_
    t = pow_(const(float(base), dt.float64), cast(exps, dt.float64))
    return write_out(_finish(cast(t, d), requires_grad, device), out)


# -- random ------------------------------------------------------------------------------------
# random mantissa bits torch draws per type (float32 and float64 use all of RAND's 24 / 53)
_HALF_DIGITS = {"float16": 11, "bfloat16": 8}


def _uniform01(shape, dtype: dt.DType, generator=None) -> Tensor:
    """Uniform [0, 1) values drawn from the generator's counter.  Half types keep only as
    many bits as their mantissa holds, as torch does, so no value rounds up to 1."""
    gen = generator or state.default_generator
    n = 1
    for s in shape:
        n *= s
    seed, offset = gen.take(n)
    rd = dt.float64 if dtype is dt.float64 else dt.float32
    u = Tensor._from_node(node(Op.RAND, (), rd, tuple(shape), RandKey(seed, offset)))
    if engine.trace_log is not None:
        engine.trace_log.draws.append((gen, u._node))
    digits = _HALF_DIGITS.get(dtype.name)
    if digits is None:
        return u
    from .pointwise import floor
    return floor(u * float(2 ** digits)) * (2.0 ** -digits)


def _require_float(d: dt.DType, kernel: str) -> None:
    if d.kind != "f":
        raise unsupported(kernel, d)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False) -> Tensor:
    d = _dtype_for_out(dtype, out) or state.default_dtype
    _require_float(d, "check_uniform_bounds")
    return write_out(_finish(cast(_uniform01(_shape_arg(size, "rand"), d, generator), d), requires_grad, device), out)


def _standard_normal(shape, d: dt.DType, generator=None) -> Tensor:
    """Box-Muller on two independent uniform streams (float32 ones for half types: full
    resolution in the tails); fuses into the consumer."""
    ud = dt.float64 if d is dt.float64 else dt.float32
    u1 = _uniform01(shape, ud, generator)
    u2 = _uniform01(shape, ud, generator)
    from .pointwise import cos, log, sqrt
    r = sqrt(log(1.0 - u1) * -2.0)
    return r * cos(u2 * (2 * math.pi))


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          pin_memory=False) -> Tensor:
    d = _dtype_for_out(dtype, out) or state.default_dtype
    _require_float(d, "normal_kernel_cpu")
    t = cast(_standard_normal(_shape_arg(size, "randn"), d, generator), d)
    return write_out(_finish(t, requires_grad, device), out)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return rand(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return randn(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def _randint_bounds(low, high, d: dt.DType) -> None:
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if d.kind in "iu":
        info = np.iinfo(d.np)
        c_name = {"uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
                  "int64": "long"}[d.name]
        if low < info.min or low > info.max:
            raise RuntimeError(f"from is out of bounds for {c_name}")
        if high - 1 > info.max:
            raise RuntimeError(f"to - 1 is out of bounds for {c_name}")


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
            out=None, layout=None) -> Tensor:
    """Uniform integers in [low, high): floor(u * (high - low)) + low with 53-bit u."""
    if size is None:
        low, high, size = 0, low, high
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    d = _dtype_for_out(dtype, out) or dt.int64
    low, high = int(_scalar(low)), int(_scalar(high))
    _randint_bounds(low, high, d)
    u = _uniform01(_shape_arg(size, "randint"), dt.float64, generator)
    from .pointwise import floor
    t = floor(u * float(high - low)) + float(low)
    return write_out(_finish(cast(t, d), requires_grad, device), out)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def _check_std(std) -> None:
    if isinstance(std, Tensor):
        from .reduction import any as any_
        if std.numel() and bool(any_(std < 0).item()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad=False, means=None) -> Tensor:
    """normal(mean, std) with tensor or float mean/std (the result takes the mean tensor's
    dtype, else the std tensor's), or normal(mean, std, size) with floats.  `means=` is the
    manual's legacy keyword for `mean`."""
    if means is not None:
        mean = means
    _check_std(std)
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    if tensors:
        from .._prim import broadcast_shapes
        shape = broadcast_shapes(*(x.shape for x in tensors), op="normal")
        d = tensors[0].dtype
        _require_float(d, "normal_kernel_cpu")
        t = _standard_normal(shape, d, generator) * std + mean
        return write_out(cast(t, d), out)
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments - with float mean and std it needs "
                        "a size")
    d = _dtype_for_out(dtype, out) or state.default_dtype
    _require_float(d, "normal_kernel_cpu")
    t = _standard_normal(_shape_arg((size,) if isinstance(size, int) else size, "normal"), d, generator) * std + mean
    return write_out(_finish(cast(t, d), requires_grad, device), out)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """1 with probability `p` (default: input's values, which must lie in [0, 1]), else 0."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if p is None:
        _require_float(input.dtype, "bernoulli_tensor_cpu_p_")
        from .reduction import any as any_
        if input.numel() and bool(any_(~((input >= 0) & (input <= 1))).item()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement request to PyTorch.)")
        prob = input
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        prob = p
    u = _uniform01(tuple(input.shape), input.dtype, generator)
    return write_out(cast(u < prob, input.dtype), out)


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


# -- legacy tensor types -----------------------------------------------------------------------
class _LegacyTensorType:
    """torch.FloatTensor and friends: FloatTensor(data) / FloatTensor(*sizes) build a tensor
    of that dtype, isinstance(t, FloatTensor) checks the dtype, and they name a default type
    for set_default_tensor_type."""

    def __init__(self, name: str, dtype: dt.DType):
        self.__name__ = self.__qualname__ = name
        self.dtype = dtype

    def __call__(self, *args, device=None):
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            return tensor(args[0], dtype=self.dtype, device=device)
        return empty(*args, dtype=self.dtype, device=device)

    def __instancecheck__(self, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == self.dtype

    def __repr__(self) -> str:
        return f"<class 'tjit.{self.__name__}'>"


FloatTensor = _LegacyTensorType("FloatTensor", dt.float32)
DoubleTensor = _LegacyTensorType("DoubleTensor", dt.float64)
HalfTensor = _LegacyTensorType("HalfTensor", dt.float16)
BFloat16Tensor = _LegacyTensorType("BFloat16Tensor", dt.bfloat16)
LongTensor = _LegacyTensorType("LongTensor", dt.int64)
IntTensor = _LegacyTensorType("IntTensor", dt.int32)
ShortTensor = _LegacyTensorType("ShortTensor", dt.int16)
CharTensor = _LegacyTensorType("CharTensor", dt.int8)
ByteTensor = _LegacyTensorType("ByteTensor", dt.uint8)
BoolTensor = _LegacyTensorType("BoolTensor", dt.bool_)
LEGACY_TYPES = {f"torch.{t.__name__}": t for t in (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor,
                                                   IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor)}
