"""torchvision.utils: make_grid and save_image."""
from __future__ import annotations

import math
import os
import struct
import warnings
import zlib

import tjit
import tjit.nn.functional as F

from ._pil import image_module


def _as_batch(tensor):
    """A tensor or list of tensors as an N x C x H x W batch, one-channel images made RGB."""
    if not isinstance(tensor, tjit.Tensor):
        if not isinstance(tensor, list):
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
        for t in tensor:
            if not isinstance(t, tjit.Tensor):
                raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        tensor = tjit.stack(tensor, dim=0)
    if tensor.dim() == 2:  # a single H x W image
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:  # a single C x H x W image
        if tensor.size(0) == 1:
            tensor = tjit.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = tjit.cat((tensor, tensor, tensor), 1)
    return tensor


def _normalize(tensor, value_range, scale_each: bool):
    """Clamp to value_range (default: the min and max of the batch, or of each image with
    scale_each) and map it onto [0, 1]."""
    if value_range is not None and not isinstance(value_range, tuple):
        raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
    if value_range is not None:
        low, high = value_range
        return (tensor.clamp(min=low, max=high) - low) / max(high - low, 1e-5)
    if scale_each:
        low = tensor.amin(dim=(1, 2, 3), keepdim=True)
        high = tensor.amax(dim=(1, 2, 3), keepdim=True)
        return (tensor - low) / (high - low).clamp(min=1e-5)
    low, high = float(tensor.min()), float(tensor.max())
    return (tensor - low) / max(high - low, 1e-5)


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0, **kwargs):
    """Tile a batch of images into one image, nrow per row, separated by `padding` pixels of
    pad_value; the manual's range= is accepted for value_range=."""
    if "range" in kwargs:
        warnings.warn("The parameter 'range' is deprecated since 0.12 and will be removed in 0.14. Please use "
                      "'value_range' instead.", stacklevel=2)
        value_range = kwargs.pop("range")
    if kwargs:
        raise TypeError(f"make_grid() got an unexpected keyword argument '{next(iter(kwargs))}'")
    with tjit.no_grad():
        tensor = _as_batch(tensor)
        if normalize is True:
            tensor = _normalize(tensor, value_range, scale_each)
        if tensor.size(0) == 1:
            return tensor.squeeze(0)
        nmaps, channels, h, w = tensor.shape
        xmaps = min(nrow, nmaps)
        ymaps = int(math.ceil(float(nmaps) / xmaps))
        cells = ymaps * xmaps
        if cells > nmaps:  # blank cells after the last image
            tensor = tjit.cat([tensor, tensor.new_full((cells - nmaps, channels, h, w), pad_value)])
        cell = F.pad(tensor, [padding, 0, padding, 0], value=pad_value)  # each image with its top/left border
        grid = cell.reshape(ymaps, xmaps, channels, h + padding, w + padding).permute(2, 0, 3, 1, 4)
        grid = grid.reshape(channels, ymaps * (h + padding), xmaps * (w + padding))
        return F.pad(grid, [0, padding, 0, padding], value=pad_value)


def _png_bytes(arr) -> bytes:
    """An H x W x C uint8 array as a PNG file (8-bit gray, gray+alpha, RGB or RGBA)."""
    h, w, c = arr.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + arr[y].tobytes() for y in range(h))  # filter type 0 on every row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _is_png(fp, format) -> bool:
    if format is not None:
        return format.upper() == "PNG"
    name = fp if isinstance(fp, (str, os.PathLike)) else getattr(fp, "name", "")
    return str(name).lower().endswith(".png")


def save_image(tensor, fp=None, format=None, **kwargs):
    """make_grid(tensor, **kwargs) written as an 8-bit image file (any format Pillow knows;
    PNG also without Pillow).  The manual's filename= is accepted for fp=."""
    if fp is None:
        fp = kwargs.pop("filename")
    grid = make_grid(tensor, **kwargs)
    with tjit.no_grad():
        # + 0.5 rounds to nearest after scaling to [0, 255]
        ndarr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(tjit.uint8).numpy()
    try:
        Image = image_module()
    except ImportError:
        if not _is_png(fp, format):
            raise
        data = _png_bytes(ndarr)
        if isinstance(fp, (str, os.PathLike)):
            with open(fp, "wb") as f:
                f.write(data)
        else:
            fp.write(data)
        return
    Image.fromarray(ndarr).save(fp, format=format)
