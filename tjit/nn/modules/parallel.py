"""DataParallel.  tjit's tensors live on the CPU, where torch's DataParallel simply runs the
wrapped module (no scatter, replicate or gather); state_dict keys carry the "module."
prefix as torch's do."""
from __future__ import annotations

from .module import Module


class DataParallel(Module):
    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids = []
        self.dim = dim
        self.output_device = output_device

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
