"""One export: plan (check the output path and the metadata), build in a temporary folder,
check by running, and only then put the result in place."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers.errors import CourseError, ExportError, FileExistsRefusedError

from . import _formats
from ._metadata import Metadata, channel_names, spec_fields

#: The formats, and what ``out`` must be for each.
FORMATS = {
    "bioimageio": ".zip",
    "savedmodel": None,  # a folder
    "tflite": ".tflite",
    "onnx": ".onnx",
}

#: The largest difference from Keras's probabilities an exported model may show.
TOLERANCE = 1e-4


@dataclass(frozen=True)
class ExportReport:
    """What :func:`export_run` wrote and how it was checked.

    Attributes
    ----------
    format : str
    path : pathlib.Path
        The file (or, for ``savedmodel``, the folder) written.
    images : int
        Test images of the run the check ran on.
    max_difference : float or None
        The largest difference between the exported model's probabilities and Keras's on
        those images (``savedmodel``, ``tflite``, ``onnx``; None for ``bioimageio``).
    tests : dict
        ``bioimageio`` only: ``bioimageio.core.test_model``'s result per weight format
        kept in the package (``"passed"``).
    notes : list of str
        A line per weight format left out of a package, and why.
    seconds : float
        How long the export took.
    """

    format: str
    path: Path
    images: int
    max_difference: float | None = None
    tests: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: what was written, and the check it passed."""
        if self.format == "bioimageio":
            check = (
                f"bioimageio.core test_model passed for {', '.join(self.tests)}, on a test "
                "image of the run"
            )
        else:
            check = (
                f"its probabilities are within {self.max_difference:.1e} of Keras's on "
                f"{self.images} test images (allowed {TOLERANCE:g})"
            )
        return f"Exported {self.format} to {self.path}: {check} ({self.seconds:.0f} s)."


def _plan(out: Path, format: str, *, overwrite: bool) -> None:
    """Refuse a format, an output name or an existing output before anything runs.

    Raises
    ------
    ExportError
        An unknown format, or an output path of the wrong kind.
    FileExistsRefusedError
        ``out`` exists and ``overwrite`` is false.
    """
    if format not in FORMATS:
        raise ExportError(f"Unknown format {format!r}: use one of {', '.join(FORMATS)}.")
    suffix = FORMATS[format]
    if suffix and out.suffix.lower() != suffix:
        raise ExportError(
            f"--out {out}: a {format} export is one {suffix} file; give a path ending in {suffix}."
        )
    if out.exists() and not overwrite:
        raise FileExistsRefusedError(
            f"{out} already exists and was left as it is; use --overwrite (overwrite=True) "
            "to replace it, or another --out."
        )
    if suffix and out.is_dir():
        raise ExportError(f"--out {out} is a folder; a {format} export is one {suffix} file.")


def _place(built: Path, out: Path) -> None:
    """Move ``built`` (file or folder) to ``out``, replacing what is there, so that ``out``
    is never half-written: the new copy is complete beside it before the rename."""
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.parent / f".{out.name}.part-{os.getpid()}"
    if built.is_dir():
        shutil.copytree(built, part)
    else:
        shutil.copyfile(built, part)
    old = None
    if out.is_dir():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    try:
        os.replace(part, out)
    except OSError:
        if old is not None:
            os.replace(old, out)
        if part.is_dir():
            shutil.rmtree(part, ignore_errors=True)
        else:
            part.unlink(missing_ok=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _checked(format: str, path: Path, source) -> float:
    """The largest difference from Keras, after running ``path`` on the test images.

    Raises
    ------
    ExportError
        When it is above :data:`TOLERANCE`.
    """
    got = _formats.run_exported(path, source.images, format=format)
    if got.shape != source.probabilities.shape:
        raise ExportError(
            f"The {format} model gives probabilities of shape {got.shape}, Keras "
            f"{source.probabilities.shape}; nothing was written."
        )
    difference = float(np.max(np.abs(got - source.probabilities)))
    if not difference <= TOLERANCE:
        raise ExportError(
            f"The {format} model's probabilities differ from Keras's by up to "
            f"{difference:.2g} (allowed {TOLERANCE:g}) on the run's test images; nothing "
            "was written."
        )
    return difference


def _build(format: str, source, work: Path, spec: dict | None, names: list[str]):
    """Build ``format`` in ``work``; returns (what to place, report fields)."""
    channels = source.images.shape[-1]
    if format == "bioimageio":
        from ._bioimageio import build_package

        package, tests, notes = build_package(source, spec, work, names=names)
        return package, {"tests": tests, "notes": notes}
    folder = _formats.write_savedmodel(source.model, work / "savedmodel", channels=channels)
    if format == "savedmodel":
        built = folder
    elif format == "tflite":
        built = work / "model.tflite"
        built.write_bytes(_formats.tflite_bytes(folder))
    else:
        built = _formats.write_onnx(source.model, work / "model.onnx", channels=channels)
    return built, {"max_difference": _checked(format, built, source)}


def export_run(
    run_dir,
    out: str | os.PathLike,
    *,
    format: str,
    overwrite: bool = False,
    metadata: Metadata | None = None,
) -> ExportReport:
    """Export the model of a run folder, and check the export by running it.

    Parameters
    ----------
    run_dir : path or ExportSource
        A run folder (``model.keras``, ``run.json``, ``split.json``:
        :func:`helpers.runs.train_on_folder`, ``python -m helpers train``), or the
        :class:`ExportSource` that :func:`load_source` read from one (to export several
        formats without loading the model and the test images again).
    out : path
        ``bioimageio``: a ``.zip``; ``savedmodel``: a folder; ``tflite``: a ``.tflite``
        file; ``onnx``: an ``.onnx`` file.
    format : {"bioimageio", "savedmodel", "tflite", "onnx"}
    overwrite : bool
        Replace ``out`` if it exists.
    metadata : Metadata, optional
        Name, authors, licence, citations... of a ``bioimageio`` package (defaults:
        :class:`Metadata`); other formats ignore it.

    Returns
    -------
    ExportReport
        The path, and the check: the largest difference from Keras's probabilities on
        the run's test images (at most :data:`TOLERANCE`), or the bioimage.io model
        test's result per weight format.

    Raises
    ------
    ExportError
        An unknown format, an ``out`` of the wrong kind, metadata the bioimage.io
        specification refuses (the message names the field), libraries that cannot
        convert this format (the other formats still work), or an export that does not
        reproduce the model's probabilities. Nothing is written then.
    FileExistsRefusedError
        ``out`` exists and ``overwrite`` is false.
    RunFolderError
        A run folder without a model, ``run.json`` or ``split.json``, or whose images
        are gone.

    Example
    -------
    >>> from helpers.export import export_run
    >>> export_run("no/such/run", "model.onnx", format="onnx")
    Traceback (most recent call last):
    ...
    helpers.errors.RunFolderError: The run folder no/such/run does not exist (or is not a folder): check the path, or train into it first.
    """  # noqa: E501
    from helpers import runs

    from ._bioimageio import default_name
    from ._source import ExportSource, load_source

    started = time.monotonic()
    out = Path(out)
    _plan(out, format, overwrite=overwrite)
    source = run_dir if isinstance(run_dir, ExportSource) else None
    # a missing model or run.json stops here, before TensorFlow loads
    run = source.run if source is not None else runs.load_run(run_dir)
    _formats.require(format)
    metadata = metadata or Metadata()
    spec = None
    if format == "bioimageio":  # the metadata is checked before any model is loaded
        spec = spec_fields(metadata, default_name=default_name(run.folder))
    names = channel_names(metadata, run.settings, run.num_classes)
    source = source or load_source(run.folder)
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        try:
            built, fields_ = _build(format, source, Path(folder), spec, names)
        except CourseError:
            raise
        except Exception as error:  # a library that cannot convert this model
            raise _formats.failed(format, error) from error
        _place(built, out)
    return ExportReport(
        format=format,
        path=out,
        images=len(source.names),
        seconds=time.monotonic() - started,
        **fields_,
    )
