"""The ``synth`` command of ``python -m helpers``: the bundled datasets, regenerated.

``synth [--out DIR] [--overwrite]``
    Writes ``DIR/mito/`` and ``DIR/mri/`` (:func:`helpers.synthetic.write_all`): the
    same bytes every time.
"""

from __future__ import annotations

import argparse

__all__ = ["add_commands"]


def _synth(args: argparse.Namespace) -> int:
    from helpers import synthetic

    written = synthetic.write_all(args.out, overwrite=args.overwrite)
    print(f"Wrote {len(written)} files under {args.out}.")
    return 0


def add_commands(subparsers) -> None:
    """Add ``synth`` to ``python -m helpers``."""
    synth = subparsers.add_parser("synth", help="regenerate the bundled datasets")
    synth.add_argument("--out", default="data", help="folder to write mito/, mri/ and cells/ into")
    synth.add_argument("--overwrite", action="store_true", help="replace existing files")
    synth.set_defaults(run=_synth)
