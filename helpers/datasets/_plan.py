"""Which reader for which file, and a pipeline's plan, from the files' headers alone.

:func:`readable_in_graph` says whether TensorFlow's own decoders read a file exactly as
:mod:`helpers.io` does; :func:`plan_pairs` looks once at every pair's headers and fixes
what the whole pipeline needs before anything is decoded (a :class:`PairPlan`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.errors import ConfigError, DataError
from helpers.io import (
    GREY_MODES,
    MAX_LABEL,
    PathLike,
    as_pairs,
    infer_channels,
    raw_mode,
    size_hw,
)

__all__ = ["PairPlan", "inspect_file", "plan_pairs", "readable_in_graph"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_in_graph(file, *, palette: bool) -> bool:
    """True when TensorFlow's PNG decoder gives what :func:`helpers.io.read_image` gives:
    8 bits per channel, no EXIF (``eXIf``) chunk, complete (ends with ``IEND``).

    Walks the chunk headers only (a seek per chunk), so it costs microseconds."""
    file.seek(0)
    if file.read(8) != _PNG_SIGNATURE:
        return False
    while True:
        head = file.read(8)
        if len(head) < 8:
            return False  # cut short: the NumPy reader names the file
        length, kind = int.from_bytes(head[:4], "big"), head[4:]
        if kind == b"IHDR":
            data = file.read(length + 4)
            depth, colour = data[8], data[9]
            if depth != 8 or colour not in ((0, 2, 3, 4, 6) if palette else (0, 4)):
                return False
            continue
        if kind == b"eXIf":
            return False
        if kind == b"IEND":
            return True
        file.seek(length + 4, os.SEEK_CUR)


def _bmp_in_graph(file, image) -> bool:
    """24-bit RGB BMP whose file is as long as its header says."""
    if image.mode != "RGB" or raw_mode(image) != "BGR":
        return False
    file.seek(2)
    declared = int.from_bytes(file.read(4), "little")
    file.seek(0, os.SEEK_END)
    return file.tell() >= declared


def inspect_file(path: Path, *, mask: bool) -> tuple[str, str, tuple[int, int], bool]:
    """One look at a file's header.

    Parameters
    ----------
    path : Path
    mask : bool
        The file is a mask (palette PNGs and BMPs then go to the NumPy reader).

    Returns
    -------
    (format, mode, (width, height), readable in the graph)
        Pillow's format and mode (``"I;16"`` for any 16-bit file).

    Raises
    ------
    Exception
        Whatever Pillow raises for a file that is not an image.
    """
    from PIL import Image

    with open(path, "rb") as file, Image.open(file) as image:
        kind, mode, size = image.format, image.mode, image.size
        if kind == "PNG":
            graph = _png_in_graph(file, palette=not mask)
        elif kind == "BMP":
            graph = not mask and _bmp_in_graph(file, image)
        else:
            graph = False
        if mode.startswith("I") or ";16" in raw_mode(image):
            mode = "I;16"  # 16-bit, whatever Pillow calls it
    return kind, mode, size, graph


def readable_in_graph(path: PathLike, *, mask: bool = False) -> bool:
    """Whether TensorFlow's own decoders (in the graph) read this file exactly as
    :func:`helpers.io.read_image` (or, for ``mask=True``, :func:`helpers.io.read_mask`)
    does.

    True for 8-bit PNG (grey, grey+alpha, RGB, RGBA; palette for images) and 24-bit BMP,
    each complete (not cut short). Everything else goes through the NumPy reader, which
    handles it or raises the :class:`DataError` that names the file: TIFF, 16-bit files,
    EXIF rotation, palette masks, damaged files, and JPEG (TensorFlow's libjpeg rounds
    differently from Pillow's: up to 4 grey levels apart on a test file). Only headers
    are read.
    """
    try:
        return inspect_file(Path(path), mask=mask)[3]
    except Exception:  # not an image, damaged: the NumPy reader says so, naming the file
        return False


@dataclass(frozen=True)
class PairPlan:
    """What a pipeline of pairs needs to know before it decodes any of them.

    Attributes
    ----------
    pairs : list of (Path, Path)
    height, width : int
        The size every pair is resized to.
    channels : {1, 3}
        Channels of the images the pipeline gives.
    num_classes : int
    stored : {numpy.uint8, numpy.uint16}
        How the decoded pixels are kept (``uint16`` when any image is 16-bit).
    in_graph : list of bool
        Per pair: TensorFlow decodes both files (:func:`readable_in_graph`).
    all_png : bool
        Every file that TensorFlow decodes is a PNG.
    all_grey : bool
        Every image is grey.
    sizes : set of (height, width)
        The images' own sizes.
    """

    pairs: list[tuple[Path, Path]]
    height: int
    width: int
    channels: int
    num_classes: int
    stored: type
    in_graph: list[bool]
    all_png: bool
    all_grey: bool
    sizes: set[tuple[int, int]]

    @property
    def top(self) -> float:
        """The stored dtype's largest value (255. or 65535.), as a float."""
        return float(np.iinfo(self.stored).max)

    @property
    def bits(self) -> int:
        """Bits of one stored channel (8 or 16)."""
        return 8 * np.dtype(self.stored).itemsize

    @property
    def limit(self) -> int:
        """The largest label a mask decoded by TensorFlow may hold without a recheck."""
        return 1 if self.num_classes == 1 else min(self.num_classes - 1, MAX_LABEL)

    @property
    def pair_bytes(self) -> int:
        """Bytes one stored pair takes (the image's channels and a one-byte mask)."""
        return self.height * self.width * (self.channels * np.dtype(self.stored).itemsize + 1)

    @property
    def needs_resize(self) -> bool:
        """Some image is not already ``height`` x ``width``."""
        return self.sizes != {(self.height, self.width)}


def _scan_headers(pairs: list) -> tuple[int, bool, list[bool], bool, set]:
    """One look at every file's header: the channels found (3 if any image is in
    colour), whether any image is 16-bit, which pairs TensorFlow decodes, whether those
    are all PNG, and the images' sizes (height, width). Checks what
    :func:`helpers.io.infer_channels` checks, and raises its errors."""
    channels, sixteen, graph, formats, sizes = 1, False, [], set(), set()
    try:
        for image_path, mask_path in pairs:
            kind, mode, size, image_graph = inspect_file(image_path, mask=False)
            mask_kind, _, mask_size, mask_graph = inspect_file(mask_path, mask=True)
            if size != mask_size and size != mask_size[::-1]:
                raise DataError("sizes differ")
            channels = 3 if mode not in GREY_MODES else channels
            sixteen = sixteen or mode == "I;16"
            graph.append(image_graph and mask_graph)
            if image_graph and mask_graph:
                formats |= {kind, mask_kind}
            sizes.add(size[::-1])
    except Exception:
        infer_channels(pairs)  # raises the error that names the file
        raise
    return channels, sixteen, graph, formats <= {"PNG"}, sizes


def plan_pairs(
    pairs: Iterable[tuple[PathLike, PathLike]],
    *,
    size: int | Sequence[int],
    channels: int | None,
    num_classes: int,
) -> PairPlan:
    """Check the settings and every pair's headers, and plan how each pair is read.

    Parameters
    ----------
    pairs : iterable of (image_path, mask_path)
    size : int or (height, width)
    channels : {None, 1, 3}
        ``None``: 3 if any image is in colour, else 1.
    num_classes : int

    Returns
    -------
    PairPlan

    Raises
    ------
    DataError
        When there are no pairs, a file is not an image, or a pair's sizes differ.
    ConfigError
        For a ``size``, ``num_classes`` or ``channels`` that the pipeline cannot use.
    """
    pairs = as_pairs(pairs)
    height, width = size_hw(size)
    if num_classes < 1:
        raise ConfigError(f"num_classes must be 1 (binary) or more, got {num_classes}.")
    found, sixteen, in_graph, all_png, sizes = _scan_headers(pairs)
    channels = found if channels is None else channels
    if channels not in (1, 3):
        raise ConfigError(f"channels must be None, 1 or 3, got {channels!r}.")
    return PairPlan(
        pairs=pairs,
        height=height,
        width=width,
        channels=channels,
        num_classes=num_classes,
        stored=np.uint16 if sixteen else np.uint8,
        in_graph=in_graph,
        all_png=all_png,
        all_grey=found == 1,
        sizes=sizes,
    )
