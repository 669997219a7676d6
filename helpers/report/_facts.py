"""The numbers a report states, taken once from one evaluation pass and the run's record."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: The pixel scores summarised (mean, median, worst), in the order shown.
PIXEL_SCORES = ("iou", "dice", "precision", "recall", "hd95")
#: The names of the three object-size groups (terciles of the true objects' areas).
SIZE_GROUPS = ("small", "medium", "large")


@dataclass(frozen=True)
class Facts:
    """The numbers the findings are drawn from (:func:`facts_of`); NaN or None where unknown.

    Attributes
    ----------
    images : int
        Images scored.
    threshold : float
        The probability threshold the masks were made with.
    mean_iou, median_iou : float
        Over the images.
    worst_image : str
        The image of the lowest IoU, and ``worst_iou`` its IoU.
    worst_iou : float
    over_segmented, under_segmented : int
        Images whose precision is lower than their recall (``over``), or higher.
    missed_images : int
        Images with something to find where the model predicts nothing.
    false_alarm_images : int
        Images with nothing to find where the model predicts something.
    best_threshold : float or None
        The threshold of the highest mean IoU (one sigmoid channel), with
        ``iou_at_best`` and ``iou_at_threshold`` (the IoU at ``threshold``).
    iou_at_best, iou_at_threshold : float or None
    true_objects, predicted_objects, splits, merges : int or None
        Object counts over the images (one foreground class).
    size_recall : pandas.DataFrame or None
        Index ``small``, ``medium``, ``large``; columns ``smallest_px``, ``largest_px``,
        ``objects``, ``found``, ``recall`` (at IoU 0.5).
    kept_epoch, epochs_run : int or None
        From the run's training record, counted from 1 (None where not recorded).
    stopped_early : bool or None
    class_iou : dict of str to float
        IoU of each foreground class, pooled over the pixels of every image (several
        classes only; empty for one).
    """

    images: int = 0
    threshold: float = 0.5
    mean_iou: float = math.nan
    median_iou: float = math.nan
    worst_image: str = ""
    worst_iou: float = math.nan
    over_segmented: int = 0
    under_segmented: int = 0
    missed_images: int = 0
    false_alarm_images: int = 0
    best_threshold: float | None = None
    iou_at_best: float | None = None
    iou_at_threshold: float | None = None
    true_objects: int | None = None
    predicted_objects: int | None = None
    splits: int | None = None
    merges: int | None = None
    size_recall: pd.DataFrame | None = None
    kept_epoch: int | None = None
    epochs_run: int | None = None
    stopped_early: bool | None = None
    class_iou: dict[str, float] = field(default_factory=dict)


def pixel_summary(table: pd.DataFrame, columns) -> pd.DataFrame:
    """Mean, median and worst of each column of a per-image table that it holds.

    The worst is the lowest score (the highest ``hd95``: a distance); an infinite
    ``hd95`` (one mask empty) makes its mean infinite, a NaN one (both empty) is left out.

    Returns
    -------
    pandas.DataFrame
        One row per column found; columns ``mean``, ``median``, ``worst``, ``worst_image``.
    """
    rows = {}
    for column in columns:
        if column not in table:
            continue
        values = table[column].astype(float)
        kept = values.dropna()
        if kept.empty:
            rows[column] = {"mean": math.nan, "median": math.nan, "worst": math.nan}
            rows[column]["worst_image"] = ""
            continue
        worst = kept.idxmax() if column.startswith("hd95") else kept.idxmin()
        rows[column] = {
            "mean": float(kept.mean()),
            "median": float(kept.median()),
            "worst": float(kept[worst]),
            "worst_image": str(worst),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def pooled_class_iou(confusion: np.ndarray, names) -> dict[str, float]:
    """IoU of each foreground class from a pooled confusion matrix (rows true)."""
    tp = np.diagonal(confusion).astype(float)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, tp / np.maximum(union, 1), math.nan)
    return {str(names[k]): float(iou[k]) for k in range(1, len(names))}


def size_recall(true_objects: pd.DataFrame | None) -> pd.DataFrame | None:
    """Recall (found at IoU 0.5) of the true objects in three groups by area: the
    terciles of the areas. None for fewer than three objects."""
    if true_objects is None or len(true_objects) < 3:
        return None
    areas = true_objects["area_px"].to_numpy()
    low, high = np.quantile(areas, [1 / 3, 2 / 3])
    groups = np.where(areas <= low, 0, np.where(areas <= high, 1, 2))
    rows = {}
    for index, name in enumerate(SIZE_GROUPS):
        chosen = true_objects[groups == index]
        found = int(chosen["found"].sum())
        rows[name] = {
            "smallest_px": int(chosen["area_px"].min()) if len(chosen) else 0,
            "largest_px": int(chosen["area_px"].max()) if len(chosen) else 0,
            "objects": len(chosen),
            "found": found,
            "recall": found / len(chosen) if len(chosen) else math.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _best_threshold(sweep: pd.DataFrame | None, threshold: float):
    """(best, IoU at best, IoU at ``threshold``): the closest to ``threshold`` among ties."""
    if sweep is None:
        return None, None, None
    iou = sweep["iou"]
    top = iou.max()
    ties = [t for t in iou.index if iou[t] >= top - 1e-12]
    best = min(ties, key=lambda t: (abs(t - threshold), t))
    nearest = min(iou.index, key=lambda t: abs(t - threshold))
    return float(best), float(iou[best]), float(iou[nearest])


def facts_of(found, record: dict | None = None) -> Facts:
    """The :class:`Facts` of one evaluation pass (:class:`helpers.evaluation.Evaluation`
    with ``keep=True``; ``sweep`` and ``objects`` where the model has one channel) and
    the run's training record (``Run.record``; None where not recorded)."""
    table = found.table
    iou = table["iou"].astype(float)
    worst = iou.idxmin()
    truths = found.truths.reshape(len(found.truths), -1) > 0
    predicted = found.predictions.reshape(len(found.predictions), -1) > 0
    has_truth, has_prediction = truths.any(axis=1), predicted.any(axis=1)
    best, at_best, at_threshold = _best_threshold(found.sweep, found.threshold)
    objects = {}
    if "n_true" in table:
        objects = {
            "true_objects": int(table["n_true"].sum()),
            "predicted_objects": int(table["n_pred"].sum()),
            "splits": int(table["splits"].sum()),
            "merges": int(table["merges"].sum()),
        }
    record = record or {}
    kept = record.get("kept_epoch")
    several = found.num_classes > 1
    return Facts(
        images=len(table),
        threshold=found.threshold,
        mean_iou=float(iou.mean()),
        median_iou=float(iou.median()),
        worst_image=str(worst),
        worst_iou=float(iou[worst]),
        over_segmented=int((table["precision"] < table["recall"]).sum()),
        under_segmented=int((table["recall"] < table["precision"]).sum()),
        missed_images=int((has_truth & ~has_prediction).sum()),
        false_alarm_images=int((~has_truth & has_prediction).sum()),
        best_threshold=best,
        iou_at_best=at_best,
        iou_at_threshold=at_threshold,
        size_recall=size_recall(found.true_objects),
        kept_epoch=None if kept is None else int(kept) + 1,
        epochs_run=record.get("epochs_run"),
        stopped_early=record.get("stopped_early"),
        class_iou=pooled_class_iou(found.confusion, found.class_names) if several else {},
        **objects,
    )
