"""Chapter 8's exercises agree with the helpers the chapter teaches them beside; the worst
image is found by a function (a name copied from the text fails), and checks called
without their data say how to call them."""

import numpy as np
import pandas as pd
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


@pytest.fixture
def table():
    return ch08._worst_context()["table"]


@pytest.mark.parametrize(
    "worst_image",
    [
        lambda table: table["iou"].idxmin(),
        lambda table: table.sort_values("iou").index[0],
        lambda table: str(table.index[np.argmin(table["iou"].to_numpy())]),
    ],
)
def test_worst_image_accepts_any_way_of_finding_the_name(worst_image, table):
    assert ch08.worst_image.feedback(worst_image, table=table).correct


@pytest.mark.parametrize("size", [1, 2, 7])
def test_a_name_typed_in_fails_on_tables_where_another_image_is_worst(size):
    rng = np.random.default_rng(size)
    names = [f"mito_{i:03d}" for i in rng.choice(60, size=size, replace=False)]
    table = pd.DataFrame({"iou": rng.uniform(size=len(names))}, index=names)
    printed = table["iou"].idxmin()  # the name the text would print for this run
    result = ch08.worst_image.feedback(lambda table: printed, table=table)
    assert result.status == "wrong" and "typing it in" in result.message
    others = [other for _, other in ch08._other_tables(table)]
    assert printed not in others[0].index  # renamed
    assert set(table.index) <= set(others[1].index) and others[1]["iou"].idxmin() != printed


def test_worst_image_accepts_any_of_tied_images_and_still_catches_idxmax():
    table = pd.DataFrame({"iou": [0.0, 0.0, 0.0]}, index=["mito_015", "mito_016", "mito_018"])
    last_tied = ch08.worst_image.feedback(
        lambda t: t.index[t["iou"] == t["iou"].min()][-1], table=table
    )
    assert last_tied.correct, last_tied.message
    best = ch08.worst_image.feedback(lambda t: t["iou"].idxmax(), table=table)
    assert best.status == "wrong" and "*best* image" in best.message


def test_checks_called_without_their_data_name_the_call_not_a_private_function(table):
    worst = ch08.worst_image.feedback(lambda table: table["iou"].idxmin())
    assert "exercises.worst_image.check(worst_image, table=table)" in worst.message
    threshold = ch08.best_threshold.feedback(0.5)
    assert "probabilities=val_probabilities, masks=y_val" in threshold.message
    for message in (worst.message, threshold.message):
        assert "_checker" not in message and "TypeError" not in message


def test_a_worst_image_without_its_parameter_is_told_which_to_take(table):
    def worst_image():
        return "mito_017"

    result = ch08.worst_image.feedback(worst_image, table=table)
    assert "worst_image() cannot take" in result.message
    assert "worst_image(table)" in result.message
