"""Evaluation: a model and test images in, one row of metrics per image out.

:func:`evaluate` predicts in batches and scores every image with
:func:`helpers.metrics.per_image_table` (foreground IoU, Dice, precision, recall, F1,
pixel accuracy). Batching is what makes it fast: the learning module called
``model.predict`` and built a new ``MeanIoU`` for every image, and paid Keras's per-call
set-up each time (``benchmarks/eval_speed.py`` measures the difference).

:func:`add_object_columns` adds object counts and object-level scores to such a table
(``python -m helpers evaluate --objects``).

Report the mean of the table (:func:`helpers.metrics.summary`) with every image in it:
dropping images with a perfect score (the module's ``df[df.IoU != 1.0]``) biases the mean downwards.

Example
-------
(Not run by ``--doctest-modules``: it needs a trained model; ``tests/test_evaluation.py``
runs the same calls on a small one.)

>>> from helpers import evaluation, metrics                   # doctest: +SKIP
>>> table = evaluation.evaluate(model, test_images, test_masks, names=stems)  # doctest: +SKIP
>>> metrics.summary(table).loc["iou", "mean"]                 # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.conventions import THRESHOLD
from helpers.errors import EvaluationError
from helpers.inference import predict_proba, to_mask

__all__ = [
    "add_object_columns",
    "evaluate",
]


def _table(model_classes: int, masks, predicted, names, *, hd95: bool) -> pd.DataFrame:
    from helpers.metrics import per_image_table

    num_classes = None if model_classes == 1 else model_classes
    return per_image_table(masks, predicted, names, hd95=hd95, num_classes=num_classes)


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


def evaluate(
    model,
    images,
    masks=None,
    *,
    batch_size: int = 16,
    threshold: float = THRESHOLD,
    names: Sequence[str] | None = None,
    hd95: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Per-image metrics of ``model`` on test images, from batched prediction.

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
    hd95 : bool
        Add the 95th percentile Hausdorff distance (slower).
    progress : bool
        Show a progress bar over the batches.

    Returns
    -------
    pandas.DataFrame
        Index ``image``; columns ``iou``, ``dice``, ``precision``, ``recall``, ``f1``,
        ``accuracy`` (and ``hd95``), as :func:`helpers.metrics.per_image_table`.

    Raises
    ------
    EvaluationError
        When there are no images, or ``names`` does not give one name per image.
    """
    classes = model.outputs[0].shape[-1]
    tables, seen = [], 0
    batches = _batches(images, masks, batch_size)
    if progress:
        from tqdm.auto import tqdm

        total = None if masks is None else -(-len(images) // batch_size)
        batches = tqdm(batches, total=total, unit="batch", desc="evaluating")
    for x, y in batches:
        predicted = to_mask(predict_proba(model, x, batch_size=len(x)), threshold=threshold)
        if y.ndim == 4 and y.shape[-1] > 1:  # one-hot masks from a dataset
            y = np.argmax(y, axis=-1)
        part = None if names is None else list(names[seen : seen + len(x)])
        if part is not None and len(part) != len(x):
            raise EvaluationError(
                f"{len(names)} names for more images than that: one name per image."
            )
        tables.append(_table(classes, np.rint(y).astype(np.uint8), predicted, part, hd95=hd95))
        seen += len(x)
    if not tables:
        raise EvaluationError("No images to evaluate.")
    if names is not None and len(names) != seen:
        raise EvaluationError(f"{len(names)} names for {seen} images: give one name per image.")
    table = pd.concat(tables)
    if names is None:
        table.index = pd.RangeIndex(seen, name="image")
    return table


def add_object_columns(table, model, dataset, *, threshold: float = THRESHOLD):
    """``table`` (one row per image, in the dataset's order) with object-level columns.

    Predicts the dataset again, labels the true and predicted masks
    (:func:`helpers.objects.label_objects`) and joins
    :func:`helpers.objects.object_scores`: ``n_true``, ``n_pred``, ``tp``, ``fp``,
    ``fn``, ``object_f1`` and ``ap`` at IoU 0.5, ``mean_ap`` over 0.5..0.95, ``splits``
    and ``merges``. Prints one summary line.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per image of ``dataset``, e.g. from :func:`evaluate`.
    model : keras.Model
        A model with one sigmoid channel.
    dataset : tf.data.Dataset
        ``(images, masks)`` batches, in the order of ``table``'s rows (not shuffled).
    threshold : float
        Foreground where the probability is at least this.

    Returns
    -------
    pandas.DataFrame
        ``table`` joined with the object columns.

    Raises
    ------
    EvaluationError
        For a model with several classes (objects are counted for one foreground class).
    """
    from helpers.objects import label_objects, object_scores

    if model.outputs[0].shape[-1] != 1:
        raise EvaluationError(
            "Object columns count objects of one foreground class: this model predicts "
            f"{model.outputs[0].shape[-1]} classes."
        )
    truths, predictions = [], []
    for element in dataset.as_numpy_iterator():
        x, y = np.asarray(element[0]), np.asarray(element[1])
        predicted = to_mask(predict_proba(model, x, batch_size=len(x)), threshold=threshold)
        truths += [label_objects(np.rint(mask[..., 0]).astype(np.uint8)) for mask in y]
        predictions += [label_objects(mask[..., 0]) for mask in predicted]
    scores = object_scores(truths, predictions, names=list(table.index))
    totals = scores[["n_true", "n_pred", "tp", "splits", "merges"]].sum()
    print(
        f"Objects: {totals['n_true']} true, {totals['n_pred']} predicted, {totals['tp']} matched "
        "at "
        f"IoU 0.5; mean AP 0.5:0.95 {scores['mean_ap'].mean():.4f}; {totals['splits']} split, "
        f"{totals['merges']} merged."
    )
    return table.join(scores)
