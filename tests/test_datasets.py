"""Tests of helpers.datasets: the streaming tf.data pipelines and paired augmentation.

References: helpers.io.load_pairs (the arrays a pipeline must reproduce), and the 8
rotations/reflections of a square written plainly with NumPy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from imagefiles import damaged_files, dihedral_variants, random_image, save
from PIL import Image

from helpers import conventions, datasets
from helpers import io as hio
from helpers.errors import DataError


def collect(dataset) -> tuple[np.ndarray, np.ndarray]:
    images, masks = zip(*[(x.numpy(), y.numpy()) for x, y in dataset], strict=True)
    return np.concatenate(images), np.concatenate(masks)


@pytest.fixture
def mixed_pairs(tmp_path) -> list[tuple[Path, Path]]:
    """Images of every kind the reader handles, with 0/255, 0/1 and 16-bit masks."""
    rows, cols = np.mgrid[:40, :40]
    disc = ((rows - 18) ** 2 + (cols - 22) ** 2 < 150).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    images = {
        "grey16.png": (random_image((40, 40), seed=20, dtype=np.uint16), {}),
        "rgb.PNG": (random_image((40, 40, 3), seed=21), {}),
        "rgba.png": (random_image((40, 40, 4), seed=22), {}),
        "phone.v2.jpg": (random_image((40, 40, 3), seed=23), {"exif": exif}),
        "grey.tif": (random_image((40, 40), seed=24), {}),
    }
    masks = [disc * 255, disc, disc.astype(np.uint16) * 65535, disc * 255, disc]
    pairs = []
    for (name, (pixels, options)), mask in zip(images.items(), masks, strict=True):
        image_path = save(tmp_path / "images" / name, pixels, **options)
        mask_path = save(tmp_path / "masks" / (Path(name).stem + ".png"), mask)
        pairs.append((image_path, mask_path))
    return pairs


@pytest.mark.parametrize("size", [40, 24, 56])
def test_from_files_gives_the_same_arrays_as_load_pairs(mixed_pairs, size):
    images, masks = hio.load_pairs(mixed_pairs, size=size)
    dataset = datasets.from_files(mixed_pairs, size=size, batch_size=2)
    streamed_images, streamed_masks = collect(dataset)
    assert streamed_images.dtype == np.float32 and streamed_masks.dtype == np.float32
    if size == 40:  # the files' own size: the same floats
        np.testing.assert_array_equal(streamed_images, images)
    else:  # resized pixels are kept as integers (uint16 here): at most half a step off
        np.testing.assert_allclose(streamed_images, images, rtol=0, atol=0.5 / 65535 + 1e-5)
    np.testing.assert_array_equal(streamed_masks, masks.astype(np.float32))
    assert images.shape == (5, size, size, 3) and set(np.unique(masks)) == {0, 1}


def test_from_files_gives_int_class_indices_for_several_classes(tmp_path):
    classes = np.random.default_rng(25).integers(0, 4, size=(16, 16)).astype(np.uint8)
    image = save(tmp_path / "a.png", random_image((16, 16), seed=26))
    pair = (image, save(tmp_path / "m.png", classes))
    _, masks = collect(datasets.from_files([pair], size=16, batch_size=1, num_classes=4))
    assert masks.dtype == np.int32 and masks.shape == (1, 16, 16, 1)
    np.testing.assert_array_equal(masks[0, ..., 0], classes)
    with pytest.raises(Exception, match=r"m\.png has labels up to 3.*num_classes=4"):
        collect(datasets.from_files([pair], size=16, batch_size=1, num_classes=1))


def test_from_files_refuses_a_non_image_before_training_starts(tmp_path):
    damaged = damaged_files(tmp_path)
    mask = save(tmp_path / "mask.png", np.zeros((64, 64), np.uint8))
    with pytest.raises(DataError, match=r"text\.png"):
        datasets.from_files([(damaged["text.png"], mask)], size=16, batch_size=1)


def test_from_files_stops_naming_a_file_damaged_after_its_header(tmp_path):
    damaged = damaged_files(tmp_path)
    mask = save(tmp_path / "mask.png", np.zeros((64, 64), np.uint8))
    dataset = datasets.from_files([(damaged["truncated.png"], mask)], size=16, batch_size=1)
    with pytest.raises(Exception, match=r"truncated\.png could not be read"):
        collect(dataset)
    with pytest.raises(DataError) as caught, datasets.unwrap_data_errors():
        collect(dataset)
    assert str(caught.value).startswith(f"{damaged['truncated.png']} could not be read")
    assert "\n" not in str(caught.value)


def test_unwrap_data_errors_lets_other_errors_pass():
    with pytest.raises(KeyError), datasets.unwrap_data_errors():
        raise KeyError("not ours")


def marked(count: int, size: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Images with one bright marker pixel each, masks with the marker's pixel as object."""
    rng = np.random.default_rng(27)
    images = np.zeros((count, size, size, 1), np.float32)
    masks = np.zeros((count, size, size, 1), np.uint8)
    for i, (r, c) in enumerate(rng.integers(0, size, size=(count, 2))):
        images[i, r, c] = 1.0
        masks[i, r, c] = 1
    return images, masks


def test_augmentation_moves_a_marker_pixel_to_the_same_place_in_image_and_mask():
    images, masks = marked(32)
    augmented, augmented_masks = collect(
        datasets.from_arrays(images, masks, batch_size=8, augment=True, seed=3)
    )
    moved = 0
    for i in range(32):
        image_spot = np.unravel_index(augmented[i].argmax(), augmented[i].shape)
        mask_spot = np.unravel_index(augmented_masks[i].argmax(), augmented_masks[i].shape)
        assert image_spot == mask_spot and augmented_masks[i].sum() == 1
        moved += image_spot != np.unravel_index(images[i].argmax(), images[i].shape)
    assert moved > 16  # the augmentation did move markers (7 of 8 variants move a typical pixel)


def test_augmentation_gives_only_the_8_dihedral_variants_and_the_same_one_to_the_mask(tmp_path):
    base = np.random.default_rng(28).random((10, 10, 2)).astype(np.float32)
    mask = (base[..., :1] > 0.5).astype(np.uint8)
    images, masks = np.repeat(base[None], 64, 0), np.repeat(mask[None], 64, 0)
    out_images, out_masks = collect(
        datasets.from_arrays(images, masks, batch_size=16, augment=True, shuffle=True, seed=5)
    )
    variants = dihedral_variants(base)
    mask_variants = dihedral_variants(mask)
    seen = []
    for image, out_mask in zip(out_images, out_masks, strict=True):
        matches = [k for k, v in enumerate(variants) if np.array_equal(image, v)]
        assert len(matches) == 1  # exactly one of the 8 symmetries, never anything else
        np.testing.assert_array_equal(out_mask, mask_variants[matches[0]])
        seen.append(matches[0])
    assert set(seen) == set(range(8))


def test_augmentation_of_non_square_images_keeps_their_shape():
    base = np.random.default_rng(29).random((6, 10, 1)).astype(np.float32)
    images = np.repeat(base[None], 32, 0)
    masks = (images > 0.5).astype(np.uint8)
    dataset = datasets.from_arrays(images, masks, batch_size=8, augment=True)
    out_images, out_masks = collect(dataset)
    allowed = [base, base[::-1], base[:, ::-1], base[::-1, ::-1]]
    seen = set()
    for image, mask in zip(out_images, out_masks, strict=True):
        matches = [k for k, v in enumerate(allowed) if np.array_equal(image, v)]
        assert len(matches) == 1
        np.testing.assert_array_equal(mask, allowed[matches[0]] > 0.5)
        seen.add(matches[0])
    assert seen == {0, 1, 2, 3}


def test_augmented_files_stay_aligned_and_are_reproducible_for_a_seed(tmp_path):
    pairs = []
    for i in range(6):
        image = np.zeros((16, 16), np.uint8)
        image[i, 2 * i + 1] = 255
        pairs.append((save(tmp_path / f"{i}.png", image), save(tmp_path / f"{i}_m.png", image)))
    first = collect(datasets.from_files(pairs, size=16, batch_size=4, augment=True, seed=9))
    second = collect(datasets.from_files(pairs, size=16, batch_size=4, augment=True, seed=9))
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[0], first[1])  # the mask is the image, moved alike


def test_shuffle_gives_every_pair_once_per_epoch_in_a_new_seeded_order():
    images = np.arange(20, dtype=np.float32).reshape(20, 1, 1, 1) / 20
    masks = np.zeros((20, 1, 1, 1), np.uint8)
    dataset = datasets.from_arrays(images, masks, batch_size=6, shuffle=True, seed=4)
    epoch_1 = collect(dataset)[0].ravel()
    epoch_2 = collect(dataset)[0].ravel()
    again = collect(datasets.from_arrays(images, masks, batch_size=6, shuffle=True, seed=4))[0]
    np.testing.assert_array_equal(np.sort(epoch_1), images.ravel())
    np.testing.assert_array_equal(np.sort(epoch_2), images.ravel())
    assert not np.array_equal(epoch_1, epoch_2)
    np.testing.assert_array_equal(again.ravel(), epoch_1)
    assert not np.array_equal(epoch_1, images.ravel())


def test_from_arrays_normalises_pixels_like_float_image():
    pixels = random_image((3, 8, 8, 1), seed=30)
    masks = np.random.default_rng(31).integers(0, 3, size=(3, 8, 8)).astype(np.uint8)
    images, out_masks = collect(datasets.from_arrays(pixels, masks, batch_size=2, num_classes=3))
    np.testing.assert_array_equal(images, conventions.float_image(pixels))
    assert out_masks.dtype == np.int32 and out_masks.shape == (3, 8, 8, 1)
    np.testing.assert_array_equal(out_masks[..., 0], masks)
    with pytest.raises(DataError, match="labels up to 2"):
        datasets.from_arrays(pixels, masks, batch_size=2)


@pytest.mark.parametrize("num_classes", [1, 2, 3, 5])
@pytest.mark.parametrize("top", [0, 1, 2, 4, 31])
def test_check_mask_labels_refuses_exactly_the_labels_that_num_classes_does_not_allow(
    num_classes, top
):
    mask = np.zeros((5, 6), np.uint8)
    mask[2, 3] = top
    allowed = {0, 1} if num_classes == 1 else set(range(num_classes))  # the documented rule
    if top in allowed:
        datasets.check_mask_labels(mask, num_classes, "m.png")
        return
    with pytest.raises(DataError, match=rf"^m\.png has label.* {top}.*num_classes={top + 1}"):
        datasets.check_mask_labels(mask, num_classes, "m.png")
    with pytest.raises(DataError):  # the pipelines apply the same rule
        datasets.from_arrays(
            np.zeros((1, 5, 6, 1), np.float32), mask[None], batch_size=1, num_classes=num_classes
        )


def test_check_mask_labels_accepts_an_empty_mask():
    datasets.check_mask_labels(np.zeros((0, 4), np.uint8), 1, "empty.png")
