"""Inspection from Python: the schedule that realizing some tensors would run."""
from __future__ import annotations

from contextlib import contextmanager

from tjit.ir.schedule import Schedule, schedule as _schedule

from ._tensor import Tensor


def schedule(*tensors: Tensor) -> Schedule:
    """Scheduled kernels (names, boundary reasons, Kernel IR) without running anything."""
    nodes = [t._node for t in tensors if not t._node.realized]
    return _schedule(nodes) if nodes else Schedule([], [])


def graph(*tensors: Tensor) -> str:
    from .dump import format_graph
    return format_graph([t._node for t in tensors])


class KernelProfile:
    """Per-kernel launch counts and wall time collected by `profile()`; prints as a table
    sorted by time, so the kernels worth optimizing come first."""

    def __init__(self):
        self.times: dict = {}

    @property
    def total(self) -> float:
        return sum(s for _, s in self.times.values())

    def __str__(self) -> str:
        rows = sorted(self.times.items(), key=lambda kv: -kv[1][1])
        lines = [f"{'kernel':48s} {'calls':>6s} {'ms':>9s} {'%':>6s}"]
        total = self.total or 1.0
        for name, (calls, secs) in rows:
            lines.append(f"{name[:48]:48s} {calls:6d} {secs * 1e3:9.3f} {100 * secs / total:6.1f}")
        lines.append(f"{'total':48s} {sum(c for c, _ in self.times.values()):6d} {self.total * 1e3:9.3f}")
        return "\n".join(lines)


@contextmanager
def profile():
    """`with tjit.debug.profile() as p: ...; print(p)` times every kernel launched inside."""
    from tjit.runtime import stats
    report = KernelProfile()
    saved, stats.kernel_times = stats.kernel_times, report.times
    try:
        yield report
    finally:
        stats.kernel_times = saved
