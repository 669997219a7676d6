"""COCO instances JSON (what Roboflow, CVAT, Label Studio and makesense.ai export) to masks.

A COCO file is ``{"images": [...], "annotations": [...], "categories": [...]}``. An
annotation's ``segmentation`` is either polygons, ``[[x0, y0, x1, y1, ...], ...]`` (the
image's top-left corner at ``0, 0``, so pixel centres at ``+0.5``), or a run-length
encoded mask, ``{"size": [h, w], "counts": ...}``, uncompressed (a list) or compressed
(a string), usually for ``iscrowd: 1`` (a group of objects marked as one region).
What VIA's own COCO export writes is read too: one polygon as a flat list, ids that are
numbers in ``images`` but text in ``annotations``, and the categories listed again for
every image.

Polygons are drawn by :func:`helpers.via.rasterize_regions`; RLE masks are decoded by
:mod:`helpers.importers._rle` and pasted as they are. Annotations are drawn in file
order, later ones on top; crowd annotations are drawn like the others (as
``pycocotools``' ``annToMask`` gives them) and counted in the report's ``crowd`` column.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from helpers import via
from helpers.errors import AnnotationError, AnnotationNotFoundError

from . import _shapes as geo
from ._convert import choose_classes, convert
from ._rle import RleProblem, rle_counts, rle_mask, rle_size
from ._shapes import Entry, Shape, ShapeProblem

__all__ = ["load_coco", "masks_from_coco"]


def _id(value) -> str | None:
    """An id as text, so that ``3`` and ``"3"`` match (VIA's COCO export mixes them)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    return str(value).strip()


def load_coco(path: str | os.PathLike) -> dict:
    """A COCO instances file, read and checked at the top level.

    Raises
    ------
    AnnotationNotFoundError
        The file does not exist.
    AnnotationError
        It is not valid JSON, or not a COCO file with ``images``, ``annotations`` and
        ``categories`` lists (the message says what it is instead, where it can).
    """
    path = Path(path)
    if not path.is_file():
        raise AnnotationNotFoundError(
            f"The COCO file {path} does not exist: pass the instances .json the tool "
            "exported (--coco FILE)."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise AnnotationError(f"{path} is not a text file: pass the COCO .json file.") from None
    except json.JSONDecodeError as error:
        if path.read_bytes().lstrip().startswith(b"<"):
            raise AnnotationError(
                f"{path} is XML, not a COCO JSON file: for a 'CVAT for images 1.1' export use "
                "cvat2masks; otherwise export the annotations as COCO."
            ) from None
        raise AnnotationError(
            f"{path} is not valid JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}). Export the annotations from the tool again (COCO format)."
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(key), list) for key in ("images", "annotations", "categories")
    ):
        what = "JSON without 'images', 'annotations' and 'categories' lists"
        if isinstance(data, dict) and "shapes" in data:
            what = "a Labelme file (use labelme2masks for it)"
        elif isinstance(data, dict) and any(
            isinstance(v, dict) and "regions" in v for v in data.values()
        ):
            what = "a VIA file (use via2masks for it)"
        raise AnnotationError(
            f"{path} is {what}, not a COCO instances file. Export the annotations as 'COCO' "
            "(instances / segmentation) and pass that file."
        )
    return data


def _categories(data: dict, path: Path) -> dict[str, str]:
    """Category id (as text) to name; a category listed again with the same name is
    one category (VIA's COCO export repeats them)."""
    names: dict[str, str] = {}
    for k, category in enumerate(data["categories"]):
        ident = _id(category.get("id")) if isinstance(category, dict) else None
        if ident is None:
            raise AnnotationError(
                f"{path}: category {k} has no 'id'. Export the annotations from the tool again."
            )
        name = str(category.get("name") or "").strip()
        if names.setdefault(ident, name) != name:
            raise AnnotationError(
                f"{path}: the category id {ident} is both {names[ident]!r} and {name!r}. "
                "Export the annotations from the tool again."
            )
    return names


def _polygons(segmentation: list) -> tuple[list[dict], list[str]]:
    """VIA polygons of a COCO polygon list, and notes on the parts left out."""
    regions, notes, first = [], [], None
    if segmentation and not all(isinstance(part, list) for part in segmentation):
        raise ShapeProblem(
            "invalid", "has a 'segmentation' that is not a list of polygons [[x0, y0, ...], ...]"
        )
    for k, part in enumerate(segmentation):
        try:
            xy = geo.coordinates(part, "polygon coordinates")
            if len(xy) % 2:
                raise ShapeProblem("invalid", f"has {len(xy)} numbers, not x, y pairs")
            if len(xy) < 6:
                raise ShapeProblem("degenerate", f"has {len(xy) // 2} point(s), not 3 or more")
        except ShapeProblem as problem:
            first = first or problem
            notes.append(f"polygon {k} {problem}; it is left out")
            continue
        regions.append(geo.polygon(xy[0::2] - 0.5, xy[1::2] - 0.5))
    if not regions:
        if first is None:
            raise ShapeProblem("invalid", "has an empty 'segmentation' (a box only?)")
        if len(segmentation) == 1:
            raise ShapeProblem(first.kind, f"has a polygon that {first}")
        raise ShapeProblem(first.kind, "has no polygon that can be drawn: " + "; ".join(notes))
    return regions, notes


def _annotation(raw: dict, number: int, categories: dict) -> Shape:
    ident = raw.get("id", f"#{number}")
    category = raw.get("category_id")
    if _id(category) in categories:
        label = categories[_id(category)]
        shape = Shape(f"annotation {ident} ({label!r})", label)
    else:
        shape = Shape(f"annotation {ident} (category_id {category!r})", "")
    if raw.get("iscrowd") in (1, True):
        shape.flags = ("crowd",)
    segmentation = raw.get("segmentation")
    if isinstance(segmentation, list) and segmentation and not isinstance(segmentation[0], list):
        segmentation = [segmentation]  # VIA's COCO export writes one flat [x0, y0, ...]
    try:
        if not shape.label:
            raise ShapeProblem("unlabelled", "has a category_id that 'categories' does not list")
        if isinstance(segmentation, list):
            shape.regions, shape.notes = _polygons(segmentation)
        elif isinstance(segmentation, dict):
            try:
                rle_counts(segmentation)  # checked now; decoded when drawn
                shape.raster_size = rle_size(segmentation)
            except RleProblem as problem:
                raise ShapeProblem("invalid", f"has an RLE that {problem}") from None
            shape.raster = lambda size, rle=segmentation: rle_mask(rle)
        else:
            raise ShapeProblem("invalid", "has no 'segmentation' (polygons or RLE)")
    except ShapeProblem as problem:
        shape.problem = (problem.kind, str(problem))
    return shape


def _entries(data: dict, path: Path, images_dir: Path, categories: dict) -> list[Entry]:
    entries: dict = {}
    for k, image in enumerate(data["images"]):
        ident = _id(image.get("id")) if isinstance(image, dict) else None
        if ident is None:
            raise AnnotationError(f"{path}: image {k} has no 'id'. Export the file again.")
        name = image.get("file_name")
        if not isinstance(name, str) or not name.strip():
            raise AnnotationError(
                f"{path}: image {image['id']!r} has no 'file_name'. Export the file again."
            )
        if ident in entries:
            raise AnnotationError(
                f"{path}: two images have the id {image['id']!r}. Export the file again."
            )
        height, width = image.get("height"), image.get("width")
        declared = None
        if all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (height, width)):
            declared = (height, width)
        entry = Entry(name, [], source=path.name, declared=declared)
        entry.image, entry.status = geo.find_image(images_dir, name)
        entry.status = entry.status or "ok"
        if entry.status == "unsafe filename":
            entry.problems.append(
                "the file name points outside the images folder (absolute, or with '..'): "
                "nothing is read or written for it; give the image a plain file name"
            )
        elif entry.status == "missing image":
            entry.problems.append(f"no such file in {images_dir}{geo.case_hint(images_dir, name)}")
        entries[ident] = entry
    for k, raw in enumerate(data["annotations"]):
        if not isinstance(raw, dict) or _id(raw.get("image_id")) not in entries:
            ident = raw.get("id", k) if isinstance(raw, dict) else k
            image_id = raw.get("image_id") if isinstance(raw, dict) else None
            raise AnnotationError(
                f"{path}: annotation {ident!r} belongs to image_id {image_id!r}, which is not "
                "in 'images'. Export the file again, with its images."
            )
        entry = entries[_id(raw["image_id"])]
        entry.shapes.append(_annotation(raw, len(entry.shapes), categories))
    return list(entries.values())


def masks_from_coco(
    coco_file: str | os.PathLike,
    images_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    instances: bool = False,
    ignore: Iterable[str] = (),
    classes: Mapping[str, int] | None = None,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Write a mask PNG for every image of a COCO instances file; return the quality report.

    Parameters
    ----------
    coco_file : path
        The COCO ``.json`` (polygons, uncompressed or compressed RLE, ``iscrowd``).
    images_dir : path
        Folder of the images: ``file_name`` is looked up in it (sub-folders kept),
        then by its last part; never outside it.
    out_dir : path
        Folder for the masks, ``<image stem>.png`` (created if needed), and
        ``classes.json``; not the images folder.
    instances : bool
        Write one uint16 instance image per image instead: 0 background, then 1, 2, ...
        per annotation in file order (crowd annotations too). Annotations of an ignored
        category are left out, and no ``classes.json`` is written.
    ignore : iterable of str
        Category names whose pixels are to be left out of training: drawn as 255 and
        declared as ``"ignore": 255`` in ``classes.json``.
    classes : mapping of str to int, optional
        Category name to mask value; default: every category's name, sorted, is
        1..K (:func:`helpers.via.class_indices`), used or not, so that several files
        with the same categories give the same values.
    overwrite : bool
        Replace masks and ``classes.json`` that exist; without it nothing is written
        when any of them exists.

    Returns
    -------
    DataFrame
        One row per image: :data:`REPORT_COLUMNS`, then ``crowd`` and
        ``class:<name>``. ``status`` is ``ok``, ``missing image``, ``unsafe filename``,
        ``unreadable image``, ``size mismatch`` (``height``/``width`` differ from the
        image's) or ``duplicate``; ``problems`` names annotations by their ``id``.

    Raises
    ------
    AnnotationNotFoundError
        The file or the images folder is missing, or none of the images is in it.
    AnnotationError
        The file is not valid JSON or not COCO, has duplicate ids, annotations of
        images it does not list, an ``ignore`` name that is not a category, or
        ``out_dir`` is the images folder.
    FileExistsRefusedError
        A mask or ``classes.json`` exists and ``overwrite`` is false (nothing written).
    """
    path, images = Path(coco_file), Path(images_dir)
    data = load_coco(path)
    if not images.is_dir():
        raise AnnotationNotFoundError(
            f"The images folder {images} does not exist. Pass the folder that holds the "
            f"images of {path} (--images DIR)."
        )
    categories = _categories(data, path)
    entries = _entries(data, path, images, categories)
    table, ignored = choose_classes(
        categories.values(), source=str(path), ignore=ignore, classes=classes
    )
    return convert(
        entries,
        source=str(path),
        out_dir=Path(out_dir),
        inputs=[images],
        classes=table,
        ignored=ignored,
        instances=instances,
        options=via.DrawOptions(),  # polygons and RLE only: no lines or points to size
        overwrite=overwrite,
        flags=("crowd",),
        images_hint=f"Pass the folder that holds them (--images DIR); it was {images}.",
    )
