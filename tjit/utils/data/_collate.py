"""default_collate / default_convert (torch.utils.data._utils.collate): how a list of samples
becomes a batch.  Tensors are stacked along a new first axis, numpy arrays and numbers become
tensors, and mappings, namedtuples and sequences are collated field by field."""
from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

import tjit
from tjit.ir import dtype as dt
from tjit.runtime.buffer import Buffer

from ... import engine
from ..._tensor import Tensor

np_str_obj_array_pattern = re.compile(r"[SaUO]")
default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                                  "lists; found {}")


def _host_values(t: Tensor, owner: Tensor) -> np.ndarray:
    """The values of `t` as a numpy view of its realized storage (`owner`: t or its base)."""
    on = owner._node
    buf = on.storage
    if t._base is None:
        return buf.export(tuple(t.shape))
    shape, strides, offset = t._view_meta
    flat = buf.export((buf.numel,))
    return np.lib.stride_tricks.as_strided(flat[offset:], shape, tuple(s * flat.itemsize for s in strides))


def _gather_stored(batch):
    """Stack samples by copying their values once into the batch's buffer, the way torch's
    collate writes them into one storage: the samples' storages (a TensorDataset's tensors,
    say) are realized once, then each sample, often a view at its own offset, is read in
    place.  Stacking views through a kernel would compile a new kernel for every distinct
    set of offsets, i.e. for every shuffled batch.  Returns None where a kernel must do it:
    autograd has to see the stacking, or the samples' dtypes/shapes differ (tjit.stack then
    promotes or raises)."""
    first = batch[0]
    shape = tuple(first.shape)
    if first.dtype is dt.bfloat16 or any(t.requires_grad or t.dtype != first.dtype or tuple(t.shape) != shape
                                         for t in batch):
        return None
    for t in batch:
        t._node  # noqa: B018  (re-derives a view whose base changed since it was taken)
    owners = [t._base if t._base is not None else t for t in batch]
    tjit.realize(*{id(o): o for o in owners}.values())
    shape = (len(batch),) + shape
    buf = Buffer(int(np.prod(shape)), first.dtype.np)
    np.stack([_host_values(t, o) for t, o in zip(batch, owners)], out=buf.array.reshape(shape))
    return Tensor._from_node(engine.buffer_node(buf, first.dtype, shape))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    out = _gather_stored(batch)
    return out if out is not None else tjit.stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([tjit.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return tjit.as_tensor(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return tjit.tensor(batch, dtype=tjit.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return tjit.tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


def _collate_mapping(batch, elem, collate_fn_map):
    fields = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(fields)
            return clone
        return type(elem)(fields)
    except TypeError:  # the mapping type cannot be rebuilt this way
        return fields


def _collate_sequence(batch, elem, collate_fn_map):
    it = iter(batch)
    elem_size = len(next(it))
    if not all(len(e) == elem_size for e in it):
        raise RuntimeError("each element in list of batch should be of equal size")
    columns = [collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)]
    if isinstance(elem, tuple):
        return columns
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, c in enumerate(columns):
                clone[i] = c
            return clone
        return type(elem)(columns)
    except TypeError:  # the sequence type cannot be rebuilt this way
        return columns


def collate(batch, *, collate_fn_map=None):
    """Collate `batch`, dispatching on the type of its first element through collate_fn_map
    (exact type first, then isinstance in insertion order), then containers."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _collate_mapping(batch, elem, collate_fn_map)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        return _collate_sequence(batch, elem, collate_fn_map)
    raise TypeError(default_collate_err_msg_format.format(elem_type))


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """torch's default_collate: tensors stacked, numpy arrays/scalars and Python numbers
    turned into tensors, strings kept as lists, containers collated per field."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def _convert_container(data, convert):
    """Mapping / sequence types rebuilt with converted elements (a plain dict/list when the
    type cannot be rebuilt)."""
    mapping = isinstance(data, collections.abc.Mapping)
    items = {k: convert(data[k]) for k in data} if mapping else [convert(d) for d in data]
    mutable = collections.abc.MutableMapping if mapping else collections.abc.MutableSequence
    try:
        if isinstance(data, mutable):
            clone = copy.copy(data)
            if mapping:
                clone.update(items)
            else:
                clone[:] = items
            return clone
        return type(data)(items)
    except TypeError:
        return items


def default_convert(data):
    """Without auto-batching: numpy arrays and scalars inside `data` become tensors."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return tjit.as_tensor(data)
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # torch keeps this for backwards compatibility
    if isinstance(data, collections.abc.Mapping) or (
            isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes))):
        return _convert_container(data, default_convert)
    return data
