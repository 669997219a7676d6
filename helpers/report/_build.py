"""A run folder in, one self-contained HTML quality report out."""

from __future__ import annotations

import os
from dataclasses import dataclass
from html import escape
from pathlib import Path

from helpers.conventions import THRESHOLD
from helpers.errors import EvaluationError
from helpers.files import check_writable, write_text

from . import _sections as sections
from ._facts import Facts, facts_of
from ._findings import findings
from ._html import page


@dataclass(frozen=True)
class Report:
    """A written report (:func:`report`); a notebook shows it inline.

    Attributes
    ----------
    path : pathlib.Path
        The HTML file.
    html : str
        Its content.
    facts : Facts
        The numbers the findings come from.
    findings : list of str
        The findings, as the report lists them.
    evaluation : helpers.evaluation.Evaluation
        The evaluation pass the report shows (its ``table`` is ``evaluate``'s).
    """

    path: Path
    html: str
    facts: Facts
    findings: list[str]
    evaluation: object

    def _repr_html_(self) -> str:
        """The report in a frame of its own (its styles and script stay inside it)."""
        return (
            f'<iframe srcdoc="{escape(self.html, quote=True)}" title="quality report" '
            'style="width: 100%; height: 720px; border: 1px solid #ccc;"></iframe>'
        )


def report(
    run,
    out: str | os.PathLike,
    *,
    images: str | os.PathLike | None = None,
    masks: str | os.PathLike | None = None,
    all_pairs: bool = False,
    threshold: float = THRESHOLD,
    batch_size: int = 16,
    overwrite: bool = False,
    progress: bool = False,
) -> Report:
    """Write the quality report of a run folder: one HTML file, figures embedded.

    Predicts each image once (:func:`helpers.evaluation.evaluate_files`, the pass that
    ``python -m helpers evaluate`` makes) and shows: the findings (rules on the numbers,
    :data:`helpers.report.RULES`), the run (data, split, settings, training time and
    kept epoch, versions, machine, date), the learning curves with the kept epoch, the
    pixel scores (mean, median, worst; per class; the per-image table, sortable), IoU and
    Dice against the threshold, the object scores (counts, F1 and AP against the matching
    IoU, recall by object size) and the worst, median and best images with their errors.

    Parameters
    ----------
    run : path or helpers.runs.Run
        A run folder that training wrote (``model.keras``, ``run.json``, ``split.json``).
    out : path
        The HTML file to write.
    images, masks : path, optional
        Folders to score instead of those ``run.json`` records.
    all_pairs : bool
        Score every pair of the folders, not only the test images of ``split.json``.
    threshold : float
        Foreground where the probability is at least this (one sigmoid channel).
    batch_size : int
        Images per forward pass.
    overwrite : bool
        Replace ``out`` if it exists.
    progress : bool
        Show a progress bar over the batches.

    Returns
    -------
    Report

    Raises
    ------
    FileExistsRefusedError
        When ``out`` exists and ``overwrite`` is false (checked before any work).
    RunFolderError
        For a run folder without a model, ``run.json`` or (unless ``all_pairs``)
        ``split.json``.
    DataError
        For folders whose images and masks do not pair, or a file that cannot be read.
    EvaluationError, MetricInputError
        For masks that do not fit the model (more classes than it predicts, say).
    """
    from helpers import evaluation, runs

    out = check_writable(out, overwrite=overwrite)
    if not isinstance(run, runs.Run):
        run = runs.load_run(run)
    pairs, which = evaluation.run_pairs(run, images=images, masks=masks, all_pairs=all_pairs)
    if not pairs:
        raise EvaluationError(f"No images to score ({which}): pass all_pairs=True (--all).")
    folders = (Path(images or run.images), Path(masks or run.masks))
    model = run.load_model()
    classes = model.outputs[0].shape[-1]
    found = evaluation.evaluate_files(
        model,
        pairs,
        size=run.size,
        batch_size=batch_size,
        threshold=threshold,
        class_names=evaluation.class_names(folders[1], classes),
        hd95=True,
        objects=classes == 1,
        sweep=True,
        keep=True,
        progress=progress,
    )
    facts = facts_of(found, run.record)
    content = {
        "findings": sections.findings_section(facts),
        "run": sections.run_section(run, found, which=which, folders=folders),
        "curves": sections.curves_section(run, facts),
        "pixels": sections.pixels_section(found),
        "thresholds": sections.thresholds_section(found, facts),
        "objects": sections.objects_section(found, facts),
        "overlays": sections.overlays_section(found),
    }
    subtitle = (
        f"{len(found.table)} images scored ({which}): mean IoU {facts.mean_iou:.4f}. "
        "Made by helpers.report (python -m helpers report)."
    )
    html = page(f"Quality report: {run.folder.name}", subtitle, content)
    write_text(out, html, overwrite=overwrite)
    return Report(path=out, html=html, facts=facts, findings=findings(facts), evaluation=found)
