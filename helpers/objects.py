"""From masks to objects: label them, measure each one, and score them one by one.

A mask says which pixels are foreground; the questions people ask are about *objects*:
how many organelles, how large each is, which ones the model found. This module answers
them with plain NumPy, SciPy and scikit-image (no TensorFlow):

* :func:`label_objects`: connected components of a mask (or a probability map), each
  object a number 1, 2, ...; optionally touching objects split by a watershed of the
  distance transform (chapter 2's idea), and specks under ``min_size`` pixels dropped.
* :func:`measure`: one row per object (area, equivalent diameter, the fitted ellipse's
  length and width, eccentricity, solidity, mean intensity), from
  ``skimage.measure.regionprops_table``, in pixels or, with ``pixel_size``, microns.
* :func:`match`: true and predicted objects paired one to one by IoU, at several IoU
  thresholds: TP, FP, FN, precision, recall, F1 and the DSB2018 "average precision"
  TP / (TP + FP + FN) per threshold, with splits and merges counted.
* :func:`object_scores`: the same for many images, one row per image.

Example
-------
>>> import numpy as np
>>> truth = np.zeros((8, 8), bool); truth[1:4, 1:4] = True; truth[5:8, 5:8] = True
>>> pred = np.zeros((8, 8), bool); pred[1:4, 1:4] = True
>>> table = match(label_objects(truth), label_objects(pred), thresholds=(0.5,))
>>> table[["threshold", "tp", "fp", "fn", "ap"]].to_dict("records")
[{'threshold': 0.5, 'tp': 1, 'fp': 0, 'fn': 1, 'ap': 0.5}]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import ndimage
from scipy.optimize import linear_sum_assignment

from helpers.conventions import THRESHOLD, foreground, score_ratio
from helpers.errors import ObjectInputError

__all__ = [
    "DEFAULT_THRESHOLDS",
    "SplitsAndMerges",
    "count_splits_and_merges",
    "iou_matrix",
    "label_objects",
    "match",
    "measure",
    "object_scores",
]

#: IoU thresholds of the DSB2018 score: 0.5, 0.55, ..., 0.95.
DEFAULT_THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)

# Above this many cells, the joint histogram of two label images is built on compacted
# labels (np.unique) instead of the raw label values.
_MAX_TABLE = 4_000_000


class SplitsAndMerges(NamedTuple):
    """``splits``: true objects cut into several predicted ones; ``merges``: predicted
    objects that each cover several true ones."""

    splits: int
    merges: int


# --------------------------------------------------------------------------------------
# Checking inputs
# --------------------------------------------------------------------------------------


def _two_d(array: np.ndarray, name: str) -> np.ndarray:
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2:
        raise ObjectInputError(
            f"{name} must be one image of shape (H, W) or (H, W, 1), got shape {array.shape}; "
            "for a batch, call this once per image."
        )
    return array


def _as_labels(labels, name: str = "labels") -> np.ndarray:
    """An integer label image ``(H, W)``: 0 background, one positive number per object."""
    array = _two_d(np.asarray(labels), name)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ObjectInputError(
            f"{name} must be an integer label image (0 = background, 1, 2, ... one number "
            f"per object), got dtype {array.dtype}. Turn a mask into one with "
            "label_objects(mask)."
        )
    if array.size and array.min() < 0:
        raise ObjectInputError(
            f"{name} holds negative labels ({array.min()}); use 0 for background."
        )
    return array


def _foreground(mask_or_probability, threshold: float) -> np.ndarray:
    array = _two_d(np.asarray(mask_or_probability), "mask_or_probability")
    if array.dtype == bool:
        return array
    if np.issubdtype(array.dtype, np.integer):
        if array.size and array.min() < 0:
            raise ObjectInputError("A mask holds 0 for background and positive values for objects.")
        return array > 0
    if not np.issubdtype(array.dtype, np.floating):
        raise ObjectInputError(f"Expected a mask or probabilities, got dtype {array.dtype}.")
    if array.size and not (np.nanmin(array) >= 0 and np.nanmax(array) <= 1):
        raise ObjectInputError(
            f"Float input is read as probabilities in [0, 1], got values from "
            f"{np.nanmin(array):g} to {np.nanmax(array):g}: pass a bool or integer mask instead."
        )
    return foreground(array, threshold=threshold)


# --------------------------------------------------------------------------------------
# Labelling
# --------------------------------------------------------------------------------------


def _structure(connectivity: int) -> np.ndarray:
    if connectivity not in (1, 2):
        raise ObjectInputError(
            f"connectivity is 1 (pixels touching by an edge) or 2 (by an edge or a corner), "
            f"got {connectivity}."
        )
    return ndimage.generate_binary_structure(2, connectivity)


def _seeds(distance: np.ndarray, depth: float) -> np.ndarray:
    """Seeds at the peaks of ``distance`` that stand at least ``depth`` above their neck.

    The h-dome transform (distance minus its reconstruction from ``distance - depth``) is
    positive on the cap of each peak; a cap whose top reaches ``depth`` is a peak that
    high above the neck to any higher one. Two peaks of equal height joined by a
    shallow dip share one cap, so they make one seed (``skimage.morphology.h_maxima``
    would keep both).
    """
    from skimage.morphology import reconstruction

    dome = distance - reconstruction(distance - depth, distance, method="dilation")
    caps, count = ndimage.label(dome > 1e-9, structure=np.ones((3, 3), bool))
    if count == 0:
        return caps
    tops = ndimage.maximum(dome, caps, np.arange(1, count + 1))
    keep = np.concatenate([[False], np.asarray(tops) >= depth - 1e-6])
    return _relabel_by_size(np.where(keep[caps], caps, 0), 1)


def _split_touching(
    mask: np.ndarray, components: np.ndarray, depth: float, structure: np.ndarray
) -> np.ndarray:
    """Watershed of the negated distance transform, one seed per distance peak."""
    from skimage.segmentation import watershed

    distance = ndimage.distance_transform_edt(mask)
    # Two round objects touching along a narrow neck make two seeds; the ridge along
    # one elongated object, however bumpy, makes one.
    markers = _seeds(distance, depth)
    labels = watershed(-distance, markers, mask=mask, connectivity=structure)
    # Objects too thin to hold a peak of that height keep their connected component.
    missing = mask & (labels == 0)
    if missing.any():
        labels = np.where(missing, components + labels.max(), labels)
    return labels


def _relabel_by_size(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Drop objects under ``min_size`` pixels and number the rest 1..n in label order."""
    sizes = np.bincount(labels.ravel())
    keep = sizes >= min_size
    keep[0] = False
    new = np.zeros(len(sizes), np.int32)
    new[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    return new[labels]


def label_objects(
    mask_or_probability,
    *,
    threshold: float = THRESHOLD,
    split_touching: bool = False,
    min_size: int = 1,
    connectivity: int = 1,
    split_depth: float = 1.0,
) -> np.ndarray:
    """Objects of a mask: each connected group of foreground pixels gets its own number.

    Parameters
    ----------
    mask_or_probability : array_like, shape (H, W) or (H, W, 1)
        A bool mask; an integer mask (foreground where > 0: 0/1, 0/255); or float
        probabilities in [0, 1] (foreground where >= ``threshold``).
    threshold : float
        Probability from which a pixel is foreground (float input only; the course's
        one rule, :func:`helpers.conventions.foreground`).
    split_touching : bool
        Split objects that touch along a narrow neck, with a watershed of the negated
        distance transform seeded at its peaks (as chapter 2's ``watershed_labels``).
    min_size : int
        Objects with fewer pixels are dropped (1 keeps all).
    connectivity : {1, 2}
        Pixels touching by an edge (1, ``scipy.ndimage.label``'s default) or also by a
        corner (2) belong to the same object.
    split_depth : float
        With ``split_touching``: a distance peak becomes its own object when it stands
        at least this many pixels above the neck to a higher peak. Lower splits more.

    Returns
    -------
    ndarray of int32, shape (H, W)
        0 for background and 1, 2, ..., n for the objects, numbered in scan order
        (top to bottom, then left to right).

    Raises
    ------
    ObjectInputError
        For an input that is not one 2-D mask, float values outside [0, 1], or a
        connectivity other than 1 or 2.

    Examples
    --------
    >>> mask = np.array([[1, 1, 0, 0],
    ...                  [0, 0, 0, 1],
    ...                  [0, 0, 1, 1]], np.uint8)
    >>> label_objects(mask)
    array([[1, 1, 0, 0],
           [0, 0, 0, 2],
           [0, 0, 2, 2]], dtype=int32)
    """
    structure = _structure(connectivity)
    mask = _foreground(mask_or_probability, threshold)
    components, _ = ndimage.label(mask, structure=structure)
    labels = components
    if split_touching and mask.any():
        labels = _split_touching(mask, components, float(split_depth), structure)
    if not split_touching and min_size <= 1:
        return components.astype(np.int32)
    # Renumber in scan order (the watershed numbers objects by seed).
    labels = _relabel_by_size(labels, int(min_size))
    return _scan_order(labels)


def _scan_order(labels: np.ndarray) -> np.ndarray:
    """Renumber 1..n by the position of each object's first pixel in scan order."""
    flat = labels.ravel()
    ids, first = np.unique(flat, return_index=True)
    order = ids[np.argsort(first)]
    order = order[order != 0]
    new = np.zeros(int(flat.max()) + 1 if flat.size else 1, np.int32)
    new[order] = np.arange(1, len(order) + 1, dtype=np.int32)
    return new[labels]


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------

_PROPERTIES = {  # regionprops name -> (our column, dimension: 0 none, 1 length, 2 area)
    "area": ("area", 2),
    "equivalent_diameter_area": ("equivalent_diameter", 1),
    "axis_major_length": ("major_axis", 1),
    "axis_minor_length": ("minor_axis", 1),
    "eccentricity": ("eccentricity", 0),
    "solidity": ("solidity", 0),
}


def measure(labels, image=None, *, pixel_size: float | None = None) -> pd.DataFrame:
    """One row of measurements per object, from ``skimage.measure.regionprops_table``.

    Parameters
    ----------
    labels : array_like of int, shape (H, W)
        A label image (0 background), e.g. from :func:`label_objects`.
    image : array_like, shape (H, W), (H, W, 1) or (H, W, C), optional
        The image the objects come from, for their mean intensity (in the image's own
        units: 0-255 for a uint8 image, 0-1 for a normalised one).
    pixel_size : float, optional
        Side of one pixel in microns. Lengths are then in microns (columns ``*_um``) and
        areas in square microns (``area_um2``); without it, in pixels (``*_px``,
        ``area_px``: a count of pixels).

    Returns
    -------
    pandas.DataFrame
        One row per object, in label order: ``label``, ``centroid_row_px``,
        ``centroid_col_px``, ``area_px`` (or ``area_um2``), ``equivalent_diameter_px``
        (the diameter of a disk of the same area), ``major_axis_px`` and ``minor_axis_px``
        (length and width of the ellipse with the same second moments), ``eccentricity``
        (0 for a circle, towards 1 for a line), ``solidity`` (area / convex hull area),
        and ``mean_intensity`` (one column per channel, ``mean_intensity_0``, ...,
        for a colour image). ``attrs["units"]`` is ``"pixels"`` or ``"microns"``.

    Raises
    ------
    ObjectInputError
        For labels that are not an integer image, an image of another size, or a
        pixel size that is not a positive number.

    Examples
    --------
    >>> square = np.zeros((6, 6), int); square[1:5, 1:5] = 1
    >>> measure(square)[["label", "area_px", "solidity"]].to_dict("records")
    [{'label': 1, 'area_px': 16.0, 'solidity': 1.0}]
    """
    from skimage.measure import regionprops_table

    labels = _as_labels(labels)
    if pixel_size is not None and not (np.isfinite(pixel_size) and pixel_size > 0):
        raise ObjectInputError(
            f"pixel_size is the side of a pixel in microns (> 0), got {pixel_size}."
        )
    properties = ["label", "centroid", *_PROPERTIES]
    intensity = None
    if image is not None:
        intensity = np.asarray(image)
        if intensity.ndim == 3 and intensity.shape[-1] == 1:
            intensity = intensity[..., 0]
        if intensity.shape[:2] != labels.shape or intensity.ndim not in (2, 3):
            raise ObjectInputError(
                f"The image has shape {intensity.shape} and the labels {labels.shape}: give "
                "the image the labels were made from, at the same size."
            )
        properties.append("intensity_mean")
    raw = regionprops_table(labels, intensity_image=intensity, properties=properties)
    unit, scale = ("um", float(pixel_size)) if pixel_size else ("px", 1.0)
    table = pd.DataFrame(
        {
            "label": raw["label"].astype(np.int64),
            "centroid_row_px": raw["centroid-0"],
            "centroid_col_px": raw["centroid-1"],
        }
    )
    for name, (column, dimension) in _PROPERTIES.items():
        values = np.asarray(raw[name], np.float64)
        suffix = {0: "", 1: f"_{unit}", 2: f"_{unit}2" if unit == "um" else "_px"}[dimension]
        table[column + suffix] = values * scale**dimension
    for key in sorted(k for k in raw if k.startswith("intensity_mean")):
        column = key.replace("intensity_mean", "mean_intensity").replace("-", "_")
        table[column] = np.asarray(raw[key], np.float64)
    table.attrs["units"] = "microns" if pixel_size else "pixels"
    return table


# --------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------


def _overlaps(true_labels: np.ndarray, pred_labels: np.ndarray):
    """Intersection counts ``(n_true, n_pred)`` and object areas, for the labels present."""
    if true_labels.shape != pred_labels.shape:
        raise ObjectInputError(
            f"true labels {true_labels.shape} and predicted labels {pred_labels.shape} differ "
            "in size: compare the two at the same size (resize masks with nearest neighbour)."
        )
    t, p = true_labels.ravel(), pred_labels.ravel()
    nt = int(t.max()) + 1 if t.size else 1
    np_ = int(p.max()) + 1 if p.size else 1
    if nt * np_ > max(_MAX_TABLE, 4 * t.size):  # large label values: compact them first
        _, t = np.unique(t, return_inverse=True)
        _, p = np.unique(p, return_inverse=True)
        t, p = t + (true_labels.min() > 0), p + (pred_labels.min() > 0)
        nt, np_ = int(t.max()) + 1, int(p.max()) + 1
    joint = np.bincount(t.astype(np.int64) * np_ + p, minlength=nt * np_).reshape(nt, np_)
    true_area, pred_area = joint.sum(axis=1), joint.sum(axis=0)
    rows = np.flatnonzero(true_area[1:]) + 1  # objects present (labels may skip numbers)
    cols = np.flatnonzero(pred_area[1:]) + 1
    return joint[np.ix_(rows, cols)], true_area[rows], pred_area[cols]


def _iou(inter: np.ndarray, true_area: np.ndarray, pred_area: np.ndarray) -> np.ndarray:
    union = true_area[:, None] + pred_area[None, :] - inter
    return inter / np.maximum(union, 1)


def iou_matrix(true_labels, pred_labels) -> np.ndarray:
    """IoU of every true object with every predicted object.

    Parameters
    ----------
    true_labels, pred_labels : array_like of int, shape (H, W)
        Label images of the same size (0 background).

    Returns
    -------
    ndarray of float64, shape (n_true, n_pred)
        Row ``i`` is the ``i``-th true label present (in increasing order), column ``j``
        the ``j``-th predicted label present. Built from one joint histogram of the two
        images (``np.bincount``), not one comparison per pair.

    Raises
    ------
    ObjectInputError
        For inputs that are not integer label images of the same size.
    """
    true_labels = _as_labels(true_labels, "true_labels")
    pred_labels = _as_labels(pred_labels, "pred_labels")
    return _iou(*_overlaps(true_labels, pred_labels))


def _matched_pairs(iou: np.ndarray, threshold: float) -> int:
    """Most pairs with IoU >= threshold that a one-to-one assignment can make."""
    ok = iou >= threshold
    per_row, per_col = ok.sum(axis=1), ok.sum(axis=0)
    if per_row.size == 0 or per_col.size == 0 or (per_row.max() <= 1 and per_col.max() <= 1):
        return int(per_row.sum())  # no object has two candidates: every candidate pairs up
    rows, cols = np.flatnonzero(per_row), np.flatnonzero(per_col)
    sub_ok, sub_iou = ok[np.ix_(rows, cols)], iou[np.ix_(rows, cols)]
    # Each pair above the threshold is worth 1; the IoU (scaled below 1 in total) only
    # breaks ties between assignments with as many pairs (as StarDist's `matching`).
    cost = -sub_ok.astype(np.float64) - sub_iou / (2 * min(sub_ok.shape))
    r, c = linear_sum_assignment(cost)
    return int(np.count_nonzero(sub_ok[r, c]))


def _splits_merges(inter, true_area, pred_area, fraction: float) -> SplitsAndMerges:
    if inter.size == 0:
        return SplitsAndMerges(0, 0)
    pred_inside_true = inter > fraction * pred_area[None, :]  # mostly inside that true object
    true_inside_pred = inter > fraction * true_area[:, None]
    splits = int(np.count_nonzero(pred_inside_true.sum(axis=1) >= 2))
    merges = int(np.count_nonzero(true_inside_pred.sum(axis=0) >= 2))
    return SplitsAndMerges(splits, merges)


def count_splits_and_merges(true_labels, pred_labels, *, fraction: float = 0.5) -> SplitsAndMerges:
    """How many true objects were split, and how many predicted objects merge true ones.

    A predicted object lies *inside* a true object when more than ``fraction`` of its
    pixels are in it (and the reverse). A **split** is a true object with two or more
    predicted objects inside it; a **merge** is a predicted object with two or more true
    objects inside it.

    Parameters
    ----------
    true_labels, pred_labels : array_like of int, shape (H, W)
    fraction : float
        Share of an object's pixels that must lie in the other object (0.5: more than half).

    Returns
    -------
    SplitsAndMerges
        ``(splits, merges)``, two ints.

    Raises
    ------
    ObjectInputError
        For inputs that are not integer label images of the same size.
    """
    true_labels = _as_labels(true_labels, "true_labels")
    pred_labels = _as_labels(pred_labels, "pred_labels")
    return _splits_merges(*_overlaps(true_labels, pred_labels), fraction)


def _check_thresholds(thresholds) -> tuple[float, ...]:
    values = tuple(float(t) for t in np.atleast_1d(np.asarray(thresholds, np.float64)))
    if not values or not all(0 < t <= 1 for t in values):
        raise ObjectInputError(f"IoU thresholds must be in (0, 1], got {thresholds}.")
    return values


def match(
    true_labels,
    pred_labels,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    *,
    empty: float = 1.0,
) -> pd.DataFrame:
    """Pair true and predicted objects one to one by IoU, and score the pairs.

    At each IoU threshold, true and predicted objects are paired by an *optimal
    one-to-one assignment*: the most pairs whose IoU is at least the threshold, found
    with ``scipy.optimize.linear_sum_assignment`` on the IoU matrix (ties between
    assignments with as many pairs go to the larger total IoU; where no object has two
    candidates at the threshold, the candidates are the answer and the solver is
    skipped). This is the matching
    of StarDist's ``matching`` and of the Data Science Bowl 2018 scoring (which counts
    a pair from IoU *above* the threshold; they differ only at an IoU exactly equal to
    it). From 0.5 up, an object has at most one partner above the threshold, so the
    pairing is the obvious one; the assignment matters below 0.5.

    A pair is a true positive (TP); a predicted object left unpaired is a false
    positive (FP), a true object left unpaired a false negative (FN).

    Parameters
    ----------
    true_labels, pred_labels : array_like of int, shape (H, W)
        Label images of the same size, 0 for background (e.g. from
        :func:`label_objects`). Label numbers need not be consecutive.
    thresholds : sequence of float
        IoU thresholds in (0, 1] (default 0.5, 0.55, ..., 0.95, as DSB2018).
    empty : float
        Every score when neither image holds an object (nothing to find, nothing
        found); ``np.nan`` leaves such images out of a mean. Other 0 / 0 ratios are 0.

    Returns
    -------
    pandas.DataFrame
        One row per threshold: ``threshold``, ``tp``, ``fp``, ``fn`` (ints),
        ``precision`` = TP / (TP + FP), ``recall`` = TP / (TP + FN),
        ``f1`` = 2 TP / (2 TP + FP + FN), and ``ap`` = TP / (TP + FP + FN), the DSB2018
        "average precision" (StarDist calls it accuracy). ``attrs`` holds ``n_true``,
        ``n_pred``, ``mean_ap`` (the mean of ``ap`` over the thresholds: the DSB2018
        score of the image), and ``splits`` and ``merges`` from
        :func:`count_splits_and_merges`.

    Raises
    ------
    ObjectInputError
        For inputs that are not integer label images of the same size, or thresholds
        outside (0, 1].

    Examples
    --------
    Two true objects; the prediction merges them into one:

    >>> truth = np.array([[1, 1, 0, 2, 2]])
    >>> merged = np.array([[1, 1, 1, 1, 1]])
    >>> table = match(truth, merged, thresholds=(0.3, 0.5))
    >>> table[["threshold", "tp", "fp", "fn"]].to_dict("records")
    [{'threshold': 0.3, 'tp': 1, 'fp': 0, 'fn': 1}, {'threshold': 0.5, 'tp': 0, 'fp': 1, 'fn': 2}]
    >>> table.attrs["merges"]
    1
    """
    true_labels = _as_labels(true_labels, "true_labels")
    pred_labels = _as_labels(pred_labels, "pred_labels")
    thresholds = _check_thresholds(thresholds)
    inter, true_area, pred_area = _overlaps(true_labels, pred_labels)
    iou = _iou(inter, true_area, pred_area)
    n_true, n_pred = len(true_area), len(pred_area)
    both_empty = n_true == 0 and n_pred == 0
    tp = np.array([_matched_pairs(iou, threshold) for threshold in thresholds], np.int64)
    fp, fn = n_pred - tp, n_true - tp
    table = pd.DataFrame(
        {
            "threshold": np.asarray(thresholds, np.float64),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": score_ratio(tp, tp + fp, both_empty, empty=empty),
            "recall": score_ratio(tp, tp + fn, both_empty, empty=empty),
            "f1": score_ratio(2 * tp, 2 * tp + fp + fn, both_empty, empty=empty),
            "ap": score_ratio(tp, tp + fp + fn, both_empty, empty=empty),
        }
    )
    splits, merges = _splits_merges(inter, true_area, pred_area, 0.5)
    table.attrs.update(
        n_true=n_true,
        n_pred=n_pred,
        mean_ap=float(table["ap"].mean()),
        splits=splits,
        merges=merges,
    )
    return table


def object_scores(
    true_labels,
    pred_labels,
    names: Sequence[str] | None = None,
    *,
    threshold: float = 0.5,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    empty: float = 1.0,
) -> pd.DataFrame:
    """Object counts and object-level scores, one row per image (see :func:`match`).

    Parameters
    ----------
    true_labels, pred_labels : sequence of label images, or ndarray of int, shape (N, H, W)
        One true and one predicted label image per image (sizes may differ between
        images, not within a pair).
    names : sequence of str, optional
        One name per image for the index (default 0, 1, ...).
    threshold : float
        IoU threshold of the ``tp``, ``fp``, ``fn``, ``object_f1`` and ``ap`` columns.
    thresholds : sequence of float
        Thresholds averaged in ``mean_ap``.
    empty : float
        Scores of an image with no true and no predicted object (see :func:`match`).

    Returns
    -------
    pandas.DataFrame
        Index ``image``; columns ``n_true``, ``n_pred`` (object counts), ``tp``, ``fp``,
        ``fn``, ``object_f1``, ``ap`` (at ``threshold``), ``mean_ap`` (DSB2018: the mean
        of ``ap`` over ``thresholds``), ``splits`` and ``merges``.

    Raises
    ------
    ObjectInputError
        When the two sides hold different numbers of images, ``names`` does not give one
        name per image, or a pair cannot be matched (see :func:`match`).
    """
    if len(true_labels) != len(pred_labels):
        raise ObjectInputError(
            f"{len(true_labels)} true and {len(pred_labels)} predicted label images: give one of "
            "each per image."
        )
    if names is not None and len(names) != len(true_labels):
        raise ObjectInputError(
            f"{len(names)} names for {len(true_labels)} images: give one name per image."
        )
    all_thresholds = (float(threshold), *_check_thresholds(thresholds))
    rows = []
    for truth, pred in zip(true_labels, pred_labels, strict=True):
        table = match(truth, pred, all_thresholds, empty=empty)
        first = table.iloc[0]
        rows.append(
            {
                "n_true": table.attrs["n_true"],
                "n_pred": table.attrs["n_pred"],
                "tp": int(first["tp"]),
                "fp": int(first["fp"]),
                "fn": int(first["fn"]),
                "object_f1": float(first["f1"]),
                "ap": float(first["ap"]),
                "mean_ap": float(table["ap"].iloc[1:].mean()),
                "splits": table.attrs["splits"],
                "merges": table.attrs["merges"],
            }
        )
    index = pd.Index(list(names) if names is not None else range(len(rows)), name="image")
    columns = [
        "n_true",
        "n_pred",
        "tp",
        "fp",
        "fn",
        "object_f1",
        "ap",
        "mean_ap",
        "splits",
        "merges",
    ]
    result = pd.DataFrame(rows, index=index, columns=columns)
    result.attrs["threshold"] = float(threshold)
    return result
