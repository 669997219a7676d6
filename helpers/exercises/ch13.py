"""Chapter 13 exercises: one-hot labels, per-class IoU from a confusion matrix, and class
weights from pixel counts.

In the notebook::

    from helpers.exercises import ch13 as exercises
    exercises.one_hot.check(one_hot)
    exercises.iou_per_class.check(iou_per_class)
    exercises.balanced_weights.check(balanced_weights)
"""

from __future__ import annotations

import numpy as np

from helpers.exercises._core import Exercise, Mistake, Wrong, call, describe

__all__ = ["one_hot", "iou_per_class", "balanced_weights"]


def _array(value, what: str, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as a float array of ``shape``, or feedback saying what it is instead."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
        raise Wrong(f"{what} is {describe(value)}; it should be an array of shape {shape}.")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(f"{what} is {describe(value)}; it should be an array of numbers.") from None
    if array.shape != shape:
        raise Wrong(f"{what} has shape {array.shape}; it should have shape {shape}.")
    return array


# 1 · One-hot labels ----------------------------------------------------------------------


def _one_hot(labels, num_classes):
    """(H, W) class labels -> (H, W, num_classes) one-hot: 1.0 in the channel of the class."""
    return np.eye(num_classes)[labels]


def _one_hot_cases() -> list[tuple[str, np.ndarray, int]]:
    small = np.array([[0, 1, 2], [2, 0, 1]])
    absent = np.array([[0, 0, 3], [3, 1, 0]])  # class 2 in no pixel
    return [
        ("the 2x3 labels of section 2 (3 classes)", small, 3),
        ("labels where class 2 is absent (4 classes)", absent, 4),
        ("an all-background image (5 classes)", np.zeros((2, 2), dtype=int), 5),
    ]


def _check_one_hot(answer) -> str:
    for name, labels, classes in _one_hot_cases():
        want = _one_hot(labels, classes)
        got = call(answer, labels.copy(), classes)
        shape = getattr(got, "shape", None)
        if shape == (classes,) + labels.shape:
            raise Wrong(
                f"for {name} the classes are the first axis, shape {shape}: Keras wants them "
                f"last, (H, W, K) = {want.shape}. np.moveaxis(x, 0, -1) or np.eye(K)[labels]."
            )
        if shape == labels.shape + (classes - 1,):
            raise Wrong(
                f"for {name} you made {classes - 1} channels: the background is a class too, "
                f"channel 0, so K = {classes} channels."
            )
        got = _array(got, f"for {name} your answer", want.shape)
        if np.array_equal(got, np.roll(want, -1, axis=-1)) or np.array_equal(
            got, np.roll(want, 1, axis=-1)
        ):
            raise Wrong(
                f"for {name} every pixel's 1 is one channel off: label k goes to channel k "
                "(label 0, the background, to channel 0)."
            )
        if not np.array_equal(got, want):
            raise Wrong(
                f"for {name} your answer differs from np.eye({classes})[labels] at "
                f"{int(np.sum(np.any(got != want, axis=-1)))} pixel(s): each pixel needs a 1 "
                "in the channel of its class and 0 elsewhere."
            )
    return (
        "each pixel has one 1, in the channel of its class; absent classes keep a channel "
        "of zeros, so every image has the same K channels."
    )


one_hot = Exercise(
    title="one-hot labels",
    expects="a function one_hot(labels, num_classes) -> array (H, W, num_classes) of 0 and 1",
    checker=_check_one_hot,
    reference=_one_hot,
    hints=(
        "Row k of np.eye(num_classes) is the one-hot vector of class k.",
        "Index that matrix with the whole label array at once: np.eye(num_classes)[labels] "
        "has shape (H, W, num_classes).",
    ),
    mistakes=(
        Mistake(lambda labels, k: np.eye(k)[labels].transpose(2, 0, 1), "first axis"),
        Mistake(lambda labels, k: np.eye(k)[labels][..., 1:], "background is a class too"),
        Mistake(lambda labels, k: np.eye(k)[(labels - 1) % k], "one channel off"),
    ),
)


# 2 · Per-class IoU from a confusion matrix ------------------------------------------------

_MATRICES = (
    np.array([[50, 2, 3], [4, 20, 1], [6, 0, 14]]),  # 3 classes, rows truth
    np.array([[900, 10, 5, 0], [8, 40, 2, 0], [3, 6, 30, 0], [0, 0, 0, 0]]),  # class 3 absent
    np.array([[70, 5], [10, 15]]),
)


def _iou_per_class(matrix):
    """IoU of every class from a confusion matrix (rows true class, columns predicted).

    A class absent from both truth and prediction (its row and column all 0) scores 1.0.
    """
    matrix = np.asarray(matrix, dtype=float)
    tp = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, 1.0)


def _check_iou_per_class(answer) -> str:
    for matrix in _MATRICES:
        want = _iou_per_class(matrix)
        size = len(matrix)
        shown = f"the {size}x{size} matrix" + (
            " with an absent class" if 0 in matrix.sum(0) else ""
        )
        with np.errstate(all="ignore"):
            got = _array(call(answer, matrix.copy()), f"for {shown} your answer", (size,))
        if np.allclose(got, want):
            continue
        tp = np.diag(matrix).astype(float)
        with np.errstate(all="ignore"):
            recall, precision = tp / matrix.sum(1), tp / matrix.sum(0)
            twice = tp / (matrix.sum(0) + matrix.sum(1))
        present = want != 1.0
        if np.isnan(got).any() and not np.isnan(got[present]).any():
            raise Wrong(
                f"for {shown} a class that is in neither the truth nor the prediction gets "
                "nan (0 / 0): give it 1.0, the course's empty rule (nothing to find, nothing "
                "found)."
            )
        if np.allclose(got[present], recall[present]):
            raise Wrong(
                f"for {shown} you divided by the row sums: that is each class's recall. The "
                "union is row + column - diagonal."
            )
        if np.allclose(got[present], precision[present]):
            raise Wrong(
                f"for {shown} you divided by the column sums: that is each class's "
                "precision. The union is row + column - diagonal."
            )
        if np.allclose(got[present], twice[present]):
            raise Wrong(
                f"for {shown} your union counts the diagonal twice (row + column): subtract "
                "it once, row + column - diagonal."
            )
        wrong = int(np.flatnonzero(~np.isclose(got, want))[0])
        raise Wrong(
            f"for {shown} your IoU of class {wrong} is {got[wrong]:.3f}; it should be "
            f"{want[wrong]:.3f} (diagonal / (row + column - diagonal))."
        )
    return (
        "IoU of class k = matrix[k, k] / (row k + column k - matrix[k, k]), and 1.0 for a "
        "class that nobody drew or predicted."
    )


def _no_empty_rule(matrix):
    matrix = np.asarray(matrix, dtype=float)
    tp = np.diag(matrix)
    with np.errstate(invalid="ignore", divide="ignore"):
        return tp / (matrix.sum(0) + matrix.sum(1) - tp)


def _ratio(part):
    def answer(matrix):
        matrix = np.asarray(matrix, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(part(matrix) > 0, np.diag(matrix) / part(matrix), 1.0)

    return answer


iou_per_class = Exercise(
    title="per-class IoU from a confusion matrix",
    expects="a function iou_per_class(matrix) -> array (K,): the IoU of each class",
    checker=_check_iou_per_class,
    reference=_iou_per_class,
    hints=(
        "Rows are the true class, columns the predicted class: matrix[k, k] are the pixels of "
        "class k found as k (TP).",
        "Row k's sum is every pixel of class k (TP + FN), column k's sum every pixel "
        "predicted k (TP + FP); the union is both minus the overlap counted twice.",
        "np.diag(matrix), matrix.sum(axis=1), matrix.sum(axis=0); where the union is 0, 1.0.",
    ),
    mistakes=(
        Mistake(_ratio(lambda m: m.sum(1)), "recall"),
        Mistake(_ratio(lambda m: m.sum(0)), "precision"),
        Mistake(_ratio(lambda m: m.sum(0) + m.sum(1)), "counts the diagonal twice"),
        Mistake(_no_empty_rule, "empty rule"),
    ),
)


# 3 · Class weights from pixel counts -------------------------------------------------------

_COUNTS = (
    np.array([9000, 100, 900]),
    np.array([60_000, 350, 1_200, 1_500, 1_250]),  # like data/cells: a rare class 1
    np.array([500, 500]),
)


def _balanced_weights(counts):
    """Weights that make every class count as much as the others in all: the total over
    the number of classes times the class's count (scikit-learn's "balanced")."""
    counts = np.asarray(counts, dtype=float)
    return counts.sum() / (len(counts) * counts)


def _check_balanced_weights(answer) -> str:
    from sklearn.utils.class_weight import compute_class_weight

    for counts in _COUNTS:
        labels = np.repeat(np.arange(len(counts)), counts)
        want = compute_class_weight("balanced", classes=np.arange(len(counts)), y=labels)
        shown = f"the counts of {len(counts)} classes ({int(counts.sum())} pixels)"
        got = _array(call(answer, counts.copy()), f"for {shown} your answer", counts.shape)
        if np.allclose(got, want):
            continue
        share = counts / counts.sum()
        if np.allclose(got, share) or np.allclose(got, counts):
            raise Wrong(
                f"for {shown} your weights grow with the class: a rare class must weigh "
                "more, not less. Divide by the count."
            )
        if np.allclose(got, 1 / share):
            raise Wrong(
                f"for {shown} your weights are total / count: divide by the number of "
                f"classes ({len(counts)}) too, so that an average pixel weighs 1."
            )
        if np.allclose(got, 1 / counts):
            raise Wrong(
                f"for {shown} your weights are 1 / count, thousands of times too small: "
                "multiply by the total number of pixels over the number of classes."
            )
        raise Wrong(
            f"for {shown} your weights differ from total / (classes x count); the rarest "
            f"class should weigh {want.max():.3g}."
        )
    return (
        "total / (K x count): every class's pixels weigh as much in all (scikit-learn's "
        "'balanced', classes.class_weights(counts, power=1))."
    )


balanced_weights = Exercise(
    title="class weights from pixel counts",
    expects="a function balanced_weights(counts) -> array (K,): one weight per class",
    checker=_check_balanced_weights,
    reference=_balanced_weights,
    hints=(
        "A rare class gets a large weight: divide by its count.",
        "Scale so an average pixel weighs 1: weight = counts.sum() / (len(counts) * counts).",
    ),
    mistakes=(
        Mistake(lambda counts: counts / counts.sum(), "must weigh more"),
        Mistake(lambda counts: counts.sum() / counts, "number of classes"),
        Mistake(lambda counts: 1 / counts, "too small"),
    ),
)
