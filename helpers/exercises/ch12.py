"""Chapter 12 exercises: count the objects of a mask, build the objects' IoU matrix by hand,
and turn TP/FP/FN into the DSB2018 score.

In the notebook::

    from helpers.exercises import ch12 as exercises
    exercises.count_objects.check(count_objects)
    exercises.iou_matrix_by_hand.check(iou_matrix_by_hand)
    exercises.dsb_score.check(dsb_score)
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import ndimage

from helpers.exercises._core import Exercise, Mistake, Wrong, call, describe

__all__ = ["count_objects", "iou_matrix_by_hand", "dsb_score"]


def _number(value, what: str) -> float:
    """``value`` as a float, or feedback saying what it is instead."""
    if isinstance(value, (bool, np.bool_)):
        raise Wrong(f"{what} is {value}, a yes/no: it should be a number.")
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise Wrong(f"{what} is {describe(value)}; it should be one number.")
    return float(value)


# 1 · Counting the objects of a mask ------------------------------------------------------


def _count_objects(mask):
    from scipy import ndimage

    labels, count = ndimage.label(mask > 0)
    return count


def _count_cases() -> list[tuple[str, np.ndarray]]:
    two = np.zeros((8, 10), np.uint8)
    two[1:4, 1:4] = 255
    two[5:7, 5:9] = 255
    corner = np.zeros((6, 6), np.uint8)
    corner[0:2, 0:2] = 1
    corner[2:4, 2:4] = 1  # touches the first square only at a corner
    return [
        ("two squares of 0/255", two),
        ("two squares meeting at one corner (0/1)", corner),
        ("an empty mask", np.zeros((5, 5), np.uint8)),
        ("one big object", np.pad(np.ones((6, 6), np.uint8), 2)),
    ]


def _count_checker(answer) -> str:
    for name, mask in _count_cases():
        expected = ndimage.label(mask > 0)[1]
        got = _number(call(answer, mask.copy()), "your count")
        if got == expected:
            continue
        if got == np.count_nonzero(mask):
            raise Wrong(
                f"on {name} you counted {got:.0f} pixels, not objects: label the connected "
                "groups of pixels first (scipy.ndimage.label)."
            )
        if got == len(np.unique(mask)):
            raise Wrong(
                f"on {name} you counted the distinct pixel values ({got:.0f}): a mask has "
                "only background and foreground; objects come from scipy.ndimage.label."
            )
        if got == expected + 1:
            raise Wrong(
                f"on {name} you counted {got:.0f}: one too many. Label 0 is the background, "
                "not an object (count the labels above 0)."
            )
        if got == ndimage.label(mask > 0, structure=np.ones((3, 3)))[1]:
            raise Wrong(
                f"on {name} you counted {got:.0f}: your labelling joins pixels that touch "
                "only at a corner (skimage.measure.label's default). Use scipy.ndimage.label's "
                "default, edges only, as label_objects does."
            )
        raise Wrong(f"on {name} you counted {got:.0f} objects; there are {expected}.")
    return (
        "scipy.ndimage.label numbers each connected group of foreground pixels and returns "
        "how many there are; helpers.objects.label_objects does the same."
    )


def _count_pixels(mask):
    return int(np.count_nonzero(mask))


def _count_values(mask):
    return len(np.unique(mask))


def _count_with_background(mask):
    labels, _ = ndimage.label(mask > 0)
    return len(np.unique(labels))


def _count_diagonal(mask):
    return ndimage.label(mask > 0, structure=np.ones((3, 3)))[1]


count_objects = Exercise(
    title="count the objects of a mask",
    expects="a function count_objects(mask) -> int",
    checker=_count_checker,
    reference=_count_objects,
    hints=(
        "A mask says which pixels are foreground; an object is a connected group of them.",
        "`labels, count = scipy.ndimage.label(mask > 0)` numbers the groups 1, 2, ... and "
        "returns how many.",
    ),
    mistakes=(
        Mistake(_count_pixels, "pixels, not objects"),
        Mistake(_count_values, "distinct pixel values"),
        Mistake(_count_with_background, "background"),
        Mistake(_count_diagonal, "corner"),
    ),
)


# 2 · The IoU matrix of two label images, by hand ----------------------------------------


def _iou_matrix_by_hand(true_labels, pred_labels):
    import numpy as np

    true_ids = [i for i in np.unique(true_labels) if i != 0]
    pred_ids = [j for j in np.unique(pred_labels) if j != 0]
    iou = np.zeros((len(true_ids), len(pred_ids)))
    for row, i in enumerate(true_ids):
        for col, j in enumerate(pred_ids):
            t, p = true_labels == i, pred_labels == j
            iou[row, col] = np.logical_and(t, p).sum() / np.logical_or(t, p).sum()
    return iou


def _matrix_cases():
    truth = np.zeros((8, 12), np.int32)
    truth[1:5, 1:5], truth[1:7, 7:11] = 1, 2
    pred = np.zeros((8, 12), np.int32)
    pred[2:5, 1:6], pred[1:4, 7:11], pred[4:7, 7:11], pred[6:8, 0:3] = 4, 5, 6, 9
    return [("two true objects; four predicted, one true object split in two", truth, pred)]


def _matrix_checker(answer) -> str:
    from helpers.objects import iou_matrix

    for name, truth, pred in _matrix_cases():
        expected = iou_matrix(truth, pred)
        got = call(answer, truth.copy(), pred.copy())
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            raise Wrong(f"return an array of IoU values, got {type(got).__name__}.") from None
        if got.shape == expected.T.shape and got.shape != expected.shape:
            raise Wrong(
                f"your matrix has shape {got.shape}: rows should be the true objects "
                f"({expected.shape[0]}) and columns the predicted ones ({expected.shape[1]})."
            )
        if got.shape == (expected.shape[0] + 1, expected.shape[1] + 1):
            raise Wrong(
                f"your matrix has shape {got.shape}, one row and column too many: label 0 "
                "is the background, leave it out of both lists of objects."
            )
        if got.shape != expected.shape:
            raise Wrong(
                f"your matrix has shape {got.shape}; with {expected.shape[0]} true and "
                f"{expected.shape[1]} predicted objects it should be {expected.shape}."
            )
        if np.allclose(got, expected):
            continue
        inter = np.array(
            [[np.logical_and(truth == i, pred == j).sum() for j in (4, 5, 6, 9)] for i in (1, 2)],
            np.float64,
        )
        if np.allclose(got, inter):
            raise Wrong(
                "you returned the overlaps in pixels; divide each by the union of the two "
                "objects (np.logical_or(...).sum())."
            )
        true_area = np.array([(truth == i).sum() for i in (1, 2)], np.float64)[:, None]
        if np.allclose(got, inter / true_area):
            raise Wrong(
                "you divided each overlap by the true object's area (that is recall per "
                "object); IoU divides by the union of the two objects."
            )
        raise Wrong(
            f"on {name} your matrix differs from the IoU of each pair by up to "
            f"{np.nanmax(np.abs(got - expected)):.3f}."
        )
    return (
        "IoU of every true object with every predicted one; helpers.objects.iou_matrix "
        "builds the same from one joint histogram, without a loop over pairs."
    )


def _matrix_transposed(true_labels, pred_labels):
    return _iou_matrix_by_hand(pred_labels, true_labels)


def _matrix_with_background(true_labels, pred_labels):
    true_ids, pred_ids = np.unique(true_labels), np.unique(pred_labels)
    return np.array(
        [
            [
                np.logical_and(true_labels == i, pred_labels == j).sum()
                / np.logical_or(true_labels == i, pred_labels == j).sum()
                for j in pred_ids
            ]
            for i in true_ids
        ]
    )


def _matrix_overlap_only(true_labels, pred_labels):
    return np.array(
        [
            [
                np.logical_and(true_labels == i, pred_labels == j).sum()
                for j in np.unique(pred_labels)
                if j
            ]
            for i in np.unique(true_labels)
            if i
        ]
    )


def _matrix_over_true(true_labels, pred_labels):
    return np.array(
        [
            [
                np.logical_and(true_labels == i, pred_labels == j).sum() / (true_labels == i).sum()
                for j in np.unique(pred_labels)
                if j
            ]
            for i in np.unique(true_labels)
            if i
        ]
    )


iou_matrix_by_hand = Exercise(
    title="the IoU matrix of two label images, by hand",
    expects="a function iou_matrix_by_hand(true_labels, pred_labels) -> array (n_true, n_pred)",
    checker=_matrix_checker,
    reference=_iou_matrix_by_hand,
    hints=(
        "The objects are the labels other than 0: `[i for i in np.unique(true_labels) if i != 0]`.",
        "For a pair, `t = true_labels == i` and `p = pred_labels == j` are two masks; their IoU "
        "is `np.logical_and(t, p).sum() / np.logical_or(t, p).sum()`.",
        "Rows are the true objects, columns the predicted ones.",
    ),
    mistakes=(
        Mistake(_matrix_transposed, "rows should be the true objects"),
        Mistake(_matrix_with_background, "background"),
        Mistake(_matrix_overlap_only, "overlaps in pixels"),
        Mistake(_matrix_over_true, "true object's area"),
    ),
)


# 3 · The DSB2018 score of one image ------------------------------------------------------


def _dsb_score(tp, fp, fn):
    if tp + fp + fn == 0:  # nothing to find and nothing found: the course's rule
        return 1.0
    return tp / (tp + fp + fn)


_SCORE_CASES = [(8, 2, 1), (3, 0, 3), (0, 4, 2), (5, 5, 0), (0, 0, 0)]


def _score_checker(answer) -> str:
    for tp, fp, fn in _SCORE_CASES:
        expected = _dsb_score(tp, fp, fn)
        try:
            got = call(answer, tp, fp, fn)
        except Wrong as wrong:
            if not isinstance(wrong.error, ZeroDivisionError):
                raise
            if tp + fp + fn == 0:
                raise Wrong(
                    "with TP=0, FP=0, FN=0 your function divides by zero: an image with no "
                    "objects in either mask divides 0 by 0. Test for it first and return 1.0 "
                    "there: nothing to find and nothing found is a perfect score, the "
                    "course's rule (chapter 4's for empty masks)."
                ) from None
            raise Wrong(
                f"with TP={tp}, FP={fp}, FN={fn} your function divides by zero, yet "
                f"TP + FP + FN = {tp + fp + fn}: divide by all three added up."
            ) from None
        value = _number(got, f"dsb_score({tp}, {fp}, {fn})")
        if np.isclose(value, expected):
            continue
        case = f"with TP={tp}, FP={fp}, FN={fn}"
        if np.isnan(value):
            raise Wrong(
                f"{case} you returned nan (0 / 0): an image with no true and no predicted "
                "object scores 1.0 by the course's rule. Test the denominator first."
            )
        if tp + fp and np.isclose(value, tp / (tp + fp)):
            raise Wrong(
                f"{case} you returned the precision TP / (TP + FP) = {value:.3f}; the "
                "DSB2018 score also counts the missed objects: TP / (TP + FP + FN)."
            )
        if tp + fn and np.isclose(value, tp / (tp + fn)):
            raise Wrong(
                f"{case} you returned the recall TP / (TP + FN) = {value:.3f}; the DSB2018 "
                "score also counts the false objects: TP / (TP + FP + FN)."
            )
        if 2 * tp + fp + fn and np.isclose(value, 2 * tp / (2 * tp + fp + fn)):
            raise Wrong(
                f"{case} you returned F1 = {value:.3f}; the DSB2018 score counts each TP "
                "once: TP / (TP + FP + FN)."
            )
        raise Wrong(f"{case} you returned {value:.3f}; the score is {expected:.3f}.")
    return (
        "TP / (TP + FP + FN), the DSB2018 'average precision' at one IoU threshold; its mean "
        "over 0.5, 0.55, ..., 0.95 is the image's score (match(...).attrs['mean_ap'])."
    )


def _precision(tp, fp, fn):
    return tp / (tp + fp) if tp + fp else 1.0


def _f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def _nan_when_empty(tp, fp, fn):
    return tp / (tp + fp + fn) if tp + fp + fn else float("nan")


def _recall(tp, fp, fn):
    return tp / (tp + fn) if tp + fn else 1.0


def _no_empty_rule(tp, fp, fn):
    return tp / (tp + fp + fn)


dsb_score = Exercise(
    title="the DSB2018 score from TP, FP and FN",
    expects="a function dsb_score(tp, fp, fn) -> float",
    checker=_score_checker,
    reference=_dsb_score,
    hints=(
        "Every mistake counts: the objects found (TP), the false ones (FP) "
        "and the missed ones (FN).",
        "TP / (TP + FP + FN); when all three are 0 there was nothing to find and nothing found.",
    ),
    mistakes=(
        Mistake(_precision, "precision"),
        Mistake(_recall, "recall"),
        Mistake(_f1, "f1"),
        Mistake(_nan_when_empty, "nan"),
        Mistake(_no_empty_rule, "divides 0 by 0"),
    ),
)
