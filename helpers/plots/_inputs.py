"""Turning the arrays that callers pass into something to draw.

Images become float32 in [0, 1] by :func:`helpers.conventions.float_image` (the rule that
training and prediction use), masks become bool by :func:`helpers.conventions.mask_labels`
(0/255 is 0/1) or, for probabilities, by :func:`helpers.metrics.binarize`; batches become
lists. Every refusal is a :class:`~helpers.errors.PlotInputError` that says what to pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers.conventions import THRESHOLD, float_image, mask_labels
from helpers.errors import PlotInputError

__all__ = ["as_display_image", "as_mask", "is_probability_map", "as_list", "check_lengths"]


def as_display_image(image: Any, *, what: str = "image") -> np.ndarray:
    """An image as Matplotlib draws it: float32 in [0, 1], grey or RGB.

    Parameters
    ----------
    image : array_like, shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4)
        float in [0, 1], bool, or uint8 / uint16 (scaled by
        :func:`helpers.conventions.float_image`). One channel is squeezed; an alpha
        channel is dropped.
    what : str
        What the image is, for the error message.

    Returns
    -------
    ndarray of float32, shape (H, W) for grey or (H, W, 3) for colour, values in [0, 1]

    Raises
    ------
    PlotInputError
        When the shape is not one image's, or the pixels cannot be read as an image
        (floats outside [0, 1], integers beyond their type's range).

    Examples
    --------
    >>> import numpy as np
    >>> as_display_image(np.full((2, 3, 1), 255, dtype=np.uint8))
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] in (1, 3, 4):
        array = array[..., 0] if array.shape[-1] == 1 else array[..., :3]
    if array.ndim not in (2, 3):
        raise PlotInputError(
            f"The {what} has shape {array.shape}; expected (H, W), (H, W, 1) or (H, W, 3). "
            "To draw one image of a batch, pass images[i]."
        )
    return float_image(array, what=f"The {what}", error=PlotInputError)  # io's rule


def as_mask(mask: Any, *, what: str = "mask", threshold: float = THRESHOLD) -> np.ndarray:
    """A binary mask as bool pixels, by the rules the metrics use.

    Parameters
    ----------
    mask : array_like, shape (H, W) or (H, W, 1)
        bool, 0/1 or 0/255 labels (read by :func:`helpers.conventions.mask_labels`), or
        probabilities (float in [0, 1] that are not all 0 or 1), binarized by
        :func:`helpers.metrics.binarize` (``p >= threshold``).
    what : str
        What the mask is ("ground truth", "prediction"), for the error message.
    threshold : float
        Probability from which a pixel counts as foreground.

    Returns
    -------
    ndarray of bool, shape (H, W)

    Raises
    ------
    PlotInputError
        When the shape is not one mask's, the values are not a mask (logits, say), or
        the labels hold more than one class.

    Examples
    --------
    >>> import numpy as np
    >>> as_mask(np.array([[0, 255], [255, 0]], dtype=np.uint8))
    array([[False,  True],
           [ True, False]])
    >>> as_mask(np.array([[0.2, 0.7]]), threshold=0.5)
    array([[False,  True]])
    """
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


def is_probability_map(array: Any) -> bool:
    """Whether a prediction holds probabilities (floats not all 0 or 1), not a mask.

    Parameters
    ----------
    array : array_like, shape (H, W) or (H, W, 1)

    Returns
    -------
    bool
    """
    array = np.asarray(array)
    return np.issubdtype(array.dtype, np.floating) and not np.isin(array, (0, 1)).all()


def as_list(batch: Any, *, what: str) -> list[np.ndarray]:
    """A batch as a list of single arrays.

    Parameters
    ----------
    batch : ndarray of shape (N, H, W) or (N, H, W, C), or a sequence of arrays
        The arrays of a sequence may differ in size.
    what : str
        What the batch holds, plural ("images", "masks"), for the error message.

    Returns
    -------
    list of N ndarray, each (H, W) or (H, W, C)

    Raises
    ------
    PlotInputError
        When an array is not a batch (one image of shape (H, W), say).

    Examples
    --------
    >>> import numpy as np
    >>> [item.shape for item in as_list(np.zeros((2, 4, 5)), what="images")]
    [(4, 5), (4, 5)]
    """
    if isinstance(batch, np.ndarray):
        if batch.ndim not in (3, 4):
            raise PlotInputError(
                f"The {what} have shape {batch.shape}; expected a batch (N, H, W) or "
                "(N, H, W, C), or a list of images. For a single image, wrap it: [image]."
            )
        return list(batch)
    return [np.asarray(item) for item in batch]


def check_lengths(n: int, other: Sequence | None, *, what: str) -> None:
    """Refuse a list that does not give one item per image.

    Parameters
    ----------
    n : int
        How many images there are.
    other : sequence or None
        Masks, predictions, names or scores that go with them; ``None`` passes.
    what : str
        What ``other`` holds, plural, for the error message.

    Raises
    ------
    PlotInputError
        When ``other`` is given and its length is not ``n``.
    """
    if other is not None and len(other) != n:
        raise PlotInputError(f"Got {n} images but {len(other)} {what}: give one per image.")
