"""Compiled-function artifacts: `Compiled.save(path)` and `tjit.load_compiled(path)`.

One zip file: `manifest.json` (the plan's steps, the node order as data: which positions
are inputs, slots (parameters, buffers, gradients, optimizer state), constants or computed
values, with their dtypes and shapes; the slots a training step writes, its random draws,
the guard it was traced under, the result layout; the CPU target and the compiler
fingerprint), `objects/<i>.o` (the plan's kernels) and `constants/<position>.npy` (tensors
the function captured).  Loading writes the object
into the compile cache, rebuilds the node order and replays: no tracing, no scheduling, no
LLVM.  An artifact compiled for another CPU or by another compiler version is refused.
"""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from tjit.ir import dtype as dt
from tjit.ir.graph import Node
from tjit.ir.ops import Op
from tjit.runtime import cache, cpu
from tjit.runtime.buffer import Buffer

from . import engine, state as settings
from .compiled import Loaded, _Trace
from .compiled_world import guard_json

FORMAT = 3


def save(path, signature, trace: _Trace) -> None:
    plan = trace.plan
    if any(st.kind == "extern" for st in plan.steps):
        raise RuntimeError("tjit.compile: functions with library calls (sort, LAPACK) cannot be saved yet")
    if any(gen is not settings.default_generator for gen, _, _ in trace.draws):
        raise RuntimeError("tjit.compile: a function drawing from its own Generator cannot be saved yet")
    role = {}
    for i, pos in enumerate(trace.inputs):
        if pos is not None:
            role[pos] = ["input", i]
    for i, pos in enumerate(trace.state):
        if pos is not None:
            role[pos] = ["state", i]
    nodes, constants = [], {}
    for pos, n in enumerate(trace.order):
        if pos in role:
            nodes.append(role[pos])
        elif n.realized:
            buf = n.storage
            constants[pos] = buf.array
            nodes.append(["constant", n.dtype.name, list(n.shape)])
        else:
            nodes.append(["computed", n.dtype.name, list(n.shape)])
    manifest = {"format": FORMAT, "target": cpu.target_description(), "fingerprint": engine._code_fingerprint(),
                "plan": json.loads(plan.to_json()), "nodes": nodes, "outputs": trace.outputs,
                "inputs": trace.inputs, "state": trace.state, "layout": _layout_json(trace.layout),
                "writes": [list(w) for w in trace.writes], "draws": [[count, pos] for _, count, pos in trace.draws],
                "guard": guard_json(trace.guard), "owners": list(trace.owners),
                "checks": [list(c) for c in trace.checks],
                "signature": [list(e) if e[0] == "static" else [list(e[0]), e[1].name] for e in signature]}
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("manifest.json", json.dumps(manifest))
        for i, key in enumerate(plan.library.keys if plan.library is not None else []):
            z.writestr(f"objects/{i}.o", cache.get(key))
        for pos, arr in constants.items():
            out = io.BytesIO()
            np.save(out, np.ascontiguousarray(arr))
            z.writestr(f"constants/{pos}.npy", out.getvalue())


def load(path, module=None, optimizer=None) -> Loaded:
    """A saved compiled function; `module` and `optimizer` supply the state it was compiled
    with (a compiled Module's parameters, a training step's model and optimizer)."""
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise RuntimeError(f"tjit.load_compiled: {path} has artifact format {manifest.get('format')}, "
                               f"this tjit reads {FORMAT}")
        if manifest["target"] != cpu.target_description():
            raise RuntimeError(f"tjit.load_compiled: {path} was compiled for {manifest['target']['cpu']} "
                               f"({manifest['target']['triple']}), this machine is {cpu.target_description()['cpu']}")
        if manifest["fingerprint"] != engine._code_fingerprint():
            raise RuntimeError(f"tjit.load_compiled: {path} was compiled by another version of tjit's compiler; "
                               "compile it again")
        plan_json = manifest["plan"]
        for i, key in enumerate(plan_json["objects"]):
            cache.put(key, z.read(f"objects/{i}.o"))
        order = []
        for pos, entry in enumerate(manifest["nodes"]):
            kind = entry[0]
            if kind in ("input", "state"):
                order.append(None)
                continue
            d = getattr(dt, entry[1]) if entry[1] != "bool" else dt.bool_
            shape = tuple(entry[2])
            if kind == "constant":
                arr = np.load(io.BytesIO(z.read(f"constants/{pos}.npy")))
                order.append(engine.buffer_node(Buffer(arr.size, arr.dtype, arr.reshape(-1)), d, shape))
            else:
                order.append(Node(Op.BUFFER, (), d, shape, None))
    owners = manifest["owners"]
    if (module is None) != (owners[0] == 0) or (optimizer is None) != (owners[1] == 0):
        wanted = " and ".join(w for w, n in (("module=", owners[0]), ("optimizer=", owners[1])) if n) or "neither"
        raise RuntimeError(f"tjit.load_compiled: this artifact was compiled with {owners[0]} module(s) and "
                           f"{owners[1]} optimizer(s): pass {wanted}")
    plan = engine._Plan.from_json(json.dumps(plan_json))
    if plan is None:
        raise RuntimeError(f"tjit.load_compiled: the object code in {path} could not be loaded")
    trace = _Trace(plan, order, manifest["inputs"], manifest["state"], plan.written(), manifest["outputs"],
                   _layout_from_json(manifest["layout"]), [tuple(w) for w in manifest["writes"]],
                   [(settings.default_generator, count, pos) for count, pos in manifest["draws"]],
                   manifest["guard"], tuple(owners), [tuple(c) for c in manifest["checks"]])
    signature = tuple(_static(e) if e[0] == "static" else (tuple(e[0]), getattr(dt, e[1]) if e[1] != "bool" else dt.bool_)
                      for e in manifest["signature"])
    return Loaded(signature, trace, module, optimizer)


def _static(entry) -> tuple:
    """A plain-value argument's signature entry back from JSON (tuples came back as lists)."""
    _, kind, value = entry
    return ("static", kind, tuple(value) if kind == "tuple" else value)


def _layout_json(layout):
    if layout is None:
        return None
    kind, parts = layout
    return ["list" if kind is list else "tuple", [[count, _layout_json(sub)] for count, sub in parts]]


def _layout_from_json(j):
    if j is None:
        return None
    kind, parts = j
    return (list if kind == "list" else tuple, [(count, _layout_from_json(sub)) for count, sub in parts])
