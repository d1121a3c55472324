"""tjit.cuda against torch 2.13's CPU build (no GPU usable): the same results and exception
types; messages in tjit's words.  With a GPU, only the driver-side sanity test runs."""
import warnings

import numpy as np
import pytest
import torch
import torch.cuda.comm

import tjit
import tjit.cuda.comm

NO_GPU = not tjit.cuda.is_available()
cpu_only = pytest.mark.skipif(not NO_GPU, reason="checks the behaviour without a GPU")


def raises_like(tjit_call, torch_call):
    """Both calls raise, with the same exception type; the tjit exception is returned."""
    with pytest.raises(Exception) as ref:
        torch_call()
    with pytest.raises(ref.type) as got:
        tjit_call()
    return got.value


@cpu_only
def test_no_device_reported():
    assert tjit.cuda.is_available() is torch.cuda.is_available() is False
    assert tjit.cuda.device_count() == torch.cuda.device_count() == 0


@cpu_only
@pytest.mark.parametrize("name", ["current_device", "synchronize", "current_blas_handle"])
def test_calls_needing_a_device_raise(name):
    err = raises_like(getattr(tjit.cuda, name), getattr(torch.cuda, name))
    assert isinstance(err, AssertionError) and "no CUDA device" in str(err)


@cpu_only
def test_set_device():
    tjit.cuda.set_device(-1)  # negative: a no-op, as in torch
    torch.cuda.set_device(-1)
    raises_like(lambda: tjit.cuda.set_device("cpu"), lambda: torch.cuda.set_device("cpu"))
    raises_like(lambda: tjit.cuda.set_device(None), lambda: torch.cuda.set_device(None))
    with pytest.raises(RuntimeError, match="no CUDA device"):
        tjit.cuda.set_device(0)


@cpu_only
def test_stream():
    err = raises_like(tjit.cuda.Stream, torch.cuda.Stream)
    assert "requires a CUDA device" in str(err)
    with tjit.cuda.stream(None), torch.cuda.stream(None):
        pass


@cpu_only
def test_device_context_managers():
    x = tjit.ones(2)
    with tjit.cuda.device(-1), tjit.cuda.device_of(x), tjit.cuda.device(None):
        assert (x + 1).tolist() == [2.0, 2.0]
    assert tjit.cuda.device(0).idx == torch.cuda.device(0).idx == 0
    assert tjit.cuda.device_of(x).idx == torch.cuda.device_of(torch.ones(2)).idx == -1
    raises_like(lambda: tjit.cuda.device("cpu"), lambda: torch.cuda.device("cpu"))

    def enter(ctx):
        with ctx:
            pass
    raises_like(lambda: enter(tjit.cuda.device(0)), lambda: enter(torch.cuda.device(0)))
    raises_like(lambda: enter(tjit.cuda.device("cuda:1")), lambda: enter(torch.cuda.device("cuda:1")))


# -- comm: where torch's CPU build refuses with the same exception type ---------------------
X = np.arange(6, dtype=np.float32).reshape(3, 2)
SAME_AS_TORCH = {
    "broadcast_neither": lambda m, x: m.broadcast(x),
    "broadcast_both": lambda m, x: m.broadcast(x, [0], out=[x]),
    "broadcast_cpu": lambda m, x: m.broadcast(x, ["cpu"]),
    "reduce_add_cpu_inputs": lambda m, x: m.reduce_add([x, x]),
    "reduce_add_cpu_mismatch": lambda m, x: m.reduce_add([x, x[:2]], 0),
    "reduce_add_cpu_dest": lambda m, x: m.reduce_add([x, x], "cpu"),
    "reduce_add_empty": lambda m, x: m.reduce_add([]),
    "scatter_no_devices": lambda m, x: m.scatter(x),
    "scatter_cpu": lambda m, x: m.scatter(x, ["cpu", "cpu"]),
    "scatter_devices_and_out": lambda m, x: m.scatter(x, [0, 1], out=[x]),
    "scatter_chunks_and_out": lambda m, x: m.scatter(x, None, [1, 2], out=[x]),
    "gather_dest_and_out": lambda m, x: m.gather([x, x], 0, -1, out=x),
}


@cpu_only
@pytest.mark.parametrize("case", sorted(SAME_AS_TORCH))
def test_comm_refusals_match_torch(case):
    call = SAME_AS_TORCH[case]
    raises_like(lambda: call(tjit.cuda.comm, tjit.tensor(X)), lambda: call(torch.cuda.comm, torch.tensor(X)))


# where torch's CPU build has no binding to call (AttributeError), tjit raises what a CUDA build does
TJIT_ONLY = {
    "broadcast_to_missing_gpu": (lambda x: tjit.cuda.comm.broadcast(x, [0, 1]), "no CUDA device"),
    "broadcast_negative": (lambda x: tjit.cuda.comm.broadcast(x, [-1]), "non-negative device index"),
    "broadcast_out_on_cpu": (lambda x: tjit.cuda.comm.broadcast(x, out=[tjit.empty(3, 2)]), "CUDA tensors"),
    "scatter_to_missing_gpu": (lambda x: tjit.cuda.comm.scatter(x, [0, 1]), "no CUDA device"),
    "scatter_empty_devices": (lambda x: tjit.cuda.comm.scatter(x, ()), "at least one device"),
    "scatter_chunk_count": (lambda x: tjit.cuda.comm.scatter(x, [0, 1], [3]), "same length"),
    "scatter_chunk_sum": (lambda x: tjit.cuda.comm.scatter(x, [0, 1], [1, 1]), "split_sizes"),
    "scatter_out_on_cpu": (lambda x: tjit.cuda.comm.scatter(x, out=[x[:1], x[1:]]), "CUDA tensors"),
    "scatter_out_empty": (lambda x: tjit.cuda.comm.scatter(x, out=[]), "at least one output"),
    "gather_cpu_inputs": (lambda x: tjit.cuda.comm.gather([x, x], 1, "cpu"), "CUDA tensors"),
    "gather_empty": (lambda x: tjit.cuda.comm.gather([], 0, "cpu"), "at least one tensor"),
    "gather_out_cpu_inputs": (lambda x: tjit.cuda.comm.gather([x, x], out=tjit.empty(6, 2)), "CUDA tensors"),
}


@cpu_only
@pytest.mark.parametrize("case", sorted(TJIT_ONLY))
def test_comm_needs_gpus(case):
    call, message = TJIT_ONLY[case]
    with pytest.raises(RuntimeError, match=message):
        call(tjit.tensor(X))


@cpu_only
def test_gather_minus_one_warns_like_torch():
    for mod, x in ((torch.cuda.comm, torch.tensor(X)), (tjit.cuda.comm, tjit.tensor(X))):
        with warnings.catch_warnings(record=True) as w, pytest.raises(Exception):
            warnings.simplefilter("always")
            mod.gather([x, x], 0, -1)
        assert [type(m.message) for m in w] == [FutureWarning]


@pytest.mark.gpu
def test_gpu_sanity():
    """On a machine with a GPU: the driver is reached for selection, sync and streams."""
    assert tjit.cuda.is_available() and tjit.cuda.device_count() >= 1
    tjit.cuda.set_device(0)
    assert tjit.cuda.current_device() == 0
    tjit.cuda.synchronize()
    s = tjit.cuda.Stream()
    with tjit.cuda.stream(s):
        assert tjit.cuda.current_stream() == s
    s.synchronize()
    assert s.query()
    with tjit.cuda.device(0):
        assert tjit.cuda.current_device() == 0
