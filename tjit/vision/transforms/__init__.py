"""tjit.vision.transforms (torchvision.transforms)."""
from . import functional  # noqa: F401
from .functional import InterpolationMode  # noqa: F401
from .transforms import (CenterCrop, ColorJitter, Compose, ConvertImageDtype, Grayscale, Lambda,  # noqa: F401
                         Normalize, Pad, PILToTensor, RandomCrop, RandomGrayscale, RandomHorizontalFlip,
                         RandomResizedCrop, RandomSizedCrop, RandomVerticalFlip, Resize, ToPILImage, ToTensor)
