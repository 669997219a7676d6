"""The ``train`` command of ``python -m helpers``.

``train --images D --masks D --out DIR``
    Pairs the files by stem, splits them (``DIR/split.json``: the stems of ``train``,
    ``val`` and ``test``), streams them through :func:`helpers.datasets.from_files`
    and trains the course's U-Net with :func:`helpers.runs.train_on_folder`
    (``DIR/history.csv``, ``DIR/model.keras``; the same command again resumes an
    interrupted run). ``DIR/run.json`` records the image size and channels, which
    ``evaluate --run DIR`` and ``predict --run DIR`` read back, and the record of the
    training (seconds, kept epoch, epochs run, stopped early).
    ``--classes N`` defaults to what ``classes.json`` in the masks folder says (else the
    masks' labels: 1 for 0/1 masks, else the largest label + 1); a ``--classes`` that
    disagrees with ``classes.json`` stops it (exit 2). ``--class-weights``: with several
    classes, also weight the loss by the classes' shares of the training pixels.
    ``--precision mixed|float32`` (default: mixed on a GPU with float16 units).
    ``--base-filters N`` sets the U-Net's width (default: the profile's). With
    ``$TF_CONFIG`` naming several workers, each worker runs the same command
    (``MultiWorkerMirroredStrategy``: every worker trains on its share of each batch)
    and only the chief writes ``DIR``, so one machine's workers may share it.
``train ... --patch N``
    Trains at native resolution: no resize, random ``N x N`` patches of the images at
    their own size (a share centred on foreground pixels, ``--foreground-patches``; an
    epoch of ``--patches-per-epoch``, by default as many pixels as the training images),
    with elastic deformation and intensity jitter (``--no-elastic``, ``--no-intensity``),
    validated on the whole validation images in tiles. ``run.json`` records the mode:
    ``predict`` and ``evaluate`` on the run then work at native resolution, in tiles.

Bad paths and bad files stop it with a one-line message (exit status 2, see
:mod:`helpers.cli`).
"""

from __future__ import annotations

import argparse

from helpers.errors import CommandError

__all__ = ["add_commands"]


def _train(args: argparse.Namespace) -> int:
    from helpers import distribute, runs

    patch_only = (args.patches_per_epoch, args.foreground_patches)
    if args.patch is None and (
        any(v is not None for v in patch_only) or not args.elastic or not args.intensity
    ):
        raise CommandError(
            "--patches-per-epoch, --foreground-patches, --no-elastic and --no-intensity "
            "set how patches are cut: add --patch N (e.g. --patch 256)."
        )

    found = distribute.cluster()  # $TF_CONFIG: several workers train as one
    if found is not None:
        distribute.strategy()  # before any other TensorFlow op
        role = "chief: writes --out" if found["chief"] else "reads --out, writes nothing"
        print(
            f"Cluster: {found['workers']} workers (MultiWorkerMirroredStrategy); this is "
            f"{found['task']} ({role})."
        )
    runs.train_on_folder(
        args.images,
        args.masks,
        args.out,
        profile=args.profile,
        size=args.size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        max_images=args.max_images,
        base_filters=args.base_filters,
        num_classes=args.classes,
        class_weights=args.class_weights,
        val_fraction=args.val_fraction,
        test_fraction=args.test_fraction,
        early_stopping=args.early_stopping,
        seed=args.seed,
        overwrite=args.overwrite,
        precision=None if args.precision == "auto" else args.precision,
        patch=args.patch,
        patches_per_epoch=args.patches_per_epoch,
        foreground_patches=args.foreground_patches,
        elastic=args.elastic,
        intensity=args.intensity,
    )
    return 0


def add_commands(subparsers) -> None:
    """Add ``train`` to ``python -m helpers``."""
    train = subparsers.add_parser("train", help="train a U-Net on images and masks")
    train.add_argument("--images", required=True, help="folder of images")
    train.add_argument("--masks", required=True, help="folder of masks (same file stems)")
    train.add_argument(
        "--out", required=True, help="folder for model.keras, history.csv, split.json"
    )
    train.add_argument(
        "--profile",
        choices=("quick", "cpu", "full"),
        help="run profile (default: $COURSE_PROFILE, else cpu/full by GPU)",
    )
    train.add_argument("--epochs", type=int, help="epochs (default: the profile's)")
    train.add_argument(
        "--size", type=int, help="image side in pixels, a multiple of 16 (default: the profile's)"
    )
    train.add_argument("--batch-size", type=int, help="images per step (default: the profile's)")
    train.add_argument("--max-images", type=int, help="use at most this many pairs")
    train.add_argument(
        "--base-filters",
        type=int,
        help="filters of the U-Net's first level, doubled at each level below (default: the "
        "profile's); the convolutions' work grows with the square of the width",
    )
    train.add_argument(
        "--classes",
        type=int,
        help="1 (binary masks) or the number of classes with the background (default: "
        "classes.json in --masks, else the masks' largest label + 1)",
    )
    train.add_argument(
        "--class-weights",
        action="store_true",
        help="several classes: also weight the loss by the classes' shares of the pixels "
        "(rare classes weigh more; see runs.train_on_folder)",
    )
    train.add_argument("--val-fraction", type=float, default=0.15)
    train.add_argument("--test-fraction", type=float, default=0.15)
    train.add_argument("--early-stopping", type=int, help="stop after N epochs without improvement")
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--overwrite", action="store_true", help="start afresh in --out")
    train.add_argument(
        "--precision",
        choices=("auto", "float32", "mixed"),
        default="auto",
        help="mixed: float16 compute (default auto: mixed on a GPU with float16 "
        "units, else float32)",
    )
    patches = train.add_argument_group("native resolution (patches)")
    patches.add_argument(
        "--patch",
        type=int,
        metavar="N",
        help="train on random N x N patches of the images at their own size (a multiple of "
        "16), not on resized images; predict and evaluate then tile the whole images",
    )
    patches.add_argument(
        "--patches-per-epoch",
        type=int,
        metavar="N",
        help="with --patch: patches per epoch (default: as many pixels as the training images)",
    )
    patches.add_argument(
        "--foreground-patches",
        type=float,
        metavar="SHARE",
        help="with --patch: share of patches centred on a foreground pixel (default 0.33)",
    )
    patches.add_argument(
        "--elastic",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --patch: elastic deformation of the patches (default: on)",
    )
    patches.add_argument(
        "--intensity",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --patch: random gamma, contrast and brightness (default: on)",
    )
    train.set_defaults(run=_train)
