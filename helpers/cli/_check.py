"""The ``check`` command of ``python -m helpers``.

``check --images DIR --masks DIR [--report CSV] [--classes N] [--all]``
    Examines every image/mask pair (:func:`helpers.check.check_folders`) and prints one
    table of findings (file, finding, and under it what the course does or what to do)
    and a verdict line. Exit status 2 when a finding blocks training (the same findings
    stop ``train``), else 0. ``--report CSV`` writes every finding, one row each, with
    the columns of :data:`helpers.check.FINDING_COLUMNS` (kept unless ``--overwrite``);
    the printed table shows at most 5 findings of each kind, ``--all`` every one.
    ``--classes N`` checks the masks for a run with ``train --classes N``.

A missing or empty folder stops with a one-line reason and exit status 2 (see
:mod:`helpers.cli`).
"""

from __future__ import annotations

import argparse

from helpers.files import check_writable, write_text

__all__ = ["add_commands"]


def _check(args: argparse.Namespace) -> int:
    from helpers import check

    report = None
    if args.report:
        report = check_writable(args.report, overwrite=args.overwrite)  # before any work
    result = check.check_folders(args.images, args.masks, num_classes=args.classes)
    print(result.table(per_kind=len(result.findings) if args.all else 5))
    if report is not None:
        write_text(report, result.findings.to_csv(index=False), overwrite=args.overwrite)
        print(f"Wrote {report}: {len(result.findings)} finding(s), one per row.")
    return 0 if result.passed else 2


def add_commands(subparsers) -> None:
    """Add ``check`` to ``python -m helpers``."""
    command = subparsers.add_parser(
        "check",
        help="examine every image/mask pair before training: one table of findings",
        description="Read every image and mask once and list what would stop training "
        "(exit status 2) or what the course does with it (warnings, exit status 0).",
    )
    command.add_argument("--images", required=True, help="folder of images")
    command.add_argument("--masks", required=True, help="folder of masks (same file stems)")
    command.add_argument("--report", help="write every finding to this CSV file")
    command.add_argument(
        "--classes",
        type=int,
        help="the --classes of the training run (default: classes.json if any, else 0/1 masks)",
    )
    command.add_argument("--all", action="store_true", help="print every finding, not 5 per kind")
    command.add_argument("--overwrite", action="store_true", help="replace an existing --report")
    command.set_defaults(run=_check)
