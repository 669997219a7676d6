"""From read entries to mask PNGs: classes, the plan, the drawing, the report, the writing.

Every importer ends here, with VIA's guarantees (:func:`helpers.via.masks_from_via`):
everything is planned first (images found, their shapes read from their headers,
classes fixed, outputs checked), and only then is anything written, atomically
(:mod:`helpers.files`); nothing already on disk is replaced without ``overwrite``.

The drawing is :func:`helpers.via.rasterize_regions`, called once per image with every
shape numbered in drawing order: the result tells for each pixel which shape is on top,
so one call gives the class mask, the instance image and how many pixels each shape
kept, and the shapes are drawn by the same rule whatever tool made them.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import via
from helpers.classes import CLASSES_FILE, IGNORE_KEY
from helpers.errors import AnnotationError, AnnotationNotFoundError, FileExistsRefusedError
from helpers.files import write_bytes, write_png, write_text

from ._shapes import Entry, Shape, mask_name, region_extent

__all__ = [
    "CLASSES_FILE",
    "EMBEDDED",
    "IGNORE_KEY",
    "IGNORE_VALUE",
    "REPORT_COLUMNS",
    "choose_classes",
    "convert",
]

IGNORE_VALUE = 255
_MAX_SHAPES = 65535  # shapes per image: their numbers must fit a uint16 image

#: Report column of Labelme's: 1 where the image was written out from its imageData.
EMBEDDED = "image_from_json"

#: Columns of the importers' quality report, in order: :data:`helpers.via.REPORT_COLUMNS`'
#: names where they mean the same (``regions`` counts an image's shapes, or COCO
#: annotations), so that :func:`helpers.via.summarize` reads these reports too, and
#: ``image`` (the image file read, or written out). The tool's own counts follow
#: (``crowd`` for COCO, ``occluded`` for CVAT, ``image_from_json`` for Labelme), then
#: one ``class:<name>`` per class.
_COUNTS = (
    "drawn",
    "partly_outside",
    "wholly_outside",
    "degenerate",
    "invalid",
    "unknown_shape",
    "unlabelled",
)
REPORT_COLUMNS = ("filename", "image", "mask", "status", "height", "width", "regions",
                  *_COUNTS, "problems")  # fmt: skip


# --------------------------------------------------------------------------------------
# Classes
# --------------------------------------------------------------------------------------


def _given_classes(classes: Mapping, source: str) -> dict[str, int]:
    if not isinstance(classes, Mapping) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 65535
        for k, v in classes.items()
    ):
        raise AnnotationError(
            f"classes for {source} should map class names to mask values from 0 to 65535, "
            'like {"background": 0, "lesion": 1} (a classes.json the course wrote).'
        )
    return {k: v for k, v in classes.items() if k != IGNORE_KEY}


def choose_classes(
    labels: Iterable[str],
    *,
    source: str,
    ignore: Iterable[str] = (),
    always_ignore: Iterable[str] = (),
    classes: Mapping[str, int] | None = None,
) -> tuple[dict[str, int], frozenset[str]]:
    """Class indices for the labels of a file, and the labels drawn as the ignore value.

    ``labels`` are every label the file declares or uses. Sorted names become 1..K as
    :func:`helpers.via.class_indices` gives them (0 background), unless ``classes`` is
    given. ``ignore`` names labels that become :data:`IGNORE_VALUE`; each must be in
    the file (a typo would silently leave them as a class). ``always_ignore`` are the
    tool's own ignore labels (Labelme's ``__ignore__``), taken when present.

    Raises
    ------
    AnnotationError
        An ``ignore`` label the file does not have, a class called ``ignore``, more
        classes than leave 255 free, or ``classes`` that are not names to mask values.
    """
    labels = {str(label) for label in labels}
    wanted = {str(name) for name in ignore}
    unknown = sorted(wanted - labels)
    if unknown:
        found = ", ".join(repr(n) for n in sorted(labels) if n) or "none"
        raise AnnotationError(
            f"{source} has no label {unknown[0]!r} to ignore. Its labels: {found}. "
            "Give --ignore one of them (the name as the tool shows it)."
        )
    ignored = frozenset((wanted | set(always_ignore)) & labels)
    names = sorted(label for label in labels - ignored if label)
    table = _given_classes(classes, source) if classes is not None else via.class_indices(names)
    if IGNORE_KEY in names and classes is None:
        raise AnnotationError(
            f"{source} has a class called {IGNORE_KEY!r}, which classes.json keeps for "
            f"the ignore value: pass --ignore {IGNORE_KEY} if it marks pixels to leave out, "
            "or rename the class in the tool."
        )
    if ignored and max(table.values(), default=0) >= IGNORE_VALUE:
        raise AnnotationError(
            f"{source} has {len(table) - 1} classes and labels to ignore, but the ignore value "
            f"is {IGNORE_VALUE}: at most {IGNORE_VALUE - 1} classes can go with it. Leave out "
            "--ignore, or merge classes."
        )
    return table, ignored


# --------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------


def _embedded_shape(data: bytes) -> tuple[int, int]:
    """``(height, width)`` of an image given as bytes, EXIF orientation applied."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        try:
            orientation = int(image.getexif().get(0x0112, 1))
        except (ValueError, TypeError, OSError):
            orientation = 1
    return (width, height) if orientation in (5, 6, 7, 8) else (height, width)


def _plan(entries: list[Entry]) -> None:
    """Fill in each entry's image shape and mask name (image headers only), in place."""
    masks: dict[str, str] = {}
    for entry in entries:
        if entry.status != "ok":
            continue
        try:
            if entry.image is not None:
                entry.shape = via.image_shape(entry.image)
            elif entry.embedded is not None:
                entry.shape = _embedded_shape(entry.embedded)
        except OSError as error:
            entry.status = "unreadable image"
            where = entry.image if entry.image is not None else "its imageData"
            entry.problems.append(f"{where} cannot be read as an image ({error})")
            continue
        if entry.shape is None:
            continue
        if entry.declared is not None and tuple(entry.declared) != entry.shape:
            (dh, dw), (h, w) = entry.declared, entry.shape
            entry.status = "size mismatch"
            entry.problems.append(
                f"the annotations were made on an image of {dw}x{dh} pixels but the image "
                f"found is {w}x{h} (EXIF orientation applied): use the images the "
                "annotations were made on"
            )
            continue
        name = mask_name((entry.image or entry.embedded_to or Path(entry.filename)).name)
        if name in masks:
            entry.status = "duplicate"
            entry.problems.append(
                f"its mask {name} would be the mask of {masks[name]!r} too (same stem): "
                "only the first is converted; rename one image"
            )
            continue
        masks[name] = entry.filename
        entry.mask = name
        for shape in entry.shapes:
            if shape.problem is None and shape.raster_size not in (None, entry.shape):
                h, w = shape.raster_size
                shape.problem = (
                    "invalid",
                    f"is a mask of {w}x{h} pixels but its image is {entry.shape[1]}x"
                    f"{entry.shape[0]}: export the annotations again",
                )


# --------------------------------------------------------------------------------------
# Drawing one image
# --------------------------------------------------------------------------------------


def _outside(extent, shape: tuple[int, int]) -> str:
    """``""``, ``"partly"`` or ``"wholly"``: the image spans -0.5..W-0.5 between pixel edges."""
    if extent is None:
        return ""
    xmin, ymin, xmax, ymax = extent
    height, width = shape
    if xmax < -0.5 or ymax < -0.5 or xmin > width - 0.5 or ymin > height - 0.5:
        return "wholly"
    if xmin < -0.5 or ymin < -0.5 or xmax > width - 0.5 or ymax > height - 0.5:
        return "partly"
    return ""


def _extent(shape: Shape):
    if shape.extent is not None or not shape.regions:
        return shape.extent
    boxes = np.array([region_extent(r) for r in shape.regions])
    return (*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0))


def _alone(shape: Shape, size: tuple[int, int], options: via.DrawOptions) -> bool:
    """Whether the shape covers any pixel when drawn by itself."""
    regions = [{"shape_attributes": r} for r in shape.regions]
    if regions and via.rasterize_regions(regions, size, options=options).any():
        return True
    return shape.raster is not None and bool(shape.raster(size).any())


def _draw(entry: Entry, values: list[int | None], options: via.DrawOptions):
    """The mask of one image (``values`` per shape, ``None``: not drawn), and per shape
    the pixels it kept on top."""
    shapes, size = entry.shapes, entry.shape
    if len(shapes) > _MAX_SHAPES:
        raise AnnotationError(
            f"{entry.source or entry.filename} has {len(shapes)} shapes on one image; at most "
            f"{_MAX_SHAPES} can be told apart. Split the annotations."
        )
    order = sorted(range(len(shapes)), key=lambda i: shapes[i].order)  # stable: file order
    regions = [
        {"shape_attributes": region, "region_attributes": {"n": str(n)}}
        for n, i in enumerate(order, start=1)
        if values[i] is not None
        for region in shapes[i].regions
    ]
    numbers = {str(n): n for n in range(1, len(shapes) + 1)}
    # One call draws every shape, numbered in drawing order: later numbers paint over
    # earlier ones, so each pixel holds the number of the shape on top.
    top = via.rasterize_regions(
        regions, size, attribute="n", classes=numbers, options=options
    ).astype(np.int32)
    for n, i in enumerate(order, start=1):
        if values[i] is not None and shapes[i].raster is not None:
            top[shapes[i].raster(size) & (top < n)] = n
    lut = np.zeros(len(shapes) + 1, dtype=np.int64)
    for n, i in enumerate(order, start=1):
        lut[n] = values[i] or 0
    kept = np.bincount(top.ravel(), minlength=len(shapes) + 1)
    return lut[top], {i: int(kept[n]) for n, i in enumerate(order, start=1)}


def _instance_values(shapes: list[Shape], drawn: list[bool]) -> list[int | None]:
    """Object numbers 1..N in file order; shapes with one ``instance`` key share one."""
    numbers: dict = {}
    values: list[int | None] = []
    for k, (shape, keep) in enumerate(zip(shapes, drawn, strict=True)):
        if not keep:
            values.append(None)
            continue
        key = ("own", k) if shape.instance is None else ("group", shape.label, shape.instance)
        values.append(numbers.setdefault(key, len(numbers) + 1))
    return values


def _row(entry: Entry, flags: tuple[str, ...]) -> dict:
    row = {
        "filename": entry.filename,
        "image": str(entry.image or (entry.embedded_to if entry.mask else "") or ""),
        "mask": entry.mask,
        "status": entry.status,
        "height": entry.shape[0] if entry.shape else np.nan,
        "width": entry.shape[1] if entry.shape else np.nan,
        "regions": len(entry.shapes),
    }
    counts = Counter(flag for shape in entry.shapes for flag in shape.flags)
    counts[EMBEDDED] = int(entry.embedded is not None and bool(entry.mask))
    row.update({flag: counts[flag] for flag in flags})
    return row


def _convert_entry(entry, *, classes, ignored, instances, options, flags):
    """The report row of one planned entry, and its mask (``None`` when it gets none)."""
    row = _row(entry, flags)
    problems = list(entry.problems)
    tally: Counter = Counter()
    drawn_labels: Counter = Counter()

    def value(shape: Shape) -> int | None:
        if shape.problem is not None:
            return None
        if shape.label in ignored:
            return None if instances else IGNORE_VALUE
        return classes.get(shape.label)

    values = [value(shape) for shape in entry.shapes]
    mask, kept = None, {}
    if entry.status == "ok" and entry.shape is not None:
        if instances:
            values = _instance_values(entry.shapes, [v is not None for v in values])
        mask, kept = _draw(entry, values, options)
    for i, shape in enumerate(entry.shapes):
        if shape.problem is not None:
            tally[shape.problem[0]] += 1
            problems.append(f"{shape.name} {shape.problem[1]}; it is left out")
            continue
        problems += [f"{shape.name} {note}" for note in shape.notes]
        if values[i] is None and shape.label not in ignored:
            tally["unlabelled"] += 1
            why = "has no label" if not shape.label else "has a label not in the class list"
            problems.append(f"{shape.name} {why}; it is left out")
            continue
        if mask is None or values[i] is None:
            continue
        outside = _outside(_extent(shape), entry.shape)
        covers = kept[i] > 0 or _alone(shape, entry.shape, options)
        if not covers:
            column = "wholly_outside" if outside else "degenerate"
            tally[column] += 1
            why = "lies wholly outside the image" if outside else "covers no pixel (too small)"
            problems.append(f"{shape.name} {why}; it is left out")
            continue
        tally["drawn"] += 1
        drawn_labels[shape.label] += 1
        if outside:
            tally["partly_outside"] += 1
            problems.append(f"{shape.name} is partly outside the image (drawn clipped at its edge)")
        if kept[i] == 0:
            problems.append(f"{shape.name} is hidden under shapes drawn after it")
    if entry.status == "ok" and not entry.shapes:
        problems.append(via.NO_REGIONS)
    row.update({column: tally[column] for column in _COUNTS})
    row["problems"] = "; ".join(problems)
    row.update({f"class:{label}": count for label, count in drawn_labels.items()})
    if mask is not None:
        top = int(mask.max(initial=0))
        mask = mask.astype(np.uint16 if instances or top > 255 else np.uint8)
    return row, mask


def _frame(rows: list[dict], flags: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    class_columns = sorted(c for c in frame.columns if c.startswith("class:"))
    frame[class_columns] = frame[class_columns].fillna(0).astype(int)
    frame[["height", "width"]] = frame[["height", "width"]].astype("Int64")  # <NA>: unknown
    columns = list(REPORT_COLUMNS[:-1]) + list(flags) + ["problems"] + class_columns
    return frame[columns]


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def _embedded_png(data: bytes) -> bytes:
    """An embedded image, turned upright by its EXIF orientation, as PNG bytes."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        if upright.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            upright = upright.convert("RGBA" if "A" in upright.mode else "RGB")
        buffer = io.BytesIO()
        upright.save(buffer, format="PNG")
    return buffer.getvalue()


def convert(
    entries: list[Entry],
    *,
    source: str,
    out_dir: Path,
    inputs: Iterable[Path],
    classes: Mapping[str, int],
    ignored: frozenset[str],
    instances: bool,
    options: via.DrawOptions,
    overwrite: bool,
    flags: tuple[str, ...] = (),
    images_hint: str,
) -> pd.DataFrame:
    """Plan, check, then write every mask (and ``classes.json``); return the report.

    ``inputs`` are the folders read from, which the masks may not go into (a mask
    could replace an image there). ``images_hint`` ends the message when no image at
    all is found.

    Raises
    ------
    AnnotationError
        ``out_dir`` is one of the input folders.
    AnnotationNotFoundError
        Not one image was found.
    FileExistsRefusedError
        An output exists and ``overwrite`` is false (nothing was written).
    """
    out_dir = Path(out_dir)
    for folder in inputs:
        if out_dir.resolve() == Path(folder).resolve():
            raise AnnotationError(
                f"The masks would be written into {folder}, which this conversion reads "
                "(a mask could replace an image there). Choose another output folder."
            )
    _plan(entries)
    targets = [out_dir / e.mask for e in entries if e.mask]
    if not targets:
        first = entries[0].filename if entries else "none"
        raise AnnotationNotFoundError(
            f"None of the {len(entries)} images in {source} was found (the first is "
            f"{first!r}). {images_hint}"
        )
    if not instances:
        targets.append(out_dir / CLASSES_FILE)
    images = [e.embedded_to for e in entries if e.embedded is not None and e.mask]
    taken = [p for p in images if p.exists()]
    if taken:  # the readers use such a file instead: only a file made meanwhile gets here
        raise FileExistsRefusedError(
            f"{taken[0]} is in the way of an image to be written out from imageData; "
            "nothing was written. Move it away and run the conversion again."
        )
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
    settings = dict(
        classes=classes, ignored=ignored, instances=instances, options=options, flags=flags
    )
    for entry in entries:
        if entry.embedded is not None and entry.mask:  # never over a file: see the readers
            write_bytes(entry.embedded_to, _embedded_png(entry.embedded))
        row, mask = _convert_entry(entry, **settings)
        rows.append(row)
        if mask is not None:
            write_png(out_dir / entry.mask, mask, overwrite=overwrite)
    if not instances:
        table = dict(classes)
        if ignored:  # labels to ignore are in the file: masks may hold 255
            table[IGNORE_KEY] = IGNORE_VALUE
        text = json.dumps(table, indent=1, ensure_ascii=False) + "\n"
        write_text(out_dir / CLASSES_FILE, text, overwrite=overwrite)
    return _frame(rows, flags)
