"""CVAT for images 1.1 XML to class masks.

CVAT's 'Export task dataset > CVAT for images 1.1' writes ``annotations.xml``:
``<annotations>``, a ``<meta>`` block listing the labels, then one ``<image name= width=
height=>`` per image holding its shapes (the image's top-left corner at ``0, 0``, so
pixel centres at ``+0.5``):

==============  ======================================================================
``polygon``     ``points="x0,y0;x1,y1;..."``, 3 points or more, filled
``box``         ``xtl ytl xbr ybr``, turned by ``rotation`` degrees about its centre
``polyline``    2 points or more, a line ``DrawOptions.line_width`` pixels wide
``points``      one disk of radius ``DrawOptions.point_radius`` per point
``ellipse``     ``cx cy rx ry``, turned by ``rotation`` degrees
``mask``        ``rle="c0, c1, ..."`` run lengths over the ``width`` x ``height`` block
                at ``left, top``, row by row, starting with a run of 0s
==============  ======================================================================

Every shape has a ``label``, ``occluded`` (``1``: the object is partly hidden in the
scene; CVAT keeps its whole outline, and so does its mask here: counted in the report's
``occluded`` column) and ``z_order``: shapes are drawn by increasing ``z_order``, ties
in file order, so that a higher one is on top, as CVAT shows them. ``tag`` elements
label a whole image and draw nothing.
"""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import via
from helpers.errors import AnnotationError, AnnotationNotFoundError

from . import _shapes as geo
from ._convert import choose_classes, convert
from ._shapes import Entry, Shape, ShapeProblem

__all__ = ["masks_from_cvat"]

_DRAWING = via.DrawOptions()  # via2masks' lines and points (1 pixel wide, radius 3)
_DRAWN = ("polygon", "box", "polyline", "points", "ellipse", "mask")
_NOT_SHAPES = ("tag", "attribute")


def _load(path: Path) -> ElementTree.Element:
    if not path.is_file():
        raise AnnotationNotFoundError(
            f"The CVAT file {path} does not exist: pass the annotations.xml of a "
            "'CVAT for images 1.1' export (--cvat FILE)."
        )
    try:
        root = ElementTree.parse(path).getroot()  # expat refuses entity expansion bombs
    except ElementTree.ParseError as error:
        if path.read_bytes().lstrip()[:1] in (b"{", b"["):
            raise AnnotationError(
                f"{path} is JSON, not CVAT's XML: for a COCO file use coco2masks, for Labelme "
                "files labelme2masks; otherwise export the task as 'CVAT for images 1.1'."
            ) from None
        raise AnnotationError(
            f"{path} is not valid XML ({error}). Export the task from CVAT again as "
            "'CVAT for images 1.1'."
        ) from None
    if root.tag != "annotations":
        raise AnnotationError(
            f"{path} is XML with a <{root.tag}> root, not CVAT's <annotations>: export the "
            "task from CVAT as 'CVAT for images 1.1' and pass its annotations.xml."
        )
    if root.find("track") is not None:
        raise AnnotationError(
            f"{path} is a 'CVAT for video' export (it has <track> elements): export the task "
            "again as 'CVAT for images 1.1'."
        )
    return root


def _number(element: ElementTree.Element, key: str, default: float | None = None) -> float:
    value = element.get(key)
    if value is None and default is not None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ShapeProblem("invalid", f"has {key}={value!r}, not a number") from None
    if not math.isfinite(number):
        raise ShapeProblem("invalid", f"has {key}={value!r}, not a finite number")
    return number


def _points(element: ElementTree.Element) -> tuple[np.ndarray, np.ndarray]:
    text = element.get("points") or ""
    try:
        pairs = [tuple(float(v) for v in pair.split(",")) for pair in text.split(";") if pair]
    except ValueError:
        raise ShapeProblem("invalid", "has 'points' that are not 'x,y;x,y;...' numbers") from None
    if any(len(pair) != 2 for pair in pairs):
        raise ShapeProblem("invalid", "has 'points' that are not 'x,y;x,y;...' pairs")
    xy = geo.coordinates(pairs, "points").reshape(-1, 2)
    return xy[:, 0] - 0.5, xy[:, 1] - 0.5  # pixel centres at whole numbers, as VIA


def _box(element: ElementTree.Element) -> dict:
    xtl, ytl, xbr, ybr = (_number(element, k) for k in ("xtl", "ytl", "xbr", "ybr"))
    width, height = xbr - xtl, ybr - ytl
    if width <= 0 or height <= 0:
        raise ShapeProblem("degenerate", f"is {width:g} x {height:g} pixels")
    angle = math.radians(_number(element, "rotation", 0.0))
    if angle % (2 * math.pi) == 0:
        return geo.rect(xtl - 0.5, ytl - 0.5, width, height)
    cx, cy = (xtl + xbr) / 2 - 0.5, (ytl + ybr) / 2 - 0.5
    dx = np.array([-width, width, width, -width]) / 2
    dy = np.array([-height, -height, height, height]) / 2
    c, s = math.cos(angle), math.sin(angle)  # clockwise on screen, as CVAT turns boxes
    return geo.polygon(cx + dx * c - dy * s, cy + dx * s + dy * c)


def _mask(element: ElementTree.Element) -> tuple:
    left, top, width, height = (
        int(_number(element, k)) for k in ("left", "top", "width", "height")
    )
    try:
        counts = np.array([int(v) for v in (element.get("rle") or "").split(",")], dtype=np.int64)
    except ValueError:
        raise ShapeProblem("invalid", "has an 'rle' that is not comma-separated counts") from None
    if width <= 0 or height <= 0 or (counts < 0).any() or counts.sum() != width * height:
        raise ShapeProblem(
            "invalid", f"has an 'rle' that does not cover its {width} x {height} block"
        )
    block = np.repeat((np.arange(len(counts)) % 2).astype(bool), counts).reshape(height, width)
    return geo.paste(block, left, top), (left, top, left + width - 1, top + height - 1)


def _shape(element: ElementTree.Element, number: int) -> Shape:
    kind = element.tag
    label = (element.get("label") or "").strip()
    shape = Shape(f"shape {number} ({kind} {label!r})", label)
    if element.get("occluded") == "1":
        shape.flags = ("occluded",)
    try:
        shape.order = _number(element, "z_order", 0.0)
        if kind == "polygon":
            x, y = _points(element)
            if len(x) < 3:
                raise ShapeProblem("degenerate", f"has {len(x)} point(s), not 3 or more")
            shape.regions = [geo.polygon(x, y)]
        elif kind == "polyline":
            x, y = _points(element)
            if len(x) < 2:
                raise ShapeProblem("degenerate", f"has {len(x)} point(s), not 2 or more")
            shape.regions = [geo.polyline(x, y)]
        elif kind == "points":
            x, y = _points(element)
            if not len(x):
                raise ShapeProblem("degenerate", "has no point")
            shape.regions = [geo.point(a, b) for a, b in zip(x, y, strict=True)]
        elif kind == "box":
            shape.regions = [_box(element)]
        elif kind == "ellipse":
            cx, cy, rx, ry = (_number(element, k) for k in ("cx", "cy", "rx", "ry"))
            if rx <= 0 or ry <= 0:
                raise ShapeProblem("degenerate", f"has radius {min(rx, ry):g}")
            theta = math.radians(_number(element, "rotation", 0.0))
            shape.regions = [geo.ellipse(cx - 0.5, cy - 0.5, rx, ry, theta)]
        elif kind == "mask":
            shape.raster, shape.extent = _mask(element)
        else:
            raise ShapeProblem(
                "unknown_shape",
                f"is a CVAT {kind}, which is not drawn (the course draws "
                f"{', '.join(_DRAWN)}): draw it again as a polygon",
            )
    except ShapeProblem as problem:
        shape.problem = (problem.kind, str(problem))
    return shape


def _declared(element: ElementTree.Element) -> tuple[int, int] | None:
    try:
        height, width = int(element.get("height", "")), int(element.get("width", ""))
    except ValueError:
        return None
    return (height, width) if height > 0 and width > 0 else None


def _entries(root: ElementTree.Element, path: Path, images_dir: Path) -> list[Entry]:
    entries = []
    for k, image in enumerate(root.iter("image")):
        name = (image.get("name") or "").strip()
        if not name:
            raise AnnotationError(
                f"{path}: <image> {image.get('id', k)} has no name. Export the task again."
            )
        children = [child for child in image if child.tag not in _NOT_SHAPES]
        shapes = [_shape(child, number) for number, child in enumerate(children)]
        entry = Entry(name, shapes, source=path.name, declared=_declared(image))
        entry.image, status = geo.find_image(images_dir, name)
        entry.status = status or "ok"
        if status == "unsafe filename":
            entry.problems.append(
                "the name points outside the images folder (absolute, or with '..'): "
                "nothing is read or written for it; give the image a plain file name"
            )
        elif status == "missing image":
            entry.problems.append(f"no such file in {images_dir}{geo.case_hint(images_dir, name)}")
        entries.append(entry)
    if not entries:
        raise AnnotationError(
            f"{path} lists no <image>: export the task with its annotations as 'CVAT for "
            "images 1.1'."
        )
    return entries


def masks_from_cvat(
    cvat_file: str | os.PathLike,
    images_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    ignore: Iterable[str] = (),
    classes: Mapping[str, int] | None = None,
    overwrite: bool = False,
    options: via.DrawOptions = _DRAWING,
) -> pd.DataFrame:
    """Write a mask PNG for every image of a CVAT for images 1.1 file; return the report.

    Parameters
    ----------
    cvat_file : path
        The ``annotations.xml`` of a 'CVAT for images 1.1' export.
    images_dir : path
        Folder of the images: ``name`` is looked up in it (sub-folders kept), then
        by its last part; never outside it.
    out_dir : path
        Folder for the masks, ``<image stem>.png`` (created if needed), and
        ``classes.json``; not the images folder.
    ignore : iterable of str
        Labels whose pixels are to be left out of training: drawn as 255 and declared
        as ``"ignore": 255`` in ``classes.json``.
    classes : mapping of str to int, optional
        Label to mask value; default: every label of the file's ``<meta>`` (and any
        other used), sorted, is 1..K (:func:`helpers.via.class_indices`).
    overwrite : bool
        Replace masks and ``classes.json`` that exist; without it nothing is written
        when any of them exists.
    options : DrawOptions
        Width of polylines and radius of points (default 1 and 3 pixels, as
        ``via2masks``).

    Returns
    -------
    DataFrame
        One row per image: :data:`REPORT_COLUMNS`, then ``occluded`` and
        ``class:<name>``; ``problems`` names shapes by their position in their
        ``<image>`` (from 0), kind and label.

    Raises
    ------
    AnnotationNotFoundError
        The file or the images folder is missing, or none of the images is in it.
    AnnotationError
        The file is not valid XML, not CVAT for images 1.1 (CVAT for video, another
        XML), lists no image, an ``ignore`` label is not in it, or ``out_dir`` is the
        images folder.
    FileExistsRefusedError
        A mask or ``classes.json`` exists and ``overwrite`` is false (nothing written).
    """
    path, images = Path(cvat_file), Path(images_dir)
    root = _load(path)
    if not images.is_dir():
        raise AnnotationNotFoundError(
            f"The images folder {images} does not exist. Pass the folder that holds the "
            f"images of {path} (--images DIR)."
        )
    entries = _entries(root, path, images)
    meta = root.find("meta")
    declared = [] if meta is None else [(e.findtext("name") or "") for e in meta.iter("label")]
    used = [shape.label for entry in entries for shape in entry.shapes]
    table, ignored = choose_classes(
        [name.strip() for name in declared] + used,
        source=str(path),
        ignore=ignore,
        classes=classes,
    )
    return convert(
        entries,
        source=str(path),
        out_dir=Path(out_dir),
        inputs=[images],
        classes=table,
        ignored=ignored,
        instances=False,
        options=options,
        overwrite=overwrite,
        flags=("occluded",),
        images_hint=f"Pass the folder that holds them (--images DIR); it was {images}.",
    )
