"""tjit.multiprocessing against torch.multiprocessing: the same API, tensors that cross process
boundaries with their values, shared storage that children write into, and spawn's errors."""
import glob
import sys
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest
import torch
import torch.multiprocessing as tmp

import tjit
import tjit.multiprocessing as mp

FORK = mp.get_context("fork")
LARGE = 40_000  # float32 elements: 160 KB, sent through a shared-memory segment
SMALL = 7       # pickled inline


@pytest.fixture
def no_leaks():
    """Fail if a test leaves shared-memory segments behind."""
    before = set(glob.glob("/dev/shm/psm_*"))
    yield
    import gc
    gc.collect()
    assert set(glob.glob("/dev/shm/psm_*")) <= before, "shared memory segments leaked"


# -- what children run (module level, so 'spawn' children can import them) ----------------
def _send_back(q, n):
    q.put(tjit.arange(n, dtype=tjit.float32) * 3)


def _add_one(t):
    t.add_(1)


def _sgd_step(model):
    opt = tjit.optim.SGD(model.parameters(), lr=1.0)
    model(tjit.ones(1, 2)).sum().backward()
    opt.step()


def _write_index(i, t):
    t[i] = i + 10


def _fail(i, how):
    if i == 1:
        if how == "raise":
            raise ValueError("boom in child")
        sys.exit(3)


# -- API ---------------------------------------------------------------------------------
def test_api_mirrors_torch():
    missing = [name for name in tmp.__all__ if not hasattr(mp, name)]
    assert not missing
    for name in ("spawn", "start_processes", "ProcessContext", "ProcessRaisedException", "ProcessExitedException"):
        assert hasattr(mp, name)
    assert mp.Queue is not None and mp.get_context("spawn").get_start_method() == "spawn"


def test_sharing_strategies():
    assert mp.get_all_sharing_strategies() == {"file_system"} <= tmp.get_all_sharing_strategies()
    assert mp.get_sharing_strategy() == "file_system"
    mp.set_sharing_strategy("file_system")
    with pytest.raises(AssertionError) as ref:
        tmp.set_sharing_strategy("bogus")
    with pytest.raises(AssertionError, match="invalid sharing strategy 'bogus'") as got:
        mp.set_sharing_strategy("bogus")
    assert type(got.value) is type(ref.value)


# -- moving tensors ------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: tjit.arange(LARGE, dtype=tjit.float32).reshape(200, -1) / 7,
    lambda: tjit.tensor(np.arange(SMALL) - 3),
    lambda: tjit.arange(LARGE, dtype=tjit.float32).to(tjit.bfloat16),
    lambda: tjit.ones(SMALL, requires_grad=True),
], ids=["large", "small_int", "bfloat16", "leaf_requiring_grad"])
def test_queue_round_trip(make, no_leaks):
    x = make()
    q = mp.Queue()
    q.put(x)
    y = q.get(timeout=30)
    assert type(y) is tjit.Tensor and y.dtype == x.dtype and y.shape == x.shape
    assert y.requires_grad == x.requires_grad
    np.testing.assert_array_equal(y.detach().float().numpy(), x.detach().float().numpy())


def test_non_leaf_requiring_grad_is_refused():
    x = tjit.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(x)
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(torch.ones(3, requires_grad=True) * 2)


def test_child_sends_tensors_back(no_leaks):
    q = FORK.Queue()
    procs = [FORK.Process(target=_send_back, args=(q, n)) for n in (LARGE, SMALL)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()  # the children are gone before their tensors are read
    got = sorted((q.get(timeout=30) for _ in procs), key=len)
    for y, n in zip(got, (SMALL, LARGE)):
        np.testing.assert_array_equal(y.numpy(), np.arange(n, dtype=np.float32) * 3)


# -- shared storage ------------------------------------------------------------------------
def test_share_memory_in_place():
    x = tjit.arange(6.)
    view = x[1:4]
    assert not x.is_shared()
    assert view.share_memory_() is view
    assert x.is_shared() and view.is_shared()
    x.mul_(2)
    assert x.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0] and view.tolist() == [2.0, 4.0, 6.0]
    assert x.share_memory_().is_shared()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_child_writes_into_shared_tensor(method, no_leaks):
    ctx = mp.get_context(method)
    t = tjit.zeros(2, 3).share_memory_()
    p = ctx.Process(target=_add_one, args=(t,))
    p.start()
    p.join()
    assert p.exitcode == 0
    assert t.tolist() == [[1.0] * 3] * 2
    # a shared tensor sent over a queue arrives as a view of the same memory
    q = FORK.Queue()
    q.put(t)
    _add_one(q.get(timeout=30))
    assert t.tolist() == [[2.0] * 3] * 2


def test_shared_module_trained_in_child(no_leaks):
    tjit.manual_seed(0)
    model = tjit.nn.Linear(2, 1).share_memory()
    assert all(p.is_shared() for p in model.parameters())
    w, b = model.weight.tolist(), model.bias.tolist()
    p = FORK.Process(target=_sgd_step, args=(model,))
    p.start()
    p.join()
    np.testing.assert_allclose(model.weight.tolist(), np.array(w) - 1.0, rtol=1e-6)
    np.testing.assert_allclose(model.bias.tolist(), np.array(b) - 1.0, rtol=1e-6)


# -- spawn / start_processes ---------------------------------------------------------------
def test_spawn_two_processes(no_leaks):
    t = tjit.zeros(3).share_memory_()
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):  # and spawns anyway
        assert mp.spawn(_write_index, args=(t,), nprocs=2, start_method="fork") is None
    assert t.tolist() == [10.0, 11.0, 0.0]


def test_start_processes_without_join():
    t = tjit.zeros(3).share_memory_()
    context = mp.start_processes(_write_index, args=(t,), nprocs=3, join=False, start_method="fork")
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 3
    while not context.join():
        pass
    assert t.tolist() == [10.0, 11.0, 12.0]


def test_child_exception_is_raised():
    with pytest.raises(mp.ProcessRaisedException) as e:
        mp.start_processes(_fail, args=("raise",), nprocs=2, start_method="fork")
    assert e.value.error_index == 1
    assert "-- Process 1 terminated with the following error:" in str(e.value)
    assert "ValueError: boom in child" in str(e.value)


def test_child_exit_code_is_raised():
    with pytest.raises(mp.ProcessExitedException, match="process 1 terminated with exit code 3") as e:
        mp.start_processes(_fail, args=("exit",), nprocs=2, start_method="fork")
    assert e.value.exit_code == 3 and e.value.error_index == 1 and e.value.signal_name is None
