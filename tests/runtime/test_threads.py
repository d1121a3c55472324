"""Split launches: the native (OpenMP) launcher and the Python pool give identical results,
and a forked child falls back to the Python pool."""
import os

import numpy as np
import pytest

import tjit
from tjit.runtime import threads


def _big_kernel_result():
    x = tjit.from_numpy(np.linspace(-3, 3, 1 << 20, dtype=np.float32))
    return ((x * 2 + 1).exp().sin() * x).numpy()


def test_native_and_python_launchers_agree(monkeypatch):
    tjit.set_num_threads(2)
    native = _big_kernel_result()
    monkeypatch.setattr(threads, "_native", None)  # the Python pool
    pool = _big_kernel_result()
    np.testing.assert_array_equal(native, pool)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_uses_the_python_pool():
    tjit.set_num_threads(2)
    expected = _big_kernel_result()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ok = threads._native is None and np.array_equal(_big_kernel_result(), expected)
        os.write(w, b"1" if ok else b"0")
        os._exit(0)
    os.close(w)
    got = os.read(r, 1)
    os.waitpid(pid, 0)
    assert got == b"1"
