"""Interactive explorers for notebooks: a threshold slider and a prediction browser.

Each explorer is an ``ipywidgets`` box: a slider, a line of numbers and a picture that
Matplotlib renders off screen (PNG), so it works the same in JupyterLab, Colab and
VS Code. Where a slider cannot work (``ipywidgets`` is not installed, or the code runs
outside a notebook kernel) the explorer prints one line saying why and returns a static
Matplotlib figure that shows a few settings side by side instead.

The numbers come from :mod:`helpers.metrics`; the update functions are plain functions
(``box.update(0.3)``) that return what they show, so they can be tested and scripted.

Example
-------
>>> import numpy as np
>>> probabilities = np.array([[0.2, 0.6], [0.8, 0.4]])
>>> truth = np.array([[0, 1], [1, 1]], dtype=bool)
>>> scores = threshold_scores(probabilities, truth, 0.5)
>>> round(scores["recall"], 3)
0.667
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from helpers import errors, plots
from helpers.conventions import THRESHOLD
from helpers.plots.axes import (
    OVERLAY_TITLE,
    as_display_image,
    as_list,
    as_mask,
    bare,
    check_lengths,
    draw_image,
    draw_overlay,
    draw_prediction_row,
    draw_truth_outline,
)

__all__ = ["threshold_scores", "threshold_explorer", "prediction_browser"]

#: Thresholds the static view of :func:`threshold_explorer` shows (with the one asked for).
STATIC_THRESHOLDS = (0.3, 0.5, 0.7)


def _probabilities(probabilities: Any) -> np.ndarray:
    array = np.asarray(probabilities, dtype=np.float32)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2:
        raise errors.PlotInputError(
            f"The probabilities have shape {array.shape}; expected (H, W) or (H, W, 1) for one "
            "image."
        )
    finite = array[np.isfinite(array)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise errors.PlotInputError(
            f"The probabilities run from {finite.min():.3g} to {finite.max():.3g}; expected [0, "
            "1]. "
            "If the model outputs logits, apply a sigmoid first."
        )
    return array


def threshold_scores(probabilities: Any, truth: Any | None, threshold: float) -> dict[str, float]:
    """What the threshold slider shows for one threshold.

    Parameters
    ----------
    probabilities : array_like of float in [0, 1], shape (H, W) or (H, W, 1)
    truth : array_like of bool or {0, 1}, shape (H, W) or (H, W, 1), or None
    threshold : float
        Pixels with probability from ``threshold`` up (as :func:`helpers.metrics.binarize`
        decides) are foreground.

    Returns
    -------
    dict of str -> float
        ``threshold`` and ``foreground`` (share of pixels predicted foreground); with
        ``truth`` also ``IoU``, ``Dice``, ``precision`` and ``recall`` of the foreground,
        computed by :mod:`helpers.metrics`.

    Raises
    ------
    PlotInputError
        When the ground truth and the probabilities differ in shape.
    """
    from helpers import metrics  # lazily: SciPy loads only when a widget scores

    predicted = np.asarray(metrics.binarize(_probabilities(probabilities), threshold)).astype(bool)
    scores = {"threshold": float(threshold), "foreground": float(predicted.mean())}
    if truth is not None:
        actual = as_mask(truth, what="ground truth")
        if actual.shape != predicted.shape:
            raise errors.PlotInputError(
                f"The ground truth is {actual.shape} but the probabilities are {predicted.shape}."
            )
        scores["IoU"] = float(metrics.iou(actual, predicted))
        scores["Dice"] = float(metrics.dice(actual, predicted))
        scores["precision"] = float(metrics.precision(actual, predicted))
        scores["recall"] = float(metrics.recall(actual, predicted))
    return scores


def _describe(scores: dict[str, float], *, lines: bool = False) -> str:
    """The scores as text: one line, or short lines for a panel title."""
    pairs = [
        f"{name} {scores[name]:.3f}"
        for name in ("IoU", "Dice", "precision", "recall")
        if name in scores
    ]
    head = f"threshold {scores['threshold']:.2f}"
    tail = f"foreground {100 * scores['foreground']:.1f} % of pixels"
    if not lines:
        return " · ".join([head, *pairs, tail])
    rows = [" · ".join(pairs[i : i + 2]) for i in range(0, len(pairs), 2)]
    return "\n".join([head, *rows, tail])


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _why_static(static: bool | None):
    """(ipywidgets module or None, reason for a static figure or None)."""
    if static:
        return None, "static=True"
    try:
        import ipywidgets
    except ImportError:
        return None, "ipywidgets is not installed (pip install ipywidgets for the slider)"
    if static is None and not _in_kernel():
        return None, "this is not running in a notebook kernel, so a slider cannot be shown"
    return ipywidgets, None


def _fallback(fig: Figure) -> Figure:
    """The static figure, shown once in a notebook.

    In a kernel the explorers are meant as a cell's last line, which displays what they
    return; the figure leaves pyplot so that the inline backend does not show it a second
    time. In a script it stays with pyplot, for ``plt.show()``.
    """
    if _in_kernel():
        import matplotlib.pyplot as plt

        plt.close(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # Fast zlib level: the picture is redrawn on every slider move, and is not kept.
    fig.savefig(buffer, format="png", dpi=80, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def threshold_explorer(
    image: Any,
    probabilities: Any,
    truth: Any | None = None,
    *,
    threshold: float = THRESHOLD,
    static: bool | None = None,
):
    """A slider that turns probabilities into a mask, with the mask's scores, live.

    Parameters
    ----------
    image : array_like, shape (H, W[, C]), float in [0, 1] or uint8
    probabilities : array_like of float in [0, 1], shape (H, W) or (H, W, 1)
        The model's output for that image.
    truth : array_like of bool or {0, 1}, shape (H, W[, 1]), optional
        With it the slider shows IoU, Dice, precision and recall (from helpers.metrics).
    threshold : float
        Where the slider starts.
    static : bool, optional
        ``True``: always the static figure. ``False``: the widget even outside a notebook
        kernel (for scripts and tests). Default: the widget where a kernel and ipywidgets
        are there, else the static figure.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The box holds ``slider`` (FloatSlider 0..1), ``numbers`` (HTML), ``picture``
        (Image) and ``update(threshold) -> dict`` (what :func:`threshold_scores` returns,
        after drawing it). The static figure shows the thresholds in
        :data:`STATIC_THRESHOLDS` and ``threshold`` side by side, with their scores.

    Raises
    ------
    PlotInputError
        When the image and the probabilities differ in size.
    """
    probs = _probabilities(probabilities)
    picture = as_display_image(image)
    if picture.shape[:2] != probs.shape:
        raise errors.PlotInputError(
            f"The image is {picture.shape[:2]} but the probabilities are {probs.shape}."
        )
    actual = None if truth is None else as_mask(truth, what="ground truth")
    widgets, reason = _why_static(static)
    if widgets is None:
        thresholds = sorted({*STATIC_THRESHOLDS, round(float(threshold), 4)})
        print(f"Static figure instead of the threshold slider: {reason}.")
        return _fallback(_static_thresholds(picture, probs, actual, thresholds))

    from helpers import metrics

    fig = Figure(figsize=(12, 3.4), layout="constrained")  # off pyplot: no stray display
    axes = fig.subplots(1, 4)
    draw_image(axes[0], picture, title="image")
    shown = axes[1].imshow(probs, cmap="viridis", vmin=0, vmax=1)
    fig.colorbar(shown, ax=axes[1], fraction=0.046)
    bare(axes[1])
    axes[1].set_title("probability")
    mask_view = axes[2].imshow(
        np.zeros(probs.shape), cmap="gray", vmin=0, vmax=1, interpolation="nearest"
    )
    bare(axes[2])
    overlay_view = axes[3].imshow(
        plots.overlay(picture, np.zeros(probs.shape, bool)), interpolation="nearest"
    )
    if actual is not None:
        draw_truth_outline(axes[3], actual)
    bare(axes[3])
    axes[3].set_title(OVERLAY_TITLE if actual is not None else "prediction (red) over image")

    slider = widgets.FloatSlider(
        value=threshold,
        min=0.0,
        max=1.0,
        step=0.01,
        description="threshold",
        continuous_update=False,
        readout_format=".2f",
    )
    numbers = widgets.HTML()
    image_widget = widgets.Image(format="png")

    def update(value: float) -> dict[str, float]:
        scores = threshold_scores(probs, actual, value)
        predicted = np.asarray(metrics.binarize(probs, value)).astype(bool)
        mask_view.set_data(predicted.astype(np.float32))
        overlay_view.set_data(plots.overlay(picture, predicted))
        axes[2].set_title(f"mask (p ≥ {value:.2f})")
        fig.suptitle(_describe(scores))
        image_widget.value = _png(fig)
        numbers.value = f"<b>{_describe(scores)}</b>"
        return scores

    slider.observe(lambda change: update(change["new"]), names="value")
    update(threshold)
    fig.set_layout_engine("none")  # the panels stay put: later moves skip the layout pass
    box = widgets.VBox([slider, numbers, image_widget])
    box.slider, box.numbers, box.picture, box.update = slider, numbers, image_widget, update
    return box


def _static_thresholds(
    picture: np.ndarray, probs: np.ndarray, truth: np.ndarray | None, thresholds: Sequence[float]
) -> Figure:
    import matplotlib.pyplot as plt

    from helpers import metrics

    columns = 2 + len(thresholds)
    fig, axes = plt.subplots(1, columns, figsize=(3.0 * columns, 4.6), layout="constrained")
    draw_image(axes[0], picture, title="image")
    shown = axes[1].imshow(probs, cmap="viridis", vmin=0, vmax=1)
    fig.colorbar(shown, ax=axes[1], fraction=0.046)
    bare(axes[1])
    axes[1].set_title("probability")
    for ax, value in zip(axes[2:], thresholds, strict=True):
        scores = threshold_scores(probs, truth, value)
        predicted = np.asarray(metrics.binarize(probs, value)).astype(bool)
        draw_overlay(ax, picture, predicted, truth, title=_describe(scores, lines=True))
    fig.suptitle(
        "The mask at a few thresholds (red: prediction"
        + (", cyan: ground truth)" if truth is not None else ")")
    )
    return fig


def prediction_browser(
    images: Any,
    masks: Any | None,
    predictions: Any,
    *,
    names: Sequence[str] | None = None,
    threshold: float = THRESHOLD,
    static: bool | None = None,
):
    """A slider over images: image, ground truth, prediction and overlay of each.

    Parameters
    ----------
    images : array (N, H, W[, C]) or list of images
    masks : array (N, H, W[, 1]) or list of masks, or None
        Ground truth; with it each image's IoU and Dice are shown.
    predictions : array (N, H, W[, 1]) or list
        Masks, or probabilities binarized at ``threshold``.
    names : sequence of str, optional
        One per image.
    static : bool, optional
        As for :func:`threshold_explorer`; the static figure is
        :func:`helpers.plots.plot_predictions` of the first four images.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The box holds ``slider`` (IntSlider 0..N-1), ``numbers``, ``picture`` and
        ``update(index) -> dict`` (``index``, ``name`` and, with masks, ``IoU``, ``Dice``).

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
        raise errors.PlotInputError("There are no images to browse.")
    check_lengths(count, truth_list, what="masks")
    check_lengths(count, predicted_list, what="predictions")
    check_lengths(count, names, what="names")
    labels = [str(name) for name in names] if names is not None else [f"#{i}" for i in range(count)]
    widgets, reason = _why_static(static)
    if widgets is None:
        print(f"Static figure instead of the image browser: {reason}.")
        return _fallback(
            plots.plot_predictions(
                images, masks, predictions, names=labels, n=4, threshold=threshold
            )
        )

    from helpers import metrics

    columns = 3 if truth_list is None else 4
    fig = Figure(figsize=(3.0 * columns, 3.4), layout="constrained")
    slider = widgets.IntSlider(
        value=0, min=0, max=count - 1, step=1, description="image", continuous_update=False
    )
    numbers = widgets.HTML()
    image_widget = widgets.Image(format="png")

    def update(index: int) -> dict[str, Any]:
        shown: dict[str, Any] = {"index": int(index), "name": labels[index]}
        truth = None if truth_list is None else truth_list[index]
        if truth is not None:
            actual = as_mask(truth, what="ground truth")
            predicted = as_mask(predicted_list[index], what="prediction", threshold=threshold)
            shown["IoU"] = float(metrics.iou(actual, predicted))
            shown["Dice"] = float(metrics.dice(actual, predicted))
        fig.clear()
        draw_prediction_row(
            fig.subplots(1, columns),
            picture_list[index],
            truth,
            predicted_list[index],
            label=labels[index],
            threshold=threshold,
        )
        text = " · ".join(
            [f"{labels[index]} ({index + 1} of {count})"]
            + [f"{k} {shown[k]:.3f}" for k in ("IoU", "Dice") if k in shown]
        )
        fig.suptitle(text)
        image_widget.value = _png(fig)
        numbers.value = f"<b>{text}</b>"
        return shown

    slider.observe(lambda change: update(change["new"]), names="value")
    update(0)
    box = widgets.VBox([slider, numbers, image_widget])
    box.slider, box.numbers, box.picture, box.update = slider, numbers, image_widget, update
    return box
