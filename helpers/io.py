"""Image/mask pairs: finding, reading, resizing and normalising.

Every chapter gets its data through here, so the rules below hold everywhere:

* **Pairs by file stem.** ``images/cell.01.tif`` pairs with ``masks/cell.01.PNG``:
  the name without its extension must match, the extension may differ (any of
  :data:`IMAGE_EXTENSIONS`, any case). A missing or extra file is an error that names
  it; it never shifts the pairs after it, as pairing by sort position would.
* **Reading** applies the EXIF orientation (a phone photo looks as it does in a
  viewer), keeps 16-bit images 16-bit, and gives RGB, never OpenCV's BGR.
* **Resizing** uses area averaging to shrink images and bilinear interpolation to
  enlarge them, and *nearest neighbour* for masks, so a mask keeps its labels.
* **One normalisation**, :func:`helpers.conventions.float_image` (divide by the dtype's
  maximum: uint8 by 255, uint16 by 65535), for training and prediction alike.
* **Masks become labels**: 0/255 and 0/1 give 0/1; small class indices stay as they
  are; anything else (a JPEG-compressed mask, a colour mask) is an error that says
  what to do. These rules, and the grey formula, are :mod:`helpers.conventions`,
  shared with ``metrics``, ``plots`` and ``classical``.
* **Splits without leakage** are a recipe on top of these pairs: :mod:`helpers.splits`.
* **Streaming**: :func:`helpers.datasets.from_files` decodes files as training asks for them,
  so a folder larger than memory trains.

Example
-------
>>> from helpers import config, io
>>> pairs = io.pair_images_and_masks(config.data_dir("mito", "images"),
...                                  config.data_dir("mito", "masks"))
>>> images, masks = io.load_pairs(pairs[:4], size=64)
>>> images.shape, images.dtype, masks.shape, masks.dtype
((4, 64, 64, 1), dtype('float32'), (4, 64, 64, 1), dtype('uint8'))
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from helpers.conventions import float_image, grey_from_rgb, mask_labels
from helpers.errors import ConfigError, DataError

__all__ = [
    "GREY_MODES",
    "IMAGE_EXTENSIONS",
    "MAX_LABEL",
    "PathLike",
    "as_pairs",
    "infer_channels",
    "list_images",
    "load_folder",
    "load_pair",
    "load_pairs",
    "pair_images_and_masks",
    "prepare_image",
    "raw_mode",
    "read_image",
    "read_mask",
    "resize_image",
    "resize_mask",
    "size_hw",
]

#: File extensions read as images or masks; matched case-insensitively (``.PNG``, ``.Tif``).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")

#: Mask values up to this are taken as class indices (0 background, 1, 2, ...).
MAX_LABEL = 31

#: What every function here takes as a file or folder: a ``str`` or any ``os.PathLike``
#: (a :class:`pathlib.Path`).
PathLike = str | os.PathLike


# --------------------------------------------------------------------------------------
# Finding and pairing files
# --------------------------------------------------------------------------------------


def _folder(folder: PathLike, what: str) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(
            f"The {what} folder {folder} does not exist (or is not a folder). "
            "Check the path, or create it and put the files there."
        )
    return folder


def list_images(folder: PathLike) -> list[Path]:
    """The image files in ``folder`` (not its sub-folders), sorted by stem.

    Files whose extension (any case) is in :data:`IMAGE_EXTENSIONS` count; hidden files
    (name starting with ``.``, such as macOS ``._cell.png``) and other files do not.

    Raises
    ------
    DataError
        When ``folder`` does not exist.
    """
    folder = _folder(folder, "image")
    found = [
        path
        for path in folder.iterdir()
        if not path.name.startswith(".")
        and path.suffix.lower() in IMAGE_EXTENSIONS
        and path.is_file()
    ]
    return sorted(found, key=lambda path: (path.stem, path.name))


def _shorten(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _by_stem(paths: list[Path], folder: Path, strip: str = "") -> dict[str, Path]:
    by_stem: dict[str, list[Path]] = {}
    for path in paths:
        stem = path.stem
        if strip and stem.endswith(strip):
            stem = stem[: -len(strip)]
        by_stem.setdefault(stem, []).append(path)
    doubles = {stem: found for stem, found in by_stem.items() if len(found) > 1}
    if doubles:
        listed = _shorten([" and ".join(p.name for p in found) for found in doubles.values()])
        raise DataError(
            f"{folder} holds several files for the same name: {listed}. "
            "Pairs are matched by the name without its extension, so keep one file per name "
            "(delete or rename the others)."
        )
    return {stem: found[0] for stem, found in by_stem.items()}


def pair_images_and_masks(
    image_dir: PathLike, mask_dir: PathLike, *, mask_suffix: str = ""
) -> list[tuple[Path, Path]]:
    """Image/mask pairs matched by file stem, sorted by stem.

    ``images/a.b.jpg`` pairs with ``masks/a.b.png``: only the name without its
    extension counts, never the position in a listing.

    Parameters
    ----------
    image_dir, mask_dir : str or path
        Folders of images and of masks.
    mask_suffix : str
        Extra ending of the mask names: with ``mask_suffix="_mask"``,
        ``images/a.png`` pairs with ``masks/a_mask.png``.

    Returns
    -------
    list of (Path, Path)
        ``(image_path, mask_path)`` in the order of the image stems.

    Raises
    ------
    DataError
        When a folder is missing or has no images, when an image has no mask or a mask no
        image (all of them are listed), or when one folder holds two files of the same
        stem (``a.png`` and ``a.jpg``).
    """
    image_dir, mask_dir = _folder(image_dir, "image"), _folder(mask_dir, "mask")
    images = _by_stem(list_images(image_dir), image_dir)
    masks = _by_stem(list_images(mask_dir), mask_dir, strip=mask_suffix)
    if not images:
        raise DataError(
            f"No images found in {image_dir} (looked for {', '.join(IMAGE_EXTENSIONS)} "
            "in any case). Check the folder."
        )
    no_mask = sorted(set(images) - set(masks))
    no_image = sorted(set(masks) - set(images))
    if no_mask or no_image:
        lines = [f"Images and masks do not pair up by file name ({image_dir} and {mask_dir})."]
        if no_mask:
            names = [images[stem].name for stem in no_mask]
            lines.append(f"{len(no_mask)} image(s) without a mask: {_shorten(names)}.")
        if no_image:
            names = [masks[stem].name for stem in no_image]
            lines.append(f"{len(no_image)} mask(s) without an image: {_shorten(names)}.")
        lines.append(_pairing_hint(list(images), [p.stem for p in list_images(mask_dir)]))
        raise DataError(" ".join(lines))
    return [(images[stem], masks[stem]) for stem in sorted(images)]


def _pairing_hint(image_stems: list[str], mask_stems: list[str]) -> str:
    """A guess at why names differ: a common mask ending, or upper/lower case."""
    for image_stem in image_stems:
        longer = [m for m in mask_stems if m.startswith(image_stem) and m != image_stem]
        if len(longer) == 1:
            suffix = longer[0][len(image_stem) :]
            if all(stem + suffix in mask_stems for stem in image_stems):
                return (
                    f"The masks seem to be named with the ending {suffix!r}: "
                    f"pass mask_suffix={suffix!r}."
                )
            break
    if {s.lower() for s in image_stems} == {s.lower() for s in mask_stems}:
        return "The names differ only in upper/lower case: rename the files so they match exactly."
    return (
        "Every image needs a mask with the same name (the extension may differ, e.g. "
        "images/cell_01.tif and masks/cell_01.png): add the missing files or remove the extra ones."
    )


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------

# EXIF orientation tag (0x0112) -> the array operation that shows the image upright.
# Pillow's ImageOps.exif_transpose does this for the images Pillow can hold; this table
# is for 16-bit colour images, which Pillow cannot hold (a test checks it against Pillow).
_ORIENT = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, 2).swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}


def _apply_orientation(array: np.ndarray, orientation: int) -> np.ndarray:
    return np.ascontiguousarray(_ORIENT.get(orientation, _ORIENT[1])(array))


def _unreadable(path: Path, error: BaseException) -> DataError:
    if isinstance(error, FileNotFoundError):
        return DataError(f"{path} does not exist. Check the path.")
    return DataError(
        f"{path} could not be read as an image ({type(error).__name__}: {error}). The file may "
        "be damaged or incomplete (an interrupted copy or download), or not an image despite "
        "its name: open it in an image viewer, then replace or delete it."
    )


def raw_mode(image) -> str:
    """How an opened image file stores its pixels, as Pillow's raw mode.

    Pillow reads 16-bit colour as 8-bit RGB, so ``image.mode`` does not tell; the raw
    mode does (``"RGB;16B"``, ``"I;16"``; ``"BGR"`` for a 24-bit BMP).

    Parameters
    ----------
    image : PIL.Image.Image
        Opened but not yet loaded (after ``load()`` Pillow forgets how it was stored).

    Returns
    -------
    str
        The raw mode of the file's first tile, or ``""`` when there is none.
    """
    if not image.tile:
        return ""
    args = image.tile[0].args
    return args if isinstance(args, str) else str(args[0]) if args else ""


def _read_colour16(path: Path, orientation: int) -> np.ndarray:
    """16-bit colour pixels via OpenCV (BGR order there, turned into RGB here)."""
    import cv2

    data = np.fromfile(path, dtype=np.uint8)  # imdecode also takes non-ASCII paths on Windows
    array = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if array is None or array.ndim != 3:
        raise DataError(f"{path}: OpenCV could not read this 16-bit colour image.")
    return _apply_orientation(array[..., 2::-1], orientation)  # BGR(A) -> RGB, alpha dropped


def _decode(path: PathLike, *, palette_as_indices: bool) -> np.ndarray:
    """Pixels of a file, upright: (H, W) grey or (H, W, 3) RGB, uint8 or uint16."""
    from PIL import Image, ImageOps

    path = Path(path)
    try:
        with Image.open(path) as image:
            if image.mode in ("RGB", "RGBA") and ";16" in raw_mode(image):
                return _read_colour16(path, image.getexif().get(0x0112, 1))
            image.load()
            image = ImageOps.exif_transpose(image)
            return _to_array(image, path, palette_as_indices)
    except DataError:
        raise
    # Pillow signals a damaged file with many types (OSError, SyntaxError, EOFError,
    # struct.error, ValueError, DecompressionBombError...): all mean "cannot read this file".
    except Exception as error:
        raise _unreadable(path, error) from error


def _to_array(image, path: Path, palette_as_indices: bool) -> np.ndarray:
    mode = image.mode
    if mode == "L":
        return np.asarray(image)
    if mode.startswith("I;16"):
        return np.asarray(image).astype(np.uint16)  # native byte order
    if mode == "I":
        array = np.asarray(image)
        if array.min() < 0 or array.max() > 65535:
            raise DataError(
                f"{path} holds 32-bit integer pixels outside 0..65535; save it as an 8- or "
                "16-bit image."
            )
        return array.astype(np.uint16)
    if mode == "F":
        raise DataError(
            f"{path} holds floating-point pixels; save it as an 8- or 16-bit image "
            "(scale it to 0..255 or 0..65535 first)."
        )
    if mode in ("P", "PA") and palette_as_indices:
        return np.asarray(image)[..., 0] if mode == "PA" else np.asarray(image)
    if mode in ("1", "LA", "La"):
        return np.asarray(image.convert("L"))
    if mode in ("RGB", "RGBA", "RGBa", "RGBX"):
        return np.asarray(image)[..., :3].copy()  # alpha dropped
    try:  # P, PA, CMYK, YCbCr, LAB, HSV: Pillow converts them to RGB
        return np.asarray(image.convert("RGB"))
    except ValueError as error:
        message = f"{path}: pixel format {mode!r} is not supported; save it as PNG."
        raise DataError(message) from error


def _rgb_to_grey(rgb: np.ndarray) -> np.ndarray:
    """Grey pixels of the file's dtype: :func:`helpers.conventions.grey_from_rgb`, rounded."""
    return np.rint(grey_from_rgb(rgb)).astype(rgb.dtype)[..., None]


def read_image(path: PathLike, *, channels: int | None = None) -> np.ndarray:
    """An image file as an array, upright and in RGB order.

    Parameters
    ----------
    path : str or path
        A PNG, JPEG, TIFF or BMP file.
    channels : {None, 1, 3}
        ``None`` keeps the file's kind: grey gives 1 channel, colour 3. ``1`` converts
        colour to grey (the course's one formula, BT.601 luma, as Pillow's
        ``convert("L")``: :func:`helpers.conventions.grey_from_rgb`), ``3`` repeats grey
        into RGB.

    Returns
    -------
    ndarray of uint8 or uint16, shape (H, W, C)
        EXIF orientation applied; 16-bit files stay uint16. RGBA and grey+alpha lose
        their alpha channel (it is not part of the picture); palette images become RGB.

    Raises
    ------
    DataError
        When the file is missing, damaged, not an image, or holds floating-point pixels.
    """
    if channels not in (None, 1, 3):
        raise ConfigError(f"channels must be None, 1 or 3, got {channels!r}.")
    array = _decode(path, palette_as_indices=False)
    if array.ndim == 2:
        array = array[..., None]
    if channels == 1 and array.shape[-1] == 3:
        return _rgb_to_grey(array)
    if channels == 3 and array.shape[-1] == 1:
        return np.repeat(array, 3, axis=-1)
    return array


def _mask_labels(pixels: np.ndarray, path: Path, max_label: int) -> np.ndarray:
    """The course's one rule (:func:`helpers.conventions.mask_labels`), as uint8."""
    return mask_labels(pixels, what=str(path), max_label=max_label).astype(np.uint8)


def read_mask(path: PathLike, *, max_label: int = MAX_LABEL) -> np.ndarray:
    """A mask file as labels.

    Parameters
    ----------
    path : str or path
        A mask image: grey, palette (the palette index is the label), or RGB whose three
        channels are equal.
    max_label : int
        Largest value taken as a class index.

    Returns
    -------
    ndarray of uint8, shape (H, W)
        0/255 (and 0/65535) become 0/1; 0/1 and class indices up to ``max_label`` are
        kept. EXIF orientation is applied, as for the image.

    Raises
    ------
    DataError
        For a missing or damaged file, a colour mask, or values that are not labels (such
        as the many grey levels of a JPEG-compressed mask); the message says what to do.
    """
    path = Path(path)
    pixels = _decode(path, palette_as_indices=True)
    if pixels.ndim == 3:
        red = pixels[..., 0]
        if not ((red == pixels[..., 1]).all() and (red == pixels[..., 2]).all()):
            raise DataError(
                f"{path} is a colour mask. Masks hold one label per pixel: convert each colour "
                "to a class index (0 background, 1, 2, ...) and save it as a grey PNG."
            )
        pixels = pixels[..., 0]
    return _mask_labels(pixels, path, max_label)


# --------------------------------------------------------------------------------------
# Normalising and resizing
# --------------------------------------------------------------------------------------


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


def as_pairs(pairs: Iterable[tuple[PathLike, PathLike]]) -> list[tuple[Path, Path]]:
    """``pairs`` as a list of (image path, mask path), each a :class:`pathlib.Path`.

    Parameters
    ----------
    pairs : iterable of (image_path, mask_path)
        As :func:`pair_images_and_masks` gives them; any path-like.

    Returns
    -------
    list of (Path, Path)

    Raises
    ------
    DataError
        When there are no pairs.
    """
    pairs = [(Path(image), Path(mask)) for image, mask in pairs]
    if not pairs:
        raise DataError(
            "No image/mask pairs were given: check the folders (see pair_images_and_masks)."
        )
    return pairs


#: Pillow modes of a grey image (8-bit, 16-bit, 32-bit, float, with or without alpha):
#: any other mode is colour.
GREY_MODES = ("1", "L", "LA", "La", "I", "F", "I;16", "I;16L", "I;16B", "I;16N")


def infer_channels(pairs: Iterable[tuple[PathLike, PathLike]]) -> int:
    """3 if any image of the pairs is in colour, else 1; checks that every file opens.

    Only file headers are read (fast, even for thousands of files), so a damaged or
    mislabelled file is reported before training starts rather than in the middle of it.

    Raises
    ------
    DataError
        Naming a file that is not an image, or a pair whose sizes differ.
    """
    from PIL import Image

    channels = 1
    for image_path, mask_path in as_pairs(pairs):
        sizes = []
        for path in (image_path, mask_path):
            try:
                with Image.open(path) as opened:
                    sizes.append(opened.size)
                    if path == image_path and opened.mode not in GREY_MODES:
                        channels = 3
            except Exception as error:  # see _decode
                raise _unreadable(path, error) from error
        # EXIF orientation may swap width and height: load_pair checks the upright sizes
        if sizes[0] != sizes[1] and sizes[0] != sizes[1][::-1]:
            (iw, ih), (mw, mh) = sizes
            raise DataError(
                f"{image_path} is {iw}x{ih} pixels but its mask {mask_path} is {mw}x{mh}: "
                "a mask must have its image's size. Remake the mask from this image."
            )
    return channels


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
