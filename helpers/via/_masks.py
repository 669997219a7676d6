"""From a VIA file to mask PNGs, with a quality report of everything that was off.

:func:`masks_from_via` writes one ``<image stem>.png`` per listed image, in the image's
displayed shape: 0/255 for a binary mask, or class indices with ``attribute=`` (and a
``classes.json`` that maps the class names to them, 0 being background). An image
listed without regions gets an all-background mask, so images and masks stay paired.

:func:`quality_report` is the same walk without writing: one row per image, saying
what would go wrong.

Example
-------
>>> import tempfile
>>> from helpers import config
>>> out = tempfile.mkdtemp()
>>> report = masks_from_via(
...     config.data_dir("mri", "via_annotations.json"), config.data_dir("mri", "images"), out
... )
>>> int((report["status"] == "ok").sum())
40
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.classes import CLASSES_FILE
from helpers.errors import FileExistsRefusedError, ViaAttributeError, ViaError, ViaNotFoundError
from helpers.files import write_png, write_text

from ._draw import (
    DEFAULT_DRAWING,
    DrawOptions,
    check_regions,
    class_indices,
    draw_regions,
    region_class,
)
from ._read import find_image, image_shape, load_via, mask_name, safe_relative_path
from ._records import ViaProject

NO_REGIONS = "no regions: its mask is all background"

#: Columns of the quality report, in order (class columns ``class:<name>`` follow).
REPORT_COLUMNS = (
    "filename",
    "mask",
    "status",
    "height",
    "width",
    "regions",
    "drawn",
    "null_regions",
    "partly_outside",
    "wholly_outside",
    "degenerate",
    "invalid",
    "unknown_shape",
    "points_skipped",
    "unlabelled",
    "problems",
)


def _project(via: str | os.PathLike | ViaProject) -> ViaProject:
    return via if isinstance(via, ViaProject) else load_via(via)


def _check_attribute(project: ViaProject, attribute: str | None) -> None:
    if attribute is None:
        return
    keys = project.region_attribute_keys()
    if attribute not in keys:
        found = ", ".join(repr(k) for k in keys) if keys else "none"
        raise ViaAttributeError(
            f"No region in {project.path} has the attribute {attribute!r}. Region "
            f"attributes in the file: {found}. Pass one of them (--attribute KEY), or "
            "leave it out for a binary mask."
        )


def project_classes(project: ViaProject, attribute: str) -> dict[str, int]:
    """Class indices for a whole project: every class name used, sorted; 0 is background."""
    _check_attribute(project, attribute)
    return class_indices(
        region_class(region, attribute) for image in project.images for region in image.regions
    )


def _region_columns(
    infos: list, null_regions: tuple[int, ...], attribute: str | None
) -> tuple[dict, list[str]]:
    status = Counter(info.status for info in infos)
    row = {
        "regions": len(infos),
        "drawn": status["drawn"],
        "null_regions": len(null_regions),
        "partly_outside": sum(info.outside == "partly" for info in infos),
        "wholly_outside": sum(info.outside == "wholly" for info in infos),
        "degenerate": status["degenerate"]
        + sum(info.status == "no pixels" and not info.outside for info in infos),
        "invalid": status["invalid"],
        "unknown_shape": status["unknown shape"],
        "points_skipped": status["point skipped"],
        "unlabelled": status["unlabelled"],
    }
    problems = [f"region {i} is null (skipped)" for i in null_regions]
    for info in infos:
        if info.message:
            problems.append(f"region {info.index} ({info.shape or 'no shape'}) {info.message}")
        elif info.outside:
            where = "partly outside" if info.outside == "partly" else "outside"
            problems.append(f"region {info.index} ({info.shape}) is {where} the image")
    if attribute is not None:
        for name, count in Counter(i.label for i in infos if i.status == "drawn").items():
            row[f"class:{name}"] = count
    return row, problems


def _plan(project: ViaProject, images_dir: Path | None) -> list[dict]:
    """Per image: its report row so far, its image path and shape, and what is off.

    Only image headers are read here, so the masks to be written are known (and checked
    against existing files) before any is drawn.
    """
    plan = []
    seen_files: set[str] = set()
    mask_owner: dict[str, str] = {}
    for image in project.images:
        row = {
            "filename": image.filename,
            "mask": "",
            "status": "ok",
            "height": np.nan,
            "width": np.nan,
        }
        problems: list[str] = []
        relative = safe_relative_path(image.filename)
        path, shape = None, None
        if relative is None:
            row["status"] = "unsafe filename"
            problems.append(
                "the filename points outside the images folder (absolute, or with '..'); "
                "nothing is read or written for it: give it a plain file name in VIA"
            )
        elif image.filename in seen_files:
            row["status"] = "duplicate"
            problems.append("the same filename is listed again; only its first entry is used")
        elif mask_name(relative) in mask_owner:
            row["status"] = "duplicate"
            problems.append(
                f"its mask {mask_name(relative)} would be the mask of "
                f"{mask_owner[mask_name(relative)]!r} too (same stem): rename one image"
            )
        elif images_dir is not None:
            path, hint = find_image(images_dir, relative)
            if path is None:
                row["status"] = "missing image"
                problems.append(f"no such file in {images_dir}{hint}")
        if path is not None:
            try:
                shape = image_shape(path)
                row["height"], row["width"] = shape
            except OSError as error:
                row["status"] = "unreadable image"
                problems.append(f"cannot be read as an image ({error})")
        if relative is not None and row["status"] == "ok":
            seen_files.add(image.filename)
            mask_owner[mask_name(relative)] = image.filename
            if shape is not None:
                row["mask"] = mask_name(relative)
        plan.append({"image": image, "row": row, "shape": shape, "problems": problems})
    return plan


def _convert(entry: dict, *, attribute, classes, options) -> tuple[dict, np.ndarray | None]:
    """The finished report row of one planned image, and its mask when it has a shape."""
    image, row, shape = entry["image"], dict(entry["row"]), entry["shape"]
    settings = dict(attribute=attribute, classes=classes, options=options)
    mask = None
    if shape is not None:
        mask, infos = draw_regions(image.regions, shape, **settings)
    else:
        infos = check_regions(image.regions, **settings)[0]
    columns, region_problems = _region_columns(infos, image.null_regions, attribute)
    if row["status"] != "ok":  # no mask is made for this image: none of its regions is drawn
        columns = {k: v for k, v in columns.items() if not k.startswith("class:")}
        columns["drawn"] = 0
    row.update(columns)
    problems = list(entry["problems"])
    if not image.regions and row["status"] == "ok":
        problems.append(NO_REGIONS)
    row["problems"] = "; ".join(problems + region_problems)
    return row, mask


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    class_columns = sorted(c for c in frame.columns if c.startswith("class:"))
    frame[class_columns] = frame[class_columns].fillna(0).astype(int)
    frame[["height", "width"]] = frame[["height", "width"]].astype("Int64")  # <NA>: unknown
    return frame[list(REPORT_COLUMNS) + class_columns]


def quality_report(
    via: str | os.PathLike | ViaProject,
    images_dir: str | os.PathLike | None = None,
    *,
    attribute: str | None = None,
    options: DrawOptions = DEFAULT_DRAWING,
) -> pd.DataFrame:
    """One row per image of a VIA file: what converting it would meet.

    Parameters
    ----------
    via : path or ViaProject
    images_dir : path, optional
        Folder of the images. Without it, nothing about the images themselves (missing
        files, regions outside the image) is checked.
    attribute : str, optional
        Region attribute holding the class name: adds ``unlabelled`` counts and one
        ``class:<name>`` column per class.
    options : DrawOptions
        How polylines and points are drawn, as in :func:`~helpers.via.rasterize_regions`.

    Returns
    -------
    DataFrame
        Columns :data:`REPORT_COLUMNS` then ``class:<name>``. ``status`` is ``ok``,
        ``missing image``, ``unreadable image``, ``unsafe filename`` or ``duplicate``;
        the counts are regions; ``problems`` says, in words, what is off and where
        (region numbers as VIA counts them, from 0). ``drawn`` and the ``class:``
        columns count the regions drawn into the image's mask: 0 where no mask is made
        (any status but ``ok``); without ``images_dir``, the regions that would be drawn.
    """
    project = _project(via)
    _check_attribute(project, attribute)
    classes = project_classes(project, attribute) if attribute is not None else None
    folder = Path(images_dir) if images_dir is not None else None
    rows = [
        _convert(entry, attribute=attribute, classes=classes, options=options)[0]
        for entry in _plan(project, folder)
    ]
    return _frame(rows)


def masks_from_via(
    via: str | os.PathLike | ViaProject,
    images_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    attribute: str | None = None,
    classes: Mapping[str, int] | None = None,
    overwrite: bool = False,
    options: DrawOptions = DEFAULT_DRAWING,
) -> pd.DataFrame:
    """Write a mask PNG for every image of a VIA file; return the quality report.

    Parameters
    ----------
    via : path or ViaProject
        The VIA file (any variant :func:`~helpers.via.load_via` reads).
    images_dir : path
        Folder of the annotated images (their shapes are read from their headers).
    out_dir : path
        Folder for the masks, ``<image stem>.png``; created if needed. It may not be
        the images folder.
    attribute : str, optional
        Region attribute with the class names. Without it masks are binary, 0 and 255
        (the union of the regions). With it, masks hold class indices (uint8, or
        uint16 past 255 classes) and ``classes.json`` maps names to indices.
    classes : mapping of str to int, optional
        Use these indices instead of the sorted names found in the file.
    overwrite : bool
        Replace masks (and ``classes.json``) that already exist. Without it nothing is
        written when any of them exists.
    options : DrawOptions
        How polylines and points are drawn, as in :func:`~helpers.via.rasterize_regions`.

    Returns
    -------
    DataFrame
        The :func:`quality_report`, ``mask`` naming the file written for each image.

    Raises
    ------
    ViaFormatError, ViaEmptyError
        The file is not VIA 1.x/2.x JSON, or lists no images.
    ViaAttributeError
        No region has ``attribute``.
    ViaNotFoundError
        None of the listed images is in ``images_dir``.
    FileExistsRefusedError
        A mask exists and ``overwrite`` is false (nothing was written).
    """
    project = _project(via)
    images_dir, out_dir = Path(images_dir), Path(out_dir)
    if not images_dir.is_dir():
        raise ViaNotFoundError(
            f"The images folder {images_dir} does not exist. Pass the folder that holds "
            f"the images annotated in {project.path}."
        )
    if out_dir.resolve() == images_dir.resolve():
        raise ViaError(
            f"The masks would be written into the images folder {images_dir}, where a "
            "mask could replace a PNG image of the same name. Choose another output folder."
        )
    if attribute is not None and classes is None:
        classes = project_classes(project, attribute)
    _check_attribute(project, attribute)
    plan = _plan(project, images_dir)
    targets = [out_dir / e["row"]["mask"] for e in plan if e["row"]["mask"]]
    if not targets:
        first = project.images[0].filename
        raise ViaNotFoundError(
            f"None of the {len(project.images)} images listed in {project.path} is in "
            f"{images_dir} (the first is {first!r}). Pass the folder that holds them "
            "(--images DIR)."
        )
    if attribute is not None:
        targets.append(out_dir / CLASSES_FILE)
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        more = f" and {len(existing) - 1} other file(s)" if len(existing) > 1 else ""
        raise FileExistsRefusedError(
            f"{existing[0]}{more} already exist and were left as they are; nothing was "
            "written. Pass overwrite=True (--overwrite) to replace them, or choose an "
            "empty output folder."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for entry in plan:
        row, mask = _convert(entry, attribute=attribute, classes=classes, options=options)
        rows.append(row)
        if mask is not None:
            pixels = mask.astype(np.uint8) * 255 if mask.dtype == bool else mask
            write_png(out_dir / row["mask"], pixels, overwrite=overwrite)
    if attribute is not None:
        text = json.dumps(dict(classes), indent=1, ensure_ascii=False) + "\n"
        write_text(out_dir / CLASSES_FILE, text, overwrite=overwrite)
    return _frame(rows)


def summarize(report: pd.DataFrame) -> str:
    """One line about a report: masks, images without regions, images with problems."""
    ok = report["status"] == "ok"
    empty = int((ok & (report["regions"] == 0)).sum())
    other = report.loc[~ok, "status"].value_counts()
    parts = [f"{int(ok.sum())} of {len(report)} images have a mask"]
    if empty:
        parts.append(f"{empty} without regions (all background)")
    parts += [f"{status}: {count}" for status, count in other.items()]
    flagged = int(((report["problems"] != "") & (report["problems"] != NO_REGIONS)).sum())
    if flagged:
        parts.append(f"{flagged} image(s) with problems listed in the report")
    return "; ".join(parts) + "."
