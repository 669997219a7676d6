"""True and predicted objects paired one to one by IoU, and the object-level scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from helpers.conventions import score_ratio
from helpers.errors import ObjectInputError

from ._inputs import _as_labels

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
