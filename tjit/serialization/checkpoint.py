"""PyTorch's zip checkpoint format (what ``torch.save`` writes by default in torch 2.x).

An uncompressed ("stored") zip archive whose records all live under one top-level folder
(torch names it after the file; :func:`dump` always uses ``archive``), written in this order::

    archive/data.pkl            pickle (protocol 2) of the object tree
    archive/.format_version     b"1"   storages are keyed "0", "1", ... in order
    archive/.storage_alignment  b"64"
    archive/byteorder           b"little" (or b"big"; absent means little)
    archive/data/0              raw bytes of storage "0"
    archive/data/1              ...
    archive/version             b"3\\n"   zip-container version

(torch also writes an optional ``.data/serialization_id`` record; it is omitted.) The zip
layout is :mod:`.zipwriter`'s, the pickle :mod:`.pickler`'s.

Reading (:func:`load`) accepts any zip checkpoint written by ``torch.save`` (or by
:func:`dump`); views that share a storage are rebuilt with
``numpy.lib.stride_tricks.as_strided`` on the (bounds-checked) storage and then copied to a
fresh C-contiguous array. The pickle is interpreted by :mod:`.unpickler`: it resolves only an
allow-list of globals mirroring what torch's ``weights_only`` unpickler allows for plain data,
never imports anything, and raises ``pickle.UnpicklingError`` naming any other global. The
legacy (pre-1.6, non-zip) ``torch.save`` format and TorchScript archives are rejected with a
clear error.
"""

from __future__ import annotations

import zipfile
from collections import Counter, OrderedDict
from pickle import UnpicklingError

import numpy as np

from .allowlist import Marker, Pending, Storage, check_int
from .common import DTYPES, open_for_read, open_for_write
from .pickler import Pickler
from .unpickler import RestrictedUnpickler
from .zipwriter import ALIGNMENT, ZipWriter


def dump(obj, f, *, is_tensor, to_array) -> None:
    """Write ``obj`` to ``f`` in torch's zip checkpoint format.

    ``f`` is a path (str / os.PathLike) or a writable binary file object (it is
    written sequentially and need not be seekable).  ``is_tensor(x)`` says
    whether ``x`` is a tensor; ``to_array(x)`` returns ``(array, dtype_name,
    requires_grad, is_parameter)``.  ``torch.load(f, weights_only=True)`` reads
    the result back with equal values, dtypes, shapes, dict order, container
    types and ``torch.nn.Parameter`` for parameters.
    """
    pickler = Pickler(is_tensor, to_array)
    data_pkl = pickler.dumps(obj)  # before opening f: an unsupported object leaves it untouched
    with open_for_write(f) as fp:
        zw = ZipWriter(fp)
        zw.write_record("archive/data.pkl", data_pkl)
        zw.write_record("archive/.format_version", b"1")
        zw.write_record("archive/.storage_alignment", str(ALIGNMENT).encode())
        zw.write_record("archive/byteorder", b"little")
        for key, arr in enumerate(pickler.storages):
            zw.write_record(f"archive/data/{key}", arr.reshape(-1).view(np.uint8))
        zw.write_record("archive/version", b"3\n")
        zw.finish()


def _resolve(obj, from_array, memo):
    """Replace every Pending in the unpickled tree by from_array(...), keeping identity."""
    oid = id(obj)
    if oid in memo:
        return memo[oid]
    t = type(obj)
    if t is Pending:
        out = from_array(obj.array, obj.dtype, obj.requires_grad, obj.is_parameter)
        memo[oid] = out
        return out
    if t is list:
        memo[oid] = obj
        for i, x in enumerate(obj):
            obj[i] = _resolve(x, from_array, memo)
        return obj
    if t in (dict, OrderedDict, Counter):
        memo[oid] = obj
        if any(type(k) is Pending for k in obj):
            items = [(_resolve(k, from_array, memo), _resolve(v, from_array, memo))
                     for k, v in obj.items()]
            obj.clear()
            obj.update(items)
        else:
            for k in list(obj):
                obj[k] = _resolve(obj[k], from_array, memo)
        if t is not dict and obj.__dict__:
            for k in list(obj.__dict__):
                obj.__dict__[k] = _resolve(obj.__dict__[k], from_array, memo)
        return obj
    if t in (tuple, set, frozenset):
        items = [_resolve(x, from_array, memo) for x in obj]
        out = obj if all(a is b for a, b in zip(items, obj)) else t(items)
        memo[oid] = out
        return out
    return obj


def _check_device(d, what="map_location") -> str:
    if isinstance(d, str):
        s = d
    elif hasattr(d, "type"):
        s = str(d)
    else:
        raise TypeError(f"{what} must be a device string or device object, got {d!r}")
    base, _, idx = s.partition(":")
    if not base or not base.replace("_", "").isalnum() or (idx and not idx.isdigit()):
        raise ValueError(f"invalid device {s!r} in {what}")
    return s


def _check_map_location(map_location) -> None:
    if map_location is None:
        return
    if isinstance(map_location, dict):
        for k, v in map_location.items():
            _check_device(k, "map_location key")
            _check_device(v, "map_location value")
        return
    if isinstance(map_location, str) or hasattr(map_location, "type"):
        _check_device(map_location)
        return
    if callable(map_location):
        return  # cannot be applied to host arrays; accepted for API compatibility
    raise TypeError(f"map_location must be None, a device, a dict or a callable, "
                    f"got {type(map_location).__name__}")


def _ascii(x):
    return x.decode("ascii") if isinstance(x, bytes) else x


def _read_record(zf, name: str) -> bytearray:
    """The whole record ``name`` as a writable buffer (arrays are views of it)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise UnpicklingError(f"checkpoint has no record {name!r}") from None
    buf = bytearray(info.file_size)
    with zf.open(info) as rec:
        view = memoryview(buf)
        got = 0
        while got < len(buf):
            n = rec.readinto(view[got:])
            if not n:
                break
            got += n
    if got != len(buf):
        raise UnpicklingError(f"record {name!r} is truncated")
    return buf


class _StorageLoader:
    """``persistent_load`` for the unpickler: each storage record is read once, on first use."""

    def __init__(self, zf, prefix, big_endian):
        self.zf, self.prefix, self.big_endian = zf, prefix, big_endian
        self.loaded: dict = {}

    def __call__(self, pid):
        if type(pid) is not tuple or len(pid) != 5:
            raise UnpicklingError(f"unsupported persistent id {pid!r}"[:200])
        typename, storage_type, key, location, numel = pid
        typename = _ascii(typename)
        if typename != "storage":
            raise UnpicklingError(
                f"only persistent_load of storages is allowed, got {typename!r}")
        if not (isinstance(storage_type, Marker) and storage_type.kind == "storage"):
            raise UnpicklingError(f"bad storage type {storage_type!r}")
        key, location = _ascii(key), _ascii(location)
        if type(key) is not str or type(location) is not str:
            raise UnpicklingError("storage key and location must be str")
        numel = check_int(numel, "storage numel")
        dtype = storage_type.name
        nbytes = numel * DTYPES[dtype][0].itemsize
        buf = self.loaded.get(key)
        if buf is None:
            buf = self.loaded[key] = _read_record(self.zf, f"{self.prefix}/data/{key}")
        if nbytes > len(buf) or numel < 0:
            raise UnpicklingError(
                f"storage {key!r} claims {numel} elements of {dtype} but its record "
                f"holds {len(buf)} bytes")
        return Storage(memoryview(buf)[:nbytes], dtype, key, self.big_endian)


def _check_magic(fp) -> None:
    """Refuse what is not a zip archive, naming torch's legacy format when it is that."""
    start = fp.tell()
    magic = fp.read(4)
    fp.seek(start)
    if magic != b"PK\x03\x04":
        if magic[:1] == b"\x80":
            raise RuntimeError(
                "this file uses torch's legacy (pre-1.6, non-zip) serialization format, "
                "which tjit does not read; re-save it with a recent torch.save")
        raise RuntimeError("not a torch checkpoint (expected a zip archive)")


def _archive_prefix(zf) -> str:
    """The top-level folder holding ``data.pkl``; TorchScript archives are refused."""
    names = zf.namelist()
    if not names:
        raise RuntimeError("empty zip archive")
    prefix = names[0].split("/", 1)[0]
    nameset = set(names)
    if f"{prefix}/data.pkl" not in nameset:
        if f"{prefix}/constants.pkl" in nameset or any(
                n.startswith(f"{prefix}/code/") for n in names):
            raise RuntimeError("this is a TorchScript archive (torch.jit.save), "
                               "not a torch.save checkpoint")
        raise RuntimeError(f"not a torch checkpoint: no {prefix}/data.pkl record")
    return prefix


def _is_big_endian(zf, prefix) -> bool:
    name = f"{prefix}/byteorder"
    if name not in zf.namelist():
        return False
    order = zf.read(name)
    if order not in (b"little", b"big"):
        raise ValueError(f"unknown byteorder {order!r} in checkpoint")
    return order == b"big"


def load(f, *, from_array, map_location=None, weights_only=True):
    """Read a zip-format checkpoint written by ``torch.save`` or :func:`dump`.

    Tensors are rebuilt by ``from_array(array, dtype_name, requires_grad,
    is_parameter)`` with a fresh, writable, C-contiguous native-endian array.
    ``map_location`` ("cpu", a device string/object, a dict or a callable) is
    validated but otherwise has no effect: arrays always live in host memory.
    The pickle is always interpreted by the restricted unpickler, so
    ``weights_only=False`` is accepted for API compatibility but grants
    nothing more.
    """
    _check_map_location(map_location)
    with open_for_read(f) as fp:
        _check_magic(fp)
        with zipfile.ZipFile(fp) as zf:
            prefix = _archive_prefix(zf)
            loader = _StorageLoader(zf, prefix, _is_big_endian(zf, prefix))
            obj = RestrictedUnpickler(zf.read(f"{prefix}/data.pkl"), loader).load()
    return _resolve(obj, from_array, {})
