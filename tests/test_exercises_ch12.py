"""Chapter 12's dsb_score check: the reference follows the object-level scores of
helpers.objects, and an answer without the empty-image rule gets words, not a traceback."""

import numpy as np

from helpers import objects
from helpers.exercises import ch12


def test_dsb_score_reference_agrees_with_match_on_an_empty_pair():
    empty = np.zeros((8, 8), np.int32)
    matched = objects.match(empty, empty)
    assert ch12.dsb_score.reference(0, 0, 0) == matched.attrs["mean_ap"]


def test_a_division_by_zero_on_the_empty_image_is_explained_in_words():
    def dsb_score(tp, fp, fn):
        return tp / (tp + fp + fn)

    result = ch12.dsb_score.feedback(dsb_score)
    assert result.status == "wrong"
    assert "ZeroDivisionError" not in result.message and "return 1.0" in result.message
