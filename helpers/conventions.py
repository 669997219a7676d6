"""The array conventions of the course: one rule each, used by every module.

``io`` (files), ``datasets`` (tf.data), ``classical`` (thresholds), ``metrics`` (scores),
``objects``, ``via`` and ``plots`` (pictures) all meet the same five questions; they
answer them here, so an array means the same thing wherever it goes.

Pixels as floats: :func:`float_image`
--------------------------------------
The dtype says the scale, never the image's own values (so brightness means the same in
every image, however dark or bright it is):

=================  ================================================================
``uint8``          divided by 255
``uint16``         divided by 65535
``bool``           0.0 and 1.0
float              kept, and must already be in [0, 1]; an overshoot of up to
                   :data:`FLOAT_TOLERANCE` (rounding after interpolation) is clipped;
                   NaN and infinity are refused
other integers     refused (``int32``, ``int64`` ...: their scale is unknown; convert
                   with ``.astype(np.uint8)`` when the values are 0..255)
=================  ================================================================

The result is float32 of the same shape. This is scikit-image's ``img_as_float32`` for
``uint8``, ``uint16`` and ``bool`` (the tests check it), stricter for the rest.
Normalising twice changes nothing.

Grey from RGB: :func:`grey_from_rgb`
------------------------------------
``0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601 luma): what OpenCV's
``cv2.imread(path, 0)`` (the learning module's way of loading "in grayscale"),
Pillow's ``convert("L")`` and TensorFlow's ``rgb_to_grayscale`` compute, so a learner
who loads grey the usual way gets the same numbers. An alpha channel is dropped. The
result is float64 in the image's own units (0-255 for 8-bit pixels, no rounding, no
rescaling), so a threshold read off a histogram means what it says. (scikit-image's
``rgb2gray`` uses the BT.709 weights ``0.2125, 0.7154, 0.0721`` instead: for a pure red
pixel the two differ by 22 grey levels out of 255.)

Labels from a mask: :func:`mask_labels`
---------------------------------------
- ``bool``: ``True`` is the object (returned as it is);
- only ``0`` and ``255`` (or only ``0`` and ``65535``), in any dtype: an 8-bit (16-bit)
  mask *image*, read as 0/1; a mask of 255 only is all object. Label 255 is never a
  class index: this is the one reading of such a mask everywhere (files, metrics,
  pictures);
- other whole numbers ``>= 0`` (integers, or floats holding whole numbers) are class
  indices, 0 the background;
- floats in [0, 1] that are not whole numbers are probabilities, refused with a
  :class:`~helpers.errors.ProbabilitiesError` (threshold or argmax them first);
  negative, fractional, NaN or non-numeric values are refused too.

Foreground from probabilities: :func:`foreground`
-------------------------------------------------
A pixel is foreground where its probability is *at least* :data:`THRESHOLD` (0.5):
``probability >= threshold``, so a pixel exactly at the threshold is foreground. This
is what ``keras.metrics.BinaryIoU`` does, and it is the one rule everywhere: scores
(``metrics.binarize``, the Keras training metrics of ``losses``), predictions
(``inference.to_mask``), objects (``objects.label_objects``) and polygons written back
to VIA (``via.masks_to_via``). With ``>`` in one place and ``>=`` in another, a
prediction could be scored on other pixels than those drawn or exported. Every
``threshold`` option of the course defaults to :data:`THRESHOLD`.

Empty masks: :func:`score_ratio`
--------------------------------
A score that is a ratio of counts (IoU, Dice, precision, recall, F1, and their object
versions) is ``num / den``; where there was nothing to find *and* nothing was found
(both masks empty), it is the caller's ``empty`` value (``1.0``: a perfect answer; or
``np.nan`` to leave the image out of a mean); any other zero denominator gives ``0.0``
(scikit-learn's ``zero_division=0``).

Example
-------
>>> import numpy as np
>>> foreground(np.array([0.2, 0.5, 0.9]))
array([False,  True,  True])
>>> score_ratio(np.array([0, 0, 1]), np.array([0, 2, 2]), np.array([True, False, False]))
array([1. , 0. , 0.5])
>>> float_image(np.array([0, 51, 255], np.uint8))
array([0. , 0.2, 1. ], dtype=float32)
>>> grey_from_rgb(np.array([[[255, 0, 0], [255, 255, 255]]], np.uint8))
array([[ 76.245, 255.   ]])
>>> mask_labels(np.array([0, 255, 255], np.uint8))
array([0, 1, 1], dtype=uint8)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.errors import DataError, PixelTypeError, ProbabilitiesError

__all__ = [
    "FLOAT_TOLERANCE",
    "GREY_WEIGHTS",
    "MASK_IMAGE_VALUES",
    "THRESHOLD",
    "float_image",
    "foreground",
    "grey_from_rgb",
    "mask_labels",
    "score_ratio",
]

#: ITU-R BT.601 luma weights for R, G, B (OpenCV, Pillow, TensorFlow).
GREY_WEIGHTS = (0.299, 0.587, 0.114)

#: How far outside [0, 1] a float image may be (rounding) before it is refused.
FLOAT_TOLERANCE = 1e-3

#: The object's value in an 8-bit and a 16-bit mask image (with 0 for the background).
MASK_IMAGE_VALUES = (255, 65535)

#: Foreground is ``probability >= THRESHOLD`` (:func:`foreground`); every default threshold.
THRESHOLD = 0.5


def float_image(
    image: Any, *, what: str = "The image", error: type[Exception] | None = None
) -> np.ndarray:
    """Pixels as float32 in [0, 1], by the rule of the module docstring.

    Parameters
    ----------
    image : array_like of uint8, uint16, bool or float, any shape
    what : str
        How messages name the array (``"The image"``, a file name).
    error : exception class, optional
        The :class:`~helpers.errors.CourseError` to raise (each module raises its own);
        default :class:`~helpers.errors.DataError`, or
        :class:`~helpers.errors.PixelTypeError` for a dtype that is not taken.

    Returns
    -------
    ndarray of float32, same shape

    Raises
    ------
    DataError
        Floats outside [0, 1] (beyond :data:`FLOAT_TOLERANCE`), NaN or infinity.
    PixelTypeError
        Other integer dtypes, and anything that is not a number.
    """
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array.astype(np.float32) / np.float32(255)
    if array.dtype == np.uint16:
        return array.astype(np.float32) / np.float32(65535)
    if array.dtype == np.bool_:
        return array.astype(np.float32)
    if array.dtype.kind != "f":
        raise (error or PixelTypeError)(
            f"{what} has dtype {array.dtype}, whose pixel scale is unknown: expected uint8 or "
            "uint16 pixels (as io.read_image gives them), bool, or floats in [0, 1]. Convert "
            "with .astype(np.uint8) or .astype(np.uint16) if the values fit."
        )
    array = array.astype(np.float32)
    if not array.size:
        return array
    if not np.isfinite(array).all():
        raise (error or DataError)(
            f"{what} holds NaN or infinite values: find where they came from (a division "
            "by zero?) before using it."
        )
    low, high = float(array.min()), float(array.max())
    if low < -FLOAT_TOLERANCE or high > 1 + FLOAT_TOLERANCE:
        raise (error or DataError)(
            f"{what} holds floats from {low:.3g} to {high:.3g}; expected [0, 1]. Divide "
            "8-bit pixels by 255 (or pass the uint8/uint16 pixels as read, and let the "
            "course normalise them)."
        )
    if low < 0 or high > 1:
        np.clip(array, 0.0, 1.0, out=array)
    return array


def grey_from_rgb(
    rgb: Any, *, what: str = "The image", error: type[Exception] | None = None
) -> np.ndarray:
    """Grey values ``0.299 R + 0.587 G + 0.114 B`` of colour pixels, in their own units.

    Parameters
    ----------
    rgb : array_like, shape (..., 3) or (..., 4)
        RGB or RGBA pixels of any numeric dtype (alpha is dropped).
    what, error
        As for :func:`float_image` (default :class:`~helpers.errors.DataError`).

    Returns
    -------
    ndarray of float64, shape ``rgb.shape[:-1]``
        Not rounded, not rescaled: 8-bit pixels give values in [0, 255].

    Raises
    ------
    DataError
        The last axis is not 3 or 4 channels.
    """
    array = np.asarray(rgb)
    if array.ndim < 1 or array.shape[-1] not in (3, 4):
        raise (error or DataError)(
            f"{what} has shape {array.shape}; grey_from_rgb takes colour pixels with 3 (RGB) "
            "or 4 (RGBA) channels on the last axis."
        )
    if array.dtype.kind not in "biuf":
        raise (error or PixelTypeError)(f"{what} has dtype {array.dtype}; expected numbers.")
    return array[..., :3].astype(np.float64) @ np.array(GREY_WEIGHTS)


def mask_labels(
    mask: Any,
    *,
    what: str = "The mask",
    max_label: int | None = None,
    error: type[Exception] | None = None,
) -> np.ndarray:
    """A mask's labels, by the rule of the module docstring (0/255 becomes 0/1).

    Parameters
    ----------
    mask : array_like of bool, integers, or floats holding whole numbers; any shape
    what : str
        How messages name the array (``"y_true"``, a file name).
    max_label : int, optional
        Largest class index taken (``io.read_mask`` uses 31: more grey levels than that
        are a JPEG-compressed or grey-coded mask, not labels). Default: no limit.
    error : exception class, optional
        As for :func:`float_image`.

    Returns
    -------
    ndarray, same shape
        ``bool`` masks as they are; 0/255 and 0/65535 masks as ``uint8`` 0/1; integer
        labels as they are; whole-number floats as the smallest unsigned integer type.

    Raises
    ------
    ProbabilitiesError
        Floats in [0, 1] that are not whole numbers.
    DataError
        Negative, fractional or non-finite values, or labels above ``max_label``.
    PixelTypeError
        A dtype that is not bool, integer or float.
    """
    array = np.asarray(mask)
    if array.dtype == np.bool_:
        return array
    value_error = error or DataError
    if array.dtype.kind == "f":
        finite = bool(np.isfinite(array).all())
        if not finite or not np.equal(np.mod(array, 1), 0).all():
            if finite and array.min() >= 0 and array.max() <= 1:
                raise ProbabilitiesError(
                    f"{what} holds values between 0 and 1 that are not whole numbers: "
                    "probabilities, not labels. Threshold them first with "
                    "binarize(probs, threshold=0.5) (helpers.metrics), or for softmax outputs "
                    "use to_labels(probs)."
                )
            raise value_error(
                f"{what} holds values that are not whole numbers (min {np.nanmin(array):g}, "
                f"max {np.nanmax(array):g}): pass labels (0 = background, 1, 2, ...). For a "
                "model's raw outputs (logits), apply a sigmoid or softmax first."
            )
    elif array.dtype.kind not in "iu":
        raise (error or PixelTypeError)(
            f"{what} has dtype {array.dtype}; a mask holds bool or integer labels."
        )
    if array.size == 0:
        return array
    low, high = array.min(), array.max()
    if low < 0:
        raise value_error(
            f"{what} holds negative labels (min {low:g}); labels start at 0 (background)."
        )
    if high in MASK_IMAGE_VALUES and not np.any((array != 0) & (array != high)):
        return (array == high).astype(np.uint8)  # a mask image: 0/255 (or 0/65535)
    if max_label is not None and high > max_label:
        values = np.unique(array)
        shown = ", ".join(str(v) for v in values[:8].tolist())
        shown += ", ..." if len(values) > 8 else ""
        raise value_error(
            f"{what} is not a label mask: it has {len(values)} different values ({shown}). "
            f"A mask holds 0/255 or 0/1 (background/object) or class indices 0..{max_label}. "
            "A mask saved as JPEG gets extra grey levels from the compression: save masks "
            "as PNG. A mask that codes classes as grey levels: map each level to 0, 1, 2, "
            "... first."
        )
    if array.dtype.kind == "f":
        return array.astype(np.min_scalar_type(int(high)))
    return array


def foreground(probabilities: Any, *, threshold: float = THRESHOLD) -> np.ndarray:
    """Foreground where ``probabilities >= threshold``: the course's one foreground rule.

    A pixel exactly at the threshold is foreground (as ``keras.metrics.BinaryIoU``), in
    every module that thresholds: see the module docstring.

    Parameters
    ----------
    probabilities : array_like of float, any shape
        Sigmoid outputs (or any scores compared with ``threshold``). NaN is never
        foreground.
    threshold : float
        The smallest probability that counts as foreground (default :data:`THRESHOLD`).

    Returns
    -------
    ndarray of bool, same shape

    Examples
    --------
    >>> foreground(np.array([[0.1, 0.5], [0.49, 1.0]]), threshold=0.5)
    array([[False,  True],
           [False,  True]])
    """
    return np.asarray(probabilities) >= threshold


def score_ratio(num: Any, den: Any, both_empty: Any, *, empty: float = 1.0) -> np.ndarray:
    """``num / den`` by the course's empty-mask rule, element by element.

    Parameters
    ----------
    num, den : array_like of int or float, shape (...)
        Numerators and denominators of the same shape (counts: ``tp`` and
        ``tp + fp + fn`` for an IoU, per image, per class or per threshold).
    both_empty : array_like of bool, broadcastable to ``num`` (a single bool too)
        Where both masks (or both object sets) are empty: nothing to find, nothing found.
    empty : float
        The score where ``both_empty`` (``1.0``, a perfect answer; ``np.nan`` leaves
        such images out of ``np.nanmean``).

    Returns
    -------
    ndarray of float64, shape of ``num``
        ``num / den`` where ``den > 0``; ``empty`` where ``both_empty`` (whatever the
        ratio); ``0.0`` for any other zero denominator (scikit-learn's ``zero_division=0``:
        the precision of an empty prediction when there was something to find).

    Examples
    --------
    >>> tp, fp, fn = np.array([3, 0, 0]), np.array([1, 0, 2]), np.array([0, 0, 0])
    >>> score_ratio(tp, tp + fp, (tp + fp + fn) == 0, empty=np.nan)  # precision
    array([0.75,  nan, 0.  ])
    """
    out = np.divide(num, den, out=np.zeros(np.shape(num), np.float64), where=np.asarray(den) > 0)
    out[np.broadcast_to(both_empty, out.shape)] = empty
    return out
