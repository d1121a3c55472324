"""Process-wide frontend settings: default dtype, grad mode, random generator state."""
from tjit.ir import dtype as dt

default_dtype: dt.DType = dt.float32
grad_enabled: bool = True
inference_mode: bool = False


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

    def get_state(self):
        from .ops.creation import tensor
        return tensor([self._seed, self._offset], dtype=dt.int64)

    def set_state(self, state) -> None:
        self._seed, self._offset = (int(v) for v in state.tolist())


default_generator = Generator()
