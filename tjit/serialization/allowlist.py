"""The globals a checkpoint's pickle may reference, and the local stand-ins they resolve to.

The allow-list mirrors what torch's ``weights_only`` unpickler allows for plain data. Each
entry maps to an argument-checking stand-in: tensor rebuild functions produce
:class:`Pending` records (turned into real tensors by ``from_array`` at the end), storage
classes and dtypes are :class:`Marker` s. Nothing here imports or calls user code.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from pickle import UnpicklingError

import numpy as np

from .common import DTYPES


class Marker:
    """A named stand-in for a torch object (dtype, storage class, Tensor ...)."""

    __slots__ = ("kind", "name")

    def __init__(self, kind: str, name: str):
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name}>"


class Storage:
    """The bytes of one storage record, viewed as ``dtype`` (canonical name, "uint8" if untyped)."""

    __slots__ = ("buf", "dtype", "key", "big_endian")

    def __init__(self, buf, dtype, key, big_endian):
        self.buf = buf            # writable bytes-like, exactly the record's bytes
        self.dtype = dtype        # canonical dtype name, or "uint8" for untyped
        self.key = key
        self.big_endian = big_endian

    def typed(self, dtype: str) -> np.ndarray:
        np_dtype = DTYPES[dtype][0]
        if dtype == "bool":
            np_dtype = np.dtype(np.uint8)  # normalised to 0/1 after the copy
        np_dtype = np_dtype.newbyteorder(">" if self.big_endian else "<")
        n = len(self.buf) // np_dtype.itemsize
        return np.frombuffer(self.buf, dtype=np_dtype, count=n)


class Pending:
    """A tensor decoded from the pickle; turned into a real one by from_array at the end."""

    __slots__ = ("array", "dtype", "requires_grad", "is_parameter")

    def __init__(self, array, dtype, requires_grad, is_parameter):
        self.array = array
        self.dtype = dtype
        self.requires_grad = requires_grad
        self.is_parameter = is_parameter


def check_int(x, what) -> int:
    if type(x) is not int:
        raise UnpicklingError(f"{what} must be an int, got {type(x).__name__}")
    return x


def _check_int_tuple(x, what) -> tuple:
    if type(x) not in (tuple, list) or any(type(v) is not int for v in x):
        raise UnpicklingError(f"{what} must be a tuple of ints, got {x!r}"[:200])
    return tuple(x)


def _check_storage(x) -> None:
    if not isinstance(x, Storage):
        raise UnpicklingError(f"expected a storage, got {type(x).__name__}")


def _check_requires_grad(x) -> None:
    if type(x) is not bool:
        raise UnpicklingError("requires_grad must be a bool")


def _view(storage: Storage, dtype, offset, size, stride) -> np.ndarray:
    """as_strided view of the storage, bounds-checked, copied to C-contiguous native."""
    offset = check_int(offset, "storage_offset")
    size = _check_int_tuple(size, "size")
    stride = _check_int_tuple(stride, "stride")
    if len(size) != len(stride):
        raise UnpicklingError(f"size {size} and stride {stride} differ in length")
    if offset < 0 or any(n < 0 for n in size) or any(s < 0 for s in stride):
        raise UnpicklingError(
            f"negative storage_offset/size/stride: {offset}, {size}, {stride}")
    flat = storage.typed(dtype)
    native = DTYPES[dtype][0]
    if any(n == 0 for n in size):
        return np.empty(size, dtype=native)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= flat.shape[0]:
        raise UnpicklingError(
            f"tensor (offset {offset}, size {size}, stride {stride}) reaches element "
            f"{last} of storage {storage.key!r} which holds only {flat.shape[0]} elements")
    item = flat.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        flat[offset:], shape=size, strides=tuple(s * item for s in stride), writeable=False)
    out = np.empty(size, dtype=native)
    if dtype == "bool":
        np.not_equal(view, 0, out=out)
    else:
        out[...] = view
    return out


def _rebuild_tensor(storage, storage_offset, size, stride):
    _check_storage(storage)
    arr = _view(storage, storage.dtype, storage_offset, size, stride)
    return Pending(arr, storage.dtype, False, False)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    _check_requires_grad(requires_grad)
    t.requires_grad = requires_grad
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    _check_storage(storage)
    if not (isinstance(dtype, Marker) and dtype.kind == "dtype"):
        raise UnpicklingError(f"expected a dtype, got {dtype!r}")
    arr = _view(storage, dtype.name, storage_offset, size, stride)
    _check_requires_grad(requires_grad)
    return Pending(arr, dtype.name, requires_grad, False)


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    if not isinstance(data, Pending):
        raise UnpicklingError(f"_rebuild_parameter expects a tensor, got {type(data).__name__}")
    _check_requires_grad(requires_grad)
    return Pending(data.array, data.dtype, requires_grad, True)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    # the extra Python attributes in ``state`` are dropped
    return _rebuild_parameter(data, requires_grad, backward_hooks)


TENSOR = Marker("class", "torch.Tensor")
PARAMETER = Marker("class", "torch.nn.Parameter")
_REBUILD_FUNCS = {_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                  _rebuild_parameter_with_state}


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILD_FUNCS:
        raise UnpicklingError(f"_rebuild_from_type_v2: unsupported function {func!r}")
    if type(args) is not tuple:
        raise UnpicklingError("_rebuild_from_type_v2: args must be a tuple")
    t = func(*args)
    if not isinstance(t, Pending):
        raise UnpicklingError("_rebuild_from_type_v2: did not produce a tensor")
    if new_type is PARAMETER:
        return Pending(t.array, t.dtype, t.requires_grad, True)
    if new_type is not TENSOR:
        raise UnpicklingError(f"_rebuild_from_type_v2: unsupported tensor type {new_type!r}")
    return t  # python attributes in ``state`` are dropped


def make_parameter(data=None, requires_grad=True):
    """What calling (REDUCE) or instantiating (NEWOBJ) ``torch.nn.Parameter`` yields."""
    if not isinstance(data, Pending):
        raise UnpicklingError("torch.nn.Parameter expects a tensor")
    return Pending(data.array, data.dtype, bool(requires_grad), True)


def _torch_size(*args):
    if len(args) == 0:
        return ()
    if len(args) != 1:
        raise UnpicklingError("torch.Size takes one argument")
    return _check_int_tuple(args[0], "torch.Size")


def _torch_device(type_, index=None):
    if type(type_) is not str or (index is not None and type(index) is not int):
        raise UnpicklingError("torch.device expects (str, int | None)")
    return type_ if index is None or ":" in type_ else f"{type_}:{index}"


def _codecs_encode(obj, encoding="utf-8", errors="strict"):
    if type(obj) is not str or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise UnpicklingError(f"_codecs.encode only decodes str with latin1/utf-8, got {encoding!r}")
    return obj.encode(encoding, errors if errors in ("strict", "surrogatepass") else "strict")


def _bytearray(*args):
    if len(args) == 0:
        return bytearray()
    if len(args) != 1 or type(args[0]) not in (bytes, bytearray):
        raise UnpicklingError("builtins.bytearray only accepts a bytes argument")
    return bytearray(args[0])


def _complex(real=0.0, imag=0.0):
    if type(real) not in (int, float) or type(imag) not in (int, float):
        raise UnpicklingError("builtins.complex only accepts numbers")
    return complex(real, imag)


def _set(*args):
    if len(args) > 1:
        raise UnpicklingError("builtins.set takes at most one argument")
    if args and type(args[0]) not in (list, tuple, set, frozenset):
        raise UnpicklingError("builtins.set only accepts a list")
    return set(*args)


def _build_allowed_globals() -> dict:
    g = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.nn.parameter.Parameter": PARAMETER,
        "torch.Tensor": TENSOR,
        "torch.Size": _torch_size,
        "torch.device": _torch_device,
        "_codecs.encode": _codecs_encode,
        "builtins.bytearray": _bytearray,
        "builtins.set": _set,
        "builtins.complex": _complex,
    }
    for name in DTYPES:
        g[f"torch.{name}"] = Marker("dtype", name)
    for name, (_, storage_cls, _) in DTYPES.items():
        g[f"torch.{storage_cls}"] = Marker("storage", name)
    g["torch.storage.UntypedStorage"] = Marker("storage", "uint8")
    g["torch.UntypedStorage"] = g["torch.storage.UntypedStorage"]
    return g


ALLOWED_GLOBALS = _build_allowed_globals()
# what REDUCE may call (by identity): the allowed functions and classes, not the markers
CALLABLE = {id(v): v for v in ALLOWED_GLOBALS.values()
            if not isinstance(v, Marker) or v is PARAMETER}

# torch dtypes / storage classes that torch's weights_only unpickler allows but
# that tjit cannot represent: recognised (so the error is precise) but refused.
UNSUPPORTED_TORCH_NAMES = {
    "complex32", "complex64", "complex128", "uint16", "uint32", "uint64",
    "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
    "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32",
    "quint4x2", "quint2x4", "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2",
    "cfloat", "cdouble", "chalf",
    "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7",
    "int1", "int2", "int3", "int4", "int5", "int6", "int7",
    "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage",
    "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage",
}
