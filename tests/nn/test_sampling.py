"""interpolate / Upsample, pixel shuffles, affine_grid and grid_sample against torch."""
import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
from nn_util import check_fn

TF, JF = torch.nn.functional, jnn.functional


def x_np(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-2, 2, size=shape).astype(np.float32)


def interp_both(cases):
    def run(lib_f):
        return lambda x: tuple(lib_f.interpolate(x, **kw) for kw in cases)
    return run(TF), run(JF)


def test_interpolate_1d():
    cases = [{"size": 8}, {"scale_factor": 1.7, "mode": "nearest-exact"}, {"scale_factor": 2.5, "mode": "linear"},
             {"size": 3, "mode": "linear", "align_corners": True}, {"size": 2, "mode": "area"}]
    check_fn(*interp_both(cases), x_np(2, 3, 5), rtol=1e-5, atol=1e-6)


def test_interpolate_2d_3d():
    check_fn(*interp_both([{"size": (7, 9), "mode": "bilinear"}, {"size": (7, 9), "mode": "bicubic"}]),
             x_np(1, 2, 5, 4), rtol=1e-5, atol=1e-5)
    cases = [{"scale_factor": (1.5, 0.5), "mode": "bilinear", "align_corners": True},
             {"scale_factor": 1.3, "mode": "bicubic", "align_corners": True},
             {"scale_factor": 1.3, "mode": "bicubic", "recompute_scale_factor": True}, {"scale_factor": 3},
             {"size": (2, 3), "mode": "area"}]
    check_fn(*interp_both(cases), x_np(1, 2, 5, 4), rtol=1e-5, atol=1e-5, grad=False)
    check_fn(*interp_both([{"size": (4, 2, 6), "mode": "trilinear"}, {"scale_factor": 2}]), x_np(1, 2, 3, 5, 4),
             grad=False, rtol=1e-5, atol=1e-6)


def test_interpolate_errors():
    x = tjit.ones(1, 1, 4)
    with pytest.raises(NotImplementedError, match="Got 3D input, but bilinear mode needs 4D input"):
        JF.interpolate(x, size=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        JF.interpolate(x, size=2, align_corners=True)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        JF.interpolate(x, size=2, scale_factor=2.0)


def test_upsample_modules():
    x = x_np(1, 2, 3, 4)
    for t, j in [(torch.nn.Upsample(scale_factor=2), jnn.Upsample(scale_factor=2)),
                 (torch.nn.Upsample(size=(5, 6), mode="bilinear"), jnn.Upsample(size=(5, 6), mode="bilinear")),
                 (torch.nn.UpsamplingNearest2d(scale_factor=2), jnn.UpsamplingNearest2d(scale_factor=2)),
                 (torch.nn.UpsamplingBilinear2d(size=(5, 6)), jnn.UpsamplingBilnear2d(size=(5, 6)))]:
        assert repr(j) == repr(t)
        np.testing.assert_allclose(np.asarray(j(tjit.tensor(x))), t(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_pixel_and_channel_shuffle():
    for t, j, shape in [(torch.nn.PixelShuffle(2), jnn.PixelShuffle(2), (2, 8, 3, 2)),
                        (torch.nn.PixelUnshuffle(2), jnn.PixelUnshuffle(2), (2, 2, 4, 6)),
                        (torch.nn.ChannelShuffle(3), jnn.ChannelShuffle(3), (2, 6, 3))]:
        assert repr(j) == repr(t)
        x = x_np(*shape)
        np.testing.assert_array_equal(np.asarray(j(tjit.tensor(x))), t(torch.tensor(x)).numpy())
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        JF.pixel_shuffle(tjit.ones(1, 3, 2, 2), 2)


@pytest.mark.parametrize("align", [True, False])
def test_affine_grid_and_grid_sample(align):
    check_fn(lambda th: TF.affine_grid(th, (2, 3, 4, 5), align_corners=align),
             lambda th: JF.affine_grid(th, (2, 3, 4, 5), align_corners=align), x_np(2, 2, 3), rtol=1e-5, atol=1e-6)
    grid = x_np(2, 3, 4, 2, seed=1) * 1.2

    def run(lib_f):
        return lambda x, g: tuple(lib_f.grid_sample(x, g, mode=m, padding_mode=p, align_corners=align)
                                  for m in ("bilinear", "nearest") for p in ("zeros", "border", "reflection"))
    check_fn(run(TF), run(JF), x_np(2, 3, 4, 5), grid, grad=False, rtol=1e-5, atol=1e-6)


def aa_both(mode, cases):
    def run(lib_f):
        return lambda x: tuple(lib_f.interpolate(x, mode=mode, antialias=True, **kw) for kw in cases)
    return run(TF), run(JF)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_antialias(mode):
    """Downsampling widens the filter; mixed down/up axes, align_corners, scale_factor vs size;
    gradients on one of them (compiling backward graphs is the slow part)."""
    x = x_np(2, 3, 11, 9)
    check_fn(*aa_both(mode, [{"size": (3, 5)}, {"size": (13, 4), "align_corners": True}, {"size": (1, 9)},
                             {"scale_factor": 0.45, "recompute_scale_factor": True}, {"scale_factor": (0.5, 2.3)}]),
             x, rtol=1e-5, atol=1e-5, grad=False)
    check_fn(*aa_both(mode, [{"scale_factor": 0.37, "align_corners": mode == "bicubic"}]), x, rtol=1e-5, atol=1e-5)


def test_interpolate_antialias_upsample_and_lanczos():
    """Upsampling keeps the filter's width (for bilinear without align_corners that is plain
    bilinear); lanczos exists only antialiased."""
    cases = [{"size": (9, 13), "mode": "bilinear"}, {"scale_factor": 2.3, "mode": "bicubic", "align_corners": True},
             {"size": (2, 3), "mode": "lanczos"}, {"scale_factor": (0.6, 1.5), "mode": "lanczos"}]
    check_fn(*interp_both([dict(kw, antialias=True) for kw in cases]), x_np(1, 2, 5, 6), rtol=1e-5, atol=1e-5,
             grad=False)
    x = tjit.tensor(x_np(1, 2, 5, 6))
    np.testing.assert_allclose(np.asarray(JF.interpolate(x, size=(9, 13), mode="bilinear", antialias=True)),
                               np.asarray(JF.interpolate(x, size=(9, 13), mode="bilinear")), rtol=1e-5, atol=1e-6)
    check_fn(*aa_both("bicubic", [{"size": (4, 3)}]), x_np(1, 1, 7, 5).astype(np.float64), grad=False)
    y = JF.interpolate(x, size=(2, 3), mode="bicubic", antialias=True)
    assert len(tjit.debug.schedule(y).kernels) <= 2     # weight tables fuse into one gather-sum per axis


def test_interpolate_antialias_errors():
    x = tjit.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match="Anti-alias option is restricted to bilinear, bicubic, and lanczos modes"):
        JF.interpolate(x, size=2, mode="nearest", antialias=True)
    with pytest.raises(ValueError, match="requires a 4-D tensor as input"):
        JF.interpolate(tjit.ones(1, 1, 4), size=2, mode="bilinear", antialias=True)
    with pytest.raises(ValueError, match="Lanczos mode requires antialias=True"):
        JF.interpolate(x, size=2, mode="lanczos")
    with pytest.raises(ValueError, match="Lanczos mode does not support align_corners=True"):
        JF.interpolate(x, size=2, mode="lanczos", align_corners=True, antialias=True)
    with pytest.raises(NotImplementedError, match=r"\(got 3D\) for the modes: .* lanczos .* \(got bicubic\)"):
        JF.interpolate(tjit.ones(1, 1, 4), size=2, mode="bicubic")
    with pytest.raises(NotImplementedError, match="not implemented for 'Half'"):
        JF.interpolate(x.half(), size=2, mode="bilinear", antialias=True)
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful with an explicit size"):
        JF.interpolate(x, size=2, mode="bilinear", recompute_scale_factor=True)
