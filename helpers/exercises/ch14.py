"""Chapter 14 exercises: where tiles go along one axis, and a small image padded up to a
patch by reflection.

In the notebook::

    from helpers.exercises import ch14 as exercises
    exercises.tile_starts.check(tile_starts)
    exercises.reflect_pad.check(reflect_pad)
"""

from __future__ import annotations

import numpy as np

from helpers.exercises._core import Exercise, Mistake, Wrong, call, describe

__all__ = ["tile_starts", "reflect_pad"]


# 1 · Where the tiles go along one axis ---------------------------------------------------


def _tile_starts(length, tile, overlap):
    import math

    if length <= tile:
        return [0]
    step = tile - overlap
    count = math.ceil((length - tile) / step) + 1
    return sorted({min(i * step, length - tile) for i in range(count)})


_START_CASES = [(100, 128, 32), (512, 128, 32), (300, 128, 32), (384, 128, 0), (1000, 256, 64)]


def _as_starts(value, case: str) -> list[int]:
    try:
        starts = [int(v) for v in np.asarray(value).ravel()]
    except (TypeError, ValueError):
        raise Wrong(
            f"for {case} you returned {describe(value)}; return a list of origins."
        ) from None
    if np.asarray(value).ndim != 1:
        raise Wrong(f"for {case} you returned {describe(value)}; return a flat list of origins.")
    return starts


def _starts_checker(answer) -> str:
    from helpers.tiling import tile_starts

    for length, tile, overlap in _START_CASES:
        case = f"length={length}, tile={tile}, overlap={overlap}"
        expected = tile_starts(length, tile, overlap)
        got = _as_starts(call(answer, length, tile, overlap), case)
        if got == expected:
            continue
        if not got:
            raise Wrong(
                f"for {case} you returned no tile: an axis shorter than a tile still needs "
                "one tile (at 0; the image is padded up to it)."
            )
        if length > tile and got[1:2] == [overlap]:
            raise Wrong(
                f"for {case} your tiles start every {overlap} px: the step between origins is "
                "tile - overlap (neighbours share `overlap` pixels), not the overlap."
            )
        if max(got) > max(length - tile, 0):
            raise Wrong(
                f"for {case} your last tile starts at {max(got)} and reaches past the end "
                f"({max(got) + tile} > {max(length, tile)}): the last origin is "
                "max(length - tile, 0), flush with the end (one tile at 0 for an axis "
                "shorter than a tile)."
            )
        covered = np.zeros(max(length, tile), bool)
        for start in got:
            covered[max(start, 0) : start + tile] = True
        if not covered[:length].all():
            raise Wrong(
                f"for {case} your tiles leave pixel {int(np.argmin(covered[:length]))} "
                f"uncovered: add one more tile, flush with the end ({length - tile})."
            )
        raise Wrong(
            f"for {case} your tiles start at {', '.join(map(str, got))}; they should start "
            f"at {', '.join(map(str, expected))}."
        )
    return (
        "tiles every tile - overlap pixels, the last one flush with the end: every pixel is "
        "covered and none reaches past the image; helpers.tiling.tile_starts does the same."
    )


def _starts_step_overlap(length, tile, overlap):
    if length <= tile:
        return [0]
    return list(range(0, length - tile + 1, overlap or tile))


def _starts_past_the_end(length, tile, overlap):
    return list(range(0, length, tile - overlap))


def _starts_none_for_short(length, tile, overlap):
    return list(range(0, length - tile + 1, tile - overlap))


tile_starts = Exercise(
    title="where the tiles go along one axis",
    expects="a function tile_starts(length, tile, overlap) -> list of int",
    checker=_starts_checker,
    reference=_tile_starts,
    hints=(
        "Neighbouring tiles share `overlap` pixels, so one starts every `tile - overlap` "
        "pixels: 0, step, 2 * step, ...",
        "A tile may not reach past the end: the last origin is `length - tile` "
        "(flush with the end), even if it is closer than a step to the one before.",
        "An axis no longer than a tile gets one tile, at 0.",
    ),
    mistakes=(
        Mistake(_starts_step_overlap, "not the overlap"),
        Mistake(_starts_past_the_end, "reaches past the end"),
        Mistake(_starts_none_for_short, "no tile"),
    ),
)


# 2 · A small image padded up to a patch by reflection ------------------------------------


def _reflect_pad(image, size):
    import numpy as np

    height, width = image.shape[:2]
    pad = ((0, max(size - height, 0)), (0, max(size - width, 0)))
    return np.pad(image, pad + ((0, 0),) * (image.ndim - 2), mode="reflect")


def _pad_cases():
    rng = np.random.default_rng(14)
    return [
        ("a 40 x 50 grey image, size 64", rng.integers(0, 256, (40, 50), dtype=np.uint8), 64),
        ("a 30 x 64 x 3 colour image, size 64", rng.integers(0, 256, (30, 64, 3), np.uint8), 64),
        ("a 20 x 12 grey image, size 32", rng.integers(0, 256, (20, 12), dtype=np.uint8), 32),
    ]


def _pad_checker(answer) -> str:
    from helpers.tiling import crop_window

    for case, image, size in _pad_cases():
        expected = crop_window(image, 0, 0, size)
        got = call(answer, image.copy(), size)
        if not isinstance(got, np.ndarray):
            raise Wrong(f"for {case} you returned {describe(got)}; return the padded array.")
        if got.shape != expected.shape:
            raise Wrong(
                f"for {case} your result has shape {got.shape}; it should be "
                f"{expected.shape}: pad the bottom and the right up to size x size, channels "
                "untouched."
            )
        if np.array_equal(got, expected):
            continue
        height, width = image.shape[:2]
        if np.array_equal(got[:height, :width], image) and not got[height:].any():
            raise Wrong(
                f"for {case} you padded with zeros: a black band is an edge the network never "
                "sees in a real image. Reflect the image instead (np.pad(..., mode='reflect'))."
            )
        pad = ((0, size - height), (0, size - width)) + ((0, 0),) * (image.ndim - 2)
        if np.array_equal(got, np.pad(image, pad, mode="symmetric")) or np.array_equal(
            got, np.pad(image, pad, mode="edge")
        ):
            raise Wrong(
                f"for {case} your padding repeats the edge pixel (mode 'symmetric' or "
                "'edge'); the course's padding is mode='reflect', as predict_proba and the "
                "patches use it."
            )
        if not np.array_equal(got[:height, :width], image):
            raise Wrong(
                f"for {case} the image itself changed (stretched or moved?): keep it as it "
                "is in the top-left corner and add pixels only below and to the right."
            )
        raise Wrong(f"for {case} your padded pixels differ from reflect padding.")
    return (
        "np.pad(mode='reflect') mirrors the image without repeating its edge, so a small "
        "image becomes a patch without stretching and without a black band; "
        "helpers.tiling.crop_window cuts such windows, and PatchSampler uses it."
    )


def _pad_zeros(image, size):
    height, width = image.shape[:2]
    pad = ((0, size - height), (0, size - width)) + ((0, 0),) * (image.ndim - 2)
    return np.pad(image, pad)


def _pad_symmetric(image, size):
    height, width = image.shape[:2]
    pad = ((0, size - height), (0, size - width)) + ((0, 0),) * (image.ndim - 2)
    return np.pad(image, pad, mode="symmetric")


def _pad_stretched(image, size):
    from helpers.io import resize_image

    return resize_image(image, size)


reflect_pad = Exercise(
    title="a small image padded up to a patch by reflection",
    expects="a function reflect_pad(image, size) -> array (size, size[, C])",
    checker=_pad_checker,
    reference=_reflect_pad,
    hints=(
        "np.pad takes one (before, after) pair per axis: ((0, size - height), (0, size - "
        "width)) for a grey image, and (0, 0) more for the channels of a colour image.",
        "mode='reflect' mirrors the image without repeating the edge pixel.",
    ),
    mistakes=(
        Mistake(_pad_zeros, "zeros"),
        Mistake(_pad_symmetric, "repeats the edge pixel"),
        Mistake(_pad_stretched, "stretched"),
    ),
)
