"""Checkpoint I/O at the numpy level: PyTorch's zip format and safetensors.

This module never imports torch.  Tensors are plugged in through callbacks
(``is_tensor`` / ``to_array`` when writing, ``from_array`` when reading), so the
tensor class of tjit is not imported here either.  Arrays cross the callback
boundary as C-contiguous numpy arrays together with a dtype *name*: one of
``float32 float64 float16 bfloat16 int8 int16 int32 int64 uint8 bool``
(``bfloat16`` travels as ``uint16`` bit patterns).

PyTorch zip format (what ``torch.save`` writes by default in torch 2.x)
----------------------------------------------------------------------
An uncompressed ("stored") zip archive whose records all live under one
top-level folder (torch names it after the file; :func:`dump` always uses
``archive``), written in this order::

    archive/data.pkl            pickle (protocol 2) of the object tree
    archive/.format_version     b"1"   storages are keyed "0", "1", ... in order
    archive/.storage_alignment  b"64"
    archive/byteorder           b"little" (or b"big"; absent means little)
    archive/data/0              raw bytes of storage "0"
    archive/data/1              ...
    archive/version             b"3\\n"   zip-container version

(torch also writes an optional ``.data/serialization_id`` record; it is omitted.)

Every record is laid out the way torch's writer (miniz) does it: a local
header with sizes/CRC zeroed and general-purpose flags 0x0808 (UTF-8 names +
trailing data descriptor), the name, an extra field (a zip64 field first when
the record size or its header offset reaches 2**32-1, then a padding field
with id ``b"FB"`` filled with ``b"Z"``) chosen so that the record's payload
starts on a 64-byte boundary of the archive, the payload, then a data
descriptor (``PK\\x07\\x08``, CRC-32, sizes; 16 bytes, 24 with zip64).  Empty
records get no descriptor and flags 0x0800.  The central directory follows,
then a zip64 end-of-central-directory record + locator + the classic
end-of-central-directory record.  Because of the alignment, torch can
``mmap`` files written here.

``data.pkl`` is an ordinary pickle using only protocol-2 opcodes that torch's
``weights_only`` unpickler accepts.  A tensor is pickled as::

    torch._utils._rebuild_tensor_v2(
        <persistent id ("storage", torch.FloatStorage, "0", "cpu", numel)>,
        storage_offset, size, stride, requires_grad, collections.OrderedDict())

(sizes, strides and offsets are counted in elements; the storage class names
the dtype: Float/Double/Half/BFloat16/Char/Short/Int/Long/Byte/BoolStorage).
A ``torch.nn.Parameter`` is ``torch._utils._rebuild_parameter(<tensor as
above with requires_grad=False>, requires_grad, OrderedDict())``.  Dicts,
lists, tuples, str, int, float, bool and None are pickled natively;
``OrderedDict`` via ``collections.OrderedDict`` (+ BUILD of its ``__dict__``,
e.g. a state_dict's ``_metadata``); bytes via ``_codecs.encode``; set,
bytearray and complex via their builtins.  The same Python object (tensor or
container) is pickled once and referenced again through the pickle memo, so
identity is kept.  Storage sharing between *different* tensor objects is not
reconstructed when writing (``to_array`` hands out contiguous copies): each
tensor object gets its own storage record.

Reading (:func:`load`) accepts any zip checkpoint written by ``torch.save`` (or
by :func:`dump`); views that share a storage are rebuilt with
``numpy.lib.stride_tricks.as_strided`` on the (bounds-checked) storage and
then copied to a fresh C-contiguous array.  The pickle is interpreted by a
small restricted unpickler written here (see :class:`_RestrictedUnpickler`):
it resolves only an allow-list of globals mirroring what torch's
``weights_only`` unpickler allows for plain data, never imports anything,
and raises ``pickle.UnpicklingError`` naming any other global.  The legacy
(pre-1.6, non-zip) ``torch.save`` format and TorchScript archives are
rejected with a clear error.

safetensors
-----------
``u64 little-endian header length N`` + ``N bytes of JSON`` (padded with
spaces to a multiple of 8) + the data buffer.  The JSON maps each tensor name
to ``{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}``
(offsets relative to the start of the data buffer) and may carry a
``"__metadata__"`` str->str map.  Data is little-endian and C-ordered; tensors
are laid out in the same order as the reference implementation (larger
dtypes first, then by name) so every tensor is aligned to its item size.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile
import zlib
from collections import Counter, OrderedDict
from pickle import UnpicklingError

import numpy as np

__all__ = [
    "dump",
    "load",
    "save_safetensors",
    "load_safetensors",
    "read_safetensors_metadata",
    "DTYPE_NAMES",
]

# ---------------------------------------------------------------------------
# dtype tables
# ---------------------------------------------------------------------------

# name -> (numpy dtype used at the callback boundary, torch legacy storage class,
#          safetensors code)
_DTYPES = {
    "float32": (np.dtype(np.float32), "FloatStorage", "F32"),
    "float64": (np.dtype(np.float64), "DoubleStorage", "F64"),
    "float16": (np.dtype(np.float16), "HalfStorage", "F16"),
    "bfloat16": (np.dtype(np.uint16), "BFloat16Storage", "BF16"),
    "int8": (np.dtype(np.int8), "CharStorage", "I8"),
    "int16": (np.dtype(np.int16), "ShortStorage", "I16"),
    "int32": (np.dtype(np.int32), "IntStorage", "I32"),
    "int64": (np.dtype(np.int64), "LongStorage", "I64"),
    "uint8": (np.dtype(np.uint8), "ByteStorage", "U8"),
    "bool": (np.dtype(np.bool_), "BoolStorage", "BOOL"),
}
DTYPE_NAMES = tuple(_DTYPES)

_ALIASES = {
    "float": "float32", "double": "float64", "half": "float16",
    "long": "int64", "int": "int32", "short": "int16",
}

_ST_TO_DTYPE = {v[2]: k for k, v in _DTYPES.items()}

# torch dtypes / storage classes that torch's weights_only unpickler allows but
# that tjit cannot represent: recognised (so the error is precise) but refused.
_UNSUPPORTED_TORCH_DTYPES = {
    "complex32", "complex64", "complex128", "uint16", "uint32", "uint64",
    "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
    "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32",
    "quint4x2", "quint2x4", "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2",
    "cfloat", "cdouble", "chalf",
    "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7",
    "int1", "int2", "int3", "int4", "int5", "int6", "int7",
}
_UNSUPPORTED_STORAGES = {
    "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage",
    "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage",
}


def _canon_dtype(name) -> str:
    s = str(name)
    if s.startswith("torch."):
        s = s[len("torch."):]
    s = _ALIASES.get(s, s)
    if s not in _DTYPES:
        raise ValueError(
            f"unsupported dtype {name!r}; expected one of {', '.join(DTYPE_NAMES)}")
    return s


def _prepare_array(arr, dtype_name: str) -> np.ndarray:
    """Coerce a callback array to the canonical little-endian C-contiguous form."""
    want = _DTYPES[dtype_name][0]
    arr = np.asarray(arr)
    if dtype_name == "bfloat16":
        if arr.dtype.itemsize != 2 or arr.dtype.kind not in "ui":
            raise TypeError(
                f"bfloat16 tensors must be given as 16-bit integer bit patterns, got {arr.dtype}")
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False).view("<u2")
    elif arr.dtype != want:
        arr = arr.astype(want)
    arr = arr.astype(want.newbyteorder("<"), copy=False)
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would turn 0-d into 1-d)
    return arr


def _contiguous_strides(shape) -> tuple:
    # torch's convention: stride[i] = prod(max(size[j], 1) for j > i)
    strides = []
    acc = 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(int(n), 1)
    return tuple(reversed(strides))


# ---------------------------------------------------------------------------
# zip writer (miniz / PyTorchStreamWriter compatible layout)
# ---------------------------------------------------------------------------

_U32_MAX = 0xFFFFFFFF
_ALIGNMENT = 64


class _ZipWriter:
    """Sequential zip writer (stored entries only) laid out like torch's writer."""

    def __init__(self, fp):
        self.fp = fp
        self.pos = 0
        self.entries = []  # (name_bytes, crc, size, header_offset, flags)

    def _write(self, b) -> None:
        mv = memoryview(b)
        n = mv.nbytes
        if n:
            self.fp.write(mv)
        self.pos += n

    def write_record(self, name: str, data) -> None:
        mv = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) \
            else memoryview(data)
        size = mv.nbytes
        name_b = name.encode("utf-8")
        offset = self.pos
        big = size >= _U32_MAX or offset >= _U32_MAX
        zip64 = b""
        if big:
            fields = b""
            if size >= _U32_MAX:
                fields += struct.pack("<QQ", size, size)
            if offset >= _U32_MAX:
                fields += struct.pack("<Q", offset)
            zip64 = struct.pack("<HH", 1, len(fields)) + fields
        start = offset + 30 + len(name_b) + len(zip64) + 4
        pad = (-start) % _ALIGNMENT
        extra = zip64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        flags = 0x0808 if size else 0x0800
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 45 if big else 20, flags, 0, 0, 0,
            0, 0, 0, len(name_b), len(extra))
        self._write(header)
        self._write(name_b)
        self._write(extra)
        crc = zlib.crc32(mv) & 0xFFFFFFFF if size else 0
        self._write(mv)
        if size:
            if big:
                self._write(struct.pack("<IIQQ", 0x08074B50, crc, size, size))
            else:
                self._write(struct.pack("<IIII", 0x08074B50, crc, size, size))
        self.entries.append((name_b, crc, size, offset, flags))

    def finish(self) -> None:
        cd_start = self.pos
        for name_b, crc, size, offset, flags in self.entries:
            fields = b""
            csize = usize = size
            hoff = offset
            if size >= _U32_MAX:
                fields += struct.pack("<QQ", size, size)
                csize = usize = 0xFFFFFFFF
            if offset >= _U32_MAX:
                fields += struct.pack("<Q", offset)
                hoff = 0xFFFFFFFF
            extra = struct.pack("<HH", 1, len(fields)) + fields if fields else b""
            self._write(struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if extra else 20,
                45 if extra else 20, flags, 0, 0, 0, crc, csize, usize,
                len(name_b), len(extra), 0, 0, 0, 0, hoff))
            self._write(name_b)
            self._write(extra)
        cd_size = self.pos - cd_start
        n = len(self.entries)
        eocd64 = self.pos
        self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0,
                                n, n, cd_size, cd_start))
        self._write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
        n16 = n if n < 0xFFFF else 0xFFFF
        self._write(struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, n16, n16,
            cd_size if cd_size < _U32_MAX else 0xFFFFFFFF,
            cd_start if cd_start < _U32_MAX else 0xFFFFFFFF, 0))


# ---------------------------------------------------------------------------
# pickler (protocol 2, only opcodes torch's weights_only unpickler accepts)
# ---------------------------------------------------------------------------

_P = pickle  # opcode constants
_BATCH = 1000


class _Pickler:
    def __init__(self, is_tensor, to_array):
        self.is_tensor = is_tensor
        self.to_array = to_array
        self.out = io.BytesIO()
        self.memo = {}      # id(obj) -> (memo index, obj) ; obj kept alive
        self.globals = {}   # "module\nname" -> memo index
        self.storages = []  # list of little-endian C-contiguous arrays, key = index

    # -- low level ---------------------------------------------------------
    def w(self, b: bytes) -> None:
        self.out.write(b)

    def put(self) -> int:
        """Store the top of the unpickler's stack at the next free memo index."""
        idx = len(self.memo) + len(self.globals)
        if idx < 256:
            self.w(_P.BINPUT + bytes([idx]))
        else:
            self.w(_P.LONG_BINPUT + struct.pack("<I", idx))
        return idx

    def get(self, idx: int) -> None:
        if idx < 256:
            self.w(_P.BINGET + bytes([idx]))
        else:
            self.w(_P.LONG_BINGET + struct.pack("<I", idx))

    def memoize(self, obj) -> None:
        idx = self.put()
        self.memo[id(obj)] = (idx, obj)

    def save_global(self, module: str, name: str) -> None:
        key = module + "\n" + name
        idx = self.globals.get(key)
        if idx is not None:
            self.get(idx)
            return
        self.w(_P.GLOBAL + key.encode("ascii") + b"\n")
        idx = self.put()
        self.globals[key] = idx

    def save_str(self, s: str) -> None:
        b = s.encode("utf-8", "surrogatepass")
        self.w(_P.BINUNICODE + struct.pack("<I", len(b)) + b)

    def save_int(self, x: int) -> None:
        if 0 <= x < 256:
            self.w(_P.BININT1 + bytes([x]))
        elif 0 <= x < 65536:
            self.w(_P.BININT2 + struct.pack("<H", x))
        elif -(2 ** 31) <= x < 2 ** 31:
            self.w(_P.BININT + struct.pack("<i", x))
        else:
            enc = pickle.encode_long(x)
            if len(enc) < 256:
                self.w(_P.LONG1 + bytes([len(enc)]) + enc)
            else:
                self.w(_P.LONG4 + struct.pack("<i", len(enc)) + enc)

    def save_tuple_items(self, items) -> None:
        n = len(items)
        if n == 0:
            self.w(_P.EMPTY_TUPLE)
            return
        if n > 3:
            self.w(_P.MARK)
        for x in items:
            self.save(x)
        self.w({1: _P.TUPLE1, 2: _P.TUPLE2, 3: _P.TUPLE3}.get(n, _P.TUPLE))

    def save_empty_ordered_dict(self) -> None:
        self.save_global("collections", "OrderedDict")
        self.w(_P.EMPTY_TUPLE + _P.REDUCE)

    def save_items(self, items) -> None:
        items = list(items)
        for i in range(0, len(items), _BATCH):
            chunk = items[i:i + _BATCH]
            if len(chunk) == 1:
                self.save(chunk[0][0])
                self.save(chunk[0][1])
                self.w(_P.SETITEM)
            else:
                self.w(_P.MARK)
                for k, v in chunk:
                    self.save(k)
                    self.save(v)
                self.w(_P.SETITEMS)

    # -- objects -----------------------------------------------------------
    def save(self, obj) -> None:
        m = self.memo.get(id(obj))
        if m is not None:
            self.get(m[0])
            return
        if obj is None:
            self.w(_P.NONE)
            return
        if obj is True or obj is False:
            self.w(_P.NEWTRUE if obj else _P.NEWFALSE)
            return
        if self.is_tensor(obj):
            self.save_tensor(obj)
            return
        t = type(obj)
        if isinstance(obj, np.generic) and not isinstance(obj, (np.void,)):
            obj = obj.item()
            t = type(obj)
            if obj is True or obj is False:
                self.w(_P.NEWTRUE if obj else _P.NEWFALSE)
                return
        if t is int:
            self.save_int(obj)
        elif t is float:
            self.w(_P.BINFLOAT + struct.pack(">d", obj))
        elif t is str:
            self.save_str(obj)
            self.memoize(obj)
        elif t is bytes:
            self.save_global("_codecs", "encode")
            self.save_str(obj.decode("latin1"))
            self.save_str("latin1")
            self.w(_P.TUPLE2 + _P.REDUCE)
            self.memoize(obj)
        elif t is bytearray:
            self.save_global("builtins", "bytearray")
            self.save(bytes(obj))
            self.w(_P.TUPLE1 + _P.REDUCE)
            self.memoize(obj)
        elif t is complex:
            self.save_global("builtins", "complex")
            self.w(_P.BINFLOAT + struct.pack(">d", obj.real))
            self.w(_P.BINFLOAT + struct.pack(">d", obj.imag))
            self.w(_P.TUPLE2 + _P.REDUCE)
        elif t is tuple:
            self.save_tuple_items(obj)
            if id(obj) in self.memo:  # recursive tuple: not representable
                raise ValueError("cannot save a tuple that contains itself")
            if obj:
                self.memoize(obj)
        elif t is list:
            self.w(_P.EMPTY_LIST)
            self.memoize(obj)
            for i in range(0, len(obj), _BATCH):
                chunk = obj[i:i + _BATCH]
                if len(chunk) == 1:
                    self.save(chunk[0])
                    self.w(_P.APPEND)
                else:
                    self.w(_P.MARK)
                    for x in chunk:
                        self.save(x)
                    self.w(_P.APPENDS)
        elif t is dict:
            self.w(_P.EMPTY_DICT)
            self.memoize(obj)
            self.save_items(obj.items())
        elif t is OrderedDict:
            self.save_empty_ordered_dict()
            self.memoize(obj)
            self.save_items(obj.items())
            state = getattr(obj, "__dict__", None)
            if state:
                self.save(dict(state))
                self.w(_P.BUILD)
        elif t is set:
            self.save_global("builtins", "set")
            self.save(list(obj))
            self.w(_P.TUPLE1 + _P.REDUCE)
            self.memoize(obj)
        else:
            raise TypeError(
                f"cannot save object of type {t.__module__}.{t.__qualname__}: only tensors, "
                "dict, OrderedDict, list, tuple, set, str, bytes, int, float, complex, "
                "bool and None are supported (torch.load(weights_only=True) would reject "
                "anything else)")

    def save_tensor(self, obj) -> None:
        arr, dtype_name, requires_grad, is_parameter = self.to_array(obj)
        dtype_name = _canon_dtype(dtype_name)
        arr = _prepare_array(arr, dtype_name)
        requires_grad = bool(requires_grad)
        key = str(len(self.storages))
        self.storages.append(arr)
        if is_parameter:
            self.save_global("torch._utils", "_rebuild_parameter")
        self.save_global("torch._utils", "_rebuild_tensor_v2")
        self.w(_P.MARK)
        # persistent id: ("storage", storage_type, key, location, numel)
        self.w(_P.MARK)
        self.save("storage")
        self.save_global("torch", _DTYPES[dtype_name][1])
        self.save_str(key)
        self.save("cpu")
        self.save_int(int(arr.size))
        self.w(_P.TUPLE + _P.BINPERSID)
        self.save_int(0)
        shape = tuple(int(n) for n in arr.shape)
        self.save_tuple_items(shape)
        self.save_tuple_items(_contiguous_strides(shape))
        self.save(False if is_parameter else requires_grad)
        self.save_empty_ordered_dict()
        self.w(_P.TUPLE + _P.REDUCE)
        if is_parameter:
            self.save(requires_grad)
            self.save_empty_ordered_dict()
            self.w(_P.TUPLE3 + _P.REDUCE)
        self.memoize(obj)


def _open_for_write(f):
    if hasattr(f, "write"):
        return f, False
    return open(os.fspath(f), "wb"), True


def dump(obj, f, *, is_tensor, to_array) -> None:
    """Write ``obj`` to ``f`` in torch's zip checkpoint format.

    ``f`` is a path (str / os.PathLike) or a writable binary file object (it is
    written sequentially and need not be seekable).  ``is_tensor(x)`` says
    whether ``x`` is a tensor; ``to_array(x)`` returns ``(array, dtype_name,
    requires_grad, is_parameter)``.  ``torch.load(f, weights_only=True)`` reads
    the result back with equal values, dtypes, shapes, dict order, container
    types and ``torch.nn.Parameter`` for parameters.
    """
    pickler = _Pickler(is_tensor, to_array)
    pickler.w(_P.PROTO + b"\x02")
    pickler.save(obj)
    pickler.w(_P.STOP)
    data_pkl = pickler.out.getvalue()
    fp, close = _open_for_write(f)
    try:
        zw = _ZipWriter(fp)
        zw.write_record("archive/data.pkl", data_pkl)
        zw.write_record("archive/.format_version", b"1")
        zw.write_record("archive/.storage_alignment", str(_ALIGNMENT).encode())
        zw.write_record("archive/byteorder", b"little")
        for key, arr in enumerate(pickler.storages):
            zw.write_record(f"archive/data/{key}", arr.reshape(-1).view(np.uint8))
        zw.write_record("archive/version", b"3\n")
        zw.finish()
        if hasattr(fp, "flush"):
            fp.flush()
    finally:
        if close:
            fp.close()


# ---------------------------------------------------------------------------
# restricted unpickler
# ---------------------------------------------------------------------------

class _Marker:
    """A named stand-in for a torch object (dtype, storage class, Tensor ...)."""

    __slots__ = ("kind", "name")

    def __init__(self, kind: str, name: str):
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name}>"


class _Storage:
    __slots__ = ("buf", "dtype", "key", "big_endian")

    def __init__(self, buf, dtype, key, big_endian):
        self.buf = buf            # writable bytes-like, exactly the record's bytes
        self.dtype = dtype        # canonical dtype name, or "uint8" for untyped
        self.key = key
        self.big_endian = big_endian

    def typed(self, dtype: str) -> np.ndarray:
        np_dtype = _DTYPES[dtype][0]
        if dtype == "bool":
            np_dtype = np.dtype(np.uint8)  # normalised to 0/1 after the copy
        np_dtype = np_dtype.newbyteorder(">" if self.big_endian else "<")
        n = len(self.buf) // np_dtype.itemsize
        return np.frombuffer(self.buf, dtype=np_dtype, count=n)


class _Pending:
    """A tensor decoded from the pickle; turned into a real one by from_array at the end."""

    __slots__ = ("array", "dtype", "requires_grad", "is_parameter")

    def __init__(self, array, dtype, requires_grad, is_parameter):
        self.array = array
        self.dtype = dtype
        self.requires_grad = requires_grad
        self.is_parameter = is_parameter


def _check_int(x, what) -> int:
    if type(x) is not int:
        raise UnpicklingError(f"{what} must be an int, got {type(x).__name__}")
    return x


def _check_int_tuple(x, what) -> tuple:
    if type(x) not in (tuple, list) or any(type(v) is not int for v in x):
        raise UnpicklingError(f"{what} must be a tuple of ints, got {x!r}"[:200])
    return tuple(x)


def _view(storage: _Storage, dtype, offset, size, stride) -> np.ndarray:
    """as_strided view of the storage, bounds-checked, copied to C-contiguous native."""
    if not isinstance(storage, _Storage):
        raise UnpicklingError(f"expected a storage, got {type(storage).__name__}")
    offset = _check_int(offset, "storage_offset")
    size = _check_int_tuple(size, "size")
    stride = _check_int_tuple(stride, "stride")
    if len(size) != len(stride):
        raise UnpicklingError(f"size {size} and stride {stride} differ in length")
    if offset < 0 or any(n < 0 for n in size) or any(s < 0 for s in stride):
        raise UnpicklingError(
            f"negative storage_offset/size/stride: {offset}, {size}, {stride}")
    flat = storage.typed(dtype)
    native = _DTYPES[dtype][0]
    if any(n == 0 for n in size):
        return np.empty(size, dtype=native)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= flat.shape[0]:
        raise UnpicklingError(
            f"tensor (offset {offset}, size {size}, stride {stride}) reaches element "
            f"{last} of storage {storage.key!r} which holds only {flat.shape[0]} elements")
    item = flat.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        flat[offset:], shape=size, strides=tuple(s * item for s in stride), writeable=False)
    out = np.empty(size, dtype=native)
    if dtype == "bool":
        np.not_equal(view, 0, out=out)
    else:
        out[...] = view
    return out


def _rebuild_tensor(storage, storage_offset, size, stride):
    if not isinstance(storage, _Storage):
        raise UnpicklingError(f"expected a storage, got {type(storage).__name__}")
    arr = _view(storage, storage.dtype, storage_offset, size, stride)
    return _Pending(arr, storage.dtype, False, False)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    if type(requires_grad) is not bool:
        raise UnpicklingError("requires_grad must be a bool")
    t.requires_grad = requires_grad
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    if not isinstance(storage, _Storage):
        raise UnpicklingError(f"expected a storage, got {type(storage).__name__}")
    if not (isinstance(dtype, _Marker) and dtype.kind == "dtype"):
        raise UnpicklingError(f"expected a dtype, got {dtype!r}")
    arr = _view(storage, dtype.name, storage_offset, size, stride)
    if type(requires_grad) is not bool:
        raise UnpicklingError("requires_grad must be a bool")
    return _Pending(arr, dtype.name, requires_grad, False)


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    if not isinstance(data, _Pending):
        raise UnpicklingError(f"_rebuild_parameter expects a tensor, got {type(data).__name__}")
    if type(requires_grad) is not bool:
        raise UnpicklingError("requires_grad must be a bool")
    return _Pending(data.array, data.dtype, requires_grad, True)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    # the extra Python attributes in ``state`` are dropped
    return _rebuild_parameter(data, requires_grad, backward_hooks)


_TENSOR = _Marker("class", "torch.Tensor")
_PARAMETER = _Marker("class", "torch.nn.Parameter")


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILD_FUNCS:
        raise UnpicklingError(f"_rebuild_from_type_v2: unsupported function {func!r}")
    if type(args) is not tuple:
        raise UnpicklingError("_rebuild_from_type_v2: args must be a tuple")
    t = func(*args)
    if not isinstance(t, _Pending):
        raise UnpicklingError("_rebuild_from_type_v2: did not produce a tensor")
    if new_type is _PARAMETER:
        return _Pending(t.array, t.dtype, t.requires_grad, True)
    if new_type is not _TENSOR:
        raise UnpicklingError(f"_rebuild_from_type_v2: unsupported tensor type {new_type!r}")
    return t  # python attributes in ``state`` are dropped


def _make_parameter(data=None, requires_grad=True):
    if not isinstance(data, _Pending):
        raise UnpicklingError("torch.nn.Parameter expects a tensor")
    return _Pending(data.array, data.dtype, bool(requires_grad), True)


def _torch_size(*args):
    if len(args) == 0:
        return ()
    if len(args) != 1:
        raise UnpicklingError("torch.Size takes one argument")
    return _check_int_tuple(args[0], "torch.Size")


def _torch_device(type_, index=None):
    if type(type_) is not str or (index is not None and type(index) is not int):
        raise UnpicklingError("torch.device expects (str, int | None)")
    return type_ if index is None or ":" in type_ else f"{type_}:{index}"


def _codecs_encode(obj, encoding="utf-8", errors="strict"):
    if type(obj) is not str or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise UnpicklingError(f"_codecs.encode only decodes str with latin1/utf-8, got {encoding!r}")
    return obj.encode(encoding, errors if errors in ("strict", "surrogatepass") else "strict")


def _bytearray(*args):
    if len(args) == 0:
        return bytearray()
    if len(args) != 1 or type(args[0]) not in (bytes, bytearray):
        raise UnpicklingError("builtins.bytearray only accepts a bytes argument")
    return bytearray(args[0])


def _complex(real=0.0, imag=0.0):
    if type(real) not in (int, float) or type(imag) not in (int, float):
        raise UnpicklingError("builtins.complex only accepts numbers")
    return complex(real, imag)


def _set(*args):
    if len(args) > 1:
        raise UnpicklingError("builtins.set takes at most one argument")
    if args and type(args[0]) not in (list, tuple, set, frozenset):
        raise UnpicklingError("builtins.set only accepts a list")
    return set(*args)


_REBUILD_FUNCS = {_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                  _rebuild_parameter_with_state}


def _build_allowed_globals() -> dict:
    g = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.nn.parameter.Parameter": _PARAMETER,
        "torch.Tensor": _TENSOR,
        "torch.Size": _torch_size,
        "torch.device": _torch_device,
        "_codecs.encode": _codecs_encode,
        "builtins.bytearray": _bytearray,
        "builtins.set": _set,
        "builtins.complex": _complex,
    }
    for name in _DTYPES:
        g[f"torch.{name}"] = _Marker("dtype", name)
    for name, (_, storage_cls, _) in _DTYPES.items():
        g[f"torch.{storage_cls}"] = _Marker("storage", name)
    g["torch.storage.UntypedStorage"] = _Marker("storage", "uint8")
    g["torch.UntypedStorage"] = g["torch.storage.UntypedStorage"]
    return g


_ALLOWED_GLOBALS = _build_allowed_globals()
_CALLABLE = {id(v): v for v in _ALLOWED_GLOBALS.values()
             if not isinstance(v, _Marker) or v is _PARAMETER}
_BLOCKED_MODULES = {"sys", "os", "posix", "nt", "subprocess", "importlib", "shutil"}
_MODULE_RENAMES = {"__builtin__": "builtins", "copy_reg": "copyreg", "UserDict": "collections"}

_OP = {name: getattr(pickle, name)[0] for name in (
    "PROTO", "FRAME", "STOP", "MARK", "POP", "POP_MARK", "DUP", "NONE", "NEWTRUE",
    "NEWFALSE", "BININT", "BININT1", "BININT2", "LONG1", "LONG4", "BINFLOAT",
    "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "SHORT_BINSTRING", "BINSTRING",
    "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8", "EMPTY_TUPLE", "TUPLE",
    "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_LIST", "LIST", "APPEND", "APPENDS",
    "EMPTY_DICT", "DICT", "SETITEM", "SETITEMS", "EMPTY_SET", "ADDITEMS", "FROZENSET",
    "GLOBAL", "STACK_GLOBAL", "REDUCE", "NEWOBJ", "BUILD", "BINPERSID", "BINGET",
    "LONG_BINGET", "BINPUT", "LONG_BINPUT", "MEMOIZE")}
_OPNAME = {getattr(pickle, n)[0]: n for n in dir(pickle)
           if n.isupper() and isinstance(getattr(pickle, n), bytes) and len(getattr(pickle, n)) == 1}


class _RestrictedUnpickler:
    """A data-only pickle interpreter (never imports, never calls user code).

    Only the globals in ``_ALLOWED_GLOBALS`` can be referenced; each maps to a
    local, argument-checking stand-in (tensor rebuild functions produce
    :class:`_Pending` records, storage classes and dtypes are markers).  REDUCE
    only calls those stand-ins, BUILD only updates the ``__dict__`` of an
    ``OrderedDict``/``Counter``, APPEND(S) only targets lists, SETITEM(S) only
    dicts.  Any other global or opcode raises ``pickle.UnpicklingError``.
    """

    def __init__(self, data: bytes, persistent_load):
        self.data = memoryview(data)
        self.pos = 0
        self.persistent_load = persistent_load

    def read(self, n: int):
        if n < 0 or self.pos + n > len(self.data):
            raise UnpicklingError("pickle data was truncated")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def readline(self) -> str:
        end = bytes(self.data[self.pos:self.pos + 1024]).find(b"\n")
        if end < 0:
            raise UnpicklingError("pickle data was truncated (GLOBAL)")
        s = bytes(self.data[self.pos:self.pos + end]).decode("utf-8")
        self.pos += end + 1
        return s

    def find_class(self, module: str, name: str):
        module = _MODULE_RENAMES.get(module, module)
        full = f"{module}.{name}"
        obj = _ALLOWED_GLOBALS.get(full)
        if obj is not None:
            return obj
        if module.startswith("torch.") or module == "torch":
            short = name
            if short in _UNSUPPORTED_TORCH_DTYPES or short in _UNSUPPORTED_STORAGES:
                raise UnpicklingError(
                    f"Unsupported global: GLOBAL {full}: this dtype is not supported by tjit")
        hint = " (module is blocked)" if module.split(".")[0] in _BLOCKED_MODULES else ""
        raise UnpicklingError(
            f"Unsupported global: GLOBAL {full} is not allowed by tjit's weights-only "
            f"unpickler{hint}")

    def load(self):
        stack: list = []
        metastack: list = []
        memo: dict = {}
        read = self.read
        O = _OP

        def pop_mark():
            nonlocal stack
            if not metastack:
                raise UnpicklingError("MARK expected")
            items = stack
            stack = metastack.pop()
            return items

        def top():
            if not stack:
                raise UnpicklingError("unpickling stack underflow")
            return stack[-1]

        def pop():
            if not stack:
                raise UnpicklingError("unpickling stack underflow")
            return stack.pop()

        while True:
            key = read(1)[0]
            if key == O["PROTO"]:
                proto = read(1)[0]
                if proto > pickle.HIGHEST_PROTOCOL:
                    raise UnpicklingError(f"unsupported pickle protocol {proto}")
            elif key == O["FRAME"]:
                read(8)
            elif key == O["STOP"]:
                return pop()
            elif key == O["MARK"]:
                metastack.append(stack)
                stack = []
            elif key == O["POP"]:
                if stack:
                    stack.pop()
                else:
                    pop_mark()
            elif key == O["POP_MARK"]:
                pop_mark()
            elif key == O["DUP"]:
                stack.append(top())
            elif key == O["NONE"]:
                stack.append(None)
            elif key == O["NEWTRUE"]:
                stack.append(True)
            elif key == O["NEWFALSE"]:
                stack.append(False)
            elif key == O["BININT"]:
                stack.append(struct.unpack("<i", read(4))[0])
            elif key == O["BININT1"]:
                stack.append(read(1)[0])
            elif key == O["BININT2"]:
                stack.append(struct.unpack("<H", read(2))[0])
            elif key == O["LONG1"]:
                n = read(1)[0]
                stack.append(pickle.decode_long(bytes(read(n))))
            elif key == O["LONG4"]:
                n = struct.unpack("<i", read(4))[0]
                if n < 0:
                    raise UnpicklingError("LONG4 with negative length")
                stack.append(pickle.decode_long(bytes(read(n))))
            elif key == O["BINFLOAT"]:
                stack.append(struct.unpack(">d", read(8))[0])
            elif key == O["BINUNICODE"]:
                n = struct.unpack("<I", read(4))[0]
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif key == O["SHORT_BINUNICODE"]:
                n = read(1)[0]
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif key == O["BINUNICODE8"]:
                n = struct.unpack("<Q", read(8))[0]
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif key == O["SHORT_BINSTRING"]:
                n = read(1)[0]
                stack.append(bytes(read(n)))
            elif key == O["BINSTRING"]:
                n = struct.unpack("<i", read(4))[0]
                stack.append(bytes(read(n)))
            elif key == O["SHORT_BINBYTES"]:
                n = read(1)[0]
                stack.append(bytes(read(n)))
            elif key == O["BINBYTES"]:
                n = struct.unpack("<I", read(4))[0]
                stack.append(bytes(read(n)))
            elif key == O["BINBYTES8"]:
                n = struct.unpack("<Q", read(8))[0]
                stack.append(bytes(read(n)))
            elif key == O["BYTEARRAY8"]:
                n = struct.unpack("<Q", read(8))[0]
                stack.append(bytearray(read(n)))
            elif key == O["EMPTY_TUPLE"]:
                stack.append(())
            elif key == O["TUPLE"]:
                items = pop_mark()
                stack.append(tuple(items))
            elif key == O["TUPLE1"]:
                stack.append((pop(),))
            elif key == O["TUPLE2"]:
                b = pop()
                a = pop()
                stack.append((a, b))
            elif key == O["TUPLE3"]:
                c = pop()
                b = pop()
                a = pop()
                stack.append((a, b, c))
            elif key == O["EMPTY_LIST"]:
                stack.append([])
            elif key == O["LIST"]:
                stack.append(pop_mark())
            elif key == O["APPEND"]:
                item = pop()
                lst = top()
                if type(lst) is not list:
                    raise UnpicklingError(f"can only append to lists, got {type(lst).__name__}")
                lst.append(item)
            elif key == O["APPENDS"]:
                items = pop_mark()
                lst = top()
                if type(lst) is not list:
                    raise UnpicklingError(f"can only extend lists, got {type(lst).__name__}")
                lst.extend(items)
            elif key == O["EMPTY_DICT"]:
                stack.append({})
            elif key == O["DICT"]:
                items = pop_mark()
                if len(items) % 2:
                    raise UnpicklingError("odd number of items for DICT")
                stack.append({items[i]: items[i + 1] for i in range(0, len(items), 2)})
            elif key == O["SETITEM"]:
                v = pop()
                k = pop()
                d = top()
                if type(d) not in (dict, OrderedDict, Counter):
                    raise UnpicklingError(f"can only SETITEM on dicts, got {type(d).__name__}")
                d[k] = v
            elif key == O["SETITEMS"]:
                items = pop_mark()
                d = top()
                if type(d) not in (dict, OrderedDict, Counter):
                    raise UnpicklingError(f"can only SETITEMS on dicts, got {type(d).__name__}")
                if len(items) % 2:
                    raise UnpicklingError("odd number of items for SETITEMS")
                for i in range(0, len(items), 2):
                    d[items[i]] = items[i + 1]
            elif key == O["EMPTY_SET"]:
                stack.append(set())
            elif key == O["ADDITEMS"]:
                items = pop_mark()
                s = top()
                if type(s) is not set:
                    raise UnpicklingError(f"can only ADDITEMS to sets, got {type(s).__name__}")
                s.update(items)
            elif key == O["FROZENSET"]:
                stack.append(frozenset(pop_mark()))
            elif key == O["GLOBAL"]:
                module = self.readline()
                name = self.readline()
                stack.append(self.find_class(module, name))
            elif key == O["STACK_GLOBAL"]:
                name = pop()
                module = pop()
                if type(name) is not str or type(module) is not str:
                    raise UnpicklingError("STACK_GLOBAL requires str module and name")
                stack.append(self.find_class(module, name))
            elif key == O["REDUCE"]:
                args = pop()
                func = pop()
                if _CALLABLE.get(id(func)) is not func:
                    raise UnpicklingError(f"REDUCE of a non-allowed callable {func!r}"[:200])
                if type(args) is not tuple:
                    raise UnpicklingError("REDUCE arguments must be a tuple")
                if func is _PARAMETER:
                    func = _make_parameter
                try:
                    stack.append(func(*args))
                except UnpicklingError:
                    raise
                except (TypeError, ValueError, OverflowError) as e:
                    raise UnpicklingError(f"bad arguments in pickle for {func!r}: {e}") from e
            elif key == O["NEWOBJ"]:
                args = pop()
                cls = pop()
                if type(args) is not tuple:
                    raise UnpicklingError("NEWOBJ arguments must be a tuple")
                if cls is _PARAMETER:
                    stack.append(_make_parameter(*args))
                elif cls is OrderedDict or cls is Counter:
                    stack.append(cls())
                else:
                    raise UnpicklingError(f"NEWOBJ of a non-allowed class {cls!r}"[:200])
            elif key == O["BUILD"]:
                state = pop()
                inst = top()
                if type(inst) not in (OrderedDict, Counter):
                    raise UnpicklingError(
                        f"BUILD is only supported for OrderedDict, got {type(inst).__name__}")
                if state is None:
                    continue
                if type(state) is not dict or any(type(k) is not str for k in state):
                    raise UnpicklingError("BUILD state must be a dict with str keys")
                inst.__dict__.update(state)
            elif key == O["BINPERSID"]:
                pid = pop()
                stack.append(self.persistent_load(pid))
            elif key == O["BINGET"]:
                idx = read(1)[0]
                if idx not in memo:
                    raise UnpicklingError(f"memo key {idx} not found")
                stack.append(memo[idx])
            elif key == O["LONG_BINGET"]:
                idx = struct.unpack("<I", read(4))[0]
                if idx not in memo:
                    raise UnpicklingError(f"memo key {idx} not found")
                stack.append(memo[idx])
            elif key == O["BINPUT"]:
                memo[read(1)[0]] = top()
            elif key == O["LONG_BINPUT"]:
                memo[struct.unpack("<I", read(4))[0]] = top()
            elif key == O["MEMOIZE"]:
                memo[len(memo)] = top()
            else:
                name = _OPNAME.get(key)
                raise UnpicklingError(
                    f"unsupported pickle opcode {bytes([key])!r}"
                    + (f" ({name})" if name else "") + " in weights-only checkpoint")


def _resolve(obj, from_array, memo):
    """Replace every _Pending in the unpickled tree by from_array(...), keeping identity."""
    oid = id(obj)
    if oid in memo:
        return memo[oid]
    t = type(obj)
    if t is _Pending:
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
        if any(type(k) is _Pending for k in obj):
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


def _open_for_read(f):
    if hasattr(f, "read"):
        if hasattr(f, "seekable") and f.seekable():
            return f, False
        return io.BytesIO(f.read()), False
    return open(os.fspath(f), "rb"), True


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
    fp, close = _open_for_read(f)
    try:
        start = fp.tell()
        magic = fp.read(4)
        fp.seek(start)
        if magic != b"PK\x03\x04":
            if magic[:1] == b"\x80":
                raise RuntimeError(
                    "this file uses torch's legacy (pre-1.6, non-zip) serialization format, "
                    "which tjit does not read; re-save it with a recent torch.save")
            raise RuntimeError("not a torch checkpoint (expected a zip archive)")
        with zipfile.ZipFile(fp) as zf:
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
            big_endian = False
            if f"{prefix}/byteorder" in nameset:
                order = zf.read(f"{prefix}/byteorder")
                if order not in (b"little", b"big"):
                    raise ValueError(f"unknown byteorder {order!r} in checkpoint")
                big_endian = order == b"big"
            loaded: dict = {}

            def persistent_load(pid):
                if type(pid) is not tuple or len(pid) != 5:
                    raise UnpicklingError(f"unsupported persistent id {pid!r}"[:200])
                typename, storage_type, key, location, numel = pid
                if isinstance(typename, bytes):
                    typename = typename.decode("ascii")
                if typename != "storage":
                    raise UnpicklingError(
                        f"only persistent_load of storages is allowed, got {typename!r}")
                if not (isinstance(storage_type, _Marker) and storage_type.kind == "storage"):
                    raise UnpicklingError(f"bad storage type {storage_type!r}")
                if isinstance(key, bytes):
                    key = key.decode("ascii")
                if isinstance(location, bytes):
                    location = location.decode("ascii")
                if type(key) is not str or type(location) is not str:
                    raise UnpicklingError("storage key and location must be str")
                numel = _check_int(numel, "storage numel")
                dtype = storage_type.name
                nbytes = numel * _DTYPES[dtype][0].itemsize
                buf = loaded.get(key)
                if buf is None:
                    name = f"{prefix}/data/{key}"
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
                    loaded[key] = buf
                if nbytes > len(buf) or numel < 0:
                    raise UnpicklingError(
                        f"storage {key!r} claims {numel} elements of {dtype} but its record "
                        f"holds {len(buf)} bytes")
                return _Storage(memoryview(buf)[:nbytes], dtype, key, big_endian)

            data = zf.read(f"{prefix}/data.pkl")
            obj = _RestrictedUnpickler(data, persistent_load).load()
    finally:
        if close:
            fp.close()
    return _resolve(obj, from_array, {})


# ---------------------------------------------------------------------------
# safetensors
# ---------------------------------------------------------------------------

# the reference implementation lays tensors out by dtype, biggest first, then by name
_ST_ORDER = ["I64", "F64", "F32", "I32", "BF16", "F16", "I16", "I8", "U8", "BOOL"]
_ST_MAX_HEADER = 100_000_000


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
        arr, dtype_name, _rg, _param = to_array(t)
        dtype_name = _canon_dtype(dtype_name)
        arr = _prepare_array(arr, dtype_name)
        entries.append((name, _DTYPES[dtype_name][2], arr))
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
    fp, close = _open_for_write(path)
    try:
        fp.write(struct.pack("<Q", len(hb)))
        fp.write(hb)
        for _, _, arr in entries:
            if arr.nbytes:
                fp.write(memoryview(arr.reshape(-1).view(np.uint8)))
        if hasattr(fp, "flush"):
            fp.flush()
    finally:
        if close:
            fp.close()


def _read_safetensors_header(fp):
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
    fp, close = _open_for_read(path)
    try:
        header, _, _ = _read_safetensors_header(fp)
    finally:
        if close:
            fp.close()
    return dict(header.get("__metadata__") or {})


def load_safetensors(path, *, from_array) -> dict:
    """Read a safetensors file; returns ``{name: from_array(array, dtype, False, False)}``."""
    fp, close = _open_for_read(path)
    try:
        header, data_start, data_len = _read_safetensors_header(fp)
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
            nbytes = int(np.prod(shape, dtype=np.int64)) * _DTYPES[dtype][0].itemsize
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
        out = {}
        for name, dtype, shape, begin, end in entries:
            buf = bytearray(end - begin)
            fp.seek(data_start + begin)
            if fp.readinto(buf) != len(buf):
                raise ValueError(f"tensor {name!r} is truncated")
            if dtype == "bool":
                arr = np.frombuffer(buf, dtype=np.uint8).reshape(shape) != 0
            else:
                np_dtype = _DTYPES[dtype][0]
                arr = np.frombuffer(buf, dtype=np_dtype.newbyteorder("<")).reshape(shape)
                if not arr.dtype.isnative:
                    arr = arr.astype(np_dtype)
            out[name] = from_array(arr, dtype, False, False)
    finally:
        if close:
            fp.close()
    return out
