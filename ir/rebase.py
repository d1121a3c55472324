"""Constant offsets out of kernels and into their pointers.

A view's start (`x[t]` of a sequence, a cat piece's place in its output) is a constant term
in every index of that argument.  Baked in, it makes each time step of a recurrence a
different kernel; moved into the pointer the runtime passes, the steps are one kernel,
compiled once.  An argument qualifies when every access to it has an index that never goes
below its constant term (all terms non-negative), so the rebased range stays inside the
buffer; the masked fallback index 0 lands on the first element the kernel reads.
"""
from __future__ import annotations

from dataclasses import replace

from . import symbolic as sym
from .kernel import K, Kernel, KVal, Store


def rebase(k: Kernel) -> tuple[Kernel, list]:
    """The kernel with each qualifying argument's smallest constant offset removed, and
    those offsets (in elements, per argument slot; 0 where nothing moved)."""
    uses: dict = {}
    if not _collect(k, uses):
        return k, [0] * len(k.args)
    offsets = [0] * len(k.args)
    for slot, consts in uses.items():
        if consts and k.args[slot].kind != "rand":
            offsets[slot] = min(consts)
    if not any(offsets):
        return k, offsets
    memo: dict = {}
    new = replace(k, reduces=[replace(r, value=_value(r.value, offsets, memo)) for r in k.reduces],
                  stores=[_store(s, offsets, memo) for s in k.stores],
                  acc_stores=[_store(s, offsets, memo) for s in k.acc_stores])
    return new, offsets


def _collect(k: Kernel, uses: dict) -> bool:
    """Per slot, the constant terms of its accesses; a slot accessed with an index that can
    fall below its constant gets an empty list (it stays put).  False if the kernel reads
    data-dependent indices (gathers, scatters), which are left alone entirely."""
    seen: set = set()

    def index(slot, e: sym.Lin) -> bool:
        if any(isinstance(a, sym.Ext) for a in _atoms(e)):
            return False
        ok = e.const >= 0 and e.lo - e.const >= 0
        lst = uses.setdefault(slot, [])
        if not ok or lst is None:
            uses[slot] = None
        else:
            lst.append(e.const)
        return True

    def value(v: KVal) -> bool:
        if id(v) in seen:
            return True
        seen.add(id(v))
        if v.op is K.LOAD and not index(v.arg[0], v.arg[1]):
            return False
        if v.op in (K.INDEX, K.RAND) and any(isinstance(a, sym.Ext) for a in
                                              _atoms(v.arg if v.op is K.INDEX else v.arg[1])):
            return False
        if v.op is K.LOAD and any(any(isinstance(a, sym.Ext) for a in _atoms(c.expr)) for c in v.arg[2]):
            return False
        return all(value(s) for s in v.src)

    ok = all(value(r.value) for r in k.reduces)
    ok = ok and all(value(s.value) and s.accumulate is None and index(s.slot, s.index) for s in k.stores)
    ok = ok and all(value(s.value) and index(s.slot, s.index) for s in k.acc_stores)
    for slot in list(uses):
        if uses[slot] is None:
            uses[slot] = []
    return ok


def _atoms(e: sym.Lin):
    for a, _ in e.terms:
        yield a
        if isinstance(a, (sym.Div, sym.Mod, sym.Ranged)):
            yield from _atoms(a.num)


def _shift(e: sym.Lin, by: int) -> sym.Lin:
    return sym.Lin(e.terms, e.const - by) if by else e


def _value(v: KVal, offsets: list, memo: dict) -> KVal:
    if v in memo:
        return memo[v]
    src = tuple(_value(s, offsets, memo) for s in v.src)
    arg = v.arg
    if v.op is K.LOAD:
        slot, idx, valid, fill = arg
        arg = (slot, _shift(idx, offsets[slot]), valid, fill)
    out = v if src == v.src and arg is v.arg else KVal(v.op, v.dtype, src, arg)
    memo[v] = out
    return out


def _store(s: Store, offsets: list, memo: dict) -> Store:
    return replace(s, index=_shift(s.index, offsets[s.slot]), value=_value(s.value, offsets, memo))
