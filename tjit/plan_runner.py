"""Running a compiled plan: allocate the buffers its steps write, then launch its kernels.

A plan is cut into segments at library (extern) steps, which run in Python on numpy arrays.
A segment of kernels becomes a *program*, data that runtime/openmp.py's native runner walks
in one ctypes call: per kernel its address, extent, thread count and arguments, each
argument a slot of a per-run address table plus a byte offset.  Launching from Python cost
~10 µs a kernel (pointer arrays, attribute lookups, a ctypes call); an LSTM replay launches
190 kernels.  Without the native runner (no libgomp, a forked child, a profile timing each
kernel) the same table drives one launch per step.
"""
from __future__ import annotations

import ctypes
import time
from dataclasses import dataclass

import numpy as np

from tjit.runtime import stats, threads
from tjit.runtime.buffer import Buffer


def run(plan, order: list) -> None:
    """Run `plan` on `order` (the graph's nodes by position, leaves realized): each written
    node gets its `.buffer`."""
    written: dict = {}
    externs: dict = {}
    for seg in _segments(plan, order):
        if isinstance(seg, _Extern):
            seg.run(order, externs)
            continue
        for o in seg.outputs:
            if o not in written:
                written[o] = Buffer(order[o].numel, order[o].dtype.np)
        table, keep = seg.table(order, written)
        if stats.kernel_times is not None or not threads.run_program(seg.program, table):
            seg.launch_each(plan, table)
        del keep  # random-number keys lived through the launches
        for o in seg.outputs:
            order[o].buffer = written[o]


def _segments(plan, order: list) -> list:
    """The plan's segments for the current thread count (it decides which kernels split);
    `order` gives output sizes (structural: the same on every run)."""
    cache = plan.__dict__.setdefault("_segments", {})
    n = threads.get_num_threads()
    segs = cache.get(n)
    if segs is None:
        segs, run_ = [], []
        for st in plan.steps:
            if st.kind == "extern":
                if run_:
                    segs.append(_Kernels.build(plan, run_, order))
                    run_ = []
                segs.append(_Extern(st))
            else:
                run_.append(st)
        if run_:
            segs.append(_Kernels.build(plan, run_, order))
        cache[n] = segs
    return segs


@dataclass
class _Extern:
    step: object

    def run(self, order: list, externs: dict) -> None:
        st = self.step
        out_node = order[st.out]
        call, k = out_node.arg
        ins = [order[i] for _, i in st.refs]
        memo_key = (call, tuple(id(x) for x in ins))
        if memo_key not in externs:
            arrays = [x.storage.array.reshape(x.shape) for x in ins]
            externs[memo_key] = call.fn(*arrays)
        res = np.ascontiguousarray(externs[memo_key][k], dtype=out_node.dtype.np)
        buf = Buffer(res.size, res.dtype)
        buf.array[...] = res.reshape(-1)
        out_node.buffer = buf


@dataclass
class _Kernels:
    steps: list       # the kernel steps launched (those with an empty output are left out)
    args: list        # per step: [(slot, byte offset)] in the kernel's argument order
    slots: list       # per table slot: ('node' | 'rand', position in order)
    outputs: list     # positions written by the segment (every step's, launched or not)
    program: object   # the int64 program array for the native runner

    @classmethod
    def build(cls, plan, steps: list, order: list) -> "_Kernels":
        slot_of: dict = {}
        slots: list = []

        def slot(kind: str, pos: int) -> int:
            key = (kind, pos)
            if key not in slot_of:
                slot_of[key] = len(slots)
                slots.append(key)
            return slot_of[key]

        outputs, launched, args = [], [], []
        for st in steps:
            outs = [st.out] + (st.more or [])
            outputs += [o for o in outs if o not in outputs]
            ins, outs_it = iter(st.refs), iter(outs)
            refs = [slot("node", next(outs_it)) if c == "o" else slot(*next(ins)) for c in st.layout]
            offsets = st.offsets or [0] * len(refs)
            if order[st.out].numel:
                launched.append(st)
                args.append(list(zip(refs, offsets)))
        n = threads.get_num_threads()
        prog = [len(launched), max((len(a) for a in args), default=1)]
        for st, a in zip(launched, args):
            split = not st.serial and threads.should_split(st.extent, st.work)
            prog += [ctypes.cast(plan.fns[st.symbol], ctypes.c_void_p).value, st.extent,
                     min(n, st.extent) if split else 1, len(a)]
            for s, off in a:
                prog += [s, off]
        program = (ctypes.c_int64 * len(prog))(*prog)
        return cls(launched, args, slots, outputs, program)

    def table(self, order: list, written: dict):
        """This run's address per slot (and the random-key arrays, kept alive by the caller)."""
        addrs, keep = [], []
        for kind, pos in self.slots:
            if kind == "rand":
                key = order[pos].arg
                arr = np.array([_mix(key.seed), key.offset], dtype=np.int64)
                keep.append(arr)
                addrs.append(arr.ctypes.data)
            else:
                buf = written.get(pos)
                addrs.append(buf.ptr if buf is not None else order[pos].storage.ptr)
        return (ctypes.c_int64 * max(len(addrs), 1))(*addrs), keep

    def launch_each(self, plan, table) -> None:
        for st, a in zip(self.steps, self.args):
            arr = _pointer_array(len(a))(*[table[s] + off for s, off in a])
            fn = plan.fns[st.symbol]
            if stats.kernel_times is None:
                _launch(fn, arr, st)
            else:
                _timed_launch(fn, arr, st)


_POINTER_ARRAYS: dict = {}


def _pointer_array(n: int):
    """ctypes makes a new array type per `c_void_p * n`: keep one per length."""
    t = _POINTER_ARRAYS.get(n)
    if t is None:
        t = _POINTER_ARRAYS[n] = ctypes.c_void_p * n
    return t


def _launch(fn, arr, st) -> None:
    if st.serial:
        fn(arr, 0, st.extent)
    else:
        threads.run(fn, arr, st.extent, st.work)


def _timed_launch(fn, arr, st) -> None:
    start = time.perf_counter()
    _launch(fn, arr, st)
    entry = stats.kernel_times.setdefault(st.symbol, [0, 0.0])
    entry[0] += 1
    entry[1] += time.perf_counter() - start


def _mix(seed: int) -> int:
    """Spread a user seed over 64 bits (splitmix64 finaliser) so nearby seeds differ."""
    z = (seed + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return z - (1 << 64) if z >= 1 << 63 else z
