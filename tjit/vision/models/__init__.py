"""tjit.vision.models (torchvision.models): classification networks with torchvision's module
structure and state_dict keys; weights= / pretrained= load published checkpoints."""
from ._api import Weights, WeightsEnum  # noqa: F401
from .alexnet import AlexNet, AlexNet_Weights, alexnet  # noqa: F401
from .resnet import (BasicBlock, Bottleneck, ResNet, ResNet18_Weights, ResNet34_Weights, ResNet50_Weights,  # noqa: F401
                     ResNet101_Weights, ResNet152_Weights, ResNeXt50_32X4D_Weights, ResNeXt101_32X8D_Weights,
                     Wide_ResNet50_2_Weights, Wide_ResNet101_2_Weights, resnet18, resnet34, resnet50, resnet101,
                     resnet152, resnext50_32x4d, resnext101_32x8d, wide_resnet50_2, wide_resnet101_2)
from .vgg import (VGG, VGG11_BN_Weights, VGG11_Weights, VGG13_BN_Weights, VGG13_Weights, VGG16_BN_Weights,  # noqa: F401
                  VGG16_Weights, VGG19_BN_Weights, VGG19_Weights, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn,
                  vgg19, vgg19_bn)
