"""Counters that make caching assertable (schedules built, modules compiled, cache hits)."""
from collections import Counter

counters: Counter = Counter()


def count(name: str, n: int = 1) -> None:
    counters[name] += n


def snapshot() -> dict:
    return dict(counters)


def reset() -> None:
    counters.clear()
