"""Engine behaviour: schedule cache, dumps, bounded laziness, realization points."""
import subprocess
import sys

import numpy as np

import tjit
from tjit.runtime import stats


def step(x, w):
    return ((x @ w).tanh() * 2).sum(1)


def test_repeated_computation_reuses_schedule_and_code():
    rng = np.random.default_rng(0)
    w = tjit.tensor(rng.standard_normal((8, 4)).astype(np.float32))
    step(tjit.tensor(rng.standard_normal((3, 8)).astype(np.float32)), w).numpy()
    before = stats.snapshot()
    for _ in range(3):
        x = rng.standard_normal((3, 8)).astype(np.float32)
        got = step(tjit.tensor(x), w).numpy()
        np.testing.assert_allclose(got, (np.tanh(x @ w.numpy()) * 2).sum(1), rtol=1e-5)
    after = stats.snapshot()
    assert after.get("schedules", 0) == before.get("schedules", 0)
    assert after.get("llvm_compiles", 0) == before.get("llvm_compiles", 0)
    assert after["schedule_cache_hits"] - before.get("schedule_cache_hits", 0) == 3


def test_random_draws_do_not_recompile():
    tjit.rand(5).numpy()
    before = stats.snapshot().get("schedules", 0)
    a, b = tjit.rand(5).numpy(), tjit.rand(5).numpy()
    assert not np.array_equal(a, b)
    assert stats.snapshot().get("schedules", 0) == before


def test_pending_graph_is_bounded():
    x = tjit.ones(4)
    for _ in range(3000):
        x = x * 1.0 + 0.0
    y = tjit.ones(4)
    for _ in range(300):  # shared subgraphs: rendering is memoized, so no blow-up either
        y = y * 0.5 + y * 0.5
    assert y._node.depth <= tjit._prim.PENDING_DEPTH_BUDGET + 1
    assert np.isfinite(y.numpy()).all()
    assert x._node.depth <= tjit._prim.PENDING_DEPTH_BUDGET + 1
    np.testing.assert_allclose(x.numpy(), 1.0)


def test_realization_points():
    x = tjit.arange(4) * 2
    assert x._node.buffer is None
    assert x.tolist() == [0, 2, 4, 6]
    y = tjit.tensor(3.0) * 2
    assert float(y) == 6.0 and y.item() == 6.0 and bool(y)


def test_dump_env_prints_every_stage():
    code = ("import tjit; x = tjit.arange(8, dtype=tjit.float32); print(((x * 2).exp() + 1).sum().item())")
    env = {"TJIT_DUMP": "graph,schedule,kernel,llvm,asm,triton", "PATH": "/usr/bin:/bin"}
    import os
    env = dict(os.environ, **{"TJIT_DUMP": "graph,schedule,kernel,llvm,asm"})
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    for stage in ("graph", "schedule", "kernel", "llvm", "asm"):
        assert f"===== tjit {stage} =====" in r.stderr
    assert "define void" in r.stderr


def test_dump_dir_writes_files(tmp_path):
    import os
    env = dict(os.environ, TJIT_DUMP="schedule,kernel,llvm", TJIT_DUMP_DIR=str(tmp_path))
    code = "import tjit; print((tjit.arange(5) + 1).tolist())"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert any(n.endswith("_schedule.txt") for n in names) and any(n.endswith("_llvm.ll") for n in names)


def test_fresh_process_reuses_plans_from_disk(tmp_path):
    import os
    env = dict(os.environ, TJIT_CACHE_DIR=str(tmp_path))
    env.pop("TJIT_DUMP", None)
    code = ("import tjit; from tjit.runtime import stats; x = tjit.arange(12.).reshape(3, 4);"
            "print(((x @ x.t()).exp().sum(1)).tolist()); print(stats.snapshot())")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
            for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr + runs[1].stderr
    first, second = (r.stdout.splitlines() for r in runs)
    assert first[0] == second[0]
    assert "'llvm_compiles'" in first[1] and "'schedules'" in first[1]
    assert "'llvm_compiles'" not in second[1] and "'schedules'" not in second[1]
    assert "'plan_disk_hits'" in second[1]


def test_profile_reports_every_kernel_launch():
    x = tjit.from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4))
    with tjit.debug.profile() as p:
        y = (x * 2).sum(1)
        y.realize()
        ((x @ x.t()) + 1).realize()
    assert sum(calls for calls, _ in p.times.values()) >= 2
    assert all(secs >= 0 for _, secs in p.times.values())
    text = str(p)
    assert text.splitlines()[0].split() == ["kernel", "calls", "ms", "%"]
    assert "total" in text.splitlines()[-1]


def test_kernels_differing_only_in_offsets_compile_once():
    """x[t] * 2 for every t: the slices' offsets travel in the pointers (ir/rebase.py), so
    the time steps of a recurrence are one compiled kernel, launched once per step."""
    a = np.random.default_rng(0).standard_normal((8, 4, 5)).astype(np.float32)
    x = tjit.from_numpy(a)
    ys = [(x[t] * 2).exp().sum(1) for t in range(8)]  # reductions: not merged horizontally
    with tjit.debug.profile() as p:
        tjit.realize(*ys)
    assert len(p.times) == 1 and sum(calls for calls, _ in p.times.values()) == 8
    for t, y in enumerate(ys):
        np.testing.assert_allclose(y.numpy(), np.exp(a[t] * 2).sum(1), rtol=1e-5)
    z = tjit.stack([x[t, 1:] + 1 for t in range(8)], 0)  # cat pieces: rebased stores
    np.testing.assert_allclose(z.numpy(), a[:, 1:] + 1)
