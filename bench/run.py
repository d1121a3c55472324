"""tjit vs torch eager vs numpy, in one process run: `python bench/run.py [--quick] [names...]`.

Each workload is timed as the best of several repetitions after a warm-up (so compile time
is excluded, except in the fresh-process rows, which measure exactly that).  The table
reports milliseconds and tjit/torch ratios (lower is better for tjit).
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import workloads  # noqa: E402


def best_of(fn, reps: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def machine() -> str:
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores visible, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), numpy {np.__version__}, python {platform.python_version()}")


def copy_bandwidth() -> float:
    """The machine's memory copy bandwidth (bytes read + written per second) as numpy's
    copy of 64M float32 measures it: the ceiling for memory-bound kernels."""
    src = np.ones(1 << 26, np.float32)
    dst = np.empty_like(src)
    t = best_of(lambda: np.copyto(dst, src), 5)
    return 2 * src.nbytes / t


def fresh_process_first_step(cache_dir: str) -> float:
    """Seconds from a new interpreter's start to the first step's loss.  Python's bytecode
    cache is on, as in any installed package (some sandboxes set PYTHONDONTWRITEBYTECODE,
    which makes every start recompile tjit's source: about 0.25 s)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["TJIT_CACHE_DIR"] = cache_dir
    subprocess.run([sys.executable, "-c", "import tjit, tjit.nn, tjit.optim"], env=env, check=True, timeout=600)
    r = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "first_step.py")],
                       capture_output=True, text=True, env=env, timeout=600)
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    return float(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repetitions (CI smoke run)")
    args = ap.parse_args()
    reps = 3 if args.quick else 7
    print(machine())
    workloads.COPY_BANDWIDTH = copy_bandwidth()
    print(f"memory copy bandwidth (numpy copy, read + write): {workloads.COPY_BANDWIDTH / 1e9:.1f} GB/s")
    print(f"{'workload':34s} {'tjit ms':>10s} {'torch ms':>10s} {'numpy ms':>10s} {'tjit/torch':>11s}  note")
    for w in workloads.all_workloads(args.quick):
        if args.names and w.name not in args.names:
            continue
        try:
            fns = w.setup()
        except Exception as e:  # a workload whose frontend pieces are missing is reported, not hidden
            print(f"{w.name:34s} {'n/a':>10s}  ({type(e).__name__}: {e})")
            continue
        # objects alive now (torch's ~165K among them) leave the collector's view: otherwise a
        # full collection set off by one framework's garbage walks them all inside a timing
        gc.collect()
        gc.freeze()
        t_tjit = best_of(fns["tjit"], reps)
        t_torch = best_of(fns["torch"], reps) if "torch" in fns else float("nan")
        t_np = best_of(fns["numpy"], reps) if "numpy" in fns else float("nan")
        gc.unfreeze()
        note = w.note(t_tjit) if w.note else ""
        print(f"{w.name:34s} {t_tjit * 1e3:10.3f} {t_torch * 1e3:10.3f} {t_np * 1e3:10.3f} "
              f"{t_tjit / t_torch:11.2f}  {note}", flush=True)
    if not args.names or "first_step" in args.names:
        import tempfile
        d = tempfile.mkdtemp(prefix="tjit-bench-cache-")
        cold = fresh_process_first_step(d)
        warm = fresh_process_first_step(d)
        print(f"{'first MLP step, fresh process, cold':34s} {cold * 1e3:10.1f}  (target <= 3000 ms)")
        print(f"{'first MLP step, fresh process, warm':34s} {warm * 1e3:10.1f}  (target <= 500 ms)")


if __name__ == "__main__":
    main()
