"""Pictures of images, masks, predictions and training curves.

Every ``plot_*`` function draws with Matplotlib and returns the
:class:`~matplotlib.figure.Figure`, so that a notebook can show it and a script or a test
can save it; none calls ``plt.show()``. :func:`overlay` returns an RGB array instead. In a
notebook, assign the result (``fig = plots.plot_samples(...)``) or end the line with ``;``
so that Jupyter shows the figure once.

Inputs are the arrays the rest of ``helpers`` produces:

- images: float in [0, 1], or uint8 / uint16, shape (H, W), (H, W, 1) or (H, W, 3)
  (an alpha channel is dropped), scaled by :func:`helpers.conventions.float_image`
  (the rule training and prediction use);
- masks: bool or 0/1 labels (0/255 is 0/1, :func:`helpers.conventions.mask_labels`),
  shape (H, W) or (H, W, 1);
- predictions: masks as above, or probabilities (float in [0, 1]), which are turned
  into masks at ``threshold`` (``p >= threshold``, the rule of
  :func:`helpers.metrics.binarize`);
- batches: an array of shape (N, H, W[, C]) or a list of such images (sizes may differ).

Example
-------
>>> import numpy as np
>>> image = np.zeros((4, 4), dtype=np.float32)
>>> mask = np.eye(4, dtype=bool)
>>> overlay(image, mask).shape
(4, 4, 3)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from helpers.conventions import float_image, mask_labels
from helpers.errors import PlotInputError

__all__ = [
    "overlay",
    "plot_samples",
    "plot_history",
    "plot_history_combined",
    "plot_predictions",
    "plot_results",
    "plot_confusion_matrix",
    "plot_thresholds",
    "plot_unet",
]

PREDICTION_COLOR = (1.0, 0.2, 0.2)  # red tint: the prediction
TRUTH_COLOR = (
    0.0,
    0.9,
    1.0,
)  # cyan outline: the ground truth (red/cyan reads for colour-blind eyes too)
OVERLAY_TITLE = "prediction (red) over image\nground truth outline (cyan)"

#: Readable names of the metrics Keras writes into a history.
METRIC_LABELS = {
    "loss": "loss",
    "accuracy": "pixel accuracy",
    "binary_accuracy": "pixel accuracy",
    "dice_coef": "Dice",
    "dice": "Dice",
    "iou_coef": "IoU",
    "iou": "IoU",
    "jaccard": "IoU",
    "precision": "precision",
    "recall": "recall",
}
_NOT_METRICS = {"epoch", "lr", "learning_rate"}


# --------------------------------------------------------------------------------------
# Turning inputs into something to draw
# --------------------------------------------------------------------------------------


def _display_image(image: Any, *, what: str = "image") -> np.ndarray:
    """float32 in [0, 1], shape (H, W) for grey or (H, W, 3) for colour."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] in (1, 3, 4):
        array = array[..., 0] if array.shape[-1] == 1 else array[..., :3]
    if array.ndim not in (2, 3):
        raise PlotInputError(
            f"The {what} has shape {array.shape}; expected (H, W), (H, W, 1) or (H, W, 3). "
            "To draw one image of a batch, pass images[i]."
        )
    return float_image(array, what=f"The {what}", error=PlotInputError)  # io's rule


def _mask(mask: Any, *, what: str = "mask", threshold: float = 0.5) -> np.ndarray:
    """bool (H, W): probabilities by :func:`helpers.metrics.binarize`, labels by
    :func:`helpers.conventions.mask_labels` (0/255 is 0/1), one class only."""
    array = np.asarray(mask)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2:
        raise PlotInputError(
            f"The {what} has shape {array.shape}; expected (H, W) or (H, W, 1). "
            "For one mask of a batch, pass masks[i]."
        )
    if array.dtype == bool:
        return array
    if (
        array.dtype.kind == "f"
        and array.size
        and np.isfinite(array).all()
        and array.min() >= 0
        and array.max() <= 1
        and not np.isin(array, (0, 1)).all()
    ):
        from helpers.metrics import binarize  # the one threshold rule (p >= threshold)

        return binarize(array, threshold)  # probabilities
    labels = mask_labels(array, what=f"The {what}", error=PlotInputError)  # 0/255 gives 0/1
    if labels.size and labels.max() > 1:
        raise PlotInputError(
            f"The {what} holds the labels {np.unique(labels)[:6].tolist()}...; expected 0/1 "
            "(or 0/255). For one class of a class-index mask, pass (mask == k)."
        )
    return labels.astype(bool)


def _is_probability_map(array: Any) -> bool:
    array = np.asarray(array)
    return np.issubdtype(array.dtype, np.floating) and not np.isin(array, (0, 1)).all()


def _as_list(batch: Any, *, what: str) -> list[np.ndarray]:
    """A batch as a list of single arrays: an array (N, H, W[, C]) or a sequence."""
    if isinstance(batch, np.ndarray):
        if batch.ndim not in (3, 4):
            raise PlotInputError(
                f"The {what} have shape {batch.shape}; expected a batch (N, H, W) or "
                "(N, H, W, C), or a list of images. For a single image, wrap it: [image]."
            )
        return list(batch)
    return [np.asarray(item) for item in batch]


def _check_lengths(n: int, other: Sequence | None, *, what: str) -> None:
    if other is not None and len(other) != n:
        raise PlotInputError(f"Got {n} images but {len(other)} {what}: give one per image.")


def overlay(
    image: Any,
    mask: Any,
    *,
    color: tuple[float, float, float] = PREDICTION_COLOR,
    alpha: float = 0.45,
) -> np.ndarray:
    """The image in colour with the mask's pixels tinted.

    Parameters
    ----------
    image : array_like, shape (H, W), (H, W, 1) or (H, W, 3)
        float in [0, 1], or uint8. A grey image is repeated into three channels.
    mask : array_like of bool or {0, 1}, shape (H, W) or (H, W, 1)
        Pixels to tint. Probabilities are binarized at 0.5.
    color : tuple of three floats in [0, 1]
        The tint (RGB).
    alpha : float in [0, 1]
        How much of the tint replaces the pixel: 0 leaves the image as it is, 1 paints
        the mask in ``color``.

    Returns
    -------
    ndarray of float32, shape (H, W, 3), values in [0, 1]
        Outside the mask the pixels equal the image's; inside they are
        ``(1 - alpha) * pixel + alpha * color``.

    Notes
    -----
    ``skimage.color.label2rgb(kind="overlay")`` turns colour images grey before it
    tints them, which would lose the colour of the MRI-like slices; the blend here is
    two lines and keeps it.

    Raises
    ------
    PlotInputError
        When the mask's size differs from the image's, or ``alpha`` is outside [0, 1].
    """
    picture = _display_image(image)
    truth = _mask(mask)
    if picture.shape[:2] != truth.shape:
        raise PlotInputError(
            f"The image is {picture.shape[:2]} pixels but the mask is {truth.shape}: "
            "resize the mask with nearest-neighbour interpolation to the image's size first."
        )
    if not 0.0 <= alpha <= 1.0:
        raise PlotInputError(f"alpha={alpha} is outside [0, 1].")
    rgb = np.repeat(picture[..., None], 3, axis=2) if picture.ndim == 2 else picture.copy()
    tint = np.asarray(color, dtype=np.float32).reshape(3)
    rgb[truth] = (1.0 - alpha) * rgb[truth] + alpha * tint
    return rgb.astype(np.float32)


# --------------------------------------------------------------------------------------
# Drawing on axes (shared with helpers.widgets)
# --------------------------------------------------------------------------------------


def _bare(ax: Axes) -> None:
    """Pixel axes carry no meaning: no ticks, but keep room for a row label."""
    ax.set_xticks([])
    ax.set_yticks([])


def _draw_image(ax: Axes, image: Any, title: str | None = None) -> None:
    picture = _display_image(image)
    if picture.ndim == 2:
        ax.imshow(picture, cmap="gray", vmin=0.0, vmax=1.0)
    else:
        ax.imshow(picture)
    _bare(ax)
    if title:
        ax.set_title(title)


def _draw_mask(ax: Axes, mask: Any, title: str | None = None, *, threshold: float = 0.5) -> None:
    ax.imshow(
        _mask(mask, threshold=threshold), cmap="gray", vmin=0, vmax=1, interpolation="nearest"
    )
    _bare(ax)
    if title:
        ax.set_title(title)


def _draw_truth_outline(ax: Axes, truth: np.ndarray) -> None:
    # contour() warns when the mask is all one value: there is no outline to draw then.
    if truth.any() and not truth.all():
        ax.contour(truth.astype(np.float32), levels=[0.5], colors=[TRUTH_COLOR], linewidths=1.2)


def _draw_overlay(
    ax: Axes,
    image: Any,
    prediction: Any,
    truth: Any | None,
    *,
    threshold: float = 0.5,
    title: str | None = None,
) -> None:
    predicted = _mask(prediction, what="prediction", threshold=threshold)
    ax.imshow(overlay(image, predicted), interpolation="nearest")
    if truth is not None:
        _draw_truth_outline(ax, _mask(truth, what="ground truth"))
    _bare(ax)
    if title is None:
        title = OVERLAY_TITLE if truth is not None else "prediction (red) over image"
    if title:
        ax.set_title(title)


def _draw_prediction_row(
    axes: Sequence[Axes],
    image: Any,
    truth: Any | None,
    prediction: Any,
    *,
    label: str = "",
    threshold: float = 0.5,
) -> None:
    """image | ground truth | prediction | overlay on 4 axes (3 when truth is None)."""
    axes = list(axes)
    _draw_image(axes[0], image, label or "image")
    if truth is not None:
        _draw_mask(axes[1], truth, "ground truth")
        axes = axes[1:]
    probabilities = _is_probability_map(prediction)
    title = f"prediction (p ≥ {threshold:g})" if probabilities else "prediction"
    _draw_mask(axes[1], prediction, title, threshold=threshold)
    _draw_overlay(axes[2], image, prediction, truth, threshold=threshold)


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def plot_samples(
    images: Any,
    masks: Any | None = None,
    *,
    n: int = 4,
    names: Sequence[str] | None = None,
    seed: int | None = None,
) -> Figure:
    """A grid of a few images (top row), their masks and the masks over the images.

    Parameters
    ----------
    images : array (N, H, W[, C]) or list of images
    masks : array (N, H, W[, 1]) or list of masks, optional
        One per image; without masks only the image row is drawn.
    n : int
        How many samples (at most N). They are picked at random among the valid
        indices ``0 .. N-1`` without repeats, and shown in index order.
    names : sequence of str, optional
        One per image (file stems, say); the column titles. Default: ``#index``.
    seed : int, optional
        Seed of the pick, for the same samples every run.

    Returns
    -------
    matplotlib.figure.Figure
        Rows image / mask / overlay (or one row), one column per sample.

    Raises
    ------
    PlotInputError
        When there are no images, or ``n`` is below 1.
    """
    picture_list = _as_list(images, what="images")
    mask_list = None if masks is None else _as_list(masks, what="masks")
    count = len(picture_list)
    if count == 0:
        raise PlotInputError("There are no images to show.")
    _check_lengths(count, mask_list, what="masks")
    _check_lengths(count, names, what="names")
    if n < 1:
        raise PlotInputError(f"n={n}: ask for at least one sample.")
    rng = np.random.default_rng(seed)
    # choice() draws from range(count): every index is valid, unlike randint(0, len(X)).
    picks = np.sort(rng.choice(count, size=min(n, count), replace=False))
    rows = ["image"] if mask_list is None else ["image", "mask", "overlay"]
    fig, axes = plt.subplots(
        len(rows),
        len(picks),
        figsize=(2.8 * len(picks), 2.9 * len(rows)),
        squeeze=False,
        layout="constrained",
    )
    for column, index in enumerate(picks):
        label = names[index] if names is not None else f"#{index}"
        _draw_image(axes[0, column], picture_list[index], str(label))
        if mask_list is not None:
            _draw_mask(axes[1, column], mask_list[index])
            _draw_overlay(axes[2, column], picture_list[index], mask_list[index], None, title="")
    for row, name in enumerate(rows):
        axes[row, 0].set_ylabel(name)
    fig.suptitle(
        f"{len(picks)} of {count} samples"
        + ("" if mask_list is None else ": image, mask, mask over image")
    )
    return fig


def _history_frame(history: Any):
    """A pandas DataFrame from a DataFrame, a dict of lists, a Keras History or a CSV path."""
    import pandas as pd

    if isinstance(history, pd.DataFrame):
        return history.reset_index(drop=True)
    if isinstance(history, (str, os.PathLike)):
        return pd.read_csv(history)
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        return pd.DataFrame(dict(history.history))
    if isinstance(history, Mapping):
        return pd.DataFrame(dict(history))
    raise PlotInputError(
        f"Cannot read a training history from a {type(history).__name__}: pass the DataFrame "
        "that helpers.training returns, the history.csv path, or model.fit(...).history."
    )


def _metric_names(frame) -> list[str]:
    """Metrics in the history (train or validation column present), loss first."""
    names: list[str] = []
    for column in frame.columns:
        base = column[4:] if column.startswith("val_") else column
        if base not in _NOT_METRICS and base not in names:
            names.append(base)
    return sorted(names, key=lambda name: name != "loss")


def _epochs(frame) -> np.ndarray:
    # history.csv counts epochs from 0; people count from 1.
    if "epoch" in frame.columns:
        return frame["epoch"].to_numpy() + 1
    return np.arange(1, len(frame) + 1)


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def plot_history(history: Any, *, metrics: Sequence[str] | None = None) -> Figure:
    """Training and validation curves, one panel per metric.

    Parameters
    ----------
    history : pandas.DataFrame, dict of lists, keras History or path to history.csv
        Columns ``m`` (training) and ``val_m`` (validation) for each metric ``m``, and
        optionally ``epoch`` (counted from 0, as Keras' CSVLogger writes it).
    metrics : sequence of str, optional
        Metrics to draw, e.g. ``("loss", "accuracy", "dice_coef", "iou_coef")``.
        Default: every metric in the history, loss first. A metric that the history
        does not hold (the model was not compiled with it) is skipped and named in the
        figure's title instead of raising ``KeyError``; a metric without its
        ``val_`` column is drawn for training only.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per metric found; x is the epoch counted from 1.

    Raises
    ------
    PlotInputError
        When the history holds none of the metrics asked for.
    """
    frame = _history_frame(history)
    wanted = list(metrics) if metrics is not None else _metric_names(frame)
    present = [m for m in wanted if m in frame.columns or f"val_{m}" in frame.columns]
    missing = [m for m in wanted if m not in present]
    if not present:
        raise PlotInputError(
            f"The history holds none of {wanted}; its columns are {list(frame.columns)}. "
            "Ask for metrics the model was compiled with."
        )
    epochs = _epochs(frame)
    count = len(present)
    columns = 2 if count == 4 else min(count, 3)
    rows = -(-count // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(4.6 * columns, 3.6 * rows), squeeze=False, layout="constrained"
    )
    for ax, metric in zip(axes.flat, present, strict=False):
        curves = [(metric, "training", "-"), (f"val_{metric}", "validation", "--")]
        drawn = [label for column, label, style in curves if column in frame.columns]
        for column, label, style in curves:
            if column in frame.columns:
                ax.plot(
                    epochs,
                    frame[column].to_numpy(dtype=float),
                    style,
                    marker="o",
                    markersize=3,
                    label=label,
                )
        name = _label(metric)
        ax.set_title(f"{name}: " + (" vs ".join(drawn) if len(drawn) == 2 else f"{drawn[0]} only"))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    title = "Training history"
    if missing:
        title += f"\n(not in this history, so not drawn: {', '.join(missing)})"
    fig.suptitle(title)
    return fig


def plot_history_combined(history: Any) -> Figure:
    """Every training and validation curve of a history on one axes.

    Parameters
    ----------
    history : pandas.DataFrame, dict of lists, keras History or path to history.csv
        As for :func:`plot_history`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: solid lines for training, dashed for validation, one colour per metric.

    Raises
    ------
    PlotInputError
        When the history has no metric columns.
    """
    frame = _history_frame(history)
    names = _metric_names(frame)
    if not names:
        raise PlotInputError(f"The history has no metric columns: {list(frame.columns)}.")
    epochs = _epochs(frame)
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for index, metric in enumerate(names):
        color = f"C{index % 10}"
        for column, who, style in (
            (metric, "training", "-"),
            (f"val_{metric}", "validation", "--"),
        ):
            if column in frame.columns:
                ax.plot(
                    epochs,
                    frame[column].to_numpy(dtype=float),
                    style,
                    color=color,
                    label=f"{who} {_label(metric)}",
                )
    ax.set_title("Training and validation curves")
    ax.set_xlabel("epoch")
    ax.set_ylabel("value")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def _score_of(scores: Any, index: int, name: str) -> float | None:
    if scores is None:
        return None
    if isinstance(scores, Mapping):
        return scores.get(name)
    return scores[index]


def plot_predictions(
    images: Any,
    masks: Any | None,
    predictions: Any,
    *,
    names: Sequence[str] | None = None,
    scores: Sequence[float] | Mapping[str, float] | None = None,
    score_name: str = "IoU",
    n: int = 4,
    threshold: float = 0.5,
) -> Figure:
    """One row per image: image, ground truth, prediction, prediction over the image.

    Parameters
    ----------
    images : array (N, H, W[, C]) or list of images
    masks : array (N, H, W[, 1]) or list of masks, or None
        Ground truth; ``None`` (an image without annotation) drops that column.
    predictions : array (N, H, W[, 1]) or list
        Masks, or probabilities binarized at ``threshold``.
    names : sequence of str, optional
        One per image, shown in the row's first title.
    scores : sequence of float (one per image) or mapping name -> float, optional
        A per-image score shown with the name, e.g. the IoU from helpers.evaluation.
    score_name : str
        What the score is.
    n : int
        How many rows: the first ``n`` images (slice or reorder the inputs to choose).
    threshold : float
        Probability from which a pixel counts as foreground.

    Returns
    -------
    matplotlib.figure.Figure
        ``min(n, N)`` rows of 4 axes (3 without ground truth).

    Raises
    ------
    PlotInputError
        When there are no images.
    """
    picture_list = _as_list(images, what="images")
    truth_list = None if masks is None else _as_list(masks, what="masks")
    predicted_list = _as_list(predictions, what="predictions")
    count = len(picture_list)
    if count == 0:
        raise PlotInputError("There are no images to show.")
    _check_lengths(count, truth_list, what="masks")
    _check_lengths(count, predicted_list, what="predictions")
    _check_lengths(count, names, what="names")
    if scores is not None and not isinstance(scores, Mapping):
        _check_lengths(count, scores, what="scores")
    rows = min(max(n, 1), count)
    columns = 3 if truth_list is None else 4
    fig, axes = plt.subplots(
        rows, columns, figsize=(2.9 * columns, 3.0 * rows), squeeze=False, layout="constrained"
    )
    for row in range(rows):
        name = str(names[row]) if names is not None else f"#{row}"
        score = _score_of(scores, row, name)
        label = name if score is None else f"{name}\n{score_name} {score:.3f}"
        truth = None if truth_list is None else truth_list[row]
        _draw_prediction_row(
            axes[row],
            picture_list[row],
            truth,
            predicted_list[row],
            label=label,
            threshold=threshold,
        )
    fig.suptitle(f"Predictions on {rows} of {count} images")
    return fig


def plot_results(
    image: Any,
    truth: Any | None,
    prediction: Any,
    *,
    title: str | None = None,
    threshold: float = 0.5,
) -> Figure:
    """The 2x2 results figure of one image.

    Top left the image, top right the ground truth, bottom left the prediction over the
    image (with the ground truth's outline), bottom right the predicted mask.

    Parameters
    ----------
    image : array_like, shape (H, W[, C])
    truth : array_like of bool or {0, 1}, shape (H, W[, 1]), or None
        ``None`` for an image without annotation (its panel says so).
    prediction : array_like, shape (H, W[, 1])
        A mask, or probabilities binarized at ``threshold``.
    title : str, optional
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        Four axes, in reading order: image, ground truth, overlay, predicted mask.
    """
    fig, axes = plt.subplots(2, 2, figsize=(8, 8), layout="constrained")
    _draw_image(axes[0, 0], image, "image")
    if truth is None:
        axes[0, 1].text(0.5, 0.5, "no ground truth\nfor this image", ha="center", va="center")
        _bare(axes[0, 1])
        axes[0, 1].set_title("ground truth")
    else:
        _draw_mask(axes[0, 1], truth, "ground truth")
    _draw_overlay(axes[1, 0], image, prediction, truth, threshold=threshold)
    probabilities = _is_probability_map(prediction)
    _draw_mask(
        axes[1, 1],
        prediction,
        f"predicted mask (p ≥ {threshold:g})" if probabilities else "predicted mask",
        threshold=threshold,
    )
    fig.suptitle(title or "Segmentation result")
    return fig


def plot_confusion_matrix(
    matrix: Any,
    *,
    labels: Sequence[str] = ("background", "foreground"),
    normalize: str | None = None,
    title: str | None = None,
) -> Figure:
    """A confusion matrix as a coloured table: rows true class, columns predicted class.

    Parameters
    ----------
    matrix : array_like of int, shape (K, K)
        Pixel counts, ``matrix[i, j]`` = pixels of true class ``i`` predicted as ``j``
        (the convention of scikit-learn and helpers.metrics.confusion_matrix).
    labels : sequence of K str
        Class names. The default fits two classes; other sizes get ``class k``.
    normalize : {None, "true", "pred", "all"}
        As scikit-learn: divide by the row sums (recall per class), the column sums
        (precision per class) or the total.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes (and its colour bar).

    Raises
    ------
    PlotInputError
        For a matrix that is not square, labels that do not match it, or an unknown
        ``normalize``.
    """
    from sklearn.metrics import ConfusionMatrixDisplay  # the well-kept drawing, not our own

    counts = np.asarray(matrix, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise PlotInputError(f"A confusion matrix is square (K, K); got shape {counts.shape}.")
    size = counts.shape[0]
    if len(labels) != size:
        if tuple(labels) != ("background", "foreground"):
            raise PlotInputError(
                f"{len(labels)} labels for a {size}x{size} matrix: give one per class."
            )
        labels = [f"class {k}" for k in range(size)]
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize is None:
            shown, fmt = (
                np.asarray(matrix),
                "d" if np.issubdtype(np.asarray(matrix).dtype, np.integer) else ".3g",
            )
        elif normalize == "true":
            shown, fmt = counts / counts.sum(axis=1, keepdims=True), ".3f"
        elif normalize == "pred":
            shown, fmt = counts / counts.sum(axis=0, keepdims=True), ".3f"
        elif normalize == "all":
            shown, fmt = counts / counts.sum(), ".3f"
        else:
            raise PlotInputError(f"normalize={normalize!r}: use None, 'true', 'pred' or 'all'.")
    fig, ax = plt.subplots(figsize=(4.8, 4.2), layout="constrained")
    ConfusionMatrixDisplay(confusion_matrix=shown, display_labels=list(labels)).plot(
        ax=ax, cmap="Blues", values_format=fmt, colorbar=True
    )
    what = {
        None: "pixel counts",
        "true": "share of each true class",
        "pred": "share of each predicted class",
        "all": "share of all pixels",
    }
    ax.set_title(title or f"Confusion matrix ({what[normalize]})")
    return fig


def plot_thresholds(
    image: Any,
    results: Mapping[str, Any],
    *,
    truth: Any | None = None,
    scores: Mapping[str, float | Mapping[str, float]] | None = None,
    score_name: str = "IoU",
) -> Figure:
    """The image, its ground truth and one panel per method's result, side by side.

    Parameters
    ----------
    image : array_like, shape (H, W[, C])
    results : mapping method name -> array (H, W[, 1])
        Masks (bool or 0/1), or maps such as an edge magnitude (drawn in grey, scaled
        to their own range).
    truth : array_like of bool or {0, 1}, shape (H, W[, 1]), optional
    scores : mapping method name -> float or -> {metric: float}, optional
        Shown under each method's name (a float is labelled ``score_name``).

    Returns
    -------
    matplotlib.figure.Figure
        ``1 + (truth given) + len(results)`` axes, at most four per row.

    Raises
    ------
    PlotInputError
        When a method's result has another size than the image.
    """
    picture = _display_image(image)
    panels: list[tuple[str, Any]] = [("image", None)]
    if truth is not None:
        panels.append(("ground truth", _mask(truth, what="ground truth")))
    for name, result in results.items():
        array = np.asarray(result)
        array = array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array
        if array.shape != picture.shape[:2]:
            raise PlotInputError(
                f"The result of {name!r} has shape {array.shape}; the image is {picture.shape[:2]}."
            )
        panels.append((name, array))
    columns = min(len(panels), 4)
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.2 * columns, 3.4 * rows), squeeze=False, layout="constrained"
    )
    for ax, (name, array) in zip(axes.flat, panels, strict=False):
        if array is None:
            _draw_image(ax, picture, "image")
            continue
        binary = array.dtype == bool or np.isin(array, (0, 1)).all()
        ax.imshow(
            array,
            cmap="gray",
            interpolation="nearest",
            **({"vmin": 0, "vmax": 1} if binary else {}),
        )
        _bare(ax)
        score = None if scores is None else scores.get(name)
        if score is None:
            ax.set_title(name)
        elif isinstance(score, Mapping):
            ax.set_title(f"{name}\n" + " · ".join(f"{k} {v:.3f}" for k, v in score.items()))
        else:
            ax.set_title(f"{name}\n{score_name} {score:.3f}")
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle("Methods compared")
    return fig


# --------------------------------------------------------------------------------------
# The U-Net as a U
# --------------------------------------------------------------------------------------


def _unet_levels(model: Any) -> dict:
    """Read a U-Net's levels from its layers, in the order Keras keeps them.

    A counter follows the resolution: a pooling layer goes one level down (two for a
    4x4 pool), a transposed convolution or an up-sampling with stride 2 one level up.
    Convolutions before the first up-sampling belong to the encoder (the deepest of them
    to the bottleneck), the others to the decoder; a ``Concatenate`` in the decoder is a
    skip connection; the last convolution is the output head.
    """
    from keras import layers

    def log2(value: Any) -> int:
        size = value[0] if isinstance(value, (tuple, list)) else value
        return max(int(size).bit_length() - 1, 0)

    def new_block(level: int) -> dict:
        return {
            "level": level,
            "filters": None,
            "convs": 0,
            "kernel": None,
            "batch_norm": False,
            "dropout": 0.0,
            "skip_channels": None,
            "up_filters": None,
        }

    convolutions = [
        layer
        for layer in model.layers
        if isinstance(layer, layers.Conv2D) and not isinstance(layer, layers.Conv2DTranspose)
    ]
    if not convolutions:
        raise PlotInputError("plot_unet needs a U-Net: this model has no Conv2D layer.")
    head = convolutions[-1]
    level, decoding = 0, False
    encoder: dict[int, dict] = {}
    decoder: dict[int, dict] = {}
    current: dict | None = None
    for layer in model.layers:
        if isinstance(layer, (layers.MaxPooling2D, layers.AveragePooling2D)):
            level += log2(layer.pool_size)
            current = None
        elif isinstance(layer, (layers.Conv2DTranspose, layers.UpSampling2D)):
            step = log2(layer.strides if isinstance(layer, layers.Conv2DTranspose) else layer.size)
            level, decoding = level - step, True
            current = decoder.setdefault(level, new_block(level))
            current["up_filters"] = getattr(layer, "filters", None)
        elif isinstance(layer, layers.Concatenate) and decoding:
            current = decoder.setdefault(level, new_block(level))
            shapes = [tuple(tensor.shape) for tensor in layer.input]
            current["skip_channels"] = int(shapes[-1][-1]) if shapes[-1][-1] else None
        elif layer is head:
            break
        elif isinstance(layer, layers.Conv2D):
            blocks = decoder if decoding else encoder
            current = blocks.setdefault(level, new_block(level))
            current["convs"] += 1
            current["filters"] = int(layer.filters)
            current["kernel"] = tuple(layer.kernel_size)
        elif current is not None and isinstance(layer, layers.BatchNormalization):
            current["batch_norm"] = True
        elif current is not None and isinstance(layer, layers.Dropout):
            current["dropout"] = max(current["dropout"], float(layer.rate))
    depth = max(encoder, default=0)
    if depth < 1 or not decoder or sorted(encoder) != list(range(depth + 1)):
        raise PlotInputError(
            "plot_unet needs a U-Net: convolutions on several levels joined by pooling "
            "(the encoder), then transposed convolutions or up-sampling (the decoder). "
            "Build the model with helpers.unet.build_unet or in the same order."
        )
    input_shape = tuple(model.input_shape)
    activation = head.get_config().get("activation")
    return {
        "depth": depth,
        "height": input_shape[1],
        "width": input_shape[2],
        "channels": input_shape[3],
        "encoder": [encoder[k] for k in range(depth)],
        "bottleneck": encoder[depth],
        "decoder": [decoder.get(k, new_block(k)) for k in range(depth)],
        "classes": int(head.filters),
        "activation": activation,
    }


def _side(size: int | None, level: int, axis: str) -> str:
    """``128`` when the input size is known, else ``H/4``."""
    if size is not None:
        return str(size // 2**level)
    return axis if level == 0 else f"{axis}/{2**level}"


def plot_unet(model: Any, *, title: str | None = None) -> Figure:
    """The whole U of a U-Net, drawn from its layers.

    Draws one box per level: the encoder down the left side, the bottleneck at the
    bottom, the decoder up the right side. Each box gives the height x width of the
    feature maps at that level (``H/4`` and so on when the model accepts any size) and
    the number of filters of its convolutions, with what each block holds (how many
    3x3 convolutions, batch norm, dropout rate). Arrows: down for 2x2 max pooling, up
    for the 2x2 transposed convolution (up-sampling), and a dashed arrow across for
    each skip connection (the encoder's output copied and concatenated in the
    decoder), labelled with the channels it carries. The input enters at the top left;
    the output (a 1x1 convolution: one sigmoid channel, or a softmax over K) leaves at
    the top right.

    Parameters
    ----------
    model : keras.Model
        A U-Net built with :func:`helpers.unet.build_unet` (any depth, any options) or
        by hand in the same order (encoder, bottleneck, decoder, output convolution).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes without ticks.

    Raises
    ------
    PlotInputError
        When the model does not have a U-Net's levels (no pooling, no decoder).
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    info = _unet_levels(model)
    depth = info["depth"]
    box_w, box_h, step_x = 2.5, 0.95, 1.35
    right = 2 * depth * step_x + box_w + 1.0  # x of the decoder's top box
    middle = right / 2

    def place(block: dict, kind: str) -> tuple[float, float]:
        if kind == "bottleneck":
            return middle, -1.5 * depth
        x = block["level"] * step_x if kind == "encoder" else right - block["level"] * step_x
        return x, -1.5 * block["level"]

    def label(block: dict) -> str:
        size = (
            f"{_side(info['height'], block['level'], 'H')} x "
            f"{_side(info['width'], block['level'], 'W')}"
        )
        parts = [
            f"{block['convs']} conv {block['kernel'][0]}x{block['kernel'][1]}"
            if block["kernel"]
            else "no conv"
        ]
        if block["batch_norm"]:
            parts.append("batch norm")
        if block["dropout"]:
            parts.append(f"dropout {block['dropout']:g}")
        return f"{size}\n{block['filters']} filters\n" + ", ".join(parts)

    filters = [b["filters"] or 1 for b in info["encoder"] + [info["bottleneck"]]]
    shades = plt.get_cmap("Blues")

    def colour(block: dict):
        share = np.log2(block["filters"] or 1) - np.log2(min(filters))
        return shades(0.2 + 0.5 * share / max(np.log2(max(filters) / min(filters)), 1))

    fig, ax = plt.subplots(
        figsize=(2.2 + 1.55 * (2 * depth + 2), 1.6 + 1.25 * (depth + 1)), layout="constrained"
    )
    centres = {}
    for kind, blocks in (
        ("encoder", info["encoder"]),
        ("bottleneck", [info["bottleneck"]]),
        ("decoder", info["decoder"]),
    ):
        for block in blocks:
            x, y = place(block, kind)
            centres[(kind, block["level"])] = (x, y)
            ax.add_patch(
                FancyBboxPatch(
                    (x - box_w / 2, y - box_h / 2),
                    box_w,
                    box_h,
                    boxstyle="round,pad=0.04",
                    facecolor=colour(block),
                    edgecolor="0.25",
                    linewidth=1.0,
                )
            )
            ax.text(x, y, label(block), ha="center", va="center", fontsize=8)

    def arrow(
        start,
        end,
        *,
        colour="0.2",
        style="-|>",
        dashed=False,
        text=None,
        where=0.5,
        offset=(0.0, 0.0),
        ha="center",
        fontsize=7.5,
    ):
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle=style,
                mutation_scale=13,
                color=colour,
                linewidth=1.4,
                linestyle="--" if dashed else "-",
            )
        )
        if text:
            tx = start[0] + where * (end[0] - start[0]) + offset[0]
            ty = start[1] + where * (end[1] - start[1]) + offset[1]
            ax.text(tx, ty, text, ha=ha, va="center", fontsize=fontsize, color=colour)

    half_h = box_h / 2 + 0.05
    for level in range(depth):
        x0, y0 = centres[("encoder", level)]
        below = ("encoder", level + 1) if level + 1 < depth else ("bottleneck", depth)
        x1, y1 = centres[below]
        arrow(
            (x0, y0 - half_h),
            (x1 - box_w / 4, y1 + half_h),
            colour="tab:red",
            text="max pool 2x2",
            offset=(-0.75, 0),
            ha="right",
        )
        xd, yd = centres[("decoder", level)]
        above = ("decoder", level + 1) if level + 1 < depth else ("bottleneck", depth)
        xa, ya = centres[above]
        up = info["decoder"][level]["up_filters"]
        arrow(
            (xa + box_w / 4, ya + half_h),
            (xd, yd - half_h),
            colour="tab:green",
            text="up-conv 2x2" + (f"\n{up} filters" if up else ""),
            offset=(0.75, 0),
            ha="left",
        )
        skip = info["decoder"][level]["skip_channels"]
        arrow(
            (x0 + box_w / 2 + 0.05, y0),
            (xd - box_w / 2 - 0.05, yd),
            colour="tab:purple",
            dashed=True,
            text="skip: copy and concatenate" + (f" ({skip} channels)" if skip else ""),
            offset=(0, 0.17),
        )
    x_in, y_in = centres[("encoder", 0)]
    x_out, y_out = centres[("decoder", 0)]
    size = f"{_side(info['height'], 0, 'H')} x {_side(info['width'], 0, 'W')}"
    arrow(
        (x_in, y_in + 1.35),
        (x_in, y_in + half_h),
        text=f"input\n{size} x {info['channels']}",
        where=0.0,
        offset=(0, 0.3),
        fontsize=9,
    )
    output = (
        f"{info['classes']} {info['activation']} channel"
        if info["classes"] == 1
        else f"{info['classes']} channels, {info['activation']}"
    )
    arrow(
        (x_out, y_out + half_h),
        (x_out, y_out + 1.35),
        text=f"output: conv 1x1\n{size}, {output}",
        where=1.0,
        offset=(0, 0.3),
        fontsize=9,
    )
    ax.set_xlim(-box_w / 2 - 1.3, right + box_w / 2 + 1.3)
    ax.set_ylim(-1.5 * depth - 0.7, 2.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.text(
        0,
        -1.5 * depth,
        "encoder\n(contracting path)",
        ha="center",
        va="center",
        fontsize=9,
        style="italic",
    )
    ax.text(
        right,
        -1.5 * depth,
        "decoder\n(expanding path)",
        ha="center",
        va="center",
        fontsize=9,
        style="italic",
    )
    name = getattr(model, "name", "U-Net")
    ax.set_title(title or f"{name}: depth {depth}, {model.count_params():,} parameters")
    return fig
