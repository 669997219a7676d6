"""How a decoded pair is kept: resized once to the pipeline's size, then image and mask
packed into one wide integer per pixel; and unpacked again for training.

Packing: channel ``k`` in bits ``k * bits ..``, the mask above the channels (``bits`` is
8, or 16 when any image is 16-bit). One copy per augmentation move instead of two, and
whole pixels move rather than bytes (``benchmarks/input_pipeline.py`` measures it).
"""

from __future__ import annotations

from ._plan import PairPlan

__all__ = ["pack_pair", "packed_dtype", "resize_pair", "unpack_batch"]


def packed_dtype(plan: PairPlan):
    """The unsigned TensorFlow dtype wide enough for a pixel's channels and its label."""
    import tensorflow as tf

    return {16: tf.uint16, 32: tf.uint32, 64: tf.uint64}[(plan.channels + 1) * plan.bits]


def resize_pair(plan: PairPlan, image, mask):
    """An image (H, W, C) of ``plan.stored`` and its mask (H, W) resized to the plan's
    size: area when shrinking, bilinear when growing (the image rounded back to
    ``plan.stored``), nearest for the mask; a pair of that size passes unchanged."""
    import tensorflow as tf

    height, width, top = plan.height, plan.width, plan.top
    image = tf.cast(image, tf.float32) / top
    rows, cols = tf.shape(image)[0], tf.shape(image)[1]
    shrink = tf.logical_and(rows >= height, cols >= width)
    same = tf.logical_and(tf.equal(rows, height), tf.equal(cols, width))
    image = tf.cond(
        same,
        lambda: image,
        lambda: tf.cond(
            shrink,
            lambda: tf.image.resize(image, (height, width), method="area"),
            lambda: tf.image.resize(image, (height, width), method="bilinear"),
        ),
    )
    mask = tf.image.resize(mask[..., None], (height, width), method="nearest")[..., 0]
    image = tf.cast(tf.round(tf.clip_by_value(image, 0.0, 1.0) * top), tf.as_dtype(plan.stored))
    return image, mask


def pack_pair(plan: PairPlan, image, mask):
    """Image (height, width, C) and mask (height, width) as one packed array (height, width)
    of :func:`packed_dtype`."""
    import tensorflow as tf

    packed_type, bits = packed_dtype(plan), plan.bits
    image = tf.ensure_shape(image, (plan.height, plan.width, plan.channels))
    parts = [image[..., k] for k in range(plan.channels)] + [tf.cast(mask, image.dtype)]
    packed = tf.cast(parts[0], packed_type)
    for k, part in enumerate(parts[1:], start=1):
        packed = tf.bitwise.bitwise_or(
            packed,
            tf.bitwise.left_shift(tf.cast(part, packed_type), tf.constant(bits * k, packed_type)),
        )
    return tf.ensure_shape(packed, (plan.height, plan.width))


def unpack_batch(plan: PairPlan, both):
    """A packed batch (B, height, width) shifted apart again: image (B, height, width, C)
    of ``plan.stored`` and mask (B, height, width, 1) still of the packed dtype.

    Each part is a shift and a narrowing cast (one pass each, where slicing a bitcast
    view would copy twice; benchmarks/input_pipeline.py)."""
    import tensorflow as tf

    packed_type, bits, channels = packed_dtype(plan), plan.bits, plan.channels
    shifted = [both] + [
        tf.bitwise.right_shift(both, tf.constant(bits * k, packed_type))
        for k in range(1, channels + 1)
    ]
    image = [tf.cast(part, tf.as_dtype(plan.stored)) for part in shifted[:channels]]
    image = image[0][..., None] if channels == 1 else tf.stack(image, axis=-1)
    mask = shifted[channels][..., None]  # the top part: nothing above it to cut off
    return image, mask
