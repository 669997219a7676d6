"""Segmentation metrics on label arrays, vectorised over a batch, with one rule for empty masks.

Every score function takes ``y_true`` and ``y_pred`` as label arrays of shape ``(N, H, W)``
(a batch) or ``(H, W)`` (one image): bool, integers, or floats holding whole numbers;
a mask of only 0 and 255 (an 8-bit mask image) counts as 0/1, the course's one rule
(:func:`helpers.conventions.mask_labels`). A trailing channel of size 1
(``(N, H, W, 1)``, what Keras models give) is dropped.
Probabilities are refused: threshold them with :func:`binarize` (one sigmoid channel) or
take the most likely class with :func:`to_labels` (softmax channels) first.

Classes
-------
Label 0 is the background. With two classes (binary masks, the default when the labels
are only 0 and 1) a score is the *foreground* score. With more classes it is the mean over
the classes, background left out unless ``include_background=True``; ``per_class=True``
gives one column per class instead (column ``c`` is label ``c``, background included).
Give ``num_classes`` for multi-class data: a batch that happens to hold only labels 0
and 1 would otherwise be read as binary.

Empty masks: the one rule
-------------------------
A class that is absent from *both* masks of an image (nothing to find, nothing found)
has IoU, Dice, precision, recall and F1 equal to ``empty``: ``1.0`` by default (a
perfect answer), or ``np.nan`` to leave such images out of means (``np.nanmean``,
:func:`summary`). Any other zero denominator scores ``0.0`` (precision of an empty
prediction when there was something to find; recall of a non-empty prediction when
there was nothing), as scikit-learn's ``zero_division=0``. The rule is
:func:`helpers.conventions.score_ratio`, which :mod:`helpers.objects` applies too.
Libraries disagree here: MONAI gives NaN, MedPy's ``jc`` gives 1, a Keras Dice loss with
smoothing gives 0 or 1.
Never drop perfect scores to "fix" the mean (the learning module's ``df[df.IoU != 1.0]``):
that biases it. :func:`hd95` has no ratio: two empty masks give ``nan`` and one empty
mask gives ``inf``.

The class-imbalance trap
------------------------
A mean IoU over {background, foreground} (what ``keras.metrics.MeanIoU(num_classes=2)``
reports) is *not* the IoU of the objects: a prediction of pure background on an image
with 5 % foreground scores (0.95 + 0) / 2 = 0.475 by it and 0.95 pixel accuracy, while
its foreground IoU is 0.0. Report the foreground IoU (the default here), per image.

Keras
-----
This module is NumPy and SciPy only: importing it never imports Keras or TensorFlow.
The Keras training metrics (``dice_coef``, ``iou_coef``: the same scores on thresholded
sigmoid outputs, for training curves) live in :mod:`helpers.losses`, next to the losses.

Example
-------
>>> import numpy as np
>>> truth = np.zeros((2, 4, 4), bool); truth[:, 1:3, 1:3] = True
>>> guess = truth.copy(); guess[1, 1, 1] = False
>>> iou(truth, guess)
array([1.  , 0.75])
>>> dice(np.zeros((4, 4), bool), np.zeros((4, 4), bool))
1.0
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy import ndimage

from helpers import conventions
from helpers.conventions import foreground, mask_labels, score_ratio
from helpers.errors import MetricInputError

if TYPE_CHECKING:  # pandas is imported where a table is made
    import pandas as pd

__all__ = [
    "TABLE_COLUMNS",
    "Counts",
    "binarize",
    "to_labels",
    "confusion_counts",
    "confusion_matrix",
    "iou",
    "dice",
    "precision",
    "recall",
    "pixel_accuracy",
    "hd95",
    "per_image_table",
    "summary",
]


class Counts(NamedTuple):
    """Pixel counts per image (and per class): true/false positives/negatives, int64."""

    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray


# --------------------------------------------------------------------------------------
# From model outputs to labels
# --------------------------------------------------------------------------------------


def binarize(probs, threshold: float = conventions.THRESHOLD) -> np.ndarray:
    """Foreground where ``probs >= threshold``: a bool array of the same shape.

    The course's one foreground rule, :func:`helpers.conventions.foreground` (a pixel
    exactly at the threshold is foreground; the default is
    :data:`helpers.conventions.THRESHOLD`, 0.5).
    """
    return foreground(probs, threshold=threshold)


def to_labels(probs) -> np.ndarray:
    """Most likely class along the last axis of softmax outputs ``(..., C)``, as uint8 labels.

    Raises
    ------
    MetricInputError
        For one channel (binarize a sigmoid output instead) or a shape without a class axis.
    """
    probs = np.asarray(probs)
    if probs.ndim < 3 or probs.shape[-1] < 2:
        raise MetricInputError(
            f"to_labels needs class probabilities of shape (..., H, W, C) with C >= 2, got "
            f"{probs.shape}. For one sigmoid channel use binarize(probs, threshold=0.5)."
        )
    dtype = np.uint8 if probs.shape[-1] <= 256 else np.int32
    return probs.argmax(axis=-1).astype(dtype)


# --------------------------------------------------------------------------------------
# Checking inputs
# --------------------------------------------------------------------------------------


def _as_labels(y, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 4 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.ndim == 3 and y.shape[-1] == 1:
        raise MetricInputError(
            f"{name} has shape {y.shape}: one (H, W, 1) image or many images one pixel "
            f"wide? Pass {name}[..., 0] for one image, or a batch of shape (N, H, W, 1)."
        )
    if y.ndim not in (2, 3) or y.size == 0:
        raise MetricInputError(
            f"{name} has shape {y.shape}; the metrics take label masks of shape (H, W) or "
            f"(N, H, W). Class probabilities of shape (N, H, W, C)? Use to_labels(probs)."
        )
    return mask_labels(y, what=name, error=MetricInputError)  # 0/255 becomes 0/1


def _prepare(y_true, y_pred, num_classes: int | None) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Checked ``(N, H, W)`` label arrays, the number of classes, and whether one image came."""
    t, p = _as_labels(y_true, "y_true"), _as_labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise MetricInputError(
            f"y_true has shape {t.shape} but y_pred has {p.shape}: they must match. Resize "
            "predictions back to the mask's size (nearest-neighbour) before scoring."
        )
    single = t.ndim == 2
    t, p = (t[None], p[None]) if single else (t, p)
    top = max(int(t.max()), int(p.max()))
    if num_classes is None:
        num_classes = max(2, top + 1)
    elif num_classes < 2:
        raise MetricInputError(f"num_classes={num_classes}: segmentation needs at least 2 classes.")
    elif top >= num_classes:
        raise MetricInputError(
            f"Labels go up to {top} but num_classes={num_classes}: pass num_classes={top + 1} "
            "or check the masks."
        )
    return t, p, num_classes, single


def _confusion(t: np.ndarray, p: np.ndarray, num_classes: int) -> np.ndarray:
    """Confusion matrices ``(N, C, C)`` int64, rows true class, columns predicted class."""
    n, c = len(t), num_classes
    if c == 2:  # boolean counting: faster than the bincount below (benchmarks/metrics_speed.py)
        tb = t if t.dtype == bool else t.astype(bool)
        pb = p if p.dtype == bool else p.astype(bool)
        axes = (1, 2)
        tp = np.count_nonzero(tb & pb, axis=axes)
        true_fg, pred_fg = np.count_nonzero(tb, axis=axes), np.count_nonzero(pb, axis=axes)
        fp, fn = pred_fg - tp, true_fg - tp
        tn = t[0].size - tp - fp - fn
        return np.stack([np.stack([tn, fp], -1), np.stack([fn, tp], -1)], -2).astype(np.int64)
    matrices = np.empty((n, c, c), np.int64)
    step = max(1, 2**22 // t[0].size)  # about 4 M pixels per bincount: bounded memory
    for start in range(0, n, step):
        tt, pp = t[start : start + step], p[start : start + step]
        offset = np.arange(len(tt), dtype=np.int64)[:, None, None] * (c * c)
        flat = offset + tt.astype(np.int64) * c + pp
        counts = np.bincount(flat.ravel(), minlength=len(tt) * c * c)
        matrices[start : start + len(tt)] = counts.reshape(len(tt), c, c)
    return matrices


def _class_counts(matrices: np.ndarray) -> Counts:
    """One-vs-rest counts per class, each ``(..., C)``, from confusion matrices ``(..., C, C)``."""
    tp = np.diagonal(matrices, axis1=-2, axis2=-1)
    fp = matrices.sum(axis=-2) - tp
    fn = matrices.sum(axis=-1) - tp
    tn = matrices.sum(axis=(-2, -1))[..., None] - tp - fp - fn
    return Counts(tp, fp, fn, tn)


def _scores(kind: str, counts: Counts, empty: float) -> np.ndarray:
    """Per-class scores of one kind from per-class counts, with the empty rule."""
    tp, fp, fn, _ = counts
    both_empty = (tp + fp + fn) == 0
    if kind == "iou":
        return score_ratio(tp, tp + fp + fn, both_empty, empty=empty)
    if kind == "dice":  # also F1: 2PR / (P + R) = 2TP / (2TP + FP + FN)
        return score_ratio(2 * tp, 2 * tp + fp + fn, both_empty, empty=empty)
    if kind == "precision":
        return score_ratio(tp, tp + fp, both_empty, empty=empty)
    return score_ratio(tp, tp + fn, both_empty, empty=empty)  # recall


def _class_mean(scores: np.ndarray, include_background: bool) -> np.ndarray:
    """Mean over classes (axis 1), background (column 0) left out unless asked; NaNs skipped."""
    kept = scores if include_background else scores[:, 1:]
    if not np.isnan(kept).any():
        return kept.mean(axis=1)
    with warnings.catch_warnings():  # an all-NaN row is meant to give NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(kept, axis=1)


def _score(kind, y_true, y_pred, *, num_classes, per_class, include_background, pooled, empty):
    t, p, c, single = _prepare(y_true, y_pred, num_classes)
    matrices = _confusion(t, p, c)
    if pooled:
        matrices, single = matrices.sum(axis=0, keepdims=True), True
    scores = _scores(kind, _class_counts(matrices), empty)
    if not per_class:
        scores = _class_mean(scores, include_background)
    if single:
        return float(scores[0]) if scores.ndim == 1 else scores[0]
    return scores


def iou(
    y_true,
    y_pred,
    *,
    num_classes: int | None = None,
    per_class: bool = False,
    include_background: bool = False,
    pooled: bool = False,
    empty: float = 1.0,
) -> np.ndarray | float:
    """Intersection over union (Jaccard index), ``TP / (TP + FP + FN)``, per image.

    See the module docstring for classes and the empty-mask rule.

    Parameters
    ----------
    y_true, y_pred : array_like of bool or int, shape (N, H, W) or (H, W)
        Label masks (0 = background); a trailing channel of size 1 is dropped.
    num_classes : int, optional
        Number of classes; default 2 for 0/1 masks, else the largest label + 1.
    per_class : bool
        One score per class, shape (N, C) (background is column 0), instead of the mean.
    include_background : bool
        Count the background class in the mean over classes (with two classes: the
        two-class mean IoU that ``keras.metrics.MeanIoU`` reports; not the objects' IoU).
    pooled : bool
        Add up the pixel counts of all images first and return one score for the batch.
    empty : float
        Score of a class absent from both masks (default 1.0; ``np.nan`` leaves it out
        of means).

    Returns
    -------
    ndarray of float64, shape (N,), or (N, C) with ``per_class``; without the N axis
    (a float, or shape (C,)) for one (H, W) image or ``pooled=True``.
    """
    return _score(
        "iou",
        y_true,
        y_pred,
        num_classes=num_classes,
        per_class=per_class,
        include_background=include_background,
        pooled=pooled,
        empty=empty,
    )


def dice(
    y_true,
    y_pred,
    *,
    num_classes: int | None = None,
    per_class: bool = False,
    include_background: bool = False,
    pooled: bool = False,
    empty: float = 1.0,
) -> np.ndarray | float:
    """Dice coefficient, ``2 TP / (2 TP + FP + FN)``, per image (options as :func:`iou`).

    Always ``2 iou / (1 + iou)``: Dice ranks images as IoU does, with higher numbers.
    """
    return _score(
        "dice",
        y_true,
        y_pred,
        num_classes=num_classes,
        per_class=per_class,
        include_background=include_background,
        pooled=pooled,
        empty=empty,
    )


def precision(
    y_true,
    y_pred,
    *,
    num_classes: int | None = None,
    per_class: bool = False,
    include_background: bool = False,
    pooled: bool = False,
    empty: float = 1.0,
) -> np.ndarray | float:
    """Precision, ``TP / (TP + FP)``: the share of predicted pixels that are right (options
    as :func:`iou`). An empty prediction of a non-empty truth scores 0."""
    return _score(
        "precision",
        y_true,
        y_pred,
        num_classes=num_classes,
        per_class=per_class,
        include_background=include_background,
        pooled=pooled,
        empty=empty,
    )


def recall(
    y_true,
    y_pred,
    *,
    num_classes: int | None = None,
    per_class: bool = False,
    include_background: bool = False,
    pooled: bool = False,
    empty: float = 1.0,
) -> np.ndarray | float:
    """Recall (sensitivity), ``TP / (TP + FN)``: the share of true pixels found (options as
    :func:`iou`). A non-empty prediction where the truth is empty scores 0."""
    return _score(
        "recall",
        y_true,
        y_pred,
        num_classes=num_classes,
        per_class=per_class,
        include_background=include_background,
        pooled=pooled,
        empty=empty,
    )


def confusion_counts(
    y_true, y_pred, *, num_classes: int | None = None, per_class: bool = False
) -> Counts:
    """True/false positive/negative pixel counts per image.

    Returns
    -------
    Counts
        ``(tp, fp, fn, tn)``, int64 arrays of shape (N,) for the foreground of binary
        masks, or (N, C) one-vs-rest per class for multi-class masks or ``per_class=True``
        (without the N axis for one (H, W) image).
    """
    t, p, c, single = _prepare(y_true, y_pred, num_classes)
    counts = _class_counts(_confusion(t, p, c))
    if c == 2 and not per_class:
        counts = Counts(*(a[:, 1] for a in counts))
    return Counts(*(a[0] for a in counts)) if single else counts


def confusion_matrix(
    y_true, y_pred, *, num_classes: int | None = None, pooled: bool = False
) -> np.ndarray:
    """Confusion matrices, rows the true class and columns the predicted class (as scikit-learn).

    Returns
    -------
    ndarray of int64, shape (N, C, C); (C, C) for one image or ``pooled=True``.
    """
    t, p, c, single = _prepare(y_true, y_pred, num_classes)
    matrices = _confusion(t, p, c)
    if pooled:
        return matrices.sum(axis=0)
    return matrices[0] if single else matrices


def pixel_accuracy(
    y_true, y_pred, *, num_classes: int | None = None, pooled: bool = False
) -> np.ndarray | float:
    """Share of pixels whose class is right, ``(TP + TN) / all`` for binary masks.

    Misleading on imbalanced data: predicting only background on an image with 5 %
    foreground scores 0.95. Returns float64 of shape (N,), a float for one image or
    ``pooled=True``.
    """
    t, p, c, single = _prepare(y_true, y_pred, num_classes)
    matrices = _confusion(t, p, c)
    if pooled:
        matrices, single = matrices.sum(axis=0, keepdims=True), True
    scores = np.trace(matrices, axis1=1, axis2=2) / matrices.sum(axis=(1, 2))
    return float(scores[0]) if single else scores


# --------------------------------------------------------------------------------------
# Boundary distance
# --------------------------------------------------------------------------------------


def _hd95_one(t: np.ndarray, p: np.ndarray, structure: np.ndarray) -> float:
    if not t.any() or not p.any():
        return float("nan") if not t.any() and not p.any() else float("inf")
    # The boundary is the mask minus its erosion; the image edge counts as outside.
    t_edge = t ^ ndimage.binary_erosion(t, structure=structure)
    p_edge = p ^ ndimage.binary_erosion(p, structure=structure)
    to_p = ndimage.distance_transform_edt(~p_edge)[t_edge]
    to_t = ndimage.distance_transform_edt(~t_edge)[p_edge]
    return float(np.percentile(np.concatenate([to_p, to_t]), 95))


def hd95(y_true, y_pred, *, connectivity: int = 1) -> np.ndarray | float:
    """95th percentile of the symmetric boundary distance, in pixels, per image.

    The distances from every boundary pixel of each mask to the nearest boundary pixel
    of the other are pooled, and their 95th percentile (linear interpolation) is
    returned: the definition of ``medpy.metric.binary.hd95`` with unit spacing (the
    tests check it). Boundary pixels are those removed by one erosion with
    ``scipy.ndimage.generate_binary_structure(2, connectivity)``. Written here with
    SciPy rather than calling MedPy because MedPy raises on empty masks and is not a
    runtime dependency.

    Parameters
    ----------
    y_true, y_pred : array_like of bool or {0, 1}, shape (N, H, W) or (H, W)
    connectivity : {1, 2}
        1: a pixel is on the boundary if one of its 4 neighbours is outside; 2: 8 neighbours.

    Returns
    -------
    ndarray of float64, shape (N,) (a float for one image): ``nan`` where both masks
    are empty, ``inf`` where only one is.

    Raises
    ------
    MetricInputError
        For masks that are not binary, or that the metrics cannot score (see
        :func:`confusion_counts`).
    """
    t, p, c, single = _prepare(y_true, y_pred, None)
    if c != 2:
        raise MetricInputError(
            f"hd95 takes binary masks, these hold labels up to {c - 1}: score one class "
            "at a time, e.g. hd95(y_true == k, y_pred == k)."
        )
    scores = _hd95_batch(t, p, connectivity=connectivity)
    return float(scores[0]) if single else scores


def _hd95_batch(t: np.ndarray, p: np.ndarray, *, connectivity: int) -> np.ndarray:
    structure = ndimage.generate_binary_structure(2, connectivity)
    return np.array(
        [_hd95_one(a.astype(bool), b.astype(bool), structure) for a, b in zip(t, p, strict=True)],
        dtype=np.float64,
    )


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------

TABLE_COLUMNS = ("iou", "dice", "precision", "recall", "f1", "accuracy")


def per_image_table(
    y_true,
    y_pred,
    names=None,
    *,
    hd95: bool = False,
    empty: float = 1.0,
    num_classes: int | None = None,
    include_background: bool = False,
) -> pd.DataFrame:
    """One row per image: iou, dice, precision, recall, f1, accuracy (and hd95 if asked).

    Parameters
    ----------
    y_true, y_pred : array_like, shape (N, H, W)
        Label masks, as for :func:`iou`.
    names : sequence of str, optional
        Image names for the index (default 0 .. N-1).
    hd95 : bool
        Add the ``hd95`` column (slower: two distance transforms per image).
    empty, num_classes, include_background
        As for :func:`iou`; multi-class scores are means over the classes.

    Returns
    -------
    pandas.DataFrame
        Index ``image``, float64 columns in the order above. Write it with
        ``table.to_csv(path)``; summarise it with :func:`summary`.

    Raises
    ------
    MetricInputError
        When ``names`` does not give one name per image, or for masks the metrics cannot
        score.
    """
    import pandas as pd

    t, p, c, _ = _prepare(y_true, y_pred, num_classes)
    if names is not None and len(names) != len(t):
        raise MetricInputError(f"{len(names)} names for {len(t)} images: give one name per image.")
    counts = _class_counts(_confusion(t, p, c))
    columns = {
        kind: _class_mean(_scores(kind, counts, empty), include_background)
        for kind in ("iou", "dice", "precision", "recall")
    }
    columns["f1"] = columns["dice"].copy()
    columns["accuracy"] = counts.tp.sum(axis=1) / t[0].size  # the diagonal: right pixels
    if hd95:
        columns["hd95"] = _hd95_batch(t, p, connectivity=1)
    index = pd.Index(list(names) if names is not None else range(len(t)), name="image")
    return pd.DataFrame(columns, index=index)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation and median of each column of :func:`per_image_table`.

    ``images`` counts the images in each mean and ``left_out`` those left out because
    their score is NaN (both masks empty with ``empty=np.nan``, or ``hd95`` of two empty
    masks). An ``inf`` hd95 (one mask empty) is kept, so that mean is ``inf``: read the
    median.

    Returns
    -------
    pandas.DataFrame
        One row per metric; columns ``mean``, ``std``, ``median``, ``images``, ``left_out``.
    """
    import pandas as pd

    numeric = table.select_dtypes("number")
    with np.errstate(invalid="ignore"):
        return pd.DataFrame(
            {
                "mean": numeric.mean(),
                "std": numeric.std(),
                "median": numeric.median(),
                "images": numeric.notna().sum(),
                "left_out": numeric.isna().sum(),
            }
        )
