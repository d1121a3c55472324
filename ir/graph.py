"""Graph IR: immutable, hash-consed nodes.

`Node(op, src, dtype, shape, arg)` is created through `node(...)`, which returns the existing
node when an equal one is alive: equal subgraphs are one object (free CSE), so identity
comparisons are structural comparisons.  The only mutable slot is `buffer`, set when the
node's value has been computed (realized); later graphs treat such a node as data.
"""
from __future__ import annotations

import itertools
import math
import weakref
from dataclasses import dataclass

from .dtype import DType
from .ops import Op


class _Ref(weakref.ref):
    """A weak reference that remembers its intern-table key (a C-level subclass: creating
    one costs no Python call, unlike weakref.KeyedRef)."""
    __slots__ = ("key",)


def _forget(ref: _Ref) -> None:
    if _INTERN.get(ref.key) is ref:
        del _INTERN[ref.key]


# structural key -> weak reference to the live node with that structure
_INTERN: dict = {}
_ids = itertools.count()


class Node:
    # skey: the node's own part of a graph's structural key (the engine fills it in)
    __slots__ = ("op", "src", "dtype", "shape", "arg", "buffer", "depth", "uid", "skey", "__weakref__")

    def __init__(self, op: Op, src: tuple, dtype: DType, shape: tuple, arg):
        self.op, self.src, self.dtype, self.shape, self.arg = op, src, dtype, shape, arg
        self.buffer = self.skey = None
        self.uid = next(_ids)
        # longest pending path below: lowering and codegen recurse along it
        depth = 0
        for s in src:
            if s.buffer is None and s.depth > depth:
                depth = s.depth
        self.depth = depth + 1

    @property
    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def realized(self) -> bool:
        return self.buffer is not None or self.op is Op.BUFFER

    @property
    def storage(self):
        """A realized node's data: the buffer it was computed into, or a leaf's own."""
        return self.buffer if self.buffer is not None else self.arg

    def __repr__(self) -> str:
        arg = "" if self.arg is None or self.op is Op.BUFFER else f", {self.arg}"
        return f"<{self.op.name} {self.dtype.name}{list(self.shape)}{arg} #{self.uid}>"


def node(op: Op, src: tuple, dtype: DType, shape: tuple, arg=None) -> Node:
    """The live node with this structure, or a new one.  Sources are keyed by identity: a
    live node keeps its sources alive, so their ids cannot have been reused."""
    shape = tuple(map(int, shape))
    key = (op, tuple(map(id, src)), dtype, shape, None if arg is None else _hashable(arg))
    ref = _INTERN.get(key)
    if ref is not None:
        found = ref()
        if found is not None:
            return found
    n = Node(op, tuple(src), dtype, shape, arg)
    ref = _Ref(n, _forget)
    ref.key = key
    _INTERN[key] = ref
    return n


_NAN, _NEG_ZERO = ("nan",), ("-0.0",)


def _hashable(arg):
    """A dict key for a node's arg.  Floats are keyed so that NaN finds itself and -0.0
    is not 0.0 (CONST values); int vs bool vs float need no tag: the node's dtype, also
    in the key, tells them apart."""
    t = type(arg)
    if t is int or t is str or t is bool:
        return arg
    if t is float:
        if arg != arg:
            return _NAN
        return _NEG_ZERO if arg == 0.0 and math.copysign(1.0, arg) < 0 else arg
    if t is tuple or t is list:
        return tuple([_hashable(a) for a in arg])
    return arg if getattr(arg, "__hash__", None) is not None else id(arg)


@dataclass(frozen=True)
class RandKey:
    """Identifies one random draw.  seed/offset are passed to kernels as arguments, so the
    compiled code (and the schedule cache) does not depend on them."""
    seed: int
    offset: int


@dataclass(frozen=True, eq=False)
class ExternCall:
    """A library routine run on realized inputs (sort, LAPACK).  `fn(*arrays) -> tuple of
    arrays`; each output is a separate EXTERN node with arg (call, output index)."""
    name: str
    params: tuple
    fn: object

    def __hash__(self):
        return hash((self.name, self.params))

    def __eq__(self, other):
        return isinstance(other, ExternCall) and (self.name, self.params) == (other.name, other.params)

    def __repr__(self):
        return f"{self.name}{self.params}"


def toposort(roots) -> list:
    """Pending nodes below `roots` in dependency order (realized nodes are leaves)."""
    order, seen = [], set()
    stack = [(r, False) for r in roots]
    while stack:
        n, expanded = stack.pop()
        if expanded:
            order.append(n)
            continue
        if id(n) in seen:
            continue
        seen.add(id(n))
        stack.append((n, True))
        if n.buffer is None:
            stack.extend((s, False) for s in n.src if id(s) not in seen)
    return order
