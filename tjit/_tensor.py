"""The lazy Tensor.

A Tensor holds a graph node; ops build new nodes and nothing runs until a value is handed
to Python (print, item, tolist, numpy, bool, saving) or `realize()` is called.  Views share
their base's storage the way torch's do: a view records (shape, strides, offset) relative to
its base, an in-place op on a view rewrites the base (functionalization), and every view of
that base re-derives its node from the new base on next use.  Op methods (`x.exp()`,
`x + y`, ...) are bound onto this class by tjit/ops.
"""
from __future__ import annotations

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.graph import node
from tjit.ir.ops import Op

from . import engine, state
from . import _tensor_str


class Size(tuple):
    """torch.Size: a tuple of ints with numel()."""

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"tjit.Size({list(self)})"

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r


class device:
    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if ":" in str(type):
            type, idx = str(type).split(":")
            index = int(idx)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type, self.index = type, index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def contiguous_strides(shape) -> tuple:
    out, acc = [], 1
    for s in reversed(shape):
        out.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(out))


class Tensor:
    _node_: object
    __array_priority__ = 1000  # numpy defers binary operators to Tensor

    def __init__(self, *args, **kwargs):
        """Legacy constructor: Tensor(data) or Tensor(*sizes) -> default-dtype tensor."""
        from .ops import creation
        if len(args) == 1 and not isinstance(args[0], int):
            src = creation.tensor(args[0], dtype=state.default_dtype)
        else:
            src = creation.empty(*args, dtype=state.default_dtype)
        self._init_from(src._node)

    def _init_from(self, n):
        self._node_ = n
        self._base = None
        self._view_meta = None
        self._base_version = 0
        self._version = 0
        self._pinned = None
        self.requires_grad_flag = False
        self.grad = None
        self.grad_fn = None
        self._retains_grad = False
        self._hooks = []
        self._is_param = False

    @classmethod
    def _from_node(cls, n) -> "Tensor":
        t = cls.__new__(cls)
        t._init_from(n)
        return t

    # -- the node, re-derived for views when the base changed ---------------------------
    @property
    def _node(self):
        b = self._base
        if b is not None and self._base_version != b._version:
            shape, strides, offset = self._view_meta
            base_node = b._node
            self._node_ = node(Op.AS_STRIDED, (base_node,), base_node.dtype, shape, (shape, strides, offset))
            self._base_version = b._version
        return self._node_

    @_node.setter
    def _node(self, n):
        self._node_ = n

    # -- metadata -------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._node_.shape)

    def size(self, dim=None):
        if dim is None:
            return self.shape
        from ._prim import normalize_dim
        return self._node_.shape[normalize_dim(dim, self.ndim, "size")]

    @property
    def dtype(self) -> dt.DType:
        return self._node_.dtype

    @property
    def device(self) -> device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def ndim(self) -> int:
        return len(self._node_.shape)

    def dim(self) -> int:
        return self.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._node_.numel

    nelement = numel

    def element_size(self) -> int:
        return self.dtype.itemsize

    def stride(self, dim=None):
        strides = self._view_meta[1] if self._base is not None else contiguous_strides(self.shape)
        if dim is None:
            return tuple(strides)
        from ._prim import normalize_dim
        return strides[normalize_dim(dim, self.ndim, "stride")]

    def storage_offset(self) -> int:
        return self._view_meta[2] if self._base is not None else 0

    def is_contiguous(self, memory_format=None) -> bool:
        if self._base is None:
            return True
        exp = contiguous_strides(self.shape)
        return all(s == e for s, e, n in zip(self.stride(), exp, self.shape) if n != 1)

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self.requires_grad_flag

    @requires_grad.setter
    def requires_grad(self, flag: bool):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to "
                                   "use a computed variable in a subgraph that doesn't require differentiation "
                                   "use var_no_grad = var.detach().")
            return self
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad_flag = bool(requires_grad)
        return self

    @property
    def data(self) -> "Tensor":
        return self.detach()

    @data.setter
    def data(self, value: "Tensor"):
        self._node = value._node
        self._base, self._view_meta = None, None
        self._version += 1

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    # -- realization ----------------------------------------------------------------------
    def realize(self) -> "Tensor":
        from . import realize
        realize(self)
        return self

    def _buffer(self):
        """The realized storage of this tensor's current value (realizing it if needed)."""
        self.realize()
        n = self._node
        return n.buffer if n.buffer is not None else n.arg

    def _host_array(self) -> np.ndarray:
        """The value as a numpy array sharing this tensor's storage (bf16 as uint16 bits)."""
        return self._buffer().export(self.shape)

    def _values(self) -> np.ndarray:
        a = self._host_array()
        if self.dtype is dt.bfloat16:
            return (a.astype(np.uint32) << 16).view(np.float32)
        return a

    def numpy(self, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.dtype is dt.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        buf = self._buffer()
        self._pinned = buf
        return buf.export(self.shape)

    def __array__(self, dtype=None, copy=None):
        a = self._values()
        return a.astype(dtype) if dtype is not None else a

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self._values().reshape(-1)[0].item()

    def tolist(self):
        return self._values().tolist()

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'more than one value' if self.numel() else 'no values'} is ambiguous")
        return bool(self.item())

    def __int__(self):
        return int(self.item())

    def __float__(self):
        return float(self.item())

    def __index__(self):
        if self.dtype.kind not in "iub" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    __hash__ = object.__hash__

    def __repr__(self, *, tensor_contents=None) -> str:
        name = self.grad_fn.name() if self.grad_fn is not None else None
        return _tensor_str.format_tensor(self._values(), self.dtype.name, requires_grad=self.requires_grad,
                                         grad_fn_name=name, is_parameter=self._is_param)

    __str__ = __repr__

    def __format__(self, spec):
        if self.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, proto):
        from .ops.creation import _rebuild
        return (_rebuild, (self.detach()._values().copy() if self.dtype is not dt.bfloat16 else self._host_array().copy(),
                           self.dtype.name, self.requires_grad))

    def __deepcopy__(self, memo):
        from .ops.creation import _rebuild
        out = _rebuild(self._host_array().copy(), self.dtype.name, self.requires_grad)
        out._is_param = self._is_param
        if type(self) is not Tensor:
            out.__class__ = type(self)
            out.__dict__.update({k: v for k, v in self.__dict__.items() if k not in out.__dict__})
        memo[id(self)] = out
        return out

    # -- in-place machinery ---------------------------------------------------------------
    def _assign(self, value: "Tensor") -> "Tensor":
        """Make `value` (same shape) this tensor's new content, torch in-place semantics:
        the base of a view is rewritten, other views follow, versions advance."""
        from ._prim import cast, expand_to
        value = expand_to(cast(value, self.dtype), tuple(self.shape))
        from . import autograd_hooks
        autograd_hooks.check_inplace(self)
        if self._base is None:
            self._node = value._node
            self._version += 1
        else:
            base = self._base
            shape, strides, offset = self._view_meta
            if any(st == 0 and n > 1 for st, n in zip(strides, shape)):
                raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers "
                                   "to a single memory location. Please clone() the tensor before performing "
                                   "the operation.")
            from .ops.indexing import scatter_positions
            base._node = scatter_positions(base, value, shape, strides, offset)._node
            base._version += 1
            self._version = base._version
            self._node_ = value._node
            self._base_version = base._version
        autograd_hooks.after_inplace(self, value)
        self._write_back()
        return self

    def _write_back(self):
        """Tensors sharing memory with numpy arrays see in-place results immediately."""
        owner = self._base if self._base is not None else self
        if owner._pinned is not None:
            pinned = owner._pinned
            owner.realize()
            buf = owner._node.buffer if owner._node.buffer is not None else owner._node.arg
            if buf is not pinned:
                pinned.array[...] = buf.array
                owner._node = engine.buffer_node(pinned, owner.dtype, tuple(owner.shape))
                if owner._base is None:
                    owner._version += 1
