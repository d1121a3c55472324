"""Graph IR: immutable, hash-consed nodes.

`Node(op, src, dtype, shape, arg)` is created through `node(...)`, which returns the existing
node when an equal one is alive: equal subgraphs are one object (free CSE), so identity
comparisons are structural comparisons.  The only mutable slot is `buffer`, set when the
node's value has been computed (realized); later graphs treat such a node as data.
"""
from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass

from .dtype import DType
from .ops import Op

_INTERN: "weakref.WeakValueDictionary[tuple, Node]" = weakref.WeakValueDictionary()
_ids = itertools.count()


class Node:
    __slots__ = ("op", "src", "dtype", "shape", "arg", "buffer", "depth", "uid", "__weakref__")

    def __init__(self, op: Op, src: tuple, dtype: DType, shape: tuple, arg):
        self.op, self.src, self.dtype, self.shape, self.arg = op, src, dtype, shape, arg
        self.buffer = None
        self.uid = next(_ids)
        # longest pending path below: lowering and codegen recurse along it
        self.depth = 1 + max((s.depth for s in src if s.buffer is None), default=0)

    @property
    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def realized(self) -> bool:
        return self.buffer is not None or self.op is Op.BUFFER

    def __repr__(self) -> str:
        arg = "" if self.arg is None or self.op is Op.BUFFER else f", {self.arg}"
        return f"<{self.op.name} {self.dtype.name}{list(self.shape)}{arg} #{self.uid}>"


def node(op: Op, src: tuple, dtype: DType, shape: tuple, arg=None) -> Node:
    shape = tuple(int(s) for s in shape)
    key = (op, tuple(id(s) for s in src), dtype, shape, _hashable(arg))
    found = _INTERN.get(key)
    if found is not None and found.src == src:
        return found
    n = Node(op, tuple(src), dtype, shape, arg)
    _INTERN[key] = n
    return n


def _hashable(arg):
    if isinstance(arg, float) and arg != arg:
        return ("nan",)
    if isinstance(arg, (list, tuple)):
        return tuple(_hashable(a) for a in arg)
    if isinstance(arg, (int, float, bool, str, type(None), DType, Op)) or hasattr(arg, "__hash__"):
        # keep int/float/bool distinct: CONST 1 and 1.0 and True are different nodes
        return (type(arg).__name__, arg) if isinstance(arg, (int, float, bool)) else arg
    return id(arg)


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
