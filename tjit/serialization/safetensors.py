"""safetensors files: ``u64 little-endian header length N`` + ``N bytes of JSON`` (padded with
spaces to a multiple of 8) + the data buffer.

The JSON maps each tensor name to ``{"dtype": "F32", "shape": [...], "data_offsets": [begin,
end]}`` (offsets relative to the start of the data buffer) and may carry a ``"__metadata__"``
str->str map. Data is little-endian and C-ordered; tensors are laid out in the same order as
the reference implementation (larger dtypes first, then by name) so every tensor is aligned
to its item size.
"""

from __future__ import annotations

import json
import os
import struct

import numpy as np

from .common import DTYPES, open_for_read, open_for_write, tensor_array

# the reference implementation lays tensors out by dtype, biggest first, then by name
_ST_ORDER = ["I64", "F64", "F32", "I32", "BF16", "F16", "I16", "I8", "U8", "BOOL"]
_ST_MAX_HEADER = 100_000_000
_ST_TO_DTYPE = {v[2]: k for k, v in DTYPES.items()}


def save_safetensors(tensors, path, *, to_array, metadata=None) -> None:
    """Write ``{name: tensor}`` to ``path`` (path or writable binary file) as safetensors."""
    if not isinstance(tensors, dict):
        raise TypeError("tensors must be a dict name -> tensor")
    entries = []
    for name, t in tensors.items():
        if type(name) is not str:
            raise TypeError(f"tensor names must be str, got {name!r}")
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved and cannot be a tensor name")
        arr, dtype_name, _rg, _param = tensor_array(to_array, t)
        entries.append((name, DTYPES[dtype_name][2], arr))
    entries.sort(key=lambda e: (_ST_ORDER.index(e[1]), e[0]))
    header: dict = {}
    if metadata is not None:
        if not isinstance(metadata, dict) or any(
                type(k) is not str or type(v) is not str for k, v in metadata.items()):
            raise TypeError("metadata must be a dict[str, str]")
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, code, arr in entries:
        header[name] = {"dtype": code, "shape": [int(n) for n in arr.shape],
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * ((-len(hb)) % 8)
    with open_for_write(path) as fp:
        fp.write(struct.pack("<Q", len(hb)))
        fp.write(hb)
        for _, _, arr in entries:
            if arr.nbytes:
                fp.write(memoryview(arr.reshape(-1).view(np.uint8)))


def _read_header(fp):
    """-> (header dict, absolute start of the data buffer, its length)."""
    start = fp.tell()
    fp.seek(0, os.SEEK_END)
    total = fp.tell() - start
    fp.seek(start)
    raw = fp.read(8)
    if len(raw) != 8:
        raise ValueError("not a safetensors file: too short")
    n = struct.unpack("<Q", raw)[0]
    if n > _ST_MAX_HEADER or n + 8 > total:
        raise ValueError(f"not a safetensors file: header length {n} out of range")
    try:
        header = json.loads(fp.read(n).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"invalid safetensors header: {e}") from e
    if not isinstance(header, dict):
        raise ValueError("invalid safetensors header: not a JSON object")
    return header, start + 8 + n, total - 8 - n


def read_safetensors_metadata(path) -> dict:
    """The ``__metadata__`` map of a safetensors file ({} when absent)."""
    with open_for_read(path) as fp:
        header, _, _ = _read_header(fp)
    return dict(header.get("__metadata__") or {})


def _entries(header, data_len) -> list:
    """Validated (name, dtype, shape, begin, end) per tensor; the data must tile the buffer."""
    entries = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict):
            raise ValueError(f"invalid safetensors entry for {name!r}")
        code = info.get("dtype")
        if code not in _ST_TO_DTYPE:
            raise ValueError(f"unsupported safetensors dtype {code!r} for {name!r}")
        dtype = _ST_TO_DTYPE[code]
        shape = info.get("shape")
        offs = info.get("data_offsets")
        if (not isinstance(shape, list) or any(type(s) is not int or s < 0 for s in shape)
                or not isinstance(offs, list) or len(offs) != 2
                or any(type(o) is not int for o in offs)):
            raise ValueError(f"invalid shape/data_offsets for {name!r}")
        begin, end = offs
        nbytes = int(np.prod(shape, dtype=np.int64)) * DTYPES[dtype][0].itemsize
        if not 0 <= begin <= end <= data_len or end - begin != nbytes:
            raise ValueError(
                f"tensor {name!r}: data_offsets {offs} do not match shape {shape} "
                f"({code}) within a {data_len}-byte buffer")
        entries.append((name, dtype, tuple(shape), begin, end))
    pos = 0
    for e in sorted(entries, key=lambda e: (e[3], e[4])):
        if e[3] != pos:
            raise ValueError("safetensors data buffer has holes or overlapping tensors")
        pos = e[4]
    if pos != data_len:
        raise ValueError("safetensors data buffer size does not match the header")
    return entries


def load_safetensors(path, *, from_array) -> dict:
    """Read a safetensors file; returns ``{name: from_array(array, dtype, False, False)}``."""
    out = {}
    with open_for_read(path) as fp:
        header, data_start, data_len = _read_header(fp)
        for name, dtype, shape, begin, end in _entries(header, data_len):
            buf = bytearray(end - begin)
            fp.seek(data_start + begin)
            if fp.readinto(buf) != len(buf):
                raise ValueError(f"tensor {name!r} is truncated")
            if dtype == "bool":
                arr = np.frombuffer(buf, dtype=np.uint8).reshape(shape) != 0
            else:
                np_dtype = DTYPES[dtype][0]
                arr = np.frombuffer(buf, dtype=np_dtype.newbyteorder("<")).reshape(shape)
                if not arr.dtype.isnative:
                    arr = arr.astype(np_dtype)
            out[name] = from_array(arr, dtype, False, False)
    return out
