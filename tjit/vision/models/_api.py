"""Pretrained weights: the modern `weights=` enums and the manual's `pretrained=True`.

Weights load from a local file (weights="path/to/file.pth") or from the hub cache, which a
download fills (its sha256 prefix checked).  When they are asked for and cannot be had, the
model is never returned with random values: the error names the URL and the cache path to
place the file at.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from enum import Enum
from functools import partial

from ...hub import load_state_dict_from_url


@dataclass
class Weights:
    url: str
    transforms: object
    meta: dict = field(default_factory=dict)


class WeightsEnum(Enum):
    """One entry per published checkpoint; DEFAULT names the recommended one."""

    @classmethod
    def verify(cls, obj):
        if obj is not None:
            if isinstance(obj, str):
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                                f"{obj.__class__.__name__}.")
        return obj

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self) -> dict:
        return self.value.meta

    def get_state_dict(self, progress: bool = True, check_hash: bool = True, **kwargs):
        return load_state_dict_from_url(self.url, progress=progress, check_hash=check_hash, **kwargs)

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"


def imagenet_weights(url: str, num_params: int, resize_size: int = 256) -> Weights:
    from ..transforms._presets import ImageClassification
    return Weights(url=url, transforms=partial(ImageClassification, crop_size=224, resize_size=resize_size),
                   meta={"num_params": num_params, "num_classes": 1000, "dataset": "ImageNet-1K"})


def resolve_weights(weights, pretrained, weights_enum, kwargs: dict):
    """The weights to load (an enum member, a local path, or None), from weights= or the
    deprecated pretrained=; a pretrained checkpoint fixes num_classes."""
    if pretrained is not None:
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, please "
                      "use 'weights' instead.", stacklevel=3)
        if weights is None and pretrained:
            warnings.warn("Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and "
                          "may be removed in the future. The current behavior is equivalent to passing "
                          f"`weights={weights_enum.__name__}.IMAGENET1K_V1`. You can also use "
                          f"`weights={weights_enum.__name__}.DEFAULT` to get the most up-to-date weights.",
                          stacklevel=3)
            weights = weights_enum.IMAGENET1K_V1
    if isinstance(weights, (str, os.PathLike)) and (os.sep in str(weights) or os.path.isfile(weights)):
        return os.fspath(weights)
    weights = weights_enum.verify(weights)
    if weights is not None:
        expected = weights.meta["num_classes"]
        if kwargs.setdefault("num_classes", expected) != expected:
            raise ValueError(f"The parameter 'num_classes' expected value {expected} but got "
                             f"{kwargs['num_classes']} instead.")
    return weights


def load_weights(model, weights, progress: bool):
    """Load `weights` (enum member or local file path) into `model`, strictly: a missing or
    unexpected key is an error, never a silently random parameter."""
    if weights is None:
        return model
    if isinstance(weights, str):
        if not os.path.isfile(weights):
            raise FileNotFoundError(f"weights file not found: {weights}")
        state_dict = load_state_dict_from_url(weights)
    else:
        state_dict = weights.get_state_dict(progress=progress, check_hash=True)
    model.load_state_dict(state_dict)
    return model

