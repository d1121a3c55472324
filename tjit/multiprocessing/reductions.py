"""How tensors cross process boundaries: shared-memory storage (`Tensor.share_memory_`) and
the reducers multiprocessing's ForkingPickler uses for Queue, Pipe and Process arguments.

A shared tensor's storage is a named segment in /dev/shm (the 'file_system' strategy), pinned
the way `from_numpy` pins an array, so in-place ops write into it.  It pickles as the segment's
name and arrives as a view of the same memory: in-place changes are seen by every process
that holds it.  The process that shared it owns the segment and unlinks it when the storage
dies; receivers map it without registering it with their resource tracker (which would
unlink it when the receiver exits).  Known gap: a view (a reshape result, say) that has been
read keeps its realized value, so it may miss another process's later writes; the storage's
base tensor (a freshly created tensor, a Parameter) always reads the shared memory.

Any other tensor arrives as a copy; a large one travels through a one-shot segment, as
DataLoader batches do (`copy_to_segment`), which the receiver unlinks after copying out.  The
segment belongs to the message, not to the sender, so it is taken off the sender's resource
tracker: a sender that exits before the message is read does not take the data with it.
"""
from __future__ import annotations

import mmap
import os
import pickle
import weakref
from multiprocessing import resource_tracker, shared_memory
from multiprocessing.reduction import ForkingPickler

import numpy as np

from .. import engine
from .._tensor import Tensor
from ..ir import dtype as dt
from ..nn.parameter import Parameter
from ..runtime.buffer import Buffer
from ..utils.data._worker import _unlink, copy_to_segment, tensor_from_segment

_segments: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # shared Buffer -> segment name


def _storage_owner(t: Tensor) -> Tensor:
    """The tensor that holds `t`'s storage: its base while it is still a view of it."""
    b = t._base
    return b if b is not None and t._storage_gen == b._storage_gen else t


def _segment_name(owner: Tensor) -> str | None:
    """The segment holding `owner`'s current value, if its storage is shared (a `.data =`
    assignment since sharing leaves the segment behind)."""
    buf = owner._pinned
    if buf is None or owner._node is not owner._pinned_node:
        return None
    return _segments.get(buf)


def _map(name: str, dtype: dt.DType, numel: int) -> Buffer:
    """A Buffer over segment `name`: this process's own mapping of the /dev/shm file."""
    fd = os.open(f"/dev/shm/{name}", os.O_RDWR)
    try:
        mm = mmap.mmap(fd, max(numel * np.dtype(dtype.np).itemsize, 1))
    finally:
        os.close(fd)
    buf = Buffer.wrap(np.frombuffer(mm, dtype.np, count=numel))
    _segments[buf] = name
    return buf


def _unlink_owned(name: str, owner_pid: int) -> None:
    """Unlink a shared storage's segment in the process that created it (forked children
    inherit the finalizer, not the ownership)."""
    if os.getpid() == owner_pid:
        _unlink([name])


def share_memory_(t: Tensor) -> Tensor:
    """Move the tensor's storage (its base's, for a view) into shared memory, in place; a
    no-op when it is there already."""
    owner = _storage_owner(t)
    if _segment_name(owner) is not None:
        return t
    values = owner._host_array()
    seg = shared_memory.SharedMemory(create=True, size=max(values.nbytes, 1))
    seg.close()
    buf = _map(seg.name, owner.dtype, values.size)
    buf.array[...] = values.reshape(-1)
    weakref.finalize(buf, _unlink_owned, seg.name, os.getpid())
    owner._node = engine.buffer_node(buf, owner.dtype, tuple(owner.shape))
    owner._pin(buf)
    return t


def is_shared(t: Tensor) -> bool:
    return _segment_name(_storage_owner(t)) is not None


def _finish(t: Tensor, requires_grad: bool, cls: type) -> Tensor:
    """The received tensor as the sender's class (Tensor or Parameter) and grad flag."""
    if cls is Tensor:
        return t.requires_grad_(requires_grad) if requires_grad else t
    p = cls(t, requires_grad)
    if t._pinned is not None:
        p._pin(t._pinned)  # in-place ops on the Parameter write into the shared storage too
    return p


def _rebuild_shared(name, dtype_name, base_shape, view, requires_grad, cls):
    d = dt.BY_NAME[dtype_name]
    buf = _map(name, d, int(np.prod(base_shape, dtype=np.int64)))
    base = Tensor._from_node(engine.buffer_node(buf, d, base_shape))
    base._pin(buf)
    return _finish(base if view is None else base.as_strided(*view), requires_grad, cls)


def _rebuild_copy(pid, requires_grad, cls):
    return _finish(tensor_from_segment(pid), requires_grad, cls)


def reduce_tensor(t: Tensor):
    """ForkingPickler's reducer for tensors (see the module docstring)."""
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does "
                           "not support crossing process boundaries.  If you just want to transfer the data, call "
                           "detach() on the tensor before serializing (e.g., putting it on the queue).")
    owner = _storage_owner(t)
    name = _segment_name(owner)
    if name is not None:
        view = None if owner is t else t._view_meta
        return _rebuild_shared, (name, t.dtype.name, tuple(owner.shape), view, t.requires_grad, type(t))
    pid = copy_to_segment(t.detach())
    if pid is None:
        return t.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    resource_tracker.unregister("/" + pid[1], "shared_memory")
    return _rebuild_copy, (pid, t.requires_grad, type(t))


def init_reductions() -> None:
    """Register the tensor reducers with multiprocessing's pickler and bind the shared-memory
    Tensor methods (done when tjit imports tjit.multiprocessing)."""
    for cls in (Tensor, Parameter):
        ForkingPickler.register(cls, reduce_tensor)
    Tensor.share_memory_ = share_memory_
    Tensor.is_shared = is_shared
