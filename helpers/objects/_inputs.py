"""Checking the inputs of helpers.objects: one 2-D label image or mask."""

from __future__ import annotations

import numpy as np

from helpers.conventions import foreground
from helpers.errors import ObjectInputError


def _two_d(array: np.ndarray, name: str) -> np.ndarray:
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2:
        raise ObjectInputError(
            f"{name} must be one image of shape (H, W) or (H, W, 1), got shape {array.shape}; "
            "for a batch, call this once per image."
        )
    return array


def _as_labels(labels, name: str = "labels") -> np.ndarray:
    """An integer label image ``(H, W)``: 0 background, one positive number per object."""
    array = _two_d(np.asarray(labels), name)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ObjectInputError(
            f"{name} must be an integer label image (0 = background, 1, 2, ... one number "
            f"per object), got dtype {array.dtype}. Turn a mask into one with "
            "label_objects(mask)."
        )
    if array.size and array.min() < 0:
        raise ObjectInputError(
            f"{name} holds negative labels ({array.min()}); use 0 for background."
        )
    return array


def _foreground(mask_or_probability, threshold: float) -> np.ndarray:
    array = _two_d(np.asarray(mask_or_probability), "mask_or_probability")
    if array.dtype == bool:
        return array
    if np.issubdtype(array.dtype, np.integer):
        if array.size and array.min() < 0:
            raise ObjectInputError("A mask holds 0 for background and positive values for objects.")
        return array > 0
    if not np.issubdtype(array.dtype, np.floating):
        raise ObjectInputError(f"Expected a mask or probabilities, got dtype {array.dtype}.")
    if array.size and not (np.nanmin(array) >= 0 and np.nanmax(array) <= 1):
        raise ObjectInputError(
            f"Float input is read as probabilities in [0, 1], got values from "
            f"{np.nanmin(array):g} to {np.nanmax(array):g}: pass a bool or integer mask instead."
        )
    return foreground(array, threshold=threshold)
