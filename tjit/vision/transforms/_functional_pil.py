"""Transforms on PIL images, as torchvision.transforms._functional_pil performs them (Pillow
does the pixel work; numpy only pads in the modes Pillow lacks)."""
from __future__ import annotations

import numbers

import numpy as np

from .._pil import image_module, is_pil_image


def _check(img) -> None:
    if not is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_image_num_channels(img) -> int:
    _check(img)
    if hasattr(img, "getbands"):
        return len(img.getbands())
    return img.channels


def get_dimensions(img) -> list:
    _check(img)
    width, height = img.size
    return [get_image_num_channels(img), height, width]


def hflip(img):
    _check(img)
    return img.transpose(image_module().Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    _check(img)
    return img.transpose(image_module().Transpose.FLIP_TOP_BOTTOM)


def crop(img, top: int, left: int, height: int, width: int):
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img, size, interpolation):
    _check(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize(tuple(size[::-1]), interpolation)


def _parse_fill(fill, img, name="fillcolor") -> dict:
    """A fill value in the form Pillow wants for this image's mode and band count."""
    num_channels = get_image_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * num_channels
        elif len(fill) != num_channels:
            raise ValueError("The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, (list, tuple)) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode="constant"):
    _check(img)
    from PIL import ImageOps
    Image = image_module()
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if padding_mode == "constant":
        opts = _parse_fill(fill, img, name="fill")
        palette = img.getpalette() if img.mode == "P" else None
        out = ImageOps.expand(img, border=padding, **opts)
        if palette is not None:
            out.putpalette(palette)
        return out
    if isinstance(padding, int):
        p = [padding] * 4
    elif len(padding) == 2:
        p = [padding[0], padding[1], padding[0], padding[1]]
    else:
        p = list(padding)  # left, top, right, bottom
    cropping = -np.minimum(p, 0)
    if cropping.any():
        cl, ct, cr, cb = cropping
        img = img.crop((cl, ct, img.width - cr, img.height - cb))
    pl, pt, pr, pb = np.maximum(p, 0)
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    widths = ((pt, pb), (pl, pr)) + (((0, 0),) if arr.ndim == 3 else ())
    out = Image.fromarray(np.pad(arr, widths, mode=padding_mode))
    if palette is not None:
        out.putpalette(palette)
    return out


def _enhance(img, kind: str, factor: float):
    _check(img)
    from PIL import ImageEnhance
    return getattr(ImageEnhance, kind)(img).enhance(factor)


def adjust_brightness(img, brightness_factor: float):
    return _enhance(img, "Brightness", brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    return _enhance(img, "Contrast", contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    return _enhance(img, "Color", saturation_factor)


def adjust_hue(img, hue_factor: float):
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    Image = image_module()
    input_mode = img.mode
    if input_mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    np_h += np.uint8(int(hue_factor * 255) % 256)  # wraps around, as intended
    h = Image.fromarray(np_h, "L")
    return Image.merge("HSV", (h, s, v)).convert(input_mode)


def to_grayscale(img, num_output_channels: int):
    _check(img)
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    img = img.convert("L")
    if num_output_channels == 3:
        arr = np.array(img, dtype=np.uint8)
        img = image_module().fromarray(np.dstack([arr, arr, arr]), "RGB")
    return img
