"""tjit.compile: trace once per input signature, replay the compiled plan."""
import numpy as np
import pytest

import tjit
from tjit.runtime import stats

RNG = np.random.default_rng(0)


def f32(*shape):
    return tjit.from_numpy(RNG.standard_normal(shape).astype(np.float32))


def test_function_replays_without_rebuilding_the_graph():
    calls = []

    def fn(x, y):
        calls.append(1)
        return (x * 2 + 1).exp().sin() * y + x.tanh(), x.sum()

    f = tjit.compile(fn)
    x, y = f32(50), f32(50)
    r, s = f(x, y)
    np.testing.assert_allclose(r.numpy(), ((x * 2 + 1).exp().sin() * y + x.tanh()).numpy(), rtol=1e-6)
    assert abs(float(s) - float(x.sum())) < 1e-4
    before = stats.snapshot().get("schedules", 0)
    r2, _ = f(y, x)  # same signature: replayed, not traced, nothing scheduled
    assert len(calls) == 1 and stats.snapshot().get("schedules", 0) == before
    np.testing.assert_allclose(r2.numpy(), ((y * 2 + 1).exp().sin() * x + y.tanh()).numpy(), rtol=1e-6)
    r3, _ = f(x, x)  # one tensor for both arguments
    np.testing.assert_allclose(r3.numpy(), ((x * 2 + 1).exp().sin() * x + x.tanh()).numpy(), rtol=1e-6)
    f(f32(7), f32(7))  # a new signature traces again
    assert len(calls) == 2


def test_module_parameters_are_bound_on_every_call():
    m = tjit.nn.Sequential(tjit.nn.Linear(8, 16), tjit.nn.ReLU(), tjit.nn.Linear(16, 4))
    cm = tjit.compile(m)
    x = f32(5, 8)
    np.testing.assert_allclose(cm(x).numpy(), m(x).detach().numpy(), rtol=1e-6)
    opt = tjit.optim.SGD(m.parameters(), 0.1)
    m(x).sum().backward()
    opt.step()  # the compiled function sees the updated weights
    np.testing.assert_allclose(cm(x).numpy(), m(x).detach().numpy(), rtol=1e-6)


def test_nested_results_and_recurrent_modules():
    lstm = tjit.nn.LSTM(6, 5, num_layers=2)
    out, (h, c) = tjit.compile(lstm)(f32(9, 3, 6))
    with tjit.no_grad():
        x = f32(9, 3, 6)
        got, (gh, gc) = tjit.compile(lstm)(x)
        ref, (rh, rc) = lstm(x)
    for a, b in ((got, ref), (gh, rh), (gc, rc)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_long_chains_become_one_kernel():
    def chain(x):
        for _ in range(500):
            x = x * 1.0001 + 0.0001
        return x
    a = f32(16)
    out = tjit.compile(chain)(a)
    np.testing.assert_allclose(out.numpy(), chain(a).numpy(), rtol=1e-5)


def test_what_cannot_be_compiled_is_refused():
    x = f32(3)
    with pytest.raises(RuntimeError, match="reads a tensor's value"):
        tjit.compile(lambda t: t * t.sum().item())(x)
    with pytest.raises(TypeError, match="must return tensors"):
        tjit.compile(lambda t: 3)(x)
    with pytest.raises(TypeError, match="take tensors and plain Python values"):
        tjit.compile(lambda t, k: t * k)(x, [2])
    assert float(x.sum()) == float(x.sum())  # tracing state was restored: values are readable


def test_random_ops_draw_afresh_on_every_call():
    """A replay draws from the generator as the eager function would: same seed, same values."""
    noisy = tjit.compile(lambda t: tjit.nn.functional.dropout(t, 0.5) + tjit.rand(3))
    x = tjit.ones(3)
    tjit.manual_seed(5)
    got = [noisy(x).tolist() for _ in range(4)]
    tjit.manual_seed(5)
    ref = [(tjit.nn.functional.dropout(x, 0.5) + tjit.rand(3)).tolist() for _ in range(4)]
    assert got == ref and got[2] != got[3]


def _run_fresh_process(script: str, tmp_path) -> None:
    """`script` (which prints "ok" last) in a new interpreter with an empty compile cache."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, TJIT_CACHE_DIR=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-3000:]


def test_saved_artifact_replays_in_a_fresh_process(tmp_path):
    """save() writes the plan, object code and constants; a fresh process with an empty
    compile cache loads it and replays without scheduling or compiling anything."""
    tjit.manual_seed(0)
    m = tjit.nn.Sequential(tjit.nn.Linear(8, 16), tjit.nn.Tanh(), tjit.nn.Linear(16, 4))
    tjit.save(m.state_dict(), tmp_path / "weights.pt")
    x = tjit.from_numpy(np.linspace(-1, 1, 40, dtype=np.float32).reshape(5, 8))
    cm = tjit.compile(m)
    np.save(tmp_path / "ref.npy", cm(x).numpy())
    cm.save(tmp_path / "model.tjit")
    script = f"""
import numpy as np, tjit
from tjit.runtime import stats
m = tjit.nn.Sequential(tjit.nn.Linear(8, 16), tjit.nn.Tanh(), tjit.nn.Linear(16, 4))
m.load_state_dict(tjit.load({str(tmp_path / 'weights.pt')!r}))
x = tjit.from_numpy(np.linspace(-1, 1, 40, dtype=np.float32).reshape(5, 8))
before = stats.snapshot()
y = tjit.load_compiled({str(tmp_path / 'model.tjit')!r}, module=m)(x).numpy()
assert stats.snapshot() == before, (before, stats.snapshot())
np.testing.assert_array_equal(y, np.load({str(tmp_path / 'ref.npy')!r}))
try:
    tjit.load_compiled({str(tmp_path / 'model.tjit')!r}, module=m)(tjit.zeros(3, 8))
except RuntimeError as e:
    assert "compiled for inputs float32[5, 8]" in str(e)
else:
    raise AssertionError("signature not checked")
print("ok")
"""
    _run_fresh_process(script, tmp_path)


def test_save_needs_one_signature(tmp_path):
    f = tjit.compile(lambda t: t * 2)
    with pytest.raises(RuntimeError, match="exactly one traced input signature"):
        f.save(tmp_path / "f.tjit")


def test_plain_values_are_traced_as_constants(tmp_path):
    f = tjit.compile(lambda x, k, mode: x * k if mode == "mul" else x + k)
    x = tjit.ones(3)
    assert f(x, 2, "mul").tolist() == [2.0] * 3 and f(x, 2, "add").tolist() == [3.0] * 3
    assert f(x, 3, "mul").tolist() == [3.0] * 3 and len(f._traces) == 3
    g = tjit.compile(lambda x, shape: x.reshape(shape))
    g(tjit.ones(6), (2, 3))
    g.save(tmp_path / "g.tjit")
    assert tuple(tjit.load_compiled(tmp_path / "g.tjit")(tjit.ones(6), (2, 3)).shape) == (2, 3)


def _mlp(seed=0):
    tjit.manual_seed(seed)
    return tjit.nn.Sequential(tjit.nn.Linear(12, 16), tjit.nn.BatchNorm1d(16), tjit.nn.ReLU(), tjit.nn.Linear(16, 3))


@pytest.mark.parametrize("make_opt", [
    lambda ps: tjit.optim.Adam(ps, 1e-2, weight_decay=0.1, amsgrad=True),
    lambda ps: tjit.optim.AdamW(ps, 1e-2),
    lambda ps: tjit.optim.SGD(ps, 0.1, momentum=0.9, nesterov=True),
    lambda ps: tjit.optim.RMSprop(ps, 1e-2, centered=True),
    lambda ps: tjit.optim.Adamax(ps, 1e-2),
], ids=["adam", "adamw", "sgd", "rmsprop", "adamax"])
def test_training_step_matches_the_eager_step(make_opt):
    """Forward, backward and optimizer update in one replayed plan: parameters, BatchNorm
    statistics, gradients and optimizer state end as the eager steps leave them."""
    eager_m, m = _mlp(), _mlp()
    eager_opt, opt = make_opt(eager_m.parameters()), make_opt(m.parameters())

    def step(x, y):
        opt.zero_grad()
        loss = tjit.nn.functional.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        return loss

    cstep = tjit.compile(step)
    for i in range(5):
        x, y = f32(8, 12), tjit.from_numpy(RNG.integers(0, 3, 8))
        eager_opt.zero_grad()
        ref = tjit.nn.functional.cross_entropy(eager_m(x), y)
        ref.backward()
        eager_opt.step()
        before = stats.snapshot().get("schedules", 0)
        loss = cstep(x, y)
        if i >= 2:  # the first call creates optimizer state, the second traces: then replays
            assert stats.snapshot().get("schedules", 0) == before and len(cstep._traces) == 1
        assert loss.grad_fn is None and abs(float(loss) - float(ref)) < 1e-5
    for (name, a), b in zip(eager_m.state_dict().items(), m.state_dict().values()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    for a, b in zip(eager_m.parameters(), m.parameters()):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-5, atol=1e-6)
    for sa, sb in zip(eager_opt.state_dict()["state"].values(), opt.state_dict()["state"].values()):
        for k in sa:
            np.testing.assert_allclose(sb[k].numpy(), sa[k].numpy(), rtol=1e-5, atol=1e-7, err_msg=k)


def test_training_step_follows_learning_rate_and_mode_changes():
    m = tjit.nn.Linear(4, 2)
    opt = tjit.optim.SGD(m.parameters(), 0.5)
    sched = tjit.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)

    @tjit.compile
    def step(x):
        loss = m(x).square().sum()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    x = f32(3, 4)
    for lr in (0.5, 0.25, 0.125):
        w, b = m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()
        gw = 2 * (x.numpy() @ w.T + b).T @ x.numpy()
        step(x)
        np.testing.assert_allclose(m.weight.detach().numpy(), w - lr * gw, rtol=1e-4, atol=1e-5)
        assert m.weight.grad is None  # zero_grad inside the step dropped the gradients
        sched.step()
    assert len(step._traces) == 3  # one trace per learning rate, kernels from the cache


def test_training_step_refuses_what_a_replay_would_lose(tmp_path):
    m = tjit.nn.Linear(4, 2)
    opt = tjit.optim.SGD(m.parameters(), 0.1)
    counter = tjit.zeros(())

    def counting(x):
        counter.add_(1)
        return m(x).sum()

    with pytest.raises(RuntimeError, match="writes in place into a tensor that is not a parameter"):
        tjit.compile(counting)(f32(2, 4))

    def input_grads(x):
        x.requires_grad_(True)
        m(x).sum().backward()
        return x

    with pytest.raises(RuntimeError, match="gradients of its arguments"):
        tjit.compile(input_grads)(f32(2, 4))

    other = tjit.nn.Linear(4, 2)

    def step(x):
        (m(x) + other(x)).sum().backward()
        opt.step()
        return m.weight

    cstep = tjit.compile(step)
    cstep(f32(2, 4))
    with pytest.raises(RuntimeError, match="one Module"):
        cstep.save(tmp_path / "step.tjit")
    assert float(counter) == 0.0 and m.weight.grad is not None


def test_saved_training_step_replays_in_a_fresh_process(tmp_path):
    """A compiled training step (dropout, Adam) saved after its first steps continues in a fresh
    process, on a model and optimizer restored from their state_dicts, exactly as it would
    have in this one."""
    build = """
import numpy as np, tjit
F = tjit.nn.functional
tjit.manual_seed(0)
m = tjit.nn.Sequential(tjit.nn.Linear(6, 8), tjit.nn.ReLU(), tjit.nn.Dropout(0.3), tjit.nn.Linear(8, 3))
opt = tjit.optim.Adam(m.parameters(), 1e-2)
x = tjit.from_numpy(np.linspace(-1, 1, 30, dtype=np.float32).reshape(5, 6))
y = tjit.tensor([0, 1, 2, 1, 0])
def step(x, y):
    opt.zero_grad()
    loss = F.cross_entropy(m(x), y)
    loss.backward()
    opt.step()
    return loss
"""
    ns: dict = {}
    exec(build, ns)
    tjit_, m, opt, x, y = ns["tjit"], ns["m"], ns["opt"], ns["x"], ns["y"]
    cstep = tjit.compile(ns["step"])
    cstep(x, y), cstep(x, y)  # creates the optimizer state, then traces
    tjit.save({"model": m.state_dict(), "opt": opt.state_dict()}, tmp_path / "state.pt")
    cstep.save(tmp_path / "step.tjit")
    tjit.manual_seed(7)
    losses = [float(cstep(x, y)) for _ in range(3)]
    np.save(tmp_path / "ref.npy", np.concatenate([p.detach().numpy().ravel() for p in m.parameters()] + [losses]))
    script = build + f"""
from tjit.runtime import stats
state = tjit.load({str(tmp_path / 'state.pt')!r})
m.load_state_dict(state["model"])
opt.load_state_dict(state["opt"])
loaded = tjit.load_compiled({str(tmp_path / 'step.tjit')!r}, module=m, optimizer=opt)
before = stats.snapshot()
tjit.manual_seed(7)
losses = [float(loaded(x, y)) for _ in range(3)]
assert stats.snapshot().get("schedules", 0) == before.get("schedules", 0)
got = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()] + [losses])
np.testing.assert_array_equal(got, np.load({str(tmp_path / 'ref.npy')!r}))
opt.param_groups[0]["lr"] = 0.5
try:
    loaded(x, y)
except RuntimeError as e:
    assert "not in the state this artifact was compiled in" in str(e)
else:
    raise AssertionError("guard not checked")
print("ok")
"""
    _run_fresh_process(script, tmp_path)


def test_index_bounds_are_checked_on_every_replay(tmp_path):
    """Indices are data: a compiled lookup checks them after each run, before anything is
    written back, with the eager error (and never reads out of bounds)."""
    emb = tjit.nn.Embedding(10, 3)
    opt = tjit.optim.SGD(emb.parameters(), 0.1, momentum=0.9)

    @tjit.compile
    def step(i):
        opt.zero_grad()
        loss = emb(i).sum()
        loss.backward()
        opt.step()
        return loss

    first = emb.weight.detach().numpy().copy()
    with pytest.raises(IndexError, match="index out of range in self"):
        step(tjit.tensor([[3, 10]]))  # the first call, which also creates optimizer state
    np.testing.assert_array_equal(emb.weight.detach().numpy(), first)
    assert emb.weight.grad is None
    step(tjit.tensor([[1, 2]]))
    before = emb.weight.detach().numpy().copy()
    with pytest.raises(IndexError, match="index out of range in self"):
        step(tjit.tensor([[3, 10]]))
    np.testing.assert_array_equal(emb.weight.detach().numpy(), before)  # nothing committed
    step.save(tmp_path / "step.tjit")
    loaded = tjit.load_compiled(tmp_path / "step.tjit", module=emb, optimizer=opt)
    with pytest.raises(IndexError, match="index out of range in self"):
        loaded(tjit.tensor([[-1, 4]]))
    loaded(tjit.tensor([[9, 0]]))
    assert not np.array_equal(emb.weight.detach().numpy(), before)


def test_training_step_as_a_method_finds_its_model_and_optimizer():
    """The model and optimizer of a bound method's object are found (one level of attributes)."""
    class Trainer:
        def __init__(self):
            tjit.manual_seed(3)
            self.model = tjit.nn.Linear(4, 2)
            self.opt = tjit.optim.SGD(self.model.parameters(), 0.1, momentum=0.5)

        def step(self, x):
            self.opt.zero_grad()
            loss = self.model(x).square().mean()
            loss.backward()
            self.opt.step()
            return loss

    eager, compiled = Trainer(), Trainer()
    cstep = tjit.compile(compiled.step)
    for _ in range(4):
        x = f32(3, 4)
        np.testing.assert_allclose(float(cstep(x)), float(eager.step(x)), rtol=1e-6)
    np.testing.assert_allclose(compiled.model.weight.detach().numpy(), eager.model.weight.detach().numpy(), rtol=1e-6)
    assert len(cstep._traces) >= 1
