"""CIFAR10 and CIFAR100, read from the python-pickle batches of cifar-10-batches-py /
cifar-100-python.  The pickles are read by an unpickler that only rebuilds numpy arrays and
builtin containers, so a tampered file cannot run code."""
from __future__ import annotations

import os
import pickle

import numpy as np

from .._pil import image_module
from ._common import ArchiveDownload, TrainTestSplit, files_intact, transform_sample
from .vision import VisionDataset

# what the batch pickles (numpy arrays in dicts, written by Python 2's cPickle or by Python 3) may reference
_ALLOWED_GLOBALS = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
                    ("numpy", "ndarray"), ("numpy", "dtype"), ("copy_reg", "_reconstructor"),
                    ("copyreg", "_reconstructor"), ("__builtin__", "object"), ("builtins", "object"),
                    ("_codecs", "encode")}  # protocol-2 pickles written by Python 3 spell bytes this way


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"CIFAR batch files may not reference {module}.{name}")
        return super().find_class(module, name)


def load_batch(path: str) -> dict:
    with open(path, "rb") as f:
        return _ArrayUnpickler(f, encoding="latin1").load()


class CIFAR10(TrainTestSplit, ArchiveDownload, VisionDataset):
    """`data` is N x 32 x 32 x 3 uint8 (HWC), `targets` a list of ints; a sample is
    (PIL image, int label)."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        data, self.targets = [], []
        for file_name, _ in self.train_list if self.train else self.test_list:
            entry = load_batch(os.path.join(self.root, self.base_folder, file_name))
            data.append(entry["data"])
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))  # HWC
        self._load_meta()

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not os.path.isfile(path):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        self.classes = load_batch(path)[self.meta["key"]]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _check_integrity(self) -> bool:
        """Every batch file and the metadata file have their published md5."""
        files = self.train_list + self.test_list + [[self.meta["filename"], self.meta["md5"]]]
        return files_intact(os.path.join(self.root, self.base_folder), files)

    def __getitem__(self, index):
        img, target = image_module().fromarray(self.data[index]), self.targets[index]
        return transform_sample(self, img, target)


class CIFAR100(CIFAR10):
    """The 100-class version: fine labels."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
