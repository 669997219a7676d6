"""``tf.data`` pipelines of image/mask batches, with paired augmentation.

:func:`from_files` decodes, resizes and normalises each pair once and keeps the result
(in memory within a budget, else in a cache file, else it streams from the files every
epoch: chosen by size and printed), so that epochs after the first only shuffle and
augment; :func:`from_arrays` does the same for arrays already in memory. Both give the
arrays of :mod:`helpers.io` (PNG and BMP decoded by TensorFlow's ops in the
graph, everything else by :func:`helpers.io.read_image` / :func:`helpers.io.read_mask`,
with the same pixels), and ``augment=True`` applies the *same* random flip and
90-degree rotation to an image and its mask, in the graph.

Example
-------
>>> from helpers import config, datasets, io
>>> pairs = io.pair_images_and_masks(config.data_dir("mito", "images"),
...                                  config.data_dir("mito", "masks"))
>>> batches = datasets.from_files(  # doctest: +NORMALIZE_WHITESPACE
...     pairs[:8], size=64, batch_size=4, augment=True)
Pipeline: 8 pairs at 64x64 px, 8 decoded by TensorFlow and 0 by the NumPy reader;
kept in memory (0 MiB of a 2048 MiB budget): epochs after the first only augment.
>>> [tuple(t.shape) for t in next(iter(batches))]
[(4, 64, 64, 1), (4, 64, 64, 1)]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from helpers.conventions import float_image
from helpers.errors import ConfigError, DataError
from helpers.io import (
    GREY_MODES,
    MAX_LABEL,
    PathLike,
    as_pairs,
    infer_channels,
    load_pair,
    raw_mode,
    read_image,
    read_mask,
    size_hw,
)

__all__ = [
    "CACHE_CHOICES",
    "MAX_MEMORY_BUDGET",
    "default_memory_budget",
    "from_arrays",
    "from_files",
    "readable_in_graph",
    "unwrap_data_errors",
]

if TYPE_CHECKING:
    import tensorflow as tf


def _check_labels(mask: np.ndarray, num_classes: int, where: str) -> None:
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


def _mask_for_training(mask: np.ndarray, num_classes: int) -> np.ndarray:
    return mask.astype(np.float32 if num_classes == 1 else np.int32)


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


def _dihedral(arrays, draws, square: bool) -> list:
    """The same random flip/90-degree rotation of each image and its mask, for a batch:
    one of the 8 symmetries of a square per element, each with probability 1/8 (for
    non-square images only the 4 that keep the shape: identity, the two flips and the
    half turn).

    The batch is split by drawn symmetry (``dynamic_partition``), each part moved at
    once, and the parts put back in their places (``dynamic_stitch``): a few batched ops
    per batch, instead of a few ops per element."""
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


def _finish(
    ds, *, batch_size: int, augment: bool, seed: int, square: bool, then=None, moved: int = 2
):
    """Batch, augment each element's first ``moved`` arrays alike, in the graph (new
    draws every epoch, reproducible for a seed), apply ``then`` to each batch, prefetch.

    Augmentation and ``then`` run in one ``map`` (one parallel stage instead of two:
    benchmarks/input_pipeline.py measures the pipeline)."""
    import tensorflow as tf

    finish = (lambda *arrays: arrays) if then is None else then
    if augment:
        # one random integer per element: reproducible for a seed, new draws every epoch
        draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        ds = tf.data.Dataset.zip((ds, draws)).batch(batch_size)
        ds = ds.map(
            lambda element, draw: finish(
                *_dihedral(element[:moved], draw, square), *element[moved:]
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


# ---------------------------------------------------------------------------------------
# Reading files in the graph: which reader for which file
# ---------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_in_graph(file, *, palette: bool) -> bool:
    """True when TensorFlow's PNG decoder gives what :func:`helpers.io.read_image` gives:
    8 bits per channel, no EXIF (``eXIf``) chunk, complete (ends with ``IEND``).

    Walks the chunk headers only (a seek per chunk), so it costs microseconds."""
    file.seek(0)
    if file.read(8) != _PNG_SIGNATURE:
        return False
    while True:
        head = file.read(8)
        if len(head) < 8:
            return False  # cut short: the NumPy reader names the file
        length, kind = int.from_bytes(head[:4], "big"), head[4:]
        if kind == b"IHDR":
            data = file.read(length + 4)
            depth, colour = data[8], data[9]
            if depth != 8 or colour not in ((0, 2, 3, 4, 6) if palette else (0, 4)):
                return False
            continue
        if kind == b"eXIf":
            return False
        if kind == b"IEND":
            return True
        file.seek(length + 4, os.SEEK_CUR)


def _bmp_in_graph(file, image) -> bool:
    """24-bit RGB BMP whose file is as long as its header says."""
    if image.mode != "RGB" or raw_mode(image) != "BGR":
        return False
    file.seek(2)
    declared = int.from_bytes(file.read(4), "little")
    file.seek(0, os.SEEK_END)
    return file.tell() >= declared


def _inspect(path: Path, *, mask: bool) -> tuple[str, str, tuple[int, int], bool]:
    """One look at a file's header: (format, mode, (width, height), readable in the graph).

    Raises whatever Pillow raises for a file that is not an image."""
    from PIL import Image

    with open(path, "rb") as file, Image.open(file) as image:
        kind, mode, size = image.format, image.mode, image.size
        if kind == "PNG":
            graph = _png_in_graph(file, palette=not mask)
        elif kind == "BMP":
            graph = not mask and _bmp_in_graph(file, image)
        else:
            graph = False
        if mode.startswith("I") or ";16" in raw_mode(image):
            mode = "I;16"  # 16-bit, whatever Pillow calls it
    return kind, mode, size, graph


def readable_in_graph(path: PathLike, *, mask: bool = False) -> bool:
    """Whether TensorFlow's own decoders (in the graph) read this file exactly as
    :func:`helpers.io.read_image` (or, for ``mask=True``, :func:`helpers.io.read_mask`)
    does.

    True for 8-bit PNG (grey, grey+alpha, RGB, RGBA; palette for images) and 24-bit BMP,
    each complete (not cut short). Everything else goes through the NumPy reader, which
    handles it or raises the :class:`DataError` that names the file: TIFF, 16-bit files,
    EXIF rotation, palette masks, damaged files, and JPEG (TensorFlow's libjpeg rounds
    differently from Pillow's: up to 4 grey levels apart on a test file). Only headers
    are read.
    """
    try:
        return _inspect(Path(path), mask=mask)[3]
    except Exception:  # not an image, damaged: the NumPy reader says so, naming the file
        return False


def _plan(pairs: list) -> tuple[int, bool, list[bool], bool, set]:
    """One look at every file's header: the channels found (3 if any image is in
    colour), whether any image is 16-bit, which pairs TensorFlow decodes, whether those
    are all PNG, and the images' sizes (height, width). Checks what
    :func:`helpers.io.infer_channels` checks, and raises its errors."""
    channels, sixteen, graph, formats, sizes = 1, False, [], set(), set()
    try:
        for image_path, mask_path in pairs:
            kind, mode, size, image_graph = _inspect(image_path, mask=False)
            mask_kind, _, mask_size, mask_graph = _inspect(mask_path, mask=True)
            if size != mask_size and size != mask_size[::-1]:
                raise DataError("sizes differ")
            channels = 3 if mode not in GREY_MODES else channels
            sixteen = sixteen or mode == "I;16"
            graph.append(image_graph and mask_graph)
            if image_graph and mask_graph:
                formats |= {kind, mask_kind}
            sizes.add(size[::-1])
    except Exception:
        infer_channels(pairs)  # raises the error that names the file
        raise
    return channels, sixteen, graph, formats <= {"PNG"}, sizes


#: Marks a pair whose mask TensorFlow decoded but whose labels (or size) do not fit: the
#: NumPy reader reads it again to raise the DataError that says what is wrong.
_RECHECK = "recheck:"


def _decode(path, channels: int, png: bool):
    import tensorflow as tf

    data = tf.io.read_file(path)
    if png:  # decode_png skips decode_image's sniffing of the format
        return tf.io.decode_png(data, channels=channels)
    return tf.io.decode_image(data, channels=channels, expand_animations=False)


def _decode_in_graph(path, channels: int, *, png: bool = False, grey: bool = False):
    """Pixels of a PNG or BMP file as uint8 (H, W, ``channels``), with
    TensorFlow's decoders: alpha dropped, grey from RGB by the course's formula
    (:func:`helpers.conventions.grey_from_rgb`, rounded), as :func:`helpers.io.read_image`.
    ``png``: every file is a PNG; ``grey``: every file is grey (no colour to convert)."""
    import tensorflow as tf

    from helpers.conventions import GREY_WEIGHTS

    if grey:  # every file is grey: no alpha or colour to handle
        pixels = tf.ensure_shape(_decode(path, 1, png), (None, None, 1))
        return tf.tile(pixels, [1, 1, 3]) if channels == 3 else pixels
    pixels = _decode(path, 0, png)
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


def _mask_in_graph(path, *, png: bool = False):
    """A grey 8-bit mask file's pixels (H, W) uint8, decoded by TensorFlow (labels not yet
    checked)."""
    return _decode(path, 1, png)[..., 0]


# ---------------------------------------------------------------------------------------
# Where the decoded pixels are kept
# ---------------------------------------------------------------------------------------

#: The in-memory cache's default ceiling: a quarter of the machine's memory, at most 2 GiB.
MAX_MEMORY_BUDGET = 2 * 2**30

CACHE_CHOICES = ("auto", "memory", "file", "none")


def default_memory_budget() -> int:
    """Bytes the in-memory cache of :func:`from_files` may take by default: a quarter of
    the machine's memory, at most :data:`MAX_MEMORY_BUDGET` (2 GiB; Colab has 12 GiB)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # Windows: no sysconf
        return MAX_MEMORY_BUDGET // 2
    return int(min(MAX_MEMORY_BUDGET, total // 4))


def _cache_file(folder: PathLike | None) -> str:
    """A fresh cache file prefix in ``folder`` (default: the temp dir), deleted at exit."""
    import atexit
    import shutil
    import tempfile

    parent = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    where = Path(tempfile.mkdtemp(prefix=".tfdata-cache-", dir=parent))
    atexit.register(shutil.rmtree, where, ignore_errors=True)
    return str(where / "pairs")


def _choose_cache(cache: str, need: int, budget: int, folder) -> str:
    import shutil
    import tempfile

    if cache not in CACHE_CHOICES:
        raise ConfigError(f"cache must be one of {', '.join(CACHE_CHOICES)}; got {cache!r}.")
    if cache != "auto":
        return cache
    if need <= budget:
        return "memory"
    parent = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    try:
        free = shutil.disk_usage(parent).free
    except OSError:
        return "none"
    return "file" if need + 2**30 <= free else "none"


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
    """
    import tensorflow as tf

    pairs = as_pairs(pairs)
    height, width = size_hw(size)
    if num_classes < 1:
        raise ConfigError(f"num_classes must be 1 (binary) or more, got {num_classes}.")
    found, sixteen, in_graph, all_png, sizes = _plan(pairs)
    channels = found if channels is None else channels
    if channels not in (1, 3):
        raise ConfigError(f"channels must be None, 1 or 3, got {channels!r}.")
    stored = np.uint16 if sixteen else np.uint8
    top = float(np.iinfo(stored).max)
    limit = 1 if num_classes == 1 else min(num_classes - 1, MAX_LABEL)
    bits = 8 * np.dtype(stored).itemsize
    packed_type = {16: tf.uint16, 32: tf.uint32, 64: tf.uint64}[(channels + 1) * bits]

    def read_full(image_path: bytes, mask_path: bytes):
        """The NumPy reader: io's own functions, at the file's size. A DataError is
        kept as a message with the pair (so that a cache holds it and every epoch raises
        it again, instead of leaving the pair out)."""
        image_name, mask_name = image_path.decode("utf-8"), mask_path.decode("utf-8")
        try:
            image = float_image(read_image(image_name, channels=channels))
            image = np.rint(image * top).astype(stored)  # exact for 8- and 16-bit files
            mask = read_mask(mask_name)
            if image.shape[:2] != mask.shape:
                load_pair(image_name, mask_name, size=(height, width), channels=channels)  # raises
            _check_labels(mask, num_classes, mask_name)
        except DataError as error:
            nothing = np.zeros((1, 1), np.uint8)
            return np.zeros((1, 1, channels), stored), nothing, str(error).encode("utf-8")
        return image, mask, b""

    def numpy_pair(image_path, mask_path):
        image, mask, problem = tf.numpy_function(
            read_full, [image_path, mask_path], (tf.as_dtype(stored), tf.uint8, tf.string)
        )
        return (
            tf.ensure_shape(image, (None, None, channels)),
            tf.ensure_shape(mask, (None, None)),
            tf.ensure_shape(problem, ()),
        )

    def graph_pair(image_path, mask_path):
        """TensorFlow's decoders; a mask that is not labels (or a size that differs) is
        marked, and read again by the NumPy reader later, which raises its DataError."""
        image = _decode_in_graph(image_path, channels, png=all_png, grey=found == 1)
        if stored == np.uint16:
            image = tf.cast(image, tf.uint16) * 257  # 8-bit v is 257 v in 16 bits
        raw = _mask_in_graph(mask_path, png=all_png)
        peak = tf.reduce_max(raw)
        image_mask = tf.logical_and(tf.equal(peak, 255), tf.reduce_all((raw == 0) | (raw == 255)))
        labels = tf.where(image_mask, tf.minimum(raw, 1), raw)  # 0/255 is 0/1 (mask_labels)
        fits = tf.logical_and(
            tf.logical_or(image_mask, peak <= limit),
            tf.reduce_all(tf.shape(image)[:2] == tf.shape(raw)),
        )
        problem = tf.where(fits, "", _RECHECK + image_path + "\t" + mask_path)
        return image, labels, problem

    def decode_resize_store(image_path, mask_path, fast):
        if all(in_graph):
            image, mask, problem = graph_pair(image_path, mask_path)
        elif not any(in_graph):
            image, mask, problem = numpy_pair(image_path, mask_path)
        else:
            image, mask, problem = tf.cond(
                fast,
                lambda: graph_pair(image_path, mask_path),
                lambda: numpy_pair(image_path, mask_path),
            )
        if sizes != {(height, width)}:  # some files need resizing (else no resize op at all)
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
            image = tf.cast(tf.round(tf.clip_by_value(image, 0.0, 1.0) * top), tf.as_dtype(stored))
        # image and mask in one array, one wide integer per pixel (channel k in bits
        # k*bits.., the mask above the channels): one copy per augmentation move instead
        # of two, and whole pixels move rather than bytes (benchmarks/input_pipeline.py
        # measures it); for_training shifts them apart again
        image = tf.ensure_shape(image, (height, width, channels))
        parts = [image[..., k] for k in range(channels)] + [tf.cast(mask, image.dtype)]
        packed = tf.cast(parts[0], packed_type)
        for k, part in enumerate(parts[1:], start=1):
            packed = tf.bitwise.bitwise_or(
                packed,
                tf.bitwise.left_shift(
                    tf.cast(part, packed_type), tf.constant(bits * k, packed_type)
                ),
            )
        return tf.ensure_shape(packed, (height, width)), problem

    def raise_data_error(problems: np.ndarray) -> np.ndarray:
        problem = next(p for p in problems if p).decode("utf-8")
        if problem.startswith(_RECHECK):
            problem = read_full(*problem[len(_RECHECK) :].encode("utf-8").split(b"\t"))[2]
            problem = problem.decode("utf-8") or "A pair could not be read."
        raise DataError(problem)

    def for_training(both, problem):
        """A batch as the network takes it (after the cache, after augmentation): the
        packed pixels shifted apart, each part a narrowing cast (one pass each, where
        slicing a bitcast view would copy twice; benchmarks/input_pipeline.py)."""
        shifted = [both] + [
            tf.bitwise.right_shift(both, tf.constant(bits * k, packed_type))
            for k in range(1, channels + 1)
        ]
        image = [tf.cast(part, tf.as_dtype(stored)) for part in shifted[:channels]]
        image = image[0][..., None] if channels == 1 else tf.stack(image, axis=-1)
        mask = shifted[channels][..., None]  # the top part: nothing above it to cut off
        checked = tf.cond(
            tf.reduce_all(tf.equal(problem, "")),
            lambda: tf.constant(True),
            lambda: tf.numpy_function(raise_data_error, [problem], tf.bool),
        )
        with tf.control_dependencies([checked]):
            mask = tf.cast(mask, tf.float32 if num_classes == 1 else tf.int32)
            return tf.cast(image, tf.float32) / top, mask

    budget = default_memory_budget() if memory_budget is None else int(memory_budget)
    per_pair = height * width * (channels * np.dtype(stored).itemsize + 1)
    need = per_pair * len(pairs)
    where = _choose_cache(cache, need, budget, cache_dir)
    ds = tf.data.Dataset.from_tensor_slices(
        ([str(image) for image, _ in pairs], [str(mask) for _, mask in pairs], in_graph)
    )
    if shuffle and where == "none":  # streaming: shuffle the names, it costs nothing
        ds = ds.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(decode_resize_store, num_parallel_calls=tf.data.AUTOTUNE)
    if where == "memory":
        ds = ds.cache()
    elif where == "file":
        ds = ds.cache(_cache_file(cache_dir))
    if shuffle and where != "none":
        window = len(pairs) if where == "memory" else max(1, min(len(pairs), budget // per_pair))
        ds = ds.shuffle(window, seed=seed, reshuffle_each_iteration=True)
    if verbose:
        mib = need / 2**20
        text = {
            "memory": f"kept in memory ({mib:.0f} MiB of a {budget / 2**20:.0f} MiB budget): "
            "epochs after the first only augment",
            "file": f"kept in a cache file under {cache_dir or 'the temp folder'} ({mib:.0f} MiB, "
            f"more than the {budget / 2**20:.0f} MiB memory budget): epochs after the "
            "first read it back",
            "none": f"streamed from the files every epoch ({mib:.0f} MiB decoded"
            + (")" if cache == "none" else ", no room to keep them)"),
        }[where]
        fast = sum(in_graph)
        print(
            f"Pipeline: {len(pairs)} pairs at {height}x{width} px, {fast} decoded by "
            f"TensorFlow and {len(pairs) - fast} by the NumPy reader; {text}."
        )
    # a file that TensorFlow's decoder refuses mid-way would leave a cache short of it:
    # say so in every later epoch rather than train on fewer pairs
    ds = ds.apply(tf.data.experimental.assert_cardinality(len(pairs)))
    return _finish(
        ds,
        batch_size=batch_size,
        augment=augment,
        seed=seed,
        square=height == width,
        then=for_training,
        moved=1,
    )


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
    _check_labels(masks, num_classes, "the masks array")
    ds = tf.data.Dataset.from_tensor_slices((images, _mask_for_training(masks, num_classes)))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    square = images.shape[1] == images.shape[2]
    return _finish(ds, batch_size=batch_size, augment=augment, seed=seed, square=square)
