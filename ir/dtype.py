"""Data types and torch's type-promotion rules.

A DType is a small immutable record; the numpy dtype is how a realized buffer stores it
(bfloat16 has no numpy type, so its buffers hold the raw uint16 bit patterns).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class DType:
    """One object per type (compared and hashed by identity: graph keys hash dtypes on
    every op); unpickling returns the same object."""
    name: str
    itemsize: int
    kind: str  # 'b' bool, 'u' unsigned int, 'i' signed int, 'f' float
    storage: str  # numpy dtype string of the buffer that holds it

    @property
    def is_floating_point(self) -> bool:
        return self.kind == "f"

    @property
    def is_signed(self) -> bool:
        return self.kind in "if"

    @property
    def is_int(self) -> bool:
        return self.kind in "iu"

    @property
    def np(self) -> np.dtype:
        return np.dtype(self.storage)

    def __repr__(self) -> str:
        return f"tjit.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    __str__ = __repr__


bool_ = DType("bool", 1, "b", "bool")
uint8 = DType("uint8", 1, "u", "uint8")
int8 = DType("int8", 1, "i", "int8")
int16 = DType("int16", 2, "i", "int16")
int32 = DType("int32", 4, "i", "int32")
int64 = DType("int64", 8, "i", "int64")
float16 = DType("float16", 2, "f", "float16")
bfloat16 = DType("bfloat16", 2, "f", "uint16")
float32 = DType("float32", 4, "f", "float32")
float64 = DType("float64", 8, "f", "float64")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
BY_NAME = {d.name: d for d in ALL}
_FROM_NUMPY = {np.dtype(d.storage): d for d in ALL if d is not bfloat16}


def from_numpy(dt) -> DType:
    dt = np.dtype(dt)
    if dt not in _FROM_NUMPY:
        raise TypeError(f"can't convert np.ndarray of type {dt}. The only supported types are: "
                        "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
    return _FROM_NUMPY[dt]


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def category(d: DType) -> int:
    return _CATEGORY[d.kind]


def promote_types(a: DType, b: DType) -> DType:
    """torch.promote_types: the smallest type both values fit in, within torch's lattice."""
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    if ca == 2:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a.itemsize > b.itemsize else b
    if ca == 1:
        if a.kind == b.kind:
            return a if a.itemsize > b.itemsize else b
        signed, unsigned = (a, b) if a.kind == "i" else (b, a)
        if signed.itemsize > unsigned.itemsize:
            return signed
        return {1: int16, 2: int32, 4: int64, 8: int64}[unsigned.itemsize]
    return a


def _by_name(name: str) -> DType:
    return {"bool": bool_}.get(name) or globals()[name]
