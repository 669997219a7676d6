"""One pass over the images: predict each once, score it, keep what the report draws."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.conventions import THRESHOLD
from helpers.errors import EvaluationError
from helpers.inference import predict_proba, to_mask

from ._scores import FATE_COLUMNS, _curve_frame, _object_scores, _pixel_scores, _sweep, _sweep_frame


@dataclass(frozen=True)
class Evaluation:
    """What one pass over the images gives (:func:`evaluation_pass`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per image (index ``image``): the pixel scores, the per-class columns of a
        model of several classes, and the object columns when asked.
    confusion : ndarray of int64, shape (C, C)
        Pixels of every image added up, rows the true class and columns the predicted one
        (C = 2 for a model with one sigmoid channel).
    class_names : tuple of str
        The C class names, background first.
    num_classes : int
        The model's output channels: 1 (one sigmoid channel, binary masks) or C.
    threshold : float
        The probability threshold the masks were made with (one sigmoid channel).
    sweep : pandas.DataFrame or None
        With ``sweep=True`` and one sigmoid channel: index ``threshold``
        (:data:`SWEEP_THRESHOLDS`), columns ``iou`` and ``dice``, each the mean over the
        images of the per-image score at that threshold.
    true_objects : pandas.DataFrame or None
        With ``objects=True``: one row per true object, columns ``image``, ``area_px`` and
        ``found`` (a predicted object overlaps it with IoU >= 0.5).
    object_thresholds : pandas.DataFrame or None
        With ``objects=True``: index ``threshold`` (0.5, 0.55, ..., 0.95), columns
        ``object_f1`` and ``ap``, each the mean over the images.
    images, truths, predictions : ndarray or None
        With ``keep=True``: every image as uint8 (N, H, W, C), its true and its predicted
        labels as uint8 (N, H, W), in the order of ``table``.
    """

    table: pd.DataFrame
    confusion: np.ndarray
    class_names: tuple[str, ...]
    num_classes: int
    threshold: float
    sweep: pd.DataFrame | None = None
    true_objects: pd.DataFrame | None = None
    object_thresholds: pd.DataFrame | None = None
    images: np.ndarray | None = None
    truths: np.ndarray | None = None
    predictions: np.ndarray | None = None

    def confusion_table(self) -> pd.DataFrame:
        """:attr:`confusion` with the class names: index ``true`` (the true class), one
        column per predicted class; what ``evaluate`` writes to ``<out stem>_confusion.csv``."""
        names = list(self.class_names)
        return pd.DataFrame(
            self.confusion, index=pd.Index(names, name="true"), columns=pd.Index(names)
        )


def probabilities(model, images: np.ndarray) -> np.ndarray:
    """Probabilities of one batch of images: the prediction step of every evaluation pass.

    Parameters
    ----------
    model : keras.Model
    images : ndarray of float32, shape (N, H, W, C)
        Normalised as for training.

    Returns
    -------
    ndarray of float32, shape (N, H, W, K)
        :func:`helpers.inference.predict_proba` in one forward pass. A run that predicts
        otherwise (tiled, at another size) gives :func:`evaluation_pass` its own
        ``predict=`` function.

    Raises
    ------
    InferenceError
        For images the model cannot take.
    """
    return predict_proba(model, images, batch_size=max(1, len(images)))


def _batches(images, masks, batch_size: int):
    """(images, masks) batches from arrays or from a tf.data dataset of (x, y[, w])."""
    if masks is None:
        if not hasattr(images, "as_numpy_iterator"):
            raise EvaluationError(
                "Give the masks: evaluate(model, images, masks), or a tf.data dataset of "
                "(image, mask) batches."
            )
        for element in images.as_numpy_iterator():
            if not isinstance(element, tuple) or len(element) < 2:
                raise EvaluationError("The dataset must yield (images, masks) batches.")
            yield np.asarray(element[0]), np.asarray(element[1])
        return
    images, masks = np.asarray(images), np.asarray(masks)
    if images.ndim != 4:
        raise EvaluationError(f"images must have shape (N, H, W, C), got {images.shape}.")
    if masks.ndim == 3:
        masks = masks[..., None]
    if len(images) != len(masks) or images.shape[1:3] != masks.shape[1:3]:
        raise EvaluationError(
            f"{len(images)} images of {images.shape[1:3]} and {len(masks)} masks of "
            f"{masks.shape[1:3]}: give one mask of the same size per image."
        )
    for start in range(0, len(images), batch_size):
        yield images[start : start + batch_size], masks[start : start + batch_size]


def _display(images: np.ndarray) -> np.ndarray:
    """Normalised float images as uint8 (what the report draws)."""
    return np.clip(np.rint(np.asarray(images, np.float32) * 255), 0, 255).astype(np.uint8)


def evaluation_pass(
    model,
    images,
    masks=None,
    *,
    batch_size: int = 16,
    threshold: float = THRESHOLD,
    names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    hd95: bool = False,
    objects: bool = False,
    sweep: bool = False,
    keep: bool = False,
    progress: bool = False,
    predict: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Evaluation:
    """Predict every image once and score it: pixel scores, and object scores if asked.

    Parameters
    ----------
    model : keras.Model
        A segmentation model (sigmoid output: binary; softmax: classes).
    images : ndarray of float32, shape (N, H, W, C), or tf.data.Dataset
        Normalised images; or a dataset of ``(images, masks)`` batches (then ``masks``
        is ``None``), e.g. :func:`helpers.datasets.from_files` without shuffling.
    masks : ndarray of int, shape (N, H, W, 1) or (N, H, W)
        Ground-truth labels (0/1, or class indices).
    batch_size : int
        Images per forward pass (arrays only; a dataset brings its own batches).
    threshold : float
        Foreground where the probability is at least this (one sigmoid channel).
    names : sequence of str, optional
        One name per image for the table's index (e.g. file stems).
    class_names : sequence of str, optional
        One name per class, background first (:func:`class_names`): a model of several
        classes gets the columns ``iou_<name>``, ``dice_<name>``, ``precision_<name>`` and
        ``recall_<name>`` for each foreground class. Default: the class numbers.
    hd95 : bool
        Add the 95th percentile Hausdorff distance of the foreground (slower).
    objects : bool
        Add the object columns ``n_true``, ``n_pred``, ``tp``, ``fp``, ``fn``,
        ``object_f1`` and ``ap`` at IoU 0.5, ``mean_ap`` over 0.5..0.95, ``splits`` and
        ``merges`` (:func:`helpers.objects.object_scores`), and fill ``true_objects`` and
        ``object_thresholds``. One sigmoid channel only.
    sweep : bool
        Fill ``sweep``: IoU and Dice at every threshold of :data:`SWEEP_THRESHOLDS` (one
        sigmoid channel; ignored for several classes, which take the most likely class).
    keep : bool
        Keep the images, true and predicted labels (all in memory: for a test set).
    progress : bool
        Show a progress bar over the batches.
    predict : callable, optional
        ``predict(images) -> probabilities`` for one batch; default :func:`probabilities`.

    Returns
    -------
    Evaluation

    Raises
    ------
    EvaluationError
        When there are no images, ``names`` does not give one name per image,
        ``class_names`` not one name per class, or ``objects`` is asked of a model of
        several classes.
    """
    from helpers import metrics

    classes = model.outputs[0].shape[-1]
    count = max(2, classes)
    labels = list(class_names) if class_names is not None else [str(k) for k in range(count)]
    if len(labels) != count:
        raise EvaluationError(
            f"{len(labels)} class names for a model of {count} classes: give one name per "
            "class, background first (evaluation.class_names reads classes.json)."
        )
    if objects and classes != 1:
        raise EvaluationError(
            "Object columns count objects of one foreground class: this model predicts "
            f"{classes} classes."
        )
    predict = predict or (lambda x: probabilities(model, x))
    tables, curves, fates, sweeps, kept = [], [], [], [], ([], [], [])
    confusion, seen = np.zeros((count, count), np.int64), 0
    batches = _batches(images, masks, batch_size)
    if progress:
        from tqdm.auto import tqdm

        total = None if masks is None else -(-len(images) // batch_size)
        batches = tqdm(batches, total=total, unit="batch", desc="evaluating")
    for x, y in batches:
        probs = predict(x)  # the one prediction of each image
        predicted = to_mask(probs, threshold=threshold)[..., 0]
        if y.ndim == 4 and y.shape[-1] > 1:  # one-hot masks from a dataset
            y = np.argmax(y, axis=-1)
        truths = np.rint(y).astype(np.uint8).reshape(predicted.shape)
        part = (
            list(range(seen, seen + len(x))) if names is None else list(names[seen : seen + len(x)])
        )
        if len(part) != len(x):
            raise EvaluationError(
                f"{len(names)} names for more images than that: one name per image."
            )
        table = _pixel_scores(
            truths, predicted, part, num_classes=classes, labels=labels, hd95=hd95
        )
        if objects:
            columns, curve, fate = _object_scores(truths, predicted, part)
            table, curves, fates = table.join(columns), [*curves, curve], fates + fate
        if sweep and classes == 1:
            sweeps.append(_sweep(truths, probs[..., 0]))
        if keep:
            for store, array in zip(kept, (_display(x), truths, predicted), strict=True):
                store.append(array)
        confusion += metrics.confusion_matrix(truths, predicted, num_classes=count, pooled=True)
        tables.append(table)
        seen += len(x)
    if not tables:
        raise EvaluationError("No images to evaluate.")
    if names is not None and len(names) != seen:
        raise EvaluationError(f"{len(names)} names for {seen} images: give one name per image.")
    table = pd.concat(tables)
    if names is None:
        table.index = pd.RangeIndex(seen, name="image")
    return Evaluation(
        table=table,
        confusion=confusion,
        class_names=tuple(labels),
        num_classes=classes,
        threshold=float(threshold),
        sweep=_sweep_frame(sweeps),
        true_objects=pd.DataFrame(fates, columns=list(FATE_COLUMNS)) if objects else None,
        object_thresholds=_curve_frame(curves) if objects else None,
        images=np.concatenate(kept[0]) if keep else None,
        truths=np.concatenate(kept[1]) if keep else None,
        predictions=np.concatenate(kept[2]) if keep else None,
    )


def evaluate(
    model,
    images,
    masks=None,
    *,
    batch_size: int = 16,
    threshold: float = THRESHOLD,
    names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    hd95: bool = False,
    objects: bool = False,
    progress: bool = False,
    predict: Callable[[np.ndarray], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Per-image scores of ``model`` on test images: the ``table`` of :func:`evaluation_pass`.

    Parameters
    ----------
    model, images, masks, batch_size, threshold, names, class_names, hd95, objects, progress, \
predict
        As for :func:`evaluation_pass`.

    Returns
    -------
    pandas.DataFrame
        Index ``image``; columns ``iou``, ``dice``, ``precision``, ``recall``, ``f1``,
        ``accuracy`` (and ``hd95``), as :func:`helpers.metrics.per_image_table` (for
        several classes: means over the foreground classes, then ``iou_<class>``,
        ``dice_<class>``, ``precision_<class>``, ``recall_<class>``); with ``objects``, the
        object columns after them.

    Raises
    ------
    EvaluationError
        As :func:`evaluation_pass`.
    """
    return evaluation_pass(
        model,
        images,
        masks,
        batch_size=batch_size,
        threshold=threshold,
        names=names,
        class_names=class_names,
        hd95=hd95,
        objects=objects,
        progress=progress,
        predict=predict,
    ).table
