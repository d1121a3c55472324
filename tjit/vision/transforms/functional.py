"""torchvision.transforms.functional: each function takes a PIL image or a tensor image
(..., C, H, W) and dispatches to the PIL or tensor implementation."""
from __future__ import annotations

import numbers
import sys
import warnings
from enum import Enum

import numpy as np

import tjit

from .._pil import image_module, is_pil_image
from . import _functional_pil as F_pil
from . import _functional_tensor as F_t
from ._functional_tensor import convert_image_dtype  # noqa: F401


class InterpolationMode(Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# Pillow's resampling filter numbers
pil_modes_mapping = {InterpolationMode.NEAREST: 0, InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3,
                     InterpolationMode.NEAREST_EXACT: 0, InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
                     InterpolationMode.LANCZOS: 1}
_PIL_INT_MODES = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
                  4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def _interpolation_modes_from_int(i: int) -> InterpolationMode:
    return _PIL_INT_MODES[i]


def _interpolation(interpolation) -> InterpolationMode:
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                        "constant")
    return interpolation


def _is_numpy_image(img) -> bool:
    return img.ndim in {2, 3}


def get_dimensions(img) -> list:
    """[channels, height, width]."""
    if isinstance(img, tjit.Tensor):
        return F_t.get_dimensions(img)
    return F_pil.get_dimensions(img)


def get_image_size(img) -> list:
    """[width, height]."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    return get_dimensions(img)[0]


# -- conversions -------------------------------------------------------------------------------
def _chw(hwc):
    """An H x W x C host array as a contiguous C x H x W tensor (the permute runs as a kernel)."""
    return tjit.tensor(hwc).permute((2, 0, 1)).contiguous()


def to_tensor(pic):
    """A PIL image or an H x W (x C) ndarray -> a C x H x W tensor; uint8 data is scaled to
    [0, 1] in the default float dtype, other types keep their values."""
    if not (is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray) and not _is_numpy_image(pic):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if isinstance(pic, np.ndarray):
        img = _chw(pic[:, :, None] if pic.ndim == 2 else pic)
    else:
        mode_to_nptype = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}
        arr = np.array(pic, mode_to_nptype.get(pic.mode, np.uint8), copy=True)
        img = _chw(arr.reshape(pic.size[1], pic.size[0], F_pil.get_image_num_channels(pic)))
        if pic.mode == "1":
            img = 255 * img
    if img.dtype == tjit.uint8:
        return img.to(dtype=tjit.get_default_dtype()).div(255)
    return img


def pil_to_tensor(pic):
    """A PIL image -> a C x H x W tensor of its own pixel type (no scaling)."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    return _chw(arr.reshape(pic.size[1], pic.size[0], F_pil.get_image_num_channels(pic)))


def _pil_mode(npimg: np.ndarray, mode):
    """The PIL mode for an H x W x C array (checking a requested one), as torchvision picks it."""
    channels = npimg.shape[2]
    if channels == 1:
        expected = {np.uint8: "L", np.int16: "I;16" if sys.byteorder == "little" else "I;16B", np.int32: "I",
                    np.float32: "F"}.get(npimg.dtype.type)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be {expected}")
        return expected
    permitted = {2: ["LA"], 4: ["RGBA", "CMYK", "RGBX"], 3: ["RGB", "YCbCr", "HSV"]}[channels]
    if mode is not None and mode not in permitted:
        raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
    if mode is None and npimg.dtype == np.uint8:
        mode = permitted[0]
    return mode


def to_pil_image(pic, mode=None):
    """A C x H x W tensor or H x W x C ndarray -> a PIL image; floats are scaled by 255 (and
    truncated to uint8) unless mode is "F"."""
    if isinstance(pic, tjit.Tensor):
        pic = pic.detach()
        if pic.is_floating_point() and mode != "F":  # a tensor is scaled by a kernel, an ndarray below
            pic = pic.mul(255).to(tjit.uint8)
        if pic.ndim == 3:
            pic = pic.permute((1, 2, 0))
        pic = pic.numpy()
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = np.expand_dims(pic, 2)
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    npimg = pic
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)
    mode = _pil_mode(npimg, mode)
    if npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return image_module().fromarray(np.ascontiguousarray(npimg), mode=mode)


def normalize(tensor, mean, std, inplace=False):
    if not isinstance(tensor, tjit.Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    return F_t.normalize(tensor, mean=mean, std=std, inplace=inplace)


# -- geometry ----------------------------------------------------------------------------------
def _compute_resized_output_size(image_size, size, max_size=None) -> list:
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if len(size) == 2:
        return [size[0], size[1]]
    requested_new_short = size if isinstance(size, int) else size[0]
    new_short, new_long = requested_new_short, int(requested_new_short * long / short)
    if max_size is not None:
        if max_size <= requested_new_short:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                             f"smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return [new_h, new_w]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to (h, w), or scale the smaller edge to `size` keeping the aspect ratio."""
    interpolation = _interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             "tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. "
                             "size should be an int or a sequence of length 1 in torchscript mode.")
    _, image_height, image_width = get_dimensions(img)
    if isinstance(size, int):
        size = [size]
    output_size = _compute_resized_output_size((image_height, image_width), size, max_size)
    if [image_height, image_width] == output_size:
        return img
    if not isinstance(img, tjit.Tensor):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.",
                          stacklevel=2)
        return F_pil.resize(img, size=output_size, interpolation=pil_modes_mapping[interpolation])
    return F_t.resize(img, size=output_size, interpolation=interpolation.value, antialias=antialias)


def pad(img, padding, fill=0, padding_mode="constant"):
    if isinstance(img, tjit.Tensor):
        return F_t.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)
    return F_pil.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)


def crop(img, top: int, left: int, height: int, width: int):
    if isinstance(img, tjit.Tensor):
        return F_t.crop(img, top, left, height, width)
    return F_pil.crop(img, top, left, height, width)


def _size_pair(output_size):
    if isinstance(output_size, numbers.Number):
        return (int(output_size), int(output_size))
    if isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        return (output_size[0], output_size[0])
    return output_size


def center_crop(img, output_size):
    """The central crop; an image smaller than the crop is zero-padded first."""
    crop_height, crop_width = _size_pair(output_size)
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [(crop_width - image_width) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height) // 2 if crop_height > image_height else 0,
                        (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height + 1) // 2 if crop_height > image_height else 0]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    return F_t.hflip(img) if isinstance(img, tjit.Tensor) else F_pil.hflip(img)


def vflip(img):
    return F_t.vflip(img) if isinstance(img, tjit.Tensor) else F_pil.vflip(img)


# -- colour ------------------------------------------------------------------------------------
def adjust_brightness(img, brightness_factor: float):
    if isinstance(img, tjit.Tensor):
        return F_t.adjust_brightness(img, brightness_factor)
    return F_pil.adjust_brightness(img, brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    if isinstance(img, tjit.Tensor):
        return F_t.adjust_contrast(img, contrast_factor)
    return F_pil.adjust_contrast(img, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    if isinstance(img, tjit.Tensor):
        return F_t.adjust_saturation(img, saturation_factor)
    return F_pil.adjust_saturation(img, saturation_factor)


def adjust_hue(img, hue_factor: float):
    if isinstance(img, tjit.Tensor):
        return F_t.adjust_hue(img, hue_factor)
    return F_pil.adjust_hue(img, hue_factor)


def rgb_to_grayscale(img, num_output_channels: int = 1):
    if isinstance(img, tjit.Tensor):
        return F_t.rgb_to_grayscale(img, num_output_channels)
    return F_pil.to_grayscale(img, num_output_channels)


def to_grayscale(img, num_output_channels: int = 1):
    if is_pil_image(img):
        return F_pil.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")
