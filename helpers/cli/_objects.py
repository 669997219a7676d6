"""The ``objects`` command of ``python -m helpers``.

``objects --masks DIR [--images DIR] --out CSV [--pixel-size UM] [--split-touching] [--min-size N]``
    One row per object of every mask in ``DIR`` (:func:`helpers.measurements.measure_folder`:
    :func:`helpers.objects.label_objects`, then :func:`helpers.objects.measure`): ``image``
    (the mask's stem), ``class`` (the mask value: 1 for a 0/255 or 0/1 mask), ``label``
    (the object's number within its image and class), its centroid, area, equivalent
    diameter, fitted-ellipse axes, eccentricity and solidity, in pixels or, with
    ``--pixel-size``, microns. With ``--images``, the images are paired with the masks by
    file stem and each object's mean intensity is added.
``evaluate ... --objects``
    (in :mod:`helpers.cli._evaluate`) adds object counts and object-level scores to each
    image's row, from the same prediction as the pixel scores
    (:func:`helpers.evaluation.evaluation_pass`).

Bad input stops with a one-line reason and exit status 2 (see :mod:`helpers.cli`);
an existing ``--out`` is kept unless ``--overwrite`` is given.
"""

from __future__ import annotations

import argparse

import numpy as np

from helpers.files import check_writable, write_text

__all__ = ["add_commands"]


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


def _objects(args: argparse.Namespace) -> int:
    from helpers.measurements import measure_folder

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
