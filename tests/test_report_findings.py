"""helpers.report's findings: every rule fires when its condition holds and only then.

Each rule is checked on facts made up for it, once just inside its condition and once
just outside; the sentence it says must carry the numbers it was given. The facts
themselves are checked against a small evaluation made by hand.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from helpers import report
from helpers.report import Facts

# A healthy run that no rule speaks about: the base every case below changes.
QUIET = Facts(
    images=9,
    threshold=0.5,
    mean_iou=0.85,
    median_iou=0.86,
    worst_image="mito_031",
    worst_iou=0.78,
    over_segmented=4,
    under_segmented=4,
    best_threshold=0.45,
    iou_at_best=0.855,
    iou_at_threshold=0.85,
    true_objects=40,
    predicted_objects=42,
    splits=1,
    merges=1,
    size_recall=pd.DataFrame(
        {
            "smallest_px": [40, 120, 200],
            "largest_px": [119, 199, 400],
            "objects": [14, 13, 13],
            "found": [13, 13, 13],
            "recall": [13 / 14, 1.0, 1.0],
        },
        index=["small", "medium", "large"],
    ),
    kept_epoch=20,
    epochs_run=25,
    stopped_early=False,
    class_iou={},
)


def _fired(facts: Facts) -> set[str]:
    return {rule.__name__ for rule in report.RULES if rule(facts) is not None}


def test_a_healthy_run_gets_no_finding_but_the_kept_epoch():
    assert _fired(QUIET) == {"kept_epoch"}  # epoch 20 of 25 is worth saying
    assert _fired(replace(QUIET, kept_epoch=25, epochs_run=25, stopped_early=True)) == set()


@pytest.mark.parametrize(
    ("rule", "inside", "outside", "words"),
    [
        (
            "over_segments",
            {"over_segmented": 5, "under_segmented": 4},
            {"over_segmented": 4, "under_segmented": 5},
            ["5 of 9 images", "over-segments"],
        ),
        (
            "under_segments",
            {"under_segmented": 5, "over_segmented": 4},
            {"under_segmented": 4, "over_segmented": 5},
            ["5 of 9 images", "under-segments"],
        ),
        (
            "better_threshold",
            {"best_threshold": 0.35, "iou_at_best": 0.87, "iou_at_threshold": 0.85},
            {"best_threshold": 0.35, "iou_at_best": 0.859, "iou_at_threshold": 0.85},
            ["0.35", "--threshold 0.35", "0.870", "0.850"],
        ),
        (
            "outlier_image",
            {"worst_iou": 0.65, "median_iou": 0.86},
            {"worst_iou": 0.67, "median_iou": 0.86},
            ["mito_031", "0.650", "0.860"],
        ),
        ("missed_images", {"missed_images": 2}, {"missed_images": 0}, ["2 of 9 images"]),
        ("false_alarms", {"false_alarm_images": 1}, {"false_alarm_images": 0}, ["1 of 9"]),
        (
            "object_counts",
            {"predicted_objects": 49},
            {"predicted_objects": 48},
            ["49 objects for 40"],
        ),
        (
            "kept_epoch",
            {"kept_epoch": 25, "epochs_run": 25, "stopped_early": False},
            {"kept_epoch": 25, "epochs_run": 25, "stopped_early": True},
            ["25 of 25", "more epochs"],
        ),
        (
            "hardest_class",
            {"class_iou": {"a": 0.9, "b": 0.8, "rare": 0.69}},
            {"class_iou": {"a": 0.9, "b": 0.8, "rare": 0.71}},
            ["rare", "0.690", "0.850"],
        ),
    ],
)
def test_each_rule_fires_inside_its_condition_only(rule, inside, outside, words):
    function = next(r for r in report.RULES if r.__name__ == rule)
    sentence = function(replace(QUIET, **inside))
    assert sentence is not None, f"{rule} should fire on {inside}"
    for word in words:
        assert word in sentence, (word, sentence)
    assert function(replace(QUIET, **outside)) is None, f"{rule} should not fire on {outside}"
    assert sentence in report.findings(replace(QUIET, **inside))


def test_fewer_objects_than_true_ones_say_missed_or_merged():
    rule = next(r for r in report.RULES if r.__name__ == "object_counts")
    assert "merged" in rule(replace(QUIET, predicted_objects=33))  # 33 * 1.2 < 40
    assert rule(replace(QUIET, predicted_objects=34)) is None  # 34 * 1.2 >= 40


def test_small_objects_rule_compares_the_smallest_and_largest_thirds():
    rule = next(r for r in report.RULES if r.__name__ == "small_objects")
    sizes = QUIET.size_recall.copy()
    sizes.loc["small", "recall"] = 0.79  # more than 0.2 below the large third's 1.0
    sentence = rule(replace(QUIET, size_recall=sizes))
    assert sentence is not None and "0.79" in sentence and "119 px" in sentence
    sizes.loc["small", "recall"] = 0.81
    assert rule(replace(QUIET, size_recall=sizes)) is None
    assert rule(replace(QUIET, size_recall=None)) is None


def test_the_kept_epoch_before_the_last_is_said_with_the_early_stop():
    rule = next(r for r in report.RULES if r.__name__ == "kept_epoch")
    sentence = rule(replace(QUIET, kept_epoch=12, epochs_run=22, stopped_early=True))
    assert "12 of 22" in sentence and "stopped early" in sentence
    assert rule(replace(QUIET, kept_epoch=None, epochs_run=None)) is None  # not recorded


def test_a_finding_about_the_threshold_needs_a_sweep():
    rule = next(r for r in report.RULES if r.__name__ == "better_threshold")
    assert rule(replace(QUIET, best_threshold=None, iou_at_best=None)) is None
    assert rule(replace(QUIET, best_threshold=0.5, iou_at_best=0.9, iou_at_threshold=0.9)) is None


def test_facts_of_a_pass_made_by_hand():
    """Three images, their scores, and a sweep: the facts read back what was put in."""
    from helpers.evaluation import Evaluation

    table = pd.DataFrame(
        {
            "iou": [0.9, 0.2, 0.7],
            "dice": [0.95, 0.33, 0.82],
            "precision": [0.9, 0.3, 0.8],
            "recall": [1.0, 0.4, 0.75],
            "n_true": [2, 3, 1],
            "n_pred": [2, 1, 1],
            "splits": [0, 0, 0],
            "merges": [0, 1, 0],
        },
        index=pd.Index(["a", "b", "c"], name="image"),
    )
    truths = np.zeros((3, 4, 4), np.uint8)
    truths[:2, 1, 1] = 1  # "c" has nothing to find
    predictions = np.zeros((3, 4, 4), np.uint8)
    predictions[0, 1, 1] = predictions[2, 0, 0] = 1  # "b" finds nothing, "c" a false alarm
    sweep = pd.DataFrame(
        {"iou": [0.5, 0.62, 0.6], "dice": [0.6, 0.7, 0.7]},
        index=pd.Index([0.4, 0.45, 0.5], name="threshold"),
    )
    objects = pd.DataFrame(
        {"image": list("aabbbc"), "area_px": [10, 20, 30, 40, 50, 60], "found": [1, 1, 0, 0, 1, 1]}
    ).astype({"found": bool})
    found = Evaluation(
        table=table,
        confusion=np.array([[40, 1], [1, 6]]),
        class_names=("background", "foreground"),
        num_classes=1,
        threshold=0.5,
        sweep=sweep,
        true_objects=objects,
        images=np.zeros((3, 4, 4, 1), np.uint8),
        truths=truths,
        predictions=predictions,
    )
    facts = report.facts_of(found, {"kept_epoch": 3, "epochs_run": 10, "stopped_early": True})
    assert facts.images == 3 and facts.worst_image == "b" and facts.worst_iou == 0.2
    assert facts.mean_iou == pytest.approx(0.6) and facts.median_iou == 0.7
    assert (facts.over_segmented, facts.under_segmented) == (2, 1)
    assert (facts.missed_images, facts.false_alarm_images) == (1, 1)
    assert (facts.best_threshold, facts.iou_at_best, facts.iou_at_threshold) == (0.45, 0.62, 0.6)
    assert (facts.true_objects, facts.predicted_objects, facts.merges) == (6, 4, 1)
    assert facts.size_recall["objects"].tolist() == [2, 2, 2]
    assert facts.size_recall["recall"].tolist() == [1.0, 0.0, 1.0]
    assert (facts.kept_epoch, facts.epochs_run) == (4, 10)  # counted from 1 in the report
    assert facts.class_iou == {} and not math.isnan(facts.mean_iou)
