"""The ``labelme2masks``, ``coco2masks``, ``cvat2masks`` and ``masks2coco`` commands.

``labelme2masks --labelme DIR --out DIR [--images DIR] [--instances]``
    A mask PNG per Labelme JSON file (images embedded in the files are written out
    into ``--images``, or beside the JSON files, when they are not there).
``coco2masks --coco FILE --images DIR --out DIR [--instances]``
    A mask PNG per image of a COCO instances file; ``--instances`` writes 16-bit
    instance images (0 background, 1, 2, ... per annotation) instead of classes.
``cvat2masks --cvat FILE --images DIR --out DIR``
    A mask PNG per image of a 'CVAT for images 1.1' annotations.xml.
``masks2coco --masks DIR --images DIR --out FILE``
    Masks (with their ``classes.json``) as a COCO file of polygons, to import into a
    labelling tool.

The importers take ``--ignore LABEL`` (repeatable: labels whose pixels become 255, left
out of training), ``--report CSV`` (the full quality report) and ``--overwrite``; each
prints one summary line and the images with problems (at most 10). Bad input stops
with a one-line reason and exit status 2 (see :mod:`helpers.cli`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from helpers.files import check_writable, write_text

__all__ = [
    "add_commands",
]

SHOWN_PROBLEMS = 10


def _print_report(report, args: argparse.Namespace, what: str) -> None:
    from helpers import via

    print(f"{what} in {args.out}: {via.summarize(report)}")
    flagged = report[(report["problems"] != "") & (report["problems"] != via.NO_REGIONS)]
    for row in flagged.head(SHOWN_PROBLEMS).itertuples():
        print(f"  {row.filename}: {row.problems}")
    if len(flagged) > SHOWN_PROBLEMS:
        where = args.report or "--report FILE.csv"
        print(f"  ... and {len(flagged) - SHOWN_PROBLEMS} more (all in {where})")
    if args.report:
        write_text(args.report, report.to_csv(index=False), overwrite=args.overwrite)
        print(f"Quality report: {args.report}")


def _check_report(args: argparse.Namespace) -> None:
    if args.report:
        check_writable(args.report, overwrite=args.overwrite)  # before any mask is written


def _labelme2masks(args: argparse.Namespace) -> int:
    from helpers import importers

    _check_report(args)
    report = importers.masks_from_labelme(
        args.labelme,
        args.out,
        images_dir=args.images,
        ignore=args.ignore,
        instances=args.instances,
        overwrite=args.overwrite,
    )
    written = report.loc[report["image_from_json"] == 1, "image"]
    if len(written):
        folder = Path(written.iloc[0]).parent
        print(f"{len(written)} image(s) written out from their JSON's imageData into {folder}.")
    _print_report(report, args, "Instance images" if args.instances else "Masks")
    return 0


def _coco2masks(args: argparse.Namespace) -> int:
    from helpers import importers

    _check_report(args)
    report = importers.masks_from_coco(
        args.coco,
        args.images,
        args.out,
        instances=args.instances,
        ignore=args.ignore,
        overwrite=args.overwrite,
    )
    _print_report(report, args, "Instance images" if args.instances else "Masks")
    return 0


def _cvat2masks(args: argparse.Namespace) -> int:
    from helpers import importers

    _check_report(args)
    report = importers.masks_from_cvat(
        args.cvat, args.images, args.out, ignore=args.ignore, overwrite=args.overwrite
    )
    _print_report(report, args, "Masks")
    return 0


def _masks2coco(args: argparse.Namespace) -> int:
    from helpers import importers

    table = importers.masks_to_coco(args.masks, args.images, args.out, overwrite=args.overwrite)
    holes = int(table["holes_filled"].sum())
    note = f"; {holes} hole(s) filled (COCO polygons have none)" if holes else ""
    print(
        f"Wrote {args.out}: {int(table['annotations'].sum())} polygons on {len(table)} images"
        f"{note}. Import it into the tool as COCO (instances)."
    )
    return 0


def _common(parser: argparse.ArgumentParser, *, ignore: bool = True) -> None:
    parser.add_argument("--out", required=True, help="folder for the mask PNGs")
    if ignore:
        parser.add_argument(
            "--ignore",
            action="append",
            default=[],
            metavar="LABEL",
            help="a label whose pixels are left out of training (written as 255); repeatable",
        )
    parser.add_argument("--report", metavar="CSV", help="write the quality report here")
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")


def add_commands(subparsers) -> None:
    """Add ``labelme2masks``, ``coco2masks``, ``cvat2masks`` and ``masks2coco``."""
    labelme = subparsers.add_parser(
        "labelme2masks",
        help="Labelme JSON files to mask PNGs, with a quality report",
        description="Write <image stem>.png masks (and classes.json) for a folder of "
        "Labelme .json files.",
    )
    labelme.add_argument("--labelme", required=True, help="folder of Labelme .json files")
    labelme.add_argument(
        "--images",
        help="folder of the images (default: beside the JSON files); images embedded in "
        "the JSON files are written out here when missing",
    )
    labelme.add_argument(
        "--instances", action="store_true", help="16-bit instance images instead of classes"
    )
    _common(labelme)
    labelme.set_defaults(run=_labelme2masks)

    coco = subparsers.add_parser(
        "coco2masks",
        help="a COCO instances JSON to mask PNGs, with a quality report",
        description="Write <image stem>.png masks (and classes.json) for every image of "
        "a COCO instances file (polygons or RLE).",
    )
    coco.add_argument("--coco", required=True, help="the COCO instances .json file")
    coco.add_argument("--images", required=True, help="folder of the images")
    coco.add_argument(
        "--instances",
        action="store_true",
        help="16-bit instance images (0 background, 1, 2, ... per annotation) instead of classes",
    )
    _common(coco)
    coco.set_defaults(run=_coco2masks)

    cvat = subparsers.add_parser(
        "cvat2masks",
        help="a CVAT for images 1.1 XML to mask PNGs, with a quality report",
        description="Write <image stem>.png masks (and classes.json) for every image of "
        "a 'CVAT for images 1.1' annotations.xml.",
    )
    cvat.add_argument("--cvat", required=True, help="the annotations.xml CVAT exported")
    cvat.add_argument("--images", required=True, help="folder of the images")
    _common(cvat)
    cvat.set_defaults(run=_cvat2masks)

    to_coco = subparsers.add_parser(
        "masks2coco",
        help="mask PNGs to a COCO instances JSON of polygons",
        description="Outline masks as COCO polygons (class names from the masks folder's "
        "classes.json), to import into a labelling tool.",
    )
    to_coco.add_argument("--masks", required=True, help="folder of <image stem>.png masks")
    to_coco.add_argument("--images", required=True, help="folder of the images")
    to_coco.add_argument("--out", required=True, help="the COCO .json file to write")
    to_coco.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    to_coco.set_defaults(run=_masks2coco)
