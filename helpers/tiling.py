"""Tiles and patches of large images, in plain NumPy: where they go, and how they are blended.

A network that trains on patches and predicts in tiles needs three things that do not
depend on the network, and live here so that training (:mod:`helpers.datasets`) and
prediction (:mod:`helpers.inference`) share them:

=============================  ===========================================================
:func:`tile_starts`            tile origins along one axis: every ``tile - overlap`` pixels,
                               the last one flush with the end
:func:`mirror_indices`         the source row (or column) of each pixel of a window that
                               may reach past the image: reflected back inside, as
                               ``np.pad(mode="reflect")`` does
:func:`crop_window`            a window of an image at any origin, reflected where it
                               leaves the image (a patch, or a tile)
:func:`blend_tiles`            tiles predicted in batches and blended with a window of
                               weights, given back a band of finished rows at a time
=============================  ===========================================================

Memory: :func:`blend_tiles` keeps one band of ``tile`` rows of the blended sums (not the
whole image's), and takes the tiles straight from the image with :func:`crop_window` (no
padded copy of it), so a mask of any size can be made within bounded memory
(:func:`helpers.inference.predict_tiled_mask`).

Example
-------
>>> tile_starts(300, 128, 32)
[0, 96, 172]
>>> mirror_indices(-2, 5, 3)
array([2, 1, 0, 1, 2, 1, 0])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from helpers.errors import ConfigError

__all__ = [
    "blend_tiles",
    "crop_window",
    "mirror_indices",
    "padded_indices",
    "tile_starts",
]


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Origins of tiles of side ``tile`` along an axis of ``length`` pixels.

    One every ``tile - overlap`` pixels, the last one flush with the end (so the tiles
    cover the axis and none reaches past it); ``[0]`` when one tile covers it.

    Parameters
    ----------
    length, tile : int
        Pixels along the axis, and the side of a tile (both at least 1).
    overlap : int
        Pixels that neighbouring tiles share, ``0 <= overlap < tile``.

    Returns
    -------
    list of int
        Sorted, distinct origins.

    Raises
    ------
    ConfigError
        For an ``overlap`` outside ``[0, tile)``, or a length or tile below 1.
    """
    if length < 1 or tile < 1:
        raise ConfigError(f"length and tile must be at least 1, got {length} and {tile}.")
    if not 0 <= overlap < tile:
        raise ConfigError(f"overlap must be in [0, tile), got overlap={overlap}, tile={tile}.")
    if length <= tile:
        return [0]
    step = tile - overlap
    count = math.ceil((length - tile) / step) + 1
    return sorted({min(i * step, length - tile) for i in range(count)})


def mirror_indices(start: int, stop: int, length: int) -> np.ndarray:
    """Source indices of positions ``start .. stop - 1`` along an axis of ``length``
    pixels, reflected back inside where they leave it.

    Reflection without repeating the edge pixel, as ``np.pad(mode="reflect")`` (and
    ``scipy.ndimage``'s ``mode="mirror"``): ``-1`` is ``1``, ``length`` is
    ``length - 2``; repeated for positions more than one length away. An axis of one
    pixel gives that pixel everywhere.

    Returns
    -------
    ndarray of intp, shape (stop - start,)
    """
    positions = np.arange(start, stop)
    if length == 1:
        return np.zeros(len(positions), dtype=np.intp)
    period = 2 * (length - 1)
    folded = np.mod(positions, period)
    return np.where(folded < length, folded, period - folded).astype(np.intp)


def padded_indices(length: int, sizes: Sequence[int]) -> np.ndarray:
    """Source indices of an axis reflect-padded at its end in steps: first to
    ``sizes[0]``, then the result to ``sizes[1]``, and so on (a size at most the
    current length leaves it as it is).

    The same pixels as ``np.pad(..., mode="reflect")`` applied step by step
    (:func:`helpers.inference.pad_to_multiple`, then up to a tile), without the copy.

    Returns
    -------
    ndarray of intp, shape (max(length, *sizes),)
    """
    index = np.arange(length)
    for size in sizes:
        if size > len(index):
            index = index[mirror_indices(0, size, len(index))]
    return index


def crop_window(
    array: np.ndarray,
    row: int,
    col: int,
    size: int | tuple[int, int],
    *,
    rows: np.ndarray | None = None,
    cols: np.ndarray | None = None,
) -> np.ndarray:
    """The window of ``array`` whose top-left corner is ``(row, col)``, reflected
    (``np.pad(mode="reflect")``) where it reaches past the image; a copy.

    Parameters
    ----------
    array : ndarray, shape (H, W) or (H, W, C), any dtype
        An image or a mask (a NumPy memory map works too: only the window is read).
    row, col : int
        The window's origin; may be negative or reach past the image.
    size : int or (height, width)
    rows, cols : ndarray of int, optional
        The source index of every row and column of a padded image (as
        :func:`padded_indices` gives them); default: reflection by
        :func:`mirror_indices`.

    Returns
    -------
    ndarray, shape (height, width[, C]), the dtype of ``array``
    """
    height, width = (size, size) if isinstance(size, (int, np.integer)) else size
    if rows is None:
        inside_rows = 0 <= row and row + height <= array.shape[0]
        rows_index = (
            slice(row, row + height)
            if inside_rows
            else mirror_indices(row, row + height, array.shape[0])
        )
    else:
        rows_index = rows[row : row + height]
    if cols is None:
        inside_cols = 0 <= col and col + width <= array.shape[1]
        cols_index = (
            slice(col, col + width)
            if inside_cols
            else mirror_indices(col, col + width, array.shape[1])
        )
    else:
        cols_index = cols[col : col + width]
    if isinstance(rows_index, slice):
        window = array[rows_index]
    else:
        # the window's rows first (a memory map reads only these), then its columns
        start, stop = int(rows_index.min()), int(rows_index.max()) + 1
        window = np.asarray(array[start:stop])[rows_index - start]
    if isinstance(cols_index, slice):
        return np.array(window[:, cols_index])
    return np.asarray(window)[:, cols_index]


def blend_tiles(
    image: np.ndarray,
    predict: Callable[[np.ndarray], np.ndarray],
    *,
    tile: int,
    overlap: int,
    weights: np.ndarray,
    batch_size: int = 8,
    pad_to: Sequence[int] = (),
    prepare: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Predict ``image`` in overlapping tiles and blend them: finished rows, band by band.

    The tiles are cut from ``image`` (reflected at its end, first to each size of
    ``pad_to`` then up to one tile, as :func:`padded_indices`), predicted ``batch_size``
    at a time in row-major order, and added with ``weights`` into a band of ``tile``
    rows. Rows that no later tile reaches are finished: divided by their summed weights,
    cropped to the image and given back. At most one band of sums is held, never the
    whole image's.

    Parameters
    ----------
    image : ndarray, shape (H, W, C)
        Any dtype that ``prepare`` takes (a memory map works: only the tiles are read).
    predict : callable
        ``(B, tile, tile, C)`` tiles to ``(B, tile, tile, K)`` float32 probabilities.
    tile, overlap : int
        Side of a tile, and pixels shared by neighbouring tiles (``0 <= overlap < tile``).
    weights : ndarray of float32, shape (tile, tile)
        Blending weights, positive (e.g. :func:`helpers.inference.tile_weights`).
    batch_size : int
        Tiles per call of ``predict``.
    pad_to : sequence of (int, int)
        Sizes (height, width) the image is reflect-padded to first, in order (e.g. the
        next multiple of the network's ``2**depth``).
    prepare : callable, optional
        Applied to each batch of tiles before ``predict`` (e.g. normalisation).

    Yields
    ------
    (int, ndarray of float32, shape (rows, W, K))
        The first row of the block, and the blended probabilities of its rows. The blocks
        follow each other and cover the image's ``H`` rows.

    Raises
    ------
    ConfigError
        For an ``overlap`` outside ``[0, tile)``, or ``weights`` of another shape.

    Notes
    -----
    Every pixel's sum is made of the same terms, added in the same order, as a whole-image
    accumulator would make it: the result does not depend on the band.
    """
    height, width = image.shape[:2]
    if np.shape(weights) != (tile, tile):
        raise ConfigError(f"weights must have shape ({tile}, {tile}), got {np.shape(weights)}.")
    rows = padded_indices(height, [s[0] for s in pad_to] + [tile])
    cols = padded_indices(width, [s[1] for s in pad_to] + [tile])
    full_h, full_w = len(rows), len(cols)
    row_starts = tile_starts(full_h, tile, overlap)
    col_starts = tile_starts(full_w, tile, overlap)
    origins = [(r, c) for r in row_starts for c in col_starts]
    weights = np.asarray(weights, dtype=np.float32)[..., None]
    band_top = 0  # the image row of the band's first row
    total = norm = None
    emitted = 0

    def finish(count: int):
        """The band's first ``count`` rows, divided and cropped; the band moves down."""
        nonlocal total, norm, band_top, emitted
        block = (total[:count] / norm[:count])[:, :width]
        top = band_top
        total = np.concatenate([total[count:], np.zeros_like(total[:count])])
        norm = np.concatenate([norm[count:], np.zeros_like(norm[:count])])
        band_top += count
        stop = min(top + count, height)
        if stop > top:
            emitted = stop
            return top, block[: stop - top]
        return None

    for first in range(0, len(origins), batch_size):
        chunk = origins[first : first + batch_size]
        tiles = np.stack([crop_window(image, r, c, tile, rows=rows, cols=cols) for r, c in chunk])
        predicted = np.asarray(predict(tiles if prepare is None else prepare(tiles)))
        if total is None:
            total = np.zeros((tile, full_w, predicted.shape[-1]), np.float32)
            norm = np.zeros((tile, full_w, 1), np.float32)
        for (r, c), probabilities in zip(chunk, predicted, strict=True):
            if r > band_top:  # a new row of tiles: the rows above it are finished
                done = finish(r - band_top)
                if done is not None:
                    yield done
            top = r - band_top
            total[top : top + tile, c : c + tile] += probabilities * weights
            norm[top : top + tile, c : c + tile] += weights
    while total is not None and emitted < height:
        done = finish(tile)
        if done is None:
            break
        yield done
