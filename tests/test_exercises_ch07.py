"""Chapter 7's Dice loss, as the exercise (and the notebook) write it in keras.ops, equals
helpers.losses.dice_loss, so the chapter cannot teach one loss and train with another; its
check accepts any small smoothing term and rejects what model.fit itself rejects."""

import numpy as np
import pytest

from helpers import losses
from helpers.exercises import ch07


def test_the_exercise_dice_loss_equals_the_helpers_dice_loss():
    rng = np.random.default_rng(0)
    y_true = (rng.uniform(size=(3, 16, 16, 1)) > 0.8).astype(np.float32)
    y_true[2] = 0  # an empty mask
    y_pred = rng.uniform(size=y_true.shape).astype(np.float32)
    for prediction in (y_pred, y_true, np.zeros_like(y_true)):
        np.testing.assert_allclose(
            np.asarray(ch07._dice_reference(y_true, prediction)),
            np.asarray(losses.dice_loss(y_true, prediction)),
            atol=1e-6,
        )


def test_the_example_history_overfits_after_its_best_epoch():
    table = ch07.example_history()
    assert ch07._history_reference(table) == (6, True)
    calm = table.assign(val_loss=table["loss"] + 0.01)  # validation follows training down
    assert ch07._history_reference(calm) == (11, False)


def _dice_loss_with(smooth):
    from keras import ops

    def my_dice_loss(y_true, y_pred):
        intersection = ops.sum(y_true * y_pred, axis=(1, 2, 3))
        total = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3))
        return 1.0 - (2.0 * intersection + smooth) / (total + smooth)

    return my_dice_loss


@pytest.mark.parametrize("smooth", [1e-7, 1e-6, 1e-5, 1e-3, 0.1, 0.5, 1.0, 2.0])
def test_dice_loss_accepts_any_small_smoothing_term(smooth):
    result = ch07.dice_loss.feedback(_dice_loss_with(smooth))
    assert result.correct, result.message


@pytest.mark.parametrize("smooth", [5.0, 100.0])
def test_dice_loss_rejects_a_smoothing_term_that_swamps_the_object(smooth):
    result = ch07.dice_loss.feedback(_dice_loss_with(smooth))
    assert result.status == "wrong" and "swamps a small object" in result.message


def test_dice_loss_accepts_the_helpers_loss_and_a_tensorflow_one():
    import tensorflow as tf

    def tf_dice_loss(y_true, y_pred):
        intersection = tf.reduce_sum(y_true * y_pred, axis=(1, 2, 3))
        total = tf.reduce_sum(y_true, axis=(1, 2, 3)) + tf.reduce_sum(y_pred, axis=(1, 2, 3))
        return 1.0 - (2.0 * intersection + 1.0) / (total + 1.0)

    assert ch07.dice_loss.feedback(losses.dice_loss).correct
    assert ch07.dice_loss.feedback(tf_dice_loss).correct


def _fit_once(loss) -> None:
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=loss)
    cases = ch07._batch()
    model.fit(cases["right"], cases["y_true"], batch_size=2, epochs=1, verbose=0)


def test_what_the_check_rejects_fails_in_model_fit_and_what_it_accepts_trains():
    """The check's claims, tested against Keras itself: the NumPy loss and the thresholded
    one (typical mistakes) fail inside model.fit, and the reference trains."""
    for mistake, says in ((ch07._numpy_loss, "not NumPy"), (ch07._thresholded, "no gradient")):
        assert says in ch07.dice_loss.feedback(mistake).message
        with pytest.raises(Exception):  # noqa: B017 - whatever TensorFlow raises
            _fit_once(mistake)
    _fit_once(ch07._dice_reference)
