"""Transforms on tensor images (..., C, H, W), computed by tjit kernels with
torchvision.transforms._functional_tensor's semantics (dtypes, rounding, clamping)."""
from __future__ import annotations

import tjit
import tjit.nn.functional as F

_INT_MAX = {"uint8": 255, "int8": 127, "int16": 32767, "int32": 2 ** 31 - 1, "int64": 2 ** 63 - 1}


def _assert_image_tensor(img) -> None:
    if not img.ndim >= 2:
        raise TypeError("Tensor is not a torch image.")


def _assert_channels(img, permitted) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def _max_value(dtype) -> float:
    """The value of full intensity: 1.0 for floats, the type's maximum for integers."""
    return 1.0 if dtype.is_floating_point else _INT_MAX[dtype.name]


def get_dimensions(img) -> list:
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]


def convert_image_dtype(image, dtype=tjit.float32):
    """Rescale between integer ranges and [0, 1] floats (float -> int maps [0, 1] onto
    0..max with max + 1 - eps, so only exactly 1.0 reaches max)."""
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == tjit.float32 and dtype in (tjit.int32, tjit.int64)) or (
                image.dtype == tjit.float64 and dtype == tjit.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        return image.mul(float(_max_value(dtype)) + 1.0 - 1e-3).to(dtype)
    input_max = float(_max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return tjit.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def normalize(tensor, mean, std, inplace=False):
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    if not inplace:
        tensor = tensor.clone()
    mean = tjit.as_tensor(mean, dtype=tensor.dtype)
    std = tjit.as_tensor(std, dtype=tensor.dtype)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def hflip(img):
    _assert_image_tensor(img)
    return img.flip(-1)


def vflip(img):
    _assert_image_tensor(img)
    return img.flip(-2)


def crop(img, top: int, left: int, height: int, width: int):
    """img[..., top:top+height, left:left+width]; regions outside the image are zeros."""
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0), max(right - w, 0),
                        max(bottom - h, 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


# -- padding -----------------------------------------------------------------------------------
def _parse_pad_padding(padding) -> list:
    """int / [all] / [left-right, top-bottom] / [left, top, right, bottom] -> [l, r, t, b]."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def _pad_symmetric(img, padding):
    """Mirror padding that repeats the edge pixel (numpy's 'symmetric'), by gathering rows
    and columns; negative widths crop."""
    if min(padding) < 0:
        cl, cr, ct, cb = (-min(x, 0) for x in padding)
        img = img[..., ct:img.shape[-2] - cb, cl:img.shape[-1] - cr]
        padding = [max(x, 0) for x in padding]
    h, w = img.shape[-2], img.shape[-1]
    x_idx = tjit.tensor(list(range(padding[0] - 1, -1, -1)) + list(range(w)) + [-(i + 1) for i in range(padding[1])])
    y_idx = tjit.tensor(list(range(padding[2] - 1, -1, -1)) + list(range(h)) + [-(i + 1) for i in range(padding[3])])
    if img.ndim == 3:
        return img[:, y_idx[:, None], x_idx[None, :]]
    if img.ndim == 4:
        return img[:, :, y_idx[:, None], x_idx[None, :]]
    raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")


def pad(img, padding, fill=0, padding_mode="constant"):
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_pad_padding(padding)
    if padding_mode == "symmetric":
        return _pad_symmetric(img, p)
    mode = "replicate" if padding_mode == "edge" else padding_mode
    squeeze = img.ndim < 4
    x = img.unsqueeze(0) if squeeze else img
    out_dtype = x.dtype
    cast = mode != "constant" and out_dtype not in (tjit.float32, tjit.float64)
    if cast:
        x = x.to(tjit.float32)
    x = F.pad(x, p, mode=mode) if mode != "constant" else F.pad(x, p, mode=mode, value=float(fill))
    if squeeze:
        x = x.squeeze(0)
    return x.to(out_dtype) if cast else x


# -- resizing ----------------------------------------------------------------------------------
def resize(img, size, interpolation="bilinear", antialias=True):
    """F.interpolate in float (antialiased for bilinear/bicubic unless antialias is False);
    integer images are cast to float32 and rounded back, bicubic uint8 clamped first, as
    torchvision does."""
    _assert_image_tensor(img)
    size = list(size)
    antialias = bool(antialias) and interpolation in ("bilinear", "bicubic")
    squeeze = img.ndim < 4
    x = img.unsqueeze(0) if squeeze else img
    out_dtype = x.dtype
    cast = out_dtype not in (tjit.float32, tjit.float64)
    if cast:
        x = x.to(tjit.float32)
    align_corners = False if interpolation in ("bilinear", "bicubic") else None
    x = F.interpolate(x, size=size, mode=interpolation, align_corners=align_corners, antialias=antialias)
    if interpolation == "bicubic" and out_dtype == tjit.uint8:
        x = x.clamp(min=0, max=255)
    if squeeze:
        x = x.squeeze(0)
    if cast:
        if not out_dtype.is_floating_point:
            x = tjit.round(x)
        x = x.to(out_dtype)
    return x


# -- colour ------------------------------------------------------------------------------------
def rgb_to_grayscale(img, num_output_channels: int = 1):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        l_img = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        l_img = img.clone()
    if num_output_channels == 3:
        return l_img.expand(img.shape)
    return l_img


def _blend(img1, img2, ratio: float):
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img, brightness_factor: float):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, tjit.zeros_like(img), brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    dtype = img.dtype if img.is_floating_point() else tjit.float32
    gray = rgb_to_grayscale(img) if get_dimensions(img)[0] == 3 else img
    mean = tjit.mean(gray.to(dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # matches PIL, which leaves grayscale images alone
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb2hsv(img):
    """Pillow's RGB -> HSV, written so no NaN appears where max == min."""
    r, g, b = img.unbind(dim=-3)
    maxc = tjit.max(img, dim=-3).values
    minc = tjit.min(img, dim=-3).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = tjit.ones_like(maxc)
    s = cr / tjit.where(eqc, ones, maxc)
    cr_divisor = tjit.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_divisor, (maxc - g) / cr_divisor, (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = tjit.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return tjit.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img):
    h, s, v = img.unbind(dim=-3)
    i = tjit.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.to(tjit.int32)
    p = tjit.clamp(v * (1.0 - s), 0.0, 1.0)
    q = tjit.clamp(v * (1.0 - s * f), 0.0, 1.0)
    t = tjit.clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    i = i % 6
    mask = i.unsqueeze(dim=-3) == tjit.arange(6).view(-1, 1, 1)
    a1 = tjit.stack((v, q, p, p, t, v), dim=-3)
    a2 = tjit.stack((t, v, v, q, p, p), dim=-3)
    a3 = tjit.stack((p, p, t, v, v, q), dim=-3)
    a4 = tjit.stack((a1, a2, a3), dim=-4)
    return tjit.einsum("...ijk, ...xijk -> ...xjk", mask.to(img.dtype), a4)


def adjust_hue(img, hue_factor: float):
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, tjit.Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # matches PIL
        return img
    orig_dtype = img.dtype
    hsv = _rgb2hsv(convert_image_dtype(img, tjit.float32))
    h, s, v = hsv.unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    return convert_image_dtype(_hsv2rgb(tjit.stack((h, s, v), dim=-3)), orig_dtype)

