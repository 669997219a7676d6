"""Chapter 11 exercises: the VIA loop over a whole file, the image whose outline leaves it.

In the notebook::

    from helpers.exercises import ch11 as exercises
    exercises.masks_for_all.check(masks_for_all)
    exercises.out_of_bounds.check(out_of_bounds)
"""

from __future__ import annotations

import copy
import os

import numpy as np

from helpers.exercises._core import Exercise, Mistake, Wrong, call, describe
from helpers.exercises._via_records import entry as _entry
from helpers.exercises._via_records import polygon as _polygon

__all__ = ["masks_for_all", "out_of_bounds"]


# A small VIA export: images of (height, width) given in _SHAPES, wider than tall so that
# a swapped x and y shows; two overlapping regions in one image, none in another.
_SHAPES = {"a.png": (10, 16), "b.png": (10, 16), "c.png": (10, 16), "d.png": (12, 8)}
_ANNOTATIONS = dict(
    (
        _entry("a.png", 100, [_polygon([2, 9, 9, 2], [1, 1, 6, 6])]),
        _entry(
            "b.png",
            101,
            [_polygon([1, 8, 8, 1], [1, 1, 7, 7]), _polygon([5, 14, 14, 5], [4, 4, 9, 9])],
        ),
        _entry("c.png", 102, []),
        _entry("d.png", 103, [_polygon([1, 6, 3], [2, 3, 10])]),
    )
)


# --------------------------------------------------------------------------------------
# 1 · The VIA loop: a mask for every image of the file
# --------------------------------------------------------------------------------------


def _masks_reference(annotations, shapes):
    from pathlib import Path

    import numpy as np
    from skimage.draw import polygon

    masks = {}
    for record in annotations.values():
        shape = shapes[record["filename"]]
        mask = np.zeros(shape, dtype=np.uint8)
        for region in record["regions"]:
            points = region["shape_attributes"]
            rows, cols = polygon(points["all_points_y"], points["all_points_x"], shape=shape)
            mask[rows, cols] = 255
        masks[Path(record["filename"]).stem] = mask
    return masks


def _check_masks(answer) -> str:
    result = call(answer, copy.deepcopy(_ANNOTATIONS), dict(_SHAPES))
    if not isinstance(result, dict):
        raise Wrong(f"return a dictionary {{stem: mask}}, got {type(result).__name__}.")
    want = _masks_reference(_ANNOTATIONS, _SHAPES)
    keys = sorted(str(k) for k in result)
    if keys and all(k.endswith(".png") for k in keys):
        raise Wrong(
            f"your keys are like {keys[0]!r}: use the stem (the name without "
            "extension), as the mask files are named `<stem>.png`."
        )
    missing = sorted(set(want) - set(keys))
    if missing == ["c"]:
        raise Wrong(
            "c has no mask: it has no regions, so its mask is all background (zeros). Skip it "
            "and, paired by position, every later image gets its neighbour's mask."
        )
    if missing:
        raise Wrong(f"{missing[0]} has no mask: every image of the file gets one.")
    for stem, mask in want.items():
        try:
            got = np.asarray(result[stem])
        except Exception:
            raise Wrong(f"the mask of {stem} is not an array.") from None
        if got.dtype == object or got.shape != mask.shape:
            raise Wrong(
                f"the mask of {stem} has shape {getattr(got, 'shape', '?')}; the image is "
                f"{mask.shape} (height, width)."
            )
        values = set(np.unique(got).tolist())
        if not values <= {0, 255}:
            if 254 in values or 2 in values or 510 in values:
                raise Wrong(
                    f"the mask of {stem} has values {sorted(values)}: where its two regions "
                    "overlap they were added up (in uint8, 255 + 255 wraps round to 254). Set "
                    "the pixels to 255 instead of adding, so overlaps make a union."
                )
            raise Wrong(
                f"the mask of {stem} has values {sorted(values)}: it should hold 0 "
                "(background) and 255 (lesion), as a mask PNG does."
            )
        if not np.array_equal(got, mask):
            raise Wrong(
                f"the mask of {stem} differs from the pixels inside its outlines in "
                f"{int((got != mask).sum())} pixels (x are columns, y rows)."
            )
    return (
        "one 0/255 mask per image, the empty one included, overlaps as a union: what "
        "via.masks_from_via writes to disk."
    )


def _masks_skip_empty(annotations, shapes):
    masks = _masks_reference(annotations, shapes)
    return {stem: m for stem, m in masks.items() if m.any()}


def _masks_added(annotations, shapes):
    from skimage.draw import polygon

    masks = {}
    for record in annotations.values():
        shape = shapes[record["filename"]]
        mask = np.zeros(shape, dtype=np.uint8)
        for region in record["regions"]:
            points = region["shape_attributes"]
            rows, cols = polygon(points["all_points_y"], points["all_points_x"], shape=shape)
            region_mask = np.zeros(shape, dtype=np.uint8)
            region_mask[rows, cols] = 1
            mask += region_mask
        masks[record["filename"][:-4]] = (mask * 255).astype(np.uint8)
    return masks


masks_for_all = Exercise(
    title="the VIA loop: one mask per image",
    expects="a function masks_for_all(annotations, shapes) -> {stem: uint8 mask of 0/255}",
    checker=_check_masks,
    reference=_masks_reference,
    hints=(
        "Loop over annotations.values(); each record has 'filename' and 'regions'. "
        "shapes[filename] is the image's (height, width).",
        "Start each image from np.zeros(shape, np.uint8), even when it has no regions.",
        "For each region: rows, cols = polygon(ys, xs, shape=shape), then mask[rows, cols] = 255 "
        "(set, never add).",
    ),
    mistakes=(
        Mistake(_masks_skip_empty, "all background"),
        Mistake(_masks_added, "added up"),
    ),
)


# --------------------------------------------------------------------------------------
# 2 · The image whose outline leaves it
# --------------------------------------------------------------------------------------

# a point is outside when x < 0, y < 0, x > width - 1 or y > height - 1 (pixel centres run
# from 0 to width - 1): e.png's outline reaches x = 16 in an image 16 wide, f.png's y = 9
# is inside (height 10), g.png (12 high, 8 wide) goes to y = 11 (inside) and x = 9 (outside)
_BOUNDS = {**_SHAPES, "e.png": (10, 16), "f.png": (10, 16), "g.png": (12, 8)}
_BOUNDS_ANNOTATIONS = {
    **_ANNOTATIONS,
    **dict(
        (
            _entry("e.png", 104, [_polygon([10, 16, 12], [2, 4, 8])]),
            _entry("f.png", 105, [_polygon([3, 12, 12], [0, 0, 9])]),
            _entry("g.png", 106, [_polygon([2, 9, 5], [1, 4, 11])]),
        )
    ),
}
_BOUNDS_WANT = ["e.png", "g.png"]


def _bounds_reference(annotations, shapes):
    outside = []
    for record in annotations.values():
        height, width = shapes[record["filename"]]
        for region in record["regions"]:
            xs = region["shape_attributes"]["all_points_x"]
            ys = region["shape_attributes"]["all_points_y"]
            if min(xs) < 0 or min(ys) < 0 or max(xs) > width - 1 or max(ys) > height - 1:
                outside.append(record["filename"])
                break
    return sorted(outside)


def _check_bounds(answer) -> str:
    result = call(answer, copy.deepcopy(_BOUNDS_ANNOTATIONS), dict(_BOUNDS))
    if isinstance(result, str) or not hasattr(result, "__iter__"):
        raise Wrong(f"return a list of file names, got {type(result).__name__}.")
    items = list(result)
    others = [item for item in items if not isinstance(item, (str, os.PathLike))]
    if others:
        raise Wrong(f"return a list of file names (strings); one item is {describe(others[0])}.")
    names = sorted({str(name) for name in items})
    if names == _BOUNDS_WANT:
        return (
            "e.png reaches x = 16 in an image 16 pixels wide (columns 0..15), g.png x = 9 "
            "in one 8 wide: the quality report's partly_outside column finds them."
        )
    if "f.png" in names or "b.png" in names:
        raise Wrong(
            "f.png's outline stays inside its image, 10 high and 16 wide (x up to 12, y up to "
            "9), yet you flagged it: you compared x with the height and y with the width. "
            "shapes[name] is (height, width): x goes with the width."
        )
    if names == ["g.png"]:
        raise Wrong(
            "e.png is missing: its outline reaches x = 16 in an image 16 pixels wide. The "
            "columns run from 0 to width - 1, so x = width is already outside: test "
            "x > width - 1 (or x >= width)."
        )
    extra = sorted(set(names) - set(_BOUNDS_WANT))
    if extra:
        raise Wrong(
            f"{extra[0]} is inside its image: every point has 0 <= x <= width - 1 and "
            "0 <= y <= height - 1."
        )
    missing = sorted(set(_BOUNDS_WANT) - set(names))
    raise Wrong(f"{missing[0]} has a point outside its image and is missing.")


def _bounds_swapped(annotations, shapes):
    outside = []
    for record in annotations.values():
        width, height = shapes[record["filename"]]
        for region in record["regions"]:
            points = region["shape_attributes"]
            if max(points["all_points_x"]) >= width or max(points["all_points_y"]) >= height:
                outside.append(record["filename"])
                break
    return sorted(outside)


def _bounds_off_by_one(annotations, shapes):
    outside = []
    for record in annotations.values():
        height, width = shapes[record["filename"]]
        for region in record["regions"]:
            points = region["shape_attributes"]
            if max(points["all_points_x"]) > width or max(points["all_points_y"]) > height:
                outside.append(record["filename"])
                break
    return sorted(outside)


out_of_bounds = Exercise(
    title="find the images whose outline leaves the image",
    expects="a function out_of_bounds(annotations, shapes) -> sorted list of file names",
    checker=_check_bounds,
    reference=_bounds_reference,
    hints=(
        "shapes[filename] is (height, width); x is a column, so it goes with the width.",
        "Pixel centres run from 0 to width - 1: a point with x = width is already outside.",
    ),
    mistakes=(
        Mistake(_bounds_swapped, "x with the height"),
        Mistake(_bounds_off_by_one, "x = width is already outside"),
    ),
)
