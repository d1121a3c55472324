"""The CPU device: compile LLVM IR to native code, cache objects on disk, launch kernels.

Knows nothing of tensors or graphs: it takes LLVM IR text plus the symbols to export, and
returns callables `fn(pointer_array, start, end)`.
"""
from __future__ import annotations

import ctypes
import os
import threading

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
    """A loaded object file and the kernels it exports."""

    def __init__(self, obj: bytes, symbols: list):
        _init()
        self._engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), _target_machine())
        self._engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
        self._engine.finalize_object()
        self.functions = {}
        for s in symbols:
            addr = self._engine.get_function_address(s)
            if not addr:
                raise RuntimeError(f"compiled object lacks kernel {s}")
            self.functions[s] = KERNEL_TYPE(addr)


def target_key(*parts) -> str:
    """A cache key for `parts` compiled for this target."""
    t = target_description()
    return cache.key(*parts, t["triple"], t["cpu"], t["features"], t["llvm"], f"O{SPEED_LEVEL}")


def compile_library(ir_text: str, symbols: list) -> Library:
    """Object code for `ir_text`, from the disk cache when an identical module for the same
    target was compiled before.  `Library.key` names the cached object."""
    k = target_key(ir_text)
    obj = cache.get(k)
    if obj is None:
        mod, tm = optimize(ir_text)
        obj = tm.emit_object(mod)
        cache.put(k, obj)
        stats.count("llvm_compiles")
    else:
        stats.count("disk_cache_hits")
    lib = Library(obj, symbols)
    lib.key = k
    return lib


def load_library(key: str, symbols: list) -> Library | None:
    """A previously compiled object by its key (None if absent or corrupt)."""
    obj = cache.get(key)
    if obj is None:
        return None
    lib = Library(obj, symbols)
    lib.key = key
    return lib
