"""Segmentation losses: Dice, BCE + Dice, Jaccard (soft IoU), and :class:`ClassLoss` for
several classes (class weights, an ignore label).

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

Several classes with a rare one: :class:`ClassLoss`, categorical cross-entropy with a
weight per class (:func:`helpers.classes.class_weights`) and an ignore label, plus a soft
Dice over the foreground classes pooled over the batch (a class absent from one image
is not pushed to zero there). It is a class with its settings in its Keras config, so a
model compiled with it saves and reloads in safe mode like the functions.

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
    "ClassLoss",
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


@keras.saving.register_keras_serializable(package="helpers")
class ClassLoss(keras.losses.Loss):
    """Several classes: weighted categorical cross-entropy plus a soft Dice over the
    foreground classes; shape (batch,) before Keras averages it.

    Per image, the cross-entropy is ``sum(w[label] * CE) / (pixels not ignored)``, ``CE``
    being Keras's :func:`keras.losses.categorical_crossentropy` of each pixel and ``w``
    the ``class_weights`` (all 1 without them); pixels labelled ``ignore`` weigh 0. The
    Dice term is ``1 - mean over classes 1..K-1 of (2 I_k + 1) / (T_k + P_k + 1)``, with
    ``I_k``, ``T_k`` and ``P_k`` the soft intersection and areas of class ``k`` summed
    over the whole batch (ignored pixels left out); it is the same for every image of
    the batch. The background is left out of the Dice: with a small foreground it is
    near 1 whatever the network does.

    Parameters
    ----------
    class_weights : sequence of float, optional
        One weight per class, background first (:func:`helpers.classes.class_weights`).
    dice : bool
        Add the Dice term (False: the cross-entropy alone).
    ignore : int, optional
        The ignore label of the masks (``"ignore": 255`` in ``classes.json``).
    name : str

    ``y_true`` is ``(batch, H, W, 1)`` class indices (or one-hot ``(batch, H, W, K)``, where
    an all-zero pixel is ignored); ``y_pred`` softmax probabilities ``(batch, H, W, K)``.
    """

    def __init__(
        self,
        class_weights=None,
        *,
        dice: bool = True,
        ignore: int | None = None,
        name: str = "class_loss",
        reduction: str = "sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.class_weights = None if class_weights is None else [float(w) for w in class_weights]
        self.dice = bool(dice)
        self.ignore = None if ignore is None else int(ignore)

    def _one_hot(self, y_true, classes: int):
        """One-hot float32 ``(batch, H, W, K)`` and the pixels that count ``(batch, H, W)``."""
        if y_true.shape[-1] == classes and classes > 1:
            one_hot = ops.cast(y_true, "float32")
            return one_hot, ops.cast(ops.sum(one_hot, axis=-1) > 0, "float32")
        labels = ops.cast(ops.squeeze(y_true, axis=-1), "int32")
        if self.ignore is None:
            return ops.one_hot(labels, classes), ops.ones(ops.shape(labels), "float32")
        valid = ops.not_equal(labels, self.ignore)
        one_hot = ops.one_hot(ops.where(valid, labels, 0), classes)
        valid = ops.cast(valid, "float32")
        return one_hot * valid[..., None], valid

    def call(self, y_true, y_pred):
        y_pred = ops.cast(ops.convert_to_tensor(y_pred), "float32")
        classes = y_pred.shape[-1]
        one_hot, valid = self._one_hot(ops.convert_to_tensor(y_true), classes)
        pixel = keras.losses.categorical_crossentropy(one_hot, y_pred)  # (batch, H, W)
        if self.class_weights is None:
            weight = valid
        else:
            weight = ops.sum(one_hot * ops.convert_to_tensor(self.class_weights, "float32"), -1)
        counted = ops.maximum(ops.sum(valid, axis=(1, 2)), 1.0)
        loss = ops.sum(weight * pixel, axis=(1, 2)) / counted
        if not self.dice:
            return loss
        inside = y_pred * valid[..., None]
        intersection = ops.sum(one_hot * inside, axis=(0, 1, 2))[1:]
        total = ops.sum(one_hot, axis=(0, 1, 2))[1:] + ops.sum(inside, axis=(0, 1, 2))[1:]
        dice = (2.0 * intersection + SMOOTH) / (total + SMOOTH)
        return loss + (1.0 - ops.mean(dice))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_weights": self.class_weights,
            "dice": self.dice,
            "ignore": self.ignore,
        }


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
