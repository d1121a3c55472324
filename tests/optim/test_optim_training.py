"""End to end: tjit.nn model, tjit autograd, tjit.optim optimizer and scheduler train an MLP
on synthetic classification data exactly like torch does, and a warmed-up training step
compiles nothing."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tjit
from optim_util import compile_events


def _data(seed=0, n=64, features=10, classes=4):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    centers = rng.standard_normal((classes, features)).astype(np.float32)
    y = np.argmin(((x[:, None, :] - centers[None]) ** 2).sum(-1), axis=1).astype(np.int64)
    return x, y


def _models(features=10, hidden=32, classes=4):
    torch.manual_seed(0)
    t_model = torch.nn.Sequential(torch.nn.Linear(features, hidden), torch.nn.ReLU(),
                                  torch.nn.Linear(hidden, classes))
    j_model = tjit.nn.Sequential(tjit.nn.Linear(features, hidden), tjit.nn.ReLU(), tjit.nn.Linear(hidden, classes))
    j_model.load_state_dict({k: tjit.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()})
    return t_model, j_model


def _train(fw, model, x, y, steps, opt_name, opt_kwargs, batch=16, compile_log=None):
    opt = getattr(fw.optim, opt_name)(model.parameters(), **opt_kwargs)
    sched = fw.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    loss_fn = fw.nn.CrossEntropyLoss()
    losses = []
    for step in range(steps):
        lo = (step * batch) % len(x)
        xb, yb = fw.tensor(x[lo:lo + batch]), fw.tensor(y[lo:lo + batch])
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if compile_log is not None:
            compile_log.append(compile_events())
    return losses


@pytest.mark.parametrize("opt_name,opt_kwargs", [("Adam", dict(lr=0.01)),
                                                 ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=1e-3))])
def test_training_loop_matches_torch(opt_name, opt_kwargs):
    x, y = _data()
    t_model, j_model = _models()
    t_losses = _train(torch, t_model, x, y, 50, opt_name, opt_kwargs)
    log = []
    j_losses = _train(tjit, j_model, x, y, 50, opt_name, opt_kwargs, compile_log=log)
    np.testing.assert_allclose(j_losses, t_losses, rtol=1e-4)
    assert t_losses[-1] < 0.5 * t_losses[0]  # it did learn
    # the four batches repeat every 4 steps; once each has been seen twice nothing compiles
    assert log[-1] == log[9], f"compile counters grew after step 10: {log[9]} -> {log[-1]}"
    for (name, t_p), j_p in zip(t_model.named_parameters(), j_model.parameters()):
        np.testing.assert_allclose(j_p.detach().numpy(), t_p.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
