"""MNIST and FashionMNIST, read from the IDX files ("SN3 Pascal Vincent" format) under
root/<ClassName>/raw."""
from __future__ import annotations

import os
import urllib.error

import numpy as np

import tjit

from .._pil import image_module
from .utils import check_integrity, download_and_extract_archive
from ._common import TrainTestSplit, transform_sample
from .vision import VisionDataset

# IDX type codes -> big-endian numpy types
_IDX_TYPES = {8: np.dtype(">u1"), 9: np.dtype(">i1"), 11: np.dtype(">i2"), 12: np.dtype(">i4"), 13: np.dtype(">f4"),
              14: np.dtype(">f8")}


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True):
    """An IDX file as a tensor: magic (0, 0, type, ndim), ndim big-endian int32 sizes, data."""
    with open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    nd, ty = magic % 256, magic // 256
    assert 1 <= nd <= 3
    assert 8 <= ty <= 14
    dims = [int.from_bytes(data[4 * (i + 1):4 * (i + 2)], "big") for i in range(nd)]
    parsed = np.frombuffer(data, dtype=_IDX_TYPES[ty], offset=4 * (nd + 1))
    assert parsed.shape[0] == np.prod(dims) or not strict
    arr = parsed.astype(_IDX_TYPES[ty].newbyteorder("="))
    return tjit.from_numpy(arr.reshape(dims))


def read_label_file(path: str):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != tjit.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"x should have 1 dimension instead of {x.ndim}")
    return x.long()


def read_image_file(path: str):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != tjit.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"x should have 3 dimension instead of {x.ndim}")
    return x


class MNIST(TrainTestSplit, VisionDataset):
    """Handwritten digits: `data` (N x 28 x 28 uint8) and `targets` (N int64); a sample is
    (PIL image, int label), as in torchvision."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def train_labels(self):
        return self.targets

    @property
    def test_labels(self):
        return self.targets

    @property
    def train_data(self):
        return self.data

    @property
    def test_data(self):
        return self.data

    def _check_legacy_exist(self) -> bool:
        """Old torchvision saved (data, targets) as training.pt / test.pt."""
        return all(check_integrity(os.path.join(self.processed_folder, f)) for f in (self.training_file,
                                                                                    self.test_file))

    def _load_legacy_data(self):
        return tjit.load(os.path.join(self.processed_folder, self.training_file if self.train else self.test_file))

    def _load_data(self):
        split = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{split}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{split}-labels-idx1-ubyte"))
        return data, targets

    def _check_integrity(self) -> bool:
        """The decompressed IDX files are present (torchvision's _check_exists: their
        checksums are those of the .gz archives, verified when downloading)."""
        return all(check_integrity(os.path.join(self.raw_folder, os.path.splitext(name)[0]))
                   for name, _ in self.resources)

    def _check_exists(self) -> bool:
        return self._check_integrity()

    def download(self) -> None:
        """Fetch each archive from the first mirror that answers, checking its md5."""
        if self._check_integrity():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                try:
                    download_and_extract_archive(f"{mirror}{filename}", download_root=self.raw_folder,
                                                 filename=filename, md5=md5)
                except (urllib.error.URLError, RuntimeError) as e:
                    errors.append(e)
                    continue
                break
            else:
                msg = f"Error downloading {filename}:\n"
                for mirror, err in zip(self.mirrors, errors):
                    msg += f"Tried {mirror}, got:\n{err}\n"
                raise RuntimeError(msg)

    def __getitem__(self, index):
        # numpy() reads a view of stored data in place; item() would run a kernel per index
        img, target = self.data[index].numpy(), int(self.targets[index].numpy())
        img = image_module().fromarray(img, mode="L")
        return transform_sample(self, img, target)


class FashionMNIST(MNIST):
    """Zalando's article images in MNIST's format."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
