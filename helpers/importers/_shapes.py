"""Every tool's shapes as VIA region geometry, and the images they belong to.

The importers read a tool's file into :class:`Entry` records (one per image), each
holding :class:`Shape` records (one per shape or annotation, in the tool's own terms).
A shape is drawn from VIA ``shape_attributes`` dicts, made by the constructors here,
so that :func:`helpers.via.rasterize_regions` draws every tool's shapes: one
rasteriser, one fill rule (a pixel belongs to a shape when its centre lies inside it or
on its outline), one way to clip at the image's edge, whatever tool drew the shape. A
mask made from a Labelme polygon and one made from the same polygon in VIA or CVAT are
then the same pixels, and a fix to the drawing fixes every importer.

Coordinates are VIA's: pixel ``(row, col)`` has its centre at ``x = col, y = row``.
Labelme, COCO and CVAT all put the image's left edge at ``x = 0``, so that pixel
centres lie at ``+0.5`` (Labelme's canvas is Qt's, whose pixel ``i`` spans ``[i, i + 1)``;
Labelme's own converter, ``pycocotools`` and Datumaro draw the same way, which the tests
measure): their readers subtract 0.5 from every coordinate.

Only a tool's ready-made masks (COCO RLE, CVAT and Labelme mask shapes) are not
outlines: they are pasted as they are (:attr:`Shape.raster`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

__all__ = [
    "Entry",
    "Shape",
    "ShapeProblem",
    "case_hint",
    "circle",
    "coordinates",
    "ellipse",
    "find_image",
    "inside",
    "mask_name",
    "paste",
    "point",
    "polygon",
    "polyline",
    "rect",
    "region_extent",
]


class ShapeProblem(Exception):
    """Internal: why a shape cannot be drawn; ``kind`` is its report column
    (``degenerate``, ``invalid``, ``unknown_shape`` or ``unlabelled``) and the message
    completes ``"shape 3 (polygon 'cat') ..."``."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Shape:
    """One shape (Labelme, CVAT) or annotation (COCO), ready to be drawn.

    Attributes
    ----------
    name : str
        How messages call it, in the tool's terms: ``"shape 3 (polygon 'cat')"``.
    label : str
        Its class name (``""`` when it has none).
    regions : list of dict
        VIA ``shape_attributes`` drawn together as this one shape (a COCO annotation
        of several polygons, a CVAT points shape of several points).
    raster : callable, optional
        ``raster((height, width)) -> bool array`` for ready-made masks, clipped.
    raster_size : (int, int), optional
        The only image shape the raster fits (a COCO RLE's ``size``).
    extent : (float, float, float, float), optional
        ``xmin, ymin, xmax, ymax`` of a raster, to tell whether it leaves the image.
    problem : (str, str), optional
        Report column and message when the shape cannot be drawn at all.
    notes : list of str
        Parts of the shape that were left out (a COCO polygon of 2 points).
    instance : hashable, optional
        Shapes with the same key make one object in an instance image (Labelme's
        ``group_id``); ``None``: an object of its own.
    order : float
        Drawing order (CVAT's ``z_order``): higher on top, ties in file order.
    flags : tuple of str
        Extra report columns this shape counts in (``"crowd"``, ``"occluded"``).
    """

    name: str
    label: str
    regions: list[dict] = field(default_factory=list)
    raster: Callable[[tuple[int, int]], np.ndarray] | None = None
    raster_size: tuple[int, int] | None = None
    extent: tuple[float, float, float, float] | None = None
    problem: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)
    instance: Hashable | None = None
    order: float = 0.0
    flags: tuple[str, ...] = ()


@dataclass
class Entry:
    """One image of an annotation file, and what planning found out about it.

    ``filename`` is the name as the file writes it (the report's first column);
    ``image`` the file found for it, or ``embedded`` the bytes of an image to write
    out to ``embedded_to`` (Labelme's ``imageData``); ``declared`` the ``(height,
    width)`` the file states, checked against the image's.
    """

    filename: str
    shapes: list[Shape]
    source: str = ""
    image: Path | None = None
    embedded: bytes | None = None
    embedded_to: Path | None = None
    declared: tuple[int, int] | None = None
    status: str = "ok"
    problems: list[str] = field(default_factory=list)
    shape: tuple[int, int] | None = None
    mask: str = ""


# --------------------------------------------------------------------------------------
# Numbers and VIA geometry
# --------------------------------------------------------------------------------------


def coordinates(values: Sequence, what: str = "coordinates") -> np.ndarray:
    """``values`` as finite floats; raises :class:`ShapeProblem` (``invalid``)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ShapeProblem("invalid", f"has {what} that are not numbers") from None
    if array.dtype == object or not np.isfinite(array).all():
        raise ShapeProblem("invalid", f"has {what} that are not finite numbers")
    if any(isinstance(v, bool) for v in np.asarray(values, dtype=object).ravel()):
        raise ShapeProblem("invalid", f"has {what} that are true/false, not numbers")
    return array


def _floats(values) -> list[float]:
    return [float(v) for v in values]


def polygon(x: Sequence[float], y: Sequence[float]) -> dict:
    """A filled polygon (even-odd rule where it crosses itself)."""
    return {"name": "polygon", "all_points_x": _floats(x), "all_points_y": _floats(y)}


def polyline(x: Sequence[float], y: Sequence[float]) -> dict:
    """An open line, drawn ``DrawOptions.line_width`` pixels wide."""
    return {"name": "polyline", "all_points_x": _floats(x), "all_points_y": _floats(y)}


def rect(x: float, y: float, width: float, height: float) -> dict:
    """An upright rectangle from its top-left corner and size."""
    return {"name": "rect", "x": float(x), "y": float(y), "width": float(width),
            "height": float(height)}  # fmt: skip


def circle(cx: float, cy: float, r: float) -> dict:
    """A filled disk."""
    return {"name": "circle", "cx": float(cx), "cy": float(cy), "r": float(r)}


def ellipse(cx: float, cy: float, rx: float, ry: float, theta: float = 0.0) -> dict:
    """A filled ellipse turned by ``theta`` radians (x axis towards y, clockwise on screen)."""
    return {"name": "ellipse", "cx": float(cx), "cy": float(cy), "rx": float(rx),
            "ry": float(ry), "theta": float(theta)}  # fmt: skip


def point(cx: float, cy: float) -> dict:
    """A point, drawn as a disk of radius ``DrawOptions.point_radius``."""
    return {"name": "point", "cx": float(cx), "cy": float(cy)}


def region_extent(region: dict) -> tuple[float, float, float, float]:
    """``xmin, ymin, xmax, ymax`` of a region made here (a point's extent is the point,
    a line's its vertices: widths do not count, as in :mod:`helpers.via`)."""
    name = region["name"]
    if name in ("polygon", "polyline"):
        x, y = region["all_points_x"], region["all_points_y"]
        return min(x), min(y), max(x), max(y)
    if name == "rect":
        x, y = region["x"], region["y"]
        return x, y, x + region["width"], y + region["height"]
    if name == "point":
        return region["cx"], region["cy"], region["cx"], region["cy"]
    rx, ry = (region["r"], region["r"]) if name == "circle" else (region["rx"], region["ry"])
    theta = region.get("theta", 0.0)
    c, s = math.cos(theta), math.sin(theta)
    ex, ey = math.hypot(rx * c, ry * s), math.hypot(rx * s, ry * c)
    return region["cx"] - ex, region["cy"] - ey, region["cx"] + ex, region["cy"] + ey


def paste(block: np.ndarray, left: int, top: int) -> Callable[[tuple[int, int]], np.ndarray]:
    """A raster that puts a bool ``block`` with its top-left pixel at ``(top, left)``,
    clipped to the image."""

    def draw(shape: tuple[int, int]) -> np.ndarray:
        height, width = shape
        out = np.zeros((height, width), dtype=bool)
        r0, c0 = max(top, 0), max(left, 0)
        r1, c1 = min(top + block.shape[0], height), min(left + block.shape[1], width)
        if r1 > r0 and c1 > c0:
            out[r0:r1, c0:c1] = block[r0 - top : r1 - top, c0 - left : c1 - left]
        return out

    return draw


# --------------------------------------------------------------------------------------
# Paths that stay inside the folders given
# --------------------------------------------------------------------------------------


_DRIVE = re.compile(r"^[A-Za-z]:")


def _normal(name: str) -> str:
    return str(name).strip().replace("\\", "/")  # tools on Windows write backslashes


def inside(folder: Path, name: str) -> Path | None:
    """``folder / name`` when the name stays inside ``folder``, else ``None``: absolute
    names (``/x``, ``C:/x``) and ``..`` that climbs out. The name alone decides, as in
    :mod:`helpers.via`: a link the user put in the folder is the user's to follow."""
    text = _normal(name)
    if not text or "\0" in text or text.startswith("/") or _DRIVE.match(text):
        return None
    kept: list[str] = []
    for part in text.split("/"):
        if part == "..":
            if not kept:
                return None
            kept.pop()
        elif part not in ("", "."):
            kept.append(part)
    return folder.joinpath(*kept) if kept else None


def find_image(folder: Path, name: str) -> tuple[Path | None, str]:
    """The image a tool names, looked up inside ``folder`` only.

    Tried in turn: ``folder/name`` (sub-folders kept), then ``folder/<file name>``.
    Returns the path, or ``None`` and a status: ``"unsafe filename"`` when ``name``
    points outside ``folder``, else ``"missing image"``.
    """
    exact = inside(folder, name)
    if exact is None:
        return None, "unsafe filename"
    for candidate in (exact, inside(folder, PurePosixPath(_normal(name)).name)):
        if candidate is not None and candidate.is_file():
            return candidate, ""
    return None, "missing image"


def case_hint(folder: Path, name: str) -> str:
    """`` (there is 'A.JPG', which differs in letter case: rename one)`` or ``""``."""
    lower = PurePosixPath(_normal(name)).name.lower()
    try:
        near = sorted(p.name for p in folder.iterdir() if p.name.lower() == lower)
    except OSError:
        near = []
    return f" (there is {near[0]!r}, which differs in letter case: rename one)" if near else ""


def mask_name(name: str) -> str:
    """``<image stem>.png``, always a bare file name inside the masks folder."""
    return f"{PurePosixPath(_normal(name)).stem}.png"
