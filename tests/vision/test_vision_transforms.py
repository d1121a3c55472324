"""tjit.vision.transforms on tensor images against torchvision's semantics.

torchvision is not installable next to this torch, so the references are tv_reference.py
(torchvision's tensor code restated in torch) plus values worked out by hand.  The PIL paths
run where Pillow is installed; without it those tests skip, saying so."""
import importlib.util
import math

import numpy as np
import pytest
import torch

import tjit
import tjit.vision.transforms as T
import tjit.vision.transforms.functional as TF
import tv_reference as ref

HAS_PIL = importlib.util.find_spec("PIL") is not None
needs_pil = pytest.mark.skipif(not HAS_PIL, reason="Pillow is not installed (optional extra tjit[vision]); "
                                                   "the PIL-image paths cannot run")

RNG = np.random.default_rng(0)
IMG_F = RNG.random((3, 9, 12), dtype=np.float32)
IMG_U8 = RNG.integers(0, 256, (3, 9, 12), dtype=np.uint8)


def pair(values):
    return tjit.tensor(values), torch.tensor(values)


def close(ours, theirs, atol=1e-5):
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64), atol=atol, rtol=0)


# -- geometry ----------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(5, 7), (9, 12), (11, 13)])
def test_center_crop_matches_reference(size):
    t, r = pair(IMG_F)
    got = T.CenterCrop(size)(t)
    h, w = size
    if h <= 9 and w <= 12:
        top, left = int(round((9 - h) / 2.0)), int(round((12 - w) / 2.0))
        expect = r[..., top:top + h, left:left + w]
    else:  # padded first: 11 x 13 gets 1 row on top, 1 at the bottom, 0 left, 1 right
        expect = ref.pad(r, [0, 1, 1, 1])
    close(got, expect)


@pytest.mark.parametrize("padding,mode", [(2, "constant"), ([1, 3], "edge"), ([2, 1, 0, 3], "reflect"),
                                          ([3, 2, 1, 4], "symmetric"), ([-1, 2, 1, -2], "symmetric")])
@pytest.mark.parametrize("img", [IMG_F, IMG_U8])
def test_pad_matches_reference(padding, mode, img):
    t, r = pair(img)
    close(T.Pad(padding, fill=0 if mode != "constant" else 7, padding_mode=mode)(t),
          ref.pad(r, padding, fill=7, padding_mode=mode))


def test_pad_symmetric_by_hand():
    t = tjit.tensor([[[1, 2, 3]]], dtype=tjit.uint8)
    assert TF.pad(t, [2, 0], padding_mode="symmetric")[0, 0].tolist() == [2, 1, 1, 2, 3, 3, 2]
    assert TF.pad(t, [2, 0], padding_mode="reflect")[0, 0].tolist() == [3, 2, 1, 2, 3, 2, 1]
    assert TF.pad(t, [1, 0], fill=9)[0, 0].tolist() == [9, 1, 2, 3, 9]


def test_pad_argument_errors():
    t = tjit.zeros(1, 2, 2)
    with pytest.raises(ValueError, match="Padding mode should be either"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="3 element tuple"):
        T.Pad([1, 2, 3])
    with pytest.raises(TypeError, match="Got inappropriate fill arg"):
        TF.pad(t, 1, fill=(1, 2))


def test_flips():
    t, r = pair(IMG_F)
    close(T.RandomHorizontalFlip(p=1.0)(t), r.flip(-1))
    close(T.RandomVerticalFlip(p=1.0)(t), r.flip(-2))
    close(T.RandomHorizontalFlip(p=0.0)(t), r)


def test_random_crop_picks_an_in_bounds_window():
    t = tjit.arange(9 * 12, dtype=tjit.float32).reshape(1, 9, 12)
    out = T.RandomCrop((4, 5))(t).numpy()[0]
    full = np.arange(9 * 12).reshape(9, 12)
    i, j = np.argwhere(full == out[0, 0])[0]
    np.testing.assert_array_equal(out, full[i:i + 4, j:j + 5])


def test_random_crop_padding_and_pad_if_needed():
    t = tjit.ones(1, 4, 4)
    out = T.RandomCrop(8, padding=2)(t)
    assert tuple(out.shape) == (1, 8, 8) and out.sum().item() == 16  # the whole image inside the padded window
    out = T.RandomCrop((5, 6), pad_if_needed=True, fill=0)(t)
    assert tuple(out.shape) == (1, 5, 6) and out.sum().item() == 16
    with pytest.raises(ValueError, match=r"Required crop size \(5, 6\) is larger than input image size \(4, 4\)"):
        T.RandomCrop((5, 6))(t)
    manual = T.RandomCrop(3, padding=0)  # the manual's signature RandomCrop(size, padding=0)
    assert tuple(manual(t).shape) == (1, 3, 3)


# -- resizing ----------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [5, [4, 7], [13, 17], [9, 5]])
@pytest.mark.parametrize("interp", ["bilinear", "bicubic"])
def test_resize_antialias_matches_torch_interpolate(size, interp):
    t, r = pair(IMG_F)
    mode = getattr(T.InterpolationMode, interp.upper())
    out_size = TF._compute_resized_output_size((9, 12), [size] if isinstance(size, int) else size)
    close(T.Resize(size, interpolation=mode)(t), ref.resize(r, out_size, interp), atol=2e-5)


@pytest.mark.parametrize("interp", ["nearest", "bilinear"])
def test_resize_without_antialias_and_uint8(interp):
    t, r = pair(IMG_U8)
    mode = getattr(T.InterpolationMode, interp.upper())
    got = T.Resize([5, 7], interpolation=mode, antialias=False)(t)
    want = ref.resize(r, [5, 7], interp, antialias=False)
    assert got.dtype == tjit.uint8
    # float32 rounding of x.5 ties may differ by one level
    assert np.abs(got.numpy().astype(int) - want.numpy().astype(int)).max() <= 1


def test_resize_output_size_rules():
    assert TF._compute_resized_output_size((9, 12), [6]) == [6, 8]
    assert TF._compute_resized_output_size((12, 9), [6]) == [8, 6]
    assert TF._compute_resized_output_size((10, 40), [8], max_size=20) == [5, 20]
    assert T.Resize(9)(tjit.zeros(3, 9, 12)).shape == (3, 9, 12)  # already that size: unchanged
    with pytest.raises(ValueError, match="max_size = 8 must be strictly greater"):
        TF.resize(tjit.zeros(1, 4, 4), [8], max_size=8)
    assert T.Resize(4, interpolation=2).interpolation is T.InterpolationMode.BILINEAR  # Pillow's constant


def test_resize_antialias_by_hand():
    """Halving 0..7 with the triangle filter: each output averages 4 inputs with weights
    (1, 3, 3, 1) / 8, clipped and renormalised at the borders ((3, 3, 1) / 7, (1, 3, 3) / 7)."""
    t = tjit.arange(8, dtype=tjit.float64).view(1, 1, 8)
    out = T.Resize([1, 4])(t)
    assert out.dtype == tjit.float64
    np.testing.assert_allclose(out.numpy()[0, 0], [5 / 7, 20 / 8, 36 / 8, (5 + 3 * 6 + 3 * 7) / 7])


CHECKER_U8 = ((np.indices((1, 4, 4)).sum(0) % 2) * 255).astype(np.uint8)  # bicubic overshoots 0 and 255


@pytest.mark.parametrize("interp,img,size", [("bilinear", IMG_U8, [4, 17]), ("bicubic", IMG_U8, [4, 17]),
                                             ("bicubic", CHECKER_U8, [7, 7])])
def test_resize_uint8_antialias_matches_reference(interp, img, size):
    """uint8: interpolated in float32, (bicubic clamped,) rounded back."""
    t, r = pair(img)
    got = T.Resize(size, interpolation=getattr(T.InterpolationMode, interp.upper()))(t)
    want = ref.resize(r, size, interp)
    assert got.dtype == tjit.uint8
    diff = np.abs(got.numpy().astype(int) - want.numpy().astype(int))  # x.5 ties may round either way
    assert diff.max() <= 1 and (diff > 0).mean() < 0.05


def test_resize_batched_and_int16():
    t, r = pair(np.stack([IMG_U8.astype(np.int16) * 7] * 2))
    got = TF.resize(t, [5, 6], antialias=True)
    want = ref.resize(r, [5, 6], "bilinear")
    assert got.dtype == tjit.int16 and tuple(got.shape) == (2, 3, 5, 6)
    assert np.abs(got.numpy().astype(int) - want.numpy().astype(int)).max() <= 1


@pytest.mark.parametrize("cls", [T.RandomResizedCrop, T.RandomSizedCrop])
def test_random_resized_crop(cls):
    t = tjit.rand(3, 20, 16)
    if cls is T.RandomSizedCrop:
        with pytest.warns(UserWarning, match="RandomSizedCrop transform is deprecated"):
            tr = cls(8, 2)  # the manual's (size, interpolation=2)
    else:
        tr = cls(8, scale=(0.3, 0.9))
    assert tuple(tr(t).shape) == (3, 8, 8)
    for _ in range(5):
        i, j, h, w = T.RandomResizedCrop.get_params(t, (0.3, 0.9), (3 / 4, 4 / 3))
        assert 0 <= i <= 20 - h and 0 <= j <= 16 - w and 0.3 * 320 * 0.8 <= h * w <= 0.9 * 320 * 1.2
    # impossible ratios fall back to a central crop
    assert T.RandomResizedCrop.get_params(t, (1.0, 1.0), (3.0, 4.0)) == (7, 0, 5, 16)


# -- values ------------------------------------------------------------------------------------
def test_to_tensor_and_normalize():
    arr = RNG.integers(0, 256, (5, 4, 3), dtype=np.uint8)
    got = T.ToTensor()(arr)
    want = torch.from_numpy(arr.transpose(2, 0, 1).copy()).float().div(255)
    close(got, want, atol=1e-7)
    close(T.ToTensor()(arr[:, :, 0]), want[:1], atol=1e-7)
    ints = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert T.ToTensor()(ints).dtype == tjit.int32  # non-uint8 arrays keep their values and type
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.25, 0.5]
    close(T.Normalize(mean, std)(got), ref.normalize(want, mean, std))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize(mean, std)(tjit.zeros(3, 2, 2, dtype=tjit.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize(mean, [1.0, 0.0, 1.0])(got)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])


@pytest.mark.parametrize("img", [IMG_F, IMG_U8])
@pytest.mark.parametrize("fn,factor", [("adjust_brightness", 1.3), ("adjust_contrast", 0.6),
                                       ("adjust_saturation", 1.7), ("adjust_hue", 0.2), ("adjust_hue", -0.35)])
def test_color_adjustments_match_reference(img, fn, factor):
    t, r = pair(img)
    got = getattr(TF, fn)(t, factor)
    want = getattr(ref, fn)(r, factor)
    if img.dtype == np.uint8:  # float32 evaluation order may move a value across a rounding boundary
        diff = np.abs(got.numpy().astype(int) - want.numpy().astype(int))
        assert got.dtype == tjit.uint8 and diff.max() <= 1 and (diff > 0).mean() < 0.02
    else:
        close(got, want, atol=1e-5)


def test_grayscale_by_hand():
    t = tjit.tensor([[[1.0]], [[0.5]], [[0.0]]])
    g = T.Grayscale()(t)
    assert tuple(g.shape) == (1, 1, 1) and abs(g.item() - (0.2989 + 0.587 * 0.5)) < 1e-6
    g3 = T.Grayscale(num_output_channels=3)(t)
    assert tuple(g3.shape) == (3, 1, 1) and len(set(g3.flatten().tolist())) == 1


def test_color_jitter_ranges_and_identity():
    cj = T.ColorJitter(brightness=0.5, contrast=(0.2, 1.8), saturation=0, hue=0.1)
    assert cj.brightness == (0.5, 1.5) and cj.contrast == (0.2, 1.8) and cj.saturation is None and cj.hue == (-0.1, 0.1)
    t = tjit.tensor(IMG_F)
    np.testing.assert_array_equal(T.ColorJitter()(t).numpy(), IMG_F)  # nothing to jitter
    out = cj(t).numpy()
    assert out.shape == IMG_F.shape and 0 <= out.min() and out.max() <= 1
    with pytest.raises(ValueError, match=r"hue values should be between \(-0.5, 0.5\)"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non negative."):
        T.ColorJitter(brightness=-1)


@pytest.mark.parametrize("src,dst", [("uint8", "float32"), ("float32", "uint8"), ("uint8", "int32"),
                                     ("int32", "uint8"), ("float64", "int16")])
def test_convert_image_dtype_matches_reference(src, dst):
    vals = IMG_F.astype(src) if src.startswith("float") else IMG_U8.astype(src) * (2 ** 20 if src == "int32" else 1)
    t, r = pair(vals)
    close(TF.convert_image_dtype(t, getattr(tjit, dst)), ref.convert_image_dtype(r, getattr(torch, dst)), atol=1e-7)


def test_compose_lambda_and_reprs():
    tr = T.Compose([T.CenterCrop(4), T.Lambda(lambda x: x * 2), T.Normalize([0.0], [1.0])])
    out = tr(tjit.ones(1, 6, 6))
    assert tuple(out.shape) == (1, 4, 4) and out.max().item() == 2.0
    assert repr(tr) == ("Compose(\n    CenterCrop(size=(4, 4))\n    Lambda()\n"
                        "    Normalize(mean=[0.0], std=[1.0])\n)")
    assert repr(T.Resize(5)) == "Resize(size=5, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(T.RandomResizedCrop(4)) == ("RandomResizedCrop(size=(4, 4), scale=(0.08, 1.0), "
                                           "ratio=(0.75, 1.3333), interpolation=bilinear, antialias=True)")
    assert repr(T.Pad(1)) == "Pad(padding=1, fill=0, padding_mode=constant)"
    assert repr(T.ToPILImage()) == "ToPILImage()" and repr(T.ToTensor()) == "ToTensor()"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_to_pil_image_without_pillow_says_what_is_missing():
    if HAS_PIL:
        pytest.skip("Pillow is installed: the PIL tests below cover to_pil_image")
    with pytest.raises(ImportError, match=r"needs Pillow: pip install 'tjit\[vision\]'"):
        T.ToPILImage()(tjit.zeros(3, 2, 2))


# -- PIL images (need Pillow) ------------------------------------------------------------------
@needs_pil
def test_pil_round_trip_and_to_tensor():
    from PIL import Image
    arr = RNG.integers(0, 256, (5, 4, 3), dtype=np.uint8)
    img = Image.fromarray(arr)
    t = T.PILToTensor()(img)
    assert t.dtype == tjit.uint8 and tuple(t.shape) == (3, 5, 4)
    np.testing.assert_array_equal(t.numpy(), arr.transpose(2, 0, 1))
    np.testing.assert_allclose(T.ToTensor()(img).numpy(), arr.transpose(2, 0, 1) / 255, atol=1e-7)
    back = T.ToPILImage()(t)
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), arr)
    gray = T.ToPILImage()(tjit.tensor(arr[:, :, 0] / 255.0, dtype=tjit.float32))
    assert gray.mode == "L"
    floats = RNG.random((3, 5, 4), dtype=np.float32)  # scaled by 255 and truncated, as torch's mul(255).byte()
    rgb = T.ToPILImage()(tjit.tensor(floats))
    want = torch.from_numpy(floats).mul(255).byte().permute(1, 2, 0).numpy()
    assert rgb.mode == "RGB" and np.array_equal(np.asarray(rgb), want)
    as_f = T.ToPILImage(mode="F")(tjit.tensor(floats[:1]))
    assert as_f.mode == "F" and np.array_equal(np.asarray(as_f), floats[0])
    binary = Image.fromarray(arr[:, :, 0] > 127)  # mode "1": 0/1 scaled to 0/255, then to [0, 1]
    np.testing.assert_array_equal(T.ToTensor()(binary).numpy()[0], (arr[:, :, 0] > 127).astype(np.float32))
    assert T.ToTensor()(Image.fromarray(floats[0], mode="F")).dtype == tjit.float32


@needs_pil
def test_pil_geometry_and_color():
    from PIL import Image, ImageEnhance
    arr = RNG.integers(0, 256, (9, 12, 3), dtype=np.uint8)
    img = Image.fromarray(arr)
    np.testing.assert_array_equal(np.asarray(TF.hflip(img)), arr[:, ::-1])
    np.testing.assert_array_equal(np.asarray(T.CenterCrop((5, 7))(img)), arr[2:7, 2:9])
    np.testing.assert_array_equal(np.asarray(T.Pad([1, 2], padding_mode="reflect")(img)),
                                  np.pad(arr, ((2, 2), (1, 1), (0, 0)), mode="reflect"))
    np.testing.assert_array_equal(np.asarray(T.Pad(1, fill=(1, 2, 3))(img))[0, 0], [1, 2, 3])
    assert T.Resize((4, 6))(img).size == (6, 4)
    np.testing.assert_array_equal(np.asarray(TF.adjust_brightness(img, 1.4)),
                                  np.asarray(ImageEnhance.Brightness(img).enhance(1.4)))
    assert T.Grayscale(3)(img).mode == "RGB" and T.Grayscale()(img).mode == "L"
    assert T.RandomResizedCrop(5)(img).size == (5, 5)
    assert T.ColorJitter(0.3, 0.3, 0.3, 0.1)(img).size == (12, 9)


def test_resize_uint8_rounding_by_hand():
    """2 -> 1 pixels with the triangle filter: the mean of 10 and 21 is 15.5, rounded to 16."""
    t = tjit.tensor([[[10, 21]]], dtype=tjit.uint8)
    assert T.Resize([1, 1])(t).item() == 16
    assert math.isclose(T.Resize([1, 1])(t.to(tjit.float32)).item(), 15.5)
