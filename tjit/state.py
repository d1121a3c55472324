"""Frontend settings: default dtype and random generator state (process-wide), grad mode
(per thread, as in torch)."""
import threading

from tjit.ir import dtype as dt

default_dtype: dt.DType = dt.float32


class _Mode(threading.local):
    """Grad mode and inference mode of the current thread.  The class attributes are what a
    new thread starts with (grad on, inference mode off), so `mode.grad_enabled` is one
    attribute read on every op (tjit._prim.apply)."""
    grad_enabled: bool = True
    inference_mode: bool = False


mode = _Mode()


class Generator:
    """A counter-based generator: a seed plus an offset that every draw advances by the
    number of values it takes.  Kernels compute value i from (seed, offset + i), so random
    ops stay lazy and fusable and give the same numbers on every backend."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721
        self._offset = 0

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = int(seed)
        self._offset = 0
        return self

    def seed(self) -> int:
        import os
        self.manual_seed(int.from_bytes(os.urandom(8), "little") >> 1)
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def take(self, n: int) -> tuple:
        key = (self._seed, self._offset)
        self._offset += n
        return key

    def rewind(self, key: tuple) -> None:
        """Back to where the draw that returned `key` started (a traced call draws again)."""
        self._seed, self._offset = key

    def get_state(self):
        from .ops.creation import tensor
        return tensor([self._seed, self._offset], dtype=dt.int64)

    def set_state(self, state) -> None:
        self._seed, self._offset = (int(v) for v in state.tolist())


default_generator = Generator()
