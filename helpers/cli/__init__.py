"""``python -m helpers COMMAND ...``: the course pipeline from a terminal.

Commands (``python -m helpers COMMAND --help`` for each):

==============  ==================================================================
``synth``       regenerate the bundled datasets (deterministic)
``train``       train a U-Net on a folder of images and masks
``evaluate``    per-image metrics of a trained run (or model), as CSV
``report``      a self-contained HTML quality report of a trained run
``predict``     masks for one image or a folder (tiled for large images)
``via2masks``   VIA annotations (JSON or CSV) to mask PNGs, with a quality report
``masks2via``   mask PNGs (or predictions) back to a VIA JSON that VIA imports
``labelme2masks``, ``coco2masks``, ``cvat2masks``
                Labelme, COCO or CVAT annotations to mask PNGs, the same report
``masks2coco``  mask PNGs (or predictions) to COCO polygons, for correction
``check``       the data check of an image and a mask folder, before training
``objects``     one row per object of each mask (count, size, shape), as CSV
``export``      a run's model for other programs (bioimage.io, SavedModel, TFLite, ONNX)
==============  ==================================================================

Exit status: 0 on success, 2 on bad input (any :class:`helpers.errors.CourseError`, or a
path the file system refuses), with a one-line reason on standard error (what, where,
what to do) and no traceback.

Each family of commands is a private module of this package (``_data``, ``_train``,
``_evaluate``, ``_report``, ``_predict``, ``_via``, ``_importers``, ``_check``, ``_objects``,
``_export``) with ``add_commands(subparsers)``, registered from :data:`COMMAND_MODULES`: a
new family is one module and one entry there. The modules import TensorFlow only when a
command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from helpers.errors import CourseError, one_line

__all__ = [
    "COMMAND_MODULES",
    "build_parser",
    "main",
]

#: The modules that add sub-commands, in the order ``--help`` lists them; each has
#: ``add_commands(subparsers)``.
COMMAND_MODULES = (
    "helpers.cli._data",
    "helpers.cli._train",
    "helpers.cli._evaluate",
    "helpers.cli._report",
    "helpers.cli._predict",
    "helpers.cli._via",
    "helpers.cli._importers",
    "helpers.cli._check",
    "helpers.cli._objects",
    "helpers.cli._export",
)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m helpers``, with every command of :data:`COMMAND_MODULES`."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="The U-Net course pipeline: data, VIA annotations, training, evaluation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # a real import error inside the module: show it
                raise
            continue
        module.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except CourseError as error:
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 2
    except OSError as error:
        if not error.filename:  # not about a path the user gave: a bug, show the traceback
            raise
        # The file system refused a path: a file where a folder is needed, no permission,
        # a full disk.
        print(
            f"error: {error.filename}: {error.strerror or error}. Check the path, and that "
            "you may write there.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: finished files are kept; run the same command to go on.", file=sys.stderr
        )
        return 130
