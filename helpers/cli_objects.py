"""The ``objects`` command of ``python -m helpers``, and the objects of ``evaluate --objects``.

``objects --masks DIR [--images DIR] --out CSV [--pixel-size UM] [--split-touching] [--min-size N]``
    One row per object of every mask in ``DIR`` (:func:`helpers.objects.label_objects`,
    then :func:`helpers.objects.measure`): ``image`` (the mask's stem), ``class`` (the
    mask value: 1 for a 0/255 or 0/1 mask), ``label`` (the object's number within its
    image and class), its centroid, area, equivalent diameter, fitted-ellipse axes,
    eccentricity and solidity, in pixels or, with ``--pixel-size``, microns. With
    ``--images``, the images are paired with the masks by file stem and each object's
    mean intensity is added.
``evaluate ... --objects``
    Adds object counts and object-level scores to each image's row
    (:func:`add_object_columns`, :func:`helpers.objects.object_scores`).

Bad input stops with a one-line reason and exit status 2 (see :mod:`helpers.cli`);
an existing ``--out`` is kept unless ``--overwrite`` is given.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from helpers.errors import CommandError, DataError
from helpers.files import check_writable, write_text

__all__ = ["add_commands", "add_object_columns", "measure_folder"]


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def measure_folder(
    masks,
    images=None,
    *,
    pixel_size: float | None = None,
    split_touching: bool = False,
    min_size: int = 1,
    progress: bool = False,
):
    """One row per object of every mask in a folder (what ``objects`` writes).

    Parameters
    ----------
    masks : str or path
        Folder of mask files (0/255, 0/1 or class indices; see :func:`helpers.io.read_mask`).
    images : str or path, optional
        Folder of the images, paired by file stem, for each object's mean intensity.
    pixel_size, split_touching, min_size
        As for :func:`helpers.objects.measure` and :func:`helpers.objects.label_objects`.

    Returns
    -------
    pandas.DataFrame
        Columns ``image``, ``class``, then :func:`helpers.objects.measure`'s.

    Raises
    ------
    DataError
        A missing folder, an empty one, unpaired or unreadable files, or an image whose
        size differs from its mask's.
    """
    import pandas as pd

    from helpers import io
    from helpers.objects import label_objects, measure

    if not Path(masks).is_dir():
        raise DataError(
            f"The mask folder {masks} does not exist (or is not a folder). Check the path."
        )
    if images is not None:
        pairs = io.pair_images_and_masks(images, masks)
    else:
        pairs = [(None, path) for path in io.list_images(masks)]
    if not pairs:
        raise DataError(f"No masks ({', '.join(io.IMAGE_EXTENSIONS)}) in {masks}.")
    if progress:
        from tqdm.auto import tqdm

        pairs = tqdm(pairs, unit="mask", desc="measuring")
    tables = []
    for image_path, mask_path in pairs:
        mask = io.read_mask(mask_path)
        image = None if image_path is None else io.read_image(image_path)
        if image is not None and image.shape[:2] != mask.shape:
            raise DataError(
                f"{image_path} is {image.shape[1]} x {image.shape[0]} pixels but its mask "
                f"{mask_path} is {mask.shape[1]} x {mask.shape[0]}: give masks at the images' size."
            )
        for value in [int(v) for v in np.unique(mask) if v > 0] or [1]:
            labels = label_objects(mask == value, split_touching=split_touching, min_size=min_size)
            table = measure(labels, image, pixel_size=pixel_size)
            table.insert(0, "class", value)
            table.insert(0, "image", mask_path.stem)
            tables.append(table)
    result = pd.concat(tables, ignore_index=True)
    result.attrs["units"] = "microns" if pixel_size else "pixels"
    return result


def _objects(args: argparse.Namespace) -> int:
    out = check_writable(args.out, overwrite=args.overwrite)  # before any work
    table = measure_folder(
        args.masks,
        args.images,
        pixel_size=args.pixel_size,
        split_touching=args.split_touching,
        min_size=args.min_size,
        progress=True,
    )
    write_text(out, table.to_csv(index=False), overwrite=args.overwrite)
    masks = table["image"].nunique()
    area = "area_um2" if args.pixel_size else "area_px"
    unit = "um2" if args.pixel_size else "px"
    median = f", median area {table[area].median():.4g} {unit}" if len(table) else ""
    print(
        f"Measured {len(table)} objects in {masks} masks ({len(table) / masks:.1f} per mask"
        f"{median}); table in {out}."
    )
    return 0


def add_object_columns(table, model, dataset, *, threshold: float = 0.5):
    """``table`` (one row per image, in the dataset's order) with object-level columns.

    Predicts the dataset again, labels the true and predicted masks
    (:func:`helpers.objects.label_objects`) and joins
    :func:`helpers.objects.object_scores`: ``n_true``, ``n_pred``, ``tp``, ``fp``,
    ``fn``, ``object_f1`` and ``ap`` at IoU 0.5, ``mean_ap`` over 0.5..0.95, ``splits``
    and ``merges``. Prints one summary line.

    Raises
    ------
    CommandError
        For a model with several classes (objects are counted for one foreground class).
    """
    from helpers.inference import predict_proba, to_mask
    from helpers.objects import label_objects, object_scores

    if model.outputs[0].shape[-1] != 1:
        raise CommandError(
            "--objects counts objects of one foreground class: this model predicts "
            f"{model.outputs[0].shape[-1]} classes. Leave out --objects."
        )
    truths, predictions = [], []
    for element in dataset.as_numpy_iterator():
        x, y = np.asarray(element[0]), np.asarray(element[1])
        predicted = to_mask(predict_proba(model, x, batch_size=len(x)), threshold=threshold)
        truths += [label_objects(np.rint(mask[..., 0]).astype(np.uint8)) for mask in y]
        predictions += [label_objects(mask[..., 0]) for mask in predicted]
    scores = object_scores(truths, predictions, names=list(table.index))
    totals = scores[["n_true", "n_pred", "tp", "splits", "merges"]].sum()
    print(
        f"Objects: {totals['n_true']} true, {totals['n_pred']} predicted, {totals['tp']} matched "
        "at "
        f"IoU 0.5; mean AP 0.5:0.95 {scores['mean_ap'].mean():.4f}; {totals['splits']} split, "
        f"{totals['merges']} merged."
    )
    return table.join(scores)


def add_commands(subparsers) -> None:
    """Add ``objects`` to ``python -m helpers``."""
    command = subparsers.add_parser(
        "objects",
        help="one row per object of each mask (count, size, shape), as CSV",
        description="Label the objects of every mask in a folder and measure each one.",
    )
    command.add_argument("--masks", required=True, help="folder of mask files")
    command.add_argument(
        "--images", help="folder of the images (same file stems): adds mean intensity"
    )
    command.add_argument("--out", required=True, help="CSV file to write")
    command.add_argument(
        "--pixel-size",
        type=_positive,
        metavar="UM",
        help="side of a pixel in microns: lengths in um, areas in um2",
    )
    command.add_argument(
        "--split-touching",
        action="store_true",
        help="split touching objects by a watershed of the distance transform",
    )
    command.add_argument(
        "--min-size",
        type=_count,
        default=1,
        metavar="N",
        help="drop objects of fewer pixels (default 1: keep all)",
    )
    command.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    command.set_defaults(run=_objects)
