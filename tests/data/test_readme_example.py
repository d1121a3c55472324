"""The README's data example: MNIST-format folder, DataLoader with 2 workers, training,
tjit.save, reload in torch with the same outputs."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_train_mnist_folder_example():
    pytest.importorskip("PIL", reason="Pillow is not installed (optional extra tjit[vision])")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "train_mnist_folder.py")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.splitlines()
    acc = float(next(l for l in lines if l.startswith("test accuracy")).split()[-1])
    diff = float(next(l for l in lines if l.startswith("reloaded in PyTorch")).split()[-1])
    assert acc > 0.9 and diff < 1e-3
