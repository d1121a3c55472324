"""A thread pool that runs one kernel over disjoint ranges of its parallel loop.

Compiled kernels are called through ctypes, which releases the GIL, so Python threads run
them truly in parallel.  Submitting costs tens of microseconds, so only kernels with enough
work are split (`should_split`); small kernels run on the calling thread.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
# below this many elements touched, a kernel is not worth splitting
MIN_PARALLEL_WORK = 1 << 17


def default_threads() -> int:
    env = os.environ.get("TJIT_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 16))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, min(os.cpu_count() or 1, 16))


_num_threads = default_threads()


def set_num_threads(n: int) -> None:
    global _num_threads
    _num_threads = n


def get_num_threads() -> int:
    return _num_threads


def _get_pool(n: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    if _pool is None or _pool_size < n:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="tjit")
        _pool_size = n
    return _pool


def should_split(extent: int, work: int) -> bool:
    return _num_threads > 1 and extent > 1 and work >= MIN_PARALLEL_WORK


def run(fn, args, extent: int, work: int) -> None:
    """fn(args, start, end) over [0, extent), split across threads when it pays."""
    if not should_split(extent, work):
        fn(args, 0, extent)
        return
    n = min(_num_threads, extent)
    bounds = [extent * i // n for i in range(n + 1)]
    pool = _get_pool(n - 1)
    futures = [pool.submit(fn, args, bounds[i], bounds[i + 1]) for i in range(1, n)]
    fn(args, bounds[0], bounds[1])
    for f in futures:
        f.result()
