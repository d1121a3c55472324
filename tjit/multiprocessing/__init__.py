"""tjit.multiprocessing: Python's multiprocessing, with tjit tensors that travel between
processes (torch.multiprocessing).

Everything multiprocessing exports is here unchanged.  Importing it registers tensor reducers
with multiprocessing's ForkingPickler, which Queue, Pipe and spawned Process arguments use: a
tensor whose storage is shared (`share_memory_()`) arrives as a view of the same memory, so
in-place changes are seen by every process holding it; any other tensor arrives as a copy
(torch would move it into shared memory).  See reductions.py.
"""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403

from .reductions import init_reductions
from .spawn import (ProcessContext, ProcessException, ProcessExitedException, ProcessRaisedException,  # noqa: F401
                    spawn, start_processes)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"] + multiprocessing.__all__

# named segments in /dev/shm are the one way tjit shares storage
_all_sharing_strategies = {"file_system"}
_sharing_strategy = "file_system"


def set_sharing_strategy(new_strategy: str) -> None:
    """Set the strategy for sharing CPU tensors (one of get_all_sharing_strategies())."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, expected one of {_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy() -> str:
    return _sharing_strategy


def get_all_sharing_strategies() -> set:
    return set(_all_sharing_strategies)


init_reductions()
