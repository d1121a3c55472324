"""The preprocessing that published classification checkpoints expect (torchvision's
transforms._presets.ImageClassification)."""
from __future__ import annotations

import tjit
from tjit import nn

from . import functional as F
from .functional import InterpolationMode


class ImageClassification(nn.Module):
    """Resize the short side, centre-crop, convert to float in [0, 1], normalise."""

    def __init__(self, *, crop_size: int, resize_size: int = 256, mean=(0.485, 0.456, 0.406),
                 std=(0.229, 0.224, 0.225), interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.crop_size, self.resize_size = [crop_size], [resize_size]
        self.mean, self.std = list(mean), list(std)
        self.interpolation, self.antialias = interpolation, antialias

    def forward(self, img):
        img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, tjit.Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, tjit.float32)
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self):
        return (f"{self.__class__.__name__}(\n    crop_size={self.crop_size}\n    resize_size={self.resize_size}\n"
                f"    mean={self.mean}\n    std={self.std}\n    interpolation={self.interpolation}\n)")
