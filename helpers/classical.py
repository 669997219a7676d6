"""Classical segmentation: thresholds, edges and watershed, each giving a mask to score.

Chapter 2 compares these with the ground truth before any network is trained. Every
function takes an image and returns a bool mask of shape ``(H, W)`` (True = object),
which :mod:`helpers.metrics` accepts as it is. The filters are scikit-image's and
SciPy's; this module only fixes the conventions:

- **Grey first.** A grey image ``(H, W)`` or ``(H, W, 1)`` is used as it is; an RGB
  image ``(H, W, 3)`` is turned to grey by the course's one formula,
  ``0.299 R + 0.587 G + 0.114 B`` (:func:`helpers.conventions.grey_from_rgb`, what
  OpenCV and Pillow compute; scikit-image's ``rgb2gray`` weighs green more); RGBA drops
  its alpha channel first. Grey values stay in the image's own units (0-255 for an
  8-bit image), so a threshold you read off a histogram means what it says
  (:func:`as_grey`).
- **Bright or dark objects.** Objects are brighter than the background unless
  ``dark_objects=True`` (the bundled mito images: dark organelles on a light
  background). For thresholds, ``dark_objects=True`` gives exactly the complement.
- **A constant image gives an empty mask** (there is nothing to separate), never an
  error or a full mask.

:func:`tuned_methods` is the table of seven methods with the settings chosen in chapter
2 for the bundled EM-like images; chapters 2 and 8 both score it.

Example
-------
>>> import numpy as np
>>> image = np.full((6, 6), 200, np.uint8); image[2:4, 2:4] = 40
>>> otsu_mask(image, dark_objects=True).sum()
np.int64(4)
>>> otsu_mask(np.full((6, 6), 7, np.uint8)).any()
np.False_
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage
from skimage import feature, filters, segmentation
from skimage.morphology import disk

from helpers.conventions import grey_from_rgb
from helpers.errors import ClassicalInputError

__all__ = [
    "as_grey",
    "global_threshold_mask",
    "otsu_mask",
    "adaptive_mask",
    "sobel_edges",
    "canny_edges",
    "regions_from_edges",
    "watershed_labels",
    "watershed_mask",
    "MITO_LEVEL",
    "tuned_methods",
]


def as_grey(image) -> np.ndarray:
    """The image as float64 grey values ``(H, W)``, in its own units.

    Parameters
    ----------
    image : array_like, shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4)
        Grey, RGB or RGBA (alpha is ignored), any integer or float dtype.

    Returns
    -------
    ndarray of float64, shape (H, W)
        RGB is combined by :func:`helpers.conventions.grey_from_rgb` without
        rescaling: an 8-bit image stays in 0-255.

    Raises
    ------
    ClassicalInputError
        When the array is not one image of shape (H, W), (H, W, 3) or (H, W, 4).
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 3 and image.shape[-1] in (3, 4):
        return grey_from_rgb(image, error=ClassicalInputError)  # in the image's own units
    if image.ndim != 2 or image.size == 0:
        raise ClassicalInputError(
            f"Expected one image of shape (H, W), (H, W, 3) or (H, W, 4), got {image.shape}. "
            "For a batch, call the function once per image."
        )
    return image.astype(np.float64)


def _is_constant(grey: np.ndarray) -> bool:
    return bool(grey.max() == grey.min())


def _empty(grey: np.ndarray) -> np.ndarray:
    return np.zeros(grey.shape, bool)


def _unit_range(grey: np.ndarray) -> np.ndarray:
    """Grey stretched to [0, 1], so that edge thresholds do not depend on the bit depth."""
    low, high = grey.min(), grey.max()
    return (grey - low) / (high - low)


def global_threshold_mask(image, threshold: float, *, dark_objects: bool = False) -> np.ndarray:
    """Objects are the pixels above ``threshold`` (at or below it with ``dark_objects``).

    ``threshold`` is in the image's grey units (0-255 for an 8-bit image, see :func:`as_grey`).
    Returns a bool mask ``(H, W)``; empty for a constant image.
    """
    grey = as_grey(image)
    if _is_constant(grey):
        return _empty(grey)
    bright = grey > threshold
    return ~bright if dark_objects else bright


def otsu_mask(image, *, dark_objects: bool = False) -> np.ndarray:
    """Global threshold chosen by Otsu's method (``skimage.filters.threshold_otsu``).

    Otsu picks the grey level that best splits the histogram into two classes (the
    largest variance between them). One level for the whole image: uneven light or
    look-alike objects defeat it. Returns a bool mask ``(H, W)``; empty for a constant
    image.
    """
    grey = as_grey(image)
    if _is_constant(grey):
        return _empty(grey)
    whole = np.rint(grey)
    if np.allclose(grey, whole, rtol=0, atol=1e-6):
        # Whole grey levels (8/16-bit images, or RGB of equal channels): one histogram bin
        # per level, as threshold_otsu does on an integer image itself (floats get 256
        # equal bins, which can move the level by a fraction of a grey value).
        grey = whole
        return global_threshold_mask(
            grey, filters.threshold_otsu(grey.astype(np.int64)), dark_objects=dark_objects
        )
    return global_threshold_mask(grey, filters.threshold_otsu(grey), dark_objects=dark_objects)


def adaptive_mask(
    image, *, block_size: int = 51, offset: float = 0.0, dark_objects: bool = False
) -> np.ndarray:
    """Local threshold: each pixel is compared with a Gaussian-weighted mean of its neighbourhood.

    Parameters
    ----------
    image : array_like, see :func:`as_grey`
    block_size : int
        Odd size in pixels of the neighbourhood (``skimage.filters.threshold_local``);
        larger than the objects, smaller than the changes in lighting.
    offset : float
        How much brighter (with ``dark_objects``: darker) than the local mean a pixel
        must be to count as object, in grey units; raise it to ignore noise in flat areas.
    dark_objects : bool
        Objects darker than their surroundings.

    Returns
    -------
    ndarray of bool, shape (H, W); empty for a constant image.

    Raises
    ------
    ClassicalInputError
        When ``block_size`` is not an odd number >= 3, or the image is not one grey or
        colour image.
    """
    if block_size < 3 or block_size % 2 == 0:
        raise ClassicalInputError(f"block_size must be an odd number >= 3, got {block_size}.")
    grey = as_grey(image)
    if _is_constant(grey):
        return _empty(grey)
    local_mean = filters.threshold_local(grey, block_size, method="gaussian", offset=0.0)
    if dark_objects:
        return grey < local_mean - offset
    return grey > local_mean + offset


def sobel_edges(image, *, threshold: float | None = None) -> np.ndarray:
    """Edge map: where the Sobel gradient magnitude is above ``threshold``.

    The gradient is taken on the grey image stretched to [0, 1]; ``threshold`` is in
    those units (default: Otsu's threshold of the gradient magnitudes). Returns a bool
    mask ``(H, W)``, thick edges; empty for a constant image.
    """
    grey = as_grey(image)
    if _is_constant(grey):
        return _empty(grey)
    magnitude = filters.sobel(_unit_range(grey))
    if threshold is None:
        threshold = filters.threshold_otsu(magnitude)
    return magnitude > threshold


def canny_edges(
    image,
    *,
    sigma: float = 2.0,
    low_threshold: float | None = None,
    high_threshold: float | None = None,
) -> np.ndarray:
    """Canny edge map (``skimage.feature.canny``): thin, connected edges.

    ``sigma`` is the Gaussian smoothing in pixels (more: fewer, smoother edges); the
    hysteresis thresholds apply to the gradient of the grey image stretched to [0, 1]
    (defaults: scikit-image's, 0.1 and 0.2). Returns a bool mask ``(H, W)``; empty for a
    constant image.
    """
    grey = as_grey(image)
    if _is_constant(grey):
        return _empty(grey)
    return feature.canny(
        _unit_range(grey), sigma=sigma, low_threshold=low_threshold, high_threshold=high_threshold
    )


def _remove_small(mask: np.ndarray, min_size: int) -> np.ndarray:
    # With SciPy rather than skimage.morphology.remove_small_objects, whose size
    # argument changed meaning in scikit-image 0.26.
    labels, count = ndimage.label(mask)
    if count == 0:
        return mask
    sizes = np.bincount(labels.ravel())
    keep = sizes >= min_size
    keep[0] = False
    return keep[labels]


def regions_from_edges(edges, *, closing_radius: int = 2, min_size: int = 30) -> np.ndarray:
    """Filled regions from an edge map: close small gaps, fill the holes, drop bare lines.

    Parameters
    ----------
    edges : array_like of bool, shape (H, W)
        From :func:`canny_edges` or :func:`sobel_edges`.
    closing_radius : int
        Gaps up to about twice this many pixels in an outline are closed before filling;
        lines thinner than the same disk that enclose nothing are removed afterwards.
    min_size : int
        Regions with fewer pixels are dropped.

    Returns
    -------
    ndarray of bool, shape (H, W)

    Raises
    ------
    ClassicalInputError
        When the edge map is not one (H, W) array.
    """
    edges = np.asarray(edges, bool)
    if edges.ndim != 2:
        raise ClassicalInputError(f"Expected an edge map of shape (H, W), got {edges.shape}.")
    footprint = disk(closing_radius) if closing_radius > 0 else np.ones((1, 1), bool)
    pad = closing_radius + 1  # pad so that objects touching the border are not eroded
    padded = np.pad(edges, pad)
    closed = ndimage.binary_closing(padded, structure=footprint)
    filled = ndimage.binary_fill_holes(closed)
    opened = ndimage.binary_opening(filled, structure=footprint)[pad:-pad, pad:-pad]
    return _remove_small(opened, min_size)


def watershed_labels(
    image,
    *,
    dark_objects: bool = False,
    sigma: float = 1.0,
    min_distance: int = 5,
    background_distance: float = 3.0,
    min_size: int = 30,
) -> np.ndarray:
    """Objects found by watershed, with markers from distance transforms.

    1. A rough foreground: Otsu's threshold (:func:`otsu_mask`) of the image smoothed by
       a Gaussian of ``sigma`` pixels, without specks under ``min_size`` pixels.
    2. Markers from distance transforms: an object seed at each local maximum of the
       distance to the background (at least ``min_distance`` pixels apart), and a
       background seed wherever a pixel is more than ``background_distance`` pixels
       away from the rough foreground.
    3. A watershed of the Sobel gradient from these seeds settles the border between
       objects and background on the strongest edges.
    4. A watershed of the (negated) distance transform of that foreground, from the
       object seeds, splits touching objects along their narrowest part.

    Each watershed is ``skimage.segmentation.watershed``.

    Returns
    -------
    ndarray of int32, shape (H, W)
        0 for background, 1, 2, ... for the objects. :func:`watershed_mask` gives the mask.
    """
    grey = as_grey(image)
    if _is_constant(grey):
        return np.zeros(grey.shape, np.int32)
    smooth = _unit_range(grey)
    if sigma > 0:
        smooth = filters.gaussian(smooth, sigma=sigma)
    rough = _remove_small(otsu_mask(smooth, dark_objects=dark_objects), min_size)
    if not rough.any():
        return np.zeros(grey.shape, np.int32)
    # Peaks of the distance map need no labels: it is 0 outside the rough foreground.
    peaks = feature.peak_local_max(
        ndimage.distance_transform_edt(rough),
        min_distance=min_distance,
        threshold_abs=0.5,
        exclude_border=False,
    )
    seeds = np.zeros(grey.shape, np.int32)
    seeds[ndimage.distance_transform_edt(~rough) > background_distance] = 1
    seeds[tuple(peaks.T)] = 2
    foreground = segmentation.watershed(filters.sobel(smooth), seeds) == 2
    markers = np.zeros(grey.shape, np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    labels = segmentation.watershed(
        -ndimage.distance_transform_edt(foreground), markers, mask=foreground
    )
    return labels.astype(np.int32)


def watershed_mask(
    image,
    *,
    dark_objects: bool = False,
    sigma: float = 1.0,
    min_distance: int = 5,
    background_distance: float = 3.0,
    min_size: int = 30,
) -> np.ndarray:
    """The objects of :func:`watershed_labels` as one bool mask ``(H, W)``."""
    return (
        watershed_labels(
            image,
            dark_objects=dark_objects,
            sigma=sigma,
            min_distance=min_distance,
            background_distance=background_distance,
            min_size=min_size,
        )
        > 0
    )


# --------------------------------------------------------------------------------------
# The table of chapters 2 and 8
# --------------------------------------------------------------------------------------

#: The fixed grey level of :func:`tuned_methods`, read off the histogram of ``data/mito``.
MITO_LEVEL = 100


def _fixed_level(image) -> np.ndarray:
    return global_threshold_mask(image, MITO_LEVEL, dark_objects=True)


def _otsu(image) -> np.ndarray:
    return otsu_mask(image, dark_objects=True)


def _adaptive(image) -> np.ndarray:
    return adaptive_mask(image, block_size=101, offset=25, dark_objects=True)


def _sobel_filled(image) -> np.ndarray:
    return regions_from_edges(sobel_edges(image))


def _canny_filled(image) -> np.ndarray:
    return regions_from_edges(canny_edges(image, sigma=2.0))


def _watershed(image) -> np.ndarray:
    return watershed_mask(image, dark_objects=True)


def _nothing(image) -> np.ndarray:
    return np.zeros(as_grey(image).shape, bool)


def tuned_methods() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Chapter 2's classical methods with their settings for the bundled EM-like images.

    Chapter 2 chooses the settings and scores every method on ``data/mito``; chapter 8
    puts the U-Net next to the same table on its test images. The settings are tuned
    for dark organelles on a light background (``dark_objects=True`` throughout):

    ============================  ========================================================
    ``"fixed level 100"``         :func:`global_threshold_mask` at grey level 100
                                  (:data:`MITO_LEVEL`), read off the histogram of the
                                  images in chapter 2 (organelle pixels lie below it)
    ``"Otsu"``                    :func:`otsu_mask` (no setting: Otsu picks the level)
    ``"adaptive"``                :func:`adaptive_mask` with ``block_size=101`` (larger
                                  than an organelle, smaller than the changes in light)
                                  and ``offset=25`` grey levels (ignores the noise of
                                  flat areas), chosen in chapter 2 on its first image
    ``"Sobel, filled"``           :func:`regions_from_edges` of :func:`sobel_edges`
                                  (defaults: Otsu's threshold of the gradient)
    ``"Canny, filled"``           :func:`regions_from_edges` of :func:`canny_edges` with
                                  ``sigma=2.0`` (smoothing over about 2 pixels: the
                                  images' grain gives no edges)
    ``"watershed"``               :func:`watershed_mask` (its defaults)
    ``"nothing (all background)"``  an empty mask: not a method but the reference for
                                  pixel accuracy (it scores the share of background)
    ============================  ========================================================

    :func:`regions_from_edges` keeps its defaults (``closing_radius=2``,
    ``min_size=30``) in both edge methods.

    Returns
    -------
    dict of str to callable
        A new dict (add to it freely), in the order above: name to a function of one
        image (see :func:`as_grey`) that returns a bool mask of shape (H, W).

    Examples
    --------
    >>> methods = tuned_methods()
    >>> list(methods)  # doctest: +NORMALIZE_WHITESPACE
    ['fixed level 100', 'Otsu', 'adaptive', 'Sobel, filled', 'Canny, filled', 'watershed',
     'nothing (all background)']
    >>> image = np.full((40, 40), 200, np.uint8); image[10:20, 5:35] = 40  # a dark bar
    >>> int(methods["fixed level 100"](image).sum()), int(methods["Otsu"](image).sum())
    (300, 300)
    """
    return {
        f"fixed level {MITO_LEVEL}": _fixed_level,
        "Otsu": _otsu,
        "adaptive": _adaptive,
        "Sobel, filled": _sobel_filled,
        "Canny, filled": _canny_filled,
        "watershed": _watershed,
        "nothing (all background)": _nothing,
    }
