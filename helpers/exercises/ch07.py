"""Chapter 7 exercises: the Dice loss in ``keras.ops``; reading a history table.

In the notebook::

    from helpers.exercises import ch07 as exercises
    exercises.dice_loss.check(my_dice_loss)
    exercises.read_history.check(answer, history=table)
"""

from __future__ import annotations

import numpy as np

from helpers.exercises._core import Exercise, Mistake, Wrong, call

__all__ = ["dice_loss", "example_history", "read_history"]


# --------------------------------------------------------------------------------------
# 1 · The Dice loss in keras.ops
# --------------------------------------------------------------------------------------


def _batch() -> dict[str, np.ndarray]:
    """Small (2, 8, 8, 1) examples: a right prediction, an all-background one, an empty mask."""
    y_true = np.zeros((2, 8, 8, 1), np.float32)
    y_true[0, 2:5, 2:6] = 1  # image 0: a small object; image 1: nothing
    rng = np.random.default_rng(7)
    probabilities = np.clip(y_true * 0.8 + rng.uniform(0, 0.2, y_true.shape), 0, 1).astype(
        np.float32
    )
    return {
        "y_true": y_true,
        "right": probabilities,
        "background": np.full_like(y_true, 0.02),
        "perfect": y_true.copy(),
    }


def _reference_numbers(y_true, y_pred, smooth=1.0):
    inter = (y_true * y_pred).sum(axis=(1, 2, 3))
    total = y_true.sum(axis=(1, 2, 3)) + y_pred.sum(axis=(1, 2, 3))
    return 1.0 - (2.0 * inter + smooth) / (total + smooth)


def _as_numbers(value, name: str) -> np.ndarray:
    try:
        import keras

        array = np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
    except Exception:
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise Wrong(
                f"{name} returned {type(value).__name__}, not numbers: return a tensor of "
                "one loss per image."
            ) from None
    return array


def _losses(answer, y_true, y_pred, what: str) -> np.ndarray:
    value = _as_numbers(call(answer, y_true, y_pred), "your loss")
    if value.shape == ():
        raise Wrong(
            f"for {what} your loss is one number for the whole batch: return one loss per image, "
            "shape (batch,) (sum over axes 1, 2 and 3, not over the batch)."
        )
    if value.shape != (len(y_true),):
        raise Wrong(
            f"for {what} your loss has shape {value.shape}; it should be (batch,) = "
            f"({len(y_true)},): sum over axes (1, 2, 3)."
        )
    return value


def _check_dice_loss(answer) -> str:
    cases = _batch()
    y_true = cases["y_true"]
    right = _losses(answer, y_true, cases["right"], "a good prediction")
    background = _losses(answer, y_true, cases["background"], "an all-background prediction")
    if np.isnan(right).any() or np.isnan(background).any():
        raise Wrong(
            "your loss is nan for an image whose mask is empty (image 1 of the batch): 0 / 0. "
            "Add a smoothing term (1.0) to the numerator and the denominator."
        )
    if background[0] <= right[0]:
        raise Wrong(
            f"your loss is lower for the all-background prediction ({background[0]:.3f}) than for "
            f"the right one ({right[0]:.3f}): did you return the Dice score itself? The loss is "
            "1 - Dice, so that training makes it small."
        )
    perfect = _losses(answer, y_true, cases["perfect"], "a perfect prediction")
    if np.isnan(perfect).any():
        raise Wrong(
            "your loss is nan for an empty mask predicted empty (image 1 of a perfect "
            "prediction): 0 / 0. Add a smoothing term (1.0) to the numerator and the denominator."
        )
    if np.abs(perfect).max() > 1e-4:
        raise Wrong(
            f"your loss is not 0 for a perfect prediction (it is {perfect.max():.4f}): add the "
            "smoothing term to both the numerator (2 * intersection + smooth) and the "
            "denominator (sum + sum + smooth)."
        )
    want = _reference_numbers(y_true, cases["right"])
    if not np.allclose(right, want, atol=1e-4):
        raise Wrong(
            f"for a good prediction your loss per image is {np.round(right, 4).tolist()}, the Dice "
            f"loss is {np.round(want, 4).tolist()}: "
            "1 - (2 * sum(t * p) + 1) / (sum(t) + sum(p) + 1), "
            "on the probabilities (no threshold)."
        )
    return (
        "0 for a perfect prediction, near 1 for missing the object, 0 (not nan) for an "
        "empty mask predicted empty; the same as helpers.losses.dice_loss."
    )


def _dice_reference(y_true, y_pred):
    from keras import ops

    y_true = ops.cast(y_true, "float32")
    intersection = ops.sum(y_true * y_pred, axis=(1, 2, 3))
    total = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3))
    return 1.0 - (2.0 * intersection + 1.0) / (total + 1.0)


def _dice_score_not_loss(y_true, y_pred):
    return 1.0 - _dice_reference(y_true, y_pred)


def _no_smoothing(y_true, y_pred):
    from keras import ops

    intersection = ops.sum(y_true * y_pred, axis=(1, 2, 3))
    total = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3))
    return 1.0 - 2.0 * intersection / total


def _smooth_below_only(y_true, y_pred):
    from keras import ops

    intersection = ops.sum(y_true * y_pred, axis=(1, 2, 3))
    total = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3))
    return 1.0 - (2.0 * intersection) / (total + 1.0)


def _whole_batch(y_true, y_pred):
    from keras import ops

    intersection = ops.sum(y_true * y_pred)
    total = ops.sum(y_true) + ops.sum(y_pred)
    return 1.0 - (2.0 * intersection + 1.0) / (total + 1.0)


dice_loss = Exercise(
    title="the Dice loss in keras.ops",
    expects="a function dice_loss(y_true, y_pred) -> one loss per image, shape (batch,)",
    checker=_check_dice_loss,
    reference=_dice_reference,
    hints=(
        "Per image: intersection = sum of y_true * y_pred, total = sum of y_true + sum of "
        "y_pred, both with `ops.sum(..., axis=(1, 2, 3))`.",
        "Dice = (2 * intersection + 1) / (total + 1); the + 1 keeps an empty mask from "
        "giving 0 / 0.",
        "The loss is 1 - Dice: small when the prediction is right.",
    ),
    mistakes=(
        Mistake(_dice_score_not_loss, "lower for the all-background prediction"),
        Mistake(_no_smoothing, "nan"),
        Mistake(_smooth_below_only, "not 0 for a perfect prediction"),
        Mistake(_whole_batch, "one number for the whole batch"),
    ),
)


# --------------------------------------------------------------------------------------
# 2 · Read a history table: the best epoch, and does it overfit?
# --------------------------------------------------------------------------------------


def example_history():
    """A training history of 12 epochs (``epoch`` from 0, as ``history.csv`` has it).

    The validation loss is lowest at epoch 6 and rises after it while the training loss
    keeps falling.
    """
    import pandas as pd

    loss = [0.95, 0.71, 0.55, 0.46, 0.40, 0.36, 0.33, 0.30, 0.28, 0.26, 0.24, 0.22]
    val_loss = [0.90, 0.69, 0.56, 0.49, 0.45, 0.43, 0.42, 0.44, 0.47, 0.50, 0.52, 0.55]
    val_dice = [0.40, 0.58, 0.70, 0.76, 0.80, 0.82, 0.83, 0.82, 0.81, 0.80, 0.79, 0.78]
    return pd.DataFrame(
        {"epoch": range(12), "loss": loss, "val_loss": val_loss, "val_dice_coef": val_dice}
    )


def _history_context() -> dict:
    return {"history": example_history()}


def _check_history(answer, *, history=None) -> str:
    if history is None:
        raise Wrong("pass the table too: `exercises.read_history.check(answer, history=table)`.")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Wrong("answer with two things: `answer = (best_epoch, overfits)`, e.g. `(3, False)`.")
    epoch, overfits = answer
    if epoch is Ellipsis or overfits is Ellipsis:
        raise Wrong("replace both `...`: `answer = (best_epoch, overfits)`.")
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)):
        raise Wrong(
            f"the best epoch should be a whole number from the `epoch` column, got {epoch!r}."
        )
    if not isinstance(overfits, (bool, np.bool_)):
        raise Wrong(f"overfits should be True or False, got {overfits!r}.")
    best, truth = _history_reference(history)
    last = int(history["epoch"].iloc[-1])
    lowest_train = int(history.loc[history["loss"].idxmin(), "epoch"])
    if epoch != best:
        if epoch == best + 1:
            raise Wrong(
                f"epoch {epoch} is one too many: the `epoch` column counts from 0 (as Keras "
                "does), read the number in that column, not the row's position counted from 1."
            )
        if epoch == lowest_train:
            raise Wrong(
                f"epoch {epoch} has the lowest *training* loss; the best model is the one with "
                "the lowest *validation* loss (what ModelCheckpoint and training.train keep)."
            )
        if epoch == last:
            raise Wrong(f"epoch {epoch} is simply the last one; look for the lowest val_loss.")
        raise Wrong(f"epoch {epoch} is not where val_loss is lowest; find its smallest value.")
    if bool(overfits) != truth:
        if truth:
            raise Wrong(
                f"epoch {best} is right, but after it the validation loss rises while the training "
                "loss keeps falling: the network memorises the training images. That is "
                "overfitting (the saved model, from the best epoch, is not affected)."
            )
        raise Wrong(
            f"epoch {best} is right, but the validation loss does not rise clearly after it while "
            "the training loss falls: no sign of overfitting here."
        )
    verdict = "it overfits after that" if truth else "no overfitting"
    return f"The best model is from epoch {best} (lowest val_loss), and {verdict}."


def _history_reference(history):
    best_row = history["val_loss"].idxmin()
    best_epoch = int(history.loc[best_row, "epoch"])
    later = history[history["epoch"] > best_epoch]
    overfits = bool(
        len(later) >= 2
        and later["loss"].iloc[-1] < history.loc[best_row, "loss"]  # training still improves
        and later["val_loss"].iloc[-1] > 1.1 * history.loc[best_row, "val_loss"]  # validation worse
    )
    return best_epoch, overfits


def _lowest_training_loss(history):
    return int(history.loc[history["loss"].idxmin(), "epoch"]), True


def _counted_from_one(history):
    best, overfits = _history_reference(history)
    return best + 1, overfits


def _missed_overfitting(history):
    best, overfits = _history_reference(history)
    return best, not overfits


read_history = Exercise(
    title="read a history table",
    expects="a tuple (best_epoch, overfits): an int from the epoch column and True or False",
    checker=_check_history,
    reference=_history_reference,
    hints=(
        "The best model is the epoch with the lowest `val_loss` "
        "(`table.loc[table.val_loss.idxmin(), 'epoch']`).",
        "Overfitting: after the best epoch the training loss keeps going down while the "
        "validation loss goes clearly up.",
    ),
    mistakes=(
        Mistake(_lowest_training_loss, "lowest *training* loss"),
        Mistake(_counted_from_one, "counts from 0"),
        Mistake(_missed_overfitting, "overfitting"),
    ),
    answer_is_function=False,
    context=_history_context,
)
