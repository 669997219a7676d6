"""COCO run-length encoding (RLE), decoded here rather than by ``pycocotools``.

``pycocotools`` is a compiled package that the course keeps out of its runtime
dependencies (the tests use it as the reference). The format, from its ``maskApi.c``:

- A mask of shape ``(h, w)`` is read in column-major order (down the first column,
  then the next), and stored as the lengths of alternating runs, starting with a run
  of 0s (which may have length 0): ``{"size": [h, w], "counts": [c0, c1, ...]}`` is
  *uncompressed* RLE, and the counts add up to ``h * w``.
- *Compressed* RLE keeps the counts as a string (``rleToString``/``rleFrString``):
  from the fourth count on, each is stored as its difference to the count two places
  before; each number is written in 5-bit groups, least significant first, one group
  per character ``chr(48 + group)``, with ``0x20`` set on every group but the last of a
  number and ``0x10`` in the last group being the sign (the rest is sign-extended).

:func:`rle_counts` turns either kind into the list of counts, checking them;
:func:`rle_mask` gives the mask, the same pixels as ``pycocotools.mask.decode`` (the
tests check it on random masks of both kinds); :func:`decode_rle` is the same with
the course's error for bad input.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from helpers.errors import AnnotationError

__all__ = ["RleProblem", "decode_rle", "rle_counts", "rle_mask", "rle_size"]


class RleProblem(ValueError):
    """Internal: why an RLE cannot be decoded (the message completes 'the RLE ...')."""


def _string_counts(text: str) -> list[int]:
    """The counts of a compressed RLE string (``rleFrString`` of ``maskApi.c``)."""
    counts: list[int] = []
    value, shift, more = 0, 0, False
    for position, char in enumerate(text):
        code = ord(char) - 48
        if not 0 <= code < 64:
            raise RleProblem(
                f"has the character {char!r} at position {position} of its 'counts' string, "
                "where only the characters '0' to 'o' can stand"
            )
        value |= (code & 0x1F) << shift
        shift += 5
        more = bool(code & 0x20)
        if more:
            continue
        if code & 0x10:  # the sign: extend it
            value -= 1 << shift
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
        value, shift = 0, 0
    if more:
        raise RleProblem("has a 'counts' string that stops in the middle of a number")
    return counts


def rle_size(rle: Mapping) -> tuple[int, int]:
    """``(height, width)`` from an RLE's ``size``; raises :class:`RleProblem`."""
    size = rle.get("size")
    if (
        not isinstance(size, (list, tuple))
        or len(size) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise RleProblem(f"has the size {size!r}, not [height, width] in pixels")
    return int(size[0]), int(size[1])


def rle_counts(rle: Mapping) -> np.ndarray:
    """The run lengths of an RLE, compressed or not, checked against its size.

    Raises
    ------
    RleProblem
        For a size that is not ``[h, w]``, counts that are neither a list of whole
        numbers nor a string, negative counts, or counts that do not add up to ``h * w``.
    """
    height, width = rle_size(rle)
    raw = rle.get("counts")
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", errors="replace")
    if isinstance(raw, str):
        counts = _string_counts(raw)
    elif isinstance(raw, (list, tuple)) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in raw
    ):
        counts = list(raw)
    else:
        raise RleProblem("has 'counts' that are neither a list of whole numbers nor a string")
    array = np.asarray(counts, dtype=np.int64)
    if (array < 0).any():
        raise RleProblem("has negative run lengths (a damaged 'counts')")
    total = int(array.sum())
    if total != height * width:
        raise RleProblem(
            f"covers {total} pixels but its size {height}x{width} has {height * width}"
        )
    return array


def decode_rle(rle: Mapping) -> np.ndarray:
    """A COCO RLE (``{"size": [h, w], "counts": ...}``) as a mask.

    Parameters
    ----------
    rle : mapping
        ``counts`` a list of run lengths (uncompressed RLE) or a string (compressed
        RLE, as ``pycocotools.mask.encode`` writes it; ``bytes`` are taken too).

    Returns
    -------
    ndarray of bool, shape (h, w)
        The same pixels as ``pycocotools.mask.decode``.

    Raises
    ------
    AnnotationError
        For an RLE that is not well formed: a size that is not ``[h, w]``, counts that
        are neither whole numbers nor a string of '0' to 'o', negative, or that do not
        add up to ``h * w`` (where ``pycocotools`` reads or writes past its buffer).

    Examples
    --------
    >>> decode_rle({"size": [2, 3], "counts": [1, 2, 3]}).astype(int)
    array([[0, 1, 0],
           [1, 0, 0]])
    """
    try:
        return rle_mask(rle)
    except RleProblem as problem:
        raise AnnotationError(f"The RLE {problem}: export the annotations again.") from None


def rle_mask(rle: Mapping) -> np.ndarray:
    """:func:`decode_rle`, raising :class:`RleProblem` (the importers make it a report row)."""
    height, width = rle_size(rle)
    counts = rle_counts(rle)
    values = (np.arange(len(counts)) % 2).astype(bool)
    flat = np.repeat(values, counts)
    return flat.reshape(width, height).T
