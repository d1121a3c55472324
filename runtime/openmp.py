"""A native fork-join launcher on libgomp: `launch(fn, args, extent, threads)` runs the
kernel `fn(args, start, end)` over [0, extent) split evenly across an OpenMP team.

Why not Python threads: waking a sleeping worker through a lock costs tens of microseconds,
and on a virtual machine (an idle vCPU halts) often a hundred, which is the whole run time
of a mid-size kernel.  libgomp's team threads spin for a while after each region, so
back-to-back kernels find them awake: an LSTM time step's 32x1024 GEMM takes 100 µs instead
of 200.  The launcher is a few lines of LLVM IR compiled like any kernel (and cached); ctypes
releases the GIL while it runs.  libgomp is the one OpenMP runtime torch uses too (same
soname), so both share one thread team in a process that imports both.

libgomp cannot be used again in a forked child (its team threads are gone), so children
fall back to the Python pool (runtime/threads.py).
"""
from __future__ import annotations

import ctypes
import ctypes.util

LAUNCH_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)

_IR = r"""
%ctx = type { void (i8*, i64, i64)*, i8*, i64 }
declare void @GOMP_parallel(void (i8*)*, i8*, i32, i32)
declare i32 @omp_get_thread_num()
declare i32 @omp_get_num_threads()

define internal void @tjit_omp_body(i8* %p) {
entry:
  %c = bitcast i8* %p to %ctx*
  %fp = getelementptr %ctx, %ctx* %c, i32 0, i32 0
  %fn = load void (i8*, i64, i64)*, void (i8*, i64, i64)** %fp
  %ap = getelementptr %ctx, %ctx* %c, i32 0, i32 1
  %args = load i8*, i8** %ap
  %ep = getelementptr %ctx, %ctx* %c, i32 0, i32 2
  %extent = load i64, i64* %ep
  %t32 = call i32 @omp_get_thread_num()
  %n32 = call i32 @omp_get_num_threads()
  %t = sext i32 %t32 to i64
  %n = sext i32 %n32 to i64
  %t1 = add i64 %t, 1
  %a = mul i64 %extent, %t
  %lo = udiv i64 %a, %n
  %b = mul i64 %extent, %t1
  %hi = udiv i64 %b, %n
  %some = icmp ult i64 %lo, %hi
  br i1 %some, label %run, label %done
run:
  call void %fn(i8* %args, i64 %lo, i64 %hi)
  br label %done
done:
  ret void
}

define void @tjit_omp_launch(i8* %fn, i8* %args, i64 %extent, i64 %threads) {
entry:
  %c = alloca %ctx
  %f = bitcast i8* %fn to void (i8*, i64, i64)*
  %fp = getelementptr %ctx, %ctx* %c, i32 0, i32 0
  store void (i8*, i64, i64)* %f, void (i8*, i64, i64)** %fp
  %ap = getelementptr %ctx, %ctx* %c, i32 0, i32 1
  store i8* %args, i8** %ap
  %ep = getelementptr %ctx, %ctx* %c, i32 0, i32 2
  store i64 %extent, i64* %ep
  %p = bitcast %ctx* %c to i8*
  %n = trunc i64 %threads to i32
  call void @GOMP_parallel(void (i8*)* @tjit_omp_body, i8* %p, i32 %n, i32 0)
  ret void
}
"""


def launcher():
    """The compiled launcher (a ctypes function), or None when libgomp cannot be loaded."""
    import llvmlite.binding as llvm
    from . import cpu
    name = ctypes.util.find_library("gomp")
    if name is None:
        return None
    try:
        gomp = ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return None
    cpu.target_description()  # initialises LLVM before add_symbol
    for sym in ("GOMP_parallel", "omp_get_thread_num", "omp_get_num_threads"):
        llvm.add_symbol(sym, ctypes.cast(getattr(gomp, sym), ctypes.c_void_p).value)
    lib = cpu.compile_library([_IR], ["tjit_omp_launch"])
    launch = LAUNCH_TYPE(ctypes.cast(lib.functions["tjit_omp_launch"], ctypes.c_void_p).value)
    launch.library = lib  # keeps the code alive
    return launch
