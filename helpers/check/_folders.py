"""The data check of two folders: every pair read once, the rules applied, one table."""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from helpers import io
from helpers.errors import DataError, one_line

from ._read import read_image_facts, read_mask_facts
from ._rules import (
    BLOCKING,
    FINDINGS,
    WARNING,
    Declared,
    judge_bit_depths,
    judge_classes,
    judge_encodings,
    judge_mask,
    judge_pair,
    read_declared,
    row,
)

if TYPE_CHECKING:
    import pandas as pd

#: The columns of the findings table, in order.
FINDING_COLUMNS = ("severity", "file", "kind", "finding", "action")


@dataclass
class DataCheck:
    """What :func:`check_folders` found: the findings table and the verdict.

    Attributes
    ----------
    images, masks : Path
        The folders checked.
    pairs : int
        Image/mask pairs found by file stem (each read).
    findings : pandas.DataFrame
        One row per finding, columns :data:`FINDING_COLUMNS`: ``severity``
        (``"blocking"`` or ``"warning"``), ``file`` (``<folder name>/<file name>``, or a
        folder for findings about the whole folder), ``kind`` (a key of
        :data:`FINDINGS`), ``finding`` (what was found, with its numbers) and ``action``
        (what the course does with it, or what to do). Blocking findings first.
    declared : Declared
        The labels the masks may hold (from ``classes.json``, ``num_classes`` or binary).
    """

    images: Path
    masks: Path
    pairs: int
    findings: pd.DataFrame
    declared: Declared

    @property
    def blocking(self) -> pd.DataFrame:
        """The findings that stop training."""
        return self.findings[self.findings["severity"] == BLOCKING]

    @property
    def warnings(self) -> pd.DataFrame:
        """The findings that do not stop training (what the course does is in ``action``)."""
        return self.findings[self.findings["severity"] == WARNING]

    @property
    def passed(self) -> bool:
        """True when nothing blocks training."""
        return self.blocking.empty

    def verdict(self) -> str:
        """One line: pairs checked, blocking findings and warnings, what it means."""
        blocking, warnings = len(self.blocking), len(self.warnings)
        counts = f"{self.pairs} pair(s) checked; "
        if blocking:
            return (
                f"Verdict: {counts}{blocking} blocking finding(s), {warnings} warning(s): "
                "training would stop; fix the blocking findings and check again."
            )
        if warnings:
            return (
                f"Verdict: {counts}no blocking finding, {warnings} warning(s): ready to "
                "train; read what the course does with each warning."
            )
        return f"Verdict: {counts}nothing to report: ready to train."

    def table(self, *, per_kind: int = 5) -> str:
        """The findings as text, ``per_kind`` rows of each kind at most, then the verdict.

        Each finding is a line (severity, file, kind: finding) and the line under it
        says what the course does or what to do.
        """
        if self.findings.empty:
            return self.verdict()
        width = min(28, max(len(f) for f in self.findings["file"]))
        lines = [f"{'severity':<8}  {'file':<{width}}  finding"]
        for kind, group in self.findings.groupby("kind", sort=False):
            for record in group.head(per_kind).itertuples():
                lines.append(
                    f"{record.severity:<8}  {record.file:<{width}}  {kind}: {record.finding}"
                )
                lines.append(f"{'':<8}  {'':<{width}}  -> {record.action}")
            if len(group) > per_kind:
                more = len(group) - per_kind
                lines.append(
                    f"{'':<8}  {'':<{width}}  ... and {more} more {kind!r} finding(s) like "
                    "these (all of them in the report: --report CSV)"
                )
        return "\n".join([*lines, self.verdict()])

    def __str__(self) -> str:
        return self.table()


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _by_stem(folder: Path) -> tuple[dict[str, Path], list[dict], set[str]]:
    """The files of a folder by stem, a finding for each stem with several files, and
    those stems.

    Raises
    ------
    DataError
        The folder is missing, or holds no image files at all (nothing to check).
    """
    files = io.list_images(folder)
    if not files:
        raise DataError(
            f"No image files found in {folder} (looked for {', '.join(io.IMAGE_EXTENSIONS)} "
            "in any case). Check the folder."
        )
    found: dict[str, list[Path]] = {}
    for path in files:
        found.setdefault(path.stem, []).append(path)
    rows = [
        row(
            BLOCKING,
            _name(paths[0]),
            "same name",
            " and ".join(p.name for p in paths) + " have the same name",
            "Pairs are matched by the name without its extension: keep one of them.",
        )
        for paths in found.values()
        if len(paths) > 1
    ]
    single = {stem: paths[0] for stem, paths in found.items() if len(paths) == 1}
    return single, rows, set(found) - set(single)


def _unpaired(path: Path, other: dict[str, Path], other_folder: Path, what: str) -> dict:
    stem = path.stem
    near = [p for s, p in other.items() if s.lower() == stem.lower() or s.startswith(stem)]
    if near:
        hint = (
            f"{_name(near[0])} is there: names must match exactly (without the extension); "
            f"rename one of them."
        )
    else:
        hint = f"Add its {what} (same name, any extension), or move this file out of the folder."
    partner = "mask" if what == "mask" else "image"
    return row(
        BLOCKING,
        _name(path),
        "unpaired",
        f"no {partner} named {stem}.* in {other_folder.name}/",
        hint,
    )


def _pair_up(images_dir: Path, masks_dir: Path):
    """Pairs by stem, and the findings of the pairing (unpaired names, doubles).

    Raises
    ------
    DataError
        A folder is missing, or holds no image files at all.
    """
    images, rows, image_doubles = _by_stem(images_dir)
    masks, more, mask_doubles = _by_stem(masks_dir)
    rows += more
    rows += [
        _unpaired(p, masks, masks_dir, "mask")
        for s, p in images.items()
        if s not in masks and s not in mask_doubles  # a "same name" finding there
    ]
    rows += [
        _unpaired(p, images, images_dir, "image")
        for s, p in masks.items()
        if s not in images and s not in image_doubles
    ]
    pairs = [(images[s], masks[s]) for s in sorted(images) if s in masks]
    return pairs, rows


def check_folders(
    images: str | os.PathLike,
    masks: str | os.PathLike,
    *,
    num_classes: int | None = None,
) -> DataCheck:
    """Examine every image/mask pair of two folders before training on them.

    Pairs are matched by file stem, as :func:`helpers.io.pair_images_and_masks` does;
    every image and mask is decoded once (EXIF orientation applied). The rules, and
    which findings block training, are listed in :data:`FINDINGS`; the labels a mask may
    hold come from ``masks/classes.json`` when there is one (its ``"ignore"`` value, 255
    from the importers, marks pixels that no count includes), else from ``num_classes``,
    else 0/1 (and 0/255, read as 0/1).

    Parameters
    ----------
    images, masks : str or path
        The folders of images and of masks.
    num_classes : int, optional
        What a run will take (``python -m helpers train --classes``): 1 for
        object/background masks, else the number of classes, background included.
        Labels at or above it block.

    Returns
    -------
    DataCheck
        The findings table (``result.findings``), ``result.passed``,
        ``result.verdict()`` and ``print(result)`` for the table.

    Raises
    ------
    DataError
        A folder is missing or holds no image files at all (nothing to check).

    Example
    -------
    >>> from helpers import check, config
    >>> result = check.check_folders(config.data_dir("mito", "images"),
    ...                              config.data_dir("mito", "masks"))
    >>> result.passed, result.pairs, sorted(set(result.findings["kind"]))
    (True, 60, ['0/255'])
    """
    import pandas as pd

    images_dir, masks_dir = Path(images), Path(masks)
    pairs, rows = _pair_up(images_dir, masks_dir)
    declared, more = read_declared(masks_dir, num_classes)
    rows += more
    verdicts, image_bits, mask_bits = {}, [], []
    read = functools.partial(_read_pair, ignore=declared.ignore)
    # Pillow decodes without holding the GIL: threads read several files at once.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        facts = list(pool.map(read, pairs))
    for (image_path, mask_path), (image, mask) in zip(pairs, facts, strict=True):
        if isinstance(image, DataError):
            rows.append(_unreadable(image_path, image))
            image = None
        else:
            image_bits.append(image.bits)
        if isinstance(mask, DataError):
            rows.append(_unreadable(mask_path, mask))
            mask = None
        else:
            mask_bits.append(mask.bits)
        if mask is not None:
            verdicts[_name(mask_path)] = verdict = judge_mask(_name(mask_path), mask, declared)
            rows += verdict.rows
        if image is not None and mask is not None:
            rows += judge_pair(_name(image_path), image, mask)
    rows += judge_encodings(f"{masks_dir.name}/", verdicts)
    rows += judge_classes(f"{masks_dir.name}/", verdicts.values(), declared)
    rows += judge_bit_depths(f"{images_dir.name}/", image_bits, "images")
    rows += judge_bit_depths(f"{masks_dir.name}/", mask_bits, "masks")
    table = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    order = {kind: i for i, kind in enumerate(FINDINGS)}
    table = table.assign(
        _severity=table["severity"].ne(BLOCKING), _kind=table["kind"].map(order)
    ).sort_values(["_severity", "_kind", "file"], kind="stable")
    table = table.drop(columns=["_severity", "_kind"]).reset_index(drop=True)
    return DataCheck(images_dir, masks_dir, len(pairs), table, declared)


def _read_pair(pair: tuple[Path, Path], *, ignore: int | None):
    """The facts of an image and its mask, or the :class:`DataError` of each."""
    image_path, mask_path = pair
    try:
        image = read_image_facts(image_path)
    except DataError as error:
        image = error
    try:
        mask = read_mask_facts(mask_path, ignore=ignore)
    except DataError as error:
        mask = error
    return image, mask


def _unreadable(path: Path, error: DataError) -> dict:
    message = one_line(error).replace(str(path), "").strip(" :")
    return row(
        BLOCKING,
        _name(path),
        "unreadable",
        message.split(". ")[0],
        "Open it in an image viewer, then replace or delete it (an interrupted copy?).",
    )


def stop_on_blocking(result: DataCheck, *, shown: int = 10) -> DataCheck:
    """Raise one :class:`~helpers.errors.DataError` naming every blocking finding.

    At most ``shown`` findings are named, then their count; the message ends with the
    command that prints them all. Returns ``result`` when nothing blocks.

    Raises
    ------
    DataError
        When ``result`` has blocking findings.
    """
    blocking = result.blocking
    if blocking.empty:
        return result
    named = [f"{r.file}: {r.kind}, {r.finding}" for r in blocking.head(shown).itertuples()]
    more = f"; and {len(blocking) - shown} more" if len(blocking) > shown else ""
    raise DataError(
        f"The data check found {len(blocking)} blocking problem(s) in {result.images} and "
        f"{result.masks}, so nothing was trained or written: {'; '.join(named)}{more}. "
        f"'python -m helpers check --images {result.images} --masks {result.masks}' "
        "lists them with what to do."
    )
