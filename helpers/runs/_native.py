"""Runs at native resolution: trained on patches (``train --patch N``), validated, predicted
and evaluated on whole images in tiles, at their own size.

A patch run's ``run.json`` says so (:data:`PATCH_MODE` under ``"mode"``) with its
``patch``, ``tile`` and ``overlap``; :func:`predict_native` and :func:`evaluate_native`
read them, so that ``predict`` and ``evaluate`` on that run need no flags.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.conventions import THRESHOLD
from helpers.errors import ConfigError, TrainingError

__all__ = [
    "PATCH_MODE",
    "evaluate_native",
    "is_patch_run",
    "native_tiling",
    "patch_datasets",
    "patch_settings",
    "patches_per_pass",
    "predict_native",
]

#: The value of ``run.json``'s ``"mode"`` for a run trained on patches at native size (a run
#: without ``"mode"`` was trained on images resized to its ``size``).
PATCH_MODE = "patch"


def is_patch_run(settings: dict) -> bool:
    """Whether a run's settings (``run.json``) are those of a patch run."""
    return settings.get("mode") == PATCH_MODE


def patch_settings(
    train_pairs,
    *,
    patch: int,
    batch_size: int,
    patches_per_epoch: int | None,
    foreground_patches: float,
    elastic: bool,
    intensity: bool,
) -> dict:
    """What ``run.json`` records of a patch run, besides the settings of every run.

    Returns
    -------
    dict
        ``mode`` (:data:`PATCH_MODE`), ``patch``, ``patches_per_epoch`` (whole batches),
        ``foreground_patches``, ``elastic``, ``intensity``, and the ``tile`` and ``overlap``
        of its tiled validation and prediction (:func:`helpers.inference.choose_tiling`
        for the course's U-Net); ``scale`` 1 (no resize).

    Raises
    ------
    TrainingError
        For a ``patch`` that is not a multiple of the U-Net's ``2**depth``.
    ConfigError
        For a ``foreground_patches`` outside [0, 1] or a ``patches_per_epoch`` below 1.
    """
    from helpers import datasets
    from helpers.inference import DEFAULT_TILE
    from helpers.unet import DEFAULTS, required_multiple

    multiple = required_multiple(DEFAULTS["depth"])
    if patch < multiple or patch % multiple:
        raise TrainingError(
            f"Patch size {patch} is not a multiple of {multiple} (the U-Net halves it "
            f"{DEFAULTS['depth']} times): use e.g. {max(multiple, patch // multiple * multiple)}."
        )
    if not 0.0 <= foreground_patches <= 1.0:
        raise ConfigError(
            f"The share of patches centred on foreground must be in [0, 1], got "
            f"{foreground_patches} (--foreground-patches)."
        )
    if patches_per_epoch is not None and patches_per_epoch < 1:
        raise ConfigError(
            f"Patches per epoch must be at least 1, got {patches_per_epoch} (--patches-per-epoch)."
        )
    if patches_per_epoch is None:
        sizes = [_size(image) for image, _ in train_pairs]
        patches_per_epoch = datasets.default_patches_per_epoch(sizes, patch, batch_size)
    else:
        patches_per_epoch = -(-int(patches_per_epoch) // batch_size) * batch_size
    tile = -(-max(DEFAULT_TILE, patch) // multiple) * multiple
    return {
        "mode": PATCH_MODE,
        "patch": patch,
        "patches_per_epoch": patches_per_epoch,
        "foreground_patches": round(float(foreground_patches), 6),
        "elastic": bool(elastic),
        "intensity": bool(intensity),
        "tile": tile,
        "overlap": tile // 4 // multiple * multiple,
        "scale": [1.0, 1.0],
    }


def _size(path) -> tuple[int, int]:
    """(height, width) of an image file, from its header."""
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
    return height, width


def patches_per_pass(train_pairs, patch: int) -> int:
    """Patches of ``patch x patch`` pixels in as many pixels as the training images have
    (from their headers): the number that :func:`helpers.runs.small_set_batch` takes for
    a patch run."""
    pixels = sum(h * w for h, w in (_size(image) for image, _ in train_pairs))
    return max(1, -(-pixels // (patch * patch)))


def patch_datasets(
    train_pairs,
    val_pairs,
    settings: dict,
    *,
    batch_size: int,
    channels: int,
    num_classes: int,
    seed: int,
    cache_dir=None,
    verbose: bool = True,
):
    """The training patches and the tiled validation images of a patch run.

    Parameters
    ----------
    train_pairs, val_pairs : list of (image_path, mask_path)
    settings : dict
        From :func:`patch_settings`.

    Returns
    -------
    (tf.data.Dataset, tf.data.Dataset)
        :func:`helpers.datasets.from_patches` and :func:`helpers.datasets.from_tiles`
        (validation tiles of the run's ``tile``, or smaller where every validation image
        fits a smaller one).
    """
    from helpers import datasets
    from helpers.unet import DEFAULTS, required_multiple

    multiple = required_multiple(DEFAULTS["depth"])
    train = datasets.from_patches(
        train_pairs,
        patch=settings["patch"],
        batch_size=batch_size,
        patches_per_epoch=settings["patches_per_epoch"],
        foreground_share=settings["foreground_patches"],
        elastic=settings["elastic"],
        intensity=settings["intensity"],
        channels=channels,
        num_classes=num_classes,
        seed=seed,
        cache_dir=cache_dir,
        verbose=verbose,
    )
    largest = max(max(_size(image)) for image, _ in val_pairs)
    tile = max(settings["patch"], min(settings["tile"], -(-largest // multiple) * multiple))
    val = datasets.from_tiles(
        val_pairs, tile=tile, channels=channels, num_classes=num_classes, cache_dir=cache_dir
    )
    return train, val


def native_tiling(model, settings: dict | None) -> tuple[int, int]:
    """The ``tile`` and ``overlap`` of a run (``run.json``), else the model's own
    (:func:`helpers.inference.choose_tiling`)."""
    from helpers.inference import choose_tiling

    settings = settings or {}
    if "tile" in settings and "overlap" in settings:
        return int(settings["tile"]), int(settings["overlap"])
    return choose_tiling(model, patch=settings.get("patch"))


def predict_native(
    model, pixels: np.ndarray, *, settings: dict | None = None, threshold: float = THRESHOLD
) -> np.ndarray:
    """Labels of one image at its own resolution, predicted in tiles the way a patch run
    says (its ``run.json``: ``tile`` and ``overlap``), within bounded memory
    (:func:`helpers.inference.predict_tiled_mask`). An image that fits in a smaller tile
    (its larger side rounded up to the U-Net's ``2**depth``) is one tile of that size.

    Parameters
    ----------
    model : keras.Model
    pixels : ndarray, shape (H, W, C)
        As :func:`helpers.io.read_image` gives them (uint8/uint16), any size.
    settings : dict, optional
        The run's settings (:attr:`Run.settings`); without them, the model's own tiling
        (:func:`helpers.inference.choose_tiling`).
    threshold : float
        Foreground where the probability is at least this (one sigmoid channel).

    Returns
    -------
    ndarray of uint8, shape (H, W)
        0/1, or class indices.

    Raises
    ------
    InferenceError
        For images the model cannot take (channels).
    """
    from helpers.inference import predict_tiled_mask
    from helpers.unet import required_multiple, unet_depth

    tile, overlap = native_tiling(model, settings)
    if model.inputs[0].shape[1] is None:  # an image smaller than a tile: one tile, its size
        multiple = required_multiple(unet_depth(model))
        fits = -(-max(pixels.shape[:2]) // multiple) * multiple
        if fits < tile:
            tile, overlap = fits, min(overlap, fits // 4 // multiple * multiple)
    return predict_tiled_mask(model, pixels, tile=tile, overlap=overlap, threshold=threshold)


def evaluate_native(
    model,
    pairs,
    *,
    settings: dict | None = None,
    threshold: float = THRESHOLD,
    objects: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Per-image metrics at the images' own resolution, predicted as :func:`predict_native`.

    Parameters
    ----------
    model : keras.Model
    pairs : sequence of (image_path, mask_path)
    settings : dict, optional
        The run's settings (its tiling).
    threshold : float
    objects : bool
        Add object counts and object-level scores (:func:`helpers.objects.object_scores`)
        and print their summary line, as ``evaluate --objects`` does for other runs.
    progress : bool
        A progress bar over the images.

    Returns
    -------
    pandas.DataFrame
        Index ``image`` (the file stems), the columns of
        :func:`helpers.metrics.per_image_table`.

    Raises
    ------
    DataError
        For a file that cannot be read, or a mask that is not labels.
    EvaluationError
        For no pairs.
    """
    from helpers import io
    from helpers.errors import EvaluationError
    from helpers.metrics import per_image_table

    pairs = list(pairs)
    if not pairs:
        raise EvaluationError("No images to evaluate.")
    classes = model.outputs[0].shape[-1]
    channels = model.inputs[0].shape[-1]
    rows, truths, predictions = [], [], []
    shown = pairs
    if progress:
        from tqdm.auto import tqdm

        shown = tqdm(pairs, unit="image", desc="evaluating")
    for image_path, mask_path in shown:
        truth = io.read_mask(mask_path)
        predicted = predict_native(
            model,
            io.read_image(image_path, channels=channels),
            settings=settings,
            threshold=threshold,
        )
        rows.append(
            per_image_table(
                truth[None],
                predicted[None],
                [image_path.stem],
                num_classes=None if classes == 1 else classes,
            )
        )
        if objects:
            truths.append(truth)
            predictions.append(predicted)
    table = pd.concat(rows)
    if objects:
        table = table.join(_object_columns(truths, predictions, list(table.index)))
    return table


def _object_columns(truths, predictions, names) -> pd.DataFrame:
    from helpers.objects import label_objects, object_scores

    scores = object_scores(
        [label_objects(t) for t in truths], [label_objects(p) for p in predictions], names=names
    )
    totals = scores[["n_true", "n_pred", "tp", "splits", "merges"]].sum()
    print(
        f"Objects: {totals['n_true']} true, {totals['n_pred']} predicted, {totals['tp']} matched "
        f"at IoU 0.5; mean AP 0.5:0.95 {scores['mean_ap'].mean():.4f}; {totals['splits']} split, "
        f"{totals['merges']} merged."
    )
    return scores
