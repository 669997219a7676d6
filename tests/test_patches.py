"""Training at native resolution: patches (helpers.datasets.PatchSampler, from_patches,
from_tiles), elastic deformation and intensity jitter.

References: ``np.pad(mode="reflect")`` for padded patches, ``scipy.ndimage.map_coordinates``
for the deformation, and pairs built so that each carries its own number in its image
and in its mask (a patch of one pair with another's mask shows at once).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy.ndimage import map_coordinates

from helpers import datasets
from helpers.errors import ConfigError, DataError

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def _numbered_pairs(folder, sizes):
    """Pairs whose mask holds label ``k + 1`` on a checkerboard of 8 px squares and whose
    image is ``20 * (k + 1)`` there (0 elsewhere): pair ``k``'s number, in both."""
    (folder / "images").mkdir()
    (folder / "masks").mkdir()
    pairs = []
    for k, (height, width) in enumerate(sizes):
        rows, cols = np.indices((height, width))
        board = ((rows // 8 + cols // 8) % 2).astype(np.uint8)
        image, mask = folder / "images" / f"p{k}.png", folder / "masks" / f"p{k}.png"
        Image.fromarray(board * np.uint8(20 * (k + 1))).save(image)
        Image.fromarray(board * np.uint8(k + 1)).save(mask)
        pairs.append((image, mask))
    return pairs


@pytest.mark.parametrize("elastic", [False, True])
def test_patches_of_one_pair_never_carry_another_pairs_mask(tmp_path, elastic):
    sizes = [(96, 80), (40, 50), (128, 128), (64, 200)]
    pairs = _numbered_pairs(tmp_path, sizes)
    batches = datasets.from_patches(
        pairs,
        patch=48,
        batch_size=6,
        patches_per_epoch=60,
        num_classes=len(pairs) + 1,
        elastic=elastic,
        intensity=False,
        verbose=False,
    )
    seen = set()
    for images, masks in batches.as_numpy_iterator():
        assert images.shape == (6, 48, 48, 1) and masks.shape == (6, 48, 48, 1)
        for image, mask in zip(images, masks, strict=True):
            labels = set(np.unique(mask)) - {0}
            assert len(labels) == 1, labels  # one pair's number, and only one
            (number,) = labels
            seen.add(int(number))
            grey = np.rint(image[..., 0] * 255).astype(int)
            # the image's brightest pixels are its own pair's number, in the mask's places
            assert grey.max() == 20 * number
            inside = mask[..., 0] == number
            if not elastic:
                np.testing.assert_array_equal(grey, np.where(inside, 20 * number, 0))
            else:  # the image interpolated, the mask nearest: they agree away from edges
                assert (inside == (grey >= 10 * number)).mean() > 0.95
    assert seen == {1, 2, 3, 4}


def test_an_image_smaller_than_the_patch_is_reflected_not_stretched():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (40, 50, 1), dtype=np.uint8)
    mask = (rng.random((40, 50)) > 0.7).astype(np.uint8)
    sampler = datasets.PatchSampler(
        [image], [mask], patch=64, elastic=False, intensity=False, foreground_share=0.5
    )
    pad = 64
    padded_image = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    padded_mask = np.pad(mask, pad, mode="reflect")
    for _ in range(40):
        patch, patch_mask, where = sampler.sample(rng)
        assert -24 <= where.row <= 0 and -14 <= where.col <= 0  # the whole image inside
        rows = slice(where.row + pad, where.row + pad + 64)
        cols = slice(where.col + pad, where.col + pad + 64)
        np.testing.assert_array_equal(
            np.rint(patch * 255).astype(np.uint8), padded_image[rows, cols]
        )
        np.testing.assert_array_equal(patch_mask, padded_mask[rows, cols])
        # not stretched: the image itself sits in the patch, pixel for pixel
        inner = patch[-where.row : -where.row + 40, -where.col : -where.col + 50]
        np.testing.assert_array_equal(np.rint(inner * 255).astype(np.uint8), image)


def test_a_share_of_patches_is_centred_on_foreground_even_when_it_is_rare():
    mask = np.zeros((512, 512), np.uint8)
    mask[300:304, 100:104] = 1  # 16 foreground pixels in 262,144
    image = np.zeros((512, 512, 1), np.uint8)
    sampler = datasets.PatchSampler([image], [mask], patch=64, foreground_share=0.4)
    rng = np.random.default_rng(1)
    draws = [sampler.draw(rng) for _ in range(1000)]
    centred = [d for d in draws if d.centred]
    assert 0.35 < len(centred) / len(draws) < 0.45
    for d in centred:  # the patch holds the foreground, near its middle
        assert d.row <= 300 and d.row + 64 >= 304 and d.col <= 100 and d.col + 64 >= 104
    others = [d.row for d in draws if not d.centred]  # anywhere in the image
    assert min(others) < 40 and max(others) > 408 and max(others) <= 448


def test_foreground_centring_draws_rare_classes_as_often_as_common_ones():
    mask = np.zeros((256, 256), np.uint8)
    mask[:128] = 1  # class 1: half the image
    mask[200:202, 200:202] = 2  # class 2: 4 pixels
    sampler = datasets.PatchSampler(
        [np.zeros((256, 256, 1), np.uint8)], [mask], patch=32, foreground_share=1.0
    )
    rng = np.random.default_rng(2)
    hits = [mask[d.row + 16, d.col + 16] for d in (sampler.draw(rng) for _ in range(600))]
    assert 0.4 < np.mean(np.asarray(hits) == 2) < 0.6


def test_elastic_deformation_is_scipy_map_coordinates_with_reflection():
    rng = np.random.default_rng(3)
    field = datasets.elastic_field(64, rng=rng, std=6.0)
    image = rng.random((80, 90), dtype=np.float32)
    labels = rng.integers(0, 4, (80, 90)).astype(np.uint8)
    rows, cols = np.meshgrid(np.arange(64) + 7, np.arange(64) + 9, indexing="ij")
    where = np.stack([rows + field[0], cols + field[1]])
    expected = map_coordinates(image, where, order=1, mode="mirror")
    got = datasets.deform(image, field, order=1, offset=(7, 9))
    np.testing.assert_allclose(got, expected, atol=1e-4)
    expected_labels = map_coordinates(labels, np.rint(where), order=0, mode="mirror")
    np.testing.assert_array_equal(
        datasets.deform(labels, field, order=0, offset=(7, 9)), expected_labels
    )


def test_a_zero_field_moves_nothing():
    image = np.random.default_rng(4).random((50, 60, 3), dtype=np.float32)
    np.testing.assert_array_equal(datasets.deform(image, np.zeros((2, 50, 60)), order=1), image)


def test_elastic_fields_are_smooth_and_of_the_asked_size():
    rng = np.random.default_rng(5)
    fields = np.stack([datasets.elastic_field(128, rng=rng, std=10.0) for _ in range(50)])
    assert fields.shape == (50, 2, 128, 128) and fields.dtype == np.float32
    assert 3 < fields.std() < 12  # the control points' 10 px, smoothed between them
    steps = np.abs(np.diff(fields, axis=-1)).max()
    assert steps < 1.0  # neighbours move almost alike: no tearing, no folding


def test_elastic_deformation_keeps_masks_class_valued_and_aligned_with_the_image():
    """A grid test: lines drawn in the image and, as labels, in the mask stay together."""
    rows, cols = np.indices((128, 128))
    lines = (rows % 16 < 3) | (cols % 16 < 3)
    labels = np.where(rows % 16 < 3, 1, 0) + np.where(cols % 16 < 3, 2, 0)  # 0, 1, 2, 3
    image = lines.astype(np.float32)
    rng = np.random.default_rng(6)
    for _ in range(10):
        moved_image, moved_mask = datasets.elastic_deform(
            image, labels.astype(np.uint8), rng=rng, std=8.0
        )
        assert set(np.unique(moved_mask)) <= {0, 1, 2, 3} and moved_mask.dtype == np.uint8
        assert not np.array_equal(moved_mask, labels)  # it moved
        agree = ((moved_mask > 0) == (moved_image >= 0.5)).mean()
        assert agree > 0.97, agree  # the lines of the mask are the lines of the image
        assert (
            moved_image[moved_mask > 0].mean() > 0.8 and moved_image[moved_mask == 0].mean() < 0.2
        )


def test_intensity_jitter_keeps_the_range_and_the_order_of_the_pixels():
    rng = np.random.default_rng(7)
    image = np.sort(rng.random(5000, dtype=np.float32)).reshape(50, 100)
    changed = 0
    for _ in range(20):
        out = datasets.jitter_intensity(image, rng=rng)
        assert out.dtype == np.float32 and out.shape == image.shape
        assert out.min() >= 0.0 and out.max() <= 1.0
        assert (np.diff(out.ravel()) >= 0).all()  # brighter stays brighter (or both clip)
        changed += not np.allclose(out, image, atol=0.01)
    assert changed >= 18


def test_the_patch_pipeline_gives_training_batches_with_new_patches_every_epoch(tmp_path):
    pairs = _numbered_pairs(tmp_path, [(100, 120)])  # one pair: labels 0/1
    batches = datasets.from_patches(
        pairs, patch=32, batch_size=4, patches_per_epoch=10, verbose=False
    )
    first = [x for x, _ in batches.as_numpy_iterator()]
    second = [x for x, _ in batches.as_numpy_iterator()]
    assert len(first) == len(second) == 3  # 10 patches, rounded up to whole batches
    images, masks = next(batches.as_numpy_iterator())
    assert images.dtype == np.float32 and masks.dtype == np.float32
    assert set(np.unique(masks)) <= {0.0, 1.0}
    assert not np.array_equal(first[0], second[0])


def test_default_epoch_is_one_pass_over_the_pixels():
    assert datasets.default_patches_per_epoch([(512, 512)] * 16, 256, 8) == 64
    assert datasets.default_patches_per_epoch([(100, 100)], 256, 8) == 8  # at least a batch
    assert datasets.default_patches_per_epoch([(512, 512)] * 17, 256, 8) == 72


def test_tiles_of_validation_images_cover_them_at_their_own_size(tmp_path):
    pairs = _numbered_pairs(tmp_path, [(100, 130), (40, 40)])
    tiles = list(datasets.from_tiles(pairs, tile=64, num_classes=3).as_numpy_iterator())
    assert len(tiles) == 2 * 3 + 1  # rows 0, 36 by columns 0, 64, 66; and one tile
    image, mask = tiles[0]
    assert image.shape == (1, 64, 64, 1) and mask.dtype == np.int32
    big = np.asarray(Image.open(pairs[0][0]))
    np.testing.assert_array_equal(np.rint(image[0, ..., 0] * 255), big[:64, :64])
    small = np.asarray(Image.open(pairs[1][1]))
    np.testing.assert_array_equal(tiles[-1][1][0, :40, :40, 0], small)


def test_bad_settings_and_pairs_are_refused(tmp_path):
    image = np.zeros((10, 10, 1), np.uint8)
    with pytest.raises(ConfigError, match="foreground_share"):
        datasets.PatchSampler([image], [image[..., 0]], patch=8, foreground_share=1.5)
    with pytest.raises(DataError, match="size"):
        datasets.PatchSampler([image], [np.zeros((9, 10), np.uint8)], patch=8)
    pairs = _numbered_pairs(tmp_path, [(30, 30), (30, 30)])  # p1's mask holds label 2
    with pytest.raises(DataError, match="p1.png"):
        datasets.from_patches(pairs, patch=16, batch_size=2, verbose=False)
