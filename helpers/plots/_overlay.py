"""The colours of prediction and ground truth, and the tint that draws a mask over an image."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.errors import PlotInputError

from ._inputs import as_display_image, as_mask

__all__ = ["PREDICTION_COLOR", "TRUTH_COLOR", "OVERLAY_TITLE", "overlay"]

PREDICTION_COLOR = (1.0, 0.2, 0.2)  # red tint: the prediction
TRUTH_COLOR = (
    0.0,
    0.9,
    1.0,
)  # cyan outline: the ground truth (red/cyan reads for colour-blind eyes too)
OVERLAY_TITLE = "prediction (red) over image\nground truth outline (cyan)"


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
    picture = as_display_image(image)
    truth = as_mask(mask)
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
