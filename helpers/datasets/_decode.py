"""The two readers of a pipeline's pairs: TensorFlow's decoders in the graph, and
:mod:`helpers.io`'s NumPy reader through ``tf.numpy_function``; both give the same pixels.

A :class:`DataError` met while reading does not leave the pair out: it travels with the
pair as a message (``problem``), so that a cache keeps it and every epoch raises it again
(:func:`raise_pair_problem`).
"""

from __future__ import annotations

import numpy as np

from helpers.conventions import float_image
from helpers.errors import DataError
from helpers.io import load_pair, read_image, read_mask

from ._labels import check_mask_labels
from ._plan import PairPlan

__all__ = [
    "decode_file",
    "decode_in_graph",
    "graph_pair",
    "mask_in_graph",
    "numpy_pair",
    "raise_pair_problem",
    "read_pair",
]

#: Marks a pair whose mask TensorFlow decoded but whose labels (or size) do not fit: the
#: NumPy reader reads it again to raise the DataError that says what is wrong.
_RECHECK = "recheck:"


def decode_file(path, channels: int, png: bool):
    """A PNG, BMP (or, ``png=False``, any format TensorFlow knows) file's pixels, uint8
    (H, W, ``channels``; 0: as stored), by TensorFlow's decoders.

    ``png``: the file is a PNG (``decode_png`` skips ``decode_image``'s sniffing)."""
    import tensorflow as tf

    data = tf.io.read_file(path)
    if png:  # decode_png skips decode_image's sniffing of the format
        return tf.io.decode_png(data, channels=channels)
    return tf.io.decode_image(data, channels=channels, expand_animations=False)


def decode_in_graph(path, channels: int, *, png: bool = False, grey: bool = False):
    """Pixels of a PNG or BMP file as uint8 (H, W, ``channels``), with
    TensorFlow's decoders: alpha dropped, grey from RGB by the course's formula
    (:func:`helpers.conventions.grey_from_rgb`, rounded), as :func:`helpers.io.read_image`.
    ``png``: every file is a PNG; ``grey``: every file is grey (no colour to convert)."""
    import tensorflow as tf

    from helpers.conventions import GREY_WEIGHTS

    if grey:  # every file is grey: no alpha or colour to handle
        pixels = tf.ensure_shape(decode_file(path, 1, png), (None, None, 1))
        return tf.tile(pixels, [1, 1, 3]) if channels == 3 else pixels
    pixels = decode_file(path, 0, png)
    found = tf.shape(pixels)[-1]
    pixels = tf.cond(found >= 3, lambda: pixels[..., :3], lambda: pixels[..., :1])  # no alpha
    if channels == 1:

        def grey_from_rgb():
            rgb = tf.cast(pixels, tf.float64)
            value = (
                rgb[..., 0] * GREY_WEIGHTS[0]
                + rgb[..., 1] * GREY_WEIGHTS[1]
                + rgb[..., 2] * GREY_WEIGHTS[2]
            )
            return tf.cast(tf.round(value), tf.uint8)[..., None]  # half to even, as np.rint

        pixels = tf.cond(tf.shape(pixels)[-1] == 3, grey_from_rgb, lambda: pixels[..., :1])
    else:
        pixels = tf.cond(
            tf.shape(pixels)[-1] == 1,
            lambda: tf.tile(pixels[..., :1], [1, 1, 3]),
            lambda: pixels[..., :3],
        )
    return tf.ensure_shape(pixels, (None, None, channels))


def mask_in_graph(path, *, png: bool = False):
    """A grey 8-bit mask file's pixels (H, W) uint8, decoded by TensorFlow (labels not yet
    checked)."""
    return decode_file(path, 1, png)[..., 0]


def read_pair(plan: PairPlan, image_path: bytes, mask_path: bytes):
    """The NumPy reader: io's own functions, at the file's size.

    Returns
    -------
    image : ndarray of ``plan.stored``, shape (H, W, ``plan.channels``)
    mask : ndarray of uint8 labels, shape (H, W)
    problem : bytes
        Empty, or the message of the :class:`DataError` met (then image and mask are
        1x1 placeholders): kept with the pair so that a cache holds it and every epoch
        raises it again, instead of leaving the pair out.
    """
    image_name, mask_name = image_path.decode("utf-8"), mask_path.decode("utf-8")
    try:
        image = float_image(read_image(image_name, channels=plan.channels))
        image = np.rint(image * plan.top).astype(plan.stored)  # exact for 8- and 16-bit files
        mask = read_mask(mask_name)
        if image.shape[:2] != mask.shape:
            load_pair(
                image_name, mask_name, size=(plan.height, plan.width), channels=plan.channels
            )  # raises
        check_mask_labels(mask, plan.num_classes, mask_name)
    except DataError as error:
        nothing = np.zeros((1, 1), np.uint8)
        return np.zeros((1, 1, plan.channels), plan.stored), nothing, str(error).encode("utf-8")
    return image, mask, b""


def numpy_pair(plan: PairPlan, image_path, mask_path):
    """:func:`read_pair` in the graph (``tf.numpy_function``): (image, mask, problem)."""
    import tensorflow as tf

    image, mask, problem = tf.numpy_function(
        lambda image, mask: read_pair(plan, image, mask),
        [image_path, mask_path],
        (tf.as_dtype(plan.stored), tf.uint8, tf.string),
    )
    return (
        tf.ensure_shape(image, (None, None, plan.channels)),
        tf.ensure_shape(mask, (None, None)),
        tf.ensure_shape(problem, ()),
    )


def graph_pair(plan: PairPlan, image_path, mask_path):
    """TensorFlow's decoders: (image, mask, problem) as :func:`numpy_pair` gives them. A
    mask that is not labels (or a size that differs) is marked in ``problem``, and read
    again by the NumPy reader later (:func:`raise_pair_problem`), which says what is
    wrong."""
    import tensorflow as tf

    image = decode_in_graph(image_path, plan.channels, png=plan.all_png, grey=plan.all_grey)
    if plan.stored == np.uint16:
        image = tf.cast(image, tf.uint16) * 257  # 8-bit v is 257 v in 16 bits
    raw = mask_in_graph(mask_path, png=plan.all_png)
    peak = tf.reduce_max(raw)
    image_mask = tf.logical_and(tf.equal(peak, 255), tf.reduce_all((raw == 0) | (raw == 255)))
    labels = tf.where(image_mask, tf.minimum(raw, 1), raw)  # 0/255 is 0/1 (mask_labels)
    fits = tf.logical_and(
        tf.logical_or(image_mask, peak <= plan.limit),
        tf.reduce_all(tf.shape(image)[:2] == tf.shape(raw)),
    )
    problem = tf.where(fits, "", _RECHECK + image_path + "\t" + mask_path)
    return image, labels, problem


def raise_pair_problem(plan: PairPlan, problems: np.ndarray) -> np.ndarray:
    """Raise the first non-empty ``problem`` of a batch as a :class:`DataError` (a pair
    marked by :func:`graph_pair` is read again by :func:`read_pair` for its message).

    Raises
    ------
    DataError
        Always (it is called only when a problem is there).
    """
    problem = next(p for p in problems if p).decode("utf-8")
    if problem.startswith(_RECHECK):
        problem = read_pair(plan, *problem[len(_RECHECK) :].encode("utf-8").split(b"\t"))[2]
        problem = problem.decode("utf-8") or "A pair could not be read."
    raise DataError(problem)
