"""tjit.utils.data.DataLoader: single-process and worker-process loading against torch's
DataLoader semantics (batch order, seeding, errors, IterableDataset splitting)."""
import glob
import math
import os
import random
import signal
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from torch.utils.data._utils.worker import _generate_state as torch_generate_state

import tjit
import tjit.utils.data as td
from tjit.utils.data import _worker


def batches(loader):
    """Each batch as nested lists of numpy arrays (a copy, so later batches cannot alias)."""
    def conv(x):
        if isinstance(x, (tjit.Tensor, torch.Tensor)):
            return x.numpy().copy()
        if isinstance(x, (list, tuple)):
            return [conv(v) for v in x]
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        return x
    return [conv(b) for b in loader]


def assert_batches_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, list):
            assert_batches_equal(x, y)
        elif isinstance(x, dict):
            assert x.keys() == y.keys()
            assert_batches_equal(list(x.values()), list(y.values()))
        else:
            np.testing.assert_array_equal(x, y)


class Records(td.Dataset):
    """Samples of several kinds (tensor, numpy array, number, string) that depend only on
    the index, large enough that tensors go through shared memory."""

    def __init__(self, n=23):
        self.n = n

    def __getitem__(self, i):
        img = tjit.full((3, 48, 48), float(i))
        return {"img": img, "arr": np.arange(4) * i, "label": i, "name": f"#{i}"}

    def __len__(self):
        return self.n


@pytest.mark.parametrize("drop_last", [False, True])
def test_zero_and_two_workers_give_identical_batches(drop_last):
    ds = Records()
    segments_before = set(glob.glob("/dev/shm/psm_*"))
    runs = []
    for workers in (0, 2):
        loader = td.DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers, drop_last=drop_last,
                               generator=tjit.Generator().manual_seed(11))
        assert len(loader) == (5 if drop_last else 6)
        runs.append(batches(loader))
    assert_batches_equal(runs[0], runs[1])
    labels = [b["label"] for b in runs[0]]
    assert len(labels) == len(loader)
    flat = sorted(int(v) for lab in labels for v in lab)
    assert flat == (sorted(flat) if drop_last else list(range(23)))
    np.testing.assert_array_equal(runs[0][0]["img"][:, 0, 0, 0], runs[0][0]["label"])
    assert runs[0][0]["name"] == [f"#{v}" for v in runs[0][0]["label"]]
    assert set(glob.glob("/dev/shm/psm_*")) <= segments_before, "shared memory segments leaked"


def test_global_seed_gives_the_same_shuffle_with_and_without_workers():
    ds = td.TensorDataset(tjit.arange(30))
    out = []
    for workers in (0, 2):
        tjit.manual_seed(5)
        out.append(batches(td.DataLoader(ds, batch_size=7, shuffle=True, num_workers=workers)))
    assert_batches_equal(out[0], out[1])


def test_unshuffled_batches_match_torch():
    x = np.arange(50, dtype=np.float32).reshape(25, 2)
    y = np.arange(25) % 3
    ours = batches(td.DataLoader(td.TensorDataset(tjit.tensor(x), tjit.tensor(y)), batch_size=6, num_workers=2))
    ref = batches(tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=6))
    assert_batches_equal(ours, ref)


def test_batch_size_none_and_batch_sampler():
    ds = td.TensorDataset(tjit.arange(6))
    no_batch = batches(td.DataLoader(ds, batch_size=None))
    assert len(no_batch) == 6 and no_batch[2][0].shape == ()
    sampler = [[5, 0], [3], [1, 2, 4]]
    got = batches(td.DataLoader(ds, batch_sampler=sampler, num_workers=2))
    assert [b[0].tolist() for b in got] == sampler


def _record_worker(worker_id):
    info = td.get_worker_info()
    assert info.id == worker_id
    np.save(os.path.join(os.environ["TJIT_TEST_DIR"], f"w{worker_id}.npy"),
            np.array([info.seed, info.num_workers, np.random.get_state()[1][0], int(random.random() * 1e9)],
                     dtype=np.int64))


class WorkerFacts(td.Dataset):
    def __getitem__(self, i):
        info = td.get_worker_info()
        return [info.id, info.seed, int(tjit.randint(0, 10**9, ()).item())]

    def __len__(self):
        return 4


def test_worker_seeding_and_init_fn(tmp_path, monkeypatch):
    monkeypatch.setenv("TJIT_TEST_DIR", str(tmp_path))
    loader = td.DataLoader(WorkerFacts(), batch_size=1, num_workers=2, worker_init_fn=_record_worker,
                           generator=tjit.Generator().manual_seed(3))
    rows = [[int(v[0]) for v in b] for b in batches(loader)]
    assert [r[0] for r in rows] == [0, 1, 0, 1]  # round-robin
    base = rows[0][1]
    assert rows[1][1] == base + 1
    assert rows[0][2] != rows[1][2]  # tjit's global RNG is seeded per worker
    for w in (0, 1):
        seed, num_workers, np_first, _ = np.load(tmp_path / f"w{w}.npy")
        assert (int(seed), int(num_workers)) == (base + w, 2)
        ref = np.random.RandomState(torch_generate_state(base, w)).get_state()[1][0]
        assert int(np_first) == ref  # numpy is seeded exactly as torch seeds it
    # the same generator seed gives the same base seed again
    again = [[int(v[0]) for v in b] for b in batches(td.DataLoader(WorkerFacts(), batch_size=1, num_workers=2,
                                                                generator=tjit.Generator().manual_seed(3)))]
    assert again == rows


@pytest.mark.parametrize("base,wid", [(0, 0), (12345678901234, 1), (2**63 - 5, 7)])
def test_numpy_seed_state_matches_torch(base, wid):
    assert _worker._generate_state(base, wid) == torch_generate_state(base, wid)


def test_persistent_workers_reuse_processes():
    loader = td.DataLoader(WorkerFacts(), batch_size=2, num_workers=2, persistent_workers=True,
                           prefetch_factor=1)
    first = batches(loader)
    pids = [w.pid for w in loader._iterator._workers]
    second = batches(loader)
    assert [w.pid for w in loader._iterator._workers] == pids
    assert all(w.is_alive() for w in loader._iterator._workers)
    assert len(first) == len(second) == 2
    loader._iterator._shutdown_workers()


class Boom(td.Dataset):
    def __getitem__(self, i):
        if i == 3:
            raise KeyError(f"bad sample {i}")
        if i == 5:
            raise ValueError("broken sample 5")
        return i

    def __len__(self):
        return 8


@pytest.mark.parametrize("workers", [0, 2])
def test_dataset_exceptions_reach_the_main_process(workers):
    loader = td.DataLoader(Boom(), batch_size=None, num_workers=workers, sampler=[0, 5])
    it = iter(loader)
    assert int(next(it)) == 0
    with pytest.raises(ValueError) as e:
        next(it)
    if workers:
        assert "Caught ValueError in DataLoader worker process 1" in str(e.value)
        assert "Original Traceback" in str(e.value) and "broken sample 5" in str(e.value)
        assert "in __getitem__" in str(e.value)  # the worker's own traceback
    with pytest.raises(KeyError, match="bad sample 3"):
        list(td.DataLoader(Boom(), batch_size=None, num_workers=workers, sampler=[3]))


def _failing_init(worker_id):
    raise RuntimeError(f"init failed in {worker_id}")


def test_worker_init_fn_exception():
    with pytest.raises(RuntimeError, match="init failed in 0"):
        list(td.DataLoader(Squares(), num_workers=1, worker_init_fn=_failing_init))


class Squares(td.Dataset):
    def __init__(self, die_at=None, sleep=0.0, how="exit"):
        self.die_at, self.sleep, self.how = die_at, sleep, how

    def __getitem__(self, i):
        if i == self.die_at:
            if self.how == "exit":
                os._exit(3)
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(self.sleep)
        return i * i

    def __len__(self):
        return 6


@pytest.mark.parametrize("how,message", [("exit", "exited unexpectedly with exit code 3"),
                                         ("kill", "is killed by signal: Killed")])
def test_crashed_worker_raises_instead_of_hanging(how, message):
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=message):
        list(td.DataLoader(Squares(die_at=2, how=how), num_workers=2))
    assert time.monotonic() - start < 10


def test_timeout():
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        list(td.DataLoader(Squares(sleep=0.8), num_workers=1, timeout=0.2))


class Stream(td.IterableDataset):
    """range(start, end), split between workers the way torch's docs show."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = td.get_worker_info()
        start, end = self.start, self.end
        if info is not None:
            per = int(math.ceil((end - start) / info.num_workers))
            start = start + info.id * per
            end = min(start + per, end)
        return iter(range(start, end))


class TorchStream(tud.IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = tud.get_worker_info()
        start, end = self.start, self.end
        if info is not None:
            per = int(math.ceil((end - start) / info.num_workers))
            start = start + info.id * per
            end = min(start + per, end)
        return iter(range(start, end))


@pytest.mark.parametrize("workers,batch_size,drop_last", [(0, 3, False), (2, 3, False), (2, 3, True), (2, None, False)])
def test_iterable_dataset_matches_torch(workers, batch_size, drop_last):
    ours = batches(td.DataLoader(Stream(3, 17), batch_size=batch_size, num_workers=workers, drop_last=drop_last))
    ref = batches(tud.DataLoader(TorchStream(3, 17), batch_size=batch_size, num_workers=workers, drop_last=drop_last))
    assert_batches_equal(ours, ref)


@pytest.mark.parametrize("kwargs", [
    {"num_workers": -1}, {"timeout": -1}, {"prefetch_factor": 2}, {"num_workers": 1, "prefetch_factor": -1},
    {"persistent_workers": True}, {"sampler": [0, 1], "shuffle": True}, {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "drop_last": True}, {"batch_size": None, "drop_last": True},
    {"multiprocessing_context": "fork"}, {"multiprocessing_context": "nope", "num_workers": 1}])
def test_argument_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as ref:
        tud.DataLoader(range(4), **kwargs)
    with pytest.raises(ValueError) as ours:
        td.DataLoader(range(4), **kwargs)
    assert str(ours.value).replace("'nope'", "nope") == str(ref.value).replace("'nope'", "nope")


@pytest.mark.parametrize("kwargs", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_iterable_dataset_argument_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as ref:
        tud.DataLoader(TorchStream(0, 3), **kwargs)
    with pytest.raises(ValueError) as ours:
        td.DataLoader(Stream(0, 3), **kwargs)
    assert str(ours.value).split(",")[0] == str(ref.value).split(",")[0]


def test_attributes_are_frozen_and_pin_memory_is_accepted():
    with pytest.warns(UserWarning, match="pin_memory"):
        loader = td.DataLoader(range(5), batch_size=2, pin_memory=True)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3


def test_payload_moves_large_tensors_through_shared_memory():
    big = tjit.arange(40000, dtype=tjit.float32).reshape(200, 200)
    small = tjit.tensor([1, 2, 3])
    payload = _worker.Payload.pack({"big": big, "small": small, "n": 3})
    assert len(payload.segments) == 1  # the small tensor travels inline
    assert os.path.exists("/dev/shm/" + payload.segments[0])
    out = payload.unpack()
    np.testing.assert_array_equal(out["big"].numpy(), big.numpy())
    assert out["small"].tolist() == [1, 2, 3] and out["n"] == 3
    assert not os.path.exists("/dev/shm/" + payload.segments[0])  # unlinked once copied out
    dropped = _worker.Payload.pack(big)
    dropped.discard()
    assert not os.path.exists("/dev/shm/" + dropped.segments[0])
