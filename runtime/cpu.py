"""The CPU device: compile LLVM IR to native code, cache objects on disk, launch kernels.

Knows nothing of tensors or graphs: it takes LLVM IR text plus the symbols to export, and
returns callables `fn(pointer_array, start, end)`.
"""
from __future__ import annotations

import ctypes
import os
import pickle
import threading
import warnings

import llvmlite.binding as llvm

from . import cache, stats

_init_lock = threading.Lock()
_initialized = False
KERNEL_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)


def _init():
    global _initialized
    with _init_lock:
        if not _initialized:
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            llvm.initialize_native_asmparser()
            _initialized = True


_targets: dict = {}


def target_description() -> dict:
    """What the compiled code is specialised for; part of every cache key."""
    portable = os.environ.get("TJIT_CPU") == "portable"
    if portable not in _targets:
        _targets[portable] = _describe(portable)
    return _targets[portable]


def vector_bits() -> int:
    """Width of the target's vector registers (code generation blocks GEMMs by it)."""
    return 512 if "+avx512f" in target_description()["features"].split(",") else 256


def _describe(portable: bool) -> dict:
    _init()
    return {
        "triple": llvm.get_process_triple(),
        "cpu": "x86-64" if portable else llvm.get_host_cpu_name(),
        "features": "" if portable else llvm.get_host_cpu_features().flatten(),
        "llvm": ".".join(map(str, llvm.llvm_version_info)),
    }


def _target_machine():
    # the execution engine takes ownership of its target machine: make a new one each time
    t = target_description()
    return llvm.Target.from_triple(t["triple"]).create_target_machine(
        cpu=t["cpu"], features=t["features"], opt=3, reloc="pic", codemodel="jitdefault", jit=True)


# LLVM's pipeline: O2 compiles ~20% faster than O3 and ran our kernels as fast (elementwise,
# softmax, GEMM, reductions measured side by side); the GEMM is vectorized by hand anyway
SPEED_LEVEL = 2


def optimize(ir_text: str) -> tuple[llvm.ModuleRef, object]:
    _init()
    tm = _target_machine()
    mod = llvm.parse_assembly(ir_text)
    mod.triple = tm.triple
    mod.data_layout = str(tm.target_data)
    mod.verify()
    pto = llvm.create_pipeline_tuning_options(speed_level=SPEED_LEVEL)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)
    return mod, tm


def assembly(ir_text: str) -> str:
    """Optimised native assembly, for TJIT_DUMP=asm."""
    mod, tm = optimize(ir_text)
    return tm.emit_assembly(mod)


def optimized_ir(ir_text: str) -> str:
    mod, _ = optimize(ir_text)
    return str(mod)


class Library:
    """Loaded object files (one per module of a schedule) and the kernels they export."""

    def __init__(self, objs: list, symbols: list):
        _init()
        self._engines = []
        for obj in objs:  # an engine per object: MCJIT links several objects in one engine wrongly
            engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), _target_machine())
            engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
            engine.finalize_object()
            self._engines.append(engine)
        self.functions = {}
        for s in symbols:
            addr = next((a for a in (e.get_function_address(s) for e in self._engines) if a), 0)
            if not addr:
                raise RuntimeError(f"compiled object lacks kernel {s}")
            self.functions[s] = KERNEL_TYPE(addr)


def target_key(*parts) -> str:
    """A cache key for `parts` compiled for this target."""
    t = target_description()
    return cache.key(*parts, t["triple"], t["cpu"], t["features"], t["llvm"], f"O{SPEED_LEVEL}")


def compile_library(ir_texts: list, symbols: list) -> Library:
    """Object code for each module in `ir_texts`, from the disk cache when an identical
    module for the same target was compiled before; modules missing from it compile in
    parallel (`compile_jobs`).  `Library.keys` name the cached objects."""
    keys = [target_key(t) for t in ir_texts]
    objs = [cache.get(k) for k in keys]
    missing = [i for i, o in enumerate(objs) if o is None]
    for i, obj in zip(missing, _compile_objects([ir_texts[i] for i in missing])):
        cache.put(keys[i], obj)
        objs[i] = obj
        stats.count("llvm_compiles")
    for _ in range(len(keys) - len(missing)):
        stats.count("disk_cache_hits")
    lib = Library(objs, symbols)
    lib.keys = keys
    return lib


def load_library(keys: list, symbols: list) -> Library | None:
    """Previously compiled objects by their keys (None if one is absent or corrupt)."""
    objs = [cache.get(k) for k in keys]
    if any(o is None for o in objs):
        return None
    lib = Library(objs, symbols)
    lib.keys = keys
    return lib


def compile_jobs() -> int:
    """Processes LLVM may use at once (TJIT_COMPILE_JOBS; default: the usable CPUs, at most 4).
    llvmlite holds one process-wide lock around every call, so threads cannot compile in
    parallel: extra modules compile in forked children."""
    env = os.environ.get("TJIT_COMPILE_JOBS")
    if env:
        return max(1, int(env))
    return max(1, min(len(os.sched_getaffinity(0)), 4)) if hasattr(os, "sched_getaffinity") else 1


def _llvm_lock():
    """llvmlite's process-wide lock around LLVM calls (a private attribute: a no-op context
    where a future llvmlite lacks it)."""
    import contextlib
    from llvmlite.binding import ffi
    lock = getattr(getattr(ffi, "lib", None), "_lock", None)
    return lock if lock is not None and hasattr(lock, "__enter__") else contextlib.nullcontext()


def _emit_object(ir_text: str) -> bytes:
    mod, tm = optimize(ir_text)
    return tm.emit_object(mod)


def _compile_objects(texts: list) -> list:
    """Each module's object code: this process compiles every `jobs`-th module, and a forked
    child each other share, sending its objects back through a pipe.  A child that fails
    leaves its modules to this process."""
    jobs = min(compile_jobs(), len(texts))
    if jobs < 2 or not hasattr(os, "fork"):
        return [_emit_object(t) for t in texts]
    children = []
    for j in range(1, jobs):
        r, w = os.pipe()
        # fork while holding llvmlite's lock: no other thread is then inside LLVM, whose state
        # the child inherits (the child's thread owns the re-entrant lock, so it can compile)
        with _llvm_lock(), warnings.catch_warnings():  # 3.12 warns about forking a threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            status = 1
            try:
                os.close(r)
                data = pickle.dumps([_emit_object(t) for t in texts[j::jobs]])
                with os.fdopen(w, "wb") as f:
                    f.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(w)
        children.append((j, pid, r))
    out: list = [None] * len(texts)
    try:
        out[0::jobs] = [_emit_object(t) for t in texts[0::jobs]]
    finally:
        for j, pid, r in children:
            with os.fdopen(r, "rb") as f:
                data = f.read()
            _, status = os.waitpid(pid, 0)
            if status == 0 and data:
                out[j::jobs] = pickle.loads(data)
    for i, obj in enumerate(out):
        if obj is None:
            out[i] = _emit_object(texts[i])
    return out
