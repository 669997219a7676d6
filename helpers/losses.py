"""Segmentation losses: Dice, BCE + Dice, Jaccard (soft IoU).

Why not plain binary cross-entropy? When the foreground is a small part of every image
(organelles, membranes, lesions), predicting "background everywhere" already gives a low
cross-entropy, and a small network trained for a few epochs stays there (the learning
module's network did: foreground IoU 0.0). Dice and Jaccard measure the overlap with the
foreground itself, so an empty prediction costs the full loss.

Every loss is a plain function ``loss(y_true, y_pred) -> (batch,)`` registered with
Keras under the package name ``"helpers"``, so a model compiled with one saves to
``.keras`` and loads again with ``keras.models.load_model(path)`` (``safe_mode=True``,
no ``custom_objects``), once ``helpers.losses`` has been imported.

The two training metrics :func:`dice_coef` and :func:`iou_coef` live here too, for the
same reason: they are Keras objects that a saved model names, registered when this
module is imported. :mod:`helpers.metrics` (the NumPy scores used for evaluation) does
not import Keras, so chapters that only score masks never load TensorFlow.

Shapes: ``y_pred`` is ``(batch, H, W, K)`` probabilities (sigmoid for ``K = 1``, softmax
otherwise); ``y_true`` is ``(batch, H, W, 1)`` with 0/1 for ``K = 1``, or class indices
``0..K-1`` for ``K > 1`` (one-hot ``(batch, H, W, K)`` is accepted too).

Example
-------
>>> import numpy as np
>>> from helpers.losses import dice_loss
>>> mask = np.zeros((1, 8, 8, 1), "float32"); mask[0, 2:6, 2:6] = 1
>>> float(dice_loss(mask, mask)[0]) < 1e-6
True
"""

from __future__ import annotations

import keras
from keras import ops

from helpers.conventions import THRESHOLD

__all__ = [
    "SMOOTH",
    "dice_loss",
    "jaccard_loss",
    "bce_dice_loss",
    "LOSSES",
    "get_loss",
    "dice_coef",
    "iou_coef",
]

#: Added to numerator and denominator: an empty mask predicted empty scores 1, not 0/0.
SMOOTH = 1.0


def _prepare(y_true, y_pred):
    """``y_true`` as float one-hot (or 0/1) with the shape of ``y_pred``."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    classes = y_pred.shape[-1]
    if classes is not None and classes > 1 and y_true.shape[-1] != classes:
        y_true = ops.one_hot(ops.cast(ops.squeeze(y_true, axis=-1), "int32"), classes)
    return ops.cast(y_true, y_pred.dtype), y_pred


def _overlap(y_true, y_pred):
    """Per image and class: intersection and the sum of both areas, shape (batch, K)."""
    axes = (1, 2)
    intersection = ops.sum(y_true * y_pred, axis=axes)
    total = ops.sum(y_true, axis=axes) + ops.sum(y_pred, axis=axes)
    return intersection, total


@keras.saving.register_keras_serializable(package="helpers")
def dice_loss(y_true, y_pred):
    """``1 - soft Dice`` per image, averaged over classes; shape (batch,)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    intersection, total = _overlap(y_true, y_pred)
    dice = (2.0 * intersection + SMOOTH) / (total + SMOOTH)
    return 1.0 - ops.mean(dice, axis=-1)


@keras.saving.register_keras_serializable(package="helpers")
def jaccard_loss(y_true, y_pred):
    """``1 - soft IoU`` (Jaccard) per image, averaged over classes; shape (batch,)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    intersection, total = _overlap(y_true, y_pred)
    iou = (intersection + SMOOTH) / (total - intersection + SMOOTH)
    return 1.0 - ops.mean(iou, axis=-1)


def _cross_entropy(y_true, y_pred):
    """Pixel-mean (binary or categorical) cross-entropy per image; shape (batch,)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    if y_pred.shape[-1] == 1:
        pixel = keras.losses.binary_crossentropy(y_true, y_pred)  # (batch, H, W)
    else:
        pixel = keras.losses.categorical_crossentropy(y_true, y_pred)
    return ops.mean(pixel, axis=(1, 2))


@keras.saving.register_keras_serializable(package="helpers")
def bce_dice_loss(y_true, y_pred):
    """Cross-entropy (binary or categorical) plus :func:`dice_loss`; shape (batch,).

    Cross-entropy gives smooth, per-pixel gradients from the first step; Dice keeps the
    small foreground from being outvoted by the background.
    """
    return _cross_entropy(y_true, y_pred) + dice_loss(y_true, y_pred)


#: Names the training code and the CLI accept, and the loss each stands for.
LOSSES = {
    "bce": "binary_crossentropy",
    "dice": dice_loss,
    "bce_dice": bce_dice_loss,
    "jaccard": jaccard_loss,
}


def get_loss(name_or_loss):
    """A loss from its name in :data:`LOSSES` (or the loss itself, passed through).

    Raises
    ------
    ConfigError
        For a name that is not in :data:`LOSSES`.
    """
    if callable(name_or_loss) or not isinstance(name_or_loss, str):
        return name_or_loss
    if name_or_loss in LOSSES:
        return LOSSES[name_or_loss]
    from helpers.errors import ConfigError

    raise ConfigError(f"Unknown loss {name_or_loss!r}; choose one of {sorted(LOSSES)}.")


# --------------------------------------------------------------------------------------
# Keras training metrics (registered at import so that saved models load in safe mode)
# --------------------------------------------------------------------------------------


def _hard_masks(y_true, y_pred):
    t = ops.cast(ops.greater_equal(ops.cast(y_true, "float32"), THRESHOLD), "float32")
    p = ops.cast(ops.greater_equal(ops.cast(y_pred, "float32"), THRESHOLD), "float32")
    axes = tuple(range(1, len(t.shape)))
    inter = ops.sum(t * p, axis=axes)
    return inter, ops.sum(t, axis=axes), ops.sum(p, axis=axes)


@keras.saving.register_keras_serializable(package="helpers")
def dice_coef(y_true, y_pred):
    """Dice of thresholded masks, mean over the images of a batch (Keras training metric).

    ``y_true`` and ``y_pred`` are ``(B, H, W, 1)`` (or ``(B, H, W)``); both are turned to
    masks with ``>= 0.5`` (:data:`helpers.conventions.THRESHOLD`, the course's one
    foreground rule; the prediction is a sigmoid probability; a hard metric, so the
    curve shows the Dice the evaluation will report, not a soft surrogate). Each image
    is scored as :func:`helpers.metrics.dice` with ``empty=1.0`` (an image where both
    masks are empty scores 1), and the batch's mean is returned as a scalar. Keras then
    averages the batch values over the epoch, which is the mean per-image Dice when all
    batches are full. History keys: ``dice_coef`` and ``val_dice_coef``.
    """
    inter, true_sum, pred_sum = _hard_masks(y_true, y_pred)
    total = true_sum + pred_sum
    score = ops.where(total > 0, 2.0 * inter / ops.maximum(total, 1.0), 1.0)
    return ops.mean(score)


@keras.saving.register_keras_serializable(package="helpers")
def iou_coef(y_true, y_pred):
    """IoU of thresholded masks, mean over the images of a batch (Keras training metric).

    The same conventions as :func:`dice_coef` (threshold 0.5, empty images score 1,
    scalar batch mean); history keys ``iou_coef`` and ``val_iou_coef``.
    """
    inter, true_sum, pred_sum = _hard_masks(y_true, y_pred)
    union = true_sum + pred_sum - inter
    score = ops.where(union > 0, inter / ops.maximum(union, 1.0), 1.0)
    return ops.mean(score)
