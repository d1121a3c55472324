"""Gradients must not depend on where realization happened.

A max-pool's gradient goes to the inputs equal to the pooled maximum.  When the forward is
realized first (printing the loss, the pending-depth budget) and the backward later, the
backward recomputes the pool's input; that recomputation must be bit-identical to what the
forward's maximum was computed from.  Reductions computed inside a kernel are therefore kept
(written out) so a later schedule reuses them instead of re-summing in another order.
"""
import numpy as np
import pytest
import torch

import tjit


def build(nn):
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1))


@pytest.mark.parametrize("realize_forward", [False, True])
def test_conv_bn_pool_gradients_match_torch(realize_forward):
    torch.manual_seed(0)
    ref = build(torch.nn).double()
    mod = build(tjit.nn).double()
    mod.load_state_dict({k: tjit.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 3, 16, 16))
    out, rout = mod(tjit.tensor(x)), ref(torch.tensor(x))
    if realize_forward:
        out.realize()
    (out * out).sum().backward()
    (rout * rout).sum().backward()
    for (name, p), (_, rp) in zip(mod.named_parameters(), ref.named_parameters()):
        if name == "0.bias":  # ~1e-16 in both (BatchNorm removes it): compare absolutely
            np.testing.assert_allclose(p.grad.numpy(), rp.grad.numpy(), atol=1e-9)
        else:
            np.testing.assert_allclose(p.grad.numpy(), rp.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_reductions_inside_kernels_are_kept():
    x = tjit.randn(4, 8)
    y = (x - x.mean(1, keepdim=True)).exp()
    kernel = tjit.debug.schedule(y).kernels[0]
    assert kernel.more_outputs and kernel.more_outputs[0].op.name == "REDUCE"
    y.realize()
    assert kernel.more_outputs[0].buffer is not None
