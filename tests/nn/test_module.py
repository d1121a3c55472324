"""nn.Module and the containers against torch: registration, naming, state_dict, hooks,
modes, conversion, reprs."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
from nn_util import copy_state, rand, to_tjit


def build(nn, lib):
    """The same small model in either library (nn: torch.nn or tjit.nn)."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.act = nn.ReLU()
            self.register_buffer("steps", lib.zeros(2))
            self.register_buffer("scratch", lib.ones(1), persistent=False)

        def forward(self, x):
            return self.act(self.fc(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
            self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Identity()})
            self.scale = nn.Parameter(lib.ones(1))
            self.shared = self.layers[0]

        def forward(self, x):
            x = self.block(x)
            for layer in self.layers:
                x = layer(x)
            return self.heads["a"](x) * self.scale

    return Net()


@pytest.fixture
def nets():
    return build(torch.nn, torch), build(jnn, tjit)


def test_state_dict_keys_and_metadata_match_torch(nets):
    t, j = nets
    ts, js = t.state_dict(), j.state_dict()
    assert list(js.keys()) == list(ts.keys())
    assert dict(js._metadata) == dict(ts._metadata)
    assert all(type(v) is tjit.Tensor and not v.requires_grad for v in js.values())
    kept = j.state_dict(keep_vars=True)
    assert kept["scale"] is j.scale
    assert list(j.state_dict(prefix="m.").keys()) == ["m." + k for k in ts.keys()]


def test_load_state_dict_roundtrip_and_forward(nets):
    t, j = nets
    copy_state(t, j)
    x_t, x_j = rand(2, 3)
    np.testing.assert_allclose(np.asarray(j(x_j)), t(x_t).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert torch.equal(torch.tensor(np.asarray(j.state_dict()["layers.2.weight"])), t.layers[2].weight.detach())


def _load_error(module, sd):
    with pytest.raises(RuntimeError) as info:
        module.load_state_dict(sd)
    return str(info.value)


def test_load_state_dict_strict_report_matches_torch(nets):
    t, j = nets
    t_sd = OrderedDict((k, v) for k, v in t.state_dict().items() if k != "block.fc.bias")
    t_sd["extra.weight"] = torch.zeros(1)
    t_sd["layers.1.weight"] = torch.zeros(5, 4)
    j_sd = OrderedDict((k, to_tjit(v)) for k, v in t_sd.items())
    assert _load_error(j, j_sd) == _load_error(t, t_sd).replace("torch.Size", "tjit.Size")
    res_t, res_j = t.load_state_dict({}, strict=False), j.load_state_dict({}, strict=False)
    assert res_j.missing_keys == res_t.missing_keys and len(res_t.missing_keys) == 14
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        j.load_state_dict([1, 2])


def test_load_state_dict_lenient_assign_and_copy_semantics():
    lin = jnn.Linear(2, 2)
    arr = np.ones((2, 2), np.float32)
    res = lin.load_state_dict({"weight": tjit.from_numpy(arr), "junk": tjit.zeros(1)}, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["junk"]
    arr[:] = 5  # the parameter got a copy, as torch's copy_ gives
    assert np.asarray(lin.weight.detach()).tolist() == [[1, 1], [1, 1]]
    w = tjit.full((2, 2), 3.0)
    lin.load_state_dict({"weight": w, "bias": tjit.zeros(2)}, assign=True)
    assert isinstance(lin.weight, jnn.Parameter) and lin.weight.requires_grad
    assert lin.weight.tolist() == [[3, 3], [3, 3]]


def test_named_members_prefixes_and_dedup(nets):
    t, j = nets
    for fn in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(j, fn)()] == [n for n, _ in getattr(t, fn)()], fn
    assert [n for n, _ in j.named_parameters(prefix="x", recurse=False)] == ["x.scale"]
    assert [n for n, _ in j.named_modules(remove_duplicate=False)] == \
        [n for n, _ in t.named_modules(remove_duplicate=False)]
    assert [n for n, _ in j.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in t.named_parameters(remove_duplicate=False)]
    assert len(list(j.parameters())) == len(list(t.parameters()))
    assert len(list(j.buffers())) == 2 and len(list(j.children())) == len(list(t.children()))


def test_repr_matches_torch(nets):
    t, j = nets
    assert repr(j) == repr(t)
    t_p = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2, 3)), torch.ones(1, dtype=torch.float64)])
    j_p = jnn.ParameterList([jnn.Parameter(tjit.ones(2, 3)), tjit.ones(1, dtype=tjit.float64)])
    assert repr(j_p) == repr(t_p)
    t_d = torch.nn.ParameterDict({"b": torch.nn.Parameter(torch.ones(2)), "a": torch.zeros(3, 1)})
    j_d = jnn.ParameterDict({"b": jnn.Parameter(tjit.ones(2)), "a": tjit.zeros(3, 1)})
    assert repr(j_d) == repr(t_d)
    assert repr(jnn.ModuleList()) == "ModuleList()"
    assert repr(jnn.Parameter(tjit.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))


def test_registration_rules():
    m = jnn.Module()
    m.w = jnn.Parameter(tjit.zeros(2))
    assert "w" in m._parameters
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'w'"):
        m.w = tjit.zeros(2)
    m.w = None
    assert m._parameters["w"] is None and list(m.parameters()) == []
    m.sub = jnn.Linear(1, 1)
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'sub'"):
        m.sub = 3
    m.register_buffer("buf", tjit.zeros(1))
    m.buf = tjit.ones(1)
    assert m._buffers["buf"].tolist() == [1.0]
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'buf'"):
        m.buf = 3
    with pytest.raises(KeyError, match="t contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("sub", None)
    m.b2 = jnn.Buffer(tjit.ones(3), persistent=False)
    assert "b2" in m._buffers and "b2" in m._non_persistent_buffers_set
    del m.sub, m.buf
    assert "sub" not in m._modules and "buf" not in m._buffers

    class Early(jnn.Module):
        def __init__(self):
            self.p = jnn.Parameter(tjit.zeros(1))
    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):
        Early()
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        m.nope


def test_get_submodule_parameter_buffer(nets):
    _, j = nets
    assert j.get_submodule("block.fc") is j.block.fc
    assert j.get_parameter("block.fc.weight") is j.block.fc.weight
    assert j.get_buffer("block.steps") is j.block.steps
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        j.get_submodule("block.nope")
    with pytest.raises(AttributeError, match="is not an nn.Parameter"):
        j.get_parameter("block.steps")


def test_train_eval_requires_grad_apply(nets):
    _, j = nets
    j.eval()
    assert not any(m.training for m in j.modules())
    j.train()
    assert all(m.training for m in j.modules())
    j.requires_grad_(False)
    assert not any(p.requires_grad for p in j.parameters())
    seen = []
    j.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"


def test_zero_grad():
    lin = jnn.Linear(2, 2)
    lin.weight.grad = tjit.ones(2, 2)
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad.tolist() == [[0, 0], [0, 0]]
    lin.zero_grad()
    assert lin.weight.grad is None


def test_dtype_conversion_keeps_parameter_objects(nets):
    _, j = nets
    w = j.block.fc.weight
    j.double()
    assert j.block.fc.weight is w and w.dtype is tjit.float64 and isinstance(w, jnn.Parameter)
    assert j.block.steps.dtype is tjit.float64
    j.to(tjit.float32)
    assert w.dtype is tjit.float32
    j.half()
    assert w.dtype is tjit.float16
    j.to("cpu", dtype=tjit.float32).float()
    assert w.dtype is tjit.float32 and w.requires_grad
    with pytest.raises(TypeError, match="only accepts floating point"):
        j.to(tjit.int64)


def test_forward_hooks():
    lin = jnn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    h3 = lin.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
    out = lin(tjit.ones(1, 2))
    assert calls == ["first", "post"]
    np.testing.assert_allclose(np.asarray(out)[0], np.asarray(lin.bias.detach()) + 1, rtol=1e-6)
    for h in (h1, h2, h3):
        h.remove()
    assert not lin._forward_hooks and not lin._forward_pre_hooks
    with lin.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True):
        assert lin._forward_pre_hooks
    assert not lin._forward_pre_hooks


def test_forward_hook_always_call_runs_on_error():
    class Boom(jnn.Module):
        def forward(self, x):
            raise ValueError("boom")
    m = Boom()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(1)
    assert seen == [None]


def test_state_dict_and_load_hooks():
    lin = jnn.Linear(2, 2)
    seen = []
    lin.register_state_dict_pre_hook(lambda m, prefix, keep_vars: seen.append(("pre", prefix)))
    lin.register_state_dict_post_hook(lambda m, sd, prefix, meta: seen.append(("post", list(sd))))
    lin.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
    sd = lin.state_dict()
    assert seen == [("pre", ""), ("post", ["weight", "bias"])]
    res = lin.load_state_dict({"weight": sd["weight"]})
    assert res.missing_keys == []


def test_sequential_indexing_and_editing():
    a, b, c = jnn.Linear(1, 1), jnn.ReLU(), jnn.Tanh()
    s = jnn.Sequential(a, b, c)
    assert s[0] is a and s[-1] is c and len(s) == 3
    assert isinstance(s[1:], jnn.Sequential) and list(s[1:]) == [b, c]
    assert list(s[1:]._modules) == ["1", "2"]
    named = jnn.Sequential(OrderedDict([("fc", a), ("act", b)]))
    assert named.fc is a and list(named.state_dict()) == ["fc.weight", "fc.bias"]
    del s[0]
    assert list(s._modules) == ["0", "1"] and s[0] is b
    s.insert(0, a)
    s.append(jnn.Identity())
    s.extend([jnn.Sigmoid()])
    assert [type(m).__name__ for m in s] == ["Linear", "ReLU", "Tanh", "Identity", "Sigmoid"]
    assert type(s.pop(1)).__name__ == "ReLU" and len(s) == 4
    s[0] = jnn.Identity()
    assert type(s[0]).__name__ == "Identity"
    assert len(s + jnn.Sequential(b)) == 5 and len(s * 2) == 8
    with pytest.raises(IndexError, match="index 9 is out of range"):
        s[9]
    x = tjit.tensor([[0.5]])
    assert jnn.Sequential(jnn.Tanh(), jnn.Identity())(x).item() == pytest.approx(np.tanh(0.5), rel=1e-5)


def test_module_list_and_dict():
    ml = jnn.ModuleList([jnn.ReLU(), jnn.Tanh()])
    ml.append(jnn.Sigmoid()).extend([jnn.Identity()])
    ml.insert(1, jnn.ELU())
    assert [type(m).__name__ for m in ml] == ["ReLU", "ELU", "Tanh", "Sigmoid", "Identity"]
    assert isinstance(ml[1:3], jnn.ModuleList) and len(ml[1:3]) == 2
    del ml[0]
    assert list(ml._modules) == ["0", "1", "2", "3"]
    assert type(ml[-1]).__name__ == "Identity"
    md = jnn.ModuleDict([("x", jnn.ReLU())])
    md["y"] = jnn.Tanh()
    md.update({"z": jnn.Identity()})
    assert list(md.keys()) == ["x", "y", "z"] and "y" in md and len(md) == 3
    assert type(md.pop("x")).__name__ == "ReLU" and list(md) == ["y", "z"]
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        md.update([("a",)])


def test_parameter_list_and_dict():
    pl = jnn.ParameterList([tjit.ones(2)])
    pl.append(jnn.Parameter(tjit.zeros(1)))
    assert all(isinstance(p, jnn.Parameter) for p in pl) and len(pl) == 2
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
    pd = jnn.ParameterDict({"b": tjit.ones(1), "a": tjit.ones(2)})
    assert list(pd.keys()) == ["a", "b"]  # a plain dict is sorted, as torch does
    pd["c"] = tjit.zeros(1)
    assert isinstance(pd["c"], jnn.Parameter) and pd.get("zz") is None
    assert list((pd | jnn.ParameterDict({"d": tjit.ones(1)})).keys()) == ["a", "b", "c", "d"]
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        pl()


def test_parameter_basics():
    p = jnn.Parameter(tjit.ones(2))
    assert p.requires_grad and isinstance(p, tjit.Tensor) and p.is_leaf
    assert type(p * 2) is tjit.Tensor and type(p.detach()) is tjit.Tensor
    assert not jnn.Parameter(tjit.ones(1), requires_grad=False).requires_grad
    assert jnn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError, match="floating point"):
        jnn.Parameter(tjit.ones(2, dtype=tjit.int64))


def test_deepcopy_pickle_and_save(nets, tmp_path):
    _, j = nets
    j2 = copy.deepcopy(j)
    assert j2.block.fc.weight is not j.block.fc.weight
    assert isinstance(j2.block.fc.weight, jnn.Parameter)
    np.testing.assert_array_equal(np.asarray(j2.scale.detach()), np.asarray(j.scale.detach()))
    seq = jnn.Sequential(jnn.Linear(2, 2), jnn.ReLU())
    seq2 = pickle.loads(pickle.dumps(seq))
    assert isinstance(seq2[0].weight, jnn.Parameter) and seq2[0].weight.requires_grad
    assert np.asarray(seq2[0].weight.detach()).tolist() == np.asarray(seq[0].weight.detach()).tolist()
    tjit.save(j.state_dict(), tmp_path / "sd.pt")
    t = build(torch.nn, torch)
    t.load_state_dict(torch.load(tmp_path / "sd.pt"))
    np.testing.assert_array_equal(t.layers[1].weight.detach().numpy(), np.asarray(j.layers[1].weight.detach()))


def test_full_backward_hooks_match_torch():
    def run(lib, nn, make_linear):
        m = make_linear()
        seen = []
        m.register_full_backward_pre_hook(lambda mod, go: seen.append(("pre", [np.asarray(g.detach()) for g in go])))
        m.register_full_backward_hook(lambda mod, gi, go: (
            seen.append(("full", [np.asarray(g.detach()) for g in gi], [np.asarray(g.detach()) for g in go])),
            tuple(g * 2 for g in gi))[1])
        x = lib.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
        (m(x) * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return seen, np.asarray(x.grad), np.asarray(m.weight.grad)

    t_lin = torch.nn.Linear(3, 2)

    def j_linear():
        j = jnn.Linear(3, 2)
        copy_state(t_lin, j)
        return j
    t_res, j_res = run(torch, torch.nn, lambda: t_lin), run(tjit, jnn, j_linear)
    (t_seen, t_xg, t_wg), (j_seen, j_xg, j_wg) = t_res, j_res
    assert [s[0] for s in j_seen] == [s[0] for s in t_seen] == ["pre", "full"]
    np.testing.assert_allclose(j_seen[1][1][0], t_seen[1][1][0], rtol=1e-5)
    np.testing.assert_allclose(j_xg, t_xg, rtol=1e-5)  # the hook doubled grad_input
    np.testing.assert_allclose(j_wg, t_wg, rtol=1e-5)
    lin = jnn.Linear(1, 1)
    lin.register_backward_hook(lambda *a: None)
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        lin.register_full_backward_hook(lambda *a: None)
