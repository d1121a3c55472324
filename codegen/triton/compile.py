"""Generated Triton source -> a @triton.jit function -> PTX and cubin, ahead of time.

Source text is registered with `linecache` under a synthetic file name and executed from
memory (no temp files): Triton reads a kernel's source through `inspect`, which finds it
there.  Ahead-of-time compilation needs no GPU: `triton.compile` with a `GPUTarget` runs
Triton's whole pipeline (ttir, ttgir, llir, ptx, then ptxas to a cubin) on the host.

Note: triton 3.9 uses its bundled CUDA 13 ptxas for sm_90; a cubin for an older driver can be
made by pointing TRITON_PTXAS_BLACKWELL_PATH at the CUDA 12 ptxas triton also ships.
"""
from __future__ import annotations

import hashlib
import linecache
import os
import re
import threading
from contextlib import contextmanager

from .emit import TritonKernel

_lock = threading.Lock()
_loaded: dict = {}


def sm90():
    from triton.backends.compiler import GPUTarget
    return GPUTarget("cuda", 90, 32)


@contextmanager
def _interpret_mode(on: bool):
    """TRITON_INTERPRET is read when @triton.jit runs, so it is set around the exec only.
    Triton itself is imported first, outside it: its library stays compilable."""
    import triton.language  # noqa: F401
    old = os.environ.get("TRITON_INTERPRET")
    os.environ["TRITON_INTERPRET"] = "1" if on else "0"
    try:
        yield
    finally:
        if old is None:
            del os.environ["TRITON_INTERPRET"]
        else:
            os.environ["TRITON_INTERPRET"] = old


def load_namespace(source: str, interpret: bool = False) -> dict:
    """Execute generated source as a module; its @triton.jit functions are interpreted
    (TRITON_INTERPRET=1) or compilable.  Cached per (source, mode)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    key = (digest, interpret)
    with _lock:
        if key not in _loaded:
            fname = f"<tjit-triton-{digest}>"
            linecache.cache[fname] = (len(source), None, source.splitlines(True), fname)
            ns = {"__name__": f"tjit_triton_{digest}", "__file__": fname}
            with _interpret_mode(interpret):
                exec(compile(source, fname, "exec"), ns)
            _loaded[key] = ns
        return _loaded[key]


def load(tk: TritonKernel, interpret: bool = False):
    """The kernel's @triton.jit function (a JITFunction, or an InterpretedFunction)."""
    return load_namespace(tk.source, interpret)[tk.fn_name]


def compile_aot(tk: TritonKernel, target=None, constexprs: dict | None = None, aligned: bool = True):
    """Compile for `target` (default sm_90) with no GPU present.  Returns Triton's
    CompiledKernel: `.asm` holds 'ttir', 'ttgir', 'llir', 'ptx', 'cubin'; `.metadata` the
    launch metadata (name, num_warps, shared, ...).  `aligned` declares every pointer 16-byte
    aligned (tjit buffers are), which lets loads vectorise."""
    import triton
    from triton.compiler import ASTSource

    fn = load(tk)
    consts = {**tk.constexprs, **(constexprs or {})}
    signature = {**tk.signature, **{name: "constexpr" for name in consts}}
    attrs = {(i,): [["tt.divisibility", 16]] for i in range(len(tk.signature))} if aligned else {}
    options = {"num_warps": tk.num_warps, "num_stages": tk.num_stages, "enable_fp_fusion": False}
    return triton.compile(ASTSource(fn, signature, consts, attrs), target=target or sm90(), options=options)


def launch_metadata(compiled, tk: TritonKernel) -> dict:
    """What a driver-level launcher needs (backends.md §6).  The PTX entry takes the runtime
    arguments and then scratch pointers (global, profile: how many depends on the Triton
    version), which are null when the metadata's scratch sizes are 0."""
    md = compiled.metadata
    entry = re.search(r"\.entry\s+\S+\s*\((.*?)\)", compiled.asm["ptx"], re.S)
    params = entry.group(1).count(".param") if entry else len(tk.signature)
    return {"name": md.name, "num_warps": md.num_warps, "num_ctas": md.num_ctas, "shared": md.shared,
            "scratch_params": params - len(tk.signature),
            "global_scratch_size": getattr(md, "global_scratch_size", 0) or 0,
            "profile_scratch_size": getattr(md, "profile_scratch_size", 0) or 0}
