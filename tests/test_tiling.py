"""helpers.tiling: tile origins, reflected windows, and blending a band at a time.

References: ``np.pad(mode="reflect")`` for every reflected window, and a whole-image
accumulator written out here (the way ``inference.predict_tiled`` blended before it
streamed) for the blended bands.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.errors import ConfigError
from helpers.tiling import blend_tiles, crop_window, mirror_indices, padded_indices, tile_starts


@given(st.integers(1, 600), st.integers(1, 200), st.data())
@settings(max_examples=60, deadline=None)
def test_tiles_cover_the_axis_and_none_reaches_past_it(length, tile, data):
    overlap = data.draw(st.integers(0, tile - 1))
    starts = tile_starts(length, tile, overlap)
    covered = np.zeros(max(length, tile), bool)
    for start in starts:
        covered[start : start + tile] = True
    assert covered[:length].all()
    assert starts == sorted(set(starts)) and starts[0] == 0
    if length >= tile:
        assert starts[-1] == length - tile  # flush with the end
        assert all(b - a <= tile - overlap for a, b in zip(starts, starts[1:], strict=False))
    else:
        assert starts == [0]


@pytest.mark.parametrize("overlap", [-1, 64, 100])
def test_an_overlap_outside_zero_to_the_tile_is_refused(overlap):
    with pytest.raises(ConfigError, match="overlap"):
        tile_starts(300, 64, overlap)


@given(st.integers(1, 40), st.integers(-90, 90), st.integers(0, 90))
@settings(max_examples=60, deadline=None)
def test_mirror_indices_are_numpy_reflect_padding(length, start, size):
    values = np.arange(length)
    pad = 200
    reference = np.pad(values, pad, mode="reflect" if length > 1 else "edge")
    expected = reference[start + pad : start + pad + size]
    assert np.array_equal(values[mirror_indices(start, start + size, length)], expected)


@given(st.integers(1, 50), st.lists(st.integers(1, 130), min_size=1, max_size=3))
@settings(max_examples=60, deadline=None)
def test_padded_indices_are_numpy_reflect_padding_step_by_step(length, sizes):
    values = np.arange(length)
    reference = values
    for size in sizes:
        if size > len(reference):
            mode = "reflect" if len(reference) > 1 else "edge"
            reference = np.pad(reference, (0, size - len(reference)), mode=mode)
    assert np.array_equal(values[padded_indices(length, sizes)], reference)


@pytest.mark.parametrize("origin", [(0, 0), (-7, 3), (20, -12), (35, 50), (-30, -40)])
def test_a_window_past_the_edge_is_the_reflect_padded_image(origin):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (40, 56, 3), dtype=np.uint8)
    row, col = origin
    padded = np.pad(image, ((64, 64), (64, 64), (0, 0)), mode="reflect")
    expected = padded[row + 64 : row + 64 + 32, col + 64 : col + 64 + 24]
    window = crop_window(image, row, col, (32, 24))
    assert window.dtype == image.dtype and np.array_equal(window, expected)


def test_a_window_of_a_memory_map_reads_the_same_pixels(tmp_path):
    image = np.random.default_rng(1).integers(0, 65535, (70, 90), dtype=np.uint16)
    np.save(tmp_path / "image.npy", image)
    mapped = np.load(tmp_path / "image.npy", mmap_mode="r")
    for origin in [(-5, -5), (10, 20), (60, 80)]:
        assert np.array_equal(crop_window(mapped, *origin, 32), crop_window(image, *origin, 32))


def _whole_image_blend(image, predict, *, tile, overlap, weights, pad_to, batch_size):
    """The reference: pad the whole image, add every tile into whole-image sums, divide."""
    padded = image
    for height, width in [*pad_to, (tile, tile)]:
        pad_h, pad_w = max(height - padded.shape[0], 0), max(width - padded.shape[1], 0)
        padded = np.pad(padded, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect")
    step = tile - overlap
    starts = []
    for length in padded.shape[:2]:
        count = int(np.ceil(max(length - tile, 0) / step)) + 1
        starts.append(sorted({min(i * step, length - tile) for i in range(count)}))
    origins = [(r, c) for r in starts[0] for c in starts[1]]
    total = norm = None
    for first in range(0, len(origins), batch_size):
        chunk = origins[first : first + batch_size]
        out = predict(np.stack([padded[r : r + tile, c : c + tile] for r, c in chunk]))
        if total is None:
            total = np.zeros(padded.shape[:2] + (out.shape[-1],), np.float32)
            norm = np.zeros(padded.shape[:2] + (1,), np.float32)
        for (r, c), part in zip(chunk, out, strict=True):
            total[r : r + tile, c : c + tile] += part * weights[..., None]
            norm[r : r + tile, c : c + tile] += weights[..., None]
    return (total / norm)[: image.shape[0], : image.shape[1]]


def _context_model(tiles):
    """A stand-in for a network whose output depends on where a pixel is in its tile."""
    ramp = np.linspace(0, 1, tiles.shape[1], dtype=np.float32)
    return np.concatenate(
        [tiles * ramp[None, :, None, None], tiles[..., :1] * ramp[None, None, :, None]], axis=-1
    )


@pytest.mark.parametrize(
    "shape, tile, overlap, pad_to, batch_size",
    [
        ((100, 150, 1), 64, 32, [(112, 160)], 3),
        ((300, 70, 2), 64, 16, [(304, 80)], 8),
        ((40, 30, 1), 64, 32, [(48, 32)], 2),  # smaller than one tile
        ((129, 129, 1), 32, 0, [], 5),
    ],
)
def test_blended_bands_equal_a_whole_image_accumulator(shape, tile, overlap, pad_to, batch_size):
    image = np.random.default_rng(2).random(shape, dtype=np.float32)
    weights = np.random.default_rng(3).random((tile, tile), dtype=np.float32) + 0.01
    blocks = list(
        blend_tiles(
            image,
            _context_model,
            tile=tile,
            overlap=overlap,
            weights=weights,
            batch_size=batch_size,
            pad_to=pad_to,
        )
    )
    tops = [top for top, _ in blocks]
    assert tops == sorted(tops) and tops[0] == 0
    assert all(a + len(b) == c for (a, b), c in zip(blocks, tops[1:], strict=False))
    streamed = np.concatenate([block for _, block in blocks])
    reference = _whole_image_blend(
        image,
        _context_model,
        tile=tile,
        overlap=overlap,
        weights=weights,
        pad_to=pad_to,
        batch_size=batch_size,
    )
    assert streamed.shape == shape[:2] + (reference.shape[-1],)
    np.testing.assert_array_equal(streamed, reference)


def test_blending_holds_one_band_not_the_whole_image():
    """The blocks come as the tiles move down: none is more than a tile of rows."""
    image = np.zeros((1000, 40, 1), np.float32)
    blocks = list(
        blend_tiles(image, _context_model, tile=64, overlap=16, weights=np.ones((64, 64)))
    )
    assert max(len(block) for _, block in blocks) <= 64
    assert sum(len(block) for _, block in blocks) == 1000
