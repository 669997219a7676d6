"""The two pipelines, :func:`from_files` and :func:`from_arrays`, and
:func:`unwrap_data_errors` for the errors they raise mid-epoch.

:func:`from_files` is four steps, each a function below: plan (every file's header,
:func:`plan_pairs`, and where the decoded pairs go, :func:`choose_cache`), the source
(names to packed pairs: :func:`_source`), keeping them (:func:`_keep`), and the batches
as the network takes them (:func:`finish` with :func:`_for_training`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from helpers.conventions import float_image
from helpers.errors import ConfigError, DataError
from helpers.io import PathLike

from ._augment import finish
from ._cache import cache_file, choose_cache, default_memory_budget
from ._decode import graph_pair, numpy_pair, raise_pair_problem
from ._labels import check_mask_labels, mask_for_training
from ._plan import PairPlan, plan_pairs
from ._store import pack_pair, resize_pair, unpack_batch

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["from_arrays", "from_files", "unwrap_data_errors"]


def from_files(
    pairs: Iterable[tuple[PathLike, PathLike]],
    *,
    size: int | Sequence[int],
    batch_size: int,
    channels: int | None = None,
    augment: bool = False,
    shuffle: bool = False,
    seed: int = 42,
    num_classes: int = 1,
    cache: str = "auto",
    cache_dir: PathLike | None = None,
    memory_budget: int | None = None,
    verbose: bool = True,
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of (image, mask) batches read from files: decoded, resized
    and normalised once, then kept, so that later epochs only shuffle and augment.

    Each pair is decoded once, in parallel, resized (area when shrinking, bilinear when
    growing; masks nearest) and stored as integers (``uint8``, or ``uint16`` when any
    image is 16-bit) with its mask. Where they are kept is chosen from their size and
    printed in one line (``cache="auto"``):

    - in memory, when they fit ``memory_budget`` (:func:`default_memory_budget`);
    - else in a cache file in ``cache_dir`` (default: the temp folder; deleted when
      Python exits) when the disk has room;
    - else nothing is kept: every epoch streams from the files (as before 2026-11).

    PNG and BMP files are decoded by TensorFlow's own ops inside the graph
    (:func:`readable_in_graph`); JPEG (whose decoders differ by a few grey levels), TIFF,
    16-bit files, EXIF-rotated photos, palette masks and damaged files go through
    :func:`helpers.io.read_image` / :func:`helpers.io.read_mask` in ``tf.numpy_function``.
    Both readers give the same pixels (``tests/test_pipeline_cache.py`` compares them),
    with the same EXIF, 16-bit, RGBA and mask rules as :func:`helpers.io.load_pairs`.
    The batches equal :func:`helpers.io.load_pairs`'s arrays exactly when no resize is
    needed, else to within half a grey level (the stored integers are the resized
    pixels, rounded).

    Parameters
    ----------
    pairs : sequence of (image_path, mask_path)
    size : int or (height, width)
    batch_size : int
    channels : {None, 1, 3}
        ``None``: 3 if any image is in colour, else 1.
    augment : bool
        Apply the same random flip and 90-degree rotation to each image and its mask
        (in the graph, new draws every epoch).
    shuffle : bool
        Shuffle the pairs anew every epoch (a file cache shuffles within a window of
        what ``memory_budget`` holds).
    seed : int
        Seed of the shuffle and of the augmentation.
    num_classes : int
        1: masks are float32 0./1. (a sigmoid output). More: int32 class indices.
    cache : {"auto", "memory", "file", "none"}
        Where the decoded pairs are kept (see above); ``"none"`` streams every epoch.
    cache_dir : path, optional
        Folder of the cache file (e.g. the run folder).
    memory_budget : int, optional
        Bytes the in-memory cache may take (default :func:`default_memory_budget`).
    verbose : bool
        Print the one line that says where the pairs are kept.

    Yields
    ------
    image : float32, shape (B, height, width, C), in [0, 1]
    mask : float32 (num_classes=1) or int32, shape (B, height, width, 1)

    Raises
    ------
    DataError
        Before anything is decoded, for a file that is not an image or a pair whose sizes
        differ (file headers are checked). A file damaged past its header, or a mask whose
        labels do not fit ``num_classes``, stops the iteration with a TensorFlow error whose
        message names the file; :func:`unwrap_data_errors` turns it back into a DataError.
    ConfigError
        For a ``size``, ``channels``, ``num_classes`` or ``cache`` it cannot use.
    """
    import tensorflow as tf

    plan = plan_pairs(pairs, size=size, channels=channels, num_classes=num_classes)
    budget = default_memory_budget() if memory_budget is None else int(memory_budget)
    need = plan.pair_bytes * len(plan.pairs)
    where = choose_cache(cache, need, budget, cache_dir)
    # streaming: shuffle the names, it costs nothing
    ds = _source(plan, shuffle=shuffle and where == "none", seed=seed)
    ds = _keep(
        ds, plan, where=where, cache_dir=cache_dir, budget=budget, shuffle=shuffle, seed=seed
    )
    if verbose:
        print(_where_line(plan, where=where, cache=cache, cache_dir=cache_dir, budget=budget))
    # a file that TensorFlow's decoder refuses mid-way would leave a cache short of it:
    # say so in every later epoch rather than train on fewer pairs
    ds = ds.apply(tf.data.experimental.assert_cardinality(len(plan.pairs)))
    return finish(
        ds,
        batch_size=batch_size,
        augment=augment,
        seed=seed,
        square=plan.height == plan.width,
        then=_for_training(plan),
        moved=1,
    )


def _decode_resize_pack(plan: PairPlan, image_path, mask_path, fast):
    """One pair, from its file names to (packed pixels (height, width), problem): read by
    TensorFlow where ``fast`` (the plan's ``in_graph``), else by the NumPy reader, then
    resized where some file needs it (else no resize op at all) and packed."""
    import tensorflow as tf

    if all(plan.in_graph):
        image, mask, problem = graph_pair(plan, image_path, mask_path)
    elif not any(plan.in_graph):
        image, mask, problem = numpy_pair(plan, image_path, mask_path)
    else:
        image, mask, problem = tf.cond(
            fast,
            lambda: graph_pair(plan, image_path, mask_path),
            lambda: numpy_pair(plan, image_path, mask_path),
        )
    if plan.needs_resize:
        image, mask = resize_pair(plan, image, mask)
    return pack_pair(plan, image, mask), problem


def _source(plan: PairPlan, *, shuffle: bool, seed: int) -> tf.data.Dataset:
    """The dataset of one epoch's pairs, each (packed pixels, problem), decoded in
    parallel from the file names; ``shuffle``: the names shuffled anew every epoch
    (a streamed pipeline's shuffle, which costs nothing)."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(
        (
            [str(image) for image, _ in plan.pairs],
            [str(mask) for _, mask in plan.pairs],
            plan.in_graph,
        )
    )
    if shuffle:
        ds = ds.shuffle(len(plan.pairs), seed=seed, reshuffle_each_iteration=True)
    return ds.map(
        lambda image_path, mask_path, fast: _decode_resize_pack(plan, image_path, mask_path, fast),
        num_parallel_calls=tf.data.AUTOTUNE,
    )


def _keep(
    ds, plan: PairPlan, *, where: str, cache_dir, budget: int, shuffle: bool, seed: int
) -> tf.data.Dataset:
    """The decoded pairs kept ``where`` (``"memory"``, ``"file"`` or ``"none"``), and
    shuffled after the cache when ``shuffle``: all of them in memory, a window of what
    ``budget`` holds from a file (a streamed pipeline shuffled its names already)."""
    if where == "memory":
        ds = ds.cache()
    elif where == "file":
        ds = ds.cache(cache_file(cache_dir))
    if shuffle and where != "none":
        count = len(plan.pairs)
        window = count if where == "memory" else max(1, min(count, budget // plan.pair_bytes))
        ds = ds.shuffle(window, seed=seed, reshuffle_each_iteration=True)
    return ds


def _where_line(plan: PairPlan, *, where: str, cache: str, cache_dir, budget: int) -> str:
    """The one line that says how many pairs each reader decodes and where they are kept."""
    count = len(plan.pairs)
    mib = plan.pair_bytes * count / 2**20
    text = {
        "memory": f"kept in memory ({mib:.0f} MiB of a {budget / 2**20:.0f} MiB budget): "
        "epochs after the first only augment",
        "file": f"kept in a cache file under {cache_dir or 'the temp folder'} ({mib:.0f} MiB, "
        f"more than the {budget / 2**20:.0f} MiB memory budget): epochs after the "
        "first read it back",
        "none": f"streamed from the files every epoch ({mib:.0f} MiB decoded"
        + (")" if cache == "none" else ", no room to keep them)"),
    }[where]
    fast = sum(plan.in_graph)
    return (
        f"Pipeline: {count} pairs at {plan.height}x{plan.width} px, {fast} decoded by "
        f"TensorFlow and {count - fast} by the NumPy reader; {text}."
    )


def _for_training(plan: PairPlan):
    """The function that makes a batch (packed pixels, problems) what the network takes
    (after the cache, after augmentation): image float32 in [0, 1], mask float32 or
    int32; a batch with a problem raises its DataError instead."""
    import tensorflow as tf

    def for_training(both, problem):
        image, mask = unpack_batch(plan, both)
        checked = tf.cond(
            tf.reduce_all(tf.equal(problem, "")),
            lambda: tf.constant(True),
            lambda: tf.numpy_function(
                lambda problems: raise_pair_problem(plan, problems), [problem], tf.bool
            ),
        )
        with tf.control_dependencies([checked]):
            mask = tf.cast(mask, tf.float32 if plan.num_classes == 1 else tf.int32)
            return tf.cast(image, tf.float32) / plan.top, mask

    return for_training


@contextmanager
def unwrap_data_errors() -> Iterator[None]:
    """Give back the :class:`helpers.io.DataError` that TensorFlow wrapped in a pipeline.

    A file that fails while :func:`from_files` decodes it reaches the caller as a
    TensorFlow ``UnknownError`` whose long message holds ours. Inside this block it is
    raised again as a one-line ``DataError`` (which the command line prints without a
    traceback); other errors pass unchanged.

    Example
    -------
    >>> with unwrap_data_errors():                                # doctest: +SKIP
    ...     model.fit(from_files(pairs, size=128, batch_size=8))

    Raises
    ------
    DataError
        In place of a TensorFlow error that carries one.
    """
    marker = "DataError: "
    try:
        yield
    except DataError:
        raise
    except Exception as error:
        text = str(error)
        if marker not in text:
            raise
        message = text.split(marker, 1)[1].split("\n", 1)[0].strip()
        raise DataError(message) from error


def from_arrays(
    images: np.ndarray,
    masks: np.ndarray,
    *,
    batch_size: int,
    augment: bool = False,
    shuffle: bool = False,
    seed: int = 42,
    num_classes: int = 1,
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of (image, mask) batches from arrays already in memory.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, C)
        float32 in [0, 1] (as :func:`helpers.io.load_pairs` gives them), or uint8/uint16 pixels,
        which are normalised with :func:`helpers.conventions.float_image`.
    masks : ndarray of integer labels, shape (N, H, W) or (N, H, W, 1)
    batch_size, augment, shuffle, seed, num_classes
        As for :func:`from_files`, whose batches these match.

    Yields
    ------
    image : float32, shape (B, H, W, C)
    mask : float32 (num_classes=1) or int32, shape (B, H, W, 1)

    Raises
    ------
    DataError
        When images and masks do not have the shapes above, or a mask's labels do not fit
        ``num_classes``.
    ConfigError
        When ``num_classes`` is below 1.
    """
    import tensorflow as tf

    images = float_image(images)
    masks = np.asarray(masks)
    if masks.ndim == images.ndim - 1:
        masks = masks[..., None]
    if images.ndim != 4 or masks.shape != images.shape[:3] + (1,):
        raise DataError(
            f"images must be (N, H, W, C) and masks (N, H, W) or (N, H, W, 1) of the same N, H, W; "
            f"got {images.shape} and {masks.shape}."
        )
    if num_classes < 1:
        raise ConfigError(f"num_classes must be 1 (binary) or more, got {num_classes}.")
    check_mask_labels(masks, num_classes, "the masks array")
    ds = tf.data.Dataset.from_tensor_slices((images, mask_for_training(masks, num_classes)))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    square = images.shape[1] == images.shape[2]
    return finish(ds, batch_size=batch_size, augment=augment, seed=seed, square=square)
