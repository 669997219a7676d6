"""Resizing: images smoothly (area / bilinear), masks with nearest neighbour."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from helpers.conventions import float_image
from helpers.errors import ConfigError, DataError


def size_hw(size: int | Sequence[int]) -> tuple[int, int]:
    """``size`` as (height, width): an int means a square.

    Parameters
    ----------
    size : int or (height, width)

    Returns
    -------
    (int, int)
        Height and width, in pixels.

    Raises
    ------
    ConfigError
        When either is below 1.

    Example
    -------
    >>> size_hw(64), size_hw((48, 64))
    ((64, 64), (48, 64))
    """
    if isinstance(size, (int, np.integer)):
        height = width = int(size)
    else:
        height, width = (int(s) for s in size)
    if height < 1 or width < 1:
        raise ConfigError(f"size must be positive, got {size!r}.")
    return height, width


# OpenCV's resize is used for both (rather than Pillow or skimage.transform.resize):
# it keeps uint8/uint16/float32 and any channel count (Pillow has no 16-bit or
# 2-channel RGB modes), it is faster than skimage's float-only resize, and
# INTER_AREA is a true box average when shrinking, which avoids the aliasing that
# nearest-neighbour shrinking gives images.
def resize_image(image: np.ndarray, size: int | Sequence[int]) -> np.ndarray:
    """An image resized for looking at or for a network: area when shrinking, else bilinear.

    Parameters
    ----------
    image : ndarray of uint8, uint16 or float32, shape (H, W) or (H, W, C)
    size : int or (height, width)
        An int gives a square.

    Returns
    -------
    ndarray, same dtype and channels, shape (height, width[, C])
        Area averaging when neither side grows (no aliasing), bilinear interpolation
        when a side grows.
    """
    import cv2

    image = np.asarray(image)
    height, width = size_hw(size)
    if image.shape[:2] == (height, width):
        return image.copy()
    shrink = height <= image.shape[0] and width <= image.shape[1]
    method = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    resized = cv2.resize(image, (width, height), interpolation=method)  # OpenCV wants (w, h)
    return resized.reshape(height, width, *image.shape[2:])  # OpenCV drops a last axis of 1


def resize_mask(mask: np.ndarray, size: int | Sequence[int]) -> np.ndarray:
    """A label mask resized by nearest neighbour, so every output value is an input label.

    Parameters
    ----------
    mask : ndarray of integers or bool, shape (H, W) or (H, W, 1)
    size : int or (height, width)

    Returns
    -------
    ndarray, same dtype, shape (height, width[, 1])
        Each output pixel takes the label of the input pixel under its centre.

    Raises
    ------
    DataError
        For labels that do not fit in int32.
    """
    import cv2

    mask = np.asarray(mask)
    height, width = size_hw(size)
    dtype = mask.dtype
    work = mask.astype(np.uint8) if dtype == np.bool_ else mask
    if work.dtype not in (np.uint8, np.uint16, np.int16, np.int32):
        limits = np.iinfo(np.int32)
        if work.size and (work.min() < limits.min or work.max() > limits.max):
            raise DataError(
                "resize_mask takes labels that fit in int32; number the classes 0, 1, 2, ..."
            )
        work = work.astype(np.int32)
    # INTER_NEAREST_EXACT samples at pixel centres, like Pillow's NEAREST and like the
    # area/bilinear image resize; plain INTER_NEAREST is shifted by half a pixel.
    resized = cv2.resize(work, (width, height), interpolation=cv2.INTER_NEAREST_EXACT)
    return resized.reshape(height, width, *mask.shape[2:]).astype(dtype, copy=False)


def prepare_image(image: np.ndarray, *, size: int | Sequence[int] | None = None) -> np.ndarray:
    """Pixels as a network sees them: :func:`~helpers.conventions.float_image`, then
    :func:`resize_image`.

    Training (:func:`load_pairs`, :func:`helpers.datasets.from_files`) and prediction use this one
    function. Resizing after normalising keeps the fractions that area averaging makes.

    Returns
    -------
    ndarray of float32 in [0, 1], shape (height, width, C) (or the input's H, W)
    """
    image = float_image(image)
    if size is None or image.shape[:2] == size_hw(size):
        return image
    return resize_image(image, size)


# --------------------------------------------------------------------------------------
# Loading into arrays
# --------------------------------------------------------------------------------------
