"""The ``data.pkl`` writer: protocol 2, only opcodes torch's ``weights_only`` unpickler accepts.

A tensor is pickled as::

    torch._utils._rebuild_tensor_v2(
        <persistent id ("storage", torch.FloatStorage, "0", "cpu", numel)>,
        storage_offset, size, stride, requires_grad, collections.OrderedDict())

(sizes, strides and offsets are counted in elements; the storage class names the dtype:
Float/Double/Half/BFloat16/Char/Short/Int/Long/Byte/BoolStorage). A ``torch.nn.Parameter`` is
``torch._utils._rebuild_parameter(<tensor as above with requires_grad=False>, requires_grad,
OrderedDict())``. Dicts, lists, tuples, str, int, float, bool and None are pickled natively;
``OrderedDict`` via ``collections.OrderedDict`` (+ BUILD of its ``__dict__``, e.g. a
state_dict's ``_metadata``); bytes via ``_codecs.encode``; set, bytearray and complex via
their builtins. The same Python object (tensor or container) is pickled once and referenced
again through the pickle memo, so identity is kept. Storage sharing between *different*
tensor objects is not reconstructed (``to_array`` hands out contiguous copies): each tensor
object gets its own storage record.
"""

from __future__ import annotations

import io
import pickle as _P  # opcode constants
import struct
from collections import OrderedDict

import numpy as np

from .common import DTYPES, tensor_array

_BATCH = 1000


def _contiguous_strides(shape) -> tuple:
    # torch's convention: stride[i] = prod(max(size[j], 1) for j > i)
    strides = []
    acc = 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(int(n), 1)
    return tuple(reversed(strides))


class Pickler:
    """Pickles an object tree; tensors go to ``storages`` (little-endian C-contiguous arrays,
    the key of each is its index)."""

    def __init__(self, is_tensor, to_array):
        self.is_tensor = is_tensor
        self.to_array = to_array
        self.out = io.BytesIO()
        self.memo = {}      # id(obj) -> (memo index, obj) ; obj kept alive
        self.globals = {}   # "module\nname" -> memo index
        self.storages = []  # list of little-endian C-contiguous arrays, key = index

    def dumps(self, obj) -> bytes:
        """The complete pickle of ``obj`` (PROTO 2 ... STOP)."""
        self.w(_P.PROTO + b"\x02")
        self.save(obj)
        self.w(_P.STOP)
        return self.out.getvalue()

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
            enc = _P.encode_long(x)
            if len(enc) < 256:
                self.w(_P.LONG1 + bytes([len(enc)]) + enc)
            else:
                self.w(_P.LONG4 + struct.pack("<i", len(enc)) + enc)

    def save_float(self, x: float) -> None:
        self.w(_P.BINFLOAT + struct.pack(">d", x))

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

    def save_batched(self, items, save_item, one, many) -> None:
        """Add ``items`` to the container on the stack as pickle does: batches of _BATCH, a
        lone item with opcode ``one``, several between MARK and ``many``."""
        items = list(items)
        for i in range(0, len(items), _BATCH):
            chunk = items[i:i + _BATCH]
            if len(chunk) == 1:
                save_item(chunk[0])
                self.w(one)
            else:
                self.w(_P.MARK)
                for x in chunk:
                    save_item(x)
                self.w(many)

    def save_item(self, kv) -> None:
        self.save(kv[0])
        self.save(kv[1])

    def save_dict_items(self, d) -> None:
        self.save_batched(d.items(), self.save_item, _P.SETITEM, _P.SETITEMS)

    # -- objects -----------------------------------------------------------
    def save(self, obj) -> None:
        m = self.memo.get(id(obj))
        if m is not None:
            self.get(m[0])
            return
        if obj is None:
            self.w(_P.NONE)
            return
        if self.is_tensor(obj):
            self.save_tensor(obj)
            return
        if isinstance(obj, np.generic) and not isinstance(obj, (np.void,)):
            obj = obj.item()
        t = type(obj)
        if obj is True or obj is False:
            self.w(_P.NEWTRUE if obj else _P.NEWFALSE)
        elif t is int:
            self.save_int(obj)
        elif t is float:
            self.save_float(obj)
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
            self.save_float(obj.real)
            self.save_float(obj.imag)
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
            self.save_batched(obj, self.save, _P.APPEND, _P.APPENDS)
        elif t is dict:
            self.w(_P.EMPTY_DICT)
            self.memoize(obj)
            self.save_dict_items(obj)
        elif t is OrderedDict:
            self.save_empty_ordered_dict()
            self.memoize(obj)
            self.save_dict_items(obj)
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
        arr, dtype_name, requires_grad, is_parameter = tensor_array(self.to_array, obj)
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
        self.save_global("torch", DTYPES[dtype_name][1])
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
