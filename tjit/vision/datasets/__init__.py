"""tjit.vision.datasets (torchvision.datasets): readers of the standard on-disk formats."""
from .cifar import CIFAR10, CIFAR100  # noqa: F401
from .coco import CocoCaptions, CocoDetection  # noqa: F401
from .folder import DatasetFolder, ImageFolder  # noqa: F401
from .lsun import LSUN, LSUNClass  # noqa: F401
from .mnist import MNIST, FashionMNIST  # noqa: F401
from .stl10 import STL10  # noqa: F401
from .vision import VisionDataset  # noqa: F401
