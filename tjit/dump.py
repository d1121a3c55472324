"""TJIT_DUMP=graph,schedule,kernel,llvm,triton,asm prints each stage's object as it is built;
TJIT_DUMP_DIR=path writes them to numbered files there instead."""
from __future__ import annotations

import itertools
import os
import sys

STAGES = ("graph", "schedule", "kernel", "llvm", "triton", "asm")
_counter = itertools.count()


def _wanted() -> set:
    raw = os.environ.get("TJIT_DUMP", "")
    parts = {p.strip() for p in raw.split(",") if p.strip()}
    return set(STAGES) if "all" in parts else parts


def enabled(stage: str) -> bool:
    return stage in _wanted()


def any_enabled() -> bool:
    return bool(_wanted())


def stage(name: str, text_fn) -> None:
    if not enabled(name):
        return
    text = text_fn()
    d = os.environ.get("TJIT_DUMP_DIR")
    if d:
        os.makedirs(d, exist_ok=True)
        ext = {"llvm": "ll", "triton": "py", "asm": "s"}.get(name, "txt")
        with open(os.path.join(d, f"{next(_counter):04d}_{name}.{ext}"), "w") as f:
            f.write(text + "\n")
    else:
        sys.stderr.write(f"===== tjit {name} =====\n{text}\n")


def format_graph(targets) -> str:
    from tjit.ir.graph import toposort
    order = toposort(targets)
    names = {id(n): f"%{i}" for i, n in enumerate(order)}
    lines = []
    for n in order:
        if n.realized:
            desc = "buffer"
        else:
            arg = "" if n.arg is None else f" {n.arg}"
            desc = f"{n.op.name.lower()}({', '.join(names[id(s)] for s in n.src)}){arg}"
        lines.append(f"{names[id(n)]} = {desc} : {n.dtype.name}{list(n.shape)}")
    lines.append("outputs: " + ", ".join(names[id(t)] for t in targets))
    return "\n".join(lines)
