"""Reference results for tjit.vision's tensor paths, written in torch.

torchvision cannot be installed next to this torch, so this module restates, in torch, what
torchvision's code does (transforms/_functional_tensor.py, transforms/functional.py and
utils.make_grid of torchvision 0.2x): the same torch calls in the same order.  Tests compare
tjit against these functions and against a few values computed by hand."""
import math

import torch
import torch.nn.functional as F


def max_value(dtype):
    return 1.0 if dtype.is_floating_point else torch.iinfo(dtype).max


def blend(img1, img2, ratio):
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, max_value(img1.dtype)).to(img1.dtype)


def rgb_to_grayscale(img, num_output_channels=1):
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        l_img = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        l_img = img.clone()
    return l_img.expand(img.shape) if num_output_channels == 3 else l_img


def adjust_brightness(img, f):
    return blend(img, torch.zeros_like(img), f)


def adjust_contrast(img, f):
    dtype = img.dtype if torch.is_floating_point(img) else torch.float32
    gray = rgb_to_grayscale(img) if img.shape[-3] == 3 else img
    return blend(img, torch.mean(gray.to(dtype), dim=(-3, -2, -1), keepdim=True), f)


def adjust_saturation(img, f):
    return img if img.shape[-3] == 1 else blend(img, rgb_to_grayscale(img), f)


def convert_image_dtype(image, dtype):
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        return image.mul(float(max_value(dtype)) + 1.0 - 1e-3).to(dtype)
    input_max = float(max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(max_value(dtype))
    if input_max > output_max:
        return torch.div(image, int((input_max + 1) // (output_max + 1)), rounding_mode="floor").to(dtype)
    return image.to(dtype) * int((output_max + 1) // (input_max + 1))


def _rgb2hsv(img):
    r, g, b = img.unbind(dim=-3)
    maxc = torch.max(img, dim=-3).values
    minc = torch.min(img, dim=-3).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = torch.ones_like(maxc)
    s = cr / torch.where(eqc, ones, maxc)
    cr_divisor = torch.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_divisor, (maxc - g) / cr_divisor, (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = torch.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return torch.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img):
    h, s, v = img.unbind(dim=-3)
    i = torch.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(dtype=torch.int32)
    p = torch.clamp((v * (1.0 - s)), 0.0, 1.0)
    q = torch.clamp((v * (1.0 - s * f)), 0.0, 1.0)
    t = torch.clamp((v * (1.0 - s * (1.0 - f))), 0.0, 1.0)
    i = i % 6
    mask = i.unsqueeze(dim=-3) == torch.arange(6).view(-1, 1, 1)
    a1 = torch.stack((v, q, p, p, t, v), dim=-3)
    a2 = torch.stack((t, v, v, q, p, p), dim=-3)
    a3 = torch.stack((p, p, t, v, v, q), dim=-3)
    a4 = torch.stack((a1, a2, a3), dim=-4)
    return torch.einsum("...ijk, ...xijk -> ...xjk", mask.to(dtype=img.dtype), a4)


def adjust_hue(img, hue_factor):
    if img.shape[-3] == 1:
        return img
    orig_dtype = img.dtype
    h, s, v = _rgb2hsv(convert_image_dtype(img, torch.float32)).unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    return convert_image_dtype(_hsv2rgb(torch.stack((h, s, v), dim=-3)), orig_dtype)


def _pad_symmetric(img, padding):
    if min(padding) < 0:
        cl, cr, ct, cb = [-min(x, 0) for x in padding]
        img = img[..., ct:img.shape[-2] - cb, cl:img.shape[-1] - cr]
        padding = [max(x, 0) for x in padding]
    h, w = img.shape[-2:]
    x = torch.tensor(list(range(padding[0] - 1, -1, -1)) + list(range(w)) + [-(i + 1) for i in range(padding[1])])
    y = torch.tensor(list(range(padding[2] - 1, -1, -1)) + list(range(h)) + [-(i + 1) for i in range(padding[3])])
    return img[..., y[:, None], x[None, :]]


def pad(img, padding, fill=0, padding_mode="constant"):
    if isinstance(padding, int):
        p = [padding] * 4
    elif len(padding) == 1:
        p = [padding[0]] * 4
    elif len(padding) == 2:
        p = [padding[0], padding[0], padding[1], padding[1]]
    else:
        p = [padding[0], padding[2], padding[1], padding[3]]
    if padding_mode == "symmetric":
        return _pad_symmetric(img, p)
    mode = "replicate" if padding_mode == "edge" else padding_mode
    squeeze = img.ndim < 4
    x = img.unsqueeze(0) if squeeze else img
    cast = mode != "constant" and x.dtype not in (torch.float32, torch.float64)
    out_dtype = x.dtype
    if cast:
        x = x.to(torch.float32)
    x = F.pad(x, p, mode=mode) if mode != "constant" else F.pad(x, p, mode=mode, value=float(fill))
    x = x.squeeze(0) if squeeze else x
    return x.to(out_dtype) if cast else x


def resize(img, size, interpolation="bilinear", antialias=True):
    antialias = antialias and interpolation in ("bilinear", "bicubic")
    squeeze = img.ndim < 4
    x = img.unsqueeze(0) if squeeze else img
    out_dtype = x.dtype
    cast = out_dtype not in (torch.float32, torch.float64)
    if cast:
        x = x.to(torch.float32)
    align_corners = False if interpolation in ("bilinear", "bicubic") else None
    x = F.interpolate(x, size=size, mode=interpolation, align_corners=align_corners, antialias=antialias)
    if interpolation == "bicubic" and out_dtype == torch.uint8:
        x = x.clamp(min=0, max=255)
    x = x.squeeze(0) if squeeze else x
    if cast:
        if not out_dtype.is_floating_point:
            x = torch.round(x)
        x = x.to(out_dtype)
    return x


def normalize(t, mean, std):
    mean = torch.as_tensor(mean, dtype=t.dtype).view(-1, 1, 1)
    std = torch.as_tensor(std, dtype=t.dtype).view(-1, 1, 1)
    return t.clone().sub_(mean).div_(std)


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """torchvision.utils.make_grid, line by line."""
    if isinstance(tensor, list):
        tensor = torch.stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = torch.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize is True:
        tensor = tensor.clone()

        def norm_ip(img, low, high):
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def norm_range(t, value_range):
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in tensor:
                norm_range(t, value_range)
        else:
            norm_range(tensor, value_range)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    num_channels = tensor.size(1)
    grid = tensor.new_full((num_channels, height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(2, x * width + padding,
                                                                           width - padding).copy_(tensor[k])
            k = k + 1
    return grid
