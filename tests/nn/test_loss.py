"""Loss functions against torch: values for every reduction at once, gradients of every
float input, torch's errors and warnings."""
import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
from helpers import check_op, make
from nn_util import check_fn, to_tjit

REDUCTIONS = ("mean", "sum", "none")
TF, JF = torch.nn.functional, jnn.functional


def values(shape, seed=0, low=-3.0, high=3.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(np.float32)


def probs(shape, seed=0):
    return values(shape, seed, 0.05, 0.95)


def labels(shape, n_classes, seed=0, ignore=None):
    vals = np.random.default_rng(seed).integers(0, n_classes, size=shape)
    if ignore is not None:
        vals.flat[::3] = ignore
    return vals.astype(np.int64)


def signs(shape, seed=0):
    return np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0).astype(np.float32)


def all_reductions(name, *arrays, grad=True, **kwargs):
    """The loss under every reduction, compared in one go."""
    def run(lib_f):
        return lambda *a: tuple(getattr(lib_f, name)(*a, reduction=r, **kwargs) for r in REDUCTIONS)
    check_fn(run(TF), run(JF), *arrays, grad=grad)


def closed(name, consts, **kwargs):
    """torch and tjit versions of a loss with some arguments fixed (torch allows them no
    gradient: class weights, sign targets)."""
    def bind(lib, lib_f):
        fixed = [lib.tensor(c) if isinstance(c, np.ndarray) else c for c in consts]
        return lambda *a: tuple(getattr(lib_f, name)(*a, *fixed, reduction=r, **kwargs) for r in REDUCTIONS)
    return bind(torch, TF), bind(tjit, JF)


@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "poisson_nll_loss"])
def test_elementwise_losses(name):
    all_reductions(name, values((3, 4)), values((3, 4), seed=1))


def test_loss_options():
    x, y = values((3, 4)), values((3, 4), seed=1)
    all_reductions("smooth_l1_loss", x, y, beta=0.5)
    all_reductions("smooth_l1_loss", x, y, beta=0.0, grad=False)
    all_reductions("huber_loss", x, y, delta=2.5)
    check_fn(lambda a, b, c: TF.mse_loss(a, b, weight=c), lambda a, b, c: JF.mse_loss(a, b, weight=c), x, y,
             probs((3, 4), seed=2))
    all_reductions("poisson_nll_loss", probs((3, 4)), values((3, 4), 3, 0, 3), log_input=False, full=True)
    check_fn(lambda a, b: (TF.kl_div(a, b, reduction="batchmean"), TF.kl_div(a, b, reduction="none")),
             lambda a, b: (JF.kl_div(a, b, reduction="batchmean"), JF.kl_div(a, b, reduction="none")),
             x, probs((3, 4), seed=4))
    all_reductions("kl_div", x, values((3, 4), seed=5), log_target=True)
    all_reductions("gaussian_nll_loss", x, y, probs((3, 4), seed=7), full=True)
    check_fn(TF.gaussian_nll_loss, JF.gaussian_nll_loss, x, y, probs((3,), seed=7))


def test_soft_margin_losses():
    t_fn, j_fn = closed("soft_margin_loss", [signs((3, 4))])
    check_fn(t_fn, j_fn, values((3, 4)))
    target = (probs((3, 4)) > 0.5).astype(np.float32)
    t_fn, j_fn = closed("multilabel_soft_margin_loss", [target, probs((4,))])
    check_fn(t_fn, j_fn, values((3, 4)))
    check_op("nn.functional.soft_margin_loss", None, make((3,)), make((3,), seed=1),
             match="not differentiable with respect to argument 'target'", grad=True)


def test_legacy_size_average_reduce_mapping():
    x, y = make((3, 4)), make((3, 4), seed=1)
    for size_average, reduce in [(False, None), (None, False), (True, True), (False, True)]:
        # check_op also requires tjit to warn where torch does
        check_op("nn.functional.mse_loss", None, x, y, kwargs={"size_average": size_average, "reduce": reduce})
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        JF.l1_loss(tjit.ones(2), tjit.ones(2), reduce=False)
    with pytest.warns(UserWarning):
        t, j = torch.nn.L1Loss(size_average=False), jnn.L1Loss(size_average=False)
    assert j.reduction == t.reduction == "sum"
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        JF.l1_loss(tjit.ones(2), tjit.ones(2), reduction="bogus")


def test_binary_cross_entropy():
    x, y = probs((3, 4)), probs((3, 4), seed=1)
    all_reductions("binary_cross_entropy", x, y)
    check_fn(*closed("binary_cross_entropy", [probs((4,), seed=2)]), x, y)
    logits = values((3, 4))
    all_reductions("binary_cross_entropy_with_logits", logits, y)
    t_fn = lambda a, b: tuple(TF.binary_cross_entropy_with_logits(  # noqa: E731
        a, b, torch.tensor(probs((3, 1), 2)), pos_weight=torch.tensor(values((4,), 3, 0.5, 3)), reduction=r)
        for r in REDUCTIONS)
    j_fn = lambda a, b: tuple(JF.binary_cross_entropy_with_logits(  # noqa: E731
        a, b, tjit.tensor(probs((3, 1), 2)), pos_weight=tjit.tensor(values((4,), 3, 0.5, 3)), reduction=r)
        for r in REDUCTIONS)
    check_fn(t_fn, j_fn, logits, y)
    check_op("nn.functional.binary_cross_entropy", None, make((3, 4), low=0.1, high=0.9),
             make((3, 4), low=0.1, high=0.9, seed=1), make((4,), low=0.1, high=0.9, seed=2),
             match="not differentiable with respect to argument 'weight'", grad=True)


@pytest.mark.parametrize("weighted", [False, True])
def test_nll_and_cross_entropy_class_indices(weighted):
    consts = [values((5,), 9, 0.2, 2)] if weighted else []
    for name, x, target in [("cross_entropy", values((4, 5)), labels((4,), 5)),
                            ("cross_entropy", values((2, 5, 3)), labels((2, 3), 5, seed=1)),
                            ("nll_loss", values((4, 5)), labels((4,), 5, ignore=1)),
                            ("nll_loss", values((5,)), np.array(3))]:
        t_fn, j_fn = closed(name, [target] + consts, ignore_index=1)
        check_fn(t_fn, j_fn, x)


@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_label_smoothing_and_probabilities(weighted):
    consts = [values((5,), 9, 0.2, 2)] if weighted else []
    t_fn, j_fn = closed("cross_entropy", [labels((6,), 5, ignore=2)] + consts, label_smoothing=0.2, ignore_index=2)
    check_fn(t_fn, j_fn, values((6, 5)))
    t_fn, j_fn = closed("cross_entropy", consts, label_smoothing=0.1)
    check_fn(lambda x, p: t_fn(x, p), lambda x, p: j_fn(x, p), values((3, 5, 2)), probs((3, 5, 2), seed=3))


def test_class_index_errors():
    check_op("nn.functional.cross_entropy", None, make((4, 5)), np.array([0, 1, 7, 2]),
             match="Target 7 is out of bounds")
    check_op("nn.functional.nll_loss", None, make((4, 5)), np.array([0, 1, 2]),
             match=r"Expected input batch_size \(4\)")
    check_op("nn.functional.nll_loss", None, make((4, 5)), np.array([0, 1, 2, 3]), make((5,)),
             match="not differentiable with respect to argument 'weight'", grad=True)


def test_margin_and_embedding_losses():
    x1, x2 = values((6,)), values((6,), seed=1)
    check_fn(*closed("margin_ranking_loss", [signs((6,))], margin=0.3), x1, x2)
    check_fn(*closed("hinge_embedding_loss", [signs((3, 4))], margin=1.5), values((3, 4)))
    check_fn(*closed("cosine_embedding_loss", [signs((4,))], margin=0.2), values((4, 3)), values((4, 3), seed=1))
    check_fn(*closed("multi_margin_loss", [labels((4,), 5)]), values((4, 5)))
    check_fn(*closed("multi_margin_loss", [labels((4,), 5), 2, 0.7, probs((5,))]), values((4, 5)))
    target = np.array([[3, 0, -1, 1], [1, 2, 3, 0], [-1, 1, 2, 3]])
    check_fn(*closed("multilabel_margin_loss", [target]), values((3, 4)))
    all_reductions("triplet_margin_loss", values((4, 3)), values((4, 3), seed=1), values((4, 3), seed=2), swap=True,
                   p=1)


def test_loss_modules_state_and_repr():
    w = torch.rand(3)
    pairs = [(torch.nn.CrossEntropyLoss(weight=w, label_smoothing=0.1),
              jnn.CrossEntropyLoss(weight=to_tjit(w), label_smoothing=0.1)),
             (torch.nn.BCEWithLogitsLoss(pos_weight=w), jnn.BCEWithLogitsLoss(pos_weight=to_tjit(w))),
             (torch.nn.NLLLoss(), jnn.NLLLoss()),
             (torch.nn.TripletMarginWithDistanceLoss(), jnn.TripletMarginWithDistanceLoss())]
    for t, j in pairs:
        assert repr(j) == repr(t)
        assert list(j.state_dict()) == list(t.state_dict())
    x, y = values((4, 3)), np.array([0, 2, 1, 1])
    t_out = pairs[0][0](torch.tensor(x), torch.tensor(y))
    j_out = pairs[0][1](tjit.tensor(x), tjit.tensor(y))
    np.testing.assert_allclose(j_out.item(), t_out.item(), rtol=1e-5)
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        jnn.NLLLoss2d()
