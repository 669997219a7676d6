"""Pictures of images, masks, predictions and training curves.

Every ``plot_*`` function draws with Matplotlib and returns the
:class:`~matplotlib.figure.Figure`, so that a notebook can show it and a script or a test
can save it; none calls ``plt.show()``. :func:`overlay` returns an RGB array instead. In a
notebook, assign the result (``fig = plots.plot_samples(...)``) or end the line with ``;``
so that Jupyter shows the figure once.

==============================  =============================================================
:func:`overlay`                 an image with a mask's pixels tinted (an RGB array)
:func:`plot_samples`            a few images, their masks and the masks over the images
:func:`plot_history`            training and validation curves, one panel per metric
:func:`plot_history_combined`   every curve of a history on one axes
:func:`plot_predictions`        one row per image: image, ground truth, prediction, overlay
:func:`plot_results`            the 2x2 results figure of one image
:func:`plot_confusion_matrix`   a confusion matrix as a coloured table
:func:`plot_thresholds`         classical methods' results side by side, with their scores
:func:`plot_unet`               the whole U of a U-Net, drawn from its layers
==============================  =============================================================

The pieces these figures are made of (drawing an image, a mask or an overlay on axes of
your own, and reading inputs by the same rules) are public in :mod:`helpers.plots.axes`.
The ``_inputs``, ``_overlay``, ``_figures``, ``_history`` and ``_unet`` modules are the
implementation. Errors are :class:`helpers.errors.PlotInputError`.

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

from . import axes  # noqa: F401  (a public submodule: helpers.plots.axes)
from ._figures import (
    plot_confusion_matrix,
    plot_predictions,
    plot_results,
    plot_samples,
    plot_thresholds,
)
from ._history import plot_history, plot_history_combined
from ._overlay import overlay
from ._unet import plot_unet

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
