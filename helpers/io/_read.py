"""Reading one image or mask file: EXIF orientation, 8/16-bit, grey/RGB, masks as labels."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from helpers.conventions import grey_from_rgb, mask_labels
from helpers.errors import ConfigError, DataError

from ._pairs import PathLike, as_pairs

#: Mask values up to this are taken as class indices (0 background, 1, 2, ...).
MAX_LABEL = 31

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
