"""What runs inside a DataLoader worker process, and how its batches travel back.

A worker takes (task id, indices) from its index queue, fetches and collates the samples, and
puts (task id, payload) on the shared result queue.  Tensors in the payload travel through
POSIX shared memory: the worker copies each one into a fresh segment and pickles only its
name; the main process copies it out and unlinks the segment.  Exceptions travel as an
ExceptionWrapper carrying the worker's formatted traceback.
"""
from __future__ import annotations

import io
import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np

import tjit

from ..._tensor import Tensor
from .dataset import IterableDataset

# how long the main process waits for its workers to exit when shutting them down (seconds)
MP_STATUS_CHECK_INTERVAL = 5.0
# how often an idle worker checks that it should stop or that the main process is gone
_IDLE_POLL_S = 0.2
# tensors smaller than this are pickled inline; larger ones go through shared memory
_SHM_MIN_BYTES = 1 << 16

_worker_info = None


class WorkerInfo:
    """Read-only facts about the current worker: id, num_workers, seed, dataset."""
    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        return f"{self.__class__.__name__}({', '.join(f'{k}={getattr(self, k)}' for k in self.__keys)})"


def get_worker_info():
    """Inside a DataLoader worker: its WorkerInfo (a copy of the dataset included); None in the
    main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception with the traceback text of the process that raised it."""

    def __init__(self, exc_info=None, where: str = "in background"):
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the same exception type in this process, its message carrying the original
        traceback (a KeyError keeps newlines readable; unconstructible types become RuntimeError)."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class _KeyErrorMessage(str):
    """KeyError repr()s its argument; this keeps the traceback's newlines."""

    def __repr__(self):
        return self


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's IterableDataset is exhausted."""
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of a new epoch."""


# -- fetching ----------------------------------------------------------------------------------
class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, possibly_batched_index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[possibly_batched_index])
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            data = getitems(possibly_batched_index)
        else:
            data = [self.dataset[idx] for idx in possibly_batched_index]
        return self.collate_fn(data)


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in possibly_batched_index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(possibly_batched_index)):
            raise StopIteration
        return self.collate_fn(data)


def create_fetcher(dataset, auto_collation, collate_fn, drop_last):
    kind = _IterableDatasetFetcher if isinstance(dataset, IterableDataset) else _MapDatasetFetcher
    return kind(dataset, auto_collation, collate_fn, drop_last)


# -- transport ---------------------------------------------------------------------------------
def copy_to_segment(obj):
    """A copy of a large plain tensor in a fresh shared-memory segment, as the persistent id
    (tag, name, shape, numpy dtype, dtype name); None for anything else, which pickles inline.
    tjit.multiprocessing ships tensors between processes the same way."""
    if type(obj) is not Tensor or obj.requires_grad:
        return None
    arr = obj.detach()._host_array()
    if arr.nbytes < _SHM_MIN_BYTES:
        return None
    shm = shared_memory.SharedMemory(create=True, size=arr.nbytes)
    np.ndarray(arr.shape, arr.dtype, buffer=shm.buf)[...] = arr
    shm.close()
    return ("tjit_shm", shm.name, arr.shape, arr.dtype.str, obj.dtype.name)


def tensor_from_segment(pid) -> Tensor:
    """The tensor `copy_to_segment` stored; the segment is unlinked once copied out."""
    _, name, shape, np_dtype, dtype_name = pid
    shm = shared_memory.SharedMemory(name=name)
    try:
        view = np.ndarray(shape, np.dtype(np_dtype), buffer=shm.buf)
        from ...ops.creation import _rebuild
        t = _rebuild(view, dtype_name, False)
        del view
    finally:
        shm.close()
        shm.unlink()
    return t


class _SharingPickler(pickle.Pickler):
    """Pickles large plain tensors as references to shared-memory segments it fills."""

    def __init__(self, file):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.segments = []

    def persistent_id(self, obj):
        pid = copy_to_segment(obj)
        if pid is not None:
            self.segments.append(pid[1])
        return pid


class _SharingUnpickler(pickle.Unpickler):
    def persistent_load(self, pid):
        return tensor_from_segment(pid)


@dataclass
class Payload:
    """A pickled batch and the shared-memory segments it refers to."""
    data: bytes
    segments: list

    @staticmethod
    def pack(obj) -> "Payload":
        f = io.BytesIO()
        p = _SharingPickler(f)
        try:
            p.dump(obj)
        except BaseException:
            _unlink(p.segments)
            raise
        return Payload(f.getvalue(), p.segments)

    def unpack(self):
        return _SharingUnpickler(io.BytesIO(self.data)).load()

    def discard(self) -> None:
        _unlink(self.segments)


def _unlink(names) -> None:
    for name in names:
        try:
            shm = shared_memory.SharedMemory(name=name)
        except FileNotFoundError:
            continue
        shm.close()
        shm.unlink()


# -- the worker process ------------------------------------------------------------------------
def _generate_state(base_seed: int, worker_id: int) -> list:
    """torch's numpy seed for a worker: a SeedSequence-style hash of (worker_id, base_seed),
    so workers' numpy streams differ even for consecutive seeds."""
    INIT_A, MULT_A, INIT_B, MULT_B = 0x43b0d7e5, 0x931e8875, 0x8b51f9dd, 0x58f38ded
    MIX_MULT_L, MIX_MULT_R, XSHIFT, MASK32 = 0xca01f9dd, 0x4973f715, 16, 0xFFFFFFFF
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    hash_const_a = INIT_A

    def hash32(value):
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & MASK32
        hash_const_a = (hash_const_a * MULT_A) & MASK32
        value = (value * hash_const_a) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x, y):
        result = (((MIX_MULT_L * x) & MASK32) - ((MIX_MULT_R * y) & MASK32)) & MASK32
        return (result ^ (result >> XSHIFT)) & MASK32

    pool = [hash32(e) for e in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash32(pool[i_src]))
    hash_const_b = INIT_B
    state = []
    for value in pool:
        value = (value ^ hash_const_b) & MASK32
        hash_const_b = (hash_const_b * MULT_B) & MASK32
        value = (value * hash_const_b) & MASK32
        state.append((value ^ (value >> XSHIFT)) & MASK32)
    return state


def _seed_worker(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    tjit.manual_seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _send(data_queue, idx, data) -> None:
    """Put a result on the queue; a batch that cannot be pickled becomes an exception."""
    if not isinstance(data, (ExceptionWrapper, _IterableDatasetStopIteration)):
        try:
            data = Payload.pack(data)
        except Exception:
            data = ExceptionWrapper(where="in DataLoader worker process while sending a batch")
    data_queue.put((idx, data))


def worker_loop(dataset, index_queue, data_queue, done_event, auto_collation, collate_fn, drop_last, base_seed,
                init_fn, worker_id, num_workers):
    """The body of a worker process (see the module docstring); it ends when told to, or
    when its parent (the main process) is gone."""
    global _worker_info
    parent_pid = os.getppid()
    try:
        tjit.set_num_threads(1)
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        iteration_end = False
        while os.getppid() == parent_pid:
            try:
                r = index_queue.get(timeout=_IDLE_POLL_S)
            except queue.Empty:
                if done_event.is_set():
                    break
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and isinstance(dataset, IterableDataset):
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            _send(data_queue, idx, data)
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
