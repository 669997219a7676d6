"""Loading pairs into arrays ready for a network (in memory)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from helpers.errors import DataError

from ._pairs import PathLike, as_pairs, pair_images_and_masks
from ._read import infer_channels, read_image, read_mask
from ._resize import prepare_image, resize_mask, size_hw


def load_pair(
    image_path: PathLike, mask_path: PathLike, *, size, channels: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One image and its mask, ready for a network.

    Returns
    -------
    image : ndarray of float32, shape (height, width, C), in [0, 1]
    mask : ndarray of uint8, shape (height, width, 1), labels

    Raises
    ------
    DataError
        When a file cannot be read, the mask is not labels, or the two differ in size.
    """
    image = read_image(image_path, channels=channels)
    mask = read_mask(mask_path)
    if image.shape[:2] != mask.shape:
        raise DataError(
            f"{image_path} is {image.shape[1]}x{image.shape[0]} pixels but its mask "
            f"{mask_path} is {mask.shape[1]}x{mask.shape[0]}: a mask must have its image's "
            "size (after EXIF rotation). Remake the mask from this image."
        )
    return prepare_image(image, size=size), resize_mask(mask, size)[..., None]


def load_pairs(
    pairs: Iterable[tuple[PathLike, PathLike]],
    *,
    size: int | Sequence[int],
    channels: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Image/mask pairs read, resized and normalised into two arrays (in memory).

    Parameters
    ----------
    pairs : sequence of (image_path, mask_path)
        As :func:`pair_images_and_masks` gives them.
    size : int or (height, width)
    channels : {None, 1, 3}
        ``None``: 3 if any image is in colour, else 1 (see :func:`infer_channels`).

    Returns
    -------
    images : ndarray of float32, shape (N, height, width, C), in [0, 1]
    masks : ndarray of uint8, shape (N, height, width, 1), labels

    For folders larger than memory use :func:`helpers.datasets.from_files`, which gives the same
    arrays a batch at a time.
    """
    pairs = as_pairs(pairs)
    height, width = size_hw(size)
    found = infer_channels(pairs)
    channels = found if channels is None else channels
    images = np.empty((len(pairs), height, width, channels), np.float32)
    masks = np.empty((len(pairs), height, width, 1), np.uint8)
    for index, (image_path, mask_path) in enumerate(pairs):
        images[index], masks[index] = load_pair(
            image_path, mask_path, size=(height, width), channels=channels
        )
    return images, masks


def load_folder(
    image_dir: PathLike,
    mask_dir: PathLike,
    *,
    size: int | Sequence[int],
    channels: int | None = None,
    max_images: int | None = None,
    mask_suffix: str = "",
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """:func:`pair_images_and_masks` then :func:`load_pairs`; also returns the stems.

    ``max_images`` keeps the first pairs in stem order (``None``: all).

    Returns
    -------
    images : ndarray of float32, shape (N, height, width, C)
    masks : ndarray of uint8, shape (N, height, width, 1)
    stems : list of str, the file name (without extension) of each pair
    """
    pairs = pair_images_and_masks(image_dir, mask_dir, mask_suffix=mask_suffix)
    if max_images is not None:
        pairs = pairs[:max_images]
    images, masks = load_pairs(pairs, size=size, channels=channels)
    return images, masks, [image.stem for image, _ in pairs]
