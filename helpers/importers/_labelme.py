"""Labelme: a folder of JSON files, one per image, to class masks (or instance images).

A Labelme file (``labelme`` 3 to 6) is ``{"shapes": [...], "imagePath": ...,
"imageData": ..., "imageHeight": ..., "imageWidth": ...}``; each shape has a
``label``, a ``shape_type``, ``points`` (``[[x, y], ...]``, the image's top-left corner
at ``0, 0``: pixel centres at ``+0.5``) and a ``group_id`` (shapes of one label and group
are one object).

============================  ===========================================================
``polygon`` (or no type)      3 points or more, filled
``rectangle``                 2 opposite corners
``circle``                    the centre and a point on the circle
``line``, ``linestrip``       2 / 2 or more points, a line ``line_width`` pixels wide
``point``                     1 point, a disk of radius ``point_radius``
``oriented_rectangle``        4 corners, filled
``mask``                      a PNG (base64) pasted with its top-left pixel at the first
                              point
============================  ===========================================================

Labelme's own converter (``labelme.utils.shapes_to_label``) draws lines 10 pixels wide
and points as disks of radius 5: :data:`LABELME_DRAWING` does the same, so that the
masks are those a Labelme user expects. Its outlines differ from the course's at the
edges only: Pillow, which it draws with, takes the last pixel of a bounding box in
(circles and points come out half a pixel larger) and ends lines square where the
course rounds them.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from helpers import via
from helpers.errors import AnnotationError, AnnotationNotFoundError

from . import _shapes as geo
from ._convert import EMBEDDED, choose_classes, convert
from ._shapes import Entry, Shape, ShapeProblem

__all__ = ["LABELME_DRAWING", "LABELME_IGNORE", "masks_from_labelme"]

#: Labelme's name for pixels to leave out of training (drawn as 255).
LABELME_IGNORE = "__ignore__"
#: Lines and points as ``labelme.utils.shape_to_mask`` draws them by default.
LABELME_DRAWING = via.DrawOptions(line_width=10, point_radius=5)

_NEEDS = {"rectangle": 2, "circle": 2, "line": 2, "point": 1, "oriented_rectangle": 4, "mask": 2}
_AT_LEAST = {"polygon": 3, "linestrip": 2}
_KNOWN = "polygon, rectangle, circle, line, linestrip, point, oriented_rectangle and mask"


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise AnnotationError(
            f"{path} is not a text file: is it a Labelme JSON? Move other files out of the folder."
        ) from None
    except json.JSONDecodeError as error:
        raise AnnotationError(
            f"{path} is not valid JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}). Open the image in Labelme and save its annotations again."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
        what = "JSON without a 'shapes' list"
        if isinstance(data, dict) and {"images", "annotations"} <= set(data):
            what = "a COCO file (use coco2masks for it)"
        elif isinstance(data, dict) and any(
            isinstance(v, dict) and "regions" in v for v in data.values()
        ):
            what = "a VIA file (use via2masks for it)"
        raise AnnotationError(
            f"{path} is {what}, not a Labelme file. Keep only Labelme's .json files in the folder."
        )
    return data


def _points(raw: dict) -> np.ndarray:
    points = raw.get("points")
    if not isinstance(points, list) or not all(
        isinstance(p, (list, tuple)) and len(p) == 2 for p in points
    ):
        raise ShapeProblem("invalid", "has 'points' that are not a list of [x, y] pairs")
    return geo.coordinates(points, "points").reshape(-1, 2)


def _mask_raster(raw: dict, xy: np.ndarray) -> tuple:
    from PIL import Image

    try:
        data = base64.b64decode(str(raw.get("mask") or ""), validate=True)
        with Image.open(io.BytesIO(data)) as image:
            block = np.asarray(image.convert("L")) > 0
    except (binascii.Error, OSError, ValueError):
        raise ShapeProblem("invalid", "has a 'mask' that is not a base64 PNG image") from None
    left, top = (int(v) for v in xy[0])  # as Labelme: the first point, truncated
    height, width = block.shape
    extent = (left, top, left + width - 1, top + height - 1)
    return geo.paste(block, left, top), extent


def _shape(raw, number: int) -> Shape:
    """One Labelme shape as a :class:`Shape` (with its problem, if it cannot be drawn)."""
    if not isinstance(raw, dict):
        return Shape(f"shape {number}", "", problem=("invalid", "is not a Labelme shape object"))
    label = raw.get("label")
    label = "" if label is None else str(label).strip()
    kind = str(raw.get("shape_type") or "polygon")
    shape = Shape(f"shape {number} ({kind} {label!r})", label)
    group = raw.get("group_id")
    try:
        if group is not None and (not isinstance(group, int) or isinstance(group, bool)):
            raise ShapeProblem("invalid", f"has the group_id {group!r}, not a whole number")
        shape.instance = group
        if kind not in _NEEDS and kind not in _AT_LEAST:
            raise ShapeProblem(
                "unknown_shape",
                f"has the shape type {kind!r}, which is not drawn (the course draws {_KNOWN}): "
                "draw it again as a polygon",
            )
        xy = _points(raw)
        n = len(xy)
        if n != _NEEDS.get(kind, n) or n < _AT_LEAST.get(kind, 0):
            needs = _NEEDS.get(kind) or f"at least {_AT_LEAST[kind]}"
            raise ShapeProblem("degenerate", f"has {n} point(s) where a {kind} needs {needs}")
        x, y = xy[:, 0] - 0.5, xy[:, 1] - 0.5  # pixel centres at whole numbers, as VIA
        if kind in ("polygon", "oriented_rectangle"):
            shape.regions = [geo.polygon(x, y)]
        elif kind == "rectangle":
            shape.regions = [geo.rect(x.min(), y.min(), np.ptp(x), np.ptp(y))]
        elif kind == "circle":
            shape.regions = [geo.circle(x[0], y[0], float(np.hypot(x[1] - x[0], y[1] - y[0])))]
        elif kind in ("line", "linestrip"):
            shape.regions = [geo.polyline(x, y)]
        elif kind == "point":
            shape.regions = [geo.point(x[0], y[0])]
        else:
            shape.raster, shape.extent = _mask_raster(raw, xy)
    except ShapeProblem as problem:
        shape.problem = (problem.kind, str(problem))
    return shape


def _declared(data: dict) -> tuple[int, int] | None:
    height, width = data.get("imageHeight"), data.get("imageWidth")
    if all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (height, width)):
        return height, width
    return None


def _entry(path: Path, data: dict, folder: Path, images_dir: Path | None) -> Entry:
    image_path = data.get("imagePath")
    image_path = str(image_path).strip() if isinstance(image_path, str) else ""
    raw_shapes = data["shapes"]
    shapes = [_shape(raw, number) for number, raw in enumerate(raw_shapes)]
    entry = Entry(image_path or path.name, shapes, source=path.name, declared=_declared(data))
    name = PurePosixPath(image_path.replace("\\", "/")).name if image_path else ""
    stem = PurePosixPath(name).stem or path.stem
    base = images_dir if images_dir is not None else folder
    candidates = []
    if images_dir is None and image_path:  # as Labelme: relative to the JSON file
        candidates.append(geo.inside(folder, image_path))
    if name:
        candidates.append(geo.inside(base, name))
    candidates.append(geo.inside(base, f"{stem}.png"))  # written out from imageData before
    found = [c for c in candidates if c is not None and c.is_file()]
    if found:
        entry.image = found[0]
        return entry
    image_data = data.get("imageData")
    if isinstance(image_data, str) and image_data.strip():
        try:
            entry.embedded = base64.b64decode(image_data, validate=False)
        except (binascii.Error, ValueError):
            entry.status = "unreadable image"
            entry.problems.append("its imageData is not base64 data, and no image file was found")
            return entry
        entry.embedded_to = base / f"{stem}.png"
        return entry
    entry.status = "missing image"
    looked = f"{name or 'the image'} is not in {base}{geo.case_hint(base, name)}"
    entry.problems.append(f"{looked}, and the file has no imageData: pass the images' folder")
    return entry


def masks_from_labelme(
    labelme_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    images_dir: str | os.PathLike | None = None,
    ignore: Iterable[str] = (),
    classes: Mapping[str, int] | None = None,
    instances: bool = False,
    overwrite: bool = False,
    options: via.DrawOptions = LABELME_DRAWING,
) -> pd.DataFrame:
    """Write a mask PNG for every Labelme JSON file of a folder; return the quality report.

    Parameters
    ----------
    labelme_dir : path
        Folder of Labelme ``.json`` files (one per image; sub-folders are not read).
    out_dir : path
        Folder for the masks, ``<image stem>.png`` (created if needed), and
        ``classes.json``. It may not be a folder read from.
    images_dir : path, optional
        Folder of the images, each looked up by its file name (``imagePath``'s last
        part). Without it, ``imagePath`` is taken relative to the JSON file as Labelme
        does, but only inside ``labelme_dir``. An image found in neither place but
        embedded in its JSON (``imageData``) is written out as ``<stem>.png`` into
        ``images_dir``, or without it into ``labelme_dir`` beside the JSON files
        (never over a file: an existing ``<stem>.png`` is used instead); the report's
        ``image`` column says where.
    ignore : iterable of str
        Labels whose pixels are to be left out of training: drawn as 255 and declared
        as ``"ignore": 255`` in ``classes.json``. Labelme's ``__ignore__`` always is.
    classes : mapping of str to int, optional
        Class name to mask value (a ``classes.json``); default: the sorted labels of
        all files are 1..K, as :func:`helpers.via.class_indices` numbers them.
    instances : bool
        Write uint16 instance images instead: 0 background, then 1, 2, ... per object
        in file order, shapes of the same label and ``group_id`` making one object
        (as Labelme's own converter). Shapes with an ignored label are left out, and
        no ``classes.json`` is written.
    overwrite : bool
        Replace masks and ``classes.json`` that exist; without it nothing is written
        when any of them exists.
    options : DrawOptions
        Width of lines and radius of points (default: Labelme's 10 and 5 pixels).

    Returns
    -------
    DataFrame
        One row per JSON file: columns :data:`REPORT_COLUMNS`, ``image_from_json``
        (1 where the image was written out from ``imageData``, to the path in
        ``image``), then ``class:<name>``; ``status`` is ``ok``, ``missing image``,
        ``unreadable image``, ``size mismatch`` (``imageHeight``/``imageWidth``
        differ from the image's) or ``duplicate``; ``problems`` names shapes by
        their position in the file (from 0), type and label.

    Raises
    ------
    AnnotationNotFoundError
        The folder is missing, holds no ``.json`` file, or no image is found.
    AnnotationError
        A file is not valid JSON or not a Labelme file, an ``ignore`` label is in no
        file, or ``out_dir`` is a folder read from.
    FileExistsRefusedError
        A mask or ``classes.json`` exists and ``overwrite`` is false (nothing written).
    """
    folder = Path(labelme_dir)
    if not folder.is_dir():
        raise AnnotationNotFoundError(
            f"The Labelme folder {folder} does not exist: pass the folder of the .json files "
            "Labelme saved (--labelme DIR)."
        )
    files = sorted(p for p in folder.glob("*.json") if p.is_file())
    if not files:
        raise AnnotationNotFoundError(
            f"There is no .json file in {folder}: pass the folder where Labelme saved its "
            "annotations (one .json per image)."
        )
    images = Path(images_dir) if images_dir is not None else None
    entries = [_entry(path, _read_json(path), folder, images) for path in files]
    table, ignored = choose_classes(
        (shape.label for entry in entries for shape in entry.shapes),
        source=str(folder),
        ignore=ignore,
        always_ignore=(LABELME_IGNORE,),
        classes=classes,
    )
    return convert(
        entries,
        source=str(folder),
        out_dir=Path(out_dir),
        inputs=[folder] + ([images] if images is not None else []),
        classes=table,
        ignored=ignored,
        instances=instances,
        options=options,
        overwrite=overwrite,
        flags=(EMBEDDED,),
        images_hint="Pass the folder of the images (--images DIR), or save the JSON files "
        "with their images embedded (Labelme's 'Save With Image Data').",
    )
