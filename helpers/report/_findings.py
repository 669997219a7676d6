"""Plain-language findings: each one a rule whose condition is read off the numbers.

A rule takes the :class:`~helpers.report.Facts` of a run and returns a sentence built
from them, or None when its condition does not hold; nothing is said that the numbers do
not show. The conditions are here, in the code, one ``if`` each, and
``tests/test_report_findings.py`` checks every rule both ways.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ._facts import Facts

#: IoU a better threshold must add before the report suggests it.
THRESHOLD_GAIN = 0.01
#: How far below the median IoU an image must score to be pointed out.
OUTLIER_GAP = 0.2
#: How far the recall of the smallest third of the objects must fall below the largest's.
SMALL_OBJECT_GAP = 0.2
#: Predicted objects over true ones beyond which the counts are called off (either way).
COUNT_RATIO = 1.2
#: How far below the mean of the other classes the hardest class's IoU must be.
CLASS_GAP = 0.15


def _share(count: int, total: int) -> str:
    return f"{count} of {total} images"


def over_segments(f: Facts) -> str | None:
    """Precision below recall on most images (at least 2): masks drawn too wide."""
    if f.over_segmented >= 2 and f.over_segmented > f.images / 2:
        return (
            f"Precision is lower than recall on {_share(f.over_segmented, f.images)}: the "
            "model over-segments (it draws objects too wide, or adds false ones)."
        )
    return None


def under_segments(f: Facts) -> str | None:
    """Recall below precision on most images (at least 2): parts of objects missed."""
    if f.under_segmented >= 2 and f.under_segmented > f.images / 2:
        return (
            f"Recall is lower than precision on {_share(f.under_segmented, f.images)}: the "
            "model under-segments (it misses parts of objects, or whole ones)."
        )
    return None


def better_threshold(f: Facts) -> str | None:
    """Another threshold gives a mean IoU at least THRESHOLD_GAIN higher."""
    if f.best_threshold is None or f.iou_at_best is None or f.iou_at_threshold is None:
        return None
    gain = f.iou_at_best - f.iou_at_threshold
    if f.best_threshold != f.threshold and gain >= THRESHOLD_GAIN:
        return (
            f"The best threshold is {f.best_threshold:.2f}: mean IoU {f.iou_at_best:.3f} "
            f"against {f.iou_at_threshold:.3f} at {f.threshold:.2f} (+{gain:.3f}). Consider "
            f"`--threshold {f.best_threshold:.2f}`, after checking it on validation images: "
            "a threshold chosen on the test images flatters them."
        )
    return None


def outlier_image(f: Facts) -> str | None:
    """The worst image scores an IoU more than OUTLIER_GAP below the median."""
    if f.images >= 3 and f.worst_iou < f.median_iou - OUTLIER_GAP:
        return (
            f"{f.worst_image} scores IoU {f.worst_iou:.3f}, far below the median "
            f"{f.median_iou:.3f}: look at its overlay (an unusual image, or a wrong "
            "annotation?)."
        )
    return None


def missed_images(f: Facts) -> str | None:
    """The model predicts nothing on an image that has something to find."""
    if f.missed_images > 0:
        return (
            f"The model predicts nothing on {_share(f.missed_images, f.images)} that have "
            "objects: they score IoU 0. A lower threshold, or more epochs, may help."
        )
    return None


def false_alarms(f: Facts) -> str | None:
    """The model predicts something on an image with nothing to find."""
    if f.false_alarm_images > 0:
        return (
            f"The model predicts objects on {_share(f.false_alarm_images, f.images)} that "
            "have none: false alarms (they score IoU 0)."
        )
    return None


def object_counts(f: Facts) -> str | None:
    """Predicted and true object counts differ by more than COUNT_RATIO either way."""
    if not f.true_objects or f.predicted_objects is None:
        return None
    if f.predicted_objects > COUNT_RATIO * f.true_objects:
        return (
            f"The model predicts {f.predicted_objects} objects for {f.true_objects} true ones: "
            f"extra blobs or split objects ({f.splits} split). Dropping specks "
            "(objects.label_objects(..., min_size=...)) may help."
        )
    if f.predicted_objects * COUNT_RATIO < f.true_objects:
        return (
            f"The model predicts {f.predicted_objects} objects for {f.true_objects} true ones: "
            f"missed or merged objects ({f.merges} merged)."
        )
    return None


def small_objects(f: Facts) -> str | None:
    """Small objects (lowest third by area) are found less often than large ones."""
    sizes = f.size_recall
    if sizes is None or sizes["objects"].min() == 0:
        return None
    small, large = sizes.loc["small"], sizes.loc["large"]
    if small["recall"] < large["recall"] - SMALL_OBJECT_GAP:
        return (
            f"Small objects are found less often: recall {small['recall']:.2f} for the "
            f"smallest third (up to {small['largest_px']:.0f} px) against "
            f"{large['recall']:.2f} for the largest third (from {large['smallest_px']:.0f} px)."
        )
    return None


def kept_epoch(f: Facts) -> str | None:
    """The kept epoch is the last one run (still improving), or clearly before it."""
    if f.kept_epoch is None or not f.epochs_run:
        return None
    if f.kept_epoch == f.epochs_run and not f.stopped_early and f.epochs_run > 1:
        return (
            f"The kept epoch is the last one ({f.kept_epoch} of {f.epochs_run}): the "
            "validation loss was still improving, so more epochs may help."
        )
    if f.kept_epoch < f.epochs_run:
        stop = ", then training stopped early" if f.stopped_early else ""
        return (
            f"The kept epoch is {f.kept_epoch} of {f.epochs_run}: the validation loss did not "
            f"improve after it{stop}. The model of that epoch is the one scored here."
        )
    return None


def hardest_class(f: Facts) -> str | None:
    """One class's pooled IoU is more than CLASS_GAP below the mean of the others."""
    scores = {k: v for k, v in f.class_iou.items() if not math.isnan(v)}
    if len(scores) < 2:
        return None
    name = min(scores, key=scores.get)
    others = [v for k, v in scores.items() if k != name]
    rest = sum(others) / len(others)
    if scores[name] < rest - CLASS_GAP:
        return (
            f"{name} is the hardest class: pooled IoU {scores[name]:.3f} against "
            f"{rest:.3f} for the other classes on average. Look at the confusion matrix: "
            "which class takes its pixels?"
        )
    return None


#: Every rule, in the order the report lists its findings.
RULES: tuple[Callable[[Facts], str | None], ...] = (
    over_segments,
    under_segments,
    better_threshold,
    outlier_image,
    missed_images,
    false_alarms,
    object_counts,
    small_objects,
    kept_epoch,
    hardest_class,
)


def findings(facts: Facts) -> list[str]:
    """The sentences of the rules of :data:`RULES` whose condition holds, in order.

    Parameters
    ----------
    facts : Facts
        The numbers of one run (:func:`helpers.report.facts_of`).

    Returns
    -------
    list of str
        One sentence per rule that fires (empty when none does).
    """
    return [sentence for rule in RULES if (sentence := rule(facts)) is not None]
