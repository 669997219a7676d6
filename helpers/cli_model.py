"""The ``train``, ``evaluate`` and ``predict`` commands of ``python -m helpers``.

``train --images D --masks D --out DIR``
    Pairs the files by stem, splits them (``DIR/split.json``: the stems of ``train``,
    ``val`` and ``test``), streams them through :func:`helpers.datasets.from_files`
    and trains the course's U-Net with :func:`helpers.training.train` (``DIR/history.csv``,
    ``DIR/model.keras``; the same command again resumes an interrupted run).
    ``DIR/run.json`` records the image size and channels, which ``evaluate`` and
    ``predict`` read back from the model's folder.
    ``--precision mixed|float32`` (default: mixed on a GPU with float16 units). With
    ``$TF_CONFIG`` naming several workers, each worker runs the same command
    (``MultiWorkerMirroredStrategy``: every worker trains on its share of each batch)
    and only the chief writes ``DIR``, so one machine's workers may share it.
``evaluate --model M --images D --masks D --out CSV``
    One row of metrics per image (:func:`helpers.evaluation.evaluate`); ``--split
    DIR/split.json`` scores only its ``test`` stems; ``--objects`` adds object counts
    and object-level scores (:func:`helpers.cli_objects.add_object_columns`).
``predict --model M --input FILE_OR_DIR --out DIR``
    A mask PNG per image (0/255 for one class, class indices otherwise), at the input's
    own size; ``--tile N`` predicts large images in overlapping tiles.

Each prints a progress bar while it works and one line when done; bad paths and bad
files stop it with a one-line message (exit status 2, see :mod:`helpers.cli`).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from helpers.errors import CommandError, CourseError, FileExistsRefusedError
from helpers.files import write_text

# TensorFlow's C++ start-up messages (CUDA probing, CPU features) are noise on a terminal;
# set before the commands import TensorFlow. An explicit setting in the environment wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["add_commands"]


def _train(args: argparse.Namespace) -> int:
    from helpers import training

    found = training.cluster()  # $TF_CONFIG: several workers train as one
    if found is not None:
        training.cluster_strategy()  # before any other TensorFlow op
        role = "chief: writes --out" if found["chief"] else "reads --out, writes nothing"
        print(
            f"Cluster: {found['workers']} workers (MultiWorkerMirroredStrategy); this is "
            f"{found['task']} ({role})."
        )
    training.train_on_folder(
        args.images,
        args.masks,
        args.out,
        profile=args.profile,
        size=args.size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        max_images=args.max_images,
        num_classes=args.classes,
        val_fraction=args.val_fraction,
        test_fraction=args.test_fraction,
        early_stopping=args.early_stopping,
        seed=args.seed,
        overwrite=args.overwrite,
        precision=None if args.precision == "auto" else args.precision,
    )
    return 0


def _run_settings(model_path: Path) -> dict:
    """``run.json`` next to the model, or an empty dict."""
    from helpers.training import RUN_FILE

    path = model_path.parent / RUN_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise CommandError(f"{path} is not valid JSON ({error}); delete or repair it.") from error


def _model_size(model, args, settings: dict) -> int | None:
    fixed = model.inputs[0].shape[1]
    return args.size or fixed or settings.get("size")


def _evaluate(args: argparse.Namespace) -> int:
    from helpers import datasets, evaluation, io, splits
    from helpers.inference import load_model

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise FileExistsRefusedError(f"{out} already exists; use --overwrite or another --out.")
    model_path = Path(args.model)
    model = load_model(model_path)
    settings = _run_settings(model_path)
    size = _model_size(model, args, settings)
    if size is None:
        raise CommandError("Give --size: the model takes any size and no run.json is next to it.")
    pairs = io.pair_images_and_masks(args.images, args.masks)
    if args.split:
        try:
            test = json.loads(Path(args.split).read_text(encoding="utf-8"))["test"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(
                f"{args.split} is not a split.json with a 'test' list ({error})."
            ) from error
        pairs = splits.select_pairs(pairs, test)
    channels = model.inputs[0].shape[-1]
    dataset = datasets.from_files(
        pairs,
        size=size,
        batch_size=args.batch_size,
        channels=channels,
        num_classes=model.outputs[0].shape[-1],
    )
    try:
        with datasets.unwrap_data_errors():  # a damaged file: the DataError that names it
            table = evaluation.evaluate(
                model,
                dataset,
                names=[image.stem for image, _ in pairs],
                threshold=args.threshold,
                progress=True,
            )
            if args.objects:  # object counts and object-level scores (helpers.cli_objects)
                from helpers.cli_objects import add_object_columns

                table = add_object_columns(table, model, dataset, threshold=args.threshold)
    except Exception as error:  # a file damaged past its header surfaces inside tf.data
        if isinstance(error, CourseError):
            raise
        raise CommandError(f"Evaluation stopped: {str(error).strip().splitlines()[-1]}") from error
    write_text(out, table.to_csv(), overwrite=args.overwrite)
    means = table.mean(numeric_only=True)
    print(
        f"Evaluated {len(table)} images at {size} px: mean IoU {means['iou']:.4f}, "
        f"mean Dice {means['dice']:.4f}; table in {out}."
    )
    return 0


def _predict(args: argparse.Namespace) -> int:
    import numpy as np

    from helpers import io
    from helpers.files import write_png
    from helpers.inference import load_model, predict_proba, predict_tiled, to_mask

    source = Path(args.input)
    if source.is_dir():
        inputs = io.list_images(source)
        if not inputs:
            raise CommandError(
                f"No images ({', '.join(io.IMAGE_EXTENSIONS)}) in {source}: put them there or "
                "pass another --input."
            )
    elif source.is_file():
        inputs = [source]
    else:
        raise CommandError(
            f"{source} is neither an image file nor a folder: check the --input path."
        )
    out = Path(args.out)
    targets = [out / f"{path.stem}.png" for path in inputs]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not args.overwrite:
        raise FileExistsRefusedError(
            f"{len(existing)} mask(s) already in {out} (e.g. {existing[0]}); use --overwrite "
            "or another --out."
        )
    for path in inputs:  # a damaged image stops the command before any mask is written
        io.read_image(path)
    model_path = Path(args.model)
    model = load_model(model_path)
    settings = _run_settings(model_path)
    channels = model.inputs[0].shape[-1]
    from tqdm.auto import tqdm

    for path, target in zip(tqdm(inputs, unit="image", desc="predicting"), targets, strict=True):
        pixels = io.read_image(path, channels=channels)
        height, width = pixels.shape[:2]
        scale = _scale(args, settings)
        size = (max(round(height * scale[0]), 1), max(round(width * scale[1]), 1))
        image = io.prepare_image(pixels, size=size)
        if args.tile:
            probabilities = predict_tiled(model, image, tile=args.tile, overlap=args.tile // 2)
        else:
            probabilities = predict_proba(model, image)
        if size != (height, width):
            probabilities = io.resize_image(probabilities.astype(np.float32), (height, width))
            if probabilities.ndim == 2:
                probabilities = probabilities[..., None]
        mask = to_mask(probabilities, threshold=args.threshold)[..., 0]
        if probabilities.shape[-1] == 1:
            mask = mask * np.uint8(255)
        write_png(target, mask, overwrite=args.overwrite)
    print(f"Wrote {len(targets)} mask(s) to {out}.")
    return 0


def _scale(args: argparse.Namespace, settings: dict) -> tuple[float, float]:
    """Resize factors that give objects the size they had in training (see run.json)."""
    if args.scale is not None:
        return args.scale, args.scale
    source, size = settings.get("source_size"), settings.get("size")
    if not source or not size:
        return 1.0, 1.0
    return size / source[0], size / source[1]


def add_commands(subparsers) -> None:
    """Add ``train``, ``evaluate`` and ``predict`` to ``python -m helpers``."""
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
        "--classes", type=int, default=1, help="1 (binary masks) or the number of classes"
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
    train.set_defaults(run=_train)

    evaluate = subparsers.add_parser("evaluate", help="per-image metrics of a model, as CSV")
    evaluate.add_argument("--model", required=True, help="a model.keras file")
    evaluate.add_argument("--images", required=True)
    evaluate.add_argument("--masks", required=True)
    evaluate.add_argument("--out", required=True, help="CSV file to write")
    evaluate.add_argument("--split", help="a split.json: score only its test stems")
    evaluate.add_argument(
        "--size", type=int, help="image side (default: from run.json or the model)"
    )
    evaluate.add_argument("--batch-size", type=int, default=16)
    evaluate.add_argument("--threshold", type=float, default=0.5)
    evaluate.add_argument(
        "--objects",
        action="store_true",
        help="add object counts and object-level scores (helpers.objects)",
    )
    evaluate.add_argument("--overwrite", action="store_true")
    evaluate.set_defaults(run=_evaluate)

    predict = subparsers.add_parser("predict", help="mask PNGs for an image or a folder")
    predict.add_argument("--model", required=True, help="a model.keras file")
    predict.add_argument("--input", required=True, help="an image file or a folder of images")
    predict.add_argument("--out", required=True, help="folder for the mask PNGs")
    predict.add_argument("--tile", type=int, help="predict in tiles of N pixels (overlap N/2)")
    predict.add_argument(
        "--scale",
        type=float,
        help="resize factor before predicting (default: the training's, from run.json)",
    )
    predict.add_argument("--threshold", type=float, default=0.5)
    predict.add_argument("--overwrite", action="store_true")
    predict.set_defaults(run=_predict)
