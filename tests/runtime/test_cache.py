"""The on-disk compile cache: content addressed, verified, corrupt entries recompiled."""
import os

import numpy as np

from tjit.runtime import cache, cpu, stats

IR = """
define void @k(i8** %args, i64 %start, i64 %end) {
entry:
  %p = load i8*, i8** %args
  %f = bitcast i8* %p to float*
  store float 4.0, float* %f
  ret void
}
"""


def run(lib):
    out = np.zeros(1, np.float32)
    import ctypes
    arr = (ctypes.c_void_p * 1)(out.ctypes.data)
    lib.functions["k"](arr, 0, 1)
    return out[0]


def test_cache_roundtrip_and_corruption(tmp_path, monkeypatch):
    monkeypatch.setenv("TJIT_CACHE_DIR", str(tmp_path))
    stats.reset()
    assert run(cpu.compile_library([IR], ["k"])) == 4.0
    assert stats.counters["llvm_compiles"] == 1
    assert run(cpu.compile_library([IR], ["k"])) == 4.0
    assert stats.counters["disk_cache_hits"] == 1
    (entry,) = [p for p in tmp_path.iterdir() if p.suffix == ".bin"]
    entry.write_bytes(entry.read_bytes()[:-7] + b"garbage")
    assert run(cpu.compile_library([IR], ["k"])) == 4.0  # recompiled, not trusted
    assert stats.counters["llvm_compiles"] == 2


def test_key_includes_target():
    t = cpu.target_description()
    k1 = cache.key(IR, t["triple"], t["cpu"], t["features"], t["llvm"])
    k2 = cache.key(IR, t["triple"], "x86-64", "", t["llvm"])
    assert k1 != k2


def test_writes_are_atomic(tmp_path, monkeypatch):
    monkeypatch.setenv("TJIT_CACHE_DIR", str(tmp_path))
    cache.put("abc", b"payload")
    assert cache.get("abc") == b"payload"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp")]
