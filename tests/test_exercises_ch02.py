"""Chapter 2's exercises beyond the common checks of test_exercises.py: what the feedback
promises is true, and reasonable other ways of writing a correct answer are accepted."""

import numpy as np
import pytest
from scipy import ndimage
from skimage import filters

from helpers import classical, config, io, metrics
from helpers.exercises import ch02


@pytest.fixture(scope="module")
def first_image():
    pairs = io.pair_images_and_masks(
        config.data_dir("mito", "images"), config.data_dir("mito", "masks")
    )
    image = io.read_image(pairs[0][0])[..., 0]
    return image, io.read_mask(pairs[0][1]).astype(bool)


def test_best_level_reference_maximises_the_iou_of_the_chapters_image(first_image):
    image, truth = first_image
    level = ch02.best_level.reference(image, truth)
    ious = [
        metrics.iou(truth, classical.global_threshold_mask(image, t, dark_objects=True))
        for t in range(256)
    ]
    assert np.isclose(ious[level], max(ious))


def test_best_level_accepts_a_solution_written_with_the_course_metrics():
    def best_level(image, truth):
        levels = np.arange(256)
        return levels[np.argmax([metrics.iou(truth, image <= t) for t in levels])]

    assert ch02.best_level.feedback(best_level).correct


def test_best_level_any_of_several_tied_levels_is_correct():
    # Levels between two grey values present in the image give the same mask: all are right.
    def last_of_the_ties(image, truth):
        scores = np.array([metrics.iou(truth, image <= t) for t in range(256)])
        return int(np.flatnonzero(np.isclose(scores, scores.max()))[-1])

    assert ch02.best_level.feedback(last_of_the_ties).correct


def test_adaptive_box_reference_is_skimages_threshold_local_mean():
    """The 'Correct' message says threshold_local(image, size, 'mean', offset=...) is the same."""
    for where, image, size, offset in ch02._adaptive_cases():
        local = filters.threshold_local(image, size, method="mean", offset=offset)
        np.testing.assert_array_equal(
            image < local, ch02.adaptive_box.reference(image, size, offset), where
        )


@pytest.mark.parametrize("mode", ["nearest", "mirror", "constant"])
def test_adaptive_box_accepts_other_border_handling(mode):
    def adaptive_box_mask(image, size, offset):
        return image < ndimage.uniform_filter(image.astype(float), size=size, mode=mode) - offset

    assert ch02.adaptive_box.feedback(adaptive_box_mask).correct


def test_adaptive_box_accepts_a_mask_of_zeros_and_ones():
    def adaptive_box_mask(image, size, offset):
        return ch02.adaptive_box.reference(image, size, offset).astype(np.uint8)

    assert ch02.adaptive_box.feedback(adaptive_box_mask).correct


def test_adaptive_box_says_where_the_learner_returned_the_local_mean():
    def local_mean_only(image, size, offset):
        return ndimage.uniform_filter(image.astype(float), size=size) - offset

    result = ch02.adaptive_box.feedback(local_mean_only)
    assert result.status == "wrong" and "local mean instead of comparing" in result.message
