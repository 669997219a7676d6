"""The figures of images, masks and predictions: samples, prediction rows, the 2x2 result,
the confusion matrix and classical methods side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.conventions import THRESHOLD
from helpers.errors import PlotInputError

from ._inputs import as_display_image, as_list, as_mask, check_lengths, is_probability_map
from .axes import bare, draw_image, draw_mask, draw_overlay, draw_prediction_row

__all__ = [
    "plot_samples",
    "plot_predictions",
    "plot_results",
    "plot_confusion_matrix",
    "plot_thresholds",
]


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
    picture_list = as_list(images, what="images")
    mask_list = None if masks is None else as_list(masks, what="masks")
    count = len(picture_list)
    if count == 0:
        raise PlotInputError("There are no images to show.")
    check_lengths(count, mask_list, what="masks")
    check_lengths(count, names, what="names")
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
        draw_image(axes[0, column], picture_list[index], title=str(label))
        if mask_list is not None:
            draw_mask(axes[1, column], mask_list[index])
            draw_overlay(axes[2, column], picture_list[index], mask_list[index], None, title="")
    for row, name in enumerate(rows):
        axes[row, 0].set_ylabel(name)
    fig.suptitle(
        f"{len(picks)} of {count} samples"
        + ("" if mask_list is None else ": image, mask, mask over image")
    )
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
    threshold: float = THRESHOLD,
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
    picture_list = as_list(images, what="images")
    truth_list = None if masks is None else as_list(masks, what="masks")
    predicted_list = as_list(predictions, what="predictions")
    count = len(picture_list)
    if count == 0:
        raise PlotInputError("There are no images to show.")
    check_lengths(count, truth_list, what="masks")
    check_lengths(count, predicted_list, what="predictions")
    check_lengths(count, names, what="names")
    if scores is not None and not isinstance(scores, Mapping):
        check_lengths(count, scores, what="scores")
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
        draw_prediction_row(
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
    threshold: float = THRESHOLD,
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
    threshold : float
        Probability from which a pixel counts as foreground.

    Returns
    -------
    matplotlib.figure.Figure
        Four axes, in reading order: image, ground truth, overlay, predicted mask.

    Raises
    ------
    PlotInputError
        When an input cannot be read, or the prediction's size differs from the image's.
    """
    fig, axes = plt.subplots(2, 2, figsize=(8, 8), layout="constrained")
    draw_image(axes[0, 0], image, title="image")
    if truth is None:
        axes[0, 1].text(0.5, 0.5, "no ground truth\nfor this image", ha="center", va="center")
        bare(axes[0, 1])
        axes[0, 1].set_title("ground truth")
    else:
        draw_mask(axes[0, 1], truth, title="ground truth")
    draw_overlay(axes[1, 0], image, prediction, truth, threshold=threshold)
    probabilities = is_probability_map(prediction)
    draw_mask(
        axes[1, 1],
        prediction,
        title=f"predicted mask (p ≥ {threshold:g})" if probabilities else "predicted mask",
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
    picture = as_display_image(image)
    panels: list[tuple[str, Any]] = [("image", None)]
    if truth is not None:
        panels.append(("ground truth", as_mask(truth, what="ground truth")))
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
            draw_image(ax, picture, title="image")
            continue
        binary = array.dtype == bool or np.isin(array, (0, 1)).all()
        ax.imshow(
            array,
            cmap="gray",
            interpolation="nearest",
            **({"vmin": 0, "vmax": 1} if binary else {}),
        )
        bare(ax)
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
