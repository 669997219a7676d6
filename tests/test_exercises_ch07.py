"""Chapter 7's Dice loss, as the exercise (and the notebook) write it in keras.ops, equals
helpers.losses.dice_loss, so the chapter cannot teach one loss and train with another."""

import numpy as np

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
