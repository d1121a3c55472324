"""VGG 11/13/16/19, with and without batch norm (torchvision.models.vgg)."""
from __future__ import annotations

import tjit
from tjit import nn

from ._api import WeightsEnum, imagenet_weights, load_weights, resolve_weights

_URL = "https://download.pytorch.org/models/"

# channel counts per conv layer; "M" is a 2x2 max pool
cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class VGG(nn.Module):
    def __init__(self, features, num_classes: int = 1000, init_weights: bool = True, dropout: float = 0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(tjit.flatten(x, 1))


def make_layers(cfg, batch_norm: bool = False) -> nn.Sequential:
    layers, in_channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        conv = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
        layers += [conv, nn.BatchNorm2d(v), nn.ReLU(inplace=True)] if batch_norm else [conv, nn.ReLU(inplace=True)]
        in_channels = v
    return nn.Sequential(*layers)


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "vgg11-8a719046.pth", 132863336)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "vgg11_bn-6002323d.pth", 132868840)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "vgg13-19584684.pth", 133047848)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "vgg13_bn-abd245e5.pth", 133053736)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "vgg16-397923af.pth", 138357544)
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "vgg16_bn-6c64b313.pth", 138365992)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "vgg19-dcbb9e9d.pth", 143667240)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "vgg19_bn-c79401a0.pth", 143678248)
    DEFAULT = IMAGENET1K_V1


def _vgg(cfg: str, batch_norm: bool, weights_enum, weights, pretrained, progress: bool, kwargs) -> VGG:
    weights = resolve_weights(weights, pretrained, weights_enum, kwargs)
    if weights is not None:
        kwargs["init_weights"] = False  # the checkpoint overwrites every parameter
    return load_weights(VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs), weights, progress)


def vgg11(pretrained=None, progress: bool = True, *, weights=None, **kwargs) -> VGG:
    return _vgg("A", False, VGG11_Weights, weights, pretrained, progress, kwargs)


def vgg11_bn(pretrained=None, progress: bool = True, *, weights=None, **kwargs) -> VGG:
    return _vgg("A", True, VGG11_BN_Weights, weights, pretrained, progress, kwargs)


def vgg13(pretrained=None, progress: bool = True, *, weights=None, **kwargs) -> VGG:
    return _vgg("B", False, VGG13_Weights, weights, pretrained, progress, kwargs)


def vgg13_bn(pretrained=None, progress: bool = True, *, weights=None, **kwargs) -> VGG:
    return _vgg("B", True, VGG13_BN_Weights, weights, pretrained, progress, kwargs)


def vgg16(pretrained=None, progress: bool = True, *, weights=None, **kwargs) -> VGG:
    return _vgg("D", False, VGG16_Weights, weights, pretrained, progress, kwargs)


def vgg16_bn(pretrained=None, progress: bool = True, *, weights=None, **kwargs) -> VGG:
    return _vgg("D", True, VGG16_BN_Weights, weights, pretrained, progress, kwargs)


def vgg19(pretrained=None, progress: bool = True, *, weights=None, **kwargs) -> VGG:
    return _vgg("E", False, VGG19_Weights, weights, pretrained, progress, kwargs)


def vgg19_bn(pretrained=None, progress: bool = True, *, weights=None, **kwargs) -> VGG:
    return _vgg("E", True, VGG19_BN_Weights, weights, pretrained, progress, kwargs)
