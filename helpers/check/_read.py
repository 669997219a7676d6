"""Reading one image or mask for the data check: its upright size, bit depth and the few
numbers the rules need (value counts of a mask, the brightness of an image).

Each file is decoded once, by Pillow (OpenCV for 16-bit colour, through
:func:`helpers.io.read_image`), and summarised with ``np.bincount``: one pass over the
pixels, whatever their number of distinct values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers import io
from helpers.errors import DataError

#: A mask with at least this many non-zero values, each one separate blob, looks like
#: an instance label image (one number per object) rather than a class mask.
INSTANCE_VALUES = 5

#: An image with at least this share of its pixel values at the top of its dtype
#: (255, or 65535 for 16-bit) is saturated: its brightest parts were clipped.
SATURATED_SHARE = 0.05

_JPEG = ("JPEG", "MPO")


@dataclass
class ImageFacts:
    """What the check needs of one image: size (upright), bits, constant, saturation."""

    path: Path
    size: tuple[int, int]  # (height, width), EXIF orientation applied
    stored: tuple[int, int]  # (height, width) as stored in the file
    bits: int  # 8 or 16
    constant: bool  # every pixel the same
    saturated: float  # share of the values at the dtype's maximum


@dataclass
class MaskFacts:
    """What the check needs of one mask: size (upright), bits, kind, and its value counts."""

    path: Path
    size: tuple[int, int]  # (height, width), EXIF orientation applied
    stored: tuple[int, int]
    bits: int  # 8 or 16
    palette: bool  # a palette PNG, read by index
    jpeg: bool  # stored with lossy JPEG compression
    values: np.ndarray  # the distinct values present (grey or palette index), sorted
    counts: np.ndarray  # pixels of each of ``values``
    colours: np.ndarray | None = None  # (K, 3) colours of a colour mask, most frequent first
    one_blob_per_value: bool = False  # see :data:`INSTANCE_VALUES`

    def count(self, value: int) -> int:
        """Pixels holding ``value``."""
        found = np.searchsorted(self.values, value)
        if found < len(self.values) and self.values[found] == value:
            return int(self.counts[found])
        return 0


def _stored_size(path: Path) -> tuple[tuple[int, int], str, str]:
    """(height, width) from the header, the file format, and its Pillow mode."""
    from PIL import Image

    try:
        with Image.open(path) as opened:
            width, height = opened.size
            return (height, width), opened.format or "", opened.mode
    except Exception as error:  # Pillow signals a damaged file with many types
        raise DataError(
            f"{path} could not be read as an image ({type(error).__name__}: {error}). The "
            "file may be damaged or not an image despite its name: open it in an image "
            "viewer, then replace or delete it."
        ) from error


def _value_counts(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(array.ravel())
    values = np.flatnonzero(counts)
    return values, counts[values]


def read_image_facts(path: Path) -> ImageFacts:
    """Decode an image (as :func:`helpers.io.read_image`) and summarise it.

    Raises
    ------
    DataError
        The file is missing, damaged, not an image, or holds floating-point pixels.
    """
    stored, _, _ = _stored_size(path)
    pixels = io.read_image(path)
    top = np.iinfo(pixels.dtype).max
    first = pixels[0, 0]
    # A first row of one colour is rare; only then is every pixel compared with it.
    constant = not (pixels[0] != first).any() and not (pixels != first).any()
    high = int(pixels.max())  # whole-array reductions are fast; most images stop here
    saturated = np.count_nonzero(pixels == top) / pixels.size if high == top else 0.0
    bits = 16 if pixels.dtype == np.uint16 else 8
    return ImageFacts(path, pixels.shape[:2], stored, bits, bool(constant), float(saturated))


def _palette_indices(path: Path) -> np.ndarray:
    """The palette indices of a palette PNG, upright (as :func:`helpers.io.read_mask`)."""
    from PIL import Image, ImageOps

    with Image.open(path) as opened:
        opened.load()
        upright = ImageOps.exif_transpose(opened)
        array = np.asarray(upright)
    return array[..., 0] if array.ndim == 3 else array


def _one_blob_per_value(labels: np.ndarray, ignore: int | None) -> bool:
    """Whether each non-zero value forms one connected blob (an instance label image).

    Touching objects make one blob of several values, which is still one blob per
    value; a tenth of the values may be split in two (an object cut by a thin gap).
    """
    from scipy import ndimage

    objects = labels != 0
    if ignore is not None:
        objects &= labels != ignore
    blobs, _ = ndimage.label(objects)
    values = labels[objects].astype(np.int64)
    pairs = np.unique(blobs[objects].astype(np.int64) * (int(values.max()) + 1) + values)
    distinct = len(np.unique(values))
    return len(pairs) <= distinct * 1.1


def read_mask_facts(path: Path, *, ignore: int | None = None) -> MaskFacts:
    """Decode a mask without judging it: grey values, palette indices, or colours.

    Unlike :func:`helpers.io.read_mask`, any values are taken (the rules judge them
    afterwards); the sizes are those of the upright mask, as ``read_mask`` gives it.

    Raises
    ------
    DataError
        The file is missing, damaged or not an image.
    """
    stored, fmt, mode = _stored_size(path)
    palette = mode in ("P", "PA")
    if palette:
        try:
            pixels = _palette_indices(path)
        except Exception as error:
            raise DataError(
                f"{path} could not be read as an image ({type(error).__name__}: {error}). "
                "Replace or delete it."
            ) from error
    else:
        pixels = io.read_image(path)
    colours = None
    if pixels.ndim == 3 and pixels.shape[-1] == 3:
        red = pixels[..., 0]
        if (red == pixels[..., 1]).all() and (red == pixels[..., 2]).all():
            pixels = red
        else:
            packed = pixels.astype(np.uint64)
            packed = (packed[..., 0] << 32) | (packed[..., 1] << 16) | packed[..., 2]
            unique, counts = np.unique(packed, return_counts=True)
            unique = unique[np.argsort(-counts, kind="stable")]  # the most frequent first
            colours = np.stack([unique >> 32, (unique >> 16) & 0xFFFF, unique & 0xFFFF], -1)
            pixels = red
    elif pixels.ndim == 3:
        pixels = pixels[..., 0]
    values, counts = _value_counts(pixels)
    nonzero = values[(values != 0) & (values != (-1 if ignore is None else ignore))]
    facts = MaskFacts(
        path=path,
        size=pixels.shape[:2],
        stored=stored,
        bits=16 if pixels.dtype == np.uint16 else 8,
        palette=palette,
        jpeg=fmt in _JPEG,
        values=values,
        counts=counts,
        colours=colours,
    )
    if colours is None and len(nonzero) >= INSTANCE_VALUES:
        facts.one_blob_per_value = _one_blob_per_value(pixels, ignore)
    return facts
