"""tjit.cuda: torch.cuda's device management on tjit's own CUDA driver layer
(tjit.runtime.cuda: libcuda through ctypes).

Without a usable GPU it behaves as torch's CPU build: is_available() is False, device_count()
is 0, calls that need a device raise torch's exception types (in tjit's words, since tjit does
have a CUDA runtime), and context managers given no device do nothing.  With a GPU, device
selection, synchronization and streams go to the driver.  The current device and stream are
per thread, as the driver's current context is.

UNVERIFIED with a GPU: the driver paths have not run on one yet (see runtime/cuda.py).
"""
from __future__ import annotations

import ctypes
import functools
import threading

from .._tensor import device as _tjit_device
from ..runtime import cuda as _driver

NO_DEVICE = "tjit: no CUDA device is available"
_CU_STREAM_NON_BLOCKING = 1          # torch's streams do not synchronize with the legacy default stream
_CUDA_ERROR_NOT_READY = 600
_tls = threading.local()             # .index: current device, .stream: current Stream (None: default)


@functools.lru_cache(maxsize=None)
def device_count() -> int:
    """How many GPUs the driver sees; 0 without a driver.  Counted once, as torch does."""
    try:
        return _driver.device_count()
    except _driver.CudaError:
        return 0


def is_available() -> bool:
    return device_count() > 0


def _lazy_init() -> None:
    """The check torch.cuda._lazy_init makes first: a call that needs a GPU fails without one
    (AssertionError, as on torch's CPU build)."""
    if not is_available():
        raise AssertionError(NO_DEVICE)


def check_device(index: int) -> None:
    """A RuntimeError unless `index` names a GPU the driver sees."""
    n = device_count()
    if not 0 <= index < n:
        raise RuntimeError(NO_DEVICE if n == 0 else f"tjit: invalid CUDA device {index}: {n} device(s) available")


def device_index(device, optional: bool = False, allow_cpu: bool = False) -> int:
    """torch._utils._get_device_index: an int, 'cuda:1' or tjit.device -> its index; a CPU
    device -> -1 where allowed; no index -> the current device (-1 without a GPU) if optional."""
    if isinstance(device, str):
        device = _tjit_device(device)
    if isinstance(device, _tjit_device):
        if not allow_cpu and device.type == "cpu":
            raise ValueError(f"Expected a non cpu device, but got: {device}")
        device = -1 if device.type == "cpu" else device.index
    if isinstance(device, int):
        return device
    if optional:
        return current_device() if is_available() else -1
    raise ValueError(f"Expected a tjit.device with a specified index or an integer, but got:{device}")


def current_device() -> int:
    _lazy_init()
    return getattr(_tls, "index", 0)


def _select(index: int) -> None:
    """Make `index` this thread's current device: its primary context becomes current."""
    check_device(index)
    _driver.use_device(index)
    _tls.index = index


def set_device(device) -> None:
    """Select a device; a negative index is a no-op, as in torch."""
    index = device_index(device)
    if index >= 0:
        _select(index)


def _exchange_device(index: int) -> int:
    """Select `index` (a no-op when negative) and return the device selected before."""
    if index < 0:
        return -1
    prev = getattr(_tls, "index", 0)
    _select(index)
    return prev


class device:
    """Context manager that selects a device; a no-op for a negative index (and for None
    without a GPU).  Entering it with a device index and no GPU raises RuntimeError."""

    def __init__(self, device):
        self.idx = device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self):
        self.prev_idx = _exchange_device(self.idx)

    def __exit__(self, type, value, traceback):
        self.idx = _exchange_device(self.prev_idx)
        return False


_device_context = device  # `device` is also a parameter name below


class device_of(device):
    """Context manager that selects the device of a tensor; a no-op for CPU tensors."""

    def __init__(self, obj):
        super().__init__(obj.device.index if obj.is_cuda else -1)


def synchronize(device=None) -> None:
    """Wait for all work on a device (default: the current one) to finish."""
    _lazy_init()
    with _device_context(device):
        _driver.synchronize()


def current_blas_handle():
    """torch's cuBLAS handle.  tjit's matmuls are generated kernels, not cuBLAS calls, so
    there is no handle to return even with a GPU."""
    _lazy_init()
    raise RuntimeError("tjit: current_blas_handle(): tjit does not use cuBLAS (its matmuls are generated "
                       "kernels), so there is no cuBLAS handle")


class Stream:
    """A driver stream on one device (default: the current one).  Needs a GPU: without one it
    raises RuntimeError, as torch's CPU build does."""

    def __init__(self, device=None, priority: int = 0, **kwargs):
        if not is_available():
            raise RuntimeError("tjit.cuda.Stream requires a CUDA device, and none is available")
        handle = ctypes.c_void_p()
        with _device_context(device):
            self.device_index = current_device()
            _driver._call("cuStreamCreateWithPriority", ctypes.byref(handle), _CU_STREAM_NON_BLOCKING, priority)
        self.cuda_stream, self.priority = handle.value, priority

    @property
    def device(self) -> _tjit_device:
        return _tjit_device("cuda", self.device_index)

    def query(self) -> bool:
        """Whether all work queued on this stream has finished."""
        lib = _driver._driver()
        result = lib.cuStreamQuery(ctypes.c_void_p(self.cuda_stream))
        if result == _CUDA_ERROR_NOT_READY:
            return False
        _driver._check(lib, result, "cuStreamQuery")
        return True

    def synchronize(self) -> None:
        _driver._call("cuStreamSynchronize", ctypes.c_void_p(self.cuda_stream))

    def __del__(self):
        handle = getattr(self, "cuda_stream", None)
        if handle and _driver._lib is not None:
            _driver._lib.cuStreamDestroy_v2(ctypes.c_void_p(handle))

    def __eq__(self, other):
        return isinstance(other, Stream) and (self.cuda_stream, self.device_index) == (other.cuda_stream,
                                                                                         other.device_index)

    def __hash__(self):
        return hash((self.cuda_stream, self.device_index))

    def __repr__(self):
        return f"<tjit.cuda.Stream device={self.device} cuda_stream={self.cuda_stream:#x}>"


def current_stream(device=None) -> Stream:
    """The stream `stream(...)` made current on this thread, else the device's default stream
    (the driver's NULL stream)."""
    _lazy_init()
    index = device_index(device, optional=True)
    chosen = getattr(_tls, "stream", None)
    if chosen is not None and chosen.device_index == index:
        return chosen
    default = Stream.__new__(Stream)
    default.device_index, default.cuda_stream, default.priority = index, 0, 0
    return default


class StreamContext:
    """Context manager that makes a stream this thread's current one; a no-op for None or
    without a GPU."""

    def __init__(self, stream):
        self.stream = stream
        self.idx = device_index(None, optional=True)
        self.src_prev_stream = None

    def __enter__(self):
        if self.stream is None or self.idx == -1:
            return
        self.src_prev_stream = getattr(_tls, "stream", None)
        _tls.stream = self.stream

    def __exit__(self, type, value, traceback):
        if self.stream is None or self.idx == -1:
            return
        _tls.stream = self.src_prev_stream


def stream(stream) -> StreamContext:
    return StreamContext(stream)


from . import comm  # noqa: E402,F401  (tjit.cuda.comm without an import of its own, as the manual spells it)
