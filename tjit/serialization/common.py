"""What the checkpoint formats share: the dtype table, array coercion and file opening."""

from __future__ import annotations

import io
import os
from contextlib import contextmanager

import numpy as np

# name -> (numpy dtype used at the callback boundary, torch legacy storage class,
#          safetensors code)
DTYPES = {
    "float32": (np.dtype(np.float32), "FloatStorage", "F32"),
    "float64": (np.dtype(np.float64), "DoubleStorage", "F64"),
    "float16": (np.dtype(np.float16), "HalfStorage", "F16"),
    "bfloat16": (np.dtype(np.uint16), "BFloat16Storage", "BF16"),
    "int8": (np.dtype(np.int8), "CharStorage", "I8"),
    "int16": (np.dtype(np.int16), "ShortStorage", "I16"),
    "int32": (np.dtype(np.int32), "IntStorage", "I32"),
    "int64": (np.dtype(np.int64), "LongStorage", "I64"),
    "uint8": (np.dtype(np.uint8), "ByteStorage", "U8"),
    "bool": (np.dtype(np.bool_), "BoolStorage", "BOOL"),
}
DTYPE_NAMES = tuple(DTYPES)

_ALIASES = {
    "float": "float32", "double": "float64", "half": "float16",
    "long": "int64", "int": "int32", "short": "int16",
}


def canon_dtype(name) -> str:
    """The canonical dtype name for ``name`` ("torch.float", "half", ...); ValueError if unknown."""
    s = str(name)
    if s.startswith("torch."):
        s = s[len("torch."):]
    s = _ALIASES.get(s, s)
    if s not in DTYPES:
        raise ValueError(
            f"unsupported dtype {name!r}; expected one of {', '.join(DTYPE_NAMES)}")
    return s


def prepare_array(arr, dtype_name: str) -> np.ndarray:
    """Coerce a callback array to the canonical little-endian C-contiguous form."""
    want = DTYPES[dtype_name][0]
    arr = np.asarray(arr)
    if dtype_name == "bfloat16":
        if arr.dtype.itemsize != 2 or arr.dtype.kind not in "ui":
            raise TypeError(
                f"bfloat16 tensors must be given as 16-bit integer bit patterns, got {arr.dtype}")
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False).view("<u2")
    elif arr.dtype != want:
        arr = arr.astype(want)
    arr = arr.astype(want.newbyteorder("<"), copy=False)
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would turn 0-d into 1-d)
    return arr


def tensor_array(to_array, t):
    """``to_array(t)`` with its array in canonical form -> (array, dtype name, requires_grad,
    is_parameter)."""
    arr, dtype_name, requires_grad, is_parameter = to_array(t)
    dtype_name = canon_dtype(dtype_name)
    return prepare_array(arr, dtype_name), dtype_name, requires_grad, is_parameter


@contextmanager
def open_for_write(f):
    """A path is opened (and closed); a file object is used as is and flushed on success."""
    if hasattr(f, "write"):
        yield f
        if hasattr(f, "flush"):
            f.flush()
        return
    with open(os.fspath(f), "wb") as fp:
        yield fp


@contextmanager
def open_for_read(f):
    """A path is opened (and closed); a file object that cannot seek is read into memory."""
    if hasattr(f, "read"):
        yield f if hasattr(f, "seekable") and f.seekable() else io.BytesIO(f.read())
        return
    with open(os.fspath(f), "rb") as fp:
        yield fp
