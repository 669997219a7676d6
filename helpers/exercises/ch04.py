"""Chapter 4 exercises: IoU and Dice with the empty-mask rule, precision and recall from a
confusion matrix, and the class-imbalance trap.

In the notebook::

    from helpers.exercises import ch04 as exercises
    exercises.iou_and_dice.check(iou_and_dice)
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers.exercises._core import Exercise, Mistake, Wrong, call, describe

__all__ = ["iou_and_dice", "precision_recall", "trap"]


def _number(value, what: str) -> float:
    """``value`` as a float, or feedback saying what it is instead."""
    if isinstance(value, (bool, np.bool_)):
        raise Wrong(f"{what} is {value}, a yes/no: it should be a number between 0 and 1.")
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise Wrong(f"{what} is {describe(value)}; it should be one number.")
    return float(value)


def _pair(result, names: str) -> tuple[float, float]:
    """Two numbers from a tuple / list / array of two, or feedback."""
    if isinstance(result, dict) or not hasattr(result, "__len__") or isinstance(result, str):
        raise Wrong(f"return two numbers, ({names}); got {describe(result)}.")
    if len(result) != 2:
        raise Wrong(f"return two numbers, ({names}); got {len(result)} values.")
    first, second = names.split(", ")
    return _number(result[0], first), _number(result[1], second)


# 1 · IoU and Dice with the empty-mask rule ------------------------------------------------


def _square(size: int, top: int, left: int, side: int) -> np.ndarray:
    mask = np.zeros((size, size), dtype=bool)
    mask[top : top + side, left : left + side] = True
    return mask


def _iou_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    empty = np.zeros((6, 6), dtype=bool)
    return [
        (
            "the 3x3 square and the 2x4 bar of section 1",
            _square(6, 1, 1, 3),
            np.pad(np.ones((2, 4), bool), ((2, 2), (2, 0))),
        ),
        ("two squares that overlap by one pixel", _square(6, 0, 0, 2), _square(6, 1, 1, 2)),
        ("a perfect prediction", _square(6, 2, 2, 3), _square(6, 2, 2, 3)),
        ("a prediction that misses the object entirely", _square(6, 0, 0, 2), empty),
        ("two empty masks", empty, empty),
    ]


def _iou_and_dice(y_true, y_pred):
    """IoU and Dice of two boolean masks; 1.0 and 1.0 when both are empty."""
    intersection = np.sum(y_true & y_pred)
    union = np.sum(y_true | y_pred)
    sizes = np.sum(y_true) + np.sum(y_pred)
    if union == 0:  # nothing to find and nothing found: a perfect answer (chapter 4's rule)
        return 1.0, 1.0
    return intersection / union, 2 * intersection / sizes


def _check_iou_and_dice(answer) -> str:
    for name, truth, prediction in _iou_cases():
        with np.errstate(all="ignore"):
            got = call(answer, truth.copy(), prediction.copy())
        iou, dice = _pair(got, "iou, dice")
        want_iou, want_dice = _iou_and_dice(truth, prediction)
        if name == "two empty masks":
            for label, value in (("IoU", iou), ("Dice", dice)):
                if np.isnan(value):
                    raise Wrong(
                        f"your {label} of two empty masks is nan (0 / 0). Chapter 4 set the "
                        "rule: 1.0 when both are empty (nothing to find, nothing found). "
                        "Test the union before you divide."
                    )
                if value != 1.0:
                    raise Wrong(
                        f"your {label} of two empty masks is {value:g}; chapter 4's rule "
                        "gives 1.0 when both masks are empty: nothing to find and nothing "
                        "found is a perfect answer."
                    )
            continue
        if np.isclose(iou, want_dice) and np.isclose(dice, want_iou) and want_iou != want_dice:
            raise Wrong(
                f"for {name} your IoU and Dice are swapped: return (iou, dice) in that order."
            )
        if not np.isclose(iou, want_iou):
            sizes = truth.sum() + prediction.sum()
            if sizes and np.isclose(iou, np.sum(truth & prediction) / sizes):
                raise Wrong(
                    f"for {name} your IoU is {iou:.3f}: you divided by the two sizes added "
                    f"up, which counts the overlap twice. IoU divides by the union, "
                    f"truth | prediction: {want_iou:.3f}."
                )
            raise Wrong(
                f"for {name} your IoU is {iou:.3f}; it should be {want_iou:.3f} (overlap / union)."
            )
        if not np.isclose(dice, want_dice):
            if np.isclose(2 * dice, want_dice):
                raise Wrong(
                    f"for {name} your Dice is {dice:.3f}, half of {want_dice:.3f}: Dice is "
                    "*twice* the overlap divided by the two sizes added up."
                )
            raise Wrong(
                f"for {name} your Dice is {dice:.3f}; it should be {want_dice:.3f} "
                "(2 x overlap / (size of truth + size of prediction))."
            )
    return (
        "both scores agree with helpers.metrics on five cases, two empty masks included "
        "(1.0 by chapter 4's rule)."
    )


def _no_empty_rule(y_true, y_pred):
    intersection = np.sum(y_true & y_pred)
    with np.errstate(all="ignore"):
        return (
            np.float64(intersection) / np.sum(y_true | y_pred),
            2 * np.float64(intersection) / (np.sum(y_true) + np.sum(y_pred)),
        )


def _empty_is_zero(y_true, y_pred):
    if not np.any(y_true | y_pred):
        return 0.0, 0.0
    return _iou_and_dice(y_true, y_pred)


def _dice_without_two(y_true, y_pred):
    iou, dice = _iou_and_dice(y_true, y_pred)
    return iou, (dice / 2 if np.any(y_true | y_pred) else dice)


def _iou_over_sizes(y_true, y_pred):
    if not np.any(y_true | y_pred):
        return 1.0, 1.0
    intersection = np.sum(y_true & y_pred)
    return intersection / (np.sum(y_true) + np.sum(y_pred)), _iou_and_dice(y_true, y_pred)[1]


iou_and_dice = Exercise(
    title="IoU and Dice from scratch, with the empty-mask rule",
    expects="a function iou_and_dice(y_true, y_pred) -> (iou, dice) for two boolean masks",
    checker=_check_iou_and_dice,
    reference=_iou_and_dice,
    hints=(
        "Overlap: np.sum(y_true & y_pred). Union: np.sum(y_true | y_pred). "
        "Sizes: np.sum(y_true), np.sum(y_pred).",
        "IoU = overlap / union; Dice = 2 * overlap / (size of truth + size of prediction).",
        "When the union is 0 both masks are empty: return 1.0, 1.0 before dividing.",
    ),
    mistakes=(
        Mistake(_no_empty_rule, "is nan"),
        Mistake(_empty_is_zero, "gives 1.0 when both masks are empty"),
        Mistake(_dice_without_two, "*twice* the overlap"),
        Mistake(_iou_over_sizes, "counts the overlap twice"),
        Mistake(lambda t, p: _iou_and_dice(t, p)[::-1], "swapped"),
    ),
)


# 2 · Precision and recall from a confusion matrix ----------------------------------------

_MATRICES = (
    np.array([[23, 4], [5, 4]]),  # the 6 x 6 example of section 1 (rows: truth)
    np.array([[900, 60], [10, 30]]),
    np.array([[50, 5], [20, 80]]),
)


def _precision_recall(matrix):
    """Precision and recall of the object class from a 2x2 confusion matrix.

    Rows are the true class, columns the predicted class, class 1 is the object:
    [[TN, FP], [FN, TP]].
    """
    tn, fp = matrix[0]
    fn, tp = matrix[1]
    return tp / (tp + fp), tp / (tp + fn)


def _check_precision_recall(answer) -> str:
    for matrix in _MATRICES:
        precision, recall = _pair(call(answer, matrix.copy()), "precision, recall")
        want_p, want_r = _precision_recall(matrix)
        tn, fp, fn, tp = matrix.ravel()
        shown = f"[[{tn}, {fp}], [{fn}, {tp}]]"
        if np.isclose(precision, want_r) and np.isclose(recall, want_p):
            raise Wrong(
                f"for {shown} your precision and recall are swapped. Precision looks down the "
                "'predicted object' column (of what was marked, how much is object); recall "
                "along the 'truly object' row (of the object, how much was marked)."
            )
        background = (tn / (tn + fn), tn / (tn + fp))
        if np.isclose(precision, background[0]) and np.isclose(recall, background[1]):
            raise Wrong(
                f"for {shown} you scored the background class: matrix[0, 0] is the true "
                "negatives (TN). The object is class 1, so TP is matrix[1, 1]."
            )
        if not np.isclose(precision, want_p):
            raise Wrong(
                f"for {shown} your precision is {precision:.3f}; TP / (TP + FP) = "
                f"{tp} / {tp + fp} = {want_p:.3f}. Rows are the truth, columns the prediction."
            )
        if not np.isclose(recall, want_r):
            raise Wrong(
                f"for {shown} your recall is {recall:.3f}; TP / (TP + FN) = "
                f"{tp} / {tp + fn} = {want_r:.3f}. Rows are the truth, columns the prediction."
            )
    return "precision = TP / column total, recall = TP / row total, read from the object's cells."


precision_recall = Exercise(
    title="precision and recall from a confusion matrix",
    expects=(
        "a function precision_recall(matrix) -> (precision, recall) "
        "for a 2x2 matrix [[TN, FP], [FN, TP]]"
    ),
    checker=_check_precision_recall,
    reference=_precision_recall,
    hints=(
        "Rows are the true class, columns the predicted class; class 1 (the object) is the second "
        "row and column.",
        "tn, fp = matrix[0] and fn, tp = matrix[1]; "
        "then precision = tp / (tp + fp), recall = tp / (tp + fn).",
    ),
    mistakes=(
        Mistake(lambda m: _precision_recall(m)[::-1], "swapped"),
        Mistake(
            lambda m: (m[0, 0] / (m[0, 0] + m[1, 0]), m[0, 0] / (m[0, 0] + m[0, 1])),
            "background class",
        ),
        Mistake(lambda m: (m[1, 1] / (m[1, 1] + m[0, 1]), m[1, 1] / m.sum()), "your recall is"),
    ),
)


# 3 · The trap: a model that predicts nothing ---------------------------------------------


def _trap_context() -> dict:
    """A small stand-in for the notebook's ``truths``: 3 masks, about 8 % object."""
    truths = np.zeros((3, 20, 20), dtype=bool)
    truths[0, 2:8, 3:9] = True
    truths[1, 10:14, 10:17] = True
    truths[2, 5:9, 5:9] = True
    return {"truths": truths}


def _trap(truths):
    """Pixel accuracy and object IoU of a prediction that marks nothing, over all images."""
    nothing = np.zeros_like(truths)
    accuracy = np.mean(truths == nothing)
    iou = np.sum(truths & nothing) / np.sum(truths | nothing)
    return accuracy, iou


def _as_printed(value: float, want: float) -> bool:
    """Whether ``value`` is ``want`` to the 3 decimals the chapter prints (typed or computed)."""
    return abs(value - want) <= 5e-4 + 1e-9 or f"{value:.3f}" == f"{want:.3f}"


def _check_trap(answer, truths=None) -> str:
    if truths is None:
        raise Wrong("pass the chapter's masks too: exercises.trap.check(answer, truths=truths).")
    if callable(answer):
        raise Wrong("your answer is a function: call it and pass the two numbers, (accuracy, iou).")
    accuracy, iou = _pair(answer, "accuracy, iou")
    want_accuracy, want_iou = _trap(truths)
    share = float(np.mean(truths))
    if _as_printed(accuracy, want_iou) and _as_printed(iou, want_accuracy):
        raise Wrong("your accuracy and IoU are swapped: return (accuracy, iou).")
    if _as_printed(accuracy, share) and not _as_printed(accuracy, want_accuracy):
        raise Wrong(
            f"your accuracy {accuracy:.3f} is the share of object pixels. Accuracy is the share "
            "of pixels with the right label: every background pixel is right when the model "
            "marks nothing."
        )
    if not _as_printed(accuracy, want_accuracy):
        raise Wrong(
            f"your accuracy is {accuracy:.4g}; np.mean(truths == nothing) is {want_accuracy:.3f}."
        )
    if _as_printed(iou, 1.0):
        raise Wrong(
            "your IoU is 1.0: the empty-mask rule is only for images where *both* masks are "
            "empty. Here the truth has objects, the prediction has none: overlap 0, IoU 0."
        )
    background_iou = np.sum(~truths) / truths.size
    if _as_printed(iou, background_iou / 2):
        raise Wrong(
            f"your IoU {iou:.3f} is the two-class mean (Keras MeanIoU): half of it is the "
            "background's IoU. The object's IoU is what says whether anything was found."
        )
    if not _as_printed(iou, want_iou):
        raise Wrong(
            f"your IoU is {iou:.4g}; the object's IoU of an empty prediction is "
            f"{want_iou:.3f} (no overlap)."
        )
    return (
        f"accuracy {want_accuracy:.3f} for a model that finds nothing, IoU {want_iou:.1f}: "
        "accuracy rewards the background; report IoU or Dice."
    )


trap = Exercise(
    title="the trap: a model that predicts nothing",
    expects="two numbers (accuracy, iou) for the all-background prediction over all of `truths`",
    checker=_check_trap,
    reference=_trap,
    hints=(
        "nothing = np.zeros_like(truths) is the prediction. Accuracy: np.mean(truths == nothing).",
        "IoU of the object: np.sum(truths & nothing) / np.sum(truths | nothing), over all images "
        "at once.",
    ),
    mistakes=(
        Mistake(lambda truths: (float(np.mean(truths)), 0.0), "share of object pixels"),
        Mistake(lambda truths: (_trap(truths)[0], 1.0), "*both* masks are empty"),
        Mistake(lambda truths: (_trap(truths)[0], float(np.mean(~truths)) / 2), "two-class mean"),
        Mistake(lambda truths: _trap(truths)[::-1], "swapped"),
    ),
    answer_is_function=False,
    context=_trap_context,
    usage="exercises.trap.check(answer, truths=truths)",
)
