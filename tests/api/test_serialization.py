"""Tests for tjit.serialization: torch zip checkpoints and safetensors at the numpy level.

Tensors are represented by the tiny ``Tens`` wrapper below; torch is used only here,
as the reference reader/writer.
"""

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tjit import serialization as S  # noqa: E402


class Tens:
    def __init__(self, array, dtype, requires_grad=False, is_parameter=False):
        self.array = array
        self.dtype = dtype
        self.requires_grad = requires_grad
        self.is_parameter = is_parameter


def is_tensor(x):
    return isinstance(x, Tens)


def to_array(t):
    return t.array, t.dtype, t.requires_grad, t.is_parameter


def from_array(a, dtype, requires_grad, is_parameter):
    return Tens(a, dtype, requires_grad, is_parameter)


def dump(obj, f):
    S.dump(obj, f, is_tensor=is_tensor, to_array=to_array)


def load(f, **kw):
    return S.load(f, from_array=from_array, **kw)


NP = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16,
    "bfloat16": np.uint16, "int8": np.int8, "int16": np.int16, "int32": np.int32,
    "int64": np.int64, "uint8": np.uint8, "bool": np.bool_,
}
TORCH = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int8": torch.int8, "int16": torch.int16,
    "int32": torch.int32, "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool,
}
DTYPES = list(NP)


def sample(dtype, shape=(2, 3), seed=0):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "bool":
        a = rng.integers(0, 2, n).astype(np.bool_)
    elif dtype == "bfloat16":
        a = (rng.standard_normal(n).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    elif dtype.startswith("float"):
        a = rng.standard_normal(n).astype(NP[dtype])
    else:
        info = np.iinfo(NP[dtype])
        a = rng.integers(info.min, info.max, n, dtype=np.int64, endpoint=True).astype(NP[dtype])
    return a.reshape(shape)


def torch_to_np(t):
    """(numpy array, dtype name) of a torch tensor; bfloat16 as uint16 bit patterns."""
    t = t.detach()
    name = str(t.dtype).split(".")[1]
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(np.uint16), name
    return t.numpy(), name


def np_to_torch(a, dtype):
    if dtype == "bfloat16":
        return torch.from_numpy(a.view(np.int16).copy()).view(torch.bfloat16)
    return torch.from_numpy(a.copy())


def assert_same(tj, tt):
    """A loaded Tens equals a torch tensor (values, dtype, shape, bits)."""
    assert isinstance(tj, Tens)
    arr, name = torch_to_np(tt)
    assert tj.dtype == name
    assert tj.array.dtype == NP[name]
    assert tj.array.shape == tuple(tt.shape)
    assert tj.array.flags.c_contiguous
    np.testing.assert_array_equal(tj.array, arr)


# ---------------------------------------------------------------------------
# tjit -> torch
# ---------------------------------------------------------------------------

def test_nested_containers_to_torch(tmp_path):
    x = Tens(sample("float32"), "float32")
    obj = OrderedDict()
    obj["z"] = {"b": 1, "a": [x, (x, "s"), None], 3: -7}
    obj["a"] = [True, False, 2 ** 40, -(2 ** 70), 1.5, float("inf"), "\u00e9\u4e2d", b"\x00\xff", b""]
    obj["t"] = (1, (2, 3), (), [], {}, OrderedDict())
    obj["big"] = list(range(2500))
    obj["set"] = {1, 2}
    obj["c"] = 1 + 2j
    p = tmp_path / "nested.pt"
    dump(obj, p)
    r = torch.load(p, weights_only=True)
    assert type(r) is OrderedDict and list(r) == ["z", "a", "t", "big", "set", "c"]
    assert type(r["z"]) is dict and list(r["z"]) == ["b", "a", 3]
    assert r["z"]["b"] == 1 and r["z"][3] == -7
    assert r["a"] == obj["a"]
    assert r["t"] == (1, (2, 3), (), [], {}, OrderedDict())
    assert type(r["t"][5]) is OrderedDict
    assert r["big"] == list(range(2500))
    assert r["set"] == {1, 2} and r["c"] == 1 + 2j
    t0, (t1, s), none = r["z"]["a"]
    assert t0 is t1 and s == "s" and none is None  # same object -> same tensor
    assert_same(x, t0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_to_torch(tmp_path, dtype):
    a = sample(dtype, (3, 4), seed=1)
    p = tmp_path / f"{dtype}.pt"
    dump({"x": Tens(a, dtype), "s": Tens(a[0, 0].copy(), dtype), "e": Tens(a[:0], dtype)}, p)
    r = torch.load(p, weights_only=True)
    assert r["x"].dtype == TORCH[dtype]
    assert_same(Tens(a, dtype), r["x"])
    assert r["s"].shape == () and r["e"].shape == (0, 4)
    assert_same(Tens(a[0, 0], dtype), r["s"])
    assert r["e"].dtype == TORCH[dtype] and r["e"].stride() == (4, 1)


def test_parameters_and_requires_grad_to_torch(tmp_path):
    w = Tens(sample("float32", (2, 2)), "float32", True, True)
    frozen = Tens(sample("float32", (3,)), "float32", False, True)
    g = Tens(sample("float64", (3,)), "float64", True, False)
    p = tmp_path / "p.pt"
    dump({"w": w, "frozen": frozen, "g": g, "again": w}, p)
    r = torch.load(p, weights_only=True)
    assert type(r["w"]) is torch.nn.Parameter and r["w"].requires_grad
    assert type(r["frozen"]) is torch.nn.Parameter and not r["frozen"].requires_grad
    assert type(r["g"]) is torch.Tensor and r["g"].requires_grad
    assert r["again"] is r["w"]
    assert_same(w, r["w"])
    assert_same(g, r["g"])


def test_non_contiguous_and_foreign_arrays_are_written_correctly(tmp_path):
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    big_endian = np.arange(5, dtype=">i4")
    p = tmp_path / "nc.pt"
    dump([Tens(base[:, ::2], "float32"), Tens(base.T, "float32"),
          Tens(big_endian, "int32"), Tens(np.arange(3, dtype=np.int16), "bfloat16")], p)
    r = torch.load(p, weights_only=True)
    np.testing.assert_array_equal(r[0].numpy(), base[:, ::2])
    np.testing.assert_array_equal(r[1].numpy(), base.T)
    np.testing.assert_array_equal(r[2].numpy(), np.arange(5))
    np.testing.assert_array_equal(r[3].view(torch.int16).numpy(), np.arange(3))


def test_state_dict_round_trip_through_torch(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(),
                                torch.nn.Linear(3, 2))
    model(torch.randn(5, 4))  # move running stats away from their defaults
    sd = model.state_dict()
    src = tmp_path / "torch.pt"
    torch.save(sd, src)
    loaded = load(src)
    assert type(loaded) is OrderedDict and list(loaded) == list(sd)
    assert loaded._metadata == sd._metadata
    for k in sd:
        assert_same(loaded[k], sd[k])
    # and back: tjit -> torch, loadable into a fresh model
    back = tmp_path / "tjit.pt"
    dump(loaded, back)
    sd2 = torch.load(back, weights_only=True)
    assert list(sd2) == list(sd) and sd2._metadata == sd._metadata
    fresh = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(),
                                torch.nn.Linear(3, 2))
    fresh.load_state_dict(sd2)
    for k, v in fresh.state_dict().items():
        assert torch.equal(v, sd[k]) and v.dtype == sd[k].dtype


def test_file_objects_and_unseekable_streams(tmp_path):
    obj = {"x": Tens(sample("int64", (5,)), "int64")}
    buf = io.BytesIO()
    dump(obj, buf)
    buf.seek(0)
    assert torch.equal(torch.load(buf, weights_only=True)["x"], torch.from_numpy(obj["x"].array))
    buf.seek(0)
    np.testing.assert_array_equal(load(buf)["x"].array, obj["x"].array)

    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.chunks = []

        def writable(self):
            return True

        def write(self, b):
            self.chunks.append(bytes(b))
            return len(b)

    s = Unseekable()
    dump(obj, s)
    data = b"".join(s.chunks)
    assert data == buf.getvalue()
    assert torch.equal(torch.load(io.BytesIO(data), weights_only=True)["x"],
                       torch.from_numpy(obj["x"].array))
    with open(tmp_path / "f.pt", "wb") as f:
        dump(obj, f)
    np.testing.assert_array_equal(load(str(tmp_path / "f.pt"))["x"].array, obj["x"].array)


def test_zip_layout_matches_torch(tmp_path):
    objs = [Tens(sample("float32", (n,), seed=n), "float32") for n in (1, 3, 0, 17, 100)]
    p = tmp_path / "layout.pt"
    dump(objs, p)
    raw = p.read_bytes()
    with zipfile.ZipFile(p) as zf:
        names = zf.namelist()
        assert names == ["archive/data.pkl", "archive/.format_version",
                         "archive/.storage_alignment", "archive/byteorder"] + \
            [f"archive/data/{i}" for i in range(5)] + ["archive/version"]
        assert zf.read("archive/.format_version") == b"1"
        assert zf.read("archive/.storage_alignment") == b"64"
        assert zf.read("archive/byteorder") == b"little"
        assert zf.read("archive/version") == b"3\n"
        assert zf.testzip() is None  # CRCs are right
        for info in zf.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            off = info.header_offset
            assert raw[off:off + 4] == b"PK\x03\x04"
            name_len, extra_len = struct.unpack("<HH", raw[off + 26:off + 30])
            extra = raw[off + 30 + name_len:off + 30 + name_len + extra_len]
            assert extra[:2] == b"FB" and set(extra[4:]) <= {ord("Z")}
            data_off = off + 30 + name_len + extra_len
            assert data_off % 64 == 0
            assert raw[data_off:data_off + info.file_size] == zf.read(info)
    # torch's mmap loader computes the storage offsets itself, assuming miniz's layout
    import torch.utils.serialization as tus

    old = tus.config.load.calculate_storage_offsets
    tus.config.load.calculate_storage_offsets = True
    try:
        r = torch.load(p, weights_only=True, mmap=True)
    finally:
        tus.config.load.calculate_storage_offsets = old
    for a, b in zip(objs, r):
        assert_same(a, b)


def test_zip64_records(tmp_path, monkeypatch):
    # Pretend 2**32-1 is 300 bytes so the zip64 paths (sizes and header offsets) are exercised.
    monkeypatch.setattr(S.zipwriter, "_U32_MAX", 300)
    objs = [Tens(sample("float64", (n,), seed=n), "float64") for n in (4, 60, 0, 7)]
    p = tmp_path / "z64.pt"
    dump(objs, p)
    raw = p.read_bytes()
    with zipfile.ZipFile(p) as zf:
        assert zf.testzip() is None
        for info in zf.infolist():
            off = info.header_offset
            name_len, extra_len = struct.unpack("<HH", raw[off + 26:off + 30])
            assert (off + 30 + name_len + extra_len) % 64 == 0
        assert zf.getinfo("archive/data/1").file_size == 480
    for a, b in zip(objs, torch.load(p, weights_only=True)):
        assert_same(a, b)
    for a, b in zip(objs, load(p)):
        np.testing.assert_array_equal(a.array, b.array)


# ---------------------------------------------------------------------------
# torch -> tjit
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_from_torch(tmp_path, dtype):
    t = np_to_torch(sample(dtype, (4, 5), seed=2), dtype)
    p = tmp_path / "t.pt"
    torch.save({"x": t, "view": t[1:, ::2], "s": t[2, 3], "e": t[:, :0], "z": t.new_empty(0)}, p)
    r = load(p)
    assert_same(r["x"], t)
    assert_same(r["view"], t[1:, ::2])
    assert_same(r["s"], t[2, 3])
    assert r["s"].array.shape == ()
    assert_same(r["e"], t[:, :0])
    assert_same(r["z"], t.new_empty(0))
    assert not r["x"].requires_grad and not r["x"].is_parameter


def test_shared_storage_views_from_torch(tmp_path):
    x = torch.arange(12.0).reshape(3, 4)
    p = tmp_path / "views.pt"
    torch.save([x, x[1:], x.t(), x[:, 1], x[2, 3], x.reshape(2, 6)[:, ::3], x], p)
    with zipfile.ZipFile(p) as zf:  # all of them share one storage record
        assert len([n for n in zf.namelist() if "/data/" in n]) == 1
    r = load(p)
    for got, want in zip(r, [x, x[1:], x.t(), x[:, 1], x[2, 3], x.reshape(2, 6)[:, ::3]]):
        assert_same(got, want)
    assert r[6] is r[0]  # the same torch tensor object comes back as the same object
    assert r[1].array.base is not r[0].array.base or r[1].array.base is None
    r[1].array[0, 0] = -1  # copies, not aliases of one another
    assert r[0].array[1, 0] == 4


def test_parameters_from_torch(tmp_path):
    p = tmp_path / "params.pt"
    w = torch.nn.Parameter(torch.randn(2, 3))
    f = torch.nn.Parameter(torch.ones(3), requires_grad=False)
    g = torch.randn(2, requires_grad=True)
    torch.save({"w": w, "f": f, "g": g, "w2": w}, p)
    r = load(p)
    assert r["w"].is_parameter and r["w"].requires_grad
    assert r["f"].is_parameter and not r["f"].requires_grad
    assert not r["g"].is_parameter and r["g"].requires_grad
    assert r["w2"] is r["w"]
    assert_same(r["w"], w)
    assert_same(r["g"], g)


def test_misc_objects_from_torch(tmp_path):
    t = torch.ones(2)
    t.custom_attr = 5  # pickled through torch._tensor._rebuild_from_type_v2
    p = tmp_path / "misc.pt"
    obj = {"t": t, "size": torch.Size([2, 3]), "b": b"\x01\x02", "ba": bytearray(b"xy"),
           "set": {1, 2}, "c": 2 - 1j, "od": OrderedDict(a=1), "neg": -5, "f": 0.25,
           "tup": (1, (2,), ()), "dev": torch.device("cpu"), "dt": torch.float16}
    torch.save(obj, p)
    r = load(p)
    assert_same(r["t"], t)
    assert r["size"] == (2, 3) and r["b"] == b"\x01\x02" and r["ba"] == bytearray(b"xy")
    assert r["set"] == {1, 2} and r["c"] == 2 - 1j and r["od"] == OrderedDict(a=1)
    assert type(r["od"]) is OrderedDict
    assert r["neg"] == -5 and r["f"] == 0.25 and r["tup"] == (1, (2,), ())
    assert r["dev"] == "cpu"


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_protocols_from_torch(tmp_path, protocol):
    x = torch.randn(3, 2)
    p = tmp_path / "proto.pt"
    torch.save({"x": x, "v": x.t(), "s": "str", "l": [1, 2]}, p, pickle_protocol=protocol)
    r = load(p)
    assert_same(r["x"], x)
    assert_same(r["v"], x.t())
    assert r["s"] == "str" and r["l"] == [1, 2]


def test_torch_save_to_buffer_and_map_location(tmp_path):
    buf = io.BytesIO()
    x = torch.arange(4, dtype=torch.int32)
    torch.save([x], buf)
    for ml in [None, "cpu", torch.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s, "cuda:1"]:
        buf.seek(0)
        assert_same(load(buf, map_location=ml)[0], x)
    buf.seek(0)
    assert_same(load(buf, weights_only=False)[0], x)
    for bad in [3.5, "not a device!", {"cpu": 1}]:
        buf.seek(0)
        with pytest.raises((TypeError, ValueError)):
            load(buf, map_location=bad)


def test_big_endian_marker(tmp_path):
    src = tmp_path / "le.pt"
    f32 = torch.randn(2, 3)
    i64 = torch.tensor([1, -2, 2 ** 40])
    bf = torch.randn(4).to(torch.bfloat16)
    torch.save({"f": f32, "i": i64, "b": bf, "v": f32.t()}, src)
    dtypes = {"0": ">f4", "1": ">i8", "2": ">u2"}  # storage keys in pickling order
    dst = tmp_path / "be.pt"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            name = info.filename
            if name.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in name and not name.endswith("serialization_id"):
                key = name.rsplit("/", 1)[1]
                le = np.frombuffer(data, dtype=dtypes[key].replace(">", "<"))
                data = le.astype(dtypes[key]).tobytes()
            zout.writestr(name, data)
    r = load(dst)
    assert_same(r["f"], f32)
    assert_same(r["i"], i64)
    assert_same(r["b"], bf)
    assert_same(r["v"], f32.t())
    assert r["f"].array.dtype.isnative
    # torch agrees about what the crafted file means
    rt = torch.load(dst, weights_only=True)
    assert torch.equal(rt["i"], i64)


def test_legacy_and_non_checkpoint_files_are_rejected(tmp_path):
    p = tmp_path / "legacy.pt"
    torch.save({"x": torch.ones(2)}, p, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy"):
        load(p)
    q = tmp_path / "junk.pt"
    q.write_bytes(b"hello world")
    with pytest.raises(RuntimeError, match="not a torch checkpoint"):
        load(q)


# ---------------------------------------------------------------------------
# safety of the unpickler
# ---------------------------------------------------------------------------

def _zip_with_pickle(path, data_pkl, records=()):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", data_pkl)
        zf.writestr("archive/byteorder", b"little")
        for name, data in records:
            zf.writestr(f"archive/{name}", data)
        zf.writestr("archive/version", b"3\n")


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvilEval:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({str(self.marker)!r}, 'w')",))


@pytest.mark.parametrize("protocol", [0, 2, 4])
@pytest.mark.parametrize("evil_cls, needle", [(_Evil, "system"), (_EvilEval, "eval")])
def test_malicious_pickle_is_rejected(tmp_path, protocol, evil_cls, needle):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"weights": [1, 2], "x": evil_cls(marker)}, protocol=protocol)
    p = tmp_path / "evil.pt"
    _zip_with_pickle(p, payload)
    # protocol 0 is refused at its first text opcode, before the global is reached
    with pytest.raises(pickle.UnpicklingError, match=needle if protocol else None):
        load(p)
    assert not marker.exists()


def test_disallowed_opcodes_and_targets_are_rejected(tmp_path):
    cases = [
        # INST (class instantiation by name, bypassing GLOBAL)
        b"\x80\x02(X\x02\x00\x00\x00lsios\nsystem\n.",
        # BUILD on a plain list
        b"\x80\x02]q\x00}q\x01X\x01\x00\x00\x00aK\x01sb.",
        # APPEND onto a dict
        b"\x80\x02}q\x00K\x01a.",
        # a persistent id that is not a storage
        b"\x80\x02X\x06\x00\x00\x00moduleK\x00\x86Q.",
        # REDUCE of an allowed marker that is not callable (a dtype)
        b"\x80\x02ctorch\nfloat32\n)R.",
    ]
    for i, payload in enumerate(cases):
        p = tmp_path / f"bad{i}.pt"
        _zip_with_pickle(p, payload)
        with pytest.raises(pickle.UnpicklingError):
            load(p)


class _FakeStorage:
    pass


class _BadTensor:
    """Pickles like a tensor but describes a view beyond the end of its storage."""

    def __init__(self, size, stride, offset=0):
        self.args = (size, stride, offset)

    def __reduce__(self):
        size, stride, offset = self.args
        return (torch._utils._rebuild_tensor_v2,
                (_FakeStorage(), offset, size, stride, False, OrderedDict()))


class _StoragePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _FakeStorage):
            return ("storage", torch.FloatStorage, "0", "cpu", 4)
        return None


@pytest.mark.parametrize("size, stride, offset", [
    ((1000,), (1,), 0), ((2, 2), (3, 1), 0), ((4,), (1,), 1), ((2,), (-1,), 3), ((2,), (1,), -1),
])
def test_out_of_bounds_views_are_rejected(tmp_path, size, stride, offset):
    buf = io.BytesIO()
    _StoragePickler(buf, protocol=2).dump([_BadTensor(size, stride, offset)])
    p = tmp_path / "oob.pt"
    _zip_with_pickle(p, buf.getvalue(), [("data/0", np.arange(4, dtype=np.float32).tobytes())])
    with pytest.raises(pickle.UnpicklingError):
        load(p)


def test_valid_handcrafted_view_loads(tmp_path):
    buf = io.BytesIO()
    _StoragePickler(buf, protocol=2).dump([_BadTensor((2, 2), (1, 2), 0)])
    p = tmp_path / "ok.pt"
    _zip_with_pickle(p, buf.getvalue(), [("data/0", np.arange(4, dtype=np.float32).tobytes())])
    np.testing.assert_array_equal(load(p)[0].array, [[0, 2], [1, 3]])


def test_library_never_imports_torch():
    code = ("import sys, tjit.serialization as s; "
            "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unsupported_objects_are_refused_on_dump(tmp_path):
    with pytest.raises(TypeError):
        dump({"x": object()}, tmp_path / "x.pt")
    with pytest.raises(ValueError):
        dump({"x": Tens(np.zeros(2, np.complex64), "complex64")}, tmp_path / "y.pt")


# ---------------------------------------------------------------------------
# safetensors
# ---------------------------------------------------------------------------

def _st_tensors():
    return {name: Tens(sample(name, (2, 3) if i % 2 else (5,), seed=i), name)
            for i, name in enumerate(DTYPES)} | {
        "scalar": Tens(np.array(1.5, np.float32), "float32"),
        "empty": Tens(np.zeros((0, 4), np.int32), "int32"),
    }


def test_safetensors_round_trip_and_layout(tmp_path):
    tensors = _st_tensors()
    p = tmp_path / "m.safetensors"
    S.save_safetensors(tensors, p, to_array=to_array, metadata={"format": "pt", "k": "v"})
    raw = p.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0
    header = json.loads(raw[8:8 + n])
    assert header["__metadata__"] == {"format": "pt", "k": "v"}
    data = raw[8 + n:]
    codes = {"float32": "F32", "float64": "F64", "float16": "F16", "bfloat16": "BF16",
             "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64", "uint8": "U8",
             "bool": "BOOL"}
    spans = []
    for name, t in tensors.items():
        h = header[name]
        assert h["dtype"] == codes[t.dtype]
        assert h["shape"] == list(t.array.shape)
        b, e = h["data_offsets"]
        assert data[b:e] == np.ascontiguousarray(t.array).astype(
            t.array.dtype.newbyteorder("<")).tobytes()
        assert b % t.array.dtype.itemsize == 0  # each tensor is aligned to its item size
        spans.append((b, e))
    spans.sort()
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))

    back = S.load_safetensors(p, from_array=from_array)
    assert set(back) == set(tensors)
    for name, t in tensors.items():
        assert back[name].dtype == t.dtype
        assert back[name].array.dtype == NP[t.dtype]
        np.testing.assert_array_equal(back[name].array, t.array)
    assert S.read_safetensors_metadata(p) == {"format": "pt", "k": "v"}


def test_safetensors_rejects_corrupt_files(tmp_path):
    p = tmp_path / "m.safetensors"
    S.save_safetensors({"a": Tens(np.ones(4, np.float32), "float32")}, p, to_array=to_array)
    raw = p.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header["a"]["data_offsets"] = [0, 64]
    hb = json.dumps(header).encode()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(struct.pack("<Q", len(hb)) + hb + raw[8 + n:])
    with pytest.raises(ValueError):
        S.load_safetensors(bad, from_array=from_array)
    bad.write_bytes(struct.pack("<Q", 10 ** 12) + raw[8:])
    with pytest.raises(ValueError):
        S.load_safetensors(bad, from_array=from_array)


def test_safetensors_against_reference_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    tensors = {k: v for k, v in _st_tensors().items() if v.dtype != "bfloat16"}
    p = tmp_path / "ours.safetensors"
    S.save_safetensors(tensors, p, to_array=to_array, metadata={"m": "1"})
    ref = st.load_file(str(p))
    for name, t in tensors.items():
        np.testing.assert_array_equal(ref[name], t.array)
    q = tmp_path / "ref.safetensors"
    st.save_file({k: t.array for k, t in tensors.items()}, str(q), metadata={"m": "1"})

    def parts(raw):
        (n,) = struct.unpack("<Q", raw[:8])
        return json.loads(raw[8:8 + n]), raw[8 + n:]

    assert parts(q.read_bytes()) == parts(p.read_bytes())  # same header and data layout
    back = S.load_safetensors(q, from_array=from_array)
    for name, t in tensors.items():
        np.testing.assert_array_equal(back[name].array, t.array)


@pytest.mark.parametrize("protocol", [2, 4])
def test_torch_checkpoint_with_lists(tmp_path, protocol):
    obj = {"a": [1, 2, 3], "c": [[4], []]}
    path = tmp_path / "ck.pt"
    torch.save(obj, path, pickle_protocol=protocol)
    assert load(path) == obj


def test_frozenset_opcode_keeps_its_items():
    """Protocol 4's FROZENSET opcode (protocol 2 pickles it as a global, which the allow-list
    refuses, as torch's weights-only loader does)."""
    from tjit.serialization.unpickler import RestrictedUnpickler
    data = pickle.dumps(frozenset({1, 2}), protocol=4)
    assert RestrictedUnpickler(data, persistent_load=None).load() == frozenset({1, 2})
