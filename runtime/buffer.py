"""CPU buffers: 64-byte aligned numpy storage from a caching allocator.

Touching fresh memory (page faults) costs more than most kernels, so freed buffers are kept
in size-bucketed free lists and handed out again.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

ALIGN = 64
_free: dict = defaultdict(list)
_cached_bytes = 0
MAX_CACHED_BYTES = 1 << 30


def _bucket(nbytes: int) -> int:
    if nbytes <= 4096:
        return max(64, 1 << (max(nbytes, 1) - 1).bit_length())
    return (nbytes + 4095) // 4096 * 4096


def _alloc_raw(nbytes: int) -> np.ndarray:
    global _cached_bytes
    size = _bucket(nbytes)
    lst = _free.get(size)
    if lst:
        _cached_bytes -= size
        return lst.pop()
    raw = np.empty(size + ALIGN, dtype=np.uint8)
    off = (-raw.ctypes.data) % ALIGN
    return raw[off:off + size]


def _release(raw: np.ndarray) -> None:
    global _cached_bytes
    size = raw.nbytes
    if _cached_bytes + size <= MAX_CACHED_BYTES:
        _free[size].append(raw)
        _cached_bytes += size


class Buffer:
    """Flat storage of `numel` elements of a numpy dtype.  `array` is the live numpy view;
    `ptr` its address (fixed: kernels are launched with it on every run)."""
    __slots__ = ("array", "numel", "ptr", "_raw", "__weakref__")

    def __init__(self, numel: int, np_dtype, array: np.ndarray | None = None):
        self.numel = numel
        self._raw = None
        if array is None:
            nbytes = numel * np.dtype(np_dtype).itemsize
            self._raw = _alloc_raw(nbytes)
            array = self._raw[:nbytes].view(np_dtype)
        self.array = array
        self.ptr = array.ctypes.data

    def __del__(self):
        if self._raw is not None and _release is not None:  # (None at interpreter exit)
            _release(self._raw)  # back to the free lists (cheaper than weakref.finalize)

    def export(self, shape) -> np.ndarray:
        """A numpy view that keeps this buffer alive: memory handed to the user is never
        recycled by the allocator while the user still holds it."""
        return np.asarray(_Export(self, tuple(shape)))

    @staticmethod
    def wrap(array: np.ndarray) -> "Buffer":
        """Share a contiguous numpy array's memory (from_numpy)."""
        return Buffer(array.size, array.dtype, array.reshape(-1))


class _Export:
    """numpy keeps the object behind __array_interface__ as the array's base."""

    def __init__(self, buf: Buffer, shape: tuple):
        self.buf = buf
        a = buf.array
        self.__array_interface__ = {"shape": shape, "typestr": a.dtype.str, "data": (a.ctypes.data, False),
                                    "version": 3}
