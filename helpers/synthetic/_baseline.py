"""How well thresholds alone separate classes: a per-class multi-Otsu baseline.

A dataset whose classes differ only in brightness is solved by thresholds and needs no
U-Net. :func:`multiotsu_baseline` measures how far thresholds get: each image is cut
into ``num_classes`` intensity bands by multi-level Otsu thresholds, and every class
gets the best IoU that any union of bands reaches for it, pooled over all pixels. The
bands are chosen without the answer, their assignment with it: an upper bound of every
rule that gives each band one class.
"""

from __future__ import annotations

import itertools

import numpy as np
from skimage.exposure import histogram

from helpers.errors import ClassicalInputError, MetricInputError

_MAX_BINS = 1024  # wider integer ranges (uint16) are binned into 256 bins, as floats are


def _otsu_cuts(probabilities: np.ndarray, levels: int) -> np.ndarray:
    """Bin indices of the thresholds that maximise the between-class variance.

    Dynamic programming over contiguous runs of bins, ``O(levels * bins**2)``; the same
    optimum as the exhaustive search of :func:`skimage.filters.threshold_multiotsu`
    (which takes tens of seconds per 8-bit image for 5 classes). Returns the last bin
    of each lower class, as scikit-image does.
    """
    p = probabilities.astype(np.float64)
    n = p.size
    weight = np.concatenate([[0.0], np.cumsum(p)])
    moment = np.concatenate([[0.0], np.cumsum(p * np.arange(n))])
    start, stop = np.arange(n + 1)[:, None], np.arange(n + 1)[None, :]
    w = weight[None, :] - weight[:, None]  # bins start..stop-1 as one class
    m = moment[None, :] - moment[:, None]
    score = np.where(w > 0, m * m / np.where(w > 0, w, 1.0), 0.0)
    score = np.where(stop > start, score, -np.inf)
    best, back = score[0].copy(), []
    for _ in range(levels - 1):
        total = best[:, None] + score
        back.append(total.argmax(axis=0))
        best = total[back[-1], np.arange(n + 1)]
    cuts, end = [], n
    for arg in reversed(back):
        end = int(arg[end])
        cuts.append(end - 1)
    return np.array(cuts[::-1], dtype=np.int64)


def multiotsu_thresholds(image, *, levels: int) -> np.ndarray:
    """The thresholds of :func:`skimage.filters.threshold_multiotsu`, found quickly.

    Parameters
    ----------
    image : array_like, shape (H, W)
        Grey image.
    levels : int
        Number of classes the thresholds make (``classes`` there), at least 2.

    Returns
    -------
    ndarray, shape (levels - 1,)
        Increasing thresholds; ``np.digitize(image, thresholds)`` gives the bands.

    Notes
    -----
    Integer images spanning more than 1024 values (16-bit ones) are binned into 256
    bins, as float images are; scikit-image tries every integer value there (the same
    thresholds as for ``image.astype(float)`` here, to within a bin).

    Raises
    ------
    ClassicalInputError
        An image with fewer distinct values than ``levels``.
    """
    grey = np.asarray(image)
    if np.issubdtype(grey.dtype, np.integer) and int(grey.max()) - int(grey.min()) >= _MAX_BINS:
        grey = grey.astype(np.float64)
    counts, centres = histogram(grey.reshape(-1), 256, source_range="image")
    filled = np.flatnonzero(counts)
    if filled.size < levels:
        raise ClassicalInputError(
            f"The image holds {filled.size} distinct values, too few for {levels} bands. "
            "Pass fewer levels, or leave flat images out."
        )
    if filled.size == levels:
        return centres[filled[:-1]]
    return centres[_otsu_cuts(counts / counts.sum(), levels)]


def multiotsu_bands(image, *, levels: int) -> np.ndarray:
    """Intensity bands of one image from its multi-level Otsu thresholds.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
        Grey image, or a colour image (its channels are averaged).
    levels : int
        Number of bands (``classes`` of :func:`skimage.filters.threshold_multiotsu`),
        at least 2.

    Returns
    -------
    ndarray of int64, shape (H, W)
        0 for the darkest band up to ``levels - 1`` for the brightest.

    Raises
    ------
    ClassicalInputError
        An image that is not (H, W) or (H, W, C), or holds fewer distinct values than
        ``levels``.

    See Also
    --------
    multiotsu_thresholds : the thresholds, equal to scikit-image's.

    Notes
    -----
    ``np.digitize`` puts a pixel equal to a threshold into the band above it, as
    scikit-image's own example does (the threshold is the last value of the lower
    class when the thresholds are found).
    """
    grey = np.asarray(image)
    if grey.ndim == 3:
        grey = grey.mean(axis=-1)
    if grey.ndim != 2 or grey.size == 0:
        raise ClassicalInputError(
            f"Expected one (H, W) or (H, W, C) image, got shape {np.shape(image)}. "
            "Pass the images one at a time."
        )
    return np.digitize(grey, multiotsu_thresholds(grey, levels=levels)).astype(np.int64)


def _best_union_iou(table: np.ndarray) -> np.ndarray:
    """Per class (column), the best IoU over all non-empty unions of bands (rows)."""
    bands, classes = table.shape
    truth = table.sum(axis=0)
    band_size = table.sum(axis=1)
    best = np.zeros(classes)
    for count in range(1, bands + 1):
        for subset in itertools.combinations(range(bands), count):
            inter = table[list(subset)].sum(axis=0)
            union = truth + band_size[list(subset)].sum() - inter
            best = np.maximum(best, np.divide(inter, union, out=np.zeros(classes), where=union > 0))
    return best


def multiotsu_baseline(images, masks, *, num_classes: int) -> np.ndarray:
    """Per-class pooled IoU of the best multi-Otsu band assignment.

    Each image is cut into ``num_classes`` bands (:func:`multiotsu_bands`); the pixel
    counts of band ``b`` and class ``c`` are added up over all images; class ``c``
    scores the best IoU over every non-empty union ``S`` of bands,
    ``|S & c| / |S | c|``. A dataset whose classes a U-Net should learn from shape
    or texture, not brightness, scores low here.

    Parameters
    ----------
    images : sequence of array_like, each shape (H, W) or (H, W, C)
        Grey or colour images (sizes may differ between images).
    masks : sequence of array_like of int, each shape (H, W)
        Class-index masks (0 background), the same shapes as the images.
    num_classes : int
        Number of classes, background included (at least 2): also the number of bands.

    Returns
    -------
    ndarray of float64, shape (num_classes,)
        Column 0 is the background, as in ``helpers.metrics.iou(..., per_class=True)``.

    Raises
    ------
    MetricInputError
        Different numbers of images and masks, a mask of another shape than its image,
        or labels outside ``0 .. num_classes - 1``.
    ClassicalInputError
        An image that :func:`multiotsu_bands` cannot cut (see there).

    Examples
    --------
    >>> from helpers import synthetic
    >>> image, regions = synthetic.cells_image(0)
    >>> mask = synthetic.cells_mask(image.shape, regions)
    >>> scores = multiotsu_baseline([image], [mask], num_classes=5)
    >>> scores.shape, bool(scores[1:].max() < 0.5)
    ((5,), True)
    """
    images, masks = list(images), list(masks)
    if len(images) != len(masks) or not images:
        raise MetricInputError(
            f"Got {len(images)} images and {len(masks)} masks. Pass one mask per image "
            "(and at least one pair)."
        )
    if num_classes < 2:
        raise MetricInputError(f"num_classes is {num_classes}; pass at least 2 (background + 1).")
    table = np.zeros((num_classes, num_classes), dtype=np.int64)
    for i, (image, mask) in enumerate(zip(images, masks, strict=True)):
        mask = np.asarray(mask)
        if mask.shape != np.shape(image)[:2]:
            raise MetricInputError(
                f"Mask {i} has shape {mask.shape}, its image {np.shape(image)[:2]}. "
                "Pass each image with its own mask."
            )
        if mask.size and (mask.min() < 0 or mask.max() >= num_classes):
            raise MetricInputError(
                f"Mask {i} holds labels {int(mask.min())}..{int(mask.max())}, outside "
                f"0..{num_classes - 1}. Pass class-index masks and the right num_classes."
            )
        bands = multiotsu_bands(image, levels=num_classes)
        table += np.bincount(
            (bands * num_classes + mask.astype(np.int64)).ravel(),
            minlength=num_classes * num_classes,
        ).reshape(num_classes, num_classes)
    return _best_union_iou(table)
