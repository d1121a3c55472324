"""Views (reshape, permute, slicing, expand, ...) and joins (cat, stack, split, ...).

A view op builds its movement node for the graph and, alongside, the (shape, strides,
offset) torch would give it relative to its base, so in-place writes through the view can
be applied to the base (_tensor.py) and `stride()` answers as torch does.
"""
from __future__ import annotations

import math

from tjit.ir import dtype as dt
from tjit.ir.graph import node
from tjit.ir.ops import Op

from .._prim import alias, apply, broadcast_shapes, cast, normalize_dim, result_type, torch_name, write_out
from .._tensor import Size, Tensor, contiguous_strides
from ..autograd_hooks import grad_name, label
from .strided import as_view as _as_view, meta as _meta, view_strides as _view_strides


def _view_node(x: Tensor, op: Op, shape, arg, meta) -> Tensor:
    """A view of `x`: the movement node `op` (none when the shape is unchanged) with torch's
    (shape, strides, offset) relative to the base."""
    shape = tuple(shape)
    out = alias(x) if op is Op.RESHAPE and shape == tuple(x.shape) else \
        apply(op, [x], x.dtype, shape, arg)
    return _as_view(out, x, meta)


def _type_name(x: Tensor) -> str:
    return f"torch.{torch_name(x.dtype)}Tensor"


def _dims(args) -> tuple:
    """Sizes/dims given as varargs or as one sequence: f(2, 3) == f((2, 3))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        return tuple(args[0])
    return tuple(args)


def _unique_dims(dims, ndim: int, op: str, message: str) -> tuple:
    out = tuple(normalize_dim(d, ndim, op) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(message)
    return out


# -- reshape -----------------------------------------------------------------------------
def _infer_shape(shape, numel: int) -> tuple:
    shape = [int(s) for s in _dims(shape)]
    if -1 not in shape and math.prod(shape) == numel and min(shape, default=0) >= 0:
        return tuple(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"invalid shape dimension {min(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if neg and known == 0:
        raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {shape} because the unspecified "
                           "dimension size -1 can be any value and is ambiguous")
    if neg and numel % known == 0:
        shape[neg[0]] = numel // known
    if math.prod(shape) != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


@grad_name("ViewBackward0")
def view(x: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], dt.DType):
        return view_dtype(x, shape[0])
    new = _infer_shape(shape, x.numel())
    view = _try_view(x, new)
    if view is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.")
    return view


def _try_view(x: Tensor, new: tuple):
    """x viewed with shape `new` if torch's stride rule allows it, else None."""
    if x._base is None:  # a contiguous base: any shape views it
        return _view_node(x, Op.RESHAPE, new, new, (new, contiguous_strides(new), 0))
    shp, strides, off = x._view_meta
    ns = _view_strides(shp, strides, new)
    return None if ns is None else _view_node(x, Op.RESHAPE, new, new, (new, ns, off))


def view_dtype(x: Tensor, d: dt.DType) -> Tensor:
    if d == x.dtype:
        return x
    if d.itemsize != x.dtype.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported by tjit")
    from .creation import from_buffer_array
    return from_buffer_array(x._host_array().view(d.np), d)


def reshape(x: Tensor, *shape) -> Tensor:
    """A view when the strides allow one (torch's rule), else a copy."""
    new = _infer_shape(shape, x.numel())
    view = _try_view(x, new)
    if view is None:
        return label(apply(Op.RESHAPE, [x], x.dtype, new, new), "UnsafeViewBackward0")
    if view._grad_fn is not None:  # torch views a contiguous input, else takes a _reshape_alias
        label(view, "ViewBackward0" if x.is_contiguous() else "ReshapeAliasBackward0")
    return view


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


@grad_name("ViewBackward0")
def ravel(x):
    return reshape(x, (-1,))


@grad_name("ViewBackward0")
def unflatten(x: Tensor, dim, sizes) -> Tensor:
    d = normalize_dim(dim, x.ndim, "unflatten")
    sizes = [int(s) for s in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = math.prod(s for s in sizes if s != -1)
    n = x.shape[d]
    if sizes.count(-1) == 1 and known and n % known == 0:
        sizes[sizes.index(-1)] = n // known
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten: only one dimension can be inferred")
    if math.prod(sizes) != n:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {d} ({n}) in "
                           "the input tensor")
    return reshape(x, tuple(x.shape[:d]) + tuple(sizes) + tuple(x.shape[d + 1:]))


@grad_name(lambda x, dim=None: f"SqueezeBackward{0 if dim is None else 1 if isinstance(dim, int) else 2}")
def squeeze(x: Tensor, dim=None) -> Tensor:
    """Drops size-1 dims; the remaining dims keep their strides."""
    if dim is None:
        dims = range(x.ndim)
    else:
        dims = [normalize_dim(d, x.ndim, "squeeze") for d in ((dim,) if isinstance(dim, int) else dim)]
    shp, strides, off = _meta(x)
    keep = [i for i in range(x.ndim) if not (i in dims and shp[i] == 1)]
    shape = tuple(shp[i] for i in keep)
    return _view_node(x, Op.RESHAPE, shape, shape, (shape, tuple(strides[i] for i in keep), off))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    d = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    shp, strides, off = _meta(x)
    shape = shp[:d] + (1,) + shp[d:]
    stride = shp[d] * strides[d] if d < x.ndim else 1  # torch's choice for the new dim
    return _view_node(x, Op.RESHAPE, shape, shape, (shape, strides[:d] + (stride,) + strides[d:], off))


# -- permutations ------------------------------------------------------------------------
@grad_name("PermuteBackward0")
def permute(x: Tensor, *dims) -> Tensor:
    dims = _dims(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    perm = _unique_dims(dims, x.ndim, "permute", "permute(): duplicate dims are not allowed.")
    shp, strides, off = _meta(x)
    shape = tuple(shp[p] for p in perm)
    meta = (shape, tuple(strides[p] for p in perm), off)
    if perm == tuple(range(x.ndim)):
        return _view_node(x, Op.RESHAPE, shape, shape, meta)
    return _view_node(x, Op.PERMUTE, shape, perm, meta)


@grad_name("TransposeBackward0")
def transpose(x: Tensor, dim0, dim1) -> Tensor:
    if x.ndim == 0:
        return view(x, ())
    a, b = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return permute(x, perm)


swapaxes = swapdims = transpose


@grad_name("TBackward0")
def t(x: Tensor) -> Tensor:
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else view(x, tuple(x.shape))


def adjoint(x):
    return transpose(x, -2, -1)


def movedim(x: Tensor, source, destination) -> Tensor:
    source = (source,) if isinstance(source, int) else tuple(source)
    destination = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} dims) should contain "
                           f"the same number of dims as destination ({list(destination)} dims)")
    src = _unique_dims(source, x.ndim, "movedim", f"movedim: repeated dim in `source` ({list(source)})")
    dst = _unique_dims(destination, x.ndim, "movedim", f"movedim: repeated dim in `destination` ({list(destination)})")
    order = [None] * x.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(x.ndim) if i not in src)
    return permute(x, [o if o is not None else next(rest) for o in order])


moveaxis = movedim


# -- broadcasting views ------------------------------------------------------------------
@grad_name("ExpandBackward0")
def expand(x: Tensor, *sizes) -> Tensor:
    sizes = tuple(int(s) for s in _dims(sizes))
    if len(sizes) < x.ndim:
        raise RuntimeError(f"expand({_type_name(x)}{{{list(x.shape)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({x.ndim})")
    shp, strides, off = _meta(x)
    lead = len(sizes) - x.ndim
    shape, new_strides = [], []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
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
    src = x if not lead else apply(Op.RESHAPE, [x], x.dtype, (1,) * lead + shp, (1,) * lead + shp)
    if shape == tuple(src.shape):
        return _view_node(src, Op.RESHAPE, shape, shape, meta) if not lead else _as_view(src, x, meta)
    return _as_view(apply(Op.EXPAND, [src], x.dtype, shape, shape), x, meta)


def expand_as(x, other):
    return expand(x, tuple(other.shape))


def broadcast_to(x, size):
    return expand(x, tuple(size))


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


# -- slicing views -----------------------------------------------------------------------
@grad_name("SliceBackward0")
def slice_dim(x: Tensor, dim: int, start, stop, step: int = 1) -> Tensor:
    """x[..., start:stop:step, ...] along `dim` (a view)."""
    if step <= 0:
        raise ValueError("step must be greater than zero")
    n = x.shape[dim]
    start, stop, _ = slice(start, stop).indices(n)
    stop = max(stop, start)
    length = (stop - start + step - 1) // step
    shp, strides, off = _meta(x)
    shape = tuple(length if i == dim else s for i, s in enumerate(shp))
    meta = (shape, tuple(s * step if i == dim else s for i, s in enumerate(strides)), off + start * strides[dim])
    if start == 0 and stop == n and step == 1:
        return _view_node(x, Op.RESHAPE, shape, shape, meta)
    bounds = tuple((start, stop) if i == dim else (0, s) for i, s in enumerate(shp))
    shrunk = apply(Op.SHRINK, [x], x.dtype, tuple(b - a for a, b in bounds), bounds)
    if step == 1:
        return _as_view(shrunk, x, meta)
    inner = contiguous_strides(shrunk.shape)
    st = tuple(s * step if i == dim else s for i, s in enumerate(inner))
    return _as_view(apply(Op.AS_STRIDED, [shrunk], x.dtype, shape, (shape, st, 0)), x, meta)


def narrow(x: Tensor, dim, start, length) -> Tensor:
    d = normalize_dim(dim, x.ndim, "narrow")
    start = int(start.item()) if isinstance(start, Tensor) else start
    n = x.shape[d]
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    start = start + n if start < 0 else start
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return slice_dim(x, d, start, start + length)


@grad_name("SelectBackward0")
def select(x: Tensor, dim, index: int) -> Tensor:
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, x.ndim, "select")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension {d}")
    index %= n
    return squeeze(slice_dim(x, d, index, index + 1), d)


def _strided_view(x: Tensor, shape, strides, offset) -> Tensor:
    """A view addressing the base's storage directly."""
    base = x._base if x._base is not None else x
    meta = (tuple(shape), tuple(strides), offset)
    return _as_view(apply(Op.AS_STRIDED, [base], x.dtype, meta[0], meta), base, meta)


def as_strided(x: Tensor, size, stride, storage_offset=None) -> Tensor:
    size, stride = tuple(size), tuple(stride)
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    off = storage_offset if storage_offset is not None else x.storage_offset()
    storage = (x._base if x._base is not None else x).numel()
    need = off + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > storage:
        b = x.dtype.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {off}, and "
                           f"itemsize {b} requiring a storage size of {need * b} are out of bounds for storage of "
                           f"size {storage * b}")
    return _strided_view(x, size, stride, off)


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
    return _strided_view(x, shape, st, start if length else off)


def unfold(x: Tensor, dimension, size, step) -> Tensor:
    d = normalize_dim(dimension, x.ndim, "unfold")
    n = x.shape[d] if x.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    shp, strides, off = _meta(x)
    count = (n - size) // step + 1
    shape = tuple(count if i == d else s for i, s in enumerate(shp)) + (size,)
    st = tuple(s * step if i == d else s for i, s in enumerate(strides)) + (strides[d] if x.ndim else 1,)
    return _strided_view(x, shape, st, off)


# -- splitting (lists of views) ----------------------------------------------------------
def _pieces(x: Tensor, d: int, sizes) -> tuple:
    out, start = [], 0
    for s in sizes:
        out.append(slice_dim(x, d, start, start + s))
        start += s
    return tuple(out)


def split(x: Tensor, split_size_or_sections, dim=0) -> tuple:
    d = normalize_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if s == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
    return _pieces(x, d, sizes)


def split_with_sizes(x, split_sizes, dim=0):
    return split(x, list(split_sizes), dim)


def chunk(x: Tensor, chunks: int, dim=0) -> tuple:
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(dim, x.ndim, "chunk")
    n = x.shape[d]
    if n == 0:  # torch returns `chunks` empty pieces
        return _pieces(x, d, [0] * chunks)
    return split(x, -(-n // chunks), d)


def tensor_split(x: Tensor, indices_or_sections, dim=0) -> tuple:
    d = normalize_dim(dim, x.ndim, "tensor_split")
    n = x.shape[d]
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.dtype is not dt.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{torch_name(indices_or_sections.dtype)}")
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        return _pieces(x, d, [n // k + (1 if i < n % k else 0) for i in range(k)])
    bounds = [0] + [min(max(i if i >= 0 else i + n, 0), n) for i in indices_or_sections] + [n]
    return tuple(slice_dim(x, d, a, max(a, b)) for a, b in zip(bounds, bounds[1:]))


def unbind(x: Tensor, dim=0) -> tuple:
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(dim, x.ndim, "unbind")
    return tuple(select(x, d, i) for i in range(x.shape[d]))


# -- joins (new tensors) -----------------------------------------------------------------
def _iota_along(shape, dim) -> Tensor:
    return Tensor._from_node(node(Op.IOTA, (), dt.int64, tuple(shape), dim))


@grad_name("CatBackward0")
def cat(tensors, dim=0, *, out=None) -> Tensor:
    """Each piece is padded to the full shape; a chain of WHEREs on the position along `dim`
    picks the piece, so the whole join is one fused kernel."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    common = result_type(*tensors)
    # legacy: 1-d empty tensors joined with tensors of more dimensions are skipped (joined
    # with 1-d tensors they stay: they get their empty gradient)
    legacy = [t.ndim == 1 and t.shape[0] == 0 for t in tensors]
    mixed = any(t.ndim != 1 for t in tensors)
    parts = [t for t, skip in zip(tensors, legacy) if not (skip and mixed)] or tensors[:1]
    ref = parts[0]
    d = normalize_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(parts):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for a in range(ref.ndim):
            if a != d and t.shape[a] != ref.shape[a]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[a]} but got size {t.shape[a]} for tensor number {i} in the list.")
    total = sum(t.shape[d] for t in parts)
    shape = tuple(total if a == d else s for a, s in enumerate(ref.shape))
    result = _join(parts, d, shape, common)
    return write_out(result, out)


# joins of more pieces are written piece by piece (Op.CAT); fewer are a chain of selects
# that fuses into the consumer
CAT_IN_PLACE_MIN = 5


def _join(parts, d: int, shape, dtype) -> Tensor:
    if len(parts) == 1:
        return apply(Op.CAST, [parts[0]], dtype, shape, dtype)
    if len(parts) >= CAT_IN_PLACE_MIN:
        return apply(Op.CAT, [cast(t, dtype) for t in parts], dtype, shape, d)
    from .pointwise import where
    pos = _iota_along(shape, d)
    padded, start = [], 0
    for t in parts:
        n = t.shape[d]
        widths = tuple((start, shape[d] - start - n) if a == d else (0, 0) for a in range(len(shape)))
        padded.append((start + n, apply(Op.PAD, [cast(t, dtype)], dtype, shape, (widths, 0))))
        start += n
    result = padded[-1][1]
    for end, p in reversed(padded[:-1]):
        result = where(pos < end, p, result)
    return result


concat = concatenate = cat


@grad_name("StackBackward0")
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


def _nonempty(tensors, op: str) -> list:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    tensors = [atleast_1d(t) for t in _nonempty(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    return cat([atleast_2d(t) for t in _nonempty(tensors, "vstack")], 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    return cat([atleast_3d(t) for t in _nonempty(tensors, "dstack")], 2, out=out)


def column_stack(tensors, *, out=None):
    tensors = _nonempty(tensors, "column_stack")
    return hstack([reshape(t, (-1, 1)) if t.ndim <= 1 else t for t in tensors], out=out)


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


def flip(x: Tensor, *dims) -> Tensor:
    axes = [normalize_dim(d, x.ndim, "flip") for d in _dims(dims)]
    for a in axes:
        if axes.count(a) > 1:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    axes = tuple(axes) if x.ndim else ()
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
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = () if dims is None else (dims,) if isinstance(dims, int) else tuple(dims)
    if not dims and len(shifts) == 1:
        return reshape(roll(reshape(x, (-1,)), shifts, 0), tuple(x.shape))
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    out = x
    for s, d in zip(shifts, dims):
        d = normalize_dim(d, x.ndim, "roll")
        n = x.shape[d]
        if n and s % n:
            out = cat(split(out, [n - s % n, s % n], d)[::-1], d)
    return out if out is not x else apply(Op.CAST, [x], x.dtype, tuple(x.shape), x.dtype)


def _broadcast_copy(x: Tensor, inner: tuple, expanded: tuple, shape: tuple) -> Tensor:
    """x seen as `inner`, broadcast to `expanded`, flattened to `shape`: a new tensor (never
    a view of x, even when nothing is repeated)."""
    y = apply(Op.EXPAND, [apply(Op.RESHAPE, [x], x.dtype, inner, inner)], x.dtype, expanded, expanded)
    return apply(Op.RESHAPE, [y], x.dtype, shape, shape)


def repeat(x: Tensor, *sizes) -> Tensor:
    """Tile by viewing each dim as (1, n), broadcasting to (r, n) and flattening."""
    sizes = _dims(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    src = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
    return _broadcast_copy(x, tuple(v for s in src for v in (1, s)),
                           tuple(v for r, s in zip(sizes, src) for v in (r, s)),
                           tuple(r * s for r, s in zip(sizes, src)))


def tile(x: Tensor, dims) -> Tensor:
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    if repeats is None:  # torch.repeat_interleave(repeats): indices 0..n-1, each repeated
        if input.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        from .creation import arange
        return repeat_interleave(arange(input.shape[0]), input, 0)
    if dim is None:
        input, dim = reshape(input, (-1,)), 0
    d = normalize_dim(dim, input.ndim, "repeat_interleave")
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        reps = repeats.tolist()
        repeats = reps if repeats.ndim and len(reps) != 1 else int(repeats.reshape(-1)[0].item())
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        shape = tuple(input.shape)
        return _broadcast_copy(input, shape[:d + 1] + (1,) + shape[d + 1:], shape[:d + 1] + (repeats,) + shape[d + 1:],
                               tuple(s * repeats if i == d else s for i, s in enumerate(shape)))
    return _repeat_by_counts(input, d, list(repeats))


def _repeat_by_counts(x: Tensor, d: int, counts: list) -> Tensor:
    """Per-slice counts: the source positions are a data-dependent list, computed on the host."""
    import numpy as np
    from .creation import host_to_tensor
    from .indexing import index_select
    if len(counts) != x.shape[d]:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{len(counts)} and input.size({d}) = {x.shape[d]}")
    if any(c < 0 for c in counts):
        raise RuntimeError("repeats can not be negative")
    idx = np.repeat(np.arange(x.shape[d], dtype=np.int64), counts)
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
