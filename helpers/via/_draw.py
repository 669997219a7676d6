"""Rasterising VIA regions into masks, clipped to the image's real shape.

Conventions (the same as :func:`skimage.draw.polygon`)
-----------------------------------------------------
- Coordinates are pixel centres: pixel ``(row, col)`` sits at ``x = col``, ``y = row``.
- A shape covers every pixel whose centre lies inside it **or on its outline**.
- Clipping is geometric: the shape is intersected with the image, so a polygon that
  leaves the image keeps its true outline inside it (nothing piles up on the border).

Shapes
------
============  ===========================================================================
polygon       ``all_points_x``, ``all_points_y``; even-odd rule where it crosses itself
rect          ``x``, ``y``, ``width``, ``height``
circle        ``cx``, ``cy``, ``r``
ellipse       ``cx``, ``cy``, ``rx``, ``ry`` and ``theta`` (radians, turning the x axis
              towards the y axis of the image, as VIA draws it; absent means 0)
polyline      a line ``DrawOptions.line_width`` pixels wide (default 1) with round joins,
              or a filled polygon with ``DrawOptions(fill_polylines=True)`` (outlines
              drawn with the polyline tool)
point         ``cx``, ``cy``: a disk of radius ``DrawOptions.point_radius`` (default 3),
              or left out with ``DrawOptions(skip_points=True)``
============  ===========================================================================

Overlaps: a binary mask is the union of the regions. A class mask paints the regions in
file order, so where regions of different classes overlap the later one wins (what VIA
shows on top).

Rows of pixels are computed by :mod:`helpers.via._scanline` (exactly the pixels of
:func:`skimage.draw.polygon` for polygons; speed: see ``benchmarks/via_speed.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from helpers.errors import ConfigError, DataError

from ._records import ViaRegion
from ._scanline import ellipse_runs, merge_runs, paint_union, polygon_runs

KNOWN_SHAPES = ("polygon", "rect", "circle", "ellipse", "polyline", "point")
BACKGROUND = "background"


@dataclass(frozen=True)
class DrawOptions:
    """How the shapes without an area of their own are drawn (polylines and points).

    One value for every function that draws regions (:func:`rasterize_regions`,
    :func:`quality_report`, :func:`masks_from_via`); the defaults are what
    ``python -m helpers via2masks`` uses without options.

    Parameters
    ----------
    line_width : float
        Width of polylines, in pixels (more than 0).
    point_radius : float
        Radius of the disk drawn for a point, in pixels (0 or more).
    skip_points : bool
        Leave points out instead of drawing disks.
    fill_polylines : bool
        Fill polylines as polygons (outlines drawn with VIA's polyline tool).

    Raises
    ------
    ConfigError
        When ``line_width`` is not positive or ``point_radius`` is negative.

    Examples
    --------
    >>> DrawOptions(point_radius=0)
    DrawOptions(line_width=1.0, point_radius=0, skip_points=False, fill_polylines=False)
    """

    line_width: float = 1.0
    point_radius: float = 3.0
    skip_points: bool = False
    fill_polylines: bool = False

    def __post_init__(self) -> None:
        if not self.line_width > 0 or not self.point_radius >= 0:
            raise ConfigError(
                f"line_width must be positive and point_radius not negative, got "
                f"{self.line_width} and {self.point_radius}."
            )


DEFAULT_DRAWING = DrawOptions()


# --------------------------------------------------------------------------------------
# Classes
# --------------------------------------------------------------------------------------


def region_class(region: ViaRegion | dict, attribute: str) -> str:
    """The class name a region carries in ``region_attributes[attribute]``.

    Text, dropdown and radio values are strings (numbers are written out: ``320`` gives
    ``"320"``); a checkbox is a dict of ticked options, whose ticked names are joined
    with ``+`` in sorted order (``{"good": true, "frontal": true}`` gives
    ``"frontal+good"``). Missing, ``null`` or blank values give ``""``.
    """
    attributes = (
        region.attributes
        if isinstance(region, ViaRegion)
        else (region.get("region_attributes") or {})
    )
    value = attributes.get(attribute) if isinstance(attributes, dict) else None
    if value is None:
        return ""
    if isinstance(value, dict):
        return "+".join(sorted(str(k).strip() for k, v in value.items() if v))
    if isinstance(value, list):
        return "+".join(sorted(str(v).strip() for v in value if str(v).strip()))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def class_indices(names: Iterable[str]) -> dict[str, int]:
    """``{"background": 0, name: 1, ...}``: class names to mask values, names sorted.

    Empty names are left out. A class that is itself called ``"background"`` is the
    background (0).

    >>> class_indices(["cat", "dog", "", "cat"])
    {'background': 0, 'cat': 1, 'dog': 2}
    """
    others = sorted({n for n in names if n and n != BACKGROUND})
    return {BACKGROUND: 0, **{name: i for i, name in enumerate(others, start=1)}}


# --------------------------------------------------------------------------------------
# Geometry of one region
# --------------------------------------------------------------------------------------


class RegionProblem(Exception):
    """Internal: why a region cannot be drawn (``kind`` is a report column)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class RegionGeometry:
    """A region as filled polygons and ellipses (what :mod:`helpers.via._scanline` draws)."""

    polygons: list[tuple[np.ndarray, np.ndarray]]  # filled, (xs, ys)
    ellipses: list[tuple[float, float, float, float, float]]  # cx, cy, rx, ry, theta
    extent: tuple[float, float, float, float]  # of the annotation: xmin, ymin, xmax, ymax


def _number(geometry: dict, key: str) -> float:
    if key not in geometry:
        raise RegionProblem("invalid", f"has no '{key}'")
    value = geometry[key]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RegionProblem("invalid", f"has a '{key}' that is not a number ({value!r})") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise RegionProblem("invalid", f"has a '{key}' that is not a number ({value!r})")
    return number


def _points(geometry: dict) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = geometry.get("all_points_x"), geometry.get("all_points_y")
    if not isinstance(xs, list) or not isinstance(ys, list):
        raise RegionProblem("invalid", "has no 'all_points_x' / 'all_points_y' lists")
    if len(xs) != len(ys):
        raise RegionProblem("invalid", f"has {len(xs)} x but {len(ys)} y coordinates")
    try:
        x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    except (TypeError, ValueError):
        raise RegionProblem("invalid", "has coordinates that are not numbers") from None
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise RegionProblem("invalid", "has coordinates that are not finite numbers")
    return x, y


def _box(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def _segment_rectangles(x, y, half: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The band of half-width ``half`` around each non-empty segment, as a 4-gon."""
    bands = []
    for x0, y0, x1, y1 in zip(x[:-1], y[:-1], x[1:], y[1:], strict=True):
        length = math.hypot(x1 - x0, y1 - y0)
        if length == 0:
            continue
        nx, ny = -(y1 - y0) / length * half, (x1 - x0) / length * half
        bands.append(
            (
                np.array([x0 + nx, x1 + nx, x1 - nx, x0 - nx]),
                np.array([y0 + ny, y1 + ny, y1 - ny, y0 - ny]),
            )
        )
    return bands


def region_geometry(region: ViaRegion, options: DrawOptions = DEFAULT_DRAWING) -> RegionGeometry:
    """Filled polygons and ellipses that make up a region; raises :class:`RegionProblem`."""
    shape, g = region.shape, region.geometry
    if shape == "polygon" or (shape == "polyline" and options.fill_polylines):
        x, y = _points(g)
        twice_area = x[:-1] @ y[1:] - y[:-1] @ x[1:] + x[-1] * y[0] - y[-1] * x[0]
        if len(x) < 3 or twice_area == 0:
            raise RegionProblem("degenerate", f"has {len(x)} points and no area")
        return RegionGeometry([(x, y)], [], _box(x, y))
    if shape == "rect":
        x0, y0, w, h = (_number(g, k) for k in ("x", "y", "width", "height"))
        if w <= 0 or h <= 0:
            raise RegionProblem("degenerate", f"is {w:g} x {h:g} pixels")
        x, y = np.array([x0, x0 + w, x0 + w, x0]), np.array([y0, y0, y0 + h, y0 + h])
        return RegionGeometry([(x, y)], [], _box(x, y))
    if shape in ("circle", "ellipse", "point"):
        cx, cy = _number(g, "cx"), _number(g, "cy")
        if shape == "circle":
            rx = ry = _number(g, "r")
            theta = 0.0
        elif shape == "ellipse":
            rx, ry = _number(g, "rx"), _number(g, "ry")
            theta = _number(g, "theta") if "theta" in g else 0.0
        else:  # a point: radius 0 still covers the pixel it sits on
            rx = ry = max(float(options.point_radius), 1e-6)
            theta = 0.0
        if rx <= 0 or ry <= 0:
            raise RegionProblem("degenerate", f"has radius {min(rx, ry):g}")
        c, s = math.cos(theta), math.sin(theta)
        ex, ey = math.hypot(rx * c, ry * s), math.hypot(rx * s, ry * c)
        extent = (cx, cy, cx, cy) if shape == "point" else (cx - ex, cy - ey, cx + ex, cy + ey)
        return RegionGeometry([], [(cx, cy, rx, ry, theta)], extent)
    if shape == "polyline":
        x, y = _points(g)
        if len(x) < 2:
            raise RegionProblem("degenerate", f"has {len(x)} point(s)")
        half = float(options.line_width) / 2
        disks = [(float(a), float(b), half, half, 0.0) for a, b in zip(x, y, strict=True)]
        return RegionGeometry(_segment_rectangles(x, y, half), disks, _box(x, y))
    if not shape:
        raise RegionProblem("invalid", "has no shape name ('shape_attributes.name')")
    raise RegionProblem("unknown shape", f"has the unknown shape {shape!r}")


@dataclass
class RegionInfo:
    """What became of one region when it was drawn (one row of the quality report)."""

    index: int
    shape: str
    status: str  # drawn, degenerate, invalid, unknown shape, point skipped, unlabelled, no pixels
    outside: str = ""  # "", "partly" or "wholly"
    label: str = ""
    pixels: int = 0
    message: str = ""


def _as_regions(regions: Iterable[ViaRegion | dict | None]) -> list[ViaRegion]:
    out = []
    for i, region in enumerate(regions):
        if region is None:
            continue
        out.append(region if isinstance(region, ViaRegion) else ViaRegion.from_dict(region, i))
    return out


def check_regions(
    regions: Iterable[ViaRegion | dict | None],
    *,
    attribute: str | None = None,
    classes: Mapping[str, int] | None = None,
    options: DrawOptions = DEFAULT_DRAWING,
) -> tuple[list[RegionInfo], list[RegionGeometry | None], list[int]]:
    """What each region is, without an image: status, class, geometry and mask value.

    The image-free half of :func:`draw_regions` (the quality report uses it alone when
    an image is missing). Geometry is ``None`` for regions that will not be drawn.

    """
    regions = _as_regions(regions)
    if attribute is not None and classes is None:
        classes = class_indices(region_class(r, attribute) for r in regions)
    infos, geometries, values = [], [], []
    for region in regions:
        info = RegionInfo(region.index, region.shape, "drawn")
        infos.append(info)
        geometries.append(None)
        values.append(1)
        if attribute is not None:
            info.label = region_class(region, attribute)
            if info.label not in classes:
                info.status = "unlabelled"
                info.message = (
                    f"has an empty '{attribute}'"
                    if not info.label
                    else f"has the class {info.label!r}, which is not in the class list"
                )
                continue
            values[-1] = classes[info.label]
        if region.shape == "point" and options.skip_points:
            info.status = "point skipped"
            continue
        try:
            geometries[-1] = region_geometry(region, options)
        except RegionProblem as problem:
            info.status, info.message = problem.kind, str(problem)
    return infos, geometries, values


def draw_regions(
    regions: Iterable[ViaRegion | dict | None],
    shape: tuple[int, int],
    *,
    attribute: str | None = None,
    classes: Mapping[str, int] | None = None,
    options: DrawOptions = DEFAULT_DRAWING,
) -> tuple[np.ndarray, list[RegionInfo]]:
    """:func:`rasterize_regions`, and what became of each region (for the report).

    Raises
    ------
    DataError
        For an image shape without positive height and width.
    """
    height, width = int(shape[0]), int(shape[1])
    if height <= 0 or width <= 0:
        raise DataError(f"An image shape needs positive height and width, got {shape}.")
    regions = _as_regions(regions)
    if attribute is not None and classes is None:
        classes = class_indices(region_class(r, attribute) for r in regions)
    infos, geometries, values = check_regions(
        regions, attribute=attribute, classes=classes, options=options
    )
    polygons, poly_owner, ellipses, ell_owner = [], [], [], []
    for k, (info, geometry) in enumerate(zip(infos, geometries, strict=True)):
        if geometry is None:
            continue
        xmin, ymin, xmax, ymax = geometry.extent
        if xmax < 0 or ymax < 0 or xmin > width or ymin > height:
            info.outside = "wholly"
        elif xmin < 0 or ymin < 0 or xmax > width or ymax > height:
            info.outside = "partly"
        polygons += geometry.polygons
        poly_owner += [k] * len(geometry.polygons)
        ellipses += geometry.ellipses
        ell_owner += [k] * len(geometry.ellipses)

    runs = [
        polygon_runs(polygons, poly_owner, width, height),
        ellipse_runs(ellipses, ell_owner, width, height),
    ]
    owner, row, c0, c1 = (np.concatenate(parts) for parts in zip(*runs, strict=True))
    owner, row, c0, c1 = merge_runs(owner, row, c0, c1, width)
    pixels = np.bincount(owner, weights=c1 - c0, minlength=len(infos)).astype(np.int64)
    for k, info in enumerate(infos):
        info.pixels = int(pixels[k])
        if info.status == "drawn" and info.pixels == 0:
            info.status = "no pixels"
            info.message = (
                "lies wholly outside the image"
                if info.outside
                else "covers no pixel centre (too small)"
            )
            info.outside = info.outside and "wholly"

    if attribute is None:
        owner = np.zeros_like(owner)  # one owner: merge the union's runs once more
        _, row, c0, c1 = merge_runs(owner, row, c0, c1, width)
        return paint_union(row, c0, c1, height, width), infos
    top = max(classes.values(), default=0)
    mask = np.zeros((height, width), dtype=np.uint8 if top <= 255 else np.uint16)
    for o, r, a, b in zip(owner.tolist(), row.tolist(), c0.tolist(), c1.tolist(), strict=True):
        mask[r, a:b] = values[o]  # runs are sorted by owner: later regions paint last
    return mask, infos


def rasterize_regions(
    regions: Iterable[ViaRegion | dict | None],
    shape: tuple[int, int],
    *,
    attribute: str | None = None,
    classes: Mapping[str, int] | None = None,
    options: DrawOptions = DEFAULT_DRAWING,
) -> np.ndarray:
    """Draw VIA regions into a mask of the image's shape.

    Parameters
    ----------
    regions : iterable of ViaRegion or VIA region dicts
        ``{"shape_attributes": {...}, "region_attributes": {...}}`` as in the JSON, or
        :class:`~helpers.via.ViaRegion` from :func:`~helpers.via.load_via`;
        ``None`` entries are skipped.
    shape : (int, int)
        ``(height, width)`` of the image as displayed (after EXIF orientation).
    attribute : str, optional
        Region attribute that holds the class name. Without it the mask is binary.
    classes : mapping of str to int, optional
        Class name to mask value (see :func:`class_indices`, which is the default,
        built from these regions). Regions whose class is empty or not listed are
        left out.
    options : DrawOptions
        How polylines and points are drawn (line width, point radius, points left out,
        polylines filled); the default draws 1-pixel lines and points of radius 3.

    Returns
    -------
    ndarray, shape (H, W)
        bool (the union of the regions) without ``attribute``; otherwise class indices,
        uint8 (uint16 past 255 classes), 0 for background, later regions on top.

    Regions that cannot be drawn (unknown shape, fewer than 3 polygon points, zero
    size) are left out; :func:`~helpers.via.quality_report` lists them.

    Examples
    --------
    >>> square = {"shape_attributes": {"name": "rect", "x": 1, "y": 1, "width": 2, "height": 2}}
    >>> rasterize_regions([square], (4, 5)).astype(int)
    array([[0, 0, 0, 0, 0],
           [0, 1, 1, 1, 0],
           [0, 1, 1, 1, 0],
           [0, 1, 1, 1, 0]])
    """
    mask, _ = draw_regions(regions, shape, attribute=attribute, classes=classes, options=options)
    return mask
