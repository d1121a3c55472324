"""Tensor methods, in-place `_` forms and Python operators, bound from the op modules."""
from __future__ import annotations

from tjit.ir import dtype as dt

from .._prim import cast, inplace, to_tensor
from .._tensor import Tensor
from ..autograd_hooks import grad_name
from . import creation, indexing, linalg, pointwise as P, reduction as R, shape as S, strided, subscript

# functions whose first argument is the tensor: torch.f(x, ...) == x.f(...)
_METHOD_MODULES = (P, R, S, linalg, indexing)
_SKIP = {"where", "cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
         "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_tensors", "extern", "reduce", "slice_dim",
         "einsum", "chain_matmul", "multi_dot", "index_put_", "tensordot", "eig", "nonzero", "argwhere"}

# in-place forms: x.add_(y) == x._assign(x.add(y))
_INPLACE = ["add", "relu", "sub", "mul", "div", "true_divide", "floor_divide", "fmod", "remainder", "pow", "neg", "abs",
            "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "asin",
            "acos", "atan", "atan2", "sinh", "cosh", "sigmoid", "reciprocal", "floor", "ceil", "trunc", "round", "frac",
            "sign", "clamp", "clip", "clamp_min", "clamp_max", "addcmul", "addcdiv", "lerp", "erf", "square", "eq",
            "ne", "lt", "le", "gt", "ge", "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_and",
            "bitwise_or", "bitwise_xor", "bitwise_not", "masked_fill", "scatter", "scatter_add", "scatter_reduce",
            "index_add", "index_copy", "index_fill", "tril", "triu", "nan_to_num", "hypot", "fix", "exp2", "xlogy",
            "maximum", "minimum", "float_power", "masked_scatter", "addmm", "addmv", "baddbmm", "addbmm", "addr",
            "renorm", "negative", "absolute", "arcsin", "arccos", "arctan", "subtract", "multiply", "divide", "relu",
            "fill_diagonal", "index_put", "put"]


def _inplace(name, fn):
    def method(self, *args, **kwargs):
        strided.check_no_partial_overlap(self, args + tuple(kwargs.values()))
        return inplace(self, fn, args, kwargs, name + "_")
    method.__name__ = name + "_"
    return method


def _type_conversion(d):
    def method(self, memory_format=None):
        return cast(self, d)
    return method


def to(self, *args, **kwargs):
    """x.to(dtype) / x.to(device) / x.to(other) / x.to(device, dtype)."""
    d = kwargs.get("dtype")
    for a in args:
        if isinstance(a, dt.DType):
            d = a
        elif isinstance(a, Tensor):
            d = a.dtype
        elif a is not None and not isinstance(a, bool):
            from .._tensor import device
            if device(a).type != "cpu":
                raise RuntimeError(f"device {a} is not available: tjit runs on the CPU on this machine")
    dev = kwargs.get("device")
    if dev is not None:
        from .._tensor import device
        if device(dev).type != "cpu":
            raise RuntimeError(f"device {dev} is not available: tjit runs on the CPU on this machine")
    if d is None or d == self.dtype:
        return self if not kwargs.get("copy") else creation.clone(self)
    return cast(self, d)


def type_(self, dtype=None, non_blocking=False):
    if dtype is None:
        return _TYPE_NAMES[self.dtype.name]
    if isinstance(dtype, str):
        dtype = {v: dt.BY_NAME[k] for k, v in _TYPE_NAMES.items()}[dtype]
    return cast(self, dtype)


_TYPE_NAMES = {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "float16": "torch.HalfTensor",
               "bfloat16": "torch.BFloat16Tensor", "int64": "torch.LongTensor", "int32": "torch.IntTensor",
               "int16": "torch.ShortTensor", "int8": "torch.CharTensor", "uint8": "torch.ByteTensor",
               "bool": "torch.BoolTensor"}


def _rsub(self, other):
    return P.rsub(self, other)


def _invert(self):
    if self.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return P.bitwise_not(self)


def _full_scalar(x, ref):
    from .._prim import const, result_type
    d = result_type(ref, x)
    return const(x, d)


@grad_name("PowBackward2")
def _rpow(self, other):
    return P.pow(_full_scalar(other, self), self)


def _fill(self, value):
    from ..autograd import graph
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
    out = self._assign(to_tensor(value, self.dtype), overlap_ok=True)
    return graph.overwritten_as(out, graph.FillBackward3) if isinstance(value, Tensor) else out


def _zero(self):
    from ..autograd import graph
    return graph.overwritten_as(_fill(self, 0), graph.ZeroBackward0)


def _copy_(self, src, non_blocking=False):
    from ..autograd import graph
    strided.check_no_partial_overlap(self, (src,))
    return graph.overwritten_as(self._assign(src), graph.CopyBackwards)


def _detach(self):
    """A view of the same storage with no history: in-place writes show in both."""
    return strided.as_view(Tensor._from_node(self._node), self, (tuple(self.shape), self.stride(), self.storage_offset()))


def _random_(self, low=0, high=None, *, generator=None):
    if high is None:
        low, high = 0, low
    return self._assign(creation.randint(low, high, tuple(self.shape), generator=generator, dtype=self.dtype))


def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    u = creation._uniform01(tuple(self.shape), self.dtype, generator)
    return self._assign(u * (b - a) + a)


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    return self._assign(creation._standard_normal(tuple(self.shape), self.dtype, generator) * std + mean)


def _bernoulli_(self, p=0.5, *, generator=None):
    u = creation._uniform01(tuple(self.shape), dt.float32, generator)
    return self._assign(u < p)


def _exponential_(self, lambd=1.0, *, generator=None):
    u = creation._uniform01(tuple(self.shape), self.dtype, generator)
    return self._assign(P.log1p(-u) * (-1.0 / lambd))


def _new(factory):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return factory(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)
    return method


def bind() -> None:
    T = Tensor
    for mod in _METHOD_MODULES:
        for name in dir(mod):
            fn = getattr(mod, name)
            if name.startswith("_") or name in _SKIP or not callable(fn) or isinstance(fn, type):
                continue
            if getattr(fn, "__module__", "").startswith("tjit.ops") and not hasattr(T, name):
                setattr(T, name, fn)
    for name in _INPLACE:
        fn = getattr(T, name, None)
        if fn is not None:
            setattr(T, name + "_", _inplace(name, fn))
    T.where = lambda self, condition, other: P.where(condition, self, other)
    T.nonzero = lambda self, *, as_tuple=False: indexing.nonzero(self, as_tuple=as_tuple)
    T.argwhere = indexing.argwhere
    T.view = S.view
    T.clone = creation.clone
    T.to = to
    T.type = type_
    T.fill_ = _fill
    T.zero_ = _zero
    T.copy_ = _copy_
    T.detach = _detach
    T.random_ = _random_
    T.uniform_ = _uniform_
    T.normal_ = _normal_
    T.bernoulli_ = _bernoulli_
    T.exponential_ = _exponential_
    T.bernoulli = lambda self, p=None, *, generator=None: creation.bernoulli(self, p, generator=generator)
    T.index_put_ = indexing.index_put_
    T.new_zeros = _new(creation.zeros)
    T.new_ones = _new(creation.ones)
    T.new_empty = _new(creation.empty)
    T.new_full = lambda self, size, fill_value, *, dtype=None, device=None, requires_grad=False: creation.full(
        size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)
    T.new_tensor = lambda self, data, *, dtype=None, device=None, requires_grad=False: creation.tensor(
        data, dtype=dtype or self.dtype, requires_grad=requires_grad)
    for name, d in [("float", dt.float32), ("double", dt.float64), ("half", dt.float16), ("bfloat16", dt.bfloat16),
                    ("long", dt.int64), ("int", dt.int32), ("short", dt.int16), ("char", dt.int8),
                    ("byte", dt.uint8), ("bool", dt.bool_)]:
        setattr(T, name, _type_conversion(d))
    T.cpu = lambda self, memory_format=None: self
    T.cuda = lambda self, device=None, non_blocking=False: to(self, "cuda")
    T.pin_memory = lambda self: self
    # share_memory_ and is_shared are bound by tjit.multiprocessing (reductions.init_reductions)
    T.is_pinned = lambda self: False
    T.type_as = lambda self, other: cast(self, other.dtype)
    T.flatten = S.flatten
    T.sum_to_size = lambda self, *size: _sum_to_size(self, size)
    # operators
    T.__getitem__ = subscript.getitem
    T.__setitem__ = subscript.setitem
    T.__add__ = P.add  # bound directly: one Python frame less per operator
    T.__radd__ = P.add
    T.__iadd__ = lambda a, b: a.add_(b)
    T.__sub__ = P.sub
    T.__rsub__ = _rsub
    T.__isub__ = lambda a, b: a.sub_(b)
    T.__mul__ = P.mul
    T.__rmul__ = P.mul
    T.__imul__ = lambda a, b: a.mul_(b)
    T.__truediv__ = P.div
    T.__rtruediv__ = lambda a, b: P.div(_full_scalar(b, a) if not isinstance(b, Tensor) else b, a)
    T.__itruediv__ = lambda a, b: a.div_(b)
    T.__floordiv__ = lambda a, b: P.floor_divide(a, b)
    T.__rfloordiv__ = lambda a, b: P.floor_divide(_full_scalar(b, a), a)
    T.__ifloordiv__ = lambda a, b: a.floor_divide_(b)
    T.__mod__ = lambda a, b: P.remainder(a, b)
    T.__rmod__ = lambda a, b: P.remainder(_full_scalar(b, a), a)
    T.__imod__ = lambda a, b: a.remainder_(b)
    T.__pow__ = lambda a, b: P.pow(a, b)
    T.__rpow__ = _rpow
    T.__ipow__ = lambda a, b: a.pow_(b)
    T.__matmul__ = lambda a, b: linalg.matmul(a, b)
    T.__rmatmul__ = lambda a, b: linalg.matmul(b, a)
    T.__neg__ = lambda a: P.neg(a)
    T.__pos__ = P.positive
    T.__abs__ = lambda a: P.abs(a)
    T.__invert__ = _invert
    T.__and__ = lambda a, b: P.bitwise_and(a, b)
    T.__rand__ = lambda a, b: T.__and__(a, b)
    T.__iand__ = lambda a, b: a.bitwise_and_(b)
    T.__or__ = lambda a, b: P.bitwise_or(a, b)
    T.__ror__ = lambda a, b: T.__or__(a, b)
    T.__ior__ = lambda a, b: a.bitwise_or_(b)
    T.__xor__ = lambda a, b: P.bitwise_xor(a, b)
    T.__rxor__ = lambda a, b: T.__xor__(a, b)
    T.__ixor__ = lambda a, b: a.bitwise_xor_(b)
    T.__eq__ = lambda a, b: P.eq(a, b) if isinstance(b, (Tensor, int, float, bool)) else False
    T.__ne__ = lambda a, b: P.ne(a, b) if isinstance(b, (Tensor, int, float, bool)) else True
    T.__lt__ = lambda a, b: P.lt(a, b)
    T.__le__ = lambda a, b: P.le(a, b)
    T.__gt__ = lambda a, b: P.gt(a, b)
    T.__ge__ = lambda a, b: P.ge(a, b)
    T.__contains__ = lambda a, b: bool(R.any(P.eq(a, b)).item())
    T.__hash__ = object.__hash__


def _sum_to_size(x, size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    lead = x.ndim - len(size)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and x.shape[lead + i] != 1)
    out = R.sum(x, dims, keepdim=True) if dims else x
    return S.reshape(out, tuple(size))
