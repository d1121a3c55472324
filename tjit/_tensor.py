"""The lazy Tensor.

A Tensor holds a graph node; ops build new nodes and nothing runs until a value is handed
to Python (print, item, tolist, numpy, bool, saving) or `realize()` is called.  Views share
their base's storage the way torch's do: a view records (shape, strides, offset) relative to
its base, an in-place op on a view rewrites the base (functionalization), and every view of
that base re-derives its node from the new base on next use.  Op methods (`x.exp()`,
`x + y`, ...) are bound onto this class by tjit/ops.
"""
from __future__ import annotations

import warnings

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.graph import node
from tjit.ir.ops import Op
from tjit.runtime.buffer import Buffer

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

    # per-tensor state; class-level defaults keep creating a tensor (every op does) cheap
    _base = None
    _view_meta = None
    _base_version = 0
    _storage_gen = 0             # advanced by `.data = `: views of the old storage stop following
    _version = 0
    _pinned = None
    _pinned_node = None
    requires_grad_flag = False
    _grad = None
    _grad_fn = None
    _output_nr = 0               # which output of grad_fn this tensor is
    _grad_accumulator = None     # a leaf's AccumulateGrad node, made on first use
    _retains_grad = False
    _is_param = False

    def _init_from(self, n):
        self._node_ = n

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
            if self._storage_gen != b._storage_gen:  # the base took new storage; this view keeps the old
                self._base, self._view_meta = None, None
                return self._node_
            shape, strides, offset = self._view_meta
            base_node = b._node
            self._node_ = node(Op.AS_STRIDED, (base_node,), base_node.dtype, shape, (shape, strides, offset))
            self._base_version = b._version
            from . import autograd_hooks
            autograd_hooks.view_rederived(self)
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
        if self._base is None or self.numel() == 0:
            return True
        exp = contiguous_strides(self.shape)
        return all(s == e for s, e, n in zip(self.stride(), exp, self.shape) if n != 1)

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    # -- autograd (tjit/autograd) ---------------------------------------------------------
    @property
    def grad_fn(self):
        """The backward node that produced this tensor (None for leaves)."""
        b = self._base
        if b is not None and self._base_version != b._version:
            self._node  # the base was written in place: re-derive the view and its history
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, fn):
        self._grad_fn = fn

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad and self._grad is None:
            import warnings
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                          "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                          "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
                          "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
                          "instead.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value.dtype != self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def requires_grad(self) -> bool:
        return self.requires_grad_flag

    @requires_grad.setter
    def requires_grad(self, flag: bool):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Only leaves can change the flag.  A leaf that requires grad holds realized data of
        its own (a BUFFER node): a parameter is an input of the graph, never a lazy
        expression shared with other tensors."""
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to "
                                   "use a computed variable in a subgraph that doesn't require differentiation "
                                   "use var_no_grad = var.detach().")
            return self
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and not self.requires_grad_flag and not self._node.realized:
            self._node = engine.buffer_node(self._buffer(), self.dtype, tuple(self.shape))
        self.requires_grad_flag = bool(requires_grad)
        return self

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in .grad after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref
        self._retains_grad = True
        self.grad_fn.own("_retain")[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """hook(grad) -> None or a replacement gradient, called when this tensor's gradient
        has been computed.  Returns a handle with remove()."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.graph import RemovableHandle, gradient_edge
        fn, nr = gradient_edge(self)
        hooks = fn.own("_tensor_pre_hooks")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = (nr, hook)
        return handle

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate the gradient of this tensor w.r.t. the graph leaves into their .grad."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach_(self) -> "Tensor":
        """Make this tensor a leaf that does not require grad (in place)."""
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using "
                               "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                               "as True, gradients are views of DDP buckets, and hence detach_() cannot be called "
                               "on these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
                               "function in torch/optim/optimizer.py as the solution.")
        self._grad_fn, self.requires_grad_flag, self._retains_grad = None, False, False
        return self

    @property
    def data(self) -> "Tensor":
        return self.detach()

    @data.setter
    def data(self, value: "Tensor"):
        if engine.trace_log is not None:
            engine.trace_log.wrote(self)
        self._node = value._node
        self._base, self._view_meta = None, None
        self._version += 1
        self._storage_gen += 1

    @property
    def T(self):
        if self.ndim != 2:
            warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
                          if self.ndim == 0 else
                          "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
                          "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
                          "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a "
                          "tensor.", UserWarning, stacklevel=2)
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self._matrix_transpose("mT", "This function is the identity in these cases.")

    @property
    def H(self):
        if self.ndim not in (0, 2):
            hint = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.{hint}")
        return self._matrix_transpose("H", "Consider using x.conj().")

    @property
    def mH(self):
        return self._matrix_transpose("mH", "Consider using x.conj().")

    def _matrix_transpose(self, name: str, zero_d_hint: str):
        """Swap the last two dims (real tensors: the adjoint too); 0-d is the deprecated identity."""
        if self.ndim == 0:
            warnings.warn(f"Tensor.{name} is deprecated on 0-D tensors. {zero_d_hint}", UserWarning, stacklevel=3)
            return self.view(())
        if self.ndim < 2:
            raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. Got "
                               f"{self.ndim}-D tensor.")
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
        return n.storage

    def _host_array(self) -> np.ndarray:
        """The value as a numpy array sharing this tensor's storage (bf16 as uint16 bits)."""
        return self._buffer().export(self.shape)

    def _values(self) -> np.ndarray:
        a = self._host_array()
        if self.dtype is dt.bfloat16:
            return np.asarray(a.astype(np.uint32) << 16).view(np.float32)  # asarray: 0-d stays an array
        return a

    def numpy(self, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.dtype is dt.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        owner = self._base if self._base is not None else self
        buf = owner._buffer()
        owner._pin(buf)  # in-place ops on the base or any of its views now write into `buf`
        if self._base is None:
            return buf.export(self.shape)
        shape, strides, offset = self._view_meta
        flat = buf.export((buf.numel,))
        return np.lib.stride_tricks.as_strided(flat[offset:], shape, tuple(s * flat.itemsize for s in strides))

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
        name = self.grad_fn.name().removeprefix("torch::autograd::") if self.grad_fn is not None else None
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
    def _assign(self, value: "Tensor", overlap_ok: bool = False) -> "Tensor":
        """Make `value` (same shape) this tensor's new content, torch in-place semantics:
        the base of a view is rewritten, other views follow, versions advance.  A view whose
        elements share memory (expand) may only be written with one value (overlap_ok: fill_)."""
        from ._prim import broadcast_shapes, cast, expand_to
        if tuple(value.shape) != tuple(self.shape):
            shape = broadcast_shapes(self.shape, value.shape)
            if shape != tuple(self.shape):
                raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                                   f"{list(shape)}")
        value = expand_to(cast(value, self.dtype), tuple(self.shape))
        from . import autograd_hooks
        autograd_hooks.check_inplace(self)
        if self._base is not None and self._storage_gen != self._base._storage_gen:
            self._base, self._view_meta = None, None  # the base took new storage (`.data =`)
        if engine.trace_log is not None:
            engine.trace_log.wrote(self._base if self._base is not None else self)
        if self._base is None:
            self._node = value._node
            self._version += 1
        else:
            base = self._base
            shape, strides, offset = self._view_meta
            if not overlap_ok and any(st == 0 and n > 1 for st, n in zip(strides, shape)):
                raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers "
                                   "to a single memory location. Please clone() the tensor before performing "
                                   "the operation.")
            from .ops.subscript import scatter_positions
            with autograd_hooks.rewriting_base(self, value):
                new_base = scatter_positions(base, value, shape, strides, offset)
            base._node = new_base._node
            base._version += 1
            self._version = base._version
            self._node_ = value._node
            self._base_version = base._version
        autograd_hooks.after_inplace(self, value, new_base if self._base is not None else None)
        self._write_back()
        return self

    def _pin(self, buf) -> None:
        """From now on this tensor's storage is `buf`, memory a numpy array shares."""
        self._pinned = buf
        self._pinned_node = self._node

    def _write_back(self):
        """Tensors sharing memory with numpy arrays see in-place results immediately.  Lazy
        results that read the old contents keep reading them: the node that stood for the
        memory is pointed at a snapshot before the memory is overwritten."""
        owner = self._base if self._base is not None else self
        pinned = owner._pinned
        if pinned is None or engine.tracing is not None:  # a traced step writes back when it runs
            return
        buf = owner._buffer()
        if buf is not pinned:
            old = owner._pinned_node
            snapshot = Buffer(pinned.numel, pinned.array.dtype)
            snapshot.array[...] = pinned.array
            old.buffer = snapshot
            pinned.array[...] = buf.array
            # a new Buffer object on the same memory: graph nodes are interned by their buffer,
            # so results computed from the old contents must not be found again
            shared = Buffer(pinned.numel, pinned.array.dtype, pinned.export((pinned.numel,)))
            owner._node = engine.buffer_node(shared, owner.dtype, tuple(owner.shape))
            owner._pinned_node = owner._node
            owner._version += 1
