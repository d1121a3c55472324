"""tjit.vision.models against torchvision: parameter counts (torchvision's published numbers),
state_dict keys and shapes (tv_models.py restates torchvision's modules in torch.nn), and
forward/backward of resnet18 and vgg11_bn with the same weights.  Weight loading: local
files, the hub cache, and a clear error, never random weights, when weights are missing."""
import urllib.error
import urllib.request

import numpy as np
import pytest
import torch

import tjit
import tjit.vision.models as M
import tv_models

# torchvision's documented parameter counts
NUM_PARAMS = {
    "alexnet": 61_100_840, "resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
    "resnet101": 44_549_160, "resnet152": 60_192_808, "resnext50_32x4d": 25_028_904,
    "resnext101_32x8d": 88_791_336, "wide_resnet50_2": 68_883_240, "wide_resnet101_2": 126_886_696,
    "vgg11": 132_863_336, "vgg11_bn": 132_868_840, "vgg13": 133_047_848, "vgg13_bn": 133_053_736,
    "vgg16": 138_357_544, "vgg16_bn": 138_365_992, "vgg19": 143_667_240, "vgg19_bn": 143_678_248,
}


@pytest.mark.parametrize("name", sorted(NUM_PARAMS))
def test_parameter_count_and_state_dict_keys_match_torchvision(name):
    model = getattr(M, name)()
    assert sum(p.numel() for p in model.parameters()) == NUM_PARAMS[name]
    with torch.device("meta"):
        reference = tv_models.BUILDERS[name]()
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    assert list(ours) == list(theirs)
    assert ours == theirs


def copy_from_torch(reference, model):
    model.load_state_dict({k: tjit.tensor(v.detach().numpy()) for k, v in reference.state_dict().items()})
    return model


@pytest.mark.parametrize("name", ["resnet18", "vgg11_bn"])
def test_eval_forward_matches_torch(name):
    torch.manual_seed(0)
    reference = tv_models.BUILDERS[name](num_classes=10).eval()
    model = copy_from_torch(reference, getattr(M, name)(num_classes=10)).eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32)).astype(np.float32)
    with tjit.no_grad():
        out = model(tjit.tensor(x)).numpy()
    np.testing.assert_allclose(out, reference(torch.tensor(x)).detach().numpy(), rtol=1e-3, atol=1e-4)


@pytest.mark.slow  # ~30 s of kernel compilation on a cold cache
def test_resnet18_training_step_matches_torch():
    """Training mode in float64 (batch statistics over few values amplify float32 rounding):
    outputs, every parameter's gradient and the BatchNorm running statistics."""
    torch.manual_seed(0)
    reference = tv_models.BUILDERS["resnet18"](num_classes=10).double().train()
    model = copy_from_torch(reference, M.resnet18(num_classes=10).double()).train()
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32))
    out = model(tjit.tensor(x))
    ref_out = reference(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), ref_out.detach().numpy(), rtol=1e-7, atol=1e-9)
    (out * out).sum().backward()
    (ref_out * ref_out).sum().backward()
    ref_params = dict(reference.named_parameters())
    for key, p in model.named_parameters():
        rg = ref_params[key].grad.numpy()
        np.testing.assert_allclose(p.grad.numpy(), rg, rtol=1e-6, atol=1e-9 * max(1.0, np.abs(rg).max()), err_msg=key)
    ref_buffers = dict(reference.named_buffers())
    for key, b in model.named_buffers():
        np.testing.assert_allclose(b.numpy(), ref_buffers[key].numpy(), rtol=1e-7, atol=1e-9, err_msg=key)


def assert_same_weights(model, reference):
    ref = reference.state_dict()
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), ref[key].numpy(), err_msg=key)


def test_weights_from_a_local_file(tmp_path):
    reference = tv_models.BUILDERS["resnet18"]()
    path = tmp_path / "my_resnet18.pth"
    torch.save(reference.state_dict(), path)
    assert_same_weights(M.resnet18(weights=str(path)), reference)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, and an empty hub cache under tmp_path."""
    def refuse(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr("tjit.hub._hub_dir", None)
    return tmp_path / "hub" / "checkpoints"


def test_missing_pretrained_weights_raise_with_url_and_cache_path(offline):
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        with pytest.raises(RuntimeError) as e:
            M.alexnet(pretrained=True)
    msg = str(e.value)
    assert "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth" in msg
    assert str(offline / "alexnet-owt-7be5be79.pth") in msg
    with pytest.raises(RuntimeError, match="vgg11_bn-6002323d.pth"):
        M.vgg11_bn(weights=M.VGG11_BN_Weights.IMAGENET1K_V1)
    with pytest.raises(RuntimeError, match="resnet50-11ad3fa6.pth"):
        M.resnet50(weights="DEFAULT")


def test_weights_placed_in_the_hub_cache_are_used(offline):
    reference = tv_models.BUILDERS["resnet18"]()
    offline.mkdir(parents=True)
    torch.save(reference.state_dict(), offline / "resnet18-f37072fd.pth")
    assert_same_weights(M.resnet18(weights=M.ResNet18_Weights.DEFAULT), reference)
    assert M.ResNet18_Weights.DEFAULT is M.ResNet18_Weights.IMAGENET1K_V1
    assert M.ResNet18_Weights.IMAGENET1K_V1.meta["num_params"] == NUM_PARAMS["resnet18"]


def test_incomplete_weights_and_num_classes_mismatch_are_errors(tmp_path):
    partial = tv_models.BUILDERS["resnet18"]().state_dict()
    partial.pop("fc.bias")
    path = tmp_path / "partial.pth"
    torch.save(partial, path)
    with pytest.raises(RuntimeError, match="fc.bias"):
        M.resnet18(weights=str(path))
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."):
        M.resnet18(weights="IMAGENET1K_V1", num_classes=10)
    with pytest.raises(TypeError, match="expected ResNet18_Weights"):
        M.resnet18(weights=M.VGG11_Weights.DEFAULT)


def test_manual_spellings_build_untrained_models():
    assert isinstance(M.vgg13(pretrained=False), M.VGG)
    assert M.resnet34(weights=None, num_classes=7).fc.out_features == 7


def test_weights_transforms_preset():
    preset = M.ResNet50_Weights.IMAGENET1K_V2.transforms()
    out = preset(tjit.rand(3, 300, 260))
    assert tuple(out.shape) == (3, 224, 224)
    assert preset.resize_size == [232]


@pytest.mark.slow  # ~20-40 s of kernel compilation on a cold cache
def test_vgg11_bn_backward_matches_torch():
    """Training-mode forward and backward of vgg11_bn's features, all parameter gradients."""
    torch.manual_seed(0)
    ref = tv_models.BUILDERS["vgg11_bn"](num_classes=10).double()
    mod = M.vgg11_bn(num_classes=10).double()
    mod.load_state_dict({k: tjit.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32))
    out, rout = mod.features(tjit.tensor(x)), ref.features(torch.tensor(x))
    (out * out).sum().backward()
    (rout * rout).sum().backward()
    for (name, p), (_, rp) in zip(mod.features.named_parameters(), ref.features.named_parameters()):
        scale = max(np.abs(rp.grad.numpy()).max(), 1e-6)
        assert np.abs(p.grad.numpy() - rp.grad.numpy()).max() <= 1e-8 * scale + 1e-12, name
