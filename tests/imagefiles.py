"""Small image-file tools shared by the tests of helpers.io and helpers.datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def save(path: Path, array: np.ndarray, **options) -> Path:
    """Write an array with Pillow (RGB order), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **options)
    return path


def random_image(shape, *, seed=0, dtype=np.uint8) -> np.ndarray:
    top = np.iinfo(dtype).max
    return np.random.default_rng(seed).integers(0, top + 1, size=shape, dtype=dtype)


def blocky_image(height: int, width: int) -> np.ndarray:
    """A grey image of flat 8x8 blocks: survives JPEG almost exactly, and no two
    rotations or flips of it are alike."""
    blocks = np.random.default_rng(7).integers(0, 256, size=(height // 8, width // 8))
    return np.kron(blocks, np.ones((8, 8))).astype(np.uint8)


def dihedral_variants(array: np.ndarray) -> list[np.ndarray]:
    """The 8 rotations/reflections of a square (H, W, ...) array, plainly with NumPy."""
    turns = [np.rot90(array, k) for k in range(4)]
    return turns + [np.fliplr(t) for t in turns]


def damaged_files(folder: Path) -> dict[str, Path]:
    good = save(folder / "good.png", random_image((64, 64), seed=8))
    data = good.read_bytes()
    files = {
        "truncated.png": data[: len(data) // 2],
        "text.png": b"<html>Not found</html>",
        "empty.jpg": b"",
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return {name: folder / name for name in files} | {"missing.png": folder / "missing.png"}
