"""Native launching on libgomp: `launch(fn, args, extent, threads)` runs the kernel
`fn(args, start, end)` over [0, extent) split evenly across an OpenMP team, and
`launch.run_program(program, table)` runs a plan segment's kernels one after another in one
call (tjit/plan_runner.py builds the program).

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
PROGRAM_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)

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

; a plan's run of kernels in one call.  prog: [steps, max args, then per step: kernel,
; extent, threads (1: on this thread), args, (table slot, byte offset) per arg]; table:
; the address of each buffer the steps use
define void @tjit_run_program(i64* %prog, i64* %table) {
entry:
  %n = load i64, i64* %prog
  %mp = getelementptr i64, i64* %prog, i64 1
  %maxargs = load i64, i64* %mp
  %args = alloca i8*, i64 %maxargs
  %argsraw = bitcast i8** %args to i8*
  br label %step
step:
  %s = phi i64 [0, %entry], [%s1, %called]
  %p = phi i64 [2, %entry], [%adv, %called]
  %more = icmp ult i64 %s, %n
  br i1 %more, label %head, label %exit
head:
  %fq = getelementptr i64, i64* %prog, i64 %p
  %fnint = load i64, i64* %fq
  %p1 = add i64 %p, 1
  %eq = getelementptr i64, i64* %prog, i64 %p1
  %extent = load i64, i64* %eq
  %p2 = add i64 %p, 2
  %tq = getelementptr i64, i64* %prog, i64 %p2
  %threads = load i64, i64* %tq
  %p3 = add i64 %p, 3
  %nq = getelementptr i64, i64* %prog, i64 %p3
  %nargs = load i64, i64* %nq
  %p4 = add i64 %p, 4
  br label %arg
arg:
  %a = phi i64 [0, %head], [%a1, %argbody]
  %moreargs = icmp ult i64 %a, %nargs
  br i1 %moreargs, label %argbody, label %call
argbody:
  %a2 = shl i64 %a, 1
  %sq = add i64 %p4, %a2
  %slotp = getelementptr i64, i64* %prog, i64 %sq
  %slot = load i64, i64* %slotp
  %oq = add i64 %sq, 1
  %offp = getelementptr i64, i64* %prog, i64 %oq
  %off = load i64, i64* %offp
  %bp = getelementptr i64, i64* %table, i64 %slot
  %base = load i64, i64* %bp
  %addr = add i64 %base, %off
  %ptr = inttoptr i64 %addr to i8*
  %dst = getelementptr i8*, i8** %args, i64 %a
  store i8* %ptr, i8** %dst
  %a1 = add i64 %a, 1
  br label %arg
call:
  %fnptr = inttoptr i64 %fnint to i8*
  %split = icmp ugt i64 %threads, 1
  br i1 %split, label %parallel, label %serial
parallel:
  call void @tjit_omp_launch(i8* %fnptr, i8* %argsraw, i64 %extent, i64 %threads)
  br label %called
serial:
  %fn = bitcast i8* %fnptr to void (i8*, i64, i64)*
  call void %fn(i8* %argsraw, i64 0, i64 %extent)
  br label %called
called:
  %twice = shl i64 %nargs, 1
  %adv = add i64 %p4, %twice
  %s1 = add i64 %s, 1
  br label %step
exit:
  ret void
}
"""


def launcher():
    """The compiled launcher (a ctypes function; its `run_program` runs a plan's kernels in
    one call), or None when libgomp cannot be loaded."""
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
    lib = cpu.compile_library([_IR], ["tjit_omp_launch", "tjit_run_program"])
    address = lambda name: ctypes.cast(lib.functions[name], ctypes.c_void_p).value  # noqa: E731
    launch = LAUNCH_TYPE(address("tjit_omp_launch"))
    launch.run_program = PROGRAM_TYPE(address("tjit_run_program"))
    launch.library = lib  # keeps the code alive
    return launch
