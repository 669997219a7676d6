"""Writing every bundled dataset under one folder (what ``python -m helpers synth`` does)."""

from __future__ import annotations

from pathlib import Path

from helpers.errors import FileExistsRefusedError

from ._cells import write_cells
from ._mito import write_mito
from ._mri import write_mri

#: The datasets' folder names under ``data/``, in the order they are written.
DATASETS = ("mito", "mri", "cells")


def write_all(out: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write every dataset under ``out`` (``out/mito``, ``out/mri``, ``out/cells``).

    Returns the files written.

    Raises
    ------
    FileExistsRefusedError
        Before writing anything, when one of the datasets' folders already holds files
        and ``overwrite`` is false.
    """
    out = Path(out)
    if not overwrite:
        taken = [p for p in (out / name for name in DATASETS) if p.exists() and any(p.iterdir())]
        if taken:
            raise FileExistsRefusedError(
                f"{', '.join(map(str, taken))} already hold files and were left as they are. "
                "Pass overwrite=True (or --overwrite) to regenerate them, or choose another folder."
            )
    return (
        write_mito(out / "mito", overwrite=overwrite)
        + write_mri(out / "mri", overwrite=overwrite)
        + write_cells(out / "cells", overwrite=overwrite)
    )
