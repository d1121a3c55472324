"""Scheduling: decide which nodes are written to memory, and lower each region to a kernel.

Everything fuses unless there is a reason not to; every buffer a schedule writes carries its
reason (`ScheduleItem.reason`), and so does every input a kernel reads (`input_reasons`).
The loop is greedy and simple: lower each materialized node's region; when lowering reports a
`FusionConflict`, materialize the node it names and start again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .graph import Node, toposort
from .kernel import Kernel
from .lower import FusionConflict, lower, lower_group, lower_piece, lower_scan, lower_scatter
from .ops import MOVEMENT, SOURCES, Op

# a kernel whose region grows past this many nodes is split (compile time and register
# pressure grow with it; recomputation of shared subexpressions too)
MAX_REGION = 400


@dataclass
class ScheduleItem:
    kind: str                 # 'kernel' or 'extern'
    output: Node
    reason: str               # why `output` is written to memory
    kernel: Kernel | None = None
    inputs: list = field(default_factory=list)   # nodes / RandKeys in argument order
    input_reasons: list = field(default_factory=list)
    copy_base: bool = False   # scatter: 'out' starts as a copy of the base (done by a prior item)
    more_outputs: list = field(default_factory=list)  # a multi-output kernel's further outputs
    more_reasons: list = field(default_factory=list)
    piece: int | None = None  # cat: the source this kernel writes into its place in `output`

    @property
    def name(self) -> str:
        return self.kernel.name if self.kernel else f"extern_{self.output.arg[0].name}"

    def __str__(self) -> str:
        ins = ", ".join(f"{_short(n)} ({r})" for n, r in zip(self.inputs, self.input_reasons))
        part = "" if self.piece is None else f" (its source {self.piece}, in place)"
        head = f"{self.name}: writes {_short(self.output)}{part} because {self.reason}"
        for n, r in zip(self.more_outputs, self.more_reasons):
            head += f"\n    and writes {_short(n)} because {r} (same loop: multi-output kernel)"
        return head + (f"\n    reads {ins}" if ins else "")


def _short(n) -> str:
    if isinstance(n, Node):
        return f"{n.op.name.lower()}#{n.uid}{list(n.shape)}"
    return "rng"


@dataclass
class Schedule:
    items: list
    targets: list

    @property
    def kernels(self) -> list:
        return self.items

    def __len__(self):
        return len(self.items)

    def __str__(self) -> str:
        lines = [f"schedule: {len(self.items)} kernel(s)"]
        for i, it in enumerate(self.items):
            lines.append(f"[{i}] {it}")
        return "\n".join(lines)


def _forced_cuts(targets: list, order: list) -> dict:
    """Nodes that must be written to memory regardless of fusion."""
    cuts: dict = {}
    for t in targets:
        if not t.realized:
            cuts.setdefault(id(t), "realized by the user")
    consumers: dict = {}
    for n in order:
        for s in n.src:
            consumers.setdefault(id(s), set()).add(id(n))
    for n in order:
        if n.realized:
            continue
        if n.op in (Op.SCAN, Op.SCATTER, Op.EXTERN):
            cuts.setdefault(id(n), f"{n.op.name.lower()} writes its own buffer")
        if n.op is Op.EXTERN:
            for s in n.src:
                if not s.realized:
                    cuts.setdefault(id(s), f"input of extern {n.arg[0].name}")
        if n.op is Op.SCATTER:
            for s in n.src[1:2]:
                if not s.realized:
                    cuts.setdefault(id(s), "index of scatter")
    return cuts


def schedule(targets: list) -> Schedule:
    targets = list(dict.fromkeys(targets))
    order = toposort(targets)
    cuts = _forced_cuts(targets, order)
    while True:
        items = _lower_all(order, cuts)
        shared = _shared_work(items, cuts)
        if not shared:
            return Schedule(_merge_elementwise(_hoist_scalars(items), cuts), targets)
        for n, reason in shared:
            cuts[id(n)] = reason


def _lower_all(order, cuts) -> list:
    items = []
    for n in order:
        if id(n) in cuts and not n.realized:
            _lower_node(n, cuts, items)
    return items


def _lower_node(n: Node, cuts: dict, items: list) -> None:
    """Append the kernel(s) writing `n`.  A conflict inside its region materializes the
    node it names first (its kernel goes right before this one: its inputs are all earlier
    in topological order, so already written), then lowers `n` again.  Kernels lowered
    before stay valid: they compute that node inline, as they did."""
    while True:
        try:
            items.extend(_items_for(n, cuts))
            return
        except FusionConflict as fc:
            if id(fc.node) in cuts:
                raise RuntimeError(f"scheduler could not place {fc.node}: {fc.reason}") from fc
            cuts[id(fc.node)] = fc.reason
            _lower_node(fc.node, cuts, items)


def _items_for(n: Node, cuts: dict) -> list:
    reason = cuts[id(n)]
    inputs = {k for k in cuts if k != id(n)}
    if n.op is Op.EXTERN:
        return [ScheduleItem("extern", n, reason, None, list(n.src), [_reason(s, cuts) for s in n.src])]
    if n.op is Op.SCATTER:
        base = n.src[0]
        k1, args1 = lower(base, inputs, copy=id(base) in cuts or base.realized)
        k1.name = f"copy_{k1.name}"
        k2, args2 = lower_scatter(n, inputs)
        return [ScheduleItem("kernel", n, reason, k1, args1, [_reason(a, cuts) for a in args1]),
                ScheduleItem("kernel", n, reason, k2, args2, [_reason(a, cuts) for a in args2], copy_base=True)]
    if n.op is Op.CAT:
        items = []
        for i in range(len(n.src)):
            if n.src[i].numel == 0:  # an empty piece has nothing to write
                continue
            k, args = lower_piece(n, i, inputs)
            k.name = f"cat{i}_{k.name}"
            items.append(ScheduleItem("kernel", n, reason, k, args, [_reason(a, cuts) for a in args], piece=i))
        return items
    k, args = (lower_scan if n.op is Op.SCAN else lower)(n, inputs)
    kept = getattr(k, "kept_nodes", [])
    return [ScheduleItem("kernel", n, reason, k, args, [_reason(a, cuts) for a in args], more_outputs=kept,
                         more_reasons=["reduction computed here, kept for later schedules"] * len(kept))]


def _reason(a, cuts) -> str:
    if not isinstance(a, Node):
        return "random key"
    if a.realized:
        return "input data"
    return cuts.get(id(a), "?")


# a value several kernels would each recompute is written once when computing it takes more
# than this many ops (cheap expressions are recomputed: loading them back costs more)
RECOMPUTE_LIMIT = 40
WINDOW_LIMIT = 4
_CHEAP = MOVEMENT | SOURCES | {Op.CAST}


def _shared_work(items, cuts) -> list:
    """Reductions, matmuls and long expressions recomputed inside several kernels: without
    this, a recurrence (an LSTM's cell state) would recompute every earlier step in every
    later kernel."""
    seen: dict = {}
    for it in items:
        if it.kernel is None:
            continue
        for node in _region(it.output, cuts, it.piece):
            seen.setdefault(id(node), [node, 0])[1] += 1
    cost: dict = {}
    out = []
    for n, count in seen.values():
        if count > 1 and id(n) not in cuts:
            if n.op in (Op.REDUCE, Op.CONTRACT):
                out.append((n, f"reduce used by {count} kernels"))
            elif _cost(n, cuts, cost) > RECOMPUTE_LIMIT:
                out.append((n, f"used by {count} kernels and costly to recompute"))
            elif _windows(n, cuts) > WINDOW_LIMIT:
                out.append((n, f"used by {count} kernels and reads many shifted windows"))
    return out


def _windows(root, cuts) -> int:
    """Padded (shifted, masked) reads in a value's region: a col2im-like sum of many windows
    costs a load per window wherever it is recomputed, against one load when written once."""
    count, stack, seen = 0, [root], set()
    while stack and count <= WINDOW_LIMIT:
        n = stack.pop()
        if id(n) in seen or n.realized or (id(n) in cuts and n is not root):
            continue
        seen.add(id(n))
        count += n.op is Op.PAD
        stack.extend(n.src)
    return count


def _region(root, cuts, piece=None) -> list:
    """Pending nodes a kernel writing `root` (or only its source `piece`, for a cat)
    computes: everything above its inputs."""
    out, stack, seen = [], list(root.src) if piece is None else [root.src[piece]], set()
    while stack:
        n = stack.pop()
        if id(n) in seen or n.realized or id(n) in cuts:
            continue
        seen.add(id(n))
        out.append(n)
        stack.extend(n.src)
    return out


def _cost(n, cuts, memo) -> int:
    """Ops on the paths below `n` inside its region (an upper bound: shared parts count once
    per path), capped so a deep region costs little to measure."""
    if id(n) in memo:
        return memo[id(n)]
    memo[id(n)] = RECOMPUTE_LIMIT + 1  # cycle guard / cap for deep recursion
    c = 0 if n.op in _CHEAP else 1
    for s in n.src:
        if not (s.realized or id(s) in cuts):
            c += _cost(s, cuts, memo)
            if c > RECOMPUTE_LIMIT:
                break
    memo[id(n)] = min(c, RECOMPUTE_LIMIT + 1)
    return memo[id(n)]


def _hoist_scalars(items: list) -> list:
    """Scalar kernels (a step count, a bias correction) move up to just after their inputs
    are made: wide kernels that read them can then merge with kernels placed before them."""
    out = []
    for it in items:
        if it.kind == "kernel" and it.output.numel == 1 and it.piece is None and not it.copy_base:
            reads = {id(a) for a in it.inputs if isinstance(a, Node)}
            at = 0
            for i, o in enumerate(out):
                if id(o.output) in reads or any(id(m) in reads for m in o.more_outputs):
                    at = i + 1
            out.insert(at, it)
        else:
            out.append(it)
    return out


def _merge_elementwise(items: list, cuts: dict) -> list:
    """Horizontal fusion: elementwise kernels over the same shape that read a common input
    (an optimizer's param, moment and velocity updates; a gradient and its forward value)
    become one multi-output kernel, so shared loads and subexpressions are done once.
    A kernel joins a group only if everything it reads exists before the group's first
    member runs, or is an output of the group (computed in the same loop, not loaded)."""
    produced_at = {id(it.output): pos for pos, it in enumerate(items)}
    groups, group_of = [], {}
    for pos, it in enumerate(items):
        if not _mergeable(it):
            continue
        reads = {id(a) for a in it.inputs if isinstance(a, Node)}
        for g in groups:
            if (tuple(g.members[0].output.shape) == tuple(it.output.shape) and reads & (g.reads | g.outputs) and
                    all(produced_at.get(r, -1) < g.first or r in g.outputs for r in reads)):
                g.members.append(it)
                g.reads |= reads
                g.outputs.add(id(it.output))
                group_of[id(it)] = g
                break
        else:
            g = _Group(pos, [it], reads, {id(it.output)})
            groups.append(g)
            group_of[id(it)] = g
    out = []
    for it in items:
        g = group_of.get(id(it))
        if g is None:
            out.append(it)
        elif g.members[0] is it:
            out.append(_group_item(g.members, cuts) if len(g.members) > 1 else it)
    return out


@dataclass
class _Group:
    first: int     # schedule position of the first member: the merged kernel runs there
    members: list
    reads: set
    outputs: set


def _mergeable(it: ScheduleItem) -> bool:
    return it.kind == "kernel" and it.kernel.kind == "elementwise" and not it.copy_base and \
        it.output.op not in (Op.SCATTER, Op.CAT)


def _shares_data(a: ScheduleItem, b: ScheduleItem) -> bool:
    ia = {id(x) for x in a.inputs if isinstance(x, Node)}
    return any(isinstance(x, Node) and id(x) in ia for x in b.inputs)


def _group_item(members: list, cuts: dict) -> ScheduleItem:
    roots = [m.output for m in members]
    res = lower_group(roots, {k for k in cuts if k not in {id(r) for r in roots}})
    if res is None:  # pragma: no cover - members were elementwise, so the group is too
        return members[0]
    k, args = res
    return ScheduleItem("kernel", roots[0], members[0].reason, k, args, [_reason(a, cuts) for a in args],
                        more_outputs=roots[1:], more_reasons=[m.reason for m in members[1:]])
