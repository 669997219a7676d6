"""The ``via2masks`` and ``masks2via`` commands of ``python -m helpers``.

``via2masks --via FILE --images DIR --out DIR [--attribute KEY] [--overwrite] [--report CSV]``
    A mask PNG per image listed in a VIA file, ``<image stem>.png``: 0/255 binary, or
    class indices with ``--attribute`` (and ``DIR/classes.json``). Prints a one-line
    summary and the images with problems; ``--report`` writes the full quality report.
``masks2via --masks DIR --images DIR --out FILE [--classes JSON] [--attribute KEY]``
    Mask PNGs (or a model's predicted masks) as a VIA 2.x JSON of polygons, to import
    into VIA ('Annotation > Import Annotations (from json)') and correct there. A
    ``classes.json`` in the masks folder is used when ``--classes`` is not given.

Bad input stops with a one-line reason and exit status 2 (see :mod:`helpers.cli`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from helpers.errors import ViaError
from helpers.files import check_writable, write_text

__all__ = [
    "add_commands",
]

SHOWN_PROBLEMS = 10


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _not_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _via2masks(args: argparse.Namespace) -> int:
    from helpers import via

    if args.report:
        check_writable(args.report, overwrite=args.overwrite)  # before any mask is written
    options = via.DrawOptions(
        line_width=args.line_width,
        point_radius=args.point_radius,
        skip_points=args.skip_points,
        fill_polylines=args.fill_polylines,
    )
    project = via.load_via(args.via)
    print(
        f"{args.via}: {project.variant}, {len(project.images)} images, "
        f"{project.region_count} regions."
    )
    report = via.masks_from_via(
        project,
        args.images,
        args.out,
        attribute=args.attribute,
        overwrite=args.overwrite,
        options=options,
    )
    print(f"Masks in {args.out}: {via.summarize(report)}")
    flagged = report[(report["problems"] != "") & (report["problems"] != via.NO_REGIONS)]
    for row in flagged.head(SHOWN_PROBLEMS).itertuples():
        print(f"  {row.filename}: {row.problems}")
    if len(flagged) > SHOWN_PROBLEMS:
        where = args.report or "--report FILE.csv"
        print(f"  ... and {len(flagged) - SHOWN_PROBLEMS} more (all in {where})")
    if args.report:
        write_text(args.report, report.to_csv(index=False), overwrite=args.overwrite)
        print(f"Quality report: {args.report}")
    return 0


def _read_classes(path: Path) -> dict[str, int]:
    try:
        classes = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ViaError(f"{path} cannot be read as a classes JSON file ({error}).") from None
    if not isinstance(classes, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in classes.values()
    ):
        raise ViaError(
            f"{path} should map class names to mask values, like "
            '{"background": 0, "lesion": 1} (the classes.json that via2masks writes).'
        )
    return classes


def _masks2via(args: argparse.Namespace) -> int:
    from helpers import via

    classes = None
    if args.classes:
        classes = _read_classes(Path(args.classes))
    elif (Path(args.masks) / "classes.json").is_file():
        classes = _read_classes(Path(args.masks) / "classes.json")
        print(f"Class names from {Path(args.masks) / 'classes.json'}.")
    table = via.masks_to_via(
        args.masks,
        args.images,
        args.out,
        classes=classes,
        attribute=args.attribute,
        tolerance=args.tolerance,
        min_pixels=args.min_pixels,
        overwrite=args.overwrite,
    )
    holes = int(table["holes_filled"].sum())
    note = f"; {holes} hole(s) filled (VIA polygons have none)" if holes else ""
    print(
        f"Wrote {args.out}: {int(table['regions'].sum())} polygons on {len(table)} images"
        f"{note}. In VIA: add the images, then 'Annotation > Import Annotations (from json)'."
    )
    return 0


def add_commands(subparsers) -> None:
    """Add ``via2masks`` and ``masks2via`` to ``python -m helpers``."""
    to_masks = subparsers.add_parser(
        "via2masks",
        help="VIA annotations (JSON or CSV) to mask PNGs, with a quality report",
        description="Write <image stem>.png masks for every image of a VIA 1.x/2.x file "
        "(JSON export, project, or CSV export).",
    )
    to_masks.add_argument(
        "--via", required=True, help="the VIA export (JSON or CSV) or project file"
    )
    to_masks.add_argument("--images", required=True, help="folder of the annotated images")
    to_masks.add_argument("--out", required=True, help="folder for the mask PNGs")
    to_masks.add_argument(
        "--attribute",
        metavar="KEY",
        help="region attribute with the class names (class-index masks)",
    )
    to_masks.add_argument("--report", metavar="CSV", help="write the quality report here")
    to_masks.add_argument("--overwrite", action="store_true", help="replace existing files")
    to_masks.add_argument(
        "--line-width", type=_positive, default=1.0, help="width of polylines in pixels (default 1)"
    )
    to_masks.add_argument(
        "--point-radius",
        type=_not_negative,
        default=3.0,
        help="radius of the disk drawn for a point (default 3)",
    )
    to_masks.add_argument("--skip-points", action="store_true", help="leave points out")
    to_masks.add_argument(
        "--fill-polylines",
        action="store_true",
        help="fill polylines as polygons (outlines drawn as polylines)",
    )
    to_masks.set_defaults(run=_via2masks)

    to_via = subparsers.add_parser(
        "masks2via",
        help="mask PNGs (or predictions) to a VIA JSON that VIA imports",
        description="Outline masks as VIA 2.x polygons, to correct them in VIA.",
    )
    to_via.add_argument("--masks", required=True, help="folder of <image stem>.png masks")
    to_via.add_argument("--images", required=True, help="folder of the images")
    to_via.add_argument("--out", required=True, help="the VIA JSON file to write")
    to_via.add_argument(
        "--classes",
        metavar="JSON",
        help="classes.json mapping names to mask values (default: the "
        "masks folder's classes.json if any, else binary)",
    )
    to_via.add_argument(
        "--attribute",
        default="label",
        metavar="KEY",
        help="region attribute for the class name (default: label)",
    )
    to_via.add_argument(
        "--tolerance",
        type=_not_negative,
        default=0.4,
        help="simplify outlines by at most this many pixels (default 0.4)",
    )
    to_via.add_argument(
        "--min-pixels", type=int, default=1, help="leave out objects smaller than this (default 1)"
    )
    to_via.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    to_via.set_defaults(run=_masks2via)
