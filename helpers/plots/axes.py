"""Drawing images, masks and predictions on Matplotlib axes that the caller owns.

The figures of :mod:`helpers.plots` are made of these pieces, and so are the explorers
of :mod:`helpers.widgets`; use them to lay out a figure of your own. Each ``draw_*``
function draws on one :class:`~matplotlib.axes.Axes` (or one row of them) and returns
nothing. They read their inputs by the rules of the ``as_*`` functions below, which
the figures use too:

- images: float in [0, 1], or uint8 / uint16, shape (H, W), (H, W, 1) or (H, W, 3)
  (an alpha channel is dropped), scaled by :func:`helpers.conventions.float_image`;
- masks: bool or 0/1 labels (0/255 is 0/1), shape (H, W) or (H, W, 1), or
  probabilities (float in [0, 1]) turned into a mask at ``threshold``
  (``p >= threshold``, the rule of :func:`helpers.metrics.binarize`);
- batches: an array of shape (N, H, W[, C]) or a list of such images.

The prediction is tinted in :data:`PREDICTION_COLOR` (red) and the ground truth is
outlined in :data:`TRUTH_COLOR` (cyan), a pair that colour-blind eyes tell apart too.

Example
-------
>>> import matplotlib.pyplot as plt
>>> import numpy as np
>>> from helpers.plots import axes
>>> image = np.linspace(0, 1, 16, dtype=np.float32).reshape(4, 4)
>>> truth = np.eye(4, dtype=bool)
>>> fig, row = plt.subplots(1, 4)
>>> axes.draw_prediction_row(row, image, truth, image, label="ramp")
>>> row[2].get_title()
'prediction (p ≥ 0.5)'
>>> plt.close(fig)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from helpers.conventions import THRESHOLD

from ._inputs import as_display_image, as_list, as_mask, check_lengths, is_probability_map
from ._overlay import OVERLAY_TITLE, PREDICTION_COLOR, TRUTH_COLOR, overlay

__all__ = [
    "OVERLAY_TITLE",
    "PREDICTION_COLOR",
    "TRUTH_COLOR",
    "as_display_image",
    "as_mask",
    "as_list",
    "check_lengths",
    "bare",
    "draw_image",
    "draw_mask",
    "draw_truth_outline",
    "draw_overlay",
    "draw_prediction_row",
]


def bare(ax: Axes) -> None:
    """Take the ticks off axes that show pixels (their numbers mean nothing).

    The axes keep their frame and their labels, so that a row can still be named with
    ``ax.set_ylabel``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    """
    ax.set_xticks([])
    ax.set_yticks([])


def draw_image(ax: Axes, image: Any, *, title: str | None = None) -> None:
    """Show an image: grey on a fixed 0..1 scale, or in colour.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    image : array_like, shape (H, W), (H, W, 1) or (H, W, 3)
        float in [0, 1], or uint8 / uint16 (as :func:`as_display_image` reads it).
    title : str, optional
        The axes' title; none when empty or ``None``.

    Raises
    ------
    PlotInputError
        When the image cannot be read as one image (see :func:`as_display_image`).
    """
    picture = as_display_image(image)
    if picture.ndim == 2:
        ax.imshow(picture, cmap="gray", vmin=0.0, vmax=1.0)
    else:
        ax.imshow(picture)
    bare(ax)
    if title:
        ax.set_title(title)


def draw_mask(
    ax: Axes, mask: Any, *, title: str | None = None, threshold: float = THRESHOLD
) -> None:
    """Show a mask in black (background) and white (foreground), pixel by pixel.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    mask : array_like, shape (H, W) or (H, W, 1)
        bool, 0/1 or 0/255 labels, or probabilities (as :func:`as_mask` reads it).
    title : str, optional
        The axes' title; none when empty or ``None``.
    threshold : float
        Probability from which a pixel counts as foreground.

    Raises
    ------
    PlotInputError
        When the mask cannot be read as one binary mask (see :func:`as_mask`).
    """
    ax.imshow(
        as_mask(mask, threshold=threshold), cmap="gray", vmin=0, vmax=1, interpolation="nearest"
    )
    bare(ax)
    if title:
        ax.set_title(title)


def draw_truth_outline(ax: Axes, truth: np.ndarray) -> None:
    """Outline the ground truth's regions in :data:`TRUTH_COLOR` over what the axes show.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    truth : ndarray of bool, shape (H, W)
        The ground truth as :func:`as_mask` returns it. An empty or a full mask has no
        outline, and nothing is drawn.
    """
    # contour() warns when the mask is all one value: there is no outline to draw then.
    if truth.any() and not truth.all():
        ax.contour(truth.astype(np.float32), levels=[0.5], colors=[TRUTH_COLOR], linewidths=1.2)


def draw_overlay(
    ax: Axes,
    image: Any,
    prediction: Any,
    truth: Any | None = None,
    *,
    threshold: float = THRESHOLD,
    title: str | None = None,
) -> None:
    """Show the prediction tinted over the image, with the ground truth's outline.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    image : array_like, shape (H, W), (H, W, 1) or (H, W, 3)
        float in [0, 1], or uint8 / uint16.
    prediction : array_like, shape (H, W) or (H, W, 1)
        A mask, or probabilities binarized at ``threshold``; tinted by
        :func:`helpers.plots.overlay`.
    truth : array_like of bool or {0, 1}, shape (H, W) or (H, W, 1), optional
        Outlined in :data:`TRUTH_COLOR` when given.
    threshold : float
        Probability from which a pixel counts as foreground.
    title : str, optional
        ``None`` gives :data:`OVERLAY_TITLE` (or, without ``truth``, a title that names
        the red tint only); ``""`` gives no title.

    Raises
    ------
    PlotInputError
        When an input cannot be read, or the prediction's size differs from the image's.
    """
    predicted = as_mask(prediction, what="prediction", threshold=threshold)
    ax.imshow(overlay(image, predicted), interpolation="nearest")
    if truth is not None:
        draw_truth_outline(ax, as_mask(truth, what="ground truth"))
    bare(ax)
    if title is None:
        title = OVERLAY_TITLE if truth is not None else "prediction (red) over image"
    if title:
        ax.set_title(title)


def draw_prediction_row(
    axes: Sequence[Axes],
    image: Any,
    truth: Any | None,
    prediction: Any,
    *,
    label: str = "",
    threshold: float = THRESHOLD,
) -> None:
    """One image's row: image | ground truth | prediction | prediction over the image.

    Parameters
    ----------
    axes : sequence of 4 matplotlib.axes.Axes (3 when ``truth`` is None)
    image : array_like, shape (H, W), (H, W, 1) or (H, W, 3)
    truth : array_like of bool or {0, 1}, shape (H, W) or (H, W, 1), or None
        ``None`` (an image without annotation) leaves out the ground-truth panel.
    prediction : array_like, shape (H, W) or (H, W, 1)
        A mask, or probabilities binarized at ``threshold`` (the panel's title then
        says so).
    label : str
        The image panel's title; default ``"image"``.
    threshold : float
        Probability from which a pixel counts as foreground.

    Raises
    ------
    PlotInputError
        When an input cannot be read, or the prediction's size differs from the image's.
    """
    axes = list(axes)
    draw_image(axes[0], image, title=label or "image")
    if truth is not None:
        draw_mask(axes[1], truth, title="ground truth")
        axes = axes[1:]
    probabilities = is_probability_map(prediction)
    title = f"prediction (p ≥ {threshold:g})" if probabilities else "prediction"
    draw_mask(axes[1], prediction, title=title, threshold=threshold)
    draw_overlay(axes[2], image, prediction, truth, threshold=threshold)
