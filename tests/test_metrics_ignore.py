"""helpers.metrics with ``ignore=``: pixels where y_true holds the ignore value are left out
of every count. Checked against a plain pixel loop over the counted pixels and against
scikit-learn on the same pixels; without ``ignore`` nothing changes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from helpers import metrics

IGNORE = 255


def _with_ignored(seed: int, classes: int, shape=(4, 12, 10), share=0.2):
    """Labels 0..classes-1 with about ``share`` of y_true set to IGNORE, and a prediction
    that is right about 70 % of the time (and random where y_true is ignored)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, classes, shape).astype(np.uint8)
    pred = np.where(rng.random(shape) < 0.7, truth, rng.integers(0, classes, shape))
    truth[rng.random(shape) < share] = IGNORE
    return truth, pred.astype(np.uint8)


def _loop_confusion(truth: np.ndarray, pred: np.ndarray, classes: int) -> np.ndarray:
    """The slow reference: one pixel at a time, the ignored ones skipped."""
    matrix = np.zeros((classes, classes), np.int64)
    for t, p in zip(truth.ravel().tolist(), pred.ravel().tolist(), strict=True):
        if t != IGNORE:
            matrix[t, p] += 1
    return matrix


def _ratio(num, den, both_empty, empty=1.0):
    return empty if both_empty else (num / den if den else 0.0)


@pytest.mark.parametrize("classes", [2, 3])
def test_confusion_matrices_leave_ignored_pixels_out_as_a_pixel_loop(classes):
    truth, pred = _with_ignored(1, classes)
    ours = metrics.confusion_matrix(truth, pred, num_classes=classes, ignore=IGNORE)
    for i in range(len(truth)):
        np.testing.assert_array_equal(ours[i], _loop_confusion(truth[i], pred[i], classes))
        kept = truth[i] != IGNORE
        reference = skm.confusion_matrix(truth[i][kept], pred[i][kept], labels=range(classes))
        np.testing.assert_array_equal(ours[i], reference)


def test_binary_scores_with_ignore_are_the_scores_of_the_counted_pixels():
    truth, pred = _with_ignored(2, 2)
    counts = metrics.confusion_counts(truth, pred, ignore=IGNORE)
    scores = {
        name: getattr(metrics, name)(truth, pred, ignore=IGNORE)
        for name in ("iou", "dice", "precision", "recall", "pixel_accuracy")
    }
    for i in range(len(truth)):
        (tn, fp), (fn, tp) = _loop_confusion(truth[i], pred[i], 2)
        assert (counts.tp[i], counts.fp[i], counts.fn[i], counts.tn[i]) == (tp, fp, fn, tn)
        empty = tp + fp + fn == 0
        assert scores["iou"][i] == pytest.approx(_ratio(tp, tp + fp + fn, empty))
        assert scores["dice"][i] == pytest.approx(_ratio(2 * tp, 2 * tp + fp + fn, empty))
        assert scores["precision"][i] == pytest.approx(_ratio(tp, tp + fp, empty))
        assert scores["recall"][i] == pytest.approx(_ratio(tp, tp + fn, empty))
        assert scores["pixel_accuracy"][i] == pytest.approx((tp + tn) / (tp + tn + fp + fn))
        kept = truth[i] != IGNORE
        t, p = truth[i][kept], pred[i][kept]
        assert scores["iou"][i] == pytest.approx(skm.jaccard_score(t, p, zero_division=1.0))
        assert scores["pixel_accuracy"][i] == pytest.approx(skm.accuracy_score(t, p))


def test_multiclass_per_class_and_pooled_scores_with_ignore_match_scikit_learn():
    truth, pred = _with_ignored(3, 4)
    per_class = metrics.iou(truth, pred, num_classes=4, per_class=True, ignore=IGNORE)
    for i in range(len(truth)):
        kept = truth[i] != IGNORE
        reference = skm.jaccard_score(
            truth[i][kept], pred[i][kept], labels=range(4), average=None, zero_division=1.0
        )
        np.testing.assert_allclose(per_class[i], reference, atol=1e-12)
    kept = truth != IGNORE
    pooled = metrics.dice(truth, pred, num_classes=4, pooled=True, per_class=True, ignore=IGNORE)
    reference = skm.f1_score(truth[kept], pred[kept], labels=range(4), average=None)
    np.testing.assert_allclose(pooled, reference, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), classes=st.sampled_from([2, 3]))
def test_what_the_prediction_holds_on_ignored_pixels_changes_nothing(seed, classes):
    truth, pred = _with_ignored(seed, classes, shape=(2, 6, 5), share=0.4)
    other = pred.copy()
    ignored = truth == IGNORE
    other[ignored] = (other[ignored] + 1) % classes
    for name in ("iou", "dice", "precision", "recall", "pixel_accuracy"):
        score = getattr(metrics, name)
        np.testing.assert_array_equal(
            score(truth, pred, num_classes=classes, ignore=IGNORE),
            score(truth, other, num_classes=classes, ignore=IGNORE),
        )


def test_without_ignored_pixels_ignore_changes_nothing_and_by_default_255_is_the_object():
    truth, pred = _with_ignored(4, 2, share=0.0)
    for name in ("iou", "dice", "precision", "recall", "pixel_accuracy"):
        score = getattr(metrics, name)
        np.testing.assert_array_equal(score(truth, pred, ignore=IGNORE), score(truth, pred))
    image_mask = truth * np.uint8(255)  # a 0/255 mask: today's rule without ignore
    np.testing.assert_array_equal(metrics.iou(image_mask, pred), metrics.iou(truth, pred))
    # declared as ignore, its 255 pixels are left out: only background is counted
    assert metrics.confusion_counts(image_mask[0], pred[0], ignore=IGNORE).tp == 0
    expected = np.count_nonzero(truth[0] == 0)
    assert metrics.confusion_matrix(image_mask[0], pred[0], ignore=IGNORE).sum() == expected


def test_an_image_whose_every_pixel_is_ignored_scores_empty_and_no_accuracy():
    truth = np.full((5, 5), IGNORE, np.uint8)
    pred = np.ones((5, 5), np.uint8)
    assert metrics.iou(truth, pred, ignore=IGNORE) == 1.0
    assert np.isnan(metrics.iou(truth, pred, ignore=IGNORE, empty=np.nan))
    assert np.isnan(metrics.pixel_accuracy(truth, pred, ignore=IGNORE))


def test_the_table_and_hd95_leave_ignored_pixels_out():
    truth, pred = _with_ignored(5, 2, shape=(3, 24, 24), share=0.1)
    table = metrics.per_image_table(truth, pred, hd95=True, ignore=IGNORE)
    np.testing.assert_allclose(table["iou"], metrics.iou(truth, pred, ignore=IGNORE))
    np.testing.assert_allclose(
        table["accuracy"], metrics.pixel_accuracy(truth, pred, ignore=IGNORE)
    )
    kept = truth != IGNORE
    without = metrics.hd95((truth == 1) & kept, (pred == 1) & kept)
    np.testing.assert_allclose(table["hd95"], without)
    np.testing.assert_allclose(metrics.hd95(truth, pred, ignore=IGNORE), without)
