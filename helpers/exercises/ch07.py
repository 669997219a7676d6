"""Chapter 7 exercises: the Dice loss in ``keras.ops``; reading a history table.

The Dice loss check also runs the answer the way ``model.fit`` does (traced into a graph
on symbolic tensors, with its gradient), so a NumPy loss that works on arrays but fails in
training is caught, and it accepts any small smoothing term.

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
    """Small (2, 8, 8, 1) examples: a right prediction, an all-background one, a perfect one,
    and one that marks only pixels away from the object (image 1's mask is empty)."""
    y_true = np.zeros((2, 8, 8, 1), np.float32)
    y_true[0, 2:5, 2:6] = 1  # image 0: a small object of 12 pixels; image 1: nothing
    rng = np.random.default_rng(7)
    probabilities = np.clip(y_true * 0.8 + rng.uniform(0, 0.2, y_true.shape), 0, 1).astype(
        np.float32
    )
    disjoint = np.zeros_like(y_true)
    disjoint[:, 5:8, 4:8] = 1  # 12 pixels, none of them on the object
    return {
        "y_true": y_true,
        "right": probabilities,
        "background": np.full_like(y_true, 0.02),
        "perfect": y_true.copy(),
        "disjoint": disjoint,
    }


#: The loss of a prediction that misses the 12-pixel object entirely must be at least this:
#: any smoothing term up to about 2.5 passes (the chapter's is 1.0); a larger one swamps a
#: small object.
_DISJOINT_MIN = 0.9

_NOT_NUMPY = (
    "use keras.ops, not NumPy: inside fit your function gets symbolic tensors, which have "
    "no values yet, so NumPy functions, float(), .numpy(), len() and Python `if` on them "
    "fail. "
    "Write ops.sum(..., axis=(1, 2, 3)) and the other keras.ops functions."
)


def _reference_numbers(y_true, y_pred, smooth=1.0):
    inter = (y_true * y_pred).sum(axis=(1, 2, 3), dtype=np.float64)
    total = y_true.sum(axis=(1, 2, 3), dtype=np.float64) + y_pred.sum(
        axis=(1, 2, 3), dtype=np.float64
    )
    return 1.0 - (2.0 * inter + smooth) / (total + smooth)


def _smoothing_of(losses: dict, cases: dict) -> float:
    """The smoothing term ``s`` that a loss ``1 - (2 I + s) / (T + s)`` would need to give the
    learner's numbers (the median over images; 0 when the numbers hardly depend on it)."""
    y_true = cases["y_true"].astype(np.float64)
    estimates = []
    for name, values in losses.items():
        prediction = cases[name].astype(np.float64)
        inter = (y_true * prediction).sum(axis=(1, 2, 3))
        total = y_true.sum(axis=(1, 2, 3)) + prediction.sum(axis=(1, 2, 3))
        for loss, i, t in zip(values, inter, total, strict=True):
            if t > 0 and loss > 1e-3:  # from L = 1 - (2 I + s) / (T + s)
                estimates.append(((1.0 - loss) * t - 2.0 * i) / loss)
    return max(float(np.median(estimates)), 0.0) if estimates else 0.0


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


def _run_as_fit_does(answer, y_true, y_pred) -> None:
    """Run the loss the way ``model.fit`` does with TensorFlow: traced into a graph
    (``tf.function``, no autograph) on symbolic float32 tensors of unknown batch size,
    with its gradient. Nothing to do on another Keras backend.

    Raises
    ------
    Wrong
        When the loss fails on symbolic tensors or has no gradient.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    spec = tf.TensorSpec((None, *y_true.shape[1:]), tf.float32)
    trace = {"stage": "start", "gradient": True}

    @tf.function(input_signature=[spec, spec], autograph=False)
    def step(t, p):
        with tf.GradientTape() as tape:
            tape.watch(p)
            trace["stage"] = "answer"
            loss = answer(t, p)
            trace["stage"] = "result"
            loss = tf.cast(tf.convert_to_tensor(loss), tf.float32)
            total = tf.reduce_sum(loss)
        gradient = tape.gradient(total, p)
        trace["gradient"] = gradient is not None
        return gradient if gradient is not None else tf.zeros_like(p)

    name = getattr(answer, "__name__", "your loss")
    try:
        gradient = step(tf.constant(y_true), tf.constant(y_pred)).numpy()
    except Exception as error:
        if trace["stage"] == "answer":
            raise Wrong(
                f"{name} works on NumPy arrays but fails inside model.fit "
                f"({type(error).__name__}): {_NOT_NUMPY}",
                error=error,
            ) from None
        raise Wrong(
            f"{name} returned something model.fit cannot use ({type(error).__name__}): "
            "return the tensor of losses that the keras.ops functions give."
        ) from None
    if not trace["gradient"] or not np.any(gradient):
        raise Wrong(
            f"{name} has no gradient: training cannot learn from it. Did you threshold the "
            "prediction (> 0.5, ops.round)? The Dice loss uses the probabilities themselves."
        )


def _check_dice_loss(answer) -> str:
    cases = _batch()
    y_true = cases["y_true"]
    right = _losses(answer, y_true, cases["right"], "a good prediction")
    _run_as_fit_does(answer, y_true, cases["right"])
    background = _losses(answer, y_true, cases["background"], "an all-background prediction")
    if not (np.isfinite(right).all() and np.isfinite(background).all()):
        raise Wrong(
            "your loss is nan or infinite for an image whose mask is empty (image 1 of the "
            "batch): 0 / 0. Add a smoothing term (1.0) to the numerator and the denominator."
        )
    if background[0] <= right[0]:
        raise Wrong(
            f"your loss is lower for the all-background prediction ({background[0]:.3f}) than for "
            f"the right one ({right[0]:.3f}): did you return the Dice score itself? The loss is "
            "1 - Dice, so that training makes it small."
        )
    perfect = _losses(answer, y_true, cases["perfect"], "a perfect prediction")
    if not np.isfinite(perfect).all():
        raise Wrong(
            "your loss is nan (or infinite) for an empty mask predicted empty (image 1 of a "
            "perfect prediction): its sums are 0, and 0 / 0 is nan. Add a smoothing term (1.0) "
            "to the numerator and the denominator."
        )
    if abs(perfect[1]) > 1e-4:
        raise Wrong(
            f"your loss is not 0 for a perfect prediction (it is {perfect[1]:.4f} for an empty "
            "mask predicted empty): add the smoothing term to both the numerator "
            "(2 * intersection + smooth) and the denominator (sum + sum + smooth)."
        )
    if abs(perfect[0]) > 1e-4:
        raise Wrong(
            f"your loss is {perfect[0]:.4f} for a perfect prediction of the object, not 0: "
            "Dice is 2 * sum(t * p) / (sum(t) + sum(p)), so that a perfect prediction gives "
            "exactly 1 (is the factor 2 there?)."
        )
    disjoint = _losses(answer, y_true, cases["disjoint"], "a prediction that misses the object")
    smooth = _smoothing_of({"right": right, "background": background}, cases)
    if disjoint[0] < _DISJOINT_MIN:
        raise Wrong(
            f"a prediction that misses the 12-pixel object entirely gets a loss of only "
            f"{disjoint[0]:.2f} from yours, where it should be near 1: your smoothing term "
            f"weighs as much as {smooth:.3g} pixels and swamps a small object. Keep it small, "
            "1.0 or less, added to sums (not means): it only has to keep an empty mask "
            "predicted empty from giving 0 / 0."
        )
    reference = max(smooth, 1e-12)
    want = {
        name: _reference_numbers(y_true, cases[name], reference)
        for name in ("right", "background", "disjoint")
    }
    got = {"right": right, "background": background, "disjoint": disjoint}
    for name, what in (
        ("right", "a good prediction"),
        ("background", "an all-background prediction"),
        ("disjoint", "a prediction that misses the object"),
    ):
        if not np.allclose(got[name], want[name], atol=1e-4):
            image = int(np.argmax(np.abs(got[name] - want[name])))
            raise Wrong(
                f"for {what} your loss of image {image} is {got[name][image]:.4f}, the Dice "
                f"loss is {_reference_numbers(y_true, cases[name])[image]:.4f}: "
                "1 - (2 * sum(t * p) + 1) / (sum(t) + sum(p) + 1) per image, on the "
                "probabilities (no threshold); a smoothing term other than 1 is fine if small."
            )
    return (
        "0 for a perfect prediction, near 1 for missing the object, 0 (not nan) for an "
        "empty mask predicted empty, and it runs inside model.fit (symbolic tensors, with a "
        "gradient). With smoothing 1 it is helpers.losses.dice_loss."
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


def _numpy_loss(y_true, y_pred):
    intersection = np.sum(y_true * y_pred, axis=(1, 2, 3))
    total = np.sum(y_true, axis=(1, 2, 3)) + np.sum(y_pred, axis=(1, 2, 3))
    return 1.0 - (2.0 * intersection + 1.0) / (total + 1.0)


def _thresholded(y_true, y_pred):
    from keras import ops

    return _dice_reference(y_true, ops.cast(y_pred > 0.5, "float32"))


def _large_smoothing(y_true, y_pred):
    from keras import ops

    intersection = ops.sum(y_true * y_pred, axis=(1, 2, 3))
    total = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3))
    return 1.0 - (2.0 * intersection + 100.0) / (total + 100.0)


def _jaccard_instead(y_true, y_pred):
    from keras import ops

    intersection = ops.sum(y_true * y_pred, axis=(1, 2, 3))
    total = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3))
    return 1.0 - (intersection + 1.0) / (total - intersection + 1.0)


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
        Mistake(_numpy_loss, "use keras.ops, not NumPy: inside fit your function gets symbolic"),
        Mistake(_thresholded, "no gradient"),
        Mistake(_large_smoothing, "swamps a small object"),
        Mistake(_jaccard_instead, "the dice loss is"),
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
    usage="exercises.read_history.check(answer, history=table)",
)
