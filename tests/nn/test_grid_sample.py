"""grid_sample and affine_grid beyond the 2-D basics: volumetric (5-D) input, 2-D bicubic,
gradients w.r.t. input, grid and theta, and torch's errors and warnings."""
import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
from nn_util import check_fn

TF, JF = torch.nn.functional, jnn.functional
PADDINGS = ("zeros", "border", "reflection")


def x_np(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-2, 2, size=shape).astype(np.float32)


def sample_both(modes, paddings, align):
    """grid_sample for every mode x padding, as one tuple of outputs (one schedule)."""
    def run(lib_f):
        return lambda x, g: tuple(lib_f.grid_sample(x, g, mode=m, padding_mode=p, align_corners=align)
                                  for m in modes for p in paddings)
    return run(TF), run(JF)


@pytest.mark.parametrize("align", [True, False])
def test_grid_sample_3d(align):
    """Every mode and padding forward; gradients (input and grid) for bilinear with zeros
    padding and one clamping padding (compiling backward graphs is the slow part)."""
    x, grid = x_np(2, 3, 4, 5, 3), x_np(2, 3, 4, 2, 3, seed=1) * 1.2   # some positions outside [-1, 1]
    check_fn(*sample_both(("bilinear", "nearest"), PADDINGS, align), x, grid, rtol=1e-5, atol=1e-5, grad=False)
    check_fn(*sample_both(("bilinear",), ("zeros", "reflection" if align else "border"), align), x, grid,
             rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("align", [True, False])
def test_grid_sample_bicubic(align):
    grid = x_np(2, 3, 4, 2, seed=1) * 1.2
    check_fn(*sample_both(("bicubic",), PADDINGS, align), x_np(2, 3, 4, 5), grid, rtol=1e-5, atol=5e-5)


def test_grid_sample_nearest_grid_gradient_is_zero():
    """torch gives the grid a zero gradient (not None) in nearest mode."""
    def run(lib_f):
        return lambda x, g: lib_f.grid_sample(x, g, mode="nearest", align_corners=False)
    check_fn(run(TF), run(JF), x_np(1, 2, 3, 4, 2), x_np(1, 2, 2, 3, 3, seed=1))


@pytest.mark.parametrize("align", [True, False])
def test_affine_grid_3d(align):
    theta = np.eye(3, 4, dtype=np.float32) + 0.3 * x_np(2, 3, 4, seed=2)

    def run(lib_f):
        def f(th, x):
            grid = lib_f.affine_grid(th, (2, 3, 3, 4, 5), align_corners=align)
            return grid, lib_f.grid_sample(x, grid, align_corners=align)
        return f
    check_fn(run(TF), run(JF), theta, x_np(2, 3, 2, 3, 4), rtol=1e-5, atol=1e-5)


def test_grid_sample_errors():
    x5, g5 = tjit.ones(1, 2, 3, 4, 5), tjit.zeros(1, 2, 3, 4, 3)
    cases = [
        (lambda: JF.grid_sample(x5, g5, mode="bicubic", align_corners=False), RuntimeError,
         r"grid_sampler\(\): bicubic interpolation only supports 4D input"),
        (lambda: JF.grid_sample(x5, tjit.zeros(2, 2, 3, 4, 3), align_corners=False), RuntimeError,
         r"expected grid and input to have same batch size, but got input with sizes \[1, 2, 3, 4, 5\] and grid "
         r"with sizes \[2, 2, 3, 4, 3\]"),
        (lambda: JF.grid_sample(x5, tjit.zeros(1, 2, 3, 4, 2), align_corners=False), RuntimeError,
         r"expected grid to have size 3 in last dimension, but got grid with sizes \[1, 2, 3, 4, 2\]"),
        (lambda: JF.grid_sample(x5, tjit.zeros(1, 2, 3, 3), align_corners=False), RuntimeError,
         r"expected 5D input and grid with same number of dimensions"),
        (lambda: JF.grid_sample(tjit.ones(1, 2, 0, 4), tjit.zeros(1, 2, 3, 2), align_corners=False), RuntimeError,
         r"expected input to have non-empty spatial dimensions, but input has sizes \[1, 2, 0, 4\] with dimension 2"),
        (lambda: JF.grid_sample(x5, g5.double(), align_corners=False), RuntimeError,
         "expected scalar type Float but found Double"),
        (lambda: JF.grid_sample(x5, g5, mode="area"), ValueError, "expected mode to be 'bilinear', 'nearest' or"),
        (lambda: JF.affine_grid(tjit.zeros(1, 2, 3), (1, 1, 2, 2, 2), align_corners=False), ValueError,
         "Expected a batch of 3D affine matrices of shape Nx3x4"),
        (lambda: JF.affine_grid(tjit.zeros(1, 3, 4, dtype=tjit.int64), (1, 1, 2, 2, 2), align_corners=False),
         ValueError, "Expected theta to have floating point type"),
        (lambda: JF.affine_grid(tjit.zeros(1, 3, 4), (1, 1, 2, 0, 2), align_corners=False), ValueError,
         "Expected non-zero, positive output size"),
    ]
    for fn, exc, match in cases:
        with pytest.raises(exc, match=match):
            fn()
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        JF.grid_sample(x5, g5)
