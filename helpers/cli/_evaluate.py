"""The ``evaluate`` command of ``python -m helpers``.

``evaluate --run DIR --out CSV``
    One row of metrics per image (:func:`helpers.evaluation.evaluate`) for the model of a
    run folder (:func:`helpers.runs.load_run`): the images and masks default to the
    folders recorded in ``DIR/run.json``, and the scored images to the test images of
    ``DIR/split.json``; ``--all`` scores every pair, ``--split FILE`` the test stems of
    another split. The summary line says which images were scored.
``evaluate --model M --images D --masks D --out CSV``
    The same for a model file; every pair is scored unless ``--split DIR/split.json``
    (then only its ``test`` stems). The image size comes from ``--size``, the model, or
    a ``run.json`` next to it.

A run trained on patches (``train --patch N``; its ``run.json`` says so) is scored at the
images' own resolution, predicted in the run's tiles (:func:`helpers.runs.evaluate_native`),
unless ``--size`` is given; the summary line says which.

``--objects`` adds object counts and object-level scores, from the same prediction
(:func:`helpers.evaluation.evaluation_pass` predicts each image once). For a model of
several classes the table has the columns ``iou_<class>``, ``dice_<class>``,
``precision_<class>`` and ``recall_<class>`` of each foreground class (names from the masks
folder's ``classes.json``, else the class numbers; ``iou`` stays the mean over them), and
``<out stem>_confusion.csv`` holds the pixel confusion matrix of the scored images (rows
the true class, columns the predicted one). Exactly one of ``--run`` and ``--model``; bad
paths and bad files stop it with a one-line message (exit status 2, see
:mod:`helpers.cli`), before anything is written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from helpers.cli._model import add_model_arguments, check_model_choice, load_model_and_settings
from helpers.conventions import THRESHOLD
from helpers.errors import CommandError, FileExistsRefusedError
from helpers.files import write_text

__all__ = ["add_commands"]


def _model_size(model, args, settings: dict) -> int | None:
    fixed = model.inputs[0].shape[1]
    return args.size or fixed or settings.get("size")


def _folders(args: argparse.Namespace, run) -> tuple:
    """``--images`` and ``--masks``, or the run's folders from ``run.json``."""
    images = args.images or (run.images if run is not None else None)
    masks = args.masks or (run.masks if run is not None else None)
    if images is None or masks is None:
        where = f"{run.folder}/run.json records no folders" if run is not None else "--model"
        raise CommandError(
            f"Give --images DIR and --masks DIR ({where}): the images to score and their masks."
        )
    return images, masks


def _chosen(pairs: list, args: argparse.Namespace, run) -> tuple[list, str]:
    """The pairs to score, and the words that say which they are."""
    from helpers import splits

    if args.split:
        try:
            test = json.loads(Path(args.split).read_text(encoding="utf-8"))["test"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(
                f"{args.split} is not a split.json with a 'test' list ({error})."
            ) from error
        return splits.select_pairs(pairs, test), f"the test images of {args.split}"
    if run is None or args.all:
        return pairs, "every image in the folders"
    if run.split is None:
        raise CommandError(
            f"{run.folder} has no split.json, so its test images are not known: pass --all "
            "to score every image, or --split FILE."
        )
    return splits.select_pairs(pairs, run.test_stems), f"the test images of {run.folder}"


def _evaluate(args: argparse.Namespace) -> int:
    from helpers import evaluation, io, runs

    check_model_choice(args)
    if args.all and args.split:
        raise CommandError("Give --all or --split FILE, not both.")
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise FileExistsRefusedError(f"{out} already exists; use --overwrite or another --out.")
    model, settings, run = load_model_and_settings(args)
    classes = model.outputs[0].shape[-1]
    native = runs.is_patch_run(settings) and args.size is None  # own size, in the run's tiles
    confusion = _confusion_path(out) if classes > 1 and not native else None
    if confusion is not None and confusion.exists() and not args.overwrite:
        raise FileExistsRefusedError(
            f"{confusion} already exists; use --overwrite or another --out."
        )
    size = _model_size(model, args, settings)
    if size is None:
        raise CommandError("Give --size: the model takes any size and no run.json is next to it.")
    folders = _folders(args, run)
    pairs, which = _chosen(io.pair_images_and_masks(*folders), args, run)
    if args.objects and classes != 1:
        raise CommandError(
            "--objects counts objects of one foreground class: this model predicts "
            f"{classes} classes. Leave out --objects."
        )
    if native:  # each image at its own size: one at a time, in tiles
        table = runs.evaluate_native(
            model,
            pairs,
            settings=settings,
            threshold=args.threshold,
            objects=args.objects,
            progress=True,
        )
    else:
        found = evaluation.evaluate_files(  # predicts each image once, for every score
            model,
            pairs,
            size=size,
            batch_size=args.batch_size,
            threshold=args.threshold,
            class_names=evaluation.class_names(folders[1], classes),
            objects=args.objects,
            progress=True,
        )
        table = found.table
        if args.objects:  # object counts and object-level scores
            print(evaluation.describe_objects(table))
    write_text(out, table.to_csv(), overwrite=args.overwrite)
    if confusion is not None:
        write_text(confusion, found.confusion_table().to_csv(), overwrite=args.overwrite)
    means = table.mean(numeric_only=True)
    scored = f" ({which})" if run is not None else ""
    also = "" if confusion is None else f", confusion matrix in {confusion}"
    where = f"at {size} px"
    if native:
        where = "at native resolution, in tiles of up to {} px overlapping by {}".format(
            *runs.native_tiling(model, settings)
        )
    print(
        f"Evaluated {len(table)} images{scored} {where}: mean IoU {means['iou']:.4f}, "
        f"mean Dice {means['dice']:.4f}; table in {out}{also}."
    )
    return 0


def _confusion_path(out: Path) -> Path:
    """``<out stem>_confusion.csv`` next to ``out``."""
    return out.with_name(f"{out.stem}_confusion.csv")


def add_commands(subparsers) -> None:
    """Add ``evaluate`` to ``python -m helpers``."""
    evaluate = subparsers.add_parser(
        "evaluate", help="per-image metrics of a run (or a model), as CSV"
    )
    add_model_arguments(evaluate)
    evaluate.add_argument(
        "--images", help="folder of images (default with --run: the run's, from run.json)"
    )
    evaluate.add_argument(
        "--masks", help="folder of masks (default with --run: the run's, from run.json)"
    )
    evaluate.add_argument("--out", required=True, help="CSV file to write")
    evaluate.add_argument(
        "--split",
        help="a split.json: score only its test stems (default with --run: the run's split)",
    )
    evaluate.add_argument(
        "--all", action="store_true", help="with --run: score every pair, not only the test images"
    )
    evaluate.add_argument(
        "--size", type=int, help="image side (default: from run.json or the model)"
    )
    evaluate.add_argument("--batch-size", type=int, default=16)
    evaluate.add_argument("--threshold", type=float, default=THRESHOLD)
    evaluate.add_argument(
        "--objects",
        action="store_true",
        help="add object counts and object-level scores (helpers.objects)",
    )
    evaluate.add_argument("--overwrite", action="store_true")
    evaluate.set_defaults(run=_evaluate)
