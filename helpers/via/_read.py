"""Reading VGG Image Annotator (VIA) files: every 1.x and 2.x variant, and nothing else.

VIA writes its annotations in several shapes over its versions, and learners meet
all of them:

==================  ===================================================================
VIA 1.x export      ``{key: {"filename", "size", "regions": {"0": region, ...}, ...}}``
VIA 2.x export      the same, with ``"regions": [region, ...]`` (``null`` entries happen)
VIA 2.x project     ``{"_via_settings", "_via_img_metadata": {...}, "_via_attributes"}``
==================  ===================================================================

``size`` may be a number, a string or ``-1`` (unknown), and the key is not always
``filename + size``: the filename is always taken from the record, never from the key.
VIA's CSV export ('Export Annotations (as csv)', one row per region) is read too, by
:mod:`helpers.via._csv`, into the same :class:`ViaProject` as the JSON
export of the same annotations. Files that are neither (a COCO export, a VIA 3 project,
VIA's attribute definitions, JSON from another tool) stop with a :class:`ViaFormatError`
that says what the file is and which VIA export to use instead.

Example
-------
>>> from helpers import config
>>> project = load_via(config.data_dir("mri", "via_annotations.json"))
>>> project.variant, len(project.images)
('VIA 2.x export', 40)
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

from helpers.errors import ViaEmptyError, ViaFormatError, ViaNotFoundError

from ._csv import read_via_csv
from ._records import ViaImage, ViaProject, ViaRegion, read_size

#: How the course asks for a VIA JSON export, repeated in the error messages.
EXPORT_HINT = (
    "export the annotations from VIA 2 with 'Annotation > Export Annotations (as json)' "
    "(or save the whole project with 'Project > Save')"
)

#: Image file extensions looked at when a VIA filename is matched by its stem.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp")


# --------------------------------------------------------------------------------------
# Recognising what a file is
# --------------------------------------------------------------------------------------

_CSV_HEADER = re.compile(r"^\s*#?\s*filename\s*,\s*file_size\s*,", re.IGNORECASE)


def _not_via(path: Path, what: str, advice: str = "") -> ViaFormatError:
    advice = advice or f"This converter reads VIA 1.x/2.x JSON: {EXPORT_HINT}, and pass that file."
    return ViaFormatError(f"{path} is {what}. {advice}")


def _classify_top_level(path: Path, data: Any) -> None:
    """Raise :class:`ViaFormatError` for JSON that is known not to be a VIA 1.x/2.x file."""
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string"}.get(type(data), "a single value")
        raise _not_via(path, f"JSON holding {kind} at the top level, not a VIA file")
    keys = set(data)
    if {"images", "annotations"} <= keys or {"images", "categories"} <= keys:
        raise _not_via(
            path,
            "a COCO file (it has 'images' and 'annotations'), perhaps from VIA's "
            "'Export Annotations (COCO format)'",
            f"This converter reads VIA's own JSON: {EXPORT_HINT}.",
        )
    if "project" in keys and ({"metadata", "file", "view", "config", "attribute"} & keys):
        raise _not_via(
            path,
            "a VIA 3 project (it has 'project', 'file', 'metadata')",
            "VIA 3 stores shapes differently: this converter reads VIA 1.x/2.x JSON. Annotate with "
            "VIA 2 (via.html from "
            f"https://www.robots.ox.ac.uk/~vgg/software/via/) and {EXPORT_HINT}.",
        )
    if (
        keys
        and keys <= {"region", "file"}
        and all(
            isinstance(v, dict) and all(isinstance(d, dict) and "type" in d for d in v.values())
            for v in data.values()
        )
    ):
        raise _not_via(
            path,
            "VIA's attribute definitions only ('Project > Export attributes'), with no annotations",
        )


def _read_regions(raw: Any) -> tuple[list[ViaRegion], tuple[int, ...], bool | None]:
    """Regions of one record; also whether they were a dict (VIA 1.x) or a list (2.x)."""
    if raw is None:
        return [], (), None
    if isinstance(raw, dict):

        def order(key: str) -> tuple[int, float, str]:
            try:
                return (0, float(key), key)
            except ValueError:
                return (1, 0.0, key)

        items = [raw[k] for k in sorted(raw, key=order)]
        is_dict = True
    elif isinstance(raw, list):
        items, is_dict = raw, False
    else:
        raise TypeError(f"'regions' is {type(raw).__name__}, not a list or an object")
    regions, nulls = [], []
    for index, item in enumerate(items):
        if item is None:
            nulls.append(index)
        else:
            regions.append(ViaRegion.from_dict(item, index))
    return regions, tuple(nulls), is_dict


def _looks_like_record(value: Any) -> bool:
    return (
        isinstance(value, dict) and "filename" in value and ("regions" in value or "size" in value)
    )


def load_via(path: str | os.PathLike) -> ViaProject:
    """Read a VIA 1.x or 2.x export (JSON or CSV), or a VIA 2.x project file.

    Parameters
    ----------
    path : str or path-like
        The ``.json`` (or ``.csv``) file VIA wrote.

    Returns
    -------
    ViaProject
        Images in file order with their regions; ``null`` regions and unreadable
        records are noted, not fatal.

    Raises
    ------
    ViaNotFoundError
        The file does not exist.
    ViaFormatError
        The file is not a VIA 1.x/2.x export or project: a COCO export, a VIA 3 project,
        VIA's attribute definitions, broken JSON, JSON from another tool, or a CSV file
        that is not VIA's (or was changed after VIA wrote it).
    ViaEmptyError
        The file lists no images.
    """
    path = Path(path)
    if not path.is_file():
        raise ViaNotFoundError(
            f"VIA file {path} does not exist (or is a folder). Check the path, "
            "and that the file was exported from VIA."
        )
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig", errors="replace")
    head = text.lstrip()[:400]
    if (path.suffix.lower() == ".csv" and not head.startswith("{")) or _CSV_HEADER.match(head):
        return read_via_csv(path, text)  # VIA's CSV export: one row per region
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ViaFormatError(
            f"{path} is not valid JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}). Rather than mending it by hand, {EXPORT_HINT} again."
        ) from None
    _classify_top_level(path, data)

    attribute_definitions: dict = {}
    if "_via_img_metadata" in data:
        metadata = data["_via_img_metadata"]
        kind = "project"
        attributes = data.get("_via_attributes")
        if isinstance(attributes, dict) and isinstance(attributes.get("region"), dict):
            attribute_definitions = attributes["region"]
        if not isinstance(metadata, dict):
            raise ViaFormatError(
                f"{path} is a VIA project whose '_via_img_metadata' is not an object. "
                f"Open the project in VIA and {EXPORT_HINT}."
            )
    else:
        metadata, kind = data, "export"

    if not metadata:
        raise ViaEmptyError(
            f"{path} is a VIA {kind} with no images in it. In VIA, add your images "
            f"('Add Files'), draw regions on them, then {EXPORT_HINT}."
        )
    if not any(_looks_like_record(v) for v in metadata.values()):
        sample = next(iter(metadata.values()))
        seen = ", ".join(list(sample)[:5]) if isinstance(sample, dict) else type(sample).__name__
        raise _not_via(
            path,
            f"JSON that is not a VIA export: its entries hold {seen} instead of "
            "'filename', 'size' and 'regions'",
            f"Find the file VIA wrote for these images, or {EXPORT_HINT}.",
        )

    images, problems, styles = [], [], set()
    for key, record in metadata.items():
        if not _looks_like_record(record):
            problems.append(f"entry {key!r} is not a VIA image record (no 'filename'); skipped")
            continue
        try:
            regions, nulls, is_dict = _read_regions(record.get("regions"))
        except TypeError as error:
            problems.append(f"entry {key!r}: {error}; skipped")
            continue
        if is_dict is not None:
            styles.add(is_dict)
        file_attributes = record.get("file_attributes")
        images.append(
            ViaImage(
                filename=str(record.get("filename", "")),
                key=str(key),
                size=read_size(record.get("size")),
                regions=regions,
                null_regions=nulls,
                file_attributes=file_attributes if isinstance(file_attributes, dict) else {},
            )
        )
    version = "1.x" if styles == {True} else "2.x"
    return ViaProject(path, f"VIA {version} {kind}", images, attribute_definitions, problems)


# --------------------------------------------------------------------------------------
# Finding an image safely
# --------------------------------------------------------------------------------------

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_relative_path(filename: str) -> PurePosixPath | None:
    """The VIA filename as a relative path inside the images folder, or ``None`` if unsafe.

    Backslashes count as folder separators and leading ``./`` is dropped; a URL keeps
    its last path component. ``None`` for absolute paths (``/x``, ``C:\\x``, ``\\\\host``),
    paths with ``..`` and empty names: such a file would lie outside the images folder.

    >>> safe_relative_path("./images/a.jpg"), safe_relative_path("../a.jpg")
    (PurePosixPath('images/a.jpg'), None)
    """
    name = str(filename).strip()
    if "://" in name:  # VIA accepts image URLs: the local copy is matched by its name
        name = name.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    name = name.replace("\\", "/")
    if not name or name.startswith("/") or _WINDOWS_DRIVE.match(name) or "\0" in name:
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return PurePosixPath(*parts)


def find_image(images_dir: Path, relative: PurePosixPath) -> tuple[Path | None, str]:
    """The image file for a (safe) VIA filename, and a note on how it was found.

    Tried in turn: ``images_dir/relative`` (sub-folders kept), then ``images_dir/<name>``.
    When neither exists, the note names a file that differs only in letter case, if any.
    """
    for candidate in (images_dir.joinpath(*relative.parts), images_dir / relative.name):
        if candidate.is_file():
            return candidate, ""
    lower = relative.name.lower()
    try:
        near = [p.name for p in images_dir.iterdir() if p.name.lower() == lower]
    except OSError:
        near = []
    hint = f" (there is {near[0]!r}, which differs in letter case: rename one)" if near else ""
    return None, hint


def image_shape(path: str | os.PathLike) -> tuple[int, int]:
    """``(height, width)`` of an image as it is displayed, EXIF orientation applied.

    Only the file's header is read (no decoding), so this is fast for large photos.
    Browsers, and so VIA, show photos turned by their EXIF orientation, and VIA's
    coordinates refer to that view: orientations 5-8 swap height and width.

    Raises
    ------
    OSError
        When the file is not an image Pillow can open.
    """
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
        try:
            orientation = int(image.getexif().get(0x0112, 1))
        except (ValueError, TypeError, OSError):  # a broken EXIF block: shown unturned
            orientation = 1
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return height, width


def mask_name(relative: PurePosixPath) -> str:
    """``<image stem>.png``: the mask file name for an image (always a bare file name)."""
    return f"{relative.stem}.png"
