"""The pipelines of training at native resolution: random patches (:func:`from_patches`)
and the validation images cut into tiles that cover them (:func:`from_tiles`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from helpers.errors import ConfigError
from helpers.io import PathLike, infer_channels
from helpers.tiling import crop_window, tile_starts

from ._augment import finish
from ._cache import default_memory_budget
from ._labels import mask_for_training
from ._patches import FOREGROUND_SHARE, PatchSampler, keep_native

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["default_patches_per_epoch", "from_patches", "from_tiles"]


def default_patches_per_epoch(sizes: Iterable[Sequence[int]], patch: int, batch_size: int) -> int:
    """Patches in one epoch by default: about as many pixels as one pass over the images
    (their pixels over a patch's, at least one batch), rounded up to whole batches.

    Parameters
    ----------
    sizes : iterable of (height, width)
    patch, batch_size : int

    Returns
    -------
    int
    """
    pixels = sum(int(h) * int(w) for h, w, *_ in sizes)
    count = max(batch_size, -(-pixels // (patch * patch)))
    return -(-count // batch_size) * batch_size


def from_patches(
    pairs: Iterable[tuple[PathLike, PathLike]],
    *,
    patch: int,
    batch_size: int,
    patches_per_epoch: int | None = None,
    foreground_share: float = FOREGROUND_SHARE,
    augment: bool = True,
    elastic: bool = True,
    intensity: bool = True,
    channels: int | None = None,
    num_classes: int = 1,
    seed: int = 42,
    memory_budget: int | None = None,
    cache_dir: PathLike | None = None,
    verbose: bool = True,
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of random patches of image/mask pairs at their own size.

    Every pair is decoded once, at its own resolution (no resize), and kept as integers:
    in memory within ``memory_budget``, else memory-mapped from a cache file. Every epoch
    then cuts ``patches_per_epoch`` new patches (:class:`PatchSampler`: a share centred on
    foreground pixels, small images reflected, elastic deformation and intensity jitter)
    and gives them flipped and rotated as :func:`from_files` does, in batches. One line
    says what it does.

    Parameters
    ----------
    pairs : sequence of (image_path, mask_path)
    patch : int
        Side of the square patches (a multiple of the U-Net's ``2**depth``).
    batch_size : int
    patches_per_epoch : int, optional
        Default :func:`default_patches_per_epoch` (one pass over the pixels); rounded up
        to whole batches.
    foreground_share : float
        Share of patches centred on a foreground pixel (:data:`FOREGROUND_SHARE`).
    augment : bool
        Random flips and 90-degree rotations (the paired augmentation of :func:`from_files`).
    elastic, intensity : bool
        Elastic deformation; gamma, contrast and brightness jitter.
    channels : {None, 1, 3}
        ``None``: 3 if any image is in colour, else 1.
    num_classes : int
        1: masks float32 0./1.; more: int32 class indices.
    seed : int
        New patches every epoch, the same ones for the same seed.
    memory_budget : int, optional
        Bytes the decoded pairs may take in memory (:func:`default_memory_budget`).
    cache_dir : path, optional
        Folder of the cache files beyond the budget (default: the temp folder).
    verbose : bool
        Print the one line.

    Yields
    ------
    image : float32, shape (B, patch, patch, C), in [0, 1]
    mask : float32 (num_classes=1) or int32, shape (B, patch, patch, 1)

    Raises
    ------
    DataError
        For a file that cannot be read, an image and mask of different sizes, or a mask
        whose labels do not fit ``num_classes``.
    ConfigError
        For a ``patch``, ``batch_size`` or ``patches_per_epoch`` below 1.
    """
    import tensorflow as tf

    pairs = list(pairs)
    if min(patch, batch_size) < 1 or (patches_per_epoch is not None and patches_per_epoch < 1):
        raise ConfigError(
            f"patch, batch_size and patches_per_epoch must be at least 1; got {patch}, "
            f"{batch_size} and {patches_per_epoch}."
        )
    channels = infer_channels(pairs) if channels is None else channels
    budget = default_memory_budget() if memory_budget is None else int(memory_budget)
    images, masks, where = keep_native(
        pairs, channels=channels, num_classes=num_classes, budget=budget, cache_dir=cache_dir
    )
    sampler = PatchSampler(
        images,
        masks,
        patch=patch,
        foreground_share=foreground_share,
        elastic=elastic,
        intensity=intensity,
    )
    sizes = [m.shape for m in masks]
    if patches_per_epoch is None:
        count = default_patches_per_epoch(sizes, patch, batch_size)
    else:
        count = -(-patches_per_epoch // batch_size) * batch_size
    if verbose:
        print(_patches_line(sampler, count, where=where, budget=budget))

    def one(draw):
        image, mask, _ = sampler.sample(np.random.default_rng(int(draw) & (2**63 - 1)))
        return image, mask_for_training(mask[..., None], num_classes)

    mask_type = tf.float32 if num_classes == 1 else tf.int32

    def cut(draw):
        image, mask = tf.numpy_function(one, [draw], (tf.float32, mask_type), stateful=False)
        return (
            tf.ensure_shape(image, (patch, patch, channels)),
            tf.ensure_shape(mask, (patch, patch, 1)),
        )

    # one seed per patch; another stream than the flips' (finish draws from ``seed``)
    ds = tf.data.Dataset.random(seed=seed + 1, rerandomize_each_iteration=True).take(count)
    ds = ds.map(cut, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.apply(tf.data.experimental.assert_cardinality(count))
    return finish(ds, batch_size=batch_size, augment=augment, seed=seed, square=True)


def _patches_line(sampler: PatchSampler, count: int, *, where: str, budget: int) -> str:
    sizes = {m.shape for m in sampler.masks}
    size_text = (
        f"{next(iter(sizes))[1]}x{next(iter(sizes))[0]} px"
        if len(sizes) == 1
        else f"{len(sizes)} sizes"
    )
    mib = sum(a.nbytes for a in sampler.images + sampler.masks) / 2**20
    kept = (
        f"kept whole in memory ({mib:.0f} MiB)"
        if where == "memory"
        else f"kept whole in cache files ({mib:.0f} MiB, more than the "
        f"{budget / 2**20:.0f} MiB memory budget)"
    )
    pixels = sum(m.shape[0] * m.shape[1] for m in sampler.masks)
    passes = count * sampler.patch**2 / pixels
    how = f"{passes:.2g} pass{'' if round(passes, 2) == 1 else 'es'} over their pixels"
    moves = [
        name
        for name, on in (
            ("elastic deformation", sampler.elastic),
            ("intensity jitter", sampler.intensity),
        )
        if on
    ]
    return (
        f"Patches: {len(sampler.masks)} pairs at their own size ({size_text}), {kept}; "
        f"{count} patches of {sampler.patch}x{sampler.patch} px per epoch ({how}), "
        f"{sampler.foreground_share:.0%} centred on foreground pixels; "
        f"{' and '.join(moves) if moves else 'no elastic deformation or intensity jitter'}."
    )


def from_tiles(
    pairs: Iterable[tuple[PathLike, PathLike]],
    *,
    tile: int,
    batch_size: int = 1,
    channels: int | None = None,
    num_classes: int = 1,
    memory_budget: int | None = None,
    cache_dir: PathLike | None = None,
) -> tf.data.Dataset:
    """The pairs at their own size, cut into tiles that cover every pixel once or more:
    the validation of a patch run (an image up to ``tile`` is one tile, reflected up to
    it; larger images a grid of tiles, the last ones flush with the edge).

    Parameters
    ----------
    pairs : sequence of (image_path, mask_path)
    tile : int
        Side of the tiles (a multiple of the U-Net's ``2**depth``).
    batch_size : int
    channels, num_classes, memory_budget, cache_dir
        As for :func:`from_patches`.

    Yields
    ------
    image : float32, shape (B, tile, tile, C)
    mask : float32 (num_classes=1) or int32, shape (B, tile, tile, 1)

    Raises
    ------
    DataError
        As :func:`from_patches`.
    """
    import tensorflow as tf

    from helpers.conventions import float_image

    pairs = list(pairs)
    channels = infer_channels(pairs) if channels is None else channels
    budget = default_memory_budget() if memory_budget is None else int(memory_budget)
    images, masks, _ = keep_native(
        pairs, channels=channels, num_classes=num_classes, budget=budget, cache_dir=cache_dir
    )
    places = [
        (index, row, col)
        for index, mask in enumerate(masks)
        for row in tile_starts(mask.shape[0], tile, 0)
        for col in tile_starts(mask.shape[1], tile, 0)
    ]

    def tiles():
        for index, row, col in places:
            image = float_image(crop_window(images[index], row, col, tile))
            mask = crop_window(masks[index], row, col, tile)[..., None]
            yield image, mask_for_training(mask, num_classes)

    mask_type = tf.float32 if num_classes == 1 else tf.int32
    ds = tf.data.Dataset.from_generator(
        tiles,
        output_signature=(
            tf.TensorSpec((tile, tile, channels), tf.float32),
            tf.TensorSpec((tile, tile, 1), mask_type),
        ),
    )
    ds = ds.apply(tf.data.experimental.assert_cardinality(len(places)))
    if len(places) * tile * tile * (channels + 1) * 4 <= budget:
        ds = ds.cache()
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
