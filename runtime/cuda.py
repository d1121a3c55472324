"""The CUDA device through the driver API (libcuda with ctypes): no torch, cupy or Triton at
run time.  It allocates, copies host <-> device, loads cubins and launches kernels; it knows
nothing of IR or tensors.

UNVERIFIED: written from the CUDA driver API and backends.md §8, and never run on a GPU (the
machine it was written on has none).  What is checked here is only that it loads and fails
cleanly without a driver.  Triton kernels take their pointer arguments followed by two
scratch pointers (global and profile scratch), null when the compiled metadata's scratch
sizes are 0; `launch` appends them.
"""
from __future__ import annotations

import ctypes
import threading

import numpy as np

_lock = threading.Lock()
_lib = None
_contexts: dict = {}
_MAX_DYNAMIC_SHARED = 8      # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
_DEFAULT_SHARED_LIMIT = 48 * 1024


class CudaError(RuntimeError):
    pass


def _driver():
    global _lib
    with _lock:
        if _lib is None:
            try:
                lib = ctypes.CDLL("libcuda.so.1")
            except OSError as e:
                raise CudaError(f"no CUDA driver: {e}") from None
            _check(lib, lib.cuInit(0), "cuInit")
            _lib = lib
    return _lib


def _check(lib, result: int, what: str):
    if result != 0:
        name = ctypes.c_char_p()
        lib.cuGetErrorName(result, ctypes.byref(name))
        raise CudaError(f"{what} failed: {name.value.decode() if name.value else result}")


def _call(fn: str, *args):
    lib = _driver()
    _check(lib, getattr(lib, fn)(*args), fn)


def is_available() -> bool:
    try:
        return device_count() > 0
    except CudaError:
        return False


def device_count() -> int:
    n = ctypes.c_int()
    _call("cuDeviceGetCount", ctypes.byref(n))
    return n.value


def use_device(index: int = 0) -> None:
    """Make the device's primary context current on the calling thread (contexts are per
    thread); every other call here works in the current context."""
    with _lock:
        ctx = _contexts.get(index)
    if ctx is None:
        dev, ctx = ctypes.c_int(), ctypes.c_void_p()
        _call("cuDeviceGet", ctypes.byref(dev), index)
        _call("cuDevicePrimaryCtxRetain", ctypes.byref(ctx), dev)
        with _lock:
            _contexts[index] = ctx
    _call("cuCtxSetCurrent", ctx)


class DeviceBuffer:
    """`nbytes` of device memory; `data_ptr()` is the device address."""

    def __init__(self, nbytes: int):
        self.nbytes = nbytes
        self._ptr = ctypes.c_uint64()
        _call("cuMemAlloc_v2", ctypes.byref(self._ptr), ctypes.c_size_t(max(nbytes, 1)))

    def data_ptr(self) -> int:
        return self._ptr.value

    def upload(self, host: np.ndarray) -> None:
        host = np.ascontiguousarray(host)
        assert host.nbytes <= self.nbytes
        _call("cuMemcpyHtoD_v2", self._ptr, ctypes.c_void_p(host.ctypes.data), ctypes.c_size_t(host.nbytes))

    def download(self, host: np.ndarray) -> np.ndarray:
        assert host.flags.c_contiguous and host.nbytes <= self.nbytes
        _call("cuMemcpyDtoH_v2", ctypes.c_void_p(host.ctypes.data), self._ptr, ctypes.c_size_t(host.nbytes))
        return host

    def free(self) -> None:
        if self._ptr.value:
            _call("cuMemFree_v2", self._ptr)
            self._ptr = ctypes.c_uint64()


class Function:
    """One kernel of a loaded cubin."""

    def __init__(self, cubin: bytes, name: str, shared: int = 0):
        self._module, self._fn = ctypes.c_void_p(), ctypes.c_void_p()
        self._image = ctypes.create_string_buffer(cubin, len(cubin))
        _call("cuModuleLoadData", ctypes.byref(self._module), self._image)
        _call("cuModuleGetFunction", ctypes.byref(self._fn), self._module, name.encode())
        self.shared = shared
        if shared > _DEFAULT_SHARED_LIMIT:
            _call("cuFuncSetAttribute", self._fn, _MAX_DYNAMIC_SHARED, shared)

    def launch(self, grid: tuple, num_warps: int, pointers: list, scratch: int = 2, stream=None) -> None:
        """Run on `grid` programs of 32 * num_warps threads; `pointers` are the kernel's
        pointer arguments (device addresses) in signature order."""
        params = [ctypes.c_uint64(p) for p in pointers] + [ctypes.c_uint64(0) for _ in range(scratch)]
        argv = (ctypes.c_void_p * len(params))(*[ctypes.addressof(p) for p in params])
        gx, gy, gz = (tuple(grid) + (1, 1))[:3]
        _call("cuLaunchKernel", self._fn, gx, gy, gz, 32 * num_warps, 1, 1, self.shared,
              ctypes.c_void_p(stream), argv, None)

    def unload(self) -> None:
        if self._module.value:
            _call("cuModuleUnload", self._module)
            self._module = ctypes.c_void_p()


def synchronize() -> None:
    _call("cuCtxSynchronize")
