"""Streaming ``tf.data`` pipelines of image/mask batches, with paired augmentation.

:func:`from_files` reads the files as training asks for them (only the names are held),
so a folder larger than memory trains; :func:`from_arrays` does the same for arrays
already in memory. Both decode, resize and normalise exactly as :mod:`helpers.io` does
(one reader, :func:`helpers.io.load_pair`), and ``augment=True`` applies the *same*
random flip and 90-degree rotation to an image and its mask.

Example
-------
>>> from helpers import config, datasets, io
>>> pairs = io.pair_images_and_masks(config.data_dir("mito", "images"),
...                                  config.data_dir("mito", "masks"))
>>> batches = datasets.from_files(pairs[:8], size=64, batch_size=4, augment=True)
>>> [tuple(t.shape) for t in next(iter(batches))]
[(4, 64, 64, 1), (4, 64, 64, 1)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from helpers.errors import ConfigError, DataError
from helpers.io import (
    _as_pairs,
    _PathLike,
    _size_hw,
    infer_channels,
    load_pair,
    normalize_image,
)

if TYPE_CHECKING:
    import tensorflow as tf




def _check_labels(mask: np.ndarray, num_classes: int, where: str) -> None:
    top = int(mask.max()) if mask.size else 0
    if num_classes == 1 and top > 1:
        raise DataError(
            f"{where} has labels up to {top}, but num_classes=1 means background/object "
            f"(0/1). For class indices pass num_classes={top + 1} (background included)."
        )
    if num_classes > 1 and top >= num_classes:
        raise DataError(
            f"{where} has label {top}, but num_classes={num_classes} allows 0..{num_classes - 1}. "
            f"Pass num_classes={top + 1} or fix the mask."
        )


def _mask_for_training(mask: np.ndarray, num_classes: int) -> np.ndarray:
    return mask.astype(np.float32 if num_classes == 1 else np.int32)


def _dihedral(image, mask, seed, square: bool):
    """The same random flip/90-degree rotation of image and mask: one of the 8 symmetries
    of a square, each with probability 1/8 (for non-square images only the 4 that keep
    the shape: identity, the two flips and the half turn)."""
    import tensorflow as tf

    draws = tf.random.stateless_uniform([2], seed=seed, minval=0, maxval=4, dtype=tf.int32)
    turns = draws[0] if square else 2 * (draws[0] % 2)
    flip = tf.equal(draws[1] % 2, 1)
    out = []
    for array in (image, mask):
        shape = array.shape
        array = tf.image.rot90(array, k=turns)
        array = tf.where(flip, tf.reverse(array, axis=[1]), array)
        out.append(tf.ensure_shape(array, shape))
    return tuple(out)


def _finish(ds, *, batch_size: int, augment: bool, seed: int, square: bool):
    import tensorflow as tf

    if augment:
        # one stateless seed per element: reproducible for a seed, new draws every epoch
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        ds = tf.data.Dataset.zip((ds, seeds)).map(
            lambda pair, s: _dihedral(pair[0], pair[1], s, square),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def from_files(
    pairs: Iterable[tuple[_PathLike, _PathLike]],
    *,
    size: int | Sequence[int],
    batch_size: int,
    channels: int | None = None,
    augment: bool = False,
    shuffle: bool = False,
    seed: int = 42,
    num_classes: int = 1,
) -> tf.data.Dataset:
    """A streaming ``tf.data`` pipeline of (image, mask) batches, read from files as needed.

    Only the file names are held; images are decoded in parallel
    (``num_parallel_calls=AUTOTUNE``) and a few batches are prefetched, so a folder
    larger than memory trains. Decoding is :func:`helpers.io.load_pair` itself, wrapped in
    ``tf.numpy_function``: the same EXIF, 16-bit, RGBA and mask rules, and the same
    arrays, as :func:`helpers.io.load_pairs` (Pillow and OpenCV release the GIL while they decode
    and resize, so the parallel calls overlap). ``tf.io.decode_image`` is not used: it
    ignores EXIF orientation and has no 0/255-to-label rule.

    Parameters
    ----------
    pairs : sequence of (image_path, mask_path)
    size : int or (height, width)
    batch_size : int
    channels : {None, 1, 3}
        ``None``: 3 if any image is in colour, else 1.
    augment : bool
        Apply the same random flip and 90-degree rotation to each image and its mask.
    shuffle : bool
        Shuffle the pairs (their names, so it costs no memory), anew every epoch.
    seed : int
        Seed of the shuffle and of the augmentation.
    num_classes : int
        1: masks are float32 0./1. (a sigmoid output). More: int32 class indices.

    Yields
    ------
    image : float32, shape (B, height, width, C), in [0, 1]
    mask : float32 (num_classes=1) or int32, shape (B, height, width, 1)

    Raises
    ------
    DataError
        Before anything is decoded, for a file that is not an image or a pair whose sizes
        differ (file headers are checked). A file damaged past its header, or a mask whose
        labels do not fit ``num_classes``, stops the iteration with a TensorFlow error whose
        message names the file; :func:`unwrap_data_errors` turns it back into a DataError.
    """
    import tensorflow as tf

    pairs = _as_pairs(pairs)
    height, width = _size_hw(size)
    if num_classes < 1:
        raise ConfigError(f"num_classes must be 1 (binary) or more, got {num_classes}.")
    found = infer_channels(pairs)
    channels = found if channels is None else channels
    mask_dtype = np.float32 if num_classes == 1 else np.int32

    def load(image_path: bytes, mask_path: bytes):
        mask_name = mask_path.decode("utf-8")
        image, mask = load_pair(
            image_path.decode("utf-8"), mask_name, size=(height, width), channels=channels
        )
        _check_labels(mask, num_classes, mask_name)
        return image, _mask_for_training(mask, num_classes)

    def load_tensors(image_path, mask_path):
        image, mask = tf.numpy_function(
            load, [image_path, mask_path], (tf.float32, tf.as_dtype(mask_dtype))
        )
        image.set_shape((height, width, channels))
        mask.set_shape((height, width, 1))
        return image, mask

    ds = tf.data.Dataset.from_tensor_slices(
        ([str(image) for image, _ in pairs], [str(mask) for _, mask in pairs])
    )
    if shuffle:
        ds = ds.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(load_tensors, num_parallel_calls=tf.data.AUTOTUNE)
    return _finish(ds, batch_size=batch_size, augment=augment, seed=seed, square=height == width)


@contextmanager
def unwrap_data_errors() -> Iterator[None]:
    """Give back the :class:`helpers.io.DataError` that TensorFlow wrapped while iterating a pipeline.

    A file that fails while :func:`from_files` decodes it reaches the caller as a
    TensorFlow ``UnknownError`` whose long message holds ours. Inside this block it is
    raised again as a one-line ``DataError`` (which the command line prints without a
    traceback); other errors pass unchanged.

    Example
    -------
    >>> with unwrap_data_errors():                                # doctest: +SKIP
    ...     model.fit(from_files(pairs, size=128, batch_size=8))

    Raises
    ------
    DataError
        In place of a TensorFlow error that carries one.
    """
    marker = "DataError: "
    try:
        yield
    except DataError:
        raise
    except Exception as error:
        text = str(error)
        if marker not in text:
            raise
        message = text.split(marker, 1)[1].split("\n", 1)[0].strip()
        raise DataError(message) from error


def from_arrays(
    images: np.ndarray,
    masks: np.ndarray,
    *,
    batch_size: int,
    augment: bool = False,
    shuffle: bool = False,
    seed: int = 42,
    num_classes: int = 1,
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of (image, mask) batches from arrays already in memory.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, C)
        float32 in [0, 1] (as :func:`helpers.io.load_pairs` gives them), or uint8/uint16 pixels,
        which are normalised with :func:`helpers.io.normalize_image`.
    masks : ndarray of integer labels, shape (N, H, W) or (N, H, W, 1)
    batch_size, augment, shuffle, seed, num_classes
        As for :func:`from_files`, whose batches these match.

    Yields
    ------
    image : float32, shape (B, H, W, C)
    mask : float32 (num_classes=1) or int32, shape (B, H, W, 1)

    Raises
    ------
    DataError
        When images and masks do not have the shapes above, or a mask's labels do not fit
        ``num_classes``.
    ConfigError
        When ``num_classes`` is below 1.
    """
    import tensorflow as tf

    images = normalize_image(images)
    masks = np.asarray(masks)
    if masks.ndim == images.ndim - 1:
        masks = masks[..., None]
    if images.ndim != 4 or masks.shape != images.shape[:3] + (1,):
        raise DataError(
            f"images must be (N, H, W, C) and masks (N, H, W) or (N, H, W, 1) of the same N, H, W; "
            f"got {images.shape} and {masks.shape}."
        )
    if num_classes < 1:
        raise ConfigError(f"num_classes must be 1 (binary) or more, got {num_classes}.")
    _check_labels(masks, num_classes, "the masks array")
    ds = tf.data.Dataset.from_tensor_slices((images, _mask_for_training(masks, num_classes)))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    square = images.shape[1] == images.shape[2]
    return _finish(ds, batch_size=batch_size, augment=augment, seed=seed, square=square)
