"""Train a small CNN on an MNIST-format folder with worker processes, save it, reload it in
PyTorch.

    pip install -e ".[test]" && python examples/train_mnist_folder.py

The folder is written here with tiny synthetic IDX files (the real MNIST layout: MNIST/raw/
train-images-idx3-ubyte, ...), so the example needs no download.
"""
import os
import struct
import tempfile

import numpy as np

import tjit
from tjit import nn
from tjit.utils.data import DataLoader
from tjit.vision import datasets, transforms


def write_idx_folder(root: str, n: int = 512) -> None:
    """Digits as noisy bars whose position encodes the label, in MNIST's IDX format."""
    rng = np.random.default_rng(0)
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for split, count in (("train", n), ("t10k", n // 4)):
        labels = rng.integers(0, 10, count).astype(np.uint8)
        images = (rng.random((count, 28, 28)) * 60).astype(np.uint8)
        for i, y in enumerate(labels):
            images[i, 2 + 2 * y: 5 + 2 * y, 4:24] = 255
        with open(os.path.join(raw, f"{split}-images-idx3-ubyte"), "wb") as f:
            f.write(struct.pack(">IIII", 2051, count, 28, 28) + images.tobytes())
        with open(os.path.join(raw, f"{split}-labels-idx1-ubyte"), "wb") as f:
            f.write(struct.pack(">II", 2049, count) + labels.tobytes())


def build(nn):
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10))


def main():
    root = tempfile.mkdtemp(prefix="tjit-mnist-")
    write_idx_folder(root)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = datasets.MNIST(root, train=True, transform=tf)
    loader = DataLoader(train, batch_size=64, shuffle=True, num_workers=2)
    tjit.manual_seed(0)
    model = build(nn)
    opt = tjit.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(2):
        for step, (x, y) in enumerate(loader):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        print(f"epoch {epoch}: last loss {loss.item():.4f}")
    test = datasets.MNIST(root, train=False, transform=tf)
    x, y = next(iter(DataLoader(test, batch_size=len(test))))
    model.eval()
    acc = (model(x).argmax(1) == y).float().mean().item()
    print(f"test accuracy {acc:.3f}")
    path = os.path.join(root, "cnn.pt")
    tjit.save(model.state_dict(), path)
    print("saved", path)
    try:
        import torch
    except ImportError:
        print("torch is not installed: skipping the reload in PyTorch")
        return
    ref = build(torch.nn)
    ref.load_state_dict(torch.load(path, weights_only=True))
    ref.eval()
    with torch.no_grad():
        diff = np.abs(ref(torch.from_numpy(x.numpy())).numpy() - model(x).detach().numpy()).max()
    print(f"reloaded in PyTorch: max |torch - tjit| on the test set = {diff:.2e}")


if __name__ == "__main__":
    main()
