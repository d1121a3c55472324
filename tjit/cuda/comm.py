"""tjit.cuda.comm: torch.cuda.comm's collectives over lists of GPUs.

They are tensor ops plus `Tensor.to(device)`, with torch's argument checks in torch's order and
torch's exception types.  Destinations are GPUs: torch refuses CPU destinations (only gather
may deliver to the CPU) and CPU inputs to gather and reduce_add, and so does tjit.  A copy to
a GPU that is not there raises RuntimeError.  The copies are synchronous, so `streams` is
accepted and not needed.
"""
from __future__ import annotations

import warnings

from .._prim import normalize_dim
from .._tensor import Tensor, device
from ..ops.shape import cat
from . import check_device, device_index


def _to_gpu(t: Tensor, index: int) -> Tensor:
    """`t` on GPU `index` (itself when it is there already)."""
    if index < 0:
        raise RuntimeError(f"Expected non-negative device index, but got {index}")
    check_device(index)
    return t.to(device("cuda", index))


def _check_out_device(o: Tensor, i: int) -> None:
    if not o.is_cuda:
        raise RuntimeError(f"Expected all output tensors to be CUDA tensors, but output tensor at index {i} has "
                           f"device '{o.device}'")


def broadcast(tensor: Tensor, devices=None, *, out=None) -> tuple:
    """Copies of `tensor` on each of `devices`, or copied into the GPU tensors `out`."""
    if (devices is None) == (out is None):
        raise RuntimeError(f"Exactly one of 'devices' and 'out' must be specified, but got devices={devices} "
                           f"and out={out}")
    if devices is not None:
        return tuple(_to_gpu(tensor, device_index(d)) for d in devices)
    for i, o in enumerate(out):
        _check_out_device(o, i)
        if o.shape != tensor.shape:
            raise RuntimeError(f"Expected all output tensors to have same shape as the source tensor "
                               f"{list(tensor.shape)}, but output tensor at index {i} has shape {list(o.shape)}")
    return tuple(o.copy_(tensor) for o in out)


def reduce_add(inputs, destination=None) -> Tensor:
    """The elementwise sum of GPU tensors, on `destination` (default: the current device),
    which must hold one of them."""
    destination = device_index(destination, optional=True)
    input_size = inputs[0].size()
    root_index = None
    for i, inp in enumerate(inputs):
        if inp.device.type == "cpu":
            raise AssertionError(f"reduce_add expects all inputs to be on GPUs, but input {i} is on CPU")
        if inp.device.index == destination:
            root_index = i
        if inp.size() != input_size:
            raise ValueError(f"input {i} has invalid size: got {'x'.join(map(str, inp.size()))}, but expected "
                             f"{'x'.join(map(str, input_size))}")
    if root_index is None:
        raise RuntimeError("reduce_add expects destination to be on the same GPU with one of the tensors")
    result = inputs[root_index]
    for i, inp in enumerate(inputs):
        if i != root_index:
            result = result + inp.to(result.device)
    return result


def scatter(tensor: Tensor, devices=None, chunk_sizes=None, dim: int = 0, streams=None, *, out=None) -> tuple:
    """`tensor` split along `dim` (in `chunk_sizes`, or evenly) with one chunk on each of
    `devices`, or copied into the GPU tensors `out`."""
    if out is None:
        devices = [device_index(d) for d in devices]
        if not devices:
            raise RuntimeError("Expected at least one device to scatter to")
        if chunk_sizes is not None and len(chunk_sizes) != len(devices):
            raise RuntimeError(f"Expected devices and chunk_sizes to be of same length, but got len(devices) = "
                               f"{len(devices)} and len(chunk_sizes) = {len(chunk_sizes)}")
        chunks = tensor.split(list(chunk_sizes), dim) if chunk_sizes is not None else tensor.chunk(len(devices), dim)
        return tuple(_to_gpu(c, d) for c, d in zip(chunks, devices))
    if devices is not None:
        raise RuntimeError(f"'devices' must not be specified when 'out' is specified, but got devices={devices}")
    if chunk_sizes is not None:
        raise RuntimeError(f"'chunk_sizes' must not be specified when 'out' is specified, but got "
                           f"chunk_sizes={chunk_sizes}")
    if not out:
        raise RuntimeError("Expected at least one output tensor to scatter to")
    dim = normalize_dim(dim, tensor.ndim, "scatter")
    sizes = []
    for i, o in enumerate(out):
        _check_out_device(o, i)
        if o.ndim != tensor.ndim or any(a != b for k, (a, b) in enumerate(zip(o.shape, tensor.shape)) if k != dim):
            raise RuntimeError(f"Output tensor at index {i} has incorrect shape: {list(o.shape)}. Expected same "
                               f"shape except for scatter dim {dim} as the source tensor: {list(tensor.shape)}")
        sizes.append(o.shape[dim])
    if sum(sizes) != tensor.shape[dim]:
        raise RuntimeError(f"Total size for output tensors along scatter dim {dim} does not match the source tensor "
                           f"size at dim {dim}. Expected {tensor.shape[dim]}, but got total size {sum(sizes)}")
    return tuple(o.copy_(c) for o, c in zip(out, tensor.split(sizes, dim)))


def _gather_shape(tensors: list, dim: int) -> list:
    """torch's checks on gather's inputs (GPU tensors agreeing off `dim`); the result's shape."""
    if not tensors:
        raise RuntimeError("Expected at least one tensor to gather from")
    dim = normalize_dim(dim, tensors[0].ndim, "gather")
    expected, total = list(tensors[0].shape), 0
    for i, t in enumerate(tensors):
        if not t.is_cuda:
            raise RuntimeError(f"Expected all input tensors to be CUDA tensors, but tensor at index {i} has device "
                               f"{t.device}")
        if t.ndim != len(expected):
            raise RuntimeError(f"Expected all input tensors to have the same number of dimensions, but tensor at "
                               f"index {i} has {t.ndim} dimensions, (expected {len(expected)})")
        expected[dim] = t.shape[dim]
        if list(t.shape) != expected:
            raise RuntimeError(f"Input tensor at index {i} has invalid shape {list(t.shape)}, but expected {expected}")
        total += t.shape[dim]
    expected[dim] = total
    return expected


def gather(tensors, dim: int = 0, destination=None, *, out=None) -> Tensor:
    """GPU tensors concatenated along `dim`, on `destination` (a GPU, or the CPU; default: the
    current device), or copied into `out`."""
    tensors = list(tensors)
    if out is not None:
        if destination is not None:
            raise RuntimeError(f"'destination' must not be specified when 'out' is specified, but got "
                               f"destination={destination}")
        shape = _gather_shape(tensors, dim)
        if list(out.shape) != shape:
            raise RuntimeError(f"Expected out tensor to have shape {shape}, but got {list(out.shape)}")
        return out.copy_(cat([t.to(out.device) for t in tensors], dim))
    if destination == -1:
        warnings.warn('Using -1 to represent CPU tensor is deprecated. Please use a device object or string '
                      'instead, e.g., "cpu".', FutureWarning, stacklevel=2)
    destination = device_index(destination, optional=True, allow_cpu=True)
    _gather_shape(tensors, dim)
    if destination == -1:
        return cat([t.to("cpu") for t in tensors], dim)
    return cat([_to_gpu(t, destination) for t in tensors], dim)
