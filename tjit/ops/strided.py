"""Torch's memory-layout rules for views: each view keeps (shape, strides, offset) relative
to its base, reshape may view only when torch's stride rule allows it, and an in-place write
must not read memory it partly overwrites in another layout.
"""
from __future__ import annotations

import math

from .._tensor import Tensor, contiguous_strides


def meta(x: Tensor):
    """(shape, strides, offset) of x relative to its base (a base is its own contiguous view)."""
    if x._base is not None:
        return x._view_meta
    return tuple(x.shape), contiguous_strides(x.shape), 0


def as_view(out: Tensor, x: Tensor, layout) -> Tensor:
    """Make `out` a view of x's base with `layout` = (shape, strides, offset)."""
    out._base = x._base if x._base is not None else x
    out._view_meta = (tuple(layout[0]), tuple(layout[1]), int(layout[2]))
    out._base_version = out._base._version
    out._storage_gen = out._base._storage_gen
    return out


def check_no_partial_overlap(out: Tensor, inputs) -> None:
    """torch refuses an in-place write whose input shares part of the written memory in
    another layout: the result would depend on the order elements are written."""
    for t in inputs:  # inputs of another shape fail the op's own shape check first
        if isinstance(t, Tensor) and broadcastable(t.shape, out.shape) and _partial_overlap(out, t):
            raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to tensor "
                               "refer to a single memory location. Please clone() the tensor before performing the "
                               "operation.")


def broadcastable(src, dst) -> bool:
    """Whether shape `src` broadcasts to exactly `dst`."""
    return len(src) <= len(dst) and all(s in (1, d) for s, d in zip(reversed(src), reversed(dst)))


def _partial_overlap(a: Tensor, b: Tensor) -> bool:
    """torch's test: both views dense, their address ranges intersect, and they are not the
    same view (views that are not dense are 'too hard' and pass)."""
    if (a._base if a._base is not None else a) is not (b._base if b._base is not None else b):
        return False
    ma, mb = meta(a), meta(b)
    if not (a.numel() and b.numel() and _dense(ma) and _dense(mb)) or ma[1:] == mb[1:]:
        return False
    return ma[2] < mb[2] + b.numel() and mb[2] < ma[2] + a.numel()


def _dense(layout) -> bool:
    """The view's elements fill a contiguous run of memory, in some order of dims."""
    dims = sorted((st, n) for n, st in zip(layout[0], layout[1]) if n != 1)
    expect = 1
    for st, n in dims:
        if st != expect:
            return False
        expect *= n
    return True


def view_strides(old_shape, old_strides, new_shape):
    """torch's computeStride: strides for viewing without a copy, or None."""
    if math.prod(old_shape) == 0 or not old_shape:
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1]
    tensor_numel, view_numel = 1, 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and
                             old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel, view_numel = 1, 1
    if view_d != -1:
        return None
    return tuple(new_strides)
