"""The primitive layer of the frontend: every tensor op ends up here.

`apply(op, inputs, ...)` builds one graph node from tensors and wraps it; it is the single
place where autograd records the tape (tjit.autograd hooks in through `record`).  The
helpers here implement torch's broadcasting and type-promotion rules for the op modules.
"""
from __future__ import annotations

import math
from numbers import Number

from tjit.ir import dtype as dt
from tjit.ir.graph import node
from tjit.ir.ops import Op

from . import state
from ._tensor import Tensor
from .state import mode as _mode  # this thread's grad mode

# tjit.autograd installs a recorder here: record(out, op, inputs, arg) -> None
record = None
# a pending graph deeper than this is realized on its own (bounded laziness: a loop that never
# reads a value grows its graph's depth, so it cannot grow memory or compile time without
# limit).  Depth, not node count: counts of a DAG's nodes are either expensive or, summed
# per path, explode on shared subgraphs (an LSTM's h and c) and would cut ordinary graphs.
PENDING_DEPTH_BUDGET = 400


def apply(op: Op, inputs: list, dtype: dt.DType, shape: tuple, arg=None):
    n = node(op, tuple([t._node for t in inputs]), dtype, shape, arg)
    out = _new_tensor(Tensor)
    out._node_ = n
    if record is not None and _mode.grad_enabled:
        for t in inputs:
            if t.requires_grad_flag:
                record(out, op, inputs, arg)
                break
    if n.depth > PENDING_DEPTH_BUDGET:
        out.realize()
    return out


_new_tensor = object.__new__


def alias(t):
    """A new tensor object on t's value (results never alias their input object).  For
    autograd it is an identity step, so the gradient still reaches t."""
    out = Tensor._from_node(t._node)
    if record is not None and _mode.grad_enabled and t.requires_grad:
        record(out, Op.RESHAPE, [t], tuple(t.shape))
    return out


# -- broadcasting ------------------------------------------------------------------------
def broadcast_shapes(*shapes, op: str = "") -> tuple:
    first = shapes[0] if shapes else ()
    for s in shapes:
        if s != first:
            break
    else:
        return tuple(first)
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, d in enumerate(s):
            j = ndim - len(s) + i
            if d == out[j] or d == 1:
                continue
            if out[j] == 1:
                out[j] = d
                continue
            a, b = (out[j], d)
            raise RuntimeError(f"{op + ': ' if op else ''}The size of tensor a ({a}) must match the size of "
                               f"tensor b ({b}) at non-singleton dimension {i}")
    return tuple(out)


def expand_to(t, shape: tuple):
    if tuple(t.shape) == tuple(shape):
        return t
    if t.ndim < len(shape):
        t = reshape(t, (1,) * (len(shape) - t.ndim) + tuple(t.shape))
    if tuple(t.shape) == tuple(shape):
        return t
    return apply(Op.EXPAND, [t], t.dtype, shape, tuple(shape))


def reshape(t, shape: tuple):
    shape = tuple(shape)
    if tuple(t.shape) == shape:
        return t
    return apply(Op.RESHAPE, [t], t.dtype, shape, shape)


def cast(t, dtype: dt.DType):
    if t.dtype == dtype:
        return t
    return apply(Op.CAST, [t], dtype, t.shape, dtype)


# -- type promotion ----------------------------------------------------------------------
def scalar_dtype(x) -> dt.DType:
    if isinstance(x, bool):
        return dt.bool_
    if isinstance(x, int):
        return dt.int64
    if isinstance(x, float):
        return state.default_dtype
    if isinstance(x, complex):
        raise TypeError("complex numbers are not supported by tjit")
    raise TypeError(f"expected a Tensor or a Python number, got {type(x).__name__}")


def result_type(*operands) -> dt.DType:
    """torch.result_type: tensors with dimensions, 0-d tensors and Python numbers are
    promoted in three tiers; a lower tier only matters when it is of a higher category
    (bool < integer < float)."""
    if len(operands) == 2:  # the common cases, without the general walk
        a, b = operands
        if isinstance(a, Tensor):
            d = a._node_.dtype
            if isinstance(b, Tensor):
                if b._node_.dtype is d:
                    return d
            elif type(b) is float and d.kind == "f" or type(b) is int and d.kind in "iuf":
                return d
    tiers = [None, None, None]
    for x in operands:
        if isinstance(x, Tensor):
            tier, d = (0 if x.ndim > 0 else 1), x.dtype
        else:
            tier, d = 2, scalar_dtype(x)
        tiers[tier] = d if tiers[tier] is None else dt.promote_types(tiers[tier], d)
    return _combine(tiers[0], _combine(tiers[1], tiers[2]))


def _combine(higher, lower):
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return dt.promote_types(higher, lower)
    return higher


_CONSTS: dict = {}


def const(value, dtype: dt.DType, shape=()):
    """A constant tensor (a CONST node; never materialized unless asked for)."""
    if type(value) is float and dtype.kind == "f":
        # a loop's scalars repeat: small constants' nodes are kept (a few hundred at most;
        # small, so a realized one holds little memory) and the next use skips interning.
        # Zeros are keyed by sign (-0.0 == 0.0); NaN is never found.
        shape = shape if type(shape) is tuple else tuple(shape)
        key = (value if value else repr(value), dtype, shape)
        n = _CONSTS.get(key)
        if n is None:
            n = node(Op.CONST, (), dtype, shape, value)
            if math.prod(shape) <= 4096:
                if len(_CONSTS) >= 512:
                    _CONSTS.clear()
                _CONSTS[key] = n
        out = _new_tensor(Tensor)
        out._node_ = n
        return out
    if dtype.kind == "b":
        value = bool(value)
    elif dtype.kind in "iu":
        if isinstance(value, float) and not math.isfinite(value):
            raise RuntimeError(f"value cannot be converted to type {_C_NAMES[dtype.name]} without overflow")
        value = int(value)
    else:
        value = float(value)
    return Tensor._from_node(node(Op.CONST, (), dtype, tuple(shape), value))


_C_NAMES = {"int64": "int64_t", "int32": "int32_t", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t"}


def to_tensor(x, dtype: dt.DType | None = None):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Number):
        return const(x, dtype or scalar_dtype(x))
    from .ops.creation import tensor
    return tensor(x, dtype=dtype)


def elementwise(op: Op, *args, out_dtype: dt.DType | None = None, compute_dtype: dt.DType | None = None,
                name: str = ""):
    """Broadcast, promote, and apply an elementwise primitive.  `compute_dtype` overrides
    the promoted type the inputs are cast to; `out_dtype` the result's (comparisons: bool)."""
    common = compute_dtype or result_type(*args)
    if len(args) == 2:
        fast = _same_shape_binary(op, args[0], args[1], common, out_dtype)
        if fast is not None:
            return fast
    shape = broadcast_shapes(*(a._node.shape for a in args if isinstance(a, Tensor)), op=name)
    # a Python number becomes a constant of the final shape directly (one node, not three)
    tensors = [expand_to(cast(a, common), shape) if isinstance(a, Tensor) else
               (const(a, common, shape) if isinstance(a, Number) else expand_to(cast(to_tensor(a, common), common), shape))
               for a in args]
    return apply(op, tensors, out_dtype or common, shape)


def _same_shape_binary(op: Op, a, b, common: dt.DType, out_dtype):
    """`elementwise` for two tensors of one shape and the common dtype, or a tensor and a
    Python float/int in its dtype: no broadcasting or casts to consider (most ops)."""
    if not isinstance(a, Tensor) or a._node_.dtype is not common:
        return None
    shape = a._node_.shape
    if isinstance(b, Tensor):
        if b._node_.dtype is not common or b._node_.shape != shape:
            return None
    elif type(b) is float and common.kind == "f":
        b = const(b, common, shape)
    else:
        return None
    return apply(op, (a, b), out_dtype or common, shape)


def broadcast_cast(common: dt.DType, name: str, *args):
    """The arguments (tensors or numbers) as tensors of `common`, broadcast to one shape."""
    ts = [cast(to_tensor(x, common), common) for x in args]
    shape = broadcast_shapes(*(t.shape for t in ts), op=name)
    return [expand_to(t, shape) for t in ts]


def float_dtype_of(*args) -> dt.DType:
    """Ops like exp/sqrt/true division compute integers in the default float type."""
    d = result_type(*args)
    return d if d.kind == "f" else state.default_dtype


def normalize_dim(dim: int, ndim: int, op: str = "") -> int:
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    n = max(ndim, 1)
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def normalize_dims(dims, ndim: int, op: str = "") -> tuple:
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(normalize_dim(d, ndim, op) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {out} appears multiple times in the list of dims")
    return out


# -- argument checks and torch's error messages --------------------------------------------
_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def torch_name(d: dt.DType) -> str:
    """The scalar-type name torch's messages use ('Float', 'Long', ...)."""
    return _TORCH_NAMES[d.name]


def unsupported(kernel: str, d: dt.DType) -> NotImplementedError:
    """torch's error for a dtype its kernel is not compiled for."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{torch_name(d)}\'')


FLOAT_ONLY = "f"
NO_BOOL = "fiu"


def require_kind(kernel: str, d: dt.DType, kinds: str) -> None:
    """Raise torch's NotImplementedError when its kernel has no version for `d` (kinds: the
    DType.kind letters it supports)."""
    if d.kind not in kinds:
        raise unsupported(kernel, d)


_C10_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool"}


def c10_name(d: dt.DType) -> str:
    """The C++ type name some torch messages print ('float', 'long int')."""
    return _C10_NAMES[d.name]


def expect_tensor(x, op: str, name: str = "input", pos: int = 1) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def expect_operand(x, op: str, name: str = "other", pos: int = 2) -> None:
    """Arguments that may be a Tensor or a Python number (torch's `Scalar` overloads)."""
    if not isinstance(x, (Tensor, Number)) or isinstance(x, complex):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor or Number, not {type(x).__name__}")


def binary_args(op: str, input, other, input_number: bool = False) -> None:
    """torch's overloads: (Tensor, Tensor) and (Tensor, Scalar); a few also (Scalar, Tensor)."""
    if input_number and not isinstance(input, Tensor):
        expect_operand(input, op, "input", 1)
        expect_tensor(other, op, "other", 2)
    else:
        expect_tensor(input, op, "input", 1)
        expect_operand(other, op, "other", 2)


def both_tensors(op: str, input, other) -> None:
    expect_tensor(input, op, "input", 1)
    expect_tensor(other, op, "other", 2)


def can_cast(src: dt.DType, dst: dt.DType) -> bool:
    """torch.can_cast: into the same or a higher category (bool < integer < float), never
    down (a float result into an integer tensor, a number into a bool tensor)."""
    return dt.category(src) <= dt.category(dst)


def _check_cast(src: dt.DType, dst: dt.DType) -> None:
    if not can_cast(src, dst):
        raise RuntimeError(f"result type {torch_name(src)} can't be cast to the desired output type {torch_name(dst)}")


def inplace(self, fn, args, kwargs, op: str):
    """self.op_(*args): `fn(self, *args)` written into self.  torch checks that the type
    promoted from self and the op's other operand can be written into self before it looks
    for a kernel, so that error comes first (`int_tensor &= 1.5` is a cast error, not a
    missing float kernel)."""
    try:
        result = fn(self, *args, **kwargs)
    except NotImplementedError:
        other = [a for a in args[:1] if isinstance(a, (Number, Tensor))]
        _check_cast(result_type(self, *other), self.dtype)
        raise
    return self._assign(check_inplace(self, result, op))


def check_inplace(self, result, op: str = ""):
    """An in-place op writes its result into `self`: the result must not need a larger shape
    or a higher dtype category than self has."""
    if tuple(result.shape) != tuple(self.shape):
        shape = broadcast_shapes(self.shape, result.shape, op=op)
        if shape != tuple(self.shape):
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(shape)}")
    _check_cast(result.dtype, self.dtype)
    return result


def write_out(result, out, same_dtype: bool = False):
    """The `out=` argument: the result is cast into `out`; an `out` of another shape is
    resized (with torch's warning when it held elements).  Ops whose kernels compute in
    their input's type (`same_dtype`: abs, floor, clamp, ...) want an `out` of that type."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if same_dtype and out.dtype != result.dtype:
        raise RuntimeError(f"Found dtype {torch_name(out.dtype)} but expected {torch_name(result.dtype)}")
    _check_cast(result.dtype, out.dtype)
    if tuple(out.shape) == tuple(result.shape):
        return out._assign(result)
    if out.numel() != 0:
        import warnings
        warnings.warn(f"An output with one or more elements was resized since it had shape {list(out.shape)}, which "
                      f"does not match the required output shape {list(result.shape)}. This behavior is deprecated, "
                      "and in a future PyTorch release outputs will not be resized unless they have zero elements. "
                      "You can explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                      "t.resize_(0).", UserWarning, stacklevel=3)
    out._node = cast(result, out.dtype)._node
    out._base, out._view_meta = None, None
    out._version += 1
    return out
