"""The ``report`` command of ``python -m helpers``.

``report --run DIR --out report.html``
    The quality report of a run folder (:func:`helpers.report.report`): one
    self-contained HTML file (figures embedded, no network) with the findings, the run,
    the learning curves, the pixel scores (per class, per image), IoU and Dice against the
    threshold, the object scores and the worst, median and best images. The images and
    masks default to the folders recorded in ``DIR/run.json`` (``--images DIR --masks DIR``
    to score others), the scored images to the test images of ``DIR/split.json``
    (``--all`` for every pair).

Bad input (a run folder without a model, masks that do not pair with the images, an
output that exists without ``--overwrite``) stops it with a one-line message and exit
status 2 (see :mod:`helpers.cli`), before anything is written.
"""

from __future__ import annotations

import argparse

from helpers.conventions import THRESHOLD

__all__ = ["add_commands"]


def _report(args: argparse.Namespace) -> int:
    from helpers.report import report

    made = report(
        args.run_dir,
        args.out,
        images=args.images,
        masks=args.masks,
        all_pairs=args.all,
        threshold=args.threshold,
        batch_size=args.batch_size,
        overwrite=args.overwrite,
        progress=True,
    )
    facts = made.facts
    print(
        f"Report of {facts.images} images: mean IoU {facts.mean_iou:.4f}, "
        f"{len(made.findings)} finding(s); in {made.path}."
    )
    return 0


def add_commands(subparsers) -> None:
    """Add ``report`` to ``python -m helpers``."""
    command = subparsers.add_parser(
        "report",
        help="a self-contained HTML quality report of a trained run",
        description="Score a run's test images once and write one HTML page about them.",
    )
    command.add_argument(
        "--run",
        dest="run_dir",  # ``run`` is the command's function (set_defaults)
        metavar="DIR",
        required=True,
        help="a run folder that train wrote: its model.keras, run.json and split.json",
    )
    command.add_argument("--out", required=True, help="the HTML file to write")
    command.add_argument("--images", help="folder of images (default: the run's, from run.json)")
    command.add_argument("--masks", help="folder of masks (default: the run's, from run.json)")
    command.add_argument(
        "--all", action="store_true", help="score every pair, not only the test images"
    )
    command.add_argument("--threshold", type=float, default=THRESHOLD)
    command.add_argument("--batch-size", type=int, default=16)
    command.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    command.set_defaults(run=_report)
