"""helpers.objects: labelling, measuring, and one-to-one matching of objects.

The matching is checked against a brute-force reference written here (an IoU matrix
from one boolean mask per pair, and every one-to-one assignment tried), the
measurements against shapes whose area and axes are known.
"""

from __future__ import annotations

import doctest
import itertools
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage
from skimage.draw import disk, ellipse

from helpers import objects
from helpers.errors import CourseError, ObjectInputError
from helpers.objects import (
    DEFAULT_THRESHOLDS,
    count_splits_and_merges,
    iou_matrix,
    label_objects,
    match,
    measure,
    object_scores,
)

# --------------------------------------------------------------------------------------
# The independent reference
# --------------------------------------------------------------------------------------


def brute_iou(true_labels, pred_labels):
    """IoU of every pair of objects, one pair at a time."""
    t_ids = [i for i in np.unique(true_labels) if i != 0]
    p_ids = [j for j in np.unique(pred_labels) if j != 0]
    out = np.zeros((len(t_ids), len(p_ids)))
    for a, i in enumerate(t_ids):
        for b, j in enumerate(p_ids):
            t, p = true_labels == i, pred_labels == j
            out[a, b] = np.logical_and(t, p).sum() / np.logical_or(t, p).sum()
    return out


def brute_tp(iou, threshold):
    """Most one-to-one pairs with IoU >= threshold, over every assignment."""
    if iou.shape[0] > iou.shape[1]:
        iou = iou.T
    n_rows, n_cols = iou.shape
    if n_rows == 0:
        return 0
    return max(
        sum(iou[r, c] >= threshold for r, c in zip(range(n_rows), cols, strict=True))
        for cols in itertools.permutations(range(n_cols), n_rows)
    )


def random_labels(rng, size=20, count=5):
    """Up to ``count`` random rectangles, later ones drawn over earlier ones."""
    labels = np.zeros((size, size), np.int32)
    for label in range(1, count + 1):
        r, c = rng.integers(0, size - 3, 2)
        h, w = rng.integers(2, 9, 2)
        labels[r : r + h, c : c + w] = label
    return labels


def perturbed(rng, labels):
    """A prediction: the truth shifted a little, some objects renumbered, a stray box."""
    pred = np.roll(labels, tuple(rng.integers(-2, 3, 2)), axis=(0, 1))
    pred = np.where(pred > 0, pred * 3 + 1, 0)  # other numbers, not consecutive
    r, c = rng.integers(0, labels.shape[0] - 4, 2)
    pred[r : r + 4, c : c + 3] = 99
    return pred.astype(np.int32)


# --------------------------------------------------------------------------------------
# Matching against the reference
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(25))
def test_iou_matrix_equals_the_pair_by_pair_reference(seed):
    rng = np.random.default_rng(seed)
    truth = random_labels(rng)
    pred = perturbed(rng, truth)
    np.testing.assert_allclose(iou_matrix(truth, pred), brute_iou(truth, pred), atol=1e-12)


@pytest.mark.parametrize("seed", range(25))
def test_tp_is_the_best_one_to_one_assignment_at_every_threshold(seed):
    rng = np.random.default_rng(seed)
    truth = random_labels(rng, count=int(rng.integers(0, 6)))
    pred = perturbed(rng, truth) if seed % 4 else random_labels(rng, count=int(rng.integers(0, 6)))
    thresholds = (0.1, 0.2, 0.3, 0.4, *DEFAULT_THRESHOLDS)
    table = match(truth, pred, thresholds)
    iou = brute_iou(truth, pred)
    expected = [brute_tp(iou, t) for t in thresholds]
    assert table["tp"].tolist() == expected
    n_true, n_pred = iou.shape
    assert (table["fp"] == n_pred - table["tp"]).all() and (
        table["fn"] == n_true - table["tp"]
    ).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.05, 0.25, 0.5, 0.75]))
def test_tp_matches_brute_force_on_random_overlapping_boxes(seed, threshold):
    rng = np.random.default_rng(seed)
    truth, pred = random_labels(rng, size=12, count=5), random_labels(rng, size=12, count=5)
    assert match(truth, pred, (threshold,))["tp"].item() == brute_tp(
        brute_iou(truth, pred), threshold
    )


def test_the_assignment_beats_greedy_pairing_below_one_half():
    # True A overlaps predictions X (best) and Y; true B overlaps only X. Greedy takes
    # A-X and leaves B alone; the optimal assignment pairs A-Y and B-X.
    truth = np.zeros((1, 20), np.int32)
    pred = np.zeros((1, 20), np.int32)
    truth[0, 0:10], truth[0, 10:14] = 1, 2
    pred[0, 2:13], pred[0, 0:2] = 1, 2
    iou = iou_matrix(truth, pred)
    assert iou[0, 0] > iou[0, 1] and iou[1, 1] == 0 and iou[1, 0] > 0.15
    assert match(truth, pred, (0.15,))["tp"].item() == 2 == brute_tp(iou, 0.15)


def test_scores_follow_from_the_counts():
    rng = np.random.default_rng(3)
    truth = random_labels(rng, count=6)
    table = match(truth, perturbed(rng, truth))
    tp, fp, fn = (table[c].to_numpy(float) for c in ("tp", "fp", "fn"))
    np.testing.assert_allclose(table["precision"], tp / (tp + fp))
    np.testing.assert_allclose(table["recall"], tp / (tp + fn))
    np.testing.assert_allclose(table["f1"], 2 * tp / (2 * tp + fp + fn))
    np.testing.assert_allclose(table["ap"], tp / (tp + fp + fn))
    assert table.attrs["mean_ap"] == pytest.approx(table["ap"].mean())
    assert table["threshold"].tolist() == list(DEFAULT_THRESHOLDS)
    assert (np.diff(table["tp"]) <= 0).all()  # a stricter threshold never finds more


def test_label_numbers_do_not_matter():
    rng = np.random.default_rng(7)
    truth = random_labels(rng)
    pred = perturbed(rng, truth)
    big = np.where(truth > 0, truth * 1_000_003, 0).astype(np.int64)  # compacted internally
    pd.testing.assert_frame_equal(match(truth, pred), match(big, pred))
    np.testing.assert_allclose(iou_matrix(big, pred), iou_matrix(truth, pred))


# --------------------------------------------------------------------------------------
# Hand-made cases
# --------------------------------------------------------------------------------------


def _boxes(shape, *boxes):
    labels = np.zeros(shape, np.int32)
    for label, (r0, r1, c0, c1) in enumerate(boxes, start=1):
        labels[r0:r1, c0:c1] = label
    return labels


def test_identical_objects_score_one_everywhere():
    truth = _boxes((20, 20), (1, 5, 1, 5), (8, 15, 2, 9), (3, 9, 12, 19))
    table = match(truth, truth)
    assert (table["tp"] == 3).all() and (
        table[["precision", "recall", "f1", "ap"]] == 1
    ).all().all()
    assert (table.attrs["splits"], table.attrs["merges"]) == (0, 0)


def test_a_split_object_is_one_match_at_most_and_counted_as_a_split():
    truth = _boxes((10, 20), (2, 8, 2, 18))  # one object, 6 x 16
    halves = _boxes((10, 20), (2, 8, 2, 10), (2, 8, 10, 18))
    table = match(truth, halves, (0.5, 0.6))
    assert table["tp"].tolist() == [1, 0]  # each half has IoU exactly 0.5
    assert table["fp"].tolist() == [1, 2]
    assert count_splits_and_merges(truth, halves) == (1, 0)
    assert table.attrs["splits"] == 1


def test_merged_objects_are_counted_as_a_merge():
    truth = _boxes((10, 30), (2, 8, 2, 10), (2, 8, 12, 20), (2, 8, 22, 28))
    pred = _boxes((10, 30), (2, 8, 2, 20), (2, 8, 22, 28))  # the first two merged
    table = match(truth, pred, (0.5,))
    assert table[["tp", "fp", "fn"]].iloc[0].tolist() == [1, 1, 2]
    assert count_splits_and_merges(truth, pred) == (0, 1)


def test_touching_objects_merge_in_a_mask_and_split_again_with_the_watershed():
    mask = np.zeros((60, 90), bool)
    mask[disk((30, 28), 14, shape=mask.shape)] = True
    mask[disk((30, 54), 14, shape=mask.shape)] = True  # centres 26 px apart: they touch
    truth = np.zeros(mask.shape, np.int32)
    truth[mask] = np.where(np.nonzero(mask)[1] < 41, 1, 2)
    merged = label_objects(mask)
    assert merged.max() == 1
    assert match(truth, merged, (0.55,))["tp"].item() == 0  # each half is about half the merge
    assert count_splits_and_merges(truth, merged).merges == 1
    split = label_objects(mask, split_touching=True)
    assert split.max() == 2
    assert match(truth, split, (0.5, 0.9))["tp"].tolist() == [2, 2]


def test_an_elongated_object_is_not_split():
    mask = np.zeros((40, 140), bool)
    mask[ellipse(20, 70, 9, 60, shape=mask.shape, rotation=0.2)] = True
    assert label_objects(mask, split_touching=True).max() == 1


@pytest.mark.parametrize("side", ["true", "pred"])
def test_an_empty_image_on_one_side_scores_zero(side):
    objects_ = _boxes((10, 10), (1, 4, 1, 4), (6, 9, 6, 9))
    empty = np.zeros((10, 10), np.int32)
    truth, pred = (empty, objects_) if side == "true" else (objects_, empty)
    table = match(truth, pred)
    assert (table["tp"] == 0).all()
    assert (table["fp"] == (2 if side == "true" else 0)).all()
    assert (table["fn"] == (0 if side == "true" else 2)).all()
    assert (table[["precision", "recall", "f1", "ap"]] == 0).all().all()


def test_two_empty_images_get_the_empty_rule():
    empty = np.zeros((8, 8), np.int32)
    assert (match(empty, empty)[["precision", "recall", "f1", "ap"]] == 1).all().all()
    assert match(empty, empty, empty=np.nan)["ap"].isna().all()
    assert (match(empty, empty)[["tp", "fp", "fn"]] == 0).all().all()


def test_match_rejects_bad_input_with_a_course_error():
    labels = np.zeros((8, 8), np.int32)
    with pytest.raises(ObjectInputError, match="differ in size"):
        match(labels, np.zeros((8, 9), np.int32))
    with pytest.raises(ObjectInputError, match="label_objects"):
        match(labels > 0, labels)
    with pytest.raises(ObjectInputError, match="thresholds"):
        match(labels, labels, (0.5, 1.5))
    with pytest.raises(ObjectInputError, match="once per image"):
        match(np.zeros((2, 8, 8), np.int32), np.zeros((2, 8, 8), np.int32))
    assert issubclass(ObjectInputError, CourseError)


# --------------------------------------------------------------------------------------
# Labelling
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_label_objects_is_scipy_connected_components(seed):
    mask = np.random.default_rng(seed).random((40, 40)) > 0.6
    expected, _ = ndimage.label(mask)
    np.testing.assert_array_equal(label_objects(mask), expected)
    expected8, _ = ndimage.label(mask, structure=np.ones((3, 3)))
    np.testing.assert_array_equal(label_objects(mask, connectivity=2), expected8)


def test_label_objects_reads_probabilities_0_255_masks_and_channels():
    probabilities = np.array([[0.2, 0.7, 0.1], [0.0, 0.5, 0.0], [0.9, 0.0, 0.0]], np.float32)
    assert label_objects(probabilities).tolist() == [[0, 1, 0], [0, 1, 0], [2, 0, 0]]
    assert label_objects(probabilities, threshold=0.6).max() == 2
    mask255 = (probabilities >= 0.5).astype(np.uint8)[..., None] * 255
    np.testing.assert_array_equal(label_objects(mask255), label_objects(probabilities))


def test_min_size_drops_small_objects_and_renumbers():
    labels = label_objects(
        _boxes((10, 10), (0, 1, 0, 1), (3, 6, 3, 6), (8, 9, 8, 10)) > 0, min_size=3
    )
    assert labels.max() == 1 and (labels == 1).sum() == 9 and labels.dtype == np.int32


def test_label_objects_rejects_bad_input():
    with pytest.raises(ObjectInputError, match=r"\[0, 1\]"):
        label_objects(np.full((4, 4), 3.0))
    with pytest.raises(ObjectInputError, match="once per image"):
        label_objects(np.zeros((2, 4, 4), bool))
    with pytest.raises(ObjectInputError, match="connectivity"):
        label_objects(np.zeros((4, 4), bool), connectivity=3)


# --------------------------------------------------------------------------------------
# Measuring: shapes with known area and axes
# --------------------------------------------------------------------------------------


def test_a_disk_has_its_area_diameter_and_round_axes():
    labels = np.zeros((101, 101), np.int32)
    labels[disk((50, 50), 30)] = 1
    row = measure(labels).iloc[0]
    assert row["area_px"] == (labels == 1).sum()
    assert row["area_px"] == pytest.approx(np.pi * 30**2, rel=0.01)
    assert row["equivalent_diameter_px"] == pytest.approx(60, rel=0.01)
    assert row["major_axis_px"] == pytest.approx(60, rel=0.02)
    assert row["minor_axis_px"] == pytest.approx(60, rel=0.02)
    assert row["eccentricity"] < 0.1 and row["solidity"] > 0.97
    assert (row["centroid_row_px"], row["centroid_col_px"]) == pytest.approx((50, 50))


def test_an_ellipse_has_its_axes_and_eccentricity():
    labels = np.zeros((120, 160), np.int32)
    labels[ellipse(60, 80, 15, 40, rotation=np.deg2rad(30))] = 7
    row = measure(labels).iloc[0]
    assert row["label"] == 7
    assert row["area_px"] == pytest.approx(np.pi * 15 * 40, rel=0.01)
    assert row["major_axis_px"] == pytest.approx(80, rel=0.02)
    assert row["minor_axis_px"] == pytest.approx(30, rel=0.03)
    assert row["eccentricity"] == pytest.approx(np.sqrt(1 - (15 / 40) ** 2), abs=0.01)


def test_pixel_size_gives_microns_and_says_so():
    labels = np.zeros((50, 50), np.int32)
    labels[ellipse(25, 25, 6, 15)] = 1
    pixels, microns = measure(labels), measure(labels, pixel_size=0.25)
    assert pixels.attrs["units"] == "pixels" and microns.attrs["units"] == "microns"
    assert microns["area_um2"].item() == pytest.approx(pixels["area_px"].item() * 0.0625)
    for name in ("equivalent_diameter", "major_axis", "minor_axis"):
        assert microns[f"{name}_um"].item() == pytest.approx(pixels[f"{name}_px"].item() * 0.25)
    assert microns["eccentricity"].item() == pixels["eccentricity"].item()


def test_mean_intensity_is_the_mean_of_each_objects_pixels():
    rng = np.random.default_rng(0)
    labels = _boxes((20, 20), (1, 6, 1, 6), (10, 18, 4, 15))
    image = rng.random((20, 20))
    table = measure(labels, image)
    assert table["mean_intensity"].tolist() == pytest.approx(
        [image[labels == i].mean() for i in (1, 2)]
    )
    rgb = measure(labels, np.stack([image, 2 * image, 3 * image], axis=-1))
    assert rgb["mean_intensity_2"].tolist() == pytest.approx(3 * table["mean_intensity"])


def test_measure_of_no_objects_is_an_empty_table_with_the_columns():
    table = measure(np.zeros((10, 10), np.int32), np.zeros((10, 10)))
    assert len(table) == 0 and "area_px" in table and "mean_intensity" in table


def test_measure_rejects_masks_wrong_sizes_and_bad_pixel_sizes():
    labels = _boxes((10, 10), (1, 5, 1, 5))
    with pytest.raises(ObjectInputError, match="label_objects"):
        measure(labels > 0)
    with pytest.raises(ObjectInputError, match="same size"):
        measure(labels, np.zeros((9, 10)))
    with pytest.raises(ObjectInputError, match="pixel_size"):
        measure(labels, pixel_size=0)


# --------------------------------------------------------------------------------------
# Per-image table, doctests, no TensorFlow
# --------------------------------------------------------------------------------------


def test_object_scores_has_one_row_per_image():
    truth = [_boxes((10, 20), (2, 8, 2, 10), (2, 8, 12, 18)), np.zeros((6, 6), np.int32)]
    pred = [_boxes((10, 20), (2, 8, 2, 18)), np.zeros((6, 6), np.int32)]
    table = object_scores(truth, pred, names=["merged", "empty"])
    assert table.index.tolist() == ["merged", "empty"]
    merged = table.loc["merged"]
    assert (merged["n_true"], merged["n_pred"], merged["merges"]) == (2, 1, 1)
    expected = match(truth[0], pred[0])
    assert merged["mean_ap"] == pytest.approx(expected.attrs["mean_ap"])
    assert merged["ap"] == pytest.approx(expected["ap"].iloc[0])
    assert table.loc["empty", "mean_ap"] == 1.0
    with pytest.raises(ObjectInputError, match="one name per image"):
        object_scores(truth, pred, names=["a"])


def test_the_docstring_examples_run():
    result = doctest.testmod(objects, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0


def test_importing_objects_does_not_import_tensorflow():
    code = (
        "import sys, helpers.objects; print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
