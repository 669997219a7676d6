"""The boundary distance HD95 between masks, per image."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from helpers.errors import MetricInputError

from ._scores import _prepare


def _hd95_one(t: np.ndarray, p: np.ndarray, structure: np.ndarray) -> float:
    if not t.any() or not p.any():
        return float("nan") if not t.any() and not p.any() else float("inf")
    # The boundary is the mask minus its erosion; the image edge counts as outside.
    t_edge = t ^ ndimage.binary_erosion(t, structure=structure)
    p_edge = p ^ ndimage.binary_erosion(p, structure=structure)
    to_p = ndimage.distance_transform_edt(~p_edge)[t_edge]
    to_t = ndimage.distance_transform_edt(~t_edge)[p_edge]
    return float(np.percentile(np.concatenate([to_p, to_t]), 95))


def hd95(y_true, y_pred, *, connectivity: int = 1, ignore: int | None = None) -> np.ndarray | float:
    """95th percentile of the symmetric boundary distance, in pixels, per image.

    The distances from every boundary pixel of each mask to the nearest boundary pixel
    of the other are pooled, and their 95th percentile (linear interpolation) is
    returned: the definition of ``medpy.metric.binary.hd95`` with unit spacing (the
    tests check it). Boundary pixels are those removed by one erosion with
    ``scipy.ndimage.generate_binary_structure(2, connectivity)``. Written here with
    SciPy rather than calling MedPy because MedPy raises on empty masks and is not a
    runtime dependency.

    Parameters
    ----------
    y_true, y_pred : array_like of bool or {0, 1}, shape (N, H, W) or (H, W)
    connectivity : {1, 2}
        1: a pixel is on the boundary if one of its 4 neighbours is outside; 2: 8 neighbours.
    ignore : int, optional
        A label of ``y_true`` marking pixels to leave out (as for :func:`iou`): they are
        taken out of both masks' objects before the boundaries are found.

    Returns
    -------
    ndarray of float64, shape (N,) (a float for one image): ``nan`` where both masks
    are empty, ``inf`` where only one is.

    Raises
    ------
    MetricInputError
        For masks that are not binary, or that the metrics cannot score (see
        :func:`confusion_counts`).
    """
    t, p, c, single, keep = _prepare(y_true, y_pred, None, ignore)
    if c != 2:
        raise MetricInputError(
            f"hd95 takes binary masks, these hold labels up to {c - 1}: score one class "
            "at a time, e.g. hd95(y_true == k, y_pred == k)."
        )
    scores = _hd95_batch(t, p, connectivity=connectivity, keep=keep)
    return float(scores[0]) if single else scores


def _hd95_batch(t: np.ndarray, p: np.ndarray, *, connectivity: int, keep=None) -> np.ndarray:
    structure = ndimage.generate_binary_structure(2, connectivity)
    if keep is not None:  # ignored pixels are no object's
        t, p = t.astype(bool) & keep, p.astype(bool) & keep
    return np.array(
        [_hd95_one(a.astype(bool), b.astype(bool), structure) for a, b in zip(t, p, strict=True)],
        dtype=np.float64,
    )
