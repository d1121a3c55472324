"""Text form of tensors, character-for-character the same as torch 2.13.

Users compare printed tensors with what PyTorch prints (doctests, notebooks,
bug reports), so this module reproduces ``repr(torch_tensor)`` exactly,
working only on numpy arrays: it never imports torch.

The layout rules mirror ``torch/_tensor_str.py``:

* one formatter per tensor picks a common column width, fixed or scientific
  notation, and an "integer mode" for float tensors whose values are all
  whole numbers (``tensor([1., 2.])``);
* tensors with more than ``threshold`` elements are summarized, showing
  ``edgeitems`` rows/columns at each end of every dimension around ``...``;
* 1-d rows wrap at ``linewidth``; deeper dimensions nest brackets and
  separate blocks with blank lines;
* suffixes such as ``dtype=``, ``device=``, ``grad_fn=`` follow the values,
  moving to a new line when the current one would grow past ``linewidth``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any, Iterator

import numpy as np

__all__ = [
    "set_printoptions",
    "get_printoptions",
    "printoptions",
    "format_tensor",
]

_FLOAT_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64"})
# torch omits ``dtype=`` for these when the tensor has elements: the default
# float dtype, and the dtypes that python ints and bools infer.
_DEFAULT_DTYPE = "float32"
_IMPLIED_DTYPES = frozenset({_DEFAULT_DTYPE, "int64", "bool"})
# The prefix every tensor repr starts with; its length is the base indent.
_PREFIX = "tensor("


@dataclasses.dataclass
class _PrintOptions:
    """Global print options, same fields and defaults as torch's."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()

# Values each profile resets (sci_mode is not part of a profile).
_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set the global print options, with ``torch.set_printoptions`` semantics.

    ``profile`` ("default", "short" or "full") is applied first and explicit
    arguments override it; an unknown profile is ignored, as in torch.  Any
    other argument left as None keeps its current value, except ``sci_mode``:
    torch always assigns it, so every call without ``sci_mode`` turns
    automatic scientific notation back on.
    """
    if profile is not None and profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTS, name, value)
    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Current options as a dict that ``set_printoptions(**d)`` accepts."""
    return dataclasses.asdict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs) -> Iterator[None]:
    """Temporarily change print options (like ``torch._tensor_str.printoptions``)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# --------------------------------------------------------------------------
# Element formatting
# --------------------------------------------------------------------------


class _Formatter:
    """Decides how every element of one tensor is written.

    All elements share a single width so columns line up.  The width and the
    notation are derived from the (possibly summarized) values that will be
    shown, exactly like torch does, so that the same data prints the same.
    """

    def __init__(self, shown: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = shown.reshape(-1)

        if not floating:
            # ints and bools: plain str(); only distinct values matter.
            for value in np.unique(flat).tolist():
                self.max_width = max(self.max_width, len(str(value)))
            return

        # Zeros and non-finite values do not influence the notation (a lone
        # nan must not force scientific mode), and not their width either.
        vals = flat.astype(np.float64)
        vals = vals[np.isfinite(vals) & (vals != 0)]
        if vals.size == 0:
            return
        vals = np.unique(vals)
        magnitudes = np.abs(vals)
        smallest = float(magnitudes.min())
        largest = float(magnitudes.max())

        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if _OPTS.sci_mode is None:
            # Switch to e-notation when fixed point would hide digits: a wide
            # dynamic range, huge values, or tiny ones.
            self.sci_mode = (
                largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
            )
        else:
            self.sci_mode = _OPTS.sci_mode

        precision = _OPTS.precision
        if self.sci_mode:
            spec, extra = f".{precision}e", 0
        elif self.int_mode:
            # whole numbers get a trailing "." to show the dtype is floating
            spec, extra = ".0f", 1
        else:
            spec, extra = f".{precision}f", 0
        for value in vals.tolist():
            self.max_width = max(self.max_width, len(format(value, spec)) + extra)

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        """Format one python scalar, right-aligned to the common width."""
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = format(value, f"{self.max_width}.{_OPTS.precision}e")
        elif self.int_mode:
            text = format(value, ".0f")
            if math.isfinite(value):
                text += "."
        else:
            text = format(value, f".{_OPTS.precision}f")
        return text.rjust(self.max_width)


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------


def _summarized_values(a: np.ndarray, edge: int) -> np.ndarray:
    """The elements a summarized print shows, flattened (feeds the formatter).

    Hidden elements must not widen the columns, so the formatter only sees
    ``edge`` items from each end of every dimension.
    """
    if a.ndim == 0:
        return a.reshape(-1)
    if a.ndim == 1:
        # torch slices ``[-edge:]``, which for edge == 0 is the whole vector;
        # nothing of it is printed then, so this only matters for fidelity.
        if edge > 0 and a.shape[0] > 2 * edge:
            return np.concatenate((a[:edge], a[-edge:]))
        return a
    if not edge:
        return a.reshape(-1)[:0]
    if a.shape[0] > 2 * edge:
        rows = list(a[:edge]) + list(a[-edge:])
    else:
        rows = list(a)
    return np.concatenate([_summarized_values(r, edge) for r in rows])


def _vector_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """One bracketed row, wrapped so no line exceeds ``linewidth``."""
    edge = _OPTS.edgeitems
    # each element takes its width plus ", "
    element_length = fmt.width() + 2
    per_line = max(1, math.floor((_OPTS.linewidth - indent) / element_length))

    if summarize and not edge:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        items = (
            [fmt.format(v) for v in a[:edge].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in a[-edge:].tolist()]
        )
    else:
        items = [fmt.format(v) for v in a.tolist()]

    lines = [
        ", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)
    ]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """Recursive bracket layout; dimension d blocks are split by d-1 blank lines."""
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)

    edge = _OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * edge:
        parts = [_nested_str(a[i], indent + 1, summarize, fmt) for i in range(edge)]
        parts.append("...")
        parts += [
            _nested_str(a[i], indent + 1, summarize, fmt) for i in range(n - edge, n)
        ]
    else:
        parts = [_nested_str(a[i], indent + 1, summarize, fmt) for i in range(n)]
    separator = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def _values_str(a: np.ndarray, indent: int, floating: bool) -> str:
    """The bracketed values of a non-empty tensor."""
    summarize = a.size > _OPTS.threshold
    shown = _summarized_values(a, _OPTS.edgeitems) if summarize else a
    fmt = _Formatter(shown, floating)
    return _nested_str(a, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, key=value`` items, wrapping before one that would overflow.

    The starting line length is computed like torch (which counts two
    characters too many when there is no newline yet) so the wrapping point
    is identical.
    """
    out = [text]
    line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > _OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            line_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def _as_numpy(values, dtype_name: str) -> np.ndarray:
    """Normalize input values to an array whose ``tolist()`` gives python
    scalars of the right kind (float/int/bool)."""
    a = np.asarray(values)
    if dtype_name in _FLOAT_DTYPES:
        return a.astype(np.float64, copy=False)
    if dtype_name == "bool":
        return a.astype(np.bool_, copy=False)
    if dtype_name.startswith("complex"):
        raise NotImplementedError("printing complex tensors is not supported")
    if a.dtype.kind not in "iub":
        a = a.astype(np.int64)
    return a


def format_tensor(
    values: np.ndarray,
    dtype_name: str,
    *,
    device: str = "cpu",
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    is_parameter: bool = False,
) -> str:
    """Return exactly what torch prints for ``repr(tensor)``.

    ``values`` holds the tensor's elements with its shape (bfloat16 as
    float32 already rounded, float16 as numpy float16); ``dtype_name`` is
    the torch dtype name without the ``torch.`` prefix.
    """
    a = _as_numpy(values, dtype_name)
    floating = dtype_name in _FLOAT_DTYPES
    indent = len(_PREFIX)
    suffixes = []

    # Like torch, the device is shown only when it is not the default (cpu).
    if str(device).split(":")[0] != "cpu":
        suffixes.append(f"device='{device}'")

    shape = str(tuple(int(d) for d in a.shape))
    if a.size == 0:
        # No elements to infer a dtype from, so any non-default dtype
        # (int64 and bool included) is spelled out; shapes other than (0,)
        # are too, as numpy does.
        if a.ndim != 1:
            suffixes.append("size=" + shape)
        if dtype_name != _DEFAULT_DTYPE:
            suffixes.append("dtype=torch." + dtype_name)
        body = "[]"
    else:
        # with edgeitems == 0 nothing but "..." is shown, so give the shape
        if not _OPTS.edgeitems:
            suffixes.append("size=" + shape)
        if dtype_name not in _IMPLIED_DTYPES:
            suffixes.append("dtype=torch." + dtype_name)
        body = _values_str(a, indent, floating)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    text = _add_suffixes(_PREFIX + body, suffixes, indent)
    if is_parameter:
        text = "Parameter containing:\n" + text
    return text
