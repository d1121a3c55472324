"""LSUN scene categories, read from their lmdb databases (needs the `lmdb` package)."""
from __future__ import annotations

import io
import os
import pickle
import string
from collections.abc import Iterable

from .._pil import image_module
from ._common import transform_sample
from .utils import iterable_to_str, verify_str_arg
from .vision import VisionDataset


def _open_lmdb(path: str):
    try:
        import lmdb
    except ImportError as e:
        raise ImportError("LSUN reads lmdb databases and needs the lmdb package: pip install lmdb") from e
    return lmdb.open(path, max_readers=1, readonly=True, lock=False, readahead=False, meminit=False)


class LSUNClass(VisionDataset):
    """One category's database: samples are (RGB PIL image, None)."""

    def __init__(self, root, transform=None, target_transform=None):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.env = _open_lmdb(root)
        with self.env.begin(write=False) as txn:
            self.length = txn.stat()["entries"]
        cache_file = "_cache_" + "".join(c for c in root if c in string.ascii_letters)
        if os.path.isfile(cache_file):
            with open(cache_file, "rb") as f:
                self.keys = pickle.load(f)
        else:
            with self.env.begin(write=False) as txn:
                self.keys = list(txn.cursor().iternext(keys=True, values=False))
            with open(cache_file, "wb") as f:
                pickle.dump(self.keys, f)

    def __getitem__(self, index):
        with self.env.begin(write=False) as txn:
            imgbuf = txn.get(self.keys[index])
        img = image_module().open(io.BytesIO(imgbuf)).convert("RGB")
        target = None
        return transform_sample(self, img, target)

    def __len__(self):
        return self.length


_CATEGORIES = ["bedroom", "bridge", "church_outdoor", "classroom", "conference_room", "dining_room", "kitchen",
               "living_room", "restaurant", "tower"]
_SPLITS = ["train", "val", "test"]


class LSUN(VisionDataset):
    """root/<category>_<split>_lmdb for each class; `classes` is a split name ('train',
    'val', 'test') or a list like ['bedroom_train', 'church_outdoor_train'].  Samples are
    (image, class index).  The manual's db_path= is accepted for root=."""

    def __init__(self, root=None, classes="train", transform=None, target_transform=None, *, db_path=None):
        root = db_path if root is None else root
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.classes = self._verify_classes(classes)
        self.dbs = [LSUNClass(root=os.path.join(self.root, f"{c}_lmdb"), transform=transform) for c in self.classes]
        self.indices, count = [], 0
        for db in self.dbs:
            count += len(db)
            self.indices.append(count)
        self.length = count

    @staticmethod
    def _verify_classes(classes) -> list:
        if isinstance(classes, str):
            verify_str_arg(classes, "classes", _SPLITS)
            return [classes] if classes == "test" else [f"{c}_{classes}" for c in _CATEGORIES]
        if not isinstance(classes, Iterable):
            raise ValueError(f"Expected type str or Iterable for argument classes, but got type {type(classes)}.")
        classes = list(classes)
        for c in classes:
            verify_str_arg(c, custom_msg=f"Expected type str for elements in argument classes, but got type {type(c)}.")
            category, _, split = c.rpartition("_")
            fmt = "Unknown value '{}' for {}. Valid values are {{{}}}."
            verify_str_arg(category, valid_values=_CATEGORIES,
                           custom_msg=fmt.format(category, "LSUN class", iterable_to_str(_CATEGORIES)))
            verify_str_arg(split, valid_values=_SPLITS,
                           custom_msg=fmt.format(split, "postfix", iterable_to_str(_SPLITS)))
        return classes

    def _check_integrity(self) -> bool:
        """LSUN publishes no checksums: each class database folder must exist."""
        return all(os.path.isdir(os.path.join(self.root, f"{c}_lmdb")) for c in self.classes)

    def __getitem__(self, index):
        target, sub = 0, 0
        for ind in self.indices:
            if index < ind:
                break
            target += 1
            sub = ind
        img, _ = self.dbs[target][index - sub]
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return self.length

    def extra_repr(self) -> str:
        return f"Classes: {self.classes}"
