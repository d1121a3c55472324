"""tjit.vision.datasets on tiny files written in the real on-disk formats (IDX, CIFAR python
pickles, STL10 binaries, class folders, COCO json).  Expected values are the numbers the
files were written from; checksums are switched off through _check_integrity, as the
conventions say.  Samples that are PIL images need Pillow (an optional extra)."""
import importlib.util
import json
import os
import pickle
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest

import tjit
from tjit.utils.data import DataLoader
from tjit.vision import datasets as D
from tjit.vision import transforms as T
from tjit.vision.datasets.utils import check_integrity, extract_archive, verify_str_arg

HAS_PIL = importlib.util.find_spec("PIL") is not None
needs_pil = pytest.mark.skipif(not HAS_PIL, reason="Pillow is not installed (optional extra tjit[vision]); samples "
                                                   "are PIL images")
RNG = np.random.default_rng(0)


def write_idx(path, arr):
    """An IDX file: magic 0x00 0x00 <type> <ndim>, big-endian int32 sizes, big-endian data."""
    code = {np.uint8: 8, np.int8: 9, np.int16: 11, np.int32: 12, np.float32: 13, np.float64: 14}[arr.dtype.type]
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape))
        f.write(arr.astype(arr.dtype.newbyteorder(">")).tobytes())


@pytest.fixture
def mnist_root(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    data = {"train": (RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8), np.array([3, 1, 4, 1, 5], np.uint8)),
            "t10k": (RNG.integers(0, 256, (2, 28, 28), dtype=np.uint8), np.array([9, 2], np.uint8))}
    for split, (images, labels) in data.items():
        write_idx(raw / f"{split}-images-idx3-ubyte", images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
    return tmp_path, data


def test_mnist_reads_idx_files(mnist_root):
    root, data = mnist_root
    train = D.MNIST(str(root), train=True)
    assert len(train) == 5 and train.data.dtype == tjit.uint8 and train.targets.dtype == tjit.int64
    np.testing.assert_array_equal(train.data.numpy(), data["train"][0])
    np.testing.assert_array_equal(train.targets.numpy(), data["train"][1])
    test = D.MNIST(str(root), train=False)
    np.testing.assert_array_equal(test.targets.numpy(), [9, 2])
    assert repr(test) == f"Dataset MNIST\n    Number of datapoints: 2\n    Root location: {root}\n    Split: Test"
    assert train.class_to_idx["3 - three"] == 3


def test_idx_reader_handles_wider_types(tmp_path):
    from tjit.vision.datasets.mnist import read_sn3_pascalvincent_tensor
    arr = np.arange(-6, 6, dtype=np.int16).reshape(3, 4) * 1000
    write_idx(tmp_path / "x", arr)
    t = read_sn3_pascalvincent_tensor(str(tmp_path / "x"))
    assert t.dtype == tjit.int16
    np.testing.assert_array_equal(t.numpy(), arr)


def test_fashion_mnist_uses_its_own_folder_and_classes(mnist_root):
    root, _ = mnist_root
    os.rename(root / "MNIST", root / "FashionMNIST")
    ds = D.FashionMNIST(str(root))
    assert len(ds) == 5 and ds.classes[9] == "Ankle boot"


def test_missing_dataset_and_offline_download_errors(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True to download it"):
        D.MNIST(str(tmp_path))
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda *a, **k: (_ for _ in ()).throw(urllib.error.URLError("network is unreachable")))
    with pytest.raises(RuntimeError) as e:
        D.MNIST(str(tmp_path), download=True)
    msg = str(e.value)
    assert "Error downloading train-images-idx3-ubyte.gz" in msg
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz" in msg
    assert str(tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte.gz") in msg
    with pytest.raises(RuntimeError, match="cifar-10-python.tar.gz"):
        D.CIFAR10(str(tmp_path), download=True)


@needs_pil
def test_mnist_samples_are_pil_images(mnist_root):
    root, data = mnist_root
    ds = D.MNIST(str(root), transform=T.ToTensor(), target_transform=lambda y: y + 100)
    img, target = ds[2]
    assert target == 104 and tuple(img.shape) == (1, 28, 28)
    np.testing.assert_allclose(img.numpy()[0], data["train"][0][2] / 255, atol=1e-7)
    batch = next(iter(DataLoader(ds, batch_size=5, num_workers=2)))
    assert tuple(batch[0].shape) == (5, 1, 28, 28) and batch[1].tolist() == [103, 101, 104, 101, 105]


def _write_cifar(root, folder, names, meta_name, meta_key, label_key, n=3):
    base = root / folder
    base.mkdir(parents=True)
    written = {}
    for name in names:
        data = RNG.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = [int(v) for v in RNG.integers(0, 10, n)]
        with open(base / name, "wb") as f:
            pickle.dump({"data": data, label_key: labels, "batch_label": name}, f, protocol=2)
        written[name] = (data, labels)
    with open(base / meta_name, "wb") as f:
        pickle.dump({meta_key: [f"class{i}" for i in range(10)]}, f)
    return written


@pytest.mark.parametrize("cls", [D.CIFAR10, D.CIFAR100])
def test_cifar_reads_python_pickles(tmp_path, monkeypatch, cls):
    names = [n for n, _ in cls.train_list + cls.test_list]
    label_key = "labels" if cls is D.CIFAR10 else "fine_labels"
    written = _write_cifar(tmp_path, cls.base_folder, names, cls.meta["filename"], cls.meta["key"], label_key)
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        cls(str(tmp_path))  # the md5s of tiny files are not the published ones
    monkeypatch.setattr(cls, "_check_integrity", lambda self: True)
    train = cls(str(tmp_path), train=True)
    expect = np.concatenate([written[n][0] for n, _ in cls.train_list]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(train.data, expect)
    assert train.targets == [v for n, _ in cls.train_list for v in written[n][1]]
    assert train.classes[3] == "class3" and train.class_to_idx["class3"] == 3
    test = cls(str(tmp_path), train=False)
    assert len(test) == 3


def test_cifar_pickles_cannot_run_code(tmp_path, monkeypatch):
    written = _write_cifar(tmp_path, D.CIFAR10.base_folder, ["data_batch_1"], "batches.meta", "label_names", "labels")
    assert written

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    with open(tmp_path / D.CIFAR10.base_folder / "test_batch", "wb") as f:
        pickle.dump({"data": Evil()}, f)
    monkeypatch.setattr(D.CIFAR10, "_check_integrity", lambda self: True)
    with pytest.raises(pickle.UnpicklingError, match="may not reference posix.system"):
        D.CIFAR10(str(tmp_path), train=False)


@needs_pil
def test_cifar_samples(tmp_path, monkeypatch):
    cls = D.CIFAR10
    _write_cifar(tmp_path, cls.base_folder, [n for n, _ in cls.train_list + cls.test_list], "batches.meta",
                 "label_names", "labels")
    monkeypatch.setattr(cls, "_check_integrity", lambda self: True)
    ds = cls(str(tmp_path), train=False, transform=T.PILToTensor())
    img, target = ds[1]
    np.testing.assert_array_equal(img.numpy(), ds.data[1].transpose(2, 0, 1))
    assert target == ds.targets[1]


@pytest.fixture
def stl10_root(tmp_path):
    base = tmp_path / "stl10_binary"
    base.mkdir()
    images = {}
    for name, n in (("train_X.bin", 4), ("unlabeled_X.bin", 2), ("test_X.bin", 3)):
        images[name] = RNG.integers(0, 256, (n, 3, 96, 96), dtype=np.uint8)
        images[name].transpose(0, 1, 3, 2).tofile(base / name)  # stored column-major
    np.array([1, 10, 3, 4], np.uint8).tofile(base / "train_y.bin")  # labels 1..10 on disk
    np.array([2, 2, 7], np.uint8).tofile(base / "test_y.bin")
    (base / "class_names.txt").write_text("\n".join(f"c{i}" for i in range(10)))
    (base / "fold_indices.txt").write_text("2 0\n1 3\n")
    return tmp_path, images


def test_stl10_splits_and_folds(stl10_root, monkeypatch):
    root, images = stl10_root
    monkeypatch.setattr(D.STL10, "_check_integrity", lambda self: True)
    train = D.STL10(str(root), split="train")
    np.testing.assert_array_equal(train.data, images["train_X.bin"])
    assert train.labels.tolist() == [0, 9, 2, 3] and train.classes[9] == "c9"
    both = D.STL10(str(root), split="train+unlabeled")
    assert len(both) == 6 and both.labels.tolist()[-2:] == [-1, -1]
    fold = D.STL10(str(root), split="train", folds=1)
    np.testing.assert_array_equal(fold.data, images["train_X.bin"][[1, 3]])
    assert D.STL10(str(root), split="test").labels.tolist() == [1, 1, 6]
    with pytest.raises(ValueError, match="Unknown value 'val' for argument split"):
        D.STL10(str(root), split="val")
    with pytest.raises(ValueError, match=r"should be in the range \[0, 10\), but got 10"):
        D.STL10(str(root), folds=10)


def _write_folder(root):
    for cls, n in (("cat", 2), ("dog", 3)):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            np.save(root / cls / f"{i}.npy", np.full((2, 2), i, np.float32))
        (root / cls / "notes.txt").write_text("ignored")


def test_dataset_folder_with_custom_loader(tmp_path):
    _write_folder(tmp_path)
    ds = D.DatasetFolder(str(tmp_path), loader=np.load, extensions=(".npy",), transform=T.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [os.path.basename(p) for p, _ in ds.samples] == ["0.npy", "1.npy", "0.npy", "1.npy", "2.npy"]
    assert ds.targets == [0, 0, 1, 1, 1]
    sample, target = ds[4]
    assert target == 1 and tuple(sample.shape) == (1, 2, 2) and sample.numpy().max() == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        D.DatasetFolder(str(tmp_path), loader=np.load, extensions=(".npy",))
    assert len(D.DatasetFolder(str(tmp_path), loader=np.load, extensions=".npy", allow_empty=True)) == 5


def test_image_folder_file_selection(tmp_path):
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        (tmp_path / cls / "x.PNG").write_bytes(b"")
        (tmp_path / cls / "y.txt").write_bytes(b"")
    ds = D.ImageFolder(str(tmp_path), loader=lambda p: p)
    assert [(os.path.basename(p), t) for p, t in ds.imgs] == [("x.PNG", 0), ("x.PNG", 1)]
    assert ds[1] == (str(tmp_path / "b" / "x.PNG"), 1)


@needs_pil
def test_image_folder_reads_images(tmp_path):
    from PIL import Image
    (tmp_path / "red").mkdir()
    Image.new("RGB", (4, 3), (255, 0, 0)).save(tmp_path / "red" / "r.png")
    img, target = D.ImageFolder(str(tmp_path), transform=T.PILToTensor())[0]
    assert target == 0 and tuple(img.shape) == (3, 3, 4) and img[0].min().item() == 255


@pytest.fixture
def coco_root(tmp_path):
    ann = {"images": [{"id": 7, "file_name": "b.jpg"}, {"id": 3, "file_name": "a.jpg"}],
           "annotations": [{"id": 1, "image_id": 3, "caption": "a cat", "bbox": [0, 0, 1, 1]},
                           {"id": 2, "image_id": 7, "caption": "a dog", "bbox": [1, 1, 2, 2]},
                           {"id": 5, "image_id": 3, "caption": "a sleeping cat", "bbox": [0, 1, 1, 1]}]}
    path = tmp_path / "ann.json"
    path.write_text(json.dumps(ann))
    return tmp_path, str(path)


def test_coco_annotations(coco_root):
    root, ann = coco_root
    det = D.CocoDetection(str(root), ann)
    assert det.ids == [3, 7] and len(det) == 2
    assert [a["id"] for a in det._load_target(3)] == [1, 5]
    assert D.CocoCaptions(str(root), ann)._load_target(3) == ["a cat", "a sleeping cat"]
    assert not det._check_integrity()  # the image files are not there
    with pytest.raises(ValueError, match="Index must be of type integer"):
        det["0"]


@needs_pil
def test_coco_samples(coco_root):
    from PIL import Image
    root, ann = coco_root
    for name in ("a.jpg", "b.jpg"):
        Image.new("RGB", (5, 4)).save(root / name)
    img, captions = D.CocoCaptions(str(root), ann, transform=T.PILToTensor())[1]
    assert tuple(img.shape) == (3, 4, 5) and captions == ["a dog"]


def test_lsun_without_lmdb_says_so(tmp_path):
    if importlib.util.find_spec("lmdb") is not None:
        pytest.skip("lmdb is installed")
    with pytest.raises(ImportError, match="needs the lmdb package"):
        D.LSUN(str(tmp_path), classes=["bedroom_train"])
    with pytest.raises(ImportError, match="needs the lmdb package"):
        D.LSUN(db_path=str(tmp_path), classes="test")
    with pytest.raises(ValueError, match="Unknown value 'attic' for LSUN class"):
        D.LSUN(str(tmp_path), classes=["attic_train"])


def test_dataset_utils(tmp_path):
    import gzip
    import tarfile
    f = tmp_path / "x.bin"
    f.write_bytes(b"abc")
    assert check_integrity(str(f), "900150983cd24fb0d6963f7d28e17f72") and not check_integrity(str(f), "0" * 32)
    with gzip.open(tmp_path / "y.gz", "wb") as g:
        g.write(b"hello")
    extract_archive(str(tmp_path / "y.gz"))
    assert (tmp_path / "y").read_bytes() == b"hello"
    with tarfile.open(tmp_path / "t.tar.gz", "w:gz") as t:
        t.add(f, arcname="inner/x.bin")
    extract_archive(str(tmp_path / "t.tar.gz"), str(tmp_path / "out"))
    assert (tmp_path / "out" / "inner" / "x.bin").read_bytes() == b"abc"
    with pytest.raises(ValueError, match="Expected type str for argument split, but got type <class 'int'>."):
        verify_str_arg(3, "split")
