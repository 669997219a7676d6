"""Chapter 10 exercises: one VIA polygon as a mask, regions counted per image.

In the notebook::

    from helpers.exercises import ch10 as exercises
    exercises.region_mask.check(region_mask)
    exercises.count_regions.check(count_regions)
"""

from __future__ import annotations

import numpy as np

from helpers.exercises._core import Exercise, Mistake, Wrong, call
from helpers.exercises._via_records import entry as _entry
from helpers.exercises._via_records import polygon as _polygon

__all__ = ["count_regions", "region_mask"]


# --------------------------------------------------------------------------------------
# 1 · One VIA polygon region as a mask
# --------------------------------------------------------------------------------------


# (region, (height, width), what the case is): images wider than tall, so that x and y
# swapped show; the last outline leaves the image on the right
_REGION_CASES = (
    (_polygon([3, 14, 12, 4], [2, 3, 8, 7]), (12, 20), "a quadrilateral"),
    (_polygon([2, 9, 4], [1, 2, 10]), (12, 20), "a thin triangle"),
    (_polygon([14, 30, 30], [6, 1, 11]), (12, 20), "a wedge that widens beyond the right edge"),
)


def _expected_region_mask(region, shape):
    from skimage.draw import polygon

    geometry = region["shape_attributes"]
    mask = np.zeros(shape, dtype=bool)
    rows, cols = polygon(geometry["all_points_y"], geometry["all_points_x"], shape=shape)
    mask[rows, cols] = True
    return mask


def _as_mask(result, shape, what: str) -> np.ndarray:
    try:
        array = np.asarray(result)
    except Exception:
        raise Wrong(f"{what}: return a NumPy array, got {type(result).__name__}.") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise Wrong(
            f"{what}: return a NumPy array of booleans (or 0/1), got {type(result).__name__}."
        )
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.shape != tuple(shape):
        if array.shape == tuple(shape)[::-1]:
            raise Wrong(
                f"{what}: your mask is {array.shape}, the image is (height, width) = {shape}. "
                "A mask has the image's shape, rows first: np.zeros(shape)."
            )
        raise Wrong(
            f"{what}: your mask has shape {array.shape}, it should be {shape} (the image's)."
        )
    return array > 0


def _check_region_mask(answer) -> str:
    for region, shape, what in _REGION_CASES:
        mask = _as_mask(call(answer, region, shape), shape, what)
        want = _expected_region_mask(region, shape)
        if np.array_equal(mask, want):
            continue
        geometry = region["shape_attributes"]
        swapped = np.zeros(shape, dtype=bool)
        from skimage.draw import polygon

        rows, cols = polygon(geometry["all_points_x"], geometry["all_points_y"], shape=shape)
        swapped[rows, cols] = True
        if np.array_equal(mask, swapped):
            raise Wrong(
                f"{what}: x and y are swapped. `all_points_x` are columns and `all_points_y` "
                "rows; skimage.draw.polygon takes the rows first: polygon(ys, xs, shape=shape)."
            )
        if mask[:, -1].sum() > want[:, -1].sum():
            raise Wrong(
                f"{what}: {int(mask[:, -1].sum())} pixels in the last column where the outline "
                f"crosses the edge at {int(want[:, -1].sum())}: the pixels beyond the image were "
                "clamped onto its border (the module's np.clip). Give polygon the image's shape "
                "(`shape=shape`) so it cuts the outline at the edge."
            )
        extra, missing = int((mask & ~want).sum()), int((want & ~mask).sum())
        raise Wrong(
            f"{what}: {extra} pixels too many and {missing} missing, compared with the pixels "
            "whose centre lies inside the outline (skimage.draw.polygon)."
        )
    return (
        "the mask is the pixels inside the outline, cut at the image's edge, exactly what "
        "via.rasterize_regions draws for a polygon."
    )


def _region_mask_reference(region, shape):
    import numpy as np
    from skimage.draw import polygon

    geometry = region["shape_attributes"]
    mask = np.zeros(shape, dtype=bool)
    rows, cols = polygon(geometry["all_points_y"], geometry["all_points_x"], shape=shape)
    mask[rows, cols] = True
    return mask


def _swapped_xy(region, shape):
    from skimage.draw import polygon

    geometry = region["shape_attributes"]
    mask = np.zeros(shape, dtype=bool)
    rows, cols = polygon(geometry["all_points_x"], geometry["all_points_y"], shape=shape)
    mask[rows, cols] = True
    return mask


def _clamped(region, shape):
    from skimage.draw import polygon

    geometry = region["shape_attributes"]
    mask = np.zeros(shape, dtype=bool)
    rows, cols = polygon(geometry["all_points_y"], geometry["all_points_x"])
    mask[rows.clip(0, shape[0] - 1), cols.clip(0, shape[1] - 1)] = True
    return mask


def _width_first(region, shape):
    return np.zeros(shape[::-1], dtype=bool)


region_mask = Exercise(
    title="one VIA polygon region as a mask",
    expects="a function region_mask(region, shape) -> a boolean array of shape (height, width)",
    checker=_check_region_mask,
    reference=_region_mask_reference,
    hints=(
        "The corners are in region['shape_attributes']['all_points_x'] (columns) and "
        "['all_points_y'] (rows).",
        "skimage.draw.polygon(rows, cols, shape=shape) gives the row and column of every pixel "
        "inside; the shape cuts the outline where it leaves the image.",
        "Start from np.zeros(shape, dtype=bool) and set mask[rows, cols] = True.",
    ),
    mistakes=(
        Mistake(_swapped_xy, "swapped"),
        Mistake(_clamped, "clamped"),
        Mistake(_width_first, "rows first"),
    ),
)


# --------------------------------------------------------------------------------------
# 2 · How many regions each image has
# --------------------------------------------------------------------------------------


_SQUARE = _polygon([1, 5, 5, 1], [1, 1, 5, 5])
_COUNT_CASE = dict(
    (
        _entry("scan_a.png", 1200, [_SQUARE]),
        _entry("scan_b.png", 1350, [_SQUARE, _SQUARE]),
        _entry("scan_c.png", 990, []),  # nothing to outline in this image
        _entry("scan_d.png", 1010, [_SQUARE, None]),  # a null entry, as hand edits leave
    )
)
_COUNT_WANT = {"scan_a.png": 1, "scan_b.png": 2, "scan_c.png": 0, "scan_d.png": 1}


def _check_count(answer) -> str:
    import copy

    result = call(answer, copy.deepcopy(_COUNT_CASE))
    if not isinstance(result, dict):
        raise Wrong(
            f"return a dictionary {{filename: number of regions}}, got {type(result).__name__}."
        )
    keys = sorted(str(k) for k in result)
    if any(k in _COUNT_CASE for k in keys) and not any(k in _COUNT_WANT for k in keys):
        raise Wrong(
            f"your keys are like {keys[0]!r}: that is VIA's key, the file name followed by the "
            "file size. Use each record's 'filename' instead."
        )
    missing = sorted(set(_COUNT_WANT) - set(keys))
    if missing == ["scan_c.png"]:
        raise Wrong(
            "scan_c.png is missing: it has no regions, so it counts 0. Skip such an image and "
            "it gets no mask later either (chapter 10 shows what that does to the pairs)."
        )
    if missing:
        raise Wrong(f"{missing[0]} is missing: every image of the file needs its count.")
    try:
        counts = {str(k): int(v) for k, v in result.items()}
    except (TypeError, ValueError):
        raise Wrong("each value should be a whole number of regions.") from None
    if counts.get("scan_d.png") == 2:
        raise Wrong(
            "scan_d.png has 2 by your count, but one of its two entries is None (a null "
            "region, like the one section 4 added to mri_006.png; nothing is drawn for it): "
            "count the regions that are not None."
        )
    wrong = {k: v for k, v in counts.items() if _COUNT_WANT.get(k) != v}
    if wrong:
        name = next(iter(wrong))
        raise Wrong(f"{name}: you counted {wrong[name]}, the file has {_COUNT_WANT.get(name)}.")
    return (
        "every image is there with its count, the empty ones as 0 and the null entries "
        "left out (the quality report's regions and null_regions columns)."
    )


def _count_reference(annotations):
    counts = {}
    for record in annotations.values():
        regions = record.get("regions") or []
        counts[record["filename"]] = sum(region is not None for region in regions)
    return counts


def _count_by_key(annotations):
    return {key: len(record["regions"]) for key, record in annotations.items()}


def _count_skip_empty(annotations):
    return {
        r["filename"]: sum(x is not None for x in r["regions"])
        for r in annotations.values()
        if r["regions"]
    }


def _count_with_nulls(annotations):
    return {record["filename"]: len(record["regions"]) for record in annotations.values()}


count_regions = Exercise(
    title="count the regions of each image in a VIA export",
    expects="a function count_regions(annotations) -> {filename: number of regions}",
    checker=_check_count,
    reference=_count_reference,
    hints=(
        "json.load gives a dictionary: its values are the image records, each with "
        "'filename' and 'regions'.",
        "An image without outlines has an empty list; a hand-edited file may hold None "
        "inside the list.",
    ),
    mistakes=(
        Mistake(_count_by_key, "file name followed by the file size"),
        Mistake(_count_skip_empty, "counts 0"),
        Mistake(_count_with_nulls, "null region"),
    ),
)
