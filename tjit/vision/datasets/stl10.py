"""STL10, read from the binary files of stl10_binary (96 x 96 colour images stored
column-major, labels 1..10)."""
from __future__ import annotations

import os

import numpy as np

from .._pil import image_module
from ._common import ArchiveDownload, files_intact, transform_sample
from .utils import verify_str_arg
from .vision import VisionDataset


class STL10(ArchiveDownload, VisionDataset):
    """Splits train, train+unlabeled, unlabeled (label -1) and test; `folds` picks one of the
    ten predefined training folds.  `data` is N x 3 x 96 x 96 uint8, `labels` N ints."""

    base_folder = "stl10_binary"
    url = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"
    filename = "stl10_binary.tar.gz"
    tgz_md5 = "91f7769df0f17e558f3565bffb0c7dfb"
    class_names_file = "class_names.txt"
    folds_list_file = "fold_indices.txt"
    train_list = [
        ["train_X.bin", "918c2871b30a85fa023e0c44e0bee87f"],
        ["train_y.bin", "5a34089d4802c674881badbb80307741"],
        ["unlabeled_X.bin", "5242ba1fed5e4be9e1e742405eb56ca4"],
    ]
    test_list = [["test_X.bin", "7f263ba9f9e0b06b93213547f721ac82"], ["test_y.bin", "36f9794fa4beb8a2c72628de14fa638e"]]
    splits = ("train", "train+unlabeled", "unlabeled", "test")

    def __init__(self, root, split: str = "train", folds=None, transform=None, target_transform=None,
                 download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", self.splits)
        self.folds = self._verify_folds(folds)
        if download:
            self.download()
        elif not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        if self.split in ("train", "train+unlabeled"):
            self.data, self.labels = self._loadfile(self.train_list[0][0], self.train_list[1][0])
            self._load_folds(folds)
            if self.split == "train+unlabeled":
                unlabeled, _ = self._loadfile(self.train_list[2][0])
                self.data = np.concatenate((self.data, unlabeled))
                self.labels = np.concatenate((self.labels, np.asarray([-1] * unlabeled.shape[0])))
        elif self.split == "unlabeled":
            self.data, _ = self._loadfile(self.train_list[2][0])
            self.labels = np.asarray([-1] * self.data.shape[0])
        else:
            self.data, self.labels = self._loadfile(self.test_list[0][0], self.test_list[1][0])
        class_file = os.path.join(self.root, self.base_folder, self.class_names_file)
        if os.path.isfile(class_file):
            with open(class_file) as f:
                self.classes = f.read().splitlines()

    @staticmethod
    def _verify_folds(folds):
        if folds is None:
            return folds
        if isinstance(folds, int):
            if folds in range(10):
                return folds
            raise ValueError(f"Value for argument folds should be in the range [0, 10), but got {folds}.")
        raise ValueError(f"Expected type None or int for argument folds, but got type {type(folds)}.")

    def _loadfile(self, data_file: str, labels_file=None):
        labels = None
        if labels_file:
            labels = np.fromfile(os.path.join(self.root, self.base_folder, labels_file), dtype=np.uint8) - 1
        everything = np.fromfile(os.path.join(self.root, self.base_folder, data_file), dtype=np.uint8)
        images = np.transpose(np.reshape(everything, (-1, 3, 96, 96)), (0, 1, 3, 2))  # stored column-major
        return images, labels

    def _load_folds(self, folds) -> None:
        if folds is None:
            return
        with open(os.path.join(self.root, self.base_folder, self.folds_list_file)) as f:
            idx = np.array(f.read().splitlines()[folds].split(), dtype=np.int64)
        self.data = self.data[idx]
        if self.labels is not None:
            self.labels = self.labels[idx]

    def _check_integrity(self) -> bool:
        return files_intact(os.path.join(self.root, self.base_folder), self.train_list + self.test_list)

    def __getitem__(self, index):
        target = int(self.labels[index]) if self.labels is not None else None
        img = image_module().fromarray(np.transpose(self.data[index], (1, 2, 0)))
        return transform_sample(self, img, target)

    def __len__(self):
        return self.data.shape[0]

    def extra_repr(self) -> str:
        return f"Split: {self.split}"
