"""The ``predict`` command of ``python -m helpers``.

``predict --run DIR --input FILE_OR_DIR --out DIR``
    A mask PNG per image (0/255 for one class, class indices otherwise), at the input's
    own size, from the model of a run folder (:func:`helpers.runs.load_run`); each image
    is first resized by the run's scale (``run.json``), so that objects have the size the
    network learned. ``--model M`` instead of ``--run`` takes a model file (and the
    ``run.json`` next to it, if any). ``--tile N`` predicts large images in overlapping
    tiles. A run trained on patches (``train --patch N``; ``run.json`` says so) predicts
    every image at its own resolution, in the run's tiles, within bounded memory
    (:func:`helpers.runs.predict_native`), unless ``--scale`` or ``--tile`` is given;
    the summary line says which.
    A model with several classes also writes ``DIR/classes.json`` (the class
    names of ``run.json``), which ``masks2via`` reads, so the names go back to VIA.
    ``--color`` adds RGB previews, ``DIR/color/<stem>.png`` (each class in a fixed
    colour-blind-safe colour, :func:`helpers.classes.colorize`, over the image dimmed),
    and ``DIR/color/legend.json`` (class name -> RGB): never beside the class PNGs.

Exactly one of ``--run`` and ``--model``; bad paths and bad files stop it with a one-line
message (exit status 2, see :mod:`helpers.cli`), before any mask is written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from helpers.cli._model import add_model_arguments, check_model_choice, load_model_and_settings
from helpers.conventions import THRESHOLD
from helpers.errors import CommandError, FileExistsRefusedError

__all__ = ["add_commands"]


def _scale(args: argparse.Namespace, settings: dict) -> tuple[float, float]:
    """Resize factors that give objects the size they had in training (see run.json)."""
    from helpers.runs import is_patch_run

    if args.scale is not None:
        return args.scale, args.scale
    if is_patch_run(settings):  # trained at the images' own resolution
        return 1.0, 1.0
    source, size = settings.get("source_size"), settings.get("size")
    if not source or not size:
        return 1.0, 1.0
    return size / source[0], size / source[1]


def _predict(args: argparse.Namespace) -> int:
    import numpy as np

    from helpers import io, runs
    from helpers.classes import CLASSES_FILE, colorize
    from helpers.files import write_png
    from helpers.inference import predict_proba, predict_tiled, to_mask

    check_model_choice(args)
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
    extra = _extra_targets(out, inputs, color=args.color)  # color/ (if asked)
    existing = [str(t) for t in targets + list(extra.values()) if t.exists()]
    if existing and not args.overwrite:
        raise FileExistsRefusedError(
            f"{len(existing)} mask(s) already in {out} (e.g. {existing[0]}); use --overwrite "
            "or another --out."
        )
    for path in inputs:  # a damaged image stops the command before any mask is written
        io.read_image(path)
    model, settings, _ = load_model_and_settings(args)
    channels = model.inputs[0].shape[-1]
    names = _class_names(model, settings)
    if model.outputs[0].shape[-1] > 1:  # several classes: their names beside the masks
        extra[CLASSES_FILE] = out / CLASSES_FILE
        if extra[CLASSES_FILE].exists() and not args.overwrite:
            raise FileExistsRefusedError(
                f"{extra[CLASSES_FILE]} already exists; use --overwrite or another --out."
            )
    native = runs.is_patch_run(settings) and args.scale is None and args.tile is None
    from tqdm.auto import tqdm

    for path, target in zip(tqdm(inputs, unit="image", desc="predicting"), targets, strict=True):
        pixels = io.read_image(path, channels=channels)
        if native:  # a patch run: at the image's own size, in the run's tiles
            mask = runs.predict_native(model, pixels, settings=settings, threshold=args.threshold)
            if args.color:
                picture = colorize(mask, image=pixels, num_classes=len(names))
                write_png(extra[path], picture, overwrite=args.overwrite)
            if model.outputs[0].shape[-1] == 1:
                mask = mask * np.uint8(255)
            write_png(target, mask, overwrite=args.overwrite)
            continue
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
        if args.color:
            picture = colorize(mask, image=pixels, num_classes=len(names))
            write_png(extra[path], picture, overwrite=args.overwrite)
        if probabilities.shape[-1] == 1:
            mask = mask * np.uint8(255)
        write_png(target, mask, overwrite=args.overwrite)
    _write_classes(extra, names, overwrite=args.overwrite)
    how = ""
    if native:
        tile, overlap = runs.native_tiling(model, settings)
        how = (
            f" at native resolution, in tiles of up to {tile} px overlapping by {overlap} "
            f"(the run trained on {settings.get('patch')} px patches)"
        )
    print(f"Wrote {len(targets)} mask(s) to {out}{how}.")
    if args.color:
        print(f"Colour previews and legend.json in {out / COLOR_DIR}.")
    return 0


#: The folder of ``--color``'s previews, inside ``--out`` (never beside the class PNGs).
COLOR_DIR = "color"
LEGEND_FILE = "legend.json"


def _extra_targets(out: Path, inputs: list, *, color: bool) -> dict:
    """Files written besides the masks for ``--color``: a preview per image (by stem)
    and ``legend.json``, by input path and by file name."""
    extra = {}
    if color:
        extra |= {path: out / COLOR_DIR / f"{path.stem}.png" for path in inputs}
        extra[LEGEND_FILE] = out / COLOR_DIR / LEGEND_FILE
    return extra


def _class_names(model, settings: dict) -> list[str]:
    """The class names of the model's outputs: ``run.json``'s, else generic ones."""
    outputs = model.outputs[0].shape[-1]
    if outputs == 1:
        return ["background", "foreground"]
    names = settings.get("class_names")
    if isinstance(names, list) and len(names) == outputs:
        return [str(name) for name in names]
    return ["background"] + [f"class {k}" for k in range(1, outputs)]


def _write_classes(extra: dict, names: list[str], *, overwrite: bool) -> None:
    """``classes.json`` (several classes) and ``color/legend.json`` (``--color``)."""
    from helpers.classes import CLASSES_FILE, legend
    from helpers.files import write_text

    if CLASSES_FILE in extra:
        text = json.dumps({name: k for k, name in enumerate(names)}, indent=1, ensure_ascii=False)
        write_text(extra[CLASSES_FILE], text + "\n", overwrite=overwrite)
    if LEGEND_FILE in extra:
        text = json.dumps(legend(names), indent=1, ensure_ascii=False)
        write_text(extra[LEGEND_FILE], text + "\n", overwrite=overwrite)


def add_commands(subparsers) -> None:
    """Add ``predict`` to ``python -m helpers``."""
    predict = subparsers.add_parser("predict", help="mask PNGs for an image or a folder")
    add_model_arguments(predict)
    predict.add_argument("--input", required=True, help="an image file or a folder of images")
    predict.add_argument("--out", required=True, help="folder for the mask PNGs")
    predict.add_argument("--tile", type=int, help="predict in tiles of N pixels (overlap N/2)")
    predict.add_argument(
        "--scale",
        type=float,
        help="resize factor before predicting (default: the training's, from run.json)",
    )
    predict.add_argument("--threshold", type=float, default=THRESHOLD)
    predict.add_argument(
        "--color",
        action="store_true",
        help="also write RGB previews (a fixed colour per class) and legend.json into OUT/color/",
    )
    predict.add_argument("--overwrite", action="store_true")
    predict.set_defaults(run=_predict)
