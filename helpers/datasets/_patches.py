"""Patches at native resolution: the pairs kept whole at their own size, and where each
patch is cut (a share of them centred on foreground pixels)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.conventions import float_image
from helpers.errors import ConfigError, DataError
from helpers.tiling import crop_window

from ._deform import ELASTIC_GRID, ELASTIC_STD, deform, elastic_field, jitter_intensity
from ._labels import check_mask_labels

__all__ = [
    "FOREGROUND_SHARE",
    "MAX_CENTRES",
    "PatchDraw",
    "PatchSampler",
    "keep_native",
]

#: Share of patches centred on a foreground pixel (nnU-Net's 1/3); the others are cut
#: anywhere, every pixel as likely.
FOREGROUND_SHARE = 1 / 3

#: Foreground pixels remembered per image and class to centre patches on (drawn evenly
#: from all of them: enough for any image, bounded for a whole slide).
MAX_CENTRES = 100_000


def keep_native(
    pairs, *, channels: int | None, num_classes: int, budget: int, cache_dir=None
) -> tuple[list[np.ndarray], list[np.ndarray], str]:
    """Every pair decoded once at its own size, as integers: in memory within ``budget``
    bytes, else in ``.npy`` files under ``cache_dir`` (the temp folder by default,
    deleted when Python exits) read back as memory maps, so that a patch reads only its
    window.

    Returns
    -------
    images : list of ndarray, shape (H, W, C), uint8 or uint16
    masks : list of ndarray of uint8, shape (H, W)
    where : {"memory", "file"}

    Raises
    ------
    DataError
        For a file that cannot be read, an image and mask of different sizes, or a mask
        whose labels do not fit ``num_classes``.
    """
    from helpers import io

    images, masks, where, folder, total = [], [], "memory", None, 0
    for image_path, mask_path in pairs:
        image = io.read_image(image_path, channels=channels)
        mask = io.read_mask(mask_path)
        if mask.shape != image.shape[:2]:
            raise DataError(
                f"{image_path} is {image.shape[1]}x{image.shape[0]} px but its mask {mask_path} "
                f"is {mask.shape[1]}x{mask.shape[0]}: give each image a mask of its own size."
            )
        check_mask_labels(mask, num_classes, str(mask_path))
        total += image.nbytes + mask.nbytes
        if total > budget and where == "memory":
            where = "file"
            parent = Path(cache_dir) if cache_dir is not None else Path(tempfile.gettempdir())
            parent.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=".patch-cache-", dir=parent))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            images = [_to_file(a, folder, f"image{i}") for i, a in enumerate(images)]
            masks = [_to_file(a, folder, f"mask{i}") for i, a in enumerate(masks)]
        if where == "file":
            image = _to_file(image, folder, f"image{len(images)}")
            mask = _to_file(mask, folder, f"mask{len(masks)}")
        images.append(image)
        masks.append(mask)
    return images, masks, where


def _to_file(array: np.ndarray, folder: Path, name: str) -> np.ndarray:
    path = folder / f"{name}.npy"
    np.save(path, array)
    return np.load(path, mmap_mode="r")


@dataclass(frozen=True)
class PatchDraw:
    """Where one patch was cut: pair ``index``, top-left ``(row, col)`` (negative, or past
    the image's end, where a small image is padded), and whether it was centred on a
    foreground pixel."""

    index: int
    row: int
    col: int
    centred: bool


def _origin_range(length: int, patch: int) -> tuple[int, int]:
    """Lowest and highest origin of a patch along an axis: inside the image when it is
    at least a patch long, else anywhere that keeps the whole image in the patch."""
    return min(0, length - patch), max(0, length - patch)


class PatchSampler:
    """Random patches of image/mask pairs at their own resolution, augmented.

    Each draw picks a pair and a window of ``patch x patch`` pixels:

    - with probability ``foreground_share``, centred on a foreground pixel: a class
      drawn evenly among those present, an image among those that hold it, a pixel of it
      (so small objects and rare classes are seen as often as large ones);
    - otherwise anywhere: an image in proportion to its pixels, an origin uniformly.

    Images smaller than a patch are reflected (``np.pad(mode="reflect")``), never
    stretched. Then, as asked: an elastic deformation (:func:`elastic_field`; the image
    bilinear, the mask nearest, both from one field, cut from a window with a margin so
    the deformation reaches real pixels), and an intensity jitter of the image
    (:func:`jitter_intensity`). The flips and rotations come later, in the graph
    (:func:`helpers.datasets.from_patches`).

    Parameters
    ----------
    images : sequence of ndarray, shape (H, W, C)
        uint8/uint16 pixels (or floats in [0, 1]), sizes may differ.
    masks : sequence of ndarray of integer labels, shape (H, W)
    patch : int
    foreground_share : float
        In [0, 1]; :data:`FOREGROUND_SHARE` by default.
    elastic, intensity : bool
        Apply the elastic deformation, the intensity jitter.
    elastic_std : float, optional
        Pixels (default :data:`ELASTIC_STD` of the patch: 10 px for 256 px).

    Raises
    ------
    ConfigError
        For no pairs, a ``patch`` below 1 or a ``foreground_share`` outside [0, 1].
    DataError
        For an image and mask of different sizes.
    """

    def __init__(
        self,
        images: Sequence[np.ndarray],
        masks: Sequence[np.ndarray],
        *,
        patch: int,
        foreground_share: float = FOREGROUND_SHARE,
        elastic: bool = True,
        intensity: bool = True,
        elastic_std: float | None = None,
    ):
        if not len(images) or len(images) != len(masks):
            raise ConfigError(
                f"Give one mask per image, at least one pair: got {len(images)} images and "
                f"{len(masks)} masks."
            )
        if patch < 1:
            raise ConfigError(f"patch must be at least 1 pixel, got {patch}.")
        if not 0.0 <= foreground_share <= 1.0:
            raise ConfigError(f"foreground_share must be in [0, 1], got {foreground_share}.")
        for index, (image, mask) in enumerate(zip(images, masks, strict=True)):
            if image.shape[:2] != mask.shape[:2]:
                raise DataError(
                    f"Pair {index}: image {image.shape[:2]} and mask {mask.shape[:2]} differ in "
                    "size: give each image a mask of its own size."
                )
        self.images, self.masks, self.patch = list(images), list(masks), int(patch)
        self.foreground_share = float(foreground_share)
        self.elastic, self.intensity = elastic, intensity
        self.elastic_std = ELASTIC_STD * patch if elastic_std is None else float(elastic_std)
        pixels = np.array([m.shape[0] * m.shape[1] for m in masks], dtype=np.float64)
        self.weights = pixels / pixels.sum()
        self.centres = [self._centres(np.asarray(m), i) for i, m in enumerate(masks)]
        self.classes = sorted({c for found in self.centres for c in found})

    @staticmethod
    def _centres(mask: np.ndarray, index: int) -> dict[int, np.ndarray]:
        """Flat indices of (at most :data:`MAX_CENTRES` of) each class's pixels."""
        found = {}
        rng = np.random.default_rng(index)
        for label in np.unique(mask):
            if label == 0:
                continue
            flat = np.flatnonzero(mask == label)
            if len(flat) > MAX_CENTRES:
                flat = np.sort(rng.choice(flat, MAX_CENTRES, replace=False))
            found[int(label)] = flat
        return found

    def draw(self, rng: np.random.Generator) -> PatchDraw:
        """Where the next patch is cut (see the class docstring)."""
        patch = self.patch
        if self.classes and rng.random() < self.foreground_share:
            label = self.classes[rng.integers(len(self.classes))]
            holding = [i for i, found in enumerate(self.centres) if label in found]
            index = holding[rng.integers(len(holding))]
            flat = self.centres[index][label]
            row, col = divmod(int(flat[rng.integers(len(flat))]), self.masks[index].shape[1])
            low_r, high_r = _origin_range(self.masks[index].shape[0], patch)
            low_c, high_c = _origin_range(self.masks[index].shape[1], patch)
            row = int(np.clip(row - patch // 2, low_r, high_r))
            col = int(np.clip(col - patch // 2, low_c, high_c))
            return PatchDraw(index, row, col, True)
        index = int(rng.choice(len(self.masks), p=self.weights))
        low_r, high_r = _origin_range(self.masks[index].shape[0], patch)
        low_c, high_c = _origin_range(self.masks[index].shape[1], patch)
        return PatchDraw(
            index, int(rng.integers(low_r, high_r + 1)), int(rng.integers(low_c, high_c + 1)), False
        )

    def cut(self, where: PatchDraw, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The patch at ``where``: image float32 in [0, 1] (patch, patch, C) and mask
        (patch, patch) of the mask's dtype, deformed and jittered as the sampler says."""
        image, mask, patch = self.images[where.index], self.masks[where.index], self.patch
        if not self.elastic:
            out_image = float_image(crop_window(image, where.row, where.col, patch))
            out_mask = crop_window(mask, where.row, where.col, patch)
        else:
            field = elastic_field(patch, rng=rng, std=self.elastic_std, grid=ELASTIC_GRID)
            margin = int(np.ceil(np.abs(field).max())) + 1
            size = patch + 2 * margin
            window = crop_window(image, where.row - margin, where.col - margin, size)
            out_image = deform(float_image(window), field, order=1, offset=(margin, margin))
            window = crop_window(mask, where.row - margin, where.col - margin, size)
            out_mask = deform(window, field, order=0, offset=(margin, margin))
        if self.intensity:
            out_image = jitter_intensity(out_image, rng=rng)
        return out_image.astype(np.float32, copy=False), out_mask

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, PatchDraw]:
        """One patch: (image (patch, patch, C) float32, mask (patch, patch), where)."""
        where = self.draw(rng)
        image, mask = self.cut(where, rng)
        return image, mask, where
