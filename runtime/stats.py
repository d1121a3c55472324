"""Counters that make caching assertable (schedules built, modules compiled, cache hits),
and an opt-in per-kernel timer (`tjit.debug.profile()`) that says where a step's time goes."""
from collections import Counter

counters: Counter = Counter()
# kernel symbol -> [calls, seconds]; None when not profiling (the launch path checks it)
kernel_times: dict | None = None


def count(name: str, n: int = 1) -> None:
    counters[name] += n


def snapshot() -> dict:
    return dict(counters)


def reset() -> None:
    counters.clear()
