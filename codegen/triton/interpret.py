"""Run generated Triton kernels under TRITON_INTERPRET=1 on numpy arrays, without torch.

Triton's interpreter takes tensor-like arguments; what it touches (backends.md §7) is
`data_ptr()`, `dtype` (whose str() ends in a Triton type name), `untyped_storage()` with
`data_ptr()`, `cpu()` and `copy_()`, and `new_empty()` / `set_()` / `storage_offset()` /
`size()` / `stride()`.  `NpTensor` provides exactly that over a flat numpy array; `cpu()`
returns the storage itself, so the interpreter works in place.

libdevice calls have no interpreter implementation (extern_elementwise), so interpreted
kernels see a numpy stand-in under the name `libdevice`; the source text is unchanged.
"""
from __future__ import annotations

import numpy as np

from . import compile as tcompile
from .emit import TritonKernel

# pointer type of the launch signature -> Triton's name of the element type
_TRITON_NAME = {"*i8": "int8", "*u8": "uint8", "*i16": "int16", "*i32": "int32", "*i64": "int64",
                "*fp16": "float16", "*bf16": "bfloat16", "*fp32": "float32", "*fp64": "float64"}
_STORAGE = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
            "float16": np.float16, "bfloat16": np.uint16, "float32": np.float32, "float64": np.float64}


class _DType:
    """What `str(dtype)` of a tensor gives Triton.  One immortal object per name: Triton's
    specialiser (C code) caches on the dtype object, as it may with torch's singletons."""
    _all: dict = {}

    def __new__(cls, name: str):
        if name not in cls._all:
            obj = super().__new__(cls)
            obj.name = name
            cls._all[name] = obj
        return cls._all[name]

    def __str__(self):
        return self.name


class _Storage:
    def __init__(self, array: np.ndarray):
        self.array = array

    def data_ptr(self) -> int:
        return self.array.ctypes.data

    def cpu(self):
        return self

    def copy_(self, other):
        if other is not self:
            self.array[...] = other.array


class NpTensor:
    """A flat numpy array as a Triton kernel argument (element type named by `dtype_name`;
    bfloat16 data is its uint16 bit patterns)."""

    def __init__(self, array: np.ndarray, dtype_name: str):
        want = np.dtype(_STORAGE[dtype_name])
        if array.dtype.itemsize != want.itemsize or not array.flags.c_contiguous:
            raise ValueError(f"NpTensor: {array.dtype} array cannot hold {dtype_name}")
        self.array = array.reshape(-1).view(want)
        self.dtype = _DType(dtype_name)

    def data_ptr(self) -> int:
        return self.array.ctypes.data

    def untyped_storage(self):
        return _Storage(self.array)

    def new_empty(self, *_, **__):
        return NpTensor(self.array, self.dtype.name)

    def set_(self, storage, offset, size, stride):
        return self

    def storage_offset(self) -> int:
        return 0

    def size(self):
        return self.array.shape

    def stride(self):
        return (1,)


def run(tk: TritonKernel, arrays: list, constexprs: dict | None = None) -> None:
    """Launch `tk` in the interpreter on flat arrays, one per kernel argument (outputs are
    written in place; a rand argument is its int64 (key, offset) pair)."""
    if len(arrays) != len(tk.signature):
        raise ValueError(f"{tk.name}: {len(tk.signature)} arguments expected, got {len(arrays)}")
    fn = load(tk)
    args = [NpTensor(a, _TRITON_NAME[t]) for a, t in zip(arrays, tk.signature.values())]
    consts = {**tk.constexprs, **(constexprs or {})}
    with np.errstate(all="ignore"):
        fn[tk.grid(consts)](*args, **consts)


def load(tk: TritonKernel):
    """The interpreted function, with the numpy libdevice in its globals."""
    ns = tcompile.load_namespace(tk.source, interpret=True)
    if "libdevice" in ns and not isinstance(ns["libdevice"], _NumpyLibdevice):
        ns["libdevice"] = _NumpyLibdevice()
    return ns[tk.fn_name]


class _NumpyLibdevice:
    """The libdevice functions generated code uses, evaluated with numpy on interpreter tiles."""
    _FUNCS = {"tanh": np.tanh, "expm1": np.expm1, "log1p": np.log1p, "tan": np.tan, "asin": np.arcsin,
              "acos": np.arccos, "atan": np.arctan, "atan2": np.arctan2, "pow": np.power, "fmod": np.fmod,
              "trunc": np.trunc, "rint": np.rint}

    def __getattr__(self, name):
        f = self._FUNCS[name]
        return lambda *args: _apply(f, args)


def _apply(f, args):
    import triton.language as tl
    from triton.runtime.interpreter import TensorHandle

    tensors = [a for a in args if isinstance(a, tl.tensor)]
    dtype = tensors[0].dtype
    np_dtype = np.float64 if dtype == tl.float64 else np.float32
    data = [np.asarray(a.handle.data if isinstance(a, tl.tensor) else a, dtype=np_dtype) for a in args]
    with np.errstate(all="ignore"):
        out = np.asarray(f(*data), dtype=np_dtype)
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    ty = tl.block_type(dtype, list(shape)) if shape else dtype
    return tl.tensor(TensorHandle(out, dtype), ty)
