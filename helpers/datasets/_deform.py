"""Augmentation of patches in NumPy: elastic deformation (image and mask alike) and
brightness/contrast/gamma jitter (the image only)."""

from __future__ import annotations

from functools import cache

import numpy as np

from helpers.conventions import float_image
from helpers.errors import ConfigError

__all__ = [
    "ELASTIC_GRID",
    "ELASTIC_STD",
    "INTENSITY_RANGES",
    "deform",
    "elastic_deform",
    "elastic_field",
    "jitter_intensity",
]

#: Control points per side of the coarse grid of random displacements (the U-Net paper's 3).
ELASTIC_GRID = 3

#: Standard deviation of each control point's displacement, as a share of the patch side:
#: 10 px for a 256 px patch, as the U-Net paper's 10 px on its 3 x 3 grid.
ELASTIC_STD = 10 / 256

#: Ranges of the intensity jitter (:func:`jitter_intensity`): gamma, contrast factor,
#: brightness shift, each drawn uniformly (gamma and contrast on a log scale).
INTENSITY_RANGES = {"gamma": (0.7, 1.4), "contrast": (0.75, 1.33), "brightness": (-0.1, 0.1)}


def elastic_field(
    size: int | tuple[int, int],
    *,
    rng: np.random.Generator,
    std: float | None = None,
    grid: int = ELASTIC_GRID,
) -> np.ndarray:
    """A smooth random displacement field: random vectors on a coarse grid, interpolated.

    As in the U-Net paper: the displacements of ``grid x grid`` control points spread
    over the patch (corners included) are drawn from a normal distribution of standard
    deviation ``std`` pixels, and every pixel's displacement is interpolated from them
    with cubic splines, so neighbouring pixels move almost alike (no tearing).

    Parameters
    ----------
    size : int or (height, width)
    rng : numpy.random.Generator
    std : float, optional
        Pixels (default :data:`ELASTIC_STD` times the larger side: 10 px for 256 px).
    grid : int
        Control points per side (at least 2).

    Returns
    -------
    ndarray of float32, shape (2, height, width)
        Row and column displacement of every pixel, in pixels.

    Raises
    ------
    ConfigError
        For a ``grid`` below 2 or a negative ``std``.
    """
    height, width = (size, size) if isinstance(size, (int, np.integer)) else size
    if grid < 2:
        raise ConfigError(f"grid must be at least 2 control points per side, got {grid}.")
    std = ELASTIC_STD * max(height, width) if std is None else float(std)
    if std < 0:
        raise ConfigError(f"std must be at least 0 pixels, got {std}.")
    coarse = rng.normal(0.0, std, size=(2, grid, grid))
    along_rows, along_cols = _spline_matrix(height, grid), _spline_matrix(width, grid)
    return np.stack([along_rows @ part @ along_cols.T for part in coarse]).astype(np.float32)


@cache
def _spline_matrix(length: int, grid: int) -> np.ndarray:
    """(length, grid): cubic-spline interpolation from ``grid`` control points spread
    over ``length`` pixels (first and last on the ends), as a matrix."""
    from scipy.ndimage import map_coordinates

    where = np.linspace(0, grid - 1, length)[None]
    return np.stack(
        [map_coordinates(basis, where, order=3, mode="nearest") for basis in np.eye(grid)],
        axis=1,
    )


def deform(
    array: np.ndarray, field: np.ndarray, *, order: int, offset: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """``array`` sampled at every pixel plus its displacement: ``out[i, j] =
    array[offset + (i, j) + field[:, i, j]]``, reflected where that leaves the array.

    Parameters
    ----------
    array : ndarray, shape (H, W) or (H, W, C)
        Float pixels for ``order=1``; labels (any integer dtype) for ``order=0``.
    field : ndarray of float, shape (2, h, w)
        From :func:`elastic_field`; the output has its size.
    order : {0, 1}
        0: nearest neighbour (masks keep their labels); 1: bilinear (images).
        Positions past the array's edge are reflected (``np.pad(mode="reflect")``).
    offset : (int, int)
        Where the output's origin is in ``array`` (a patch cut from a larger window).

    Returns
    -------
    ndarray, shape (h, w[, C]), the dtype of ``array``
    """
    import cv2

    rows, cols = np.meshgrid(
        np.arange(field.shape[1], dtype=np.float32) + offset[0],
        np.arange(field.shape[2], dtype=np.float32) + offset[1],
        indexing="ij",
    )
    rows, cols = rows + field[0], cols + field[1]
    if order == 0:  # round once, so every output pixel is an input label
        rows, cols = np.rint(rows), np.rint(cols)
    method = cv2.INTER_NEAREST if order == 0 else cv2.INTER_LINEAR
    work = np.asarray(array)
    dtype = work.dtype
    if dtype not in (np.uint8, np.uint16, np.int16, np.float32, np.float64):
        work = work.astype(np.int32 if dtype.kind in "iub" else np.float32)
    # BORDER_REFLECT_101 reflects without repeating the edge: np.pad(mode="reflect")
    out = cv2.remap(
        work,
        cols.astype(np.float32),
        rows.astype(np.float32),
        interpolation=method,
        borderMode=cv2.BORDER_REFLECT_101,
    )
    out = out.reshape(field.shape[1:] + work.shape[2:])  # OpenCV drops a last axis of 1
    return out.astype(dtype, copy=False)


def elastic_deform(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    rng: np.random.Generator,
    std: float | None = None,
    grid: int = ELASTIC_GRID,
) -> tuple[np.ndarray, np.ndarray]:
    """An image and its mask moved by one smooth random displacement field.

    The image is interpolated (bilinear), the mask takes the label of the nearest pixel
    (no new labels), both at the same displaced positions, so they stay aligned.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        uint8/uint16 pixels or floats in [0, 1].
    mask : ndarray of integer labels, shape (H, W)
    rng, std, grid
        As for :func:`elastic_field`.

    Returns
    -------
    image : ndarray of float32 in [0, 1], the shape of ``image``
    mask : ndarray, the shape and dtype of ``mask``
    """
    field = elastic_field(image.shape[:2], rng=rng, std=std, grid=grid)
    return deform(float_image(image), field, order=1), deform(np.asarray(mask), field, order=0)


def jitter_intensity(
    image: np.ndarray, *, rng: np.random.Generator, ranges: dict | None = None
) -> np.ndarray:
    """Random gamma, contrast and brightness of one image (all its channels alike).

    ``x ** gamma``, then the contrast factor around the image's mean, then the
    brightness shift, then clipped to [0, 1]; each drawn from :data:`INTENSITY_RANGES`
    (gamma and contrast on a log scale, so that 0.75 and 1.33 are as likely). Dark and
    light, flat and contrasty images of the same structures: what microscopes, stains
    and scanners vary.

    Parameters
    ----------
    image : ndarray of float32 in [0, 1], shape (H, W) or (H, W, C)
    rng : numpy.random.Generator
    ranges : dict, optional
        ``{"gamma": (low, high), "contrast": (low, high), "brightness": (low, high)}``.

    Returns
    -------
    ndarray of float32 in [0, 1], the shape of ``image``
    """
    ranges = {**INTENSITY_RANGES, **(ranges or {})}
    gamma = np.exp(rng.uniform(*np.log(ranges["gamma"])))
    contrast = np.exp(rng.uniform(*np.log(ranges["contrast"])))
    brightness = rng.uniform(*ranges["brightness"])
    out = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0) ** np.float32(gamma)
    mean = out.mean()
    out = (out - mean) * np.float32(contrast) + mean + np.float32(brightness)
    return np.clip(out, 0.0, 1.0).astype(np.float32)
