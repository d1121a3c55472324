"""Pieces several datasets share: applying the transforms to a sample, the length and repr of a
train/test dataset, and checking / fetching a dataset's published archive."""
from __future__ import annotations

import os

from .utils import check_integrity, download_and_extract_archive


def transform_sample(dataset, img, target):
    """(img, target) after the dataset's transform and target_transform; they are read at each
    call, so reassigning them on a built dataset takes effect, as in torchvision."""
    if dataset.transform is not None:
        img = dataset.transform(img)
    if dataset.target_transform is not None:
        target = dataset.target_transform(target)
    return img, target


def files_intact(folder: str, files) -> bool:
    """Every [name, md5] of `files` is under `folder` with its published md5."""
    return all(check_integrity(os.path.join(folder, name), md5) for name, md5 in files)


class TrainTestSplit:
    """__len__ and the 'Split: Train/Test' repr line of a dataset whose `data` a `train` flag picks."""

    def __len__(self):
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class ArchiveDownload:
    """download(): fetch and unpack the class's `url` (saved as `filename`, md5 `tgz_md5`) into
    root, unless `_check_integrity()` says the files are already there."""

    def download(self) -> None:
        if self._check_integrity():
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)
