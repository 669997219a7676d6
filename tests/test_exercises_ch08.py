"""Chapter 8's exercises agree with the helpers the chapter teaches them beside."""

import numpy as np
import pytest

from helpers import metrics
from helpers.exercises import ch08


@pytest.mark.parametrize("seed", range(5))
def test_iou_by_hand_reference_equals_metrics_iou(seed):
    rng = np.random.default_rng(seed)
    truth = (rng.uniform(size=(16, 16)) < 0.3).astype(np.uint8)
    probabilities = rng.uniform(size=(16, 16))
    for threshold in (0.3, 0.5, 0.7):
        expected = metrics.iou(truth, probabilities >= threshold)
        assert ch08._iou_by_hand(truth, probabilities, threshold) == pytest.approx(expected)


def test_iou_by_hand_reference_follows_the_empty_mask_rule():
    empty = np.zeros((8, 8), np.uint8)
    assert ch08._iou_by_hand(empty, np.full((8, 8), 0.1)) == metrics.iou(empty, empty) == 1.0


def test_best_threshold_reference_is_the_grid_argmax_of_mean_iou():
    context = ch08._threshold_context()
    best = ch08._best_threshold(**context)
    scores = [
        metrics.iou(context["masks"], context["probabilities"] >= t).mean() for t in ch08.THRESHOLDS
    ]
    assert best == pytest.approx(ch08.THRESHOLDS[int(np.argmax(scores))])
    assert best != 0.5  # the context is built so that the default is not the answer
