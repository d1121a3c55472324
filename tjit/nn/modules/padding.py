"""Padding modules (constant, zero, reflection, replication, circular) in 1, 2 and 3 dims."""
from __future__ import annotations

from .. import functional as F
from .module import Module
from .utils import _ntuple


class _PadNd(Module):
    _mode = "constant"
    _n = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(2 * self._n)(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


def _padding_class(name: str, base, mode: str, n: int):
    return type(name, (base,), {"_mode": mode, "_n": n, "__module__": __name__})


ConstantPad1d = _padding_class("ConstantPad1d", _ConstantPadNd, "constant", 1)
ConstantPad2d = _padding_class("ConstantPad2d", _ConstantPadNd, "constant", 2)
ConstantPad3d = _padding_class("ConstantPad3d", _ConstantPadNd, "constant", 3)
ReflectionPad1d = _padding_class("ReflectionPad1d", _PadNd, "reflect", 1)
ReflectionPad2d = _padding_class("ReflectionPad2d", _PadNd, "reflect", 2)
ReflectionPad3d = _padding_class("ReflectionPad3d", _PadNd, "reflect", 3)
ReplicationPad1d = _padding_class("ReplicationPad1d", _PadNd, "replicate", 1)
ReplicationPad2d = _padding_class("ReplicationPad2d", _PadNd, "replicate", 2)
ReplicationPad3d = _padding_class("ReplicationPad3d", _PadNd, "replicate", 3)
CircularPad1d = _padding_class("CircularPad1d", _PadNd, "circular", 1)
CircularPad2d = _padding_class("CircularPad2d", _PadNd, "circular", 2)
CircularPad3d = _padding_class("CircularPad3d", _PadNd, "circular", 3)


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


ZeroPad1d = _padding_class("ZeroPad1d", _ZeroPadNd, "constant", 1)
ZeroPad2d = _padding_class("ZeroPad2d", _ZeroPadNd, "constant", 2)
ZeroPad3d = _padding_class("ZeroPad3d", _ZeroPadNd, "constant", 3)
