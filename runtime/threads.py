"""Run one kernel over disjoint ranges of its parallel loop on several threads.

The launcher is native where libgomp exists (runtime/openmp.py: its threads spin between
kernels, so a split costs a few microseconds).  Otherwise, and in forked children, it is a
pool of Python threads: compiled kernels are called through ctypes, which releases the GIL,
so they run truly in parallel, each worker handed its range through a pair of locks (a
concurrent.futures round trip costs half as much again).  Waking a thread costs tens of
microseconds there, so either way only kernels with enough work are split (`should_split`)
and small ones run on the calling thread.
"""
from __future__ import annotations

import os
import threading

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


class _Worker:
    """A daemon thread that runs one range of a kernel per hand-off."""

    def __init__(self):
        self.go, self.done = threading.Lock(), threading.Lock()
        self.go.acquire()
        self.done.acquire()
        self.job, self.error = None, None
        threading.Thread(target=self._loop, daemon=True, name="tjit-worker").start()

    def _loop(self):
        while True:
            self.go.acquire()
            fn, args, lo, hi = self.job
            try:
                fn(args, lo, hi)
            except BaseException as e:  # pragma: no cover - kernels do not raise
                self.error = e
            self.done.release()

    def start(self, fn, args, lo: int, hi: int) -> None:
        self.job = (fn, args, lo, hi)
        self.go.release()

    def wait(self) -> None:
        self.done.acquire()
        if self.error is not None:  # pragma: no cover
            error, self.error = self.error, None
            raise error


_workers: list = []
# one split launch at a time: a second Python thread launching meanwhile runs serially
_busy = threading.Lock()


_UNSET = object()
_native = _UNSET  # the OpenMP launcher, None where unavailable, built on first use


def _native_launcher():
    global _native
    if _native is _UNSET:
        _native = None
        if os.environ.get("TJIT_OPENMP", "1") != "0":
            from . import openmp
            _native = openmp.launcher()
    return _native


def _forget_workers() -> None:
    """A forked child has none of the parent's threads, and libgomp cannot start a team
    again there: it uses the Python pool."""
    global _busy, _native
    _workers.clear()
    _busy = threading.Lock()
    _native = None


os.register_at_fork(after_in_child=_forget_workers)


# with the native launcher a split costs a few microseconds, not tens: smaller kernels pay
MIN_NATIVE_PARALLEL_WORK = 1 << 15


def should_split(extent: int, work: int) -> bool:
    if _num_threads < 2 or extent < 2:
        return False
    return work >= (MIN_PARALLEL_WORK if _native_launcher() is None else MIN_NATIVE_PARALLEL_WORK)


def run_program(program, table) -> bool:
    """A plan segment's kernels in one native call (tjit/plan_runner.py); False when the
    native runner is unavailable or another thread is launching (then launch one by one)."""
    native = _native_launcher()
    if native is None or not _busy.acquire(blocking=False):
        return False
    try:
        native.run_program(program, table)
    finally:
        _busy.release()
    return True


def run(fn, args, extent: int, work: int) -> None:
    """fn(args, start, end) over [0, extent), split across threads when it pays."""
    if not should_split(extent, work):
        fn(args, 0, extent)
        return
    if not _busy.acquire(blocking=False):
        fn(args, 0, extent)
        return
    native = _native_launcher()
    if native is not None:
        try:
            native(fn, args, extent, min(_num_threads, extent))
        finally:
            _busy.release()
        return
    started = 0
    try:
        n = min(_num_threads, extent)
        while len(_workers) < n - 1:
            _workers.append(_Worker())
        bounds = [extent * i // n for i in range(n + 1)]
        for i in range(1, n):
            _workers[i - 1].start(fn, args, bounds[i], bounds[i + 1])
            started = i
        fn(args, bounds[0], bounds[1])
    finally:
        for w in _workers[:started]:
            w.wait()
        _busy.release()
