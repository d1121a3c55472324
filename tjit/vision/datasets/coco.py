"""CocoDetection and CocoCaptions: images under root, annotations in a COCO json file
(indexed here the way pycocotools indexes them, so pycocotools is not needed)."""
from __future__ import annotations

import json
import os
from collections import defaultdict

from .._pil import image_module
from .vision import VisionDataset


class _CocoIndex:
    """The part of pycocotools.coco.COCO the datasets use: imgs, anns, imgToAnns."""

    def __init__(self, annotation_file: str):
        with open(annotation_file) as f:
            dataset = json.load(f)
        if not isinstance(dataset, dict):
            raise TypeError(f"annotation file format {type(dataset)} not supported")
        self.dataset = dataset
        self.imgs = {img["id"]: img for img in dataset.get("images", [])}
        self.anns = {ann["id"]: ann for ann in dataset.get("annotations", [])}
        self.imgToAnns = defaultdict(list)
        for ann in dataset.get("annotations", []):
            self.imgToAnns[ann["image_id"]].append(ann)

    def loadImgs(self, ids):
        return [self.imgs[i] for i in (ids if isinstance(ids, list) else [ids])]

    def getAnnIds(self, imgIds):
        ids = imgIds if isinstance(imgIds, list) else [imgIds]
        return [ann["id"] for i in ids for ann in self.imgToAnns.get(i, [])]

    def loadAnns(self, ids):
        return [self.anns[i] for i in (ids if isinstance(ids, list) else [ids])]


class CocoDetection(VisionDataset):
    """Samples are (RGB PIL image, list of its annotation dicts), images in id order."""

    def __init__(self, root, annFile, transform=None, target_transform=None, transforms=None):
        super().__init__(root, transforms, transform, target_transform)
        self.coco = _CocoIndex(annFile)
        self.ids = list(sorted(self.coco.imgs.keys()))

    def _check_integrity(self) -> bool:
        """COCO has no published per-file checksums: every listed image file must exist."""
        return all(os.path.isfile(os.path.join(self.root, img["file_name"])) for img in self.coco.imgs.values())

    def _load_image(self, id: int):
        path = self.coco.loadImgs(id)[0]["file_name"]
        return image_module().open(os.path.join(self.root, path)).convert("RGB")

    def _load_target(self, id: int):
        return self.coco.loadAnns(self.coco.getAnnIds(id))

    def __getitem__(self, index):
        if not isinstance(index, int):
            raise ValueError(f"Index must be of type integer, got {type(index)} instead.")
        id = self.ids[index]
        image, target = self._load_image(id), self._load_target(id)
        if self.transforms is not None:
            image, target = self.transforms(image, target)
        return image, target

    def __len__(self):
        return len(self.ids)


class CocoCaptions(CocoDetection):
    """Samples are (RGB PIL image, list of caption strings)."""

    def _load_target(self, id: int):
        return [ann["caption"] for ann in super()._load_target(id)]
