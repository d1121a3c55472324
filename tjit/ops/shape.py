"""Views (reshape, permute, slicing, expand, ...) and joins (cat, stack, split, ...).

A view op builds its movement node for the graph and, alongside, the (shape, strides,
offset) torch would give it relative to its base, so in-place writes through the view can
be applied to the base (tensor.py) and `stride()` answers as torch does.
"""
from __future__ import annotations

import math

from tjit.ir import dtype as dt
from tjit.ir.graph import node
from tjit.ir.ops import Op

from .._prim import apply, broadcast_shapes, cast, normalize_dim, normalize_dims
from .._tensor import Size, Tensor, contiguous_strides


def _meta(x: Tensor):
    if x._base is not None:
        return x._view_meta
    return tuple(x.shape), contiguous_strides(x.shape), 0


def _as_view(out: Tensor, x: Tensor, meta) -> Tensor:
    out._base = x._base if x._base is not None else x
    out._view_meta = (tuple(meta[0]), tuple(meta[1]), int(meta[2]))
    out._base_version = out._base._version
    return out


def _movement(x: Tensor, op: Op, shape, arg, meta=None) -> Tensor:
    out = apply(op, [x], x.dtype, tuple(shape), arg)
    return _as_view(out, x, meta) if meta is not None else out


# -- reshape -----------------------------------------------------------------------------
def _infer_shape(shape, numel: int, op: str = "view") -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    shape = [int(s) for s in shape]
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"invalid shape dimension {min(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    if math.prod(shape) != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _view_strides(old_shape, old_strides, new_shape):
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


def view(x: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], dt.DType):
        return view_dtype(x, shape[0])
    new = _infer_shape(shape, x.numel())
    shp, strides, off = _meta(x)
    ns = _view_strides(shp, strides, new)
    if ns is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.")
    if new == tuple(x.shape):
        return _as_view(Tensor._from_node(x._node), x, (new, ns, off))
    return _movement(x, Op.RESHAPE, new, new, (new, ns, off))


def view_dtype(x: Tensor, d: dt.DType) -> Tensor:
    if d == x.dtype:
        return x
    if d.itemsize != x.dtype.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported by tjit")
    from .creation import from_buffer_array
    return from_buffer_array(x._host_array().view(d.np), d)


def reshape(x: Tensor, *shape) -> Tensor:
    new = _infer_shape(shape, x.numel(), "reshape")
    shp, strides, off = _meta(x)
    ns = _view_strides(shp, strides, new)
    if ns is not None:
        return view(x, new)
    return apply(Op.RESHAPE, [x], x.dtype, new, new)


def view_as(x, other):
    return view(x, tuple(other.shape))


def reshape_as(x, other):
    return reshape(x, tuple(other.shape))


def flatten(x: Tensor, start_dim=0, end_dim=-1) -> Tensor:
    if x.ndim == 0:
        return reshape(x, (1,))
    s = normalize_dim(start_dim, x.ndim, "flatten")
    e = normalize_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = tuple(x.shape)
    return reshape(x, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def ravel(x):
    return reshape(x, (-1,))


def unflatten(x: Tensor, dim, sizes) -> Tensor:
    d = normalize_dim(dim, x.ndim, "unflatten")
    sizes = _infer_shape(tuple(sizes), x.shape[d], "unflatten")
    return view(x, tuple(x.shape[:d]) + sizes + tuple(x.shape[d + 1:])) if x._base is None or \
        _view_strides(*_meta(x)[:2], tuple(x.shape[:d]) + sizes + tuple(x.shape[d + 1:])) else \
        reshape(x, tuple(x.shape[:d]) + sizes + tuple(x.shape[d + 1:]))


def squeeze(x: Tensor, dim=None) -> Tensor:
    if dim is None:
        dims = tuple(i for i, s in enumerate(x.shape) if s == 1)
    else:
        dims = tuple(d for d in normalize_dims(dim, x.ndim, "squeeze") if x.ndim and x.shape[d] == 1)
    if not dims:
        return view(x, tuple(x.shape))
    return view(x, tuple(s for i, s in enumerate(x.shape) if i not in dims))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    d = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    shape = list(x.shape)
    shape.insert(d, 1)
    return view(x, tuple(shape))


# -- permutations ------------------------------------------------------------------------
def permute(x: Tensor, *dims) -> Tensor:
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    perm = normalize_dims(dims, x.ndim, "permute")
    shp, strides, off = _meta(x)
    shape = tuple(shp[p] for p in perm)
    meta = (shape, tuple(strides[p] for p in perm), off)
    if perm == tuple(range(x.ndim)):
        return _as_view(Tensor._from_node(x._node), x, meta)
    return _movement(x, Op.PERMUTE, shape, perm, meta)


def transpose(x: Tensor, dim0, dim1) -> Tensor:
    if x.ndim == 0:
        return view(x, ())
    a, b = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return permute(x, perm)


swapaxes = swapdims = transpose


def t(x: Tensor) -> Tensor:
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else view(x, tuple(x.shape))


def adjoint(x):
    return transpose(x, -2, -1)


def movedim(x: Tensor, source, destination) -> Tensor:
    src = normalize_dims(source, x.ndim, "movedim")
    dst = normalize_dims(destination, x.ndim, "movedim")
    if len(src) != len(dst):
        raise RuntimeError("movedim: Invalid source or destination dims")
    order = [None] * x.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(x.ndim) if i not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(x, order)


moveaxis = movedim


# -- broadcasting views ------------------------------------------------------------------
def expand(x: Tensor, *sizes) -> Tensor:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)):
        sizes = tuple(sizes[0])
    if len(sizes) < x.ndim:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(x.shape)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({x.ndim})")
    shp, strides, off = _meta(x)
    lead = len(sizes) - x.ndim
    shape, new_strides = [], []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            shape.append(s)
            new_strides.append(0)
            continue
        cur = shp[i - lead]
        s = cur if s == -1 else s
        if cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(shp)}")
        shape.append(s)
        new_strides.append(strides[i - lead] if cur == s else 0)
    shape = tuple(shape)
    meta = (shape, tuple(new_strides), off)
    src = x if not lead else _movement(x, Op.RESHAPE, (1,) * lead + tuple(x.shape), (1,) * lead + tuple(x.shape))
    if shape == tuple(src.shape):
        return _as_view(Tensor._from_node(src._node), x, meta)
    return _as_view(apply(Op.EXPAND, [src], x.dtype, shape, shape), x, meta)


def expand_as(x, other):
    return expand(x, tuple(other.shape))


def broadcast_to(x, shape):
    return expand(x, tuple(shape))


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


# -- slicing views -----------------------------------------------------------------------
def slice_dim(x: Tensor, dim: int, start, stop, step: int = 1) -> Tensor:
    """x[..., start:stop:step, ...] along `dim` (a view)."""
    if step <= 0:
        raise ValueError("step must be greater than zero")
    n = x.shape[dim]
    start, stop, _ = slice(start, stop).indices(n)
    stop = max(stop, start)
    length = (stop - start + step - 1) // step
    shp, strides, off = _meta(x)
    shape = list(x.shape)
    shape[dim] = length
    meta = (tuple(shape), tuple(s * step if i == dim else s for i, s in enumerate(strides)), off + start * strides[dim])
    if start == 0 and stop == n and step == 1:
        return _as_view(Tensor._from_node(x._node), x, meta)
    bounds = tuple((start, stop) if i == dim else (0, s) for i, s in enumerate(x.shape))
    shrunk = apply(Op.SHRINK, [x], x.dtype, tuple(s if i != dim else stop - start for i, s in enumerate(x.shape)), bounds)
    if step == 1:
        return _as_view(shrunk, x, meta)
    inner = contiguous_strides(shrunk.shape)
    st = tuple(s * step if i == dim else s for i, s in enumerate(inner))
    out = apply(Op.AS_STRIDED, [shrunk], x.dtype, tuple(shape), (tuple(shape), st, 0))
    return _as_view(out, x, meta)


def narrow(x: Tensor, dim, start, length) -> Tensor:
    d = normalize_dim(dim, x.ndim, "narrow")
    if isinstance(start, Tensor):
        start = int(start.item())
    n = x.shape[d]
    if start < 0:
        start += n
    if not (0 <= start <= n) or length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return slice_dim(x, d, start, start + length)


def select(x: Tensor, dim, index: int) -> Tensor:
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, x.ndim, "select")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"index {index} is out of bounds for dimension {d} with size {n}")
    index %= n
    s = slice_dim(x, d, index, index + 1)
    return squeeze(s, d) if s.ndim else s


def as_strided(x: Tensor, size, stride, storage_offset=None) -> Tensor:
    size, stride = tuple(size), tuple(stride)
    off = storage_offset if storage_offset is not None else x.storage_offset()
    base = x._base if x._base is not None else x
    need = off + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if need >= max(base.numel(), 1) and base.numel() or (base.numel() == 0 and all(size) and size):
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {off} requiring a "
                           f"storage size of {need + 1} are out of bounds for storage of size {base.numel()}")
    out = apply(Op.AS_STRIDED, [base], x.dtype, size, (size, stride, off))
    return _as_view(out, base, (size, stride, off))


def diagonal(x: Tensor, offset=0, dim1=0, dim2=1) -> Tensor:
    a, b = normalize_dim(dim1, x.ndim, "diagonal"), normalize_dim(dim2, x.ndim, "diagonal")
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shp, strides, off = _meta(x)
    if offset >= 0:
        length = max(0, min(shp[a], shp[b] - offset))
        start = off + offset * strides[b]
    else:
        length = max(0, min(shp[a] + offset, shp[b]))
        start = off - offset * strides[a]
    rest = [i for i in range(x.ndim) if i not in (a, b)]
    shape = tuple(shp[i] for i in rest) + (length,)
    st = tuple(strides[i] for i in rest) + (strides[a] + strides[b],)
    if length == 0:
        start = off
    base = x._base if x._base is not None else x
    out = apply(Op.AS_STRIDED, [base], x.dtype, shape, (shape, st, start))
    return _as_view(out, base, (shape, st, start))


def unfold(x: Tensor, dimension, size, step) -> Tensor:
    d = normalize_dim(dimension, x.ndim, "unfold") if x.ndim else 0
    n = x.shape[d] if x.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    shp, strides, off = _meta(x)
    count = (n - size) // step + 1
    shape = tuple(count if i == d else s for i, s in enumerate(shp)) + (size,)
    st = tuple(s * step if i == d else s for i, s in enumerate(strides)) + (strides[d] if x.ndim else 1,)
    base = x._base if x._base is not None else x
    out = apply(Op.AS_STRIDED, [base], x.dtype, shape, (shape, st, off))
    return _as_view(out, base, (shape, st, off))


# -- splitting (lists of views) ----------------------------------------------------------
def split(x: Tensor, split_size_or_sections, dim=0) -> tuple:
    d = normalize_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(slice_dim(x, d, start, start + s))
        start += s
    return tuple(out)


def split_with_sizes(x, split_sizes, dim=0):
    return split(x, list(split_sizes), dim)


def chunk(x: Tensor, chunks: int, dim=0) -> tuple:
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = normalize_dim(dim, x.ndim, "chunk")
    n = x.shape[d]
    size = -(-n // chunks) if n else 0
    if size == 0:
        return split(x, [0] * min(chunks, 1) if n == 0 else 1, d) if n == 0 else split(x, 1, d)
    return split(x, size, d)


def tensor_split(x: Tensor, indices_or_sections, dim=0) -> tuple:
    d = normalize_dim(dim, x.ndim, "tensor_split")
    n = x.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        return split(x, sizes, d)
    bounds = [0] + [min(max(i, 0), n) for i in indices_or_sections] + [n]
    return tuple(slice_dim(x, d, a, max(a, b)) for a, b in zip(bounds, bounds[1:]))


def unbind(x: Tensor, dim=0) -> tuple:
    d = normalize_dim(dim, x.ndim, "unbind")
    return tuple(select(x, d, i) for i in range(x.shape[d]))


# -- joins (new tensors) -----------------------------------------------------------------
def cat(tensors, dim=0, *, out=None) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {tensors.index(t)} in argument 0, but got {type(t).__name__}")
    # legacy: 1-d empty tensors are skipped
    parts = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = parts[0]
    d = normalize_dim(dim, ref.ndim, "cat")
    from .._prim import result_type
    common = result_type(*parts) if len(parts) > 1 else ref.dtype
    for i, t in enumerate(parts):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for a in range(ref.ndim):
            if a != d and t.shape[a] != ref.shape[a]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[a]} but got size {t.shape[a]} for tensor number {i} in the list.")
    total = sum(t.shape[d] for t in parts)
    shape = tuple(total if a == d else s for a, s in enumerate(ref.shape))
    if len(parts) == 1:
        result = cast(parts[0], common)
        result = apply(Op.CAST, [result], common, shape, common)
    else:
        from .pointwise import where
        from .creation import _iota
        pos = _iota_along(shape, d)
        result, start = None, 0
        padded = []
        for t in parts:
            n = t.shape[d]
            widths = tuple((start, total - start - n) if a == d else (0, 0) for a in range(len(shape)))
            padded.append((start, n, apply(Op.PAD, [cast(t, common)], common, shape, (widths, 0))))
            start += n
        result = padded[-1][2]
        for start, n, p in reversed(padded[:-1]):
            result = where(pos < start + n, p, result)
    if out is not None:
        from .pointwise import _out
        return _out(result, out)
    return result


concat = concatenate = cat


def _iota_along(shape, dim) -> Tensor:
    return Tensor._from_node(node(Op.IOTA, (), dt.int64, tuple(shape), dim))


def stack(tensors, dim=0, *, out=None) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors[1:], 1):
        if tuple(t.shape) != tuple(tensors[0].shape):
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                               f"entry 0 and {list(t.shape)} at entry {i}")
    d = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d, out=out)


def hstack(tensors):
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


def dstack(tensors):
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors):
    return hstack([reshape(t, (-1, 1)) if t.ndim <= 1 else t for t in tensors])


def atleast_1d(x):
    return reshape(x, (1,)) if x.ndim == 0 else x


def atleast_2d(x):
    return reshape(x, (1,) * (2 - x.ndim) + tuple(x.shape)) if x.ndim < 2 else x


def atleast_3d(x):
    if x.ndim == 0:
        return reshape(x, (1, 1, 1))
    if x.ndim == 1:
        return reshape(x, (1, x.shape[0], 1))
    if x.ndim == 2:
        return reshape(x, tuple(x.shape) + (1,))
    return x


def flip(x: Tensor, dims) -> Tensor:
    axes = normalize_dims(dims, x.ndim, "flip")
    if not axes:
        return apply(Op.CAST, [x], x.dtype, tuple(x.shape), x.dtype)
    return apply(Op.FLIP, [x], x.dtype, tuple(x.shape), axes)


def fliplr(x):
    if x.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(x, 1)


def flipud(x):
    if x.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(x, 0)


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    if dims is None:
        flat = reshape(x, (-1,))
        return reshape(roll(flat, shifts, 0), tuple(x.shape))
    if isinstance(shifts, int):
        shifts, dims = (shifts,), (dims,) if isinstance(dims, int) else dims
    out = x
    for s, d in zip(shifts, dims):
        d = normalize_dim(d, x.ndim, "roll")
        n = x.shape[d]
        if n == 0:
            continue
        s %= n
        if s:
            a, b = split(out, [n - s, s], d)
            out = cat([b, a], d)
    return out


def repeat(x: Tensor, *sizes) -> Tensor:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)):
        sizes = tuple(sizes[0])
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    xs = reshape(x, (1,) * (len(sizes) - x.ndim) + tuple(x.shape))
    inter = []
    for r, s in zip(sizes, xs.shape):
        inter += [1, s]
    expanded_shape = []
    for r, s in zip(sizes, xs.shape):
        expanded_shape += [r, s]
    y = reshape(xs, tuple(inter))
    y = expand(y, tuple(expanded_shape))
    return reshape(y, tuple(r * s for r, s in zip(sizes, xs.shape)))


def tile(x: Tensor, dims) -> Tensor:
    dims = tuple(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return repeat(x, dims)


def repeat_interleave(x: Tensor, repeats, dim=None) -> Tensor:
    if dim is None:
        x, dim = reshape(x, (-1,)), 0
    d = normalize_dim(dim, x.ndim, "repeat_interleave")
    if isinstance(repeats, int):
        y = unsqueeze(x, d + 1)
        shape = list(y.shape)
        shape[d + 1] = repeats
        y = expand(y, tuple(shape))
        return reshape(y, tuple(s * repeats if i == d else s for i, s in enumerate(x.shape)))
    from .indexing import index_select
    from .creation import host_to_tensor
    import numpy as np
    reps = repeats.tolist() if isinstance(repeats, Tensor) else list(repeats)
    idx = np.repeat(np.arange(x.shape[d]), reps)
    return index_select(x, d, host_to_tensor(idx, dt.int64))


def contiguous(x: Tensor, memory_format=None) -> Tensor:
    if x.is_contiguous():
        return x
    return apply(Op.CAST, [x], x.dtype, tuple(x.shape), x.dtype)


def tril(x: Tensor, diagonal=0) -> Tensor:
    return _tri(x, diagonal, lower=True)


def triu(x: Tensor, diagonal=0) -> Tensor:
    return _tri(x, diagonal, lower=False)


def _tri(x: Tensor, k: int, lower: bool) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions")
    from .pointwise import where
    from .._prim import const
    rows = _iota_along(tuple(x.shape), x.ndim - 2)
    cols = _iota_along(tuple(x.shape), x.ndim - 1)
    keep = (cols - rows <= k) if lower else (cols - rows >= k)
    return where(keep, x, const(0, x.dtype))
