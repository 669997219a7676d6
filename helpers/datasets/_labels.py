"""Mask labels checked against ``num_classes``, and masks in the dtype that training takes."""

from __future__ import annotations

import numpy as np

from helpers.errors import DataError

__all__ = ["check_mask_labels", "mask_for_training"]


def check_mask_labels(mask: np.ndarray, num_classes: int, where: str) -> None:
    """Check that a mask's labels fit ``num_classes``, as the training pipelines do.

    Parameters
    ----------
    mask : ndarray of integer labels, any shape
        As :func:`helpers.io.read_mask` gives it (0/255 already made 0/1).
    num_classes : int
        1: a binary mask (labels 0 and 1). More: class indices ``0..num_classes - 1``
        (background included).
    where : str
        What the mask is, for the message: its file name, or e.g. ``"the masks array"``.

    Raises
    ------
    DataError
        When a label is above 1 (``num_classes=1``) or at least ``num_classes``; the
        message names ``where`` and the ``num_classes`` that would fit.

    Example
    -------
    >>> check_mask_labels(np.array([[0, 1], [1, 0]]), 1, "a.png")
    >>> check_mask_labels(np.array([[0, 2]]), 1, "b.png")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.errors.DataError: b.png has labels up to 2, ... (background included).
    """
    top = int(mask.max()) if mask.size else 0
    if num_classes == 1 and top > 1:
        raise DataError(
            f"{where} has labels up to {top}, but num_classes=1 means background/object "
            f"(0/1). For class indices pass num_classes={top + 1} (background included)."
        )
    if num_classes > 1 and top >= num_classes:
        raise DataError(
            f"{where} has label {top}, but num_classes={num_classes} allows 0..{num_classes - 1}. "
            f"Pass num_classes={top + 1} or fix the mask."
        )


def mask_for_training(mask: np.ndarray, num_classes: int) -> np.ndarray:
    """A mask as a loss takes it: float32 0./1. (``num_classes=1``), else int32 indices.

    Parameters
    ----------
    mask : ndarray of integer labels, any shape
    num_classes : int

    Returns
    -------
    ndarray of float32 or int32, the shape of ``mask``
    """
    return mask.astype(np.float32 if num_classes == 1 else np.int32)
