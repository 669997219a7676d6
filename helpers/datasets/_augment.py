"""Paired augmentation in the graph, and the last stage of every pipeline: batch,
augment, finish each batch, prefetch."""

from __future__ import annotations

__all__ = ["dihedral", "finish"]

#: The 8 symmetries of a square, each as (transpose first?, then reverse these axes of a
#: batch): the first four keep a non-square shape (identity, the two flips, the half
#: turn). At most one transpose and one reverse per symmetry: a transpose costs about
#: twice a reverse of either axis (benchmarks/input_pipeline.py measures the pipeline).
_SYMMETRIES = (
    (False, ()),
    (False, (1,)),
    (False, (2,)),
    (False, (1, 2)),
    (True, ()),
    (True, (2,)),
    (True, (1,)),
    (True, (1, 2)),
)


def dihedral(arrays, draws, square: bool) -> list:
    """The same random flip/90-degree rotation of each image and its mask, for a batch:
    one of the 8 symmetries of a square per element, each with probability 1/8 (for
    non-square images only the 4 that keep the shape: identity, the two flips and the
    half turn).

    Parameters
    ----------
    arrays : sequence of tf.Tensor, each shape (B, H, W, ...)
        Moved alike, element by element.
    draws : tf.Tensor of int, shape (B,)
        One random integer per element; its remainder picks the symmetry.
    square : bool
        H equals W (all 8 symmetries), else only the 4 that keep the shape.

    Returns
    -------
    list of tf.Tensor, the shapes of ``arrays``

    Notes
    -----
    The batch is split by drawn symmetry (``dynamic_partition``), each part moved at
    once, and the parts put back in their places (``dynamic_stitch``): a few batched ops
    per batch, instead of a few ops per element.
    """
    import tensorflow as tf

    def move(array, symmetry):
        transpose, axes = symmetry
        if transpose:
            array = tf.transpose(array, (0, 2, 1, *range(3, array.shape.rank)))
        return tf.reverse(array, axis=list(axes)) if axes else array

    symmetries = _SYMMETRIES if square else _SYMMETRIES[:4]
    codes = tf.cast(tf.math.floormod(draws, len(symmetries)), tf.int32)
    places = tf.dynamic_partition(tf.range(tf.shape(codes)[0]), codes, len(symmetries))
    out = []
    for array in arrays:
        parts = tf.dynamic_partition(array, codes, len(symmetries))
        moved = tf.dynamic_stitch(
            places, [move(p, m) for p, m in zip(parts, symmetries, strict=True)]
        )
        out.append(tf.ensure_shape(moved, array.shape))
    return out


def finish(
    ds, *, batch_size: int, augment: bool, seed: int, square: bool, then=None, moved: int = 2
):
    """Batch, augment each element's first ``moved`` arrays alike, in the graph (new
    draws every epoch, reproducible for a seed), apply ``then`` to each batch, prefetch.

    Augmentation and ``then`` run in one ``map`` (one parallel stage instead of two:
    benchmarks/input_pipeline.py measures the pipeline)."""
    import tensorflow as tf

    finish_batch = (lambda *arrays: arrays) if then is None else then
    if augment:
        # one random integer per element: reproducible for a seed, new draws every epoch
        draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        ds = tf.data.Dataset.zip((ds, draws)).batch(batch_size)
        ds = ds.map(
            lambda element, draw: finish_batch(
                *dihedral(element[:moved], draw, square), *element[moved:]
            ),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    else:
        ds = ds.batch(batch_size)
        if then is not None:
            ds = ds.map(then, num_parallel_calls=tf.data.AUTOTUNE)
    options = tf.data.Options()
    # several workers (MultiWorkerMirroredStrategy): each keeps its share of every batch
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.prefetch(tf.data.AUTOTUNE).with_options(options)
