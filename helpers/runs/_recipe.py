"""The course's recipe on a folder of images and masks (``python -m helpers train``), and
the pieces that fit it to a small set: smaller batches, an output that starts at the
foreground's share."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.classes import declared_classes
from helpers.errors import ConfigError, TrainingError
from helpers.runs._classes import class_setup
from helpers.runs._folder import (
    RUN_FILE,
    SPLIT_FILE,
    describe_data,
    record_training,
    write_settings,
    write_split,
)
from helpers.runs._native import patch_datasets, patch_settings, patches_per_pass


def _check_files(pairs, num_classes: int) -> None:
    """Decode every image and mask once, so that a damaged file or a mask that is not
    labels stops the run before anything is written (not in the middle of an epoch).

    Raises
    ------
    DataError
        Naming the file and saying what to do.
    """
    from helpers import datasets, io

    for image, mask in pairs:
        io.read_image(image)
        datasets.check_mask_labels(io.read_mask(mask), num_classes, str(mask))


def foreground_share(pairs, *, limit: int = 200) -> float:
    """The share of foreground (non-zero) pixels in the masks of ``pairs``.

    At most ``limit`` masks are read, spread evenly over the list (the share of a large
    folder without reading all of it)."""
    from helpers import io

    pairs = list(pairs)
    if not pairs:
        return 0.0
    step = max(1, -(-len(pairs) // limit))
    counts = [
        (int(np.count_nonzero(mask)), mask.size)
        for mask in (io.read_mask(m) for _, m in pairs[::step])
    ]
    return sum(c for c, _ in counts) / max(sum(n for _, n in counts), 1)


#: Weight updates an epoch should make at least (see :func:`small_set_batch`).
MIN_UPDATES_PER_EPOCH = 7


def small_set_batch(train_images: int, batch_size: int) -> int:
    """The profile's ``batch_size``, made smaller for a small training set so that an epoch
    makes at least :data:`MIN_UPDATES_PER_EPOCH` weight updates (never below 2).

    A profile's epochs are counted for a few dozen training images or more: with 28
    images in batches of 8 (``data/mri``), 25 epochs are 100 updates, too few to draw
    the lesions' edges (``cpu`` profile, with :func:`set_output_prior`: lesion IoU 0.78,
    precision 0.78; batches of 4, same images per epoch, so about the same time: 0.89 and
    0.92, lesion-free image empty)."""
    return int(min(batch_size, max(2, train_images // MIN_UPDATES_PER_EPOCH)))


def set_output_prior(model, share):
    """Start a model's output at the classes' shares: one class's sigmoid bias =
    logit(share); several classes' softmax biases = log(share of each class).

    A freshly built U-Net outputs about 0.5 everywhere. With lesions of 1 % of the pixels,
    Adam (steps of about the learning rate per weight) needs hundreds of steps only to
    bring the background down, and a short run stops with a background near 0.2 and a
    rim around each object above 0.5: masks drawn too wide (``data/mri``, ``cpu`` profile:
    recall 1.0, precision 0.63-0.67, lesion IoU the same; with the prior 0.86 IoU,
    precision 0.89, recall 0.97). Starting at the prior (RetinaNet's trick) removes that
    phase. For several classes ``share`` is one share per class (background first): the
    softmax then starts at those shares. Returns the model; a model without a layer
    ``probabilities``, or whose channels do not match ``share``, is returned unchanged."""
    try:
        layer = model.get_layer("probabilities")
    except ValueError:
        return model
    if layer.bias is None:
        return model
    if np.ndim(share):  # several classes: softmax(log shares) = the shares
        shares = np.clip(np.asarray(share, dtype=np.float64), 1e-4, 1.0)
        if layer.bias.shape[-1] != len(shares) or len(shares) < 2:
            return model
        layer.bias.assign(np.log(shares / shares.sum()).astype("float32"))
        return model
    if layer.bias.shape[-1] != 1:
        return model
    share = float(np.clip(share, 1e-4, 1 - 1e-4))
    layer.bias.assign(np.full(layer.bias.shape, np.log(share / (1 - share)), dtype="float32"))
    return model


def train_on_folder(
    image_dir: str | os.PathLike,
    mask_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    profile=None,
    size: int | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    max_images: int | None = None,
    base_filters: int | None = None,
    num_classes: int | None = None,
    class_weights: bool = False,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    early_stopping: int | None = None,
    seed: int = 42,
    overwrite: bool = False,
    verbose: bool = True,
    precision: str | None = None,
    patch: int | None = None,
    patches_per_epoch: int | None = None,
    foreground_patches: float | None = None,
    elastic: bool = True,
    intensity: bool = True,
    callbacks: list | None = None,
) -> pd.DataFrame:
    """The course's whole recipe on a folder of images and masks: split, stream, train.

    Pairs the files by stem (:func:`helpers.io.pair_images_and_masks`), splits the stems
    into train/val/test with ``seed``, streams the training images with augmentation,
    and trains the default U-Net with :func:`helpers.training.train`, its output started
    at the foreground's share (:func:`set_output_prior`). ``python -m helpers train`` and
    chapter 11 call this (chapter 7's recipe, without these small-set measures, is
    :func:`chapter7_model`'s).

    Writes into ``out_dir``: ``split.json`` (the stems of ``train``, ``val`` and
    ``test``), ``run.json`` (size, channels, classes, the source image size, the
    settings; after training, the record of :func:`record_training`), and what
    :func:`helpers.training.train` writes. The same call again resumes.

    Parameters
    ----------
    profile : helpers.config.Profile or str, optional
        Default size, epochs, batch size, image limit and U-Net width (default: the
        current profile, :func:`helpers.config.get_profile`).
    size, epochs, batch_size, max_images : int, optional
        Override the profile's values. ``size`` must be a multiple of 16. Without
        ``batch_size``, a small training set gets smaller batches than the profile's
        (:func:`small_set_batch`).
    base_filters : int, optional
        Filters of the U-Net's first level, doubled at each level below (default: the
        profile's, 16 for ``cpu`` and ``full``). The convolutions' work grows with the
        square of the width. On ISBI 2012 at native resolution (patches of 256 px,
        ``cpu`` profile, 16 training images, 2 CPU cores) 8 filters trained in 468 s and
        reached a membrane IoU of 0.665 on images 0-5; 16 take about 1,000 s (1,006 s on
        another split of the same size) and reach 0.679; 24 take about 1,700 s (68 s an
        epoch) and reach 0.679 as well.
    num_classes : int, optional
        1 for binary masks, else the number of classes (0 is background). Default:
        ``classes.json`` in ``mask_dir`` decides, else the masks' labels
        (:func:`helpers.classes.resolve_classes`). With several classes the loss is a
        :class:`helpers.losses.ClassLoss` (cross-entropy plus a Dice over the foreground
        classes, which gives a rare class as much say as a common one), the output starts
        at each class's share of the training pixels, and ``run.json`` records the class
        names.
    class_weights : bool
        Several classes: also weight the cross-entropy by the classes' shares of the
        training pixels (:func:`helpers.classes.class_weights`). Off by default: on
        ``data/cells`` (``cpu`` profile) the weights raised every class's recall and
        lowered its precision (objects drawn too wide); the test IoU moved by -0.006 to
        +0.010 in one run and fell for every class in another (the rare crescent 0.901
        -> 0.878): no steady gain (chapter 13).
    precision : {None, "float32", "mixed"}
        As for :func:`helpers.training.train` (``--precision`` on the command line).
    patch : int, optional
        Train at native resolution (``--patch N``): no resize, random ``patch x patch``
        crops of the images at their own size (:func:`helpers.datasets.from_patches`,
        small images reflected), validated on the whole validation images in tiles.
        ``run.json`` records the mode, so that ``predict`` and ``evaluate`` on the run
        work at native resolution, in tiles (:func:`predict_native`). A multiple of 16;
        not with ``size``. Without it, the images are resized to ``size``.
    patches_per_epoch : int, optional
        Patch runs: patches per epoch (default: as many pixels as the training images,
        :func:`helpers.datasets.default_patches_per_epoch`).
    foreground_patches : float, optional
        Patch runs: share of patches centred on a foreground pixel (default
        :data:`helpers.datasets.FOREGROUND_SHARE`).
    elastic, intensity : bool
        Patch runs: elastic deformation, and gamma/contrast/brightness jitter (both on by
        default; ``--no-elastic``, ``--no-intensity``).
    callbacks : list, optional
        More Keras callbacks (e.g. a benchmark's measurements during training).

    Returns
    -------
    pandas.DataFrame
        The history, one row per epoch.

    Raises
    ------
    ConfigError
        An unknown profile name (in ``profile`` or ``$COURSE_PROFILE``), a ``num_classes``
        that disagrees with ``classes.json``, a ``base_filters`` below 1, or a patch
        setting out of range (``foreground_patches``, ``patches_per_epoch``).
    DataError
        A missing or empty folder, the blocking findings of the data check
        (:func:`helpers.check.check_folders`: unpaired names, damaged files, sizes that
        differ, masks that are not labels...), all named at once, or a mask with a label
        above the classes: before anything is written.
    FileExistsRefusedError
        ``out_dir`` holds a run with other data or settings and ``overwrite`` is false.
    TrainingError
        A size (or patch) the U-Net cannot halve, both a size and a patch, fewer than 3
        pairs, or a resume state that does not fit.
    """
    from helpers import config, datasets, distribute, io, splits, training
    from helpers.unet import DEFAULTS, build_unet, required_multiple

    if profile is None or isinstance(profile, str):
        profile = config.get_profile(profile)
    if patch is not None and size is not None:
        raise TrainingError(
            "Give a size (images resized to it) or a patch (patches at native resolution), "
            "not both."
        )
    size = patch or size or profile.image_size
    multiple = required_multiple(DEFAULTS["depth"])
    if size % multiple:
        raise TrainingError(
            f"{'Patch' if patch else 'Image'} size {size} is not a multiple of {multiple} "
            f"(the U-Net halves it {DEFAULTS['depth']} times): use e.g. "
            f"{max(multiple, size // multiple * multiple)}."
        )
    epochs = epochs or profile.epochs
    base_filters = profile.base_filters if base_filters is None else int(base_filters)
    if base_filters < 1:  # build_unet checks it too, but after run.json is written
        raise ConfigError(
            f"The U-Net's base filters must be at least 1, got {base_filters} (--base-filters)."
        )
    out_dir = Path(out_dir)
    from helpers import check  # every blocking finding at once, before anything is written

    if Path(mask_dir).is_dir():  # a wrong classes.json, or one against num_classes, first
        declared_classes(mask_dir, num_classes)
    check.stop_on_blocking(check.check_folders(image_dir, mask_dir, num_classes=num_classes))
    pairs = io.pair_images_and_masks(image_dir, mask_dir)
    limit = max_images if max_images is not None else profile.max_images
    pairs = pairs[:limit]
    channels = io.infer_channels(pairs)
    split = splits.split_stems(
        [image.stem for image, _ in pairs],
        seed=seed,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
    )
    if not split["val"]:
        raise TrainingError(
            f"Only {len(pairs)} image/mask pairs: give at least 3 (train, val, test)."
        )
    train_pairs = splits.select_pairs(pairs, split["train"])
    per_epoch = len(split["train"]) if patch is None else patches_per_pass(train_pairs, patch)
    batch_size = batch_size or small_set_batch(per_epoch, profile.batch_size)
    # several classes: how many, their names, shares and loss weights (classes.json decides)
    classes = class_setup(
        pairs, train_pairs, mask_dir, num_classes=num_classes, weighted=class_weights
    )
    num_classes = classes.num_classes
    data = describe_data(image_dir, mask_dir, pairs, size=size, num_classes=num_classes)
    share = (
        foreground_share(splits.select_pairs(pairs, split["train"])) if num_classes == 1 else None
    )
    run = {key: data[key] for key in ("size", "channels", "num_classes", "source_size", "scale")}
    run |= {
        "foreground_share": None if share is None else round(share, 6),
        "epochs": epochs,
        "batch_size": batch_size,
        "base_filters": base_filters,
        "seed": seed,
        "profile": profile.name,
        "images": data["images"],
        "masks": data["masks"],
    }
    run |= classes.settings()  # several classes: names, shares, weights (binary: nothing)
    if patch is not None:
        run |= patch_settings(
            train_pairs,
            patch=patch,
            batch_size=batch_size,
            patches_per_epoch=patches_per_epoch,
            foreground_patches=(
                datasets.FOREGROUND_SHARE if foreground_patches is None else foreground_patches
            ),
            elastic=elastic,
            intensity=intensity,
        )
    _check_files(pairs, num_classes)  # before anything is written
    chief = distribute.is_chief()  # in a cluster, only the chief writes out_dir
    if chief:
        if overwrite:
            for name in (SPLIT_FILE, RUN_FILE):
                (out_dir / name).unlink(missing_ok=True)
        write_split(out_dir, split, overwrite=overwrite)
        write_settings(out_dir, run, overwrite=overwrite)

    def batches(part: str, *, augment: bool):
        return datasets.from_files(
            splits.select_pairs(pairs, split[part]),
            size=size,
            batch_size=batch_size,
            channels=channels,
            augment=augment,
            shuffle=augment,
            seed=seed,
            num_classes=num_classes,
            verbose=verbose and augment and chief,
        )

    config.set_seed(seed)
    if verbose:
        how = (
            f"{size} px"
            if patch is None
            else f"native resolution, {run['patches_per_epoch']} patches of {patch} px per epoch"
        )
        print(
            f"Training on {len(split['train'])} images, validating on {len(split['val'])} "
            f"({how}, {epochs} epochs, batch {batch_size}); {len(split['test'])} test "
            "images kept aside."
        )
    if patch is None:
        train_ds, val_ds = batches("train", augment=True), batches("val", augment=False)
    else:
        train_ds, val_ds = patch_datasets(
            train_pairs,
            splits.select_pairs(pairs, split["val"]),
            run,
            batch_size=batch_size,
            channels=channels,
            num_classes=num_classes,
            seed=seed,
            cache_dir=out_dir,
            verbose=verbose and chief,
        )

    def build():
        model = build_unet(
            (None, None, channels), num_classes=num_classes, base_filters=base_filters
        )
        prior = share if num_classes == 1 else classes.shares
        return model if prior is None else set_output_prior(model, prior)

    history = training.train(
        build,
        train_ds,
        val_ds,
        epochs=epochs,
        out_dir=out_dir,
        loss=classes.loss(),
        early_stopping=early_stopping,
        overwrite=overwrite,
        verbose=verbose,
        precision=precision,
        callbacks=callbacks,
        run_eagerly=profile.run_eagerly,
    )
    if chief:
        record_training(out_dir)
    return history
