"""Inspection from Python: the schedule that realizing some tensors would run."""
from __future__ import annotations

from tjit.ir.schedule import Schedule, schedule as _schedule

from ._tensor import Tensor


def schedule(*tensors: Tensor) -> Schedule:
    """Scheduled kernels (names, boundary reasons, Kernel IR) without running anything."""
    nodes = [t._node for t in tensors if not t._node.realized]
    return _schedule(nodes) if nodes else Schedule([], [])


def graph(*tensors: Tensor) -> str:
    from .dump import format_graph
    return format_graph([t._node for t in tensors])
