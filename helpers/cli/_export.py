"""The ``export`` command of ``python -m helpers``.

``export --run DIR --format FORMAT --out PATH``
    The model of a run folder (:func:`helpers.runs.load_run`) in another format, checked
    by running it (:func:`helpers.export.export_run`): ``bioimageio`` (PATH a ``.zip``
    for Fiji/deepImageJ, QuPath, ilastik, napari), ``savedmodel`` (PATH a folder),
    ``tflite`` or ``onnx`` (PATH a file). ``--overwrite`` replaces PATH.

A bioimage.io package takes ``--name``, ``--author`` (repeatable, ``"Name <email>"`` or
``"Name"``), ``--license`` (an SPDX id), ``--cite`` (repeatable, ``"Text DOI-or-URL"``), or
``--metadata FILE.yaml`` with the same fields (the options win). A field the bioimage.io
specification refuses, a run folder without a model, an existing PATH without
``--overwrite``, or libraries that cannot convert the format: one line on standard error,
exit status 2 (see :mod:`helpers.cli`), and nothing written.
"""

from __future__ import annotations

import argparse
import os

from helpers.errors import CommandError

# TensorFlow's C++ start-up messages are noise on a terminal (as for evaluate and predict).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["add_commands"]

FORMATS = ("bioimageio", "savedmodel", "tflite", "onnx")


def _export(args: argparse.Namespace) -> int:
    from helpers import export

    if args.format != "bioimageio" and (
        args.name or args.author or args.license or args.cite or args.metadata
    ):
        raise CommandError(
            f"--name, --author, --license, --cite and --metadata describe a bioimageio "
            f"package; a {args.format} file has no place for them. Leave them out."
        )
    given = export.Metadata(
        name=args.name,
        authors=tuple(args.author or ()),
        license=args.license,
        cite=tuple(args.cite or ()),
    )
    metadata = export.read_metadata(args.metadata) if args.metadata else export.Metadata()
    report = export.export_run(
        args.run_dir,
        args.out,
        format=args.format,
        overwrite=args.overwrite,
        metadata=metadata.merged(given),
    )
    print(report.summary())
    for note in report.notes:
        print(f"  {note}")
    return 0


def add_commands(subparsers) -> None:
    """Add ``export`` to ``python -m helpers``."""
    command = subparsers.add_parser(
        "export",
        help="a run's model as a bioimage.io package, SavedModel, TFLite or ONNX, checked",
        description=(
            "Export the model of a run folder and check the export by running it on the "
            "run's test images."
        ),
    )
    command.add_argument(
        "--run", dest="run_dir", metavar="DIR", required=True, help="a run folder that train wrote"
    )
    command.add_argument("--format", required=True, choices=FORMATS)
    command.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="bioimageio: a .zip; savedmodel: a folder; tflite: a .tflite; onnx: an .onnx",
    )
    command.add_argument("--overwrite", action="store_true", help="replace PATH if it exists")
    package = command.add_argument_group("bioimageio package metadata")
    package.add_argument("--name", help="the model's name (default: U-Net <run folder>)")
    package.add_argument(
        "--author",
        action="append",
        metavar="'NAME <EMAIL>'",
        help="an author, 'Name <email>' or 'Name' (repeatable)",
    )
    package.add_argument(
        "--license", metavar="SPDX", help="an SPDX licence id (default: CC-BY-4.0)"
    )
    package.add_argument(
        "--cite",
        action="append",
        metavar="'TEXT DOI_OR_URL'",
        help="a citation: text, then a DOI or URL (repeatable; default: the U-Net paper)",
    )
    package.add_argument(
        "--metadata", metavar="FILE.yaml", help="the same fields in a YAML file (options win)"
    )
    command.set_defaults(run=_export)
