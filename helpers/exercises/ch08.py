"""Chapter 8 exercises: score one prediction by hand, find the worst test image, choose the
threshold on the validation images.

In the notebook::

    from helpers.exercises import ch08 as exercises
    exercises.iou_by_hand.check(my_function)
    exercises.worst_image.check(worst_image, table=table)
    exercises.best_threshold.check(answer, probabilities=val_probabilities, masks=y_val)

``worst_image`` is a function, checked on the chapter's table and on tables of its own in
which another image is the worst: a name copied from the text does not pass.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.exercises._core import Exercise, Mistake, Wrong, call, describe

__all__ = ["iou_by_hand", "worst_image", "best_threshold"]


# 1 · IoU of one prediction with logical_and / logical_or ---------------------------------


def _iou_by_hand(truth, probabilities, threshold=0.5):
    predicted = probabilities >= threshold
    truth = truth.astype(bool)
    union = np.logical_or(truth, predicted).sum()
    if union == 0:  # nothing to find and nothing found: chapter 4's rule
        return 1.0
    return np.logical_and(truth, predicted).sum() / union


def _iou_cases():
    """(name, truth, probabilities, threshold) the learner's function is checked on."""
    rng = np.random.default_rng(8)
    truth = np.zeros((12, 12), np.uint8)
    truth[3:9, 2:8] = 1
    probs = np.clip(rng.uniform(0.0, 0.3, (12, 12)), 0.01, None)  # never exactly 0
    probs[4:10, 3:11] = rng.uniform(0.55, 0.95, (6, 8))
    half = probs.copy()
    half[4:10, 3:11] = 0.45
    return [
        ("a shifted square", truth, probs, 0.5),
        ("the same at threshold 0.4", truth, half, 0.4),
        (
            "nothing to find, nothing found",
            np.zeros((12, 12), np.uint8),
            np.full((12, 12), 0.1),
            0.5,
        ),
        ("something to find, nothing found", truth, np.full((12, 12), 0.1), 0.5),
    ]


def _iou_checker(answer) -> str:
    for name, truth, probs, threshold in _iou_cases():
        expected = _iou_by_hand(truth, probs, threshold)
        got = call(answer, truth.copy(), probs.copy(), threshold)
        try:
            value = float(np.asarray(got, dtype=np.float64).reshape(()))
        except (TypeError, ValueError):
            raise Wrong(
                f"on {name} your function returned {describe(got)}: return one number, the IoU."
            ) from None
        if np.isclose(value, expected):
            continue
        predicted = probs >= threshold
        t = truth.astype(bool)
        inter = np.logical_and(t, predicted).sum()
        both = t.sum() + predicted.sum()
        if np.isnan(value) and expected == 1.0:
            raise Wrong(
                "two empty masks gave nan (0 / 0): chapter 4's rule scores nothing "
                "to find and nothing found as 1.0. Test the union before dividing."
            )
        at_half = probs >= 0.5
        union_half = np.logical_or(t, at_half).sum()
        if (
            threshold != 0.5
            and union_half
            and np.isclose(value, np.logical_and(t, at_half).sum() / union_half)
        ):
            raise Wrong(
                f"on {name} you thresholded at 0.5, not at the threshold you were given "
                f"({threshold}): use the argument."
            )
        if both and np.isclose(value, 2 * inter / both):
            raise Wrong(
                f"on {name} you returned the Dice score ({value:.3f}), 2|A∩B| / (|A|+|B|); "
                "IoU divides the intersection by the union (np.logical_or)."
            )
        if t.sum() and np.isclose(value, inter / t.sum()):
            raise Wrong(
                f"on {name} you divided the overlap by the true mask's area ({value:.3f}): "
                "that is recall. Divide by the union of both masks."
            )
        loose = probs > 0
        union_loose = np.logical_or(t, loose).sum()
        if union_loose and np.isclose(value, np.logical_and(t, loose).sum() / union_loose):
            raise Wrong(
                f"on {name} you used the probabilities as a mask ({value:.3f}): "
                "np.logical_and counts every pixel above 0 as True. Threshold first: "
                "probabilities >= threshold."
            )
        raise Wrong(
            f"on {name} (threshold {threshold}) your IoU is {value:.3f}; it should be "
            f"{expected:.3f}: intersection {inter} pixels over union "
            f"{np.logical_or(t, predicted).sum()} pixels."
        )
    return (
        "IoU = |truth AND prediction| / |truth OR prediction| after the threshold; "
        "evaluation.evaluate computes the same for every test image."
    )


def _iou_no_threshold(truth, probabilities, threshold=0.5):
    union = np.logical_or(truth, probabilities).sum()
    return 1.0 if union == 0 else np.logical_and(truth, probabilities).sum() / union


def _iou_nan_when_empty(truth, probabilities, threshold=0.5):
    predicted = probabilities >= threshold
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.logical_and(truth, predicted).sum() / np.float64(
            np.logical_or(truth, predicted).sum()
        )


def _dice_instead(truth, probabilities, threshold=0.5):
    predicted = probabilities >= threshold
    both = truth.sum() + predicted.sum()
    return 1.0 if both == 0 else 2 * np.logical_and(truth, predicted).sum() / both


def _recall_instead(truth, probabilities, threshold=0.5):
    predicted = probabilities >= threshold
    return 1.0 if truth.sum() == 0 else np.logical_and(truth, predicted).sum() / truth.sum()


def _fixed_half(truth, probabilities, threshold=0.5):
    return _iou_by_hand(truth, probabilities, 0.5)


iou_by_hand = Exercise(
    title="score one prediction with logical_and / logical_or",
    expects="a function iou_by_hand(truth, probabilities, threshold=0.5) -> float",
    checker=_iou_checker,
    reference=_iou_by_hand,
    hints=(
        "First turn the probabilities into a mask: `predicted = probabilities >= threshold`.",
        "`np.logical_and(truth, predicted).sum()` counts the overlap, `np.logical_or(...).sum()` "
        "the union.",
        "When the union is 0 (nothing to find, nothing found) return 1.0, chapter 4's rule.",
    ),
    mistakes=(
        Mistake(_iou_no_threshold, "threshold first"),
        Mistake(_iou_nan_when_empty, "nan"),
        Mistake(_dice_instead, "dice"),
        Mistake(_recall_instead, "recall"),
        Mistake(_fixed_half, "use the argument"),
    ),
)


# 2 · The worst test image, from the per-image table --------------------------------------


def _worst_image(table):
    return table["iou"].idxmin()


def _worst_context() -> dict:
    table = pd.DataFrame(
        {
            "iou": [0.81, 0.42, 0.90, 0.66],
            "dice": [0.90, 0.59, 0.95, 0.80],
            "accuracy": [0.97, 0.96, 0.99, 0.93],
        },
        index=pd.Index(["mito_005", "mito_017", "mito_029", "mito_044"], name="image"),
    )
    return {"table": table}


def _other_tables(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Two tables the learner's function is also run on: the chapter's rows shuffled and
    renamed (a name typed in from the text is not among them), and the chapter's names
    with other, distinct scores that make another image the worst."""
    renamed = table.sample(frac=1.0, random_state=8)
    renamed.index = pd.Index(
        [f"other_{number:03d}" for number in range(len(renamed))], name=table.index.name
    )
    altered = table.copy()
    if len(altered) < 2:
        extra = altered.iloc[[0]].rename(index=lambda name: f"{name}_copy")
        altered = pd.concat([altered, extra])
    worst = altered["iou"].idxmin()
    other = next(name for name in altered.index if name != worst)
    scores = np.linspace(0.9, 0.5, len(altered))  # distinct scores, highest first
    order = [name for name in altered.index if name != other] + [other]
    altered.loc[order, "iou"] = scores
    return [
        ("a table whose images have other names", renamed),
        (f"a table where {other} scores lowest", altered),
    ]


def _judge_worst(got, table: pd.DataFrame, where: str) -> None:
    """Raise :class:`Wrong` unless ``got`` is the name of ``table``'s lowest-IoU image."""
    worst = table["iou"].idxmin()
    names = [str(name) for name in table.index]
    lowest = {str(name) for name in table.index[table["iou"] == table["iou"].min()]}
    if isinstance(got, (pd.Series, pd.DataFrame)):
        raise Wrong(
            f"{where} your function returned a whole row or column; return the image's name "
            "only (the index label), e.g. with `.idxmin()`."
        )
    if isinstance(got, numbers.Integral) and not isinstance(got, bool):
        if 0 <= int(got) < len(table) and table.index[int(got)] == worst:
            raise Wrong(
                f"{where} your function returned {int(got)}, the worst image's position in the "
                f"table; return its name (the index label): `table.index[{int(got)}]`, or "
                "`.idxmin()` instead of `.argmin()`."
            )
        raise Wrong(f"{where} your function returned a number; return the worst image's name.")
    if isinstance(got, numbers.Real):
        raise Wrong(
            f"{where} your function returned {describe(got)}, a score; return the name of the "
            "image that has the lowest IoU."
        )
    if not isinstance(got, str):
        raise Wrong(f"{where} your function returned {describe(got)}; return an image name.")
    if got in lowest:  # ties: any of the images with the lowest IoU
        return
    if got not in names:
        raise Wrong(
            f"{where} your function returned {got!r}, which is not in the table "
            f"({', '.join(names[:4])}{', ...' if len(names) > 4 else ''}): take the name from "
            "the table's index."
        )
    if got == table["iou"].idxmax():
        raise Wrong(
            f"{where} your function returned {got}, the *best* image (highest IoU); the worst "
            "has the lowest: `.idxmin()`, not `.idxmax()`."
        )
    for column in table.columns:
        if column != "iou" and got == table[column].idxmin():
            raise Wrong(
                f"{where} your function returned {got}, which has the lowest {column}, not the "
                "lowest IoU: use the `iou` column. (Accuracy is high even for poor masks: "
                "chapter 4.)"
            )
    raise Wrong(
        f"{where} your function returned {got} (IoU {table.loc[got, 'iou']:.3f}); "
        f"{worst} scores lower."
    )


def _worst_checker(answer, *, table) -> str:
    if not isinstance(table, pd.DataFrame) or "iou" not in table:
        raise Wrong(
            "give the per-image table too, the one with the `iou` column: "
            "`exercises.worst_image.check(worst_image, table=table)`."
        )
    if isinstance(answer, str):
        raise Wrong(
            f"you gave the name {answer[:40]!r}; write a function that finds it, "
            "`def worst_image(table): return ...`, so that it works on any table."
        )
    got = call(answer, table.copy())
    _judge_worst(got, table, "on the chapter's table")
    for where, other in _other_tables(table):
        found = call(answer, other.copy())
        if isinstance(found, str) and found == got and found not in other.index:
            raise Wrong(
                f"your function returns {got!r} whatever the table: on {where} "
                f"({', '.join(map(str, other.index[:2]))}, ...) it still says {got!r}. Find "
                "the name from the table (`table['iou'].idxmin()`) rather than typing it in."
            )
        _judge_worst(found, other, f"on {where}")
    worst = table["iou"].idxmin()
    return (
        f"{worst} has the lowest IoU ({table['iou'].min():.3f}); look at it in the "
        "figure of the worst predictions to see why."
    )


def _name_from_the_text(table):
    """The worst image's name typed in from the text (the example table's worst)."""
    return "mito_017"


def _without_the_table():
    """Written without its argument, the table."""
    return "mito_017"


worst_image = Exercise(
    title="find the worst test image",
    expects="a function worst_image(table) -> the name (a string from the table's index) of "
    "the image with the lowest IoU",
    checker=_worst_checker,
    reference=_worst_image,
    context=_worst_context,
    usage="exercises.worst_image.check(worst_image, table=table)",
    hints=(
        "The table's index holds the image names; the `iou` column the scores.",
        "`table['iou'].idxmin()` gives the index label of the smallest value.",
    ),
    mistakes=(
        Mistake(lambda table: table["iou"].idxmax(), "best"),
        Mistake(lambda table: int(table["iou"].argmin()), "position"),
        Mistake(lambda table: table["accuracy"].idxmin(), "lowest accuracy"),
        Mistake(_name_from_the_text, "rather than typing it in"),
        Mistake(_without_the_table, "cannot take the 1 argument the check gives it"),
    ),
)


# 3 · The threshold that maximises mean IoU on the validation images ----------------------

THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def _mean_iou(probabilities, masks, threshold) -> float:
    return float(metrics.iou(masks, probabilities >= threshold).mean())


def _best_threshold(probabilities, masks):
    thresholds = np.round(np.arange(0.05, 0.96, 0.05), 2)
    scores = [metrics.iou(masks, probabilities >= t).mean() for t in thresholds]
    return float(thresholds[int(np.argmax(scores))])


def _threshold_context() -> dict:
    """Validation-like data where 0.5, the most accurate and the best-IoU threshold differ."""
    rng = np.random.default_rng(80)
    chance = rng.beta(0.5, 2.0, (4, 24, 24, 1))
    masks = (rng.uniform(size=chance.shape) < chance).astype(np.uint8)
    return {"probabilities": (chance**0.7).astype(np.float32), "masks": masks}


def _threshold_checker(answer, *, probabilities, masks) -> str:
    probabilities, masks = np.asarray(probabilities), np.asarray(masks)
    if probabilities.shape[:3] != masks.shape[:3]:
        raise Wrong(
            "give the validation probabilities and masks too: "
            "check(answer, probabilities=val_probabilities, masks=y_val)."
        )
    if callable(answer):
        raise Wrong("you gave a function; give the threshold itself, one number.")
    if isinstance(answer, bool) or not isinstance(answer, (numbers.Real, np.ndarray)):
        raise Wrong(
            f"expected one number (a threshold between 0 and 1), got {type(answer).__name__}."
        )
    if np.ndim(answer) != 0:
        raise Wrong(
            f"expected one number, got an array of shape {np.shape(answer)}: pick the "
            "threshold at the position of the best score (np.argmax)."
        )
    value = float(answer)
    if not 0.0 < value < 1.0:
        raise Wrong(
            f"{value} is not between 0 and 1: a threshold cuts probabilities, which lie "
            "in [0, 1] (0 marks every pixel, 1 none)."
        )
    scores = np.array([_mean_iou(probabilities, masks, t) for t in THRESHOLDS])
    best = float(scores.max())
    got = _mean_iou(probabilities, masks, value)
    off_grid = not np.isclose(value, THRESHOLDS).any()
    if off_grid and np.isclose(value, scores, atol=5e-4).any():  # a score, perhaps rounded
        raise Wrong(
            f"{value:.3f} looks like a mean IoU, not a threshold: give the threshold "
            "that scores best (thresholds[np.argmax(scores)])."
        )
    if got >= best - 0.002:
        return (
            f"threshold {value:g} gives mean IoU {got:.3f} on the validation images (0.5 gives "
            f"{_mean_iou(probabilities, masks, 0.5):.3f}). Chosen on validation, it may now "
            "be used on the test images without flattering them."
        )
    if np.isclose(value, THRESHOLDS[int(np.argmin(scores))]):
        raise Wrong(f"threshold {value:g} gives the *lowest* mean IoU ({got:.3f}): use np.argmax.")
    if np.isclose(value, 0.5):
        raise Wrong(
            f"0.5 is the default, not a choice: here it gives mean IoU {got:.3f} and "
            f"another threshold gives {best:.3f}. Try each threshold and keep the best."
        )
    accuracy = [float(((probabilities >= t) == (masks == 1)).mean()) for t in THRESHOLDS]
    if np.isclose(value, THRESHOLDS[int(np.argmax(accuracy))]):
        raise Wrong(
            f"threshold {value:g} maximises pixel accuracy, not IoU (mean IoU {got:.3f}, "
            f"the best is {best:.3f}): accuracy favours marking too little (chapter 4)."
        )
    raise Wrong(
        f"threshold {value:g} gives mean IoU {got:.3f}; another gives {best:.3f}. Score "
        "each threshold of np.arange(0.05, 0.96, 0.05) and keep the best."
    )


def _most_accurate(probabilities, masks):
    accuracy = [((probabilities >= t) == (masks == 1)).mean() for t in THRESHOLDS]
    return float(THRESHOLDS[int(np.argmax(accuracy))])


def _worst_threshold(probabilities, masks):
    return float(
        THRESHOLDS[int(np.argmin([_mean_iou(probabilities, masks, t) for t in THRESHOLDS]))]
    )


def _best_score_not_threshold(probabilities, masks):
    return max(_mean_iou(probabilities, masks, t) for t in THRESHOLDS)


best_threshold = Exercise(
    title="pick the threshold on the validation images",
    expects="one number: the threshold that gives the highest mean IoU on the validation images",
    checker=_threshold_checker,
    reference=_best_threshold,
    answer_is_function=False,
    context=_threshold_context,
    usage="exercises.best_threshold.check(best_threshold, probabilities=val_probabilities, "
    "masks=y_val)",
    hints=(
        "Try thresholds = np.arange(0.05, 0.96, 0.05); for each, "
        "metrics.iou(masks, probabilities >= t).mean().",
        "Keep the threshold at the position of the largest mean: thresholds[np.argmax(scores)].",
    ),
    mistakes=(
        Mistake(lambda probabilities, masks: 0.5, "default"),
        Mistake(_most_accurate, "accuracy"),
        Mistake(_worst_threshold, "lowest"),
        Mistake(_best_score_not_threshold, "looks like a mean iou"),
    ),
)
