"""The rules of the data check: which finding each file gets, and whether it blocks.

A rule takes the facts of :mod:`._read` (and what the masks folder declares) and gives
rows of the findings table: ``severity``, ``file``, ``kind``, ``finding`` (what was
found, with its numbers) and ``action`` (what the course does with it, or what to do).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.classes import CLASSES_FILE, IGNORE_KEY
from helpers.io import MAX_LABEL

from ._read import INSTANCE_VALUES, ImageFacts, MaskFacts

BLOCKING, WARNING = "blocking", "warning"

#: Every kind of finding, in the order the table lists them, and what it means.
FINDINGS = {
    "unpaired": "an image without a mask, or a mask without an image (blocks)",
    "same name": "two files of one folder with the same name, e.g. a.png and a.jpg (blocks)",
    "unreadable": "a file that cannot be read as an image (blocks)",
    "classes.json": "a classes.json that does not map class names to mask values (blocks)",
    "size": "an image and its mask of different sizes, EXIF orientation applied (blocks)",
    "values": "mask values that are neither 0/1, 0/255 nor declared class indices; a "
    "JPEG-compressed mask's in-between values are counted (blocks)",
    "colour": "an RGB colour mask: the course has no colour table to read it by (blocks)",
    "mixed encodings": "masks of one folder read by different rules: 0/255 masks (255 read "
    "as 1) with class masks of labels 2 and up (blocks)",
    "instances": "an instance label image (one value per object) where class masks are "
    "expected (blocks when its values are not classes the run takes, else warns)",
    "0/255": "a 0/255 (or 0/65535) mask, read as 0/1 (warns)",
    "palette": "a palette PNG, read by its palette indices (warns)",
    "empty": "a mask without any object (warns)",
    "all foreground": "a mask that is object everywhere (warns)",
    "rare class": "a class in fewer than 3 images or under 0.1 % of the object pixels (warns)",
    "constant image": "an image whose pixels are all the same (warns)",
    "saturated image": "an image with 5 % or more of its values at the brightest level (warns)",
    "mixed bit depths": "8-bit and 16-bit files in one folder (warns)",
}

#: A class is rare in fewer images than this, or under this share of the object pixels.
RARE_IMAGES, RARE_SHARE = 3, 0.001


def row(severity: str, file: str, kind: str, finding: str, action: str) -> dict:
    """One row of the findings table."""
    assert kind in FINDINGS, kind
    return {"severity": severity, "file": file, "kind": kind, "finding": finding, "action": action}


def shown(values: Iterable, limit: int = 8) -> str:
    """``0, 1, 2, ..., 255`` for a list of values (at most ``limit`` of them, then ``...``)."""
    values = [str(v) for v in values]
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[: limit - 1]) + ", ..., " + values[-1]


# --------------------------------------------------------------------------------------
# What the masks folder declares
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """The labels a mask may hold: from ``classes.json``, from ``num_classes``, or binary."""

    allowed: frozenset[int]  # label values a mask may hold (the ignore value apart)
    ignore: int | None  # the ignore value declared in classes.json, else None
    names: dict[int, str]  # class names by value (background and ignore left out)
    source: str  # "classes.json", "num_classes" or "binary"
    num_classes: int | None = None


def read_declared(mask_dir: Path, num_classes: int | None) -> tuple[Declared, list[dict]]:
    """What ``mask_dir/classes.json`` (or ``num_classes``) declares, and its findings.

    ``num_classes`` is what a run takes (1: object/background); with a ``classes.json``
    too, the run takes only the declared values below ``num_classes``.
    """
    findings = []
    classes = None
    path = mask_dir / CLASSES_FILE
    if path.is_file():
        try:
            classes = json.loads(path.read_text(encoding="utf-8"))
            valid = isinstance(classes, dict) and all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 65535
                for v in classes.values()
            )
        except (OSError, ValueError) as error:
            valid, classes = False, f"{type(error).__name__}: {error}"
        if not valid:
            what = classes if isinstance(classes, str) else "not names to values"
            findings.append(
                row(
                    BLOCKING,
                    f"{mask_dir.name}/{CLASSES_FILE}",
                    "classes.json",
                    f"cannot be read as class names to mask values ({what})",
                    'Write it as {"background": 0, "cell": 1} (and "ignore": 255 for pixels '
                    "to leave out), as via2masks and the importers do, or delete it.",
                )
            )
            classes = None
    runs = None if num_classes is None else set(range(max(2, num_classes)))
    if classes is not None:
        ignore = classes.get(IGNORE_KEY)
        values = {v for k, v in classes.items() if k != IGNORE_KEY} | {0}
        names = {v: k for k, v in classes.items() if k != IGNORE_KEY and v != 0}
        allowed = values & runs if runs is not None else values
        declared = Declared(frozenset(allowed), ignore, names, CLASSES_FILE, num_classes)
    elif runs is not None:
        names = {v: f"class {v}" for v in sorted(runs) if v}
        declared = Declared(frozenset(runs), None, names, "num_classes", num_classes)
    else:
        declared = Declared(frozenset({0, 1}), None, {1: "object"}, "binary")
    return declared, findings


def _expected(declared: Declared) -> str:
    if declared.source == CLASSES_FILE:
        text = f"the values of {CLASSES_FILE} ({shown(sorted(declared.allowed))}"
        if declared.ignore is not None:
            text += f"; {declared.ignore} ignore"
        return text + ")"
    if declared.source == "num_classes" and declared.num_classes and declared.num_classes > 1:
        return f"0/255, or class indices 0..{declared.num_classes - 1}"
    return "0/1 or 0/255"


def _how_to_declare(declared: Declared, top_label: int) -> str:
    if declared.source == CLASSES_FILE:
        if declared.num_classes is not None and top_label >= max(2, declared.num_classes):
            return (
                f"{CLASSES_FILE} declares them but the run takes {declared.num_classes} "
                f"class(es): pass --classes {top_label + 1} (num_classes={top_label + 1})."
            )
        return f"Add them to {CLASSES_FILE} (name: value), or fix these masks."
    if declared.source == "num_classes":
        return (
            f"The run takes num_classes={declared.num_classes}: pass --classes "
            f"{top_label + 1} (num_classes={top_label + 1}, background included), or fix "
            "these masks."
        )
    example = ", ".join(f'"class {v}": {v}' for v in range(1, min(top_label, 3) + 1))
    return (
        f"Class indices? Name them in {CLASSES_FILE} in the masks folder "
        f'({{"background": 0, {example}{", ..." if top_label > 3 else ""}}}) and train '
        f"with --classes {top_label + 1}. For object/background masks use 0/1 or 0/255."
    )


# --------------------------------------------------------------------------------------
# One mask
# --------------------------------------------------------------------------------------


@dataclass
class MaskVerdict:
    """A mask judged: its findings, how it writes labels, and its pixels per label."""

    rows: list[dict]
    encoding: str | None  # "0/255", "labels", "palette", "colour"; None: all 0, or blocked
    labels: dict[int, int] | None  # label -> pixels (ignore left out); None when blocked
    top_label: int = 0


def _bad_values(name: str, m: MaskFacts, declared: Declared, top: int) -> dict:
    values = [int(v) for v in m.values]
    ignore = declared.ignore
    nonzero = [v for v in values if v not in (0, ignore)]
    if m.one_blob_per_value and len(nonzero) >= INSTANCE_VALUES:
        return row(
            BLOCKING,
            name,
            "instances",
            f"instance label image: {len(nonzero)} values ({shown(nonzero)}), each one "
            "separate object",
            "The course reads a value as a class, not an object. For object/background "
            "masks save (labels > 0) as 0/255; for classes, give each object its class "
            "index.",
        )
    biggest = {int(v) for v in m.values[np.argsort(m.counts)[-2:]]}
    image_like = ignore is None and biggest == {0, top}  # mostly 0 and 255: a mask image
    expected = {0, top} if image_like else set(declared.allowed) | {ignore}
    outside = [v for v in values if v not in expected]
    if outside and max(outside) <= MAX_LABEL and not (m.jpeg or image_like):
        return row(
            BLOCKING,
            name,
            "values",
            f"labels {shown(outside)} where {_expected(declared)} are taken",
            _how_to_declare(declared, max(outside)),
        )
    between = int(sum(m.count(v) for v in outside))
    total = int(m.counts.sum())
    finding = (
        f"{len(values)} different values ({shown(values)}): {between:,} pixels "
        f"({between / total:.2%}) are none of "
        + (f"0 and {top}" if image_like else _expected(declared))
    )
    if m.jpeg or image_like:
        finding += "; a JPEG-compressed mask?"
        action = (
            "Save masks as PNG: JPEG blurs the edges into in-between values. To rescue "
            "this one, keep (pixels > 127) as 0/255 and save it as PNG."
        )
    elif m.palette:
        finding += "; palette indices"
        action = (
            f"The palette indices are the labels: name them in {CLASSES_FILE}; a border "
            f'of 255 around objects (as in Pascal VOC) is declared there as "ignore": 255.'
        )
    elif len(values) <= 16:
        finding += "; classes coded as grey levels?"
        action = (
            f"Map each grey level to a class index (0 background, 1, 2, ...) and name them "
            f"in {CLASSES_FILE}, or declare these values there."
        )
    else:
        action = "A mask holds one label per pixel: remake it as 0/255 or class indices."
    return row(BLOCKING, name, "values", finding, action)


def judge_mask(name: str, m: MaskFacts, declared: Declared) -> MaskVerdict:
    """The findings of one mask, how it writes its labels, and its pixels per label."""
    if m.colours is not None:
        colours = [tuple(int(c) for c in colour) for colour in m.colours[:6]]
        more = ", ..." if len(m.colours) > 6 else ""
        finding = (
            f"RGB colour mask, {len(m.colours)} colours (the most frequent: "
            f"{shown(colours, 6)}{more})"
        )
        return MaskVerdict(
            [
                row(
                    BLOCKING,
                    name,
                    "colour",
                    finding,
                    "The course reads one label per pixel and has no colour table: turn "
                    "each colour into a class index (0 background, 1, 2, ...), save a grey "
                    f"PNG and name the classes in {CLASSES_FILE}.",
                )
            ],
            "colour",
            None,
        )
    rows = []
    values = {int(v) for v in m.values}
    ignore = declared.ignore
    labels = values - {ignore}
    top = 65535 if m.bits == 16 else 255
    if m.palette:
        rows.append(
            row(
                WARNING,
                name,
                "palette",
                f"palette PNG, indices {shown(sorted(values))}",
                "The course reads each pixel's palette index, not its colour: index 1 is "
                "label 1. Nothing to do if the tool wrote the classes as indices.",
            )
        )
    if labels <= declared.allowed:
        mapping = {v: v for v in labels}
        encoding = "palette" if m.palette else "labels"
    elif ignore is None and labels <= {0, top}:
        mapping = {0: 0, top: 1}
        encoding = "0/255"
        rows.append(
            row(
                WARNING,
                name,
                "0/255",
                f"values 0 and {top}: a black-and-white mask image",
                f"The course reads {top} as the object (1) and 0 as background: nothing to do.",
            )
        )
    else:
        return MaskVerdict(rows + [_bad_values(name, m, declared, top)], None, None)
    counts = {mapping[v]: m.count(v) for v in labels}
    objects = sum(c for v, c in counts.items() if v)
    if objects == 0:
        rows.append(
            row(
                WARNING,
                name,
                "empty",
                "no object: background only" + (" and ignored pixels" if ignore in values else ""),
                "The course trains on it as an image without objects: right if it has none; "
                "if it was left unlabelled, label it or take it out.",
            )
        )
    elif objects == sum(counts.values()):
        rows.append(
            row(
                WARNING,
                name,
                "all foreground",
                "object everywhere: no background pixel",
                "Is the mask inverted, or the image cut from inside one object? The course "
                "trains on it as it is.",
            )
        )
    nonzero = len([v for v in labels if v])
    if m.one_blob_per_value and nonzero >= INSTANCE_VALUES and declared.source != CLASSES_FILE:
        rows.append(
            row(
                WARNING,
                name,
                "instances",
                f"{nonzero} values, each one separate object: an instance label image?",
                "The course reads each value as a class. If these are objects of one class, "
                "save (labels > 0) as 0/255 instead; if they are classes, name them in "
                f"{CLASSES_FILE}.",
            )
        )
    if encoding == "labels" and objects == 0:
        encoding = None  # all background: fits any way of writing labels
    return MaskVerdict(rows, encoding, counts, max(counts, default=0))


# --------------------------------------------------------------------------------------
# One pair, and the folders
# --------------------------------------------------------------------------------------


def judge_pair(image_name: str, image: ImageFacts, mask: MaskFacts) -> list[dict]:
    """The size of a pair, and the image's own findings."""
    rows = []
    if image.size != mask.size:
        (ih, iw), (mh, mw) = image.size, mask.size
        finding = f"image {iw}x{ih} px, mask {mw}x{mh} px (upright)"
        if image.stored == mask.stored:
            finding += ": the same as stored, but the EXIF orientation of one turns it"
            action = (
                "Save the image upright without its EXIF orientation tag (or the mask with "
                "the same tag), then check again."
            )
        else:
            action = "A mask must have its image's size: remake the mask from this image."
        rows.append(row(BLOCKING, image_name, "size", finding, action))
    if image.constant:
        rows.append(
            row(
                WARNING,
                image_name,
                "constant image",
                "every pixel the same",
                "Nothing to learn from: a failed acquisition or export? Take it out.",
            )
        )
    elif image.saturated >= 0.05:
        top = 65535 if image.bits == 16 else 255
        rows.append(
            row(
                WARNING,
                image_name,
                "saturated image",
                f"{image.saturated:.0%} of the pixel values at {top}, the brightest level",
                "Detail in the clipped parts is lost; the course trains on it as it is. "
                "Lower the exposure or gain if you can take it again.",
            )
        )
    return rows


def judge_bit_depths(folder: str, bits: list[int], what: str) -> list[dict]:
    """A warning when a folder holds 8-bit and 16-bit files."""
    found = Counter(bits)
    if len(found) < 2:
        return []
    if what == "images":
        action = (
            "The course scales each file by its own maximum (255 or 65535): the same "
            "brightness gets the same value only if both were taken alike. Convert them "
            "to one depth."
        )
    else:
        action = "Labels are read as numbers whatever the depth: check that one tool made them."
    return [
        row(
            WARNING,
            folder,
            "mixed bit depths",
            f"{found[8]} 8-bit and {found[16]} 16-bit {what}",
            action,
        )
    ]


def judge_encodings(folder: str, verdicts: dict[str, MaskVerdict]) -> list[dict]:
    """A blocking finding when the masks' labels would be read by different rules.

    0/255 masks (255 read as the object, label 1) next to class masks with labels 2 and
    up (grey or palette): was 255 meant as class 1, or as another class? 0/1 with 0/255
    masks is fine (both binary), and so are grey and palette class masks (both read by
    value); a colour mask blocks on its own.
    """
    ways: dict[str, list[str]] = {}
    for name, verdict in verdicts.items():
        if verdict.encoding == "0/255":
            ways.setdefault("0/255", []).append(name)
        elif verdict.encoding not in (None, "colour"):
            ways.setdefault("classes" if verdict.top_label >= 2 else "0/1", []).append(name)
    if not {"0/255", "classes"} <= set(ways):
        return []
    described = {"0/255": "0/255 masks", "classes": "class masks (labels 2 and up)"}
    described["0/1"] = "0/1 masks"
    parts = [
        f"{len(names)} {described[way]} ({shown([Path(n).name for n in names], 3)})"
        for way, names in sorted(ways.items())
    ]
    return [
        row(
            BLOCKING,
            folder,
            "mixed encodings",
            "labels written different ways: " + "; ".join(parts),
            "In a 0/255 mask the course reads 255 as label 1, which is one class among "
            "several in the others: remake the odd ones like the rest (class indices).",
        )
    ]


def judge_classes(folder: str, verdicts: Iterable[MaskVerdict], declared: Declared) -> list[dict]:
    """Warnings for the classes in fewer than 3 images or under 0.1 % of the object pixels."""
    images, pixels = Counter(), Counter()
    judged = 0
    for verdict in verdicts:
        if verdict.labels is None:
            continue
        judged += 1
        for label, count in verdict.labels.items():
            if label and count:
                images[label] += 1
                pixels[label] += count
    if not judged:
        return []
    total = sum(pixels.values())
    rows = []
    for label, name in sorted(declared.names.items()):
        if label not in declared.allowed:
            continue
        share = pixels[label] / total if total else 0.0
        if images[label] < RARE_IMAGES or share < RARE_SHARE:
            rows.append(
                row(
                    WARNING,
                    folder,
                    "rare class",
                    f"{name!r} ({label}): in {images[label]} of {judged} masks, {share:.2%} "
                    "of the object pixels",
                    "Too few examples to learn it well: label more images that show it, or "
                    "merge it into another class.",
                )
            )
    return rows
