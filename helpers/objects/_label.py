"""Objects from masks (connected components, touching ones split) and their measurements."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage

from helpers.conventions import THRESHOLD
from helpers.errors import ObjectInputError

from ._inputs import _as_labels, _foreground


def _structure(connectivity: int) -> np.ndarray:
    if connectivity not in (1, 2):
        raise ObjectInputError(
            f"connectivity is 1 (pixels touching by an edge) or 2 (by an edge or a corner), "
            f"got {connectivity}."
        )
    return ndimage.generate_binary_structure(2, connectivity)


def _seeds(distance: np.ndarray, depth: float) -> np.ndarray:
    """Seeds at the peaks of ``distance`` that stand at least ``depth`` above their neck.

    The h-dome transform (distance minus its reconstruction from ``distance - depth``) is
    positive on the cap of each peak; a cap whose top reaches ``depth`` is a peak that
    high above the neck to any higher one. Two peaks of equal height joined by a
    shallow dip share one cap, so they make one seed (``skimage.morphology.h_maxima``
    would keep both).
    """
    from skimage.morphology import reconstruction

    dome = distance - reconstruction(distance - depth, distance, method="dilation")
    caps, count = ndimage.label(dome > 1e-9, structure=np.ones((3, 3), bool))
    if count == 0:
        return caps
    tops = ndimage.maximum(dome, caps, np.arange(1, count + 1))
    keep = np.concatenate([[False], np.asarray(tops) >= depth - 1e-6])
    return _relabel_by_size(np.where(keep[caps], caps, 0), 1)


def _split_touching(
    mask: np.ndarray, components: np.ndarray, depth: float, structure: np.ndarray
) -> np.ndarray:
    """Watershed of the negated distance transform, one seed per distance peak."""
    from skimage.segmentation import watershed

    distance = ndimage.distance_transform_edt(mask)
    # Two round objects touching along a narrow neck make two seeds; the ridge along
    # one elongated object, however bumpy, makes one.
    markers = _seeds(distance, depth)
    labels = watershed(-distance, markers, mask=mask, connectivity=structure)
    # Objects too thin to hold a peak of that height keep their connected component.
    missing = mask & (labels == 0)
    if missing.any():
        labels = np.where(missing, components + labels.max(), labels)
    return labels


def _relabel_by_size(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Drop objects under ``min_size`` pixels and number the rest 1..n in label order."""
    sizes = np.bincount(labels.ravel())
    keep = sizes >= min_size
    keep[0] = False
    new = np.zeros(len(sizes), np.int32)
    new[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    return new[labels]


def label_objects(
    mask_or_probability,
    *,
    threshold: float = THRESHOLD,
    split_touching: bool = False,
    min_size: int = 1,
    connectivity: int = 1,
    split_depth: float = 1.0,
) -> np.ndarray:
    """Objects of a mask: each connected group of foreground pixels gets its own number.

    Parameters
    ----------
    mask_or_probability : array_like, shape (H, W) or (H, W, 1)
        A bool mask; an integer mask (foreground where > 0: 0/1, 0/255); or float
        probabilities in [0, 1] (foreground where >= ``threshold``).
    threshold : float
        Probability from which a pixel is foreground (float input only; the course's
        one rule, :func:`helpers.conventions.foreground`).
    split_touching : bool
        Split objects that touch along a narrow neck, with a watershed of the negated
        distance transform seeded at its peaks (as chapter 2's ``watershed_labels``).
    min_size : int
        Objects with fewer pixels are dropped (1 keeps all).
    connectivity : {1, 2}
        Pixels touching by an edge (1, ``scipy.ndimage.label``'s default) or also by a
        corner (2) belong to the same object.
    split_depth : float
        With ``split_touching``: a distance peak becomes its own object when it stands
        at least this many pixels above the neck to a higher peak. Lower splits more.

    Returns
    -------
    ndarray of int32, shape (H, W)
        0 for background and 1, 2, ..., n for the objects, numbered in scan order
        (top to bottom, then left to right).

    Raises
    ------
    ObjectInputError
        For an input that is not one 2-D mask, float values outside [0, 1], or a
        connectivity other than 1 or 2.

    Examples
    --------
    >>> mask = np.array([[1, 1, 0, 0],
    ...                  [0, 0, 0, 1],
    ...                  [0, 0, 1, 1]], np.uint8)
    >>> label_objects(mask)
    array([[1, 1, 0, 0],
           [0, 0, 0, 2],
           [0, 0, 2, 2]], dtype=int32)
    """
    structure = _structure(connectivity)
    mask = _foreground(mask_or_probability, threshold)
    components, _ = ndimage.label(mask, structure=structure)
    labels = components
    if split_touching and mask.any():
        labels = _split_touching(mask, components, float(split_depth), structure)
    if not split_touching and min_size <= 1:
        return components.astype(np.int32)
    # Renumber in scan order (the watershed numbers objects by seed).
    labels = _relabel_by_size(labels, int(min_size))
    return _scan_order(labels)


def _scan_order(labels: np.ndarray) -> np.ndarray:
    """Renumber 1..n by the position of each object's first pixel in scan order."""
    flat = labels.ravel()
    ids, first = np.unique(flat, return_index=True)
    order = ids[np.argsort(first)]
    order = order[order != 0]
    new = np.zeros(int(flat.max()) + 1 if flat.size else 1, np.int32)
    new[order] = np.arange(1, len(order) + 1, dtype=np.int32)
    return new[labels]


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------

_PROPERTIES = {  # regionprops name -> (our column, dimension: 0 none, 1 length, 2 area)
    "area": ("area", 2),
    "equivalent_diameter_area": ("equivalent_diameter", 1),
    "axis_major_length": ("major_axis", 1),
    "axis_minor_length": ("minor_axis", 1),
    "eccentricity": ("eccentricity", 0),
    "solidity": ("solidity", 0),
}


def measure(labels, image=None, *, pixel_size: float | None = None) -> pd.DataFrame:
    """One row of measurements per object, from ``skimage.measure.regionprops_table``.

    Parameters
    ----------
    labels : array_like of int, shape (H, W)
        A label image (0 background), e.g. from :func:`label_objects`.
    image : array_like, shape (H, W), (H, W, 1) or (H, W, C), optional
        The image the objects come from, for their mean intensity (in the image's own
        units: 0-255 for a uint8 image, 0-1 for a normalised one).
    pixel_size : float, optional
        Side of one pixel in microns. Lengths are then in microns (columns ``*_um``) and
        areas in square microns (``area_um2``); without it, in pixels (``*_px``,
        ``area_px``: a count of pixels).

    Returns
    -------
    pandas.DataFrame
        One row per object, in label order: ``label``, ``centroid_row_px``,
        ``centroid_col_px``, ``area_px`` (or ``area_um2``), ``equivalent_diameter_px``
        (the diameter of a disk of the same area), ``major_axis_px`` and ``minor_axis_px``
        (length and width of the ellipse with the same second moments), ``eccentricity``
        (0 for a circle, towards 1 for a line), ``solidity`` (area / convex hull area),
        and ``mean_intensity`` (one column per channel, ``mean_intensity_0``, ...,
        for a colour image). ``attrs["units"]`` is ``"pixels"`` or ``"microns"``.

    Raises
    ------
    ObjectInputError
        For labels that are not an integer image, an image of another size, or a
        pixel size that is not a positive number.

    Examples
    --------
    >>> square = np.zeros((6, 6), int); square[1:5, 1:5] = 1
    >>> measure(square)[["label", "area_px", "solidity"]].to_dict("records")
    [{'label': 1, 'area_px': 16.0, 'solidity': 1.0}]
    """
    from skimage.measure import regionprops_table

    labels = _as_labels(labels)
    if pixel_size is not None and not (np.isfinite(pixel_size) and pixel_size > 0):
        raise ObjectInputError(
            f"pixel_size is the side of a pixel in microns (> 0), got {pixel_size}."
        )
    properties = ["label", "centroid", *_PROPERTIES]
    intensity = None
    if image is not None:
        intensity = np.asarray(image)
        if intensity.ndim == 3 and intensity.shape[-1] == 1:
            intensity = intensity[..., 0]
        if intensity.shape[:2] != labels.shape or intensity.ndim not in (2, 3):
            raise ObjectInputError(
                f"The image has shape {intensity.shape} and the labels {labels.shape}: give "
                "the image the labels were made from, at the same size."
            )
        properties.append("intensity_mean")
    raw = regionprops_table(labels, intensity_image=intensity, properties=properties)
    unit, scale = ("um", float(pixel_size)) if pixel_size else ("px", 1.0)
    table = pd.DataFrame(
        {
            "label": raw["label"].astype(np.int64),
            "centroid_row_px": raw["centroid-0"],
            "centroid_col_px": raw["centroid-1"],
        }
    )
    for name, (column, dimension) in _PROPERTIES.items():
        values = np.asarray(raw[name], np.float64)
        suffix = {0: "", 1: f"_{unit}", 2: f"_{unit}2" if unit == "um" else "_px"}[dimension]
        table[column + suffix] = values * scale**dimension
    for key in sorted(k for k in raw if k.startswith("intensity_mean")):
        column = key.replace("intensity_mean", "mean_intensity").replace("-", "_")
        table[column] = np.asarray(raw[key], np.float64)
    table.attrs["units"] = "microns" if pixel_size else "pixels"
    return table
