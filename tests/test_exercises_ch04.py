"""Chapter 4's trap exercise accepts what the chapter prints: the accuracy of an empty
prediction typed to the three decimals shown, and its messages never contradict the
numbers a learner typed."""

import numpy as np
import pytest

from helpers import metrics
from helpers.exercises import ch04


@pytest.fixture
def truths():
    return ch04._trap_context()["truths"]


def _accuracy(truths) -> float:
    """The chapter's own number: pixel accuracy of marking nothing, over all images."""
    return float(metrics.pixel_accuracy(truths, np.zeros_like(truths), pooled=True))


def test_the_accuracy_as_printed_with_three_decimals_is_accepted(truths):
    printed = float(f"{_accuracy(truths):.3f}")
    assert printed != _accuracy(truths)  # the example is one where rounding matters
    for iou in (0, 0.0, 0.000):
        result = ch04.trap.feedback((printed, iou), truths=truths)
        assert result.correct, result.message


def test_the_exact_accuracy_is_accepted(truths):
    assert ch04.trap.feedback((_accuracy(truths), 0.0), truths=truths).correct


@pytest.mark.parametrize("offset", [-0.01, -0.002, 0.002, 0.01])
def test_a_wrong_accuracy_is_shown_differently_from_the_right_one(truths, offset):
    typed = round(_accuracy(truths) + offset, 3)
    result = ch04.trap.feedback((typed, 0.0), truths=truths)
    assert result.status == "wrong"
    shown = result.message.split("your accuracy is ")[1].split(";")[0]
    right = result.message.rsplit(" is ", 1)[1].rstrip(".")
    assert shown != right, result.message
