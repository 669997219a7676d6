"""The scores of one batch: pixel scores (per class too), object scores, the threshold sweep."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.conventions import foreground, score_ratio
from helpers.errors import EvaluationError

#: The scores that get one column per class (``iou_<class>``...) for a model of several classes.
CLASS_SCORES = ("iou", "dice", "precision", "recall")
#: The probability thresholds of the sweep (``sweep=True``): 0.05, 0.10, ..., 0.95.
SWEEP_THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(1, 20))
#: The columns of ``Evaluation.true_objects``: one row per true object.
FATE_COLUMNS = ("image", "area_px", "found")


def _pixel_scores(truths, predicted, names, *, num_classes: int, labels, hd95: bool):
    """Pixel scores per image: the table's columns, per-class columns for several classes."""
    from helpers import metrics

    several = None if num_classes == 1 else num_classes
    table = metrics.per_image_table(truths, predicted, names, hd95=hd95, num_classes=several)
    if several:
        for kind in CLASS_SCORES:
            scores = getattr(metrics, kind)(truths, predicted, num_classes=several, per_class=True)
            for value in range(1, several):  # the foreground classes, as in the mean
                table[f"{kind}_{labels[value]}"] = scores[:, value]
    return table


def _object_scores(truths, predicted, names):
    """Object columns per image, per-threshold object scores, and each true object's fate.

    One :func:`helpers.objects.match` per image gives all three; the columns are those of
    :func:`helpers.objects.object_scores` (``tests/test_evaluation.py`` checks that)."""
    from helpers.objects import DEFAULT_THRESHOLDS, iou_matrix, label_objects, match

    rows, curves, fates = [], [], []
    for name, truth, pred in zip(names, truths, predicted, strict=True):
        true_labels, pred_labels = label_objects(truth), label_objects(pred)
        found = match(true_labels, pred_labels, DEFAULT_THRESHOLDS)
        first = found.iloc[0]  # DEFAULT_THRESHOLDS starts at 0.5, the columns' threshold
        rows.append(
            {
                "n_true": found.attrs["n_true"],
                "n_pred": found.attrs["n_pred"],
                "tp": int(first["tp"]),
                "fp": int(first["fp"]),
                "fn": int(first["fn"]),
                "object_f1": float(first["f1"]),
                "ap": float(first["ap"]),
                "mean_ap": found.attrs["mean_ap"],
                "splits": found.attrs["splits"],
                "merges": found.attrs["merges"],
            }
        )
        curves.append(found[["f1", "ap"]].to_numpy())
        areas = np.bincount(true_labels.ravel())[1:]
        present = areas > 0  # the rows of iou_matrix: the labels present, in order
        best = iou_matrix(true_labels, pred_labels)
        best = best.max(axis=1) if best.shape[1] else np.zeros(len(best))
        fates += [(name, int(a), bool(b >= 0.5)) for a, b in zip(areas[present], best, strict=True)]
    index = pd.Index(list(names), name="image")
    return pd.DataFrame(rows, index=index), np.stack(curves), fates


def _sweep(truths: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Per-image IoU and Dice at each of :data:`SWEEP_THRESHOLDS`: shape (N, T, 2)."""
    t = truths.reshape(len(truths), -1).astype(bool)
    p = probs.reshape(len(probs), -1)
    scores = np.empty((len(t), len(SWEEP_THRESHOLDS), 2))
    true_count = t.sum(axis=1)
    for k, threshold in enumerate(SWEEP_THRESHOLDS):
        guess = foreground(p, threshold=threshold)
        tp = np.count_nonzero(guess & t, axis=1)
        fp, fn = np.count_nonzero(guess, axis=1) - tp, true_count - tp
        empty = (tp + fp + fn) == 0
        scores[:, k, 0] = score_ratio(tp, tp + fp + fn, empty)
        scores[:, k, 1] = score_ratio(2 * tp, 2 * tp + fp + fn, empty)
    return scores


def _sweep_frame(sweeps: list) -> pd.DataFrame | None:
    if not sweeps:
        return None
    means = np.concatenate(sweeps).mean(axis=0)
    index = pd.Index(SWEEP_THRESHOLDS, name="threshold")
    return pd.DataFrame({"iou": means[:, 0], "dice": means[:, 1]}, index=index)


def _curve_frame(curves: list) -> pd.DataFrame:
    from helpers.objects import DEFAULT_THRESHOLDS

    means = np.concatenate(curves).mean(axis=0)
    index = pd.Index(DEFAULT_THRESHOLDS, name="threshold")
    return pd.DataFrame({"object_f1": means[:, 0], "ap": means[:, 1]}, index=index)


def describe_objects(table: pd.DataFrame) -> str:
    """One line on the object columns of a table (``evaluate --objects`` prints it).

    Raises
    ------
    EvaluationError
        For a table without the object columns (evaluate with ``objects=True``).
    """
    missing = {"n_true", "n_pred", "tp", "splits", "merges", "mean_ap"} - set(table.columns)
    if missing:
        raise EvaluationError(
            f"The table has no {sorted(missing)} columns: evaluate with objects=True first."
        )
    totals = table[["n_true", "n_pred", "tp", "splits", "merges"]].sum()
    return (
        f"Objects: {totals['n_true']} true, {totals['n_pred']} predicted, {totals['tp']} matched "
        f"at IoU 0.5; mean AP 0.5:0.95 {table['mean_ap'].mean():.4f}; {totals['splits']} split, "
        f"{totals['merges']} merged."
    )
