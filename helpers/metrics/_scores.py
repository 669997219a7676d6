"""Pixel scores of masks and label images: confusion counts, IoU, Dice, precision, recall,
accuracy; per image, per class, or pooled."""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from helpers import conventions
from helpers.conventions import foreground, mask_labels, score_ratio
from helpers.errors import MetricInputError


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


def _as_labels(y, name: str, ignore: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Labels of ``y`` and, with ``ignore``, where ``y`` does not hold it (else None)."""
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
    keep = None
    if ignore is not None:
        keep = y != ignore
        y = np.where(keep, y, np.zeros((), y.dtype))  # then left out of every count
    return mask_labels(y, what=name, error=MetricInputError), keep  # 0/255 becomes 0/1


def _prepare(y_true, y_pred, num_classes: int | None, ignore: int | None = None):
    """Checked ``(N, H, W)`` label arrays, the number of classes, whether one image came,
    and the pixels to count (``None``: all of them; else a bool ``(N, H, W)`` array,
    False where ``y_true`` holds ``ignore``)."""
    (t, keep), (p, _) = _as_labels(y_true, "y_true", ignore), _as_labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise MetricInputError(
            f"y_true has shape {t.shape} but y_pred has {p.shape}: they must match. Resize "
            "predictions back to the mask's size (nearest-neighbour) before scoring."
        )
    single = t.ndim == 2
    t, p = (t[None], p[None]) if single else (t, p)
    if keep is not None:
        keep = keep.reshape(t.shape)
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
    return t, p, num_classes, single, keep


def _confusion(t: np.ndarray, p: np.ndarray, num_classes: int, keep=None) -> np.ndarray:
    """Confusion matrices ``(N, C, C)`` int64, rows true class, columns predicted class;
    only the pixels where ``keep`` is True count (all of them when it is None)."""
    n, c = len(t), num_classes
    if c == 2:  # boolean counting: faster than the bincount below (benchmarks/metrics_speed.py)
        tb = t if t.dtype == bool else t.astype(bool)
        pb = p if p.dtype == bool else p.astype(bool)
        if keep is not None:
            tb, pb = tb & keep, pb & keep
        axes = (1, 2)
        tp = np.count_nonzero(tb & pb, axis=axes)
        true_fg, pred_fg = np.count_nonzero(tb, axis=axes), np.count_nonzero(pb, axis=axes)
        fp, fn = pred_fg - tp, true_fg - tp
        counted = t[0].size if keep is None else np.count_nonzero(keep, axis=axes)
        tn = counted - tp - fp - fn
        return np.stack([np.stack([tn, fp], -1), np.stack([fn, tp], -1)], -2).astype(np.int64)
    matrices = np.empty((n, c, c), np.int64)
    step = max(1, 2**22 // t[0].size)  # about 4 M pixels per bincount: bounded memory
    for start in range(0, n, step):
        tt, pp = t[start : start + step], p[start : start + step]
        offset = np.arange(len(tt), dtype=np.int64)[:, None, None] * (c * c)
        flat = offset + tt.astype(np.int64) * c + pp
        flat = flat if keep is None else flat[keep[start : start + step]]
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


def _score(
    kind, y_true, y_pred, *, num_classes, per_class, include_background, pooled, empty, ignore
):
    t, p, c, single, keep = _prepare(y_true, y_pred, num_classes, ignore)
    matrices = _confusion(t, p, c, keep)
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
    ignore: int | None = None,
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
    ignore : int, optional
        A label of ``y_true`` that marks pixels to leave out (255, the ``"ignore"`` of a
        ``classes.json``): they are in no count, whatever ``y_pred`` holds there. With
        it, a 0/255 ``y_true`` is background and ignored pixels, not 0/1.

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
        ignore=ignore,
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
    ignore: int | None = None,
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
        ignore=ignore,
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
    ignore: int | None = None,
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
        ignore=ignore,
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
    ignore: int | None = None,
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
        ignore=ignore,
    )


def confusion_counts(
    y_true,
    y_pred,
    *,
    num_classes: int | None = None,
    per_class: bool = False,
    ignore: int | None = None,
) -> Counts:
    """True/false positive/negative pixel counts per image (``ignore`` as for :func:`iou`).

    Returns
    -------
    Counts
        ``(tp, fp, fn, tn)``, int64 arrays of shape (N,) for the foreground of binary
        masks, or (N, C) one-vs-rest per class for multi-class masks or ``per_class=True``
        (without the N axis for one (H, W) image).
    """
    t, p, c, single, keep = _prepare(y_true, y_pred, num_classes, ignore)
    counts = _class_counts(_confusion(t, p, c, keep))
    if c == 2 and not per_class:
        counts = Counts(*(a[:, 1] for a in counts))
    return Counts(*(a[0] for a in counts)) if single else counts


def confusion_matrix(
    y_true,
    y_pred,
    *,
    num_classes: int | None = None,
    pooled: bool = False,
    ignore: int | None = None,
) -> np.ndarray:
    """Confusion matrices, rows the true class and columns the predicted class (as scikit-learn).

    Pixels where ``y_true`` holds ``ignore`` are in no cell (as for :func:`iou`).

    Returns
    -------
    ndarray of int64, shape (N, C, C); (C, C) for one image or ``pooled=True``.
    """
    t, p, c, single, keep = _prepare(y_true, y_pred, num_classes, ignore)
    matrices = _confusion(t, p, c, keep)
    if pooled:
        return matrices.sum(axis=0)
    return matrices[0] if single else matrices


def pixel_accuracy(
    y_true,
    y_pred,
    *,
    num_classes: int | None = None,
    pooled: bool = False,
    ignore: int | None = None,
) -> np.ndarray | float:
    """Share of pixels whose class is right, ``(TP + TN) / all`` for binary masks.

    Misleading on imbalanced data: predicting only background on an image with 5 %
    foreground scores 0.95. Returns float64 of shape (N,), a float for one image or
    ``pooled=True``. With ``ignore`` (as for :func:`iou`) the share is of the pixels
    counted; an image whose every pixel is ignored scores ``nan``.
    """
    t, p, c, single, keep = _prepare(y_true, y_pred, num_classes, ignore)
    matrices = _confusion(t, p, c, keep)
    if pooled:
        matrices, single = matrices.sum(axis=0, keepdims=True), True
    scores = _accuracy(matrices)
    return float(scores[0]) if single else scores


def _accuracy(matrices: np.ndarray) -> np.ndarray:
    """Right pixels over counted pixels, per matrix; ``nan`` where no pixel is counted."""
    right, counted = np.trace(matrices, axis1=1, axis2=2), matrices.sum(axis=(1, 2))
    return np.divide(right, counted, out=np.full(len(matrices), np.nan), where=counted > 0)
