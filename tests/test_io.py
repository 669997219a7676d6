"""Tests of helpers.io: pairing, reading, resizing, normalising, splitting.

References are independent of the code under test: NumPy slicing and block means,
Pillow's own conversions and EXIF handling, scikit-image's bilinear resize, and images
written here with Pillow and OpenCV.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imagefiles import blocky_image, damaged_files, random_image, save
from PIL import Image, ImageOps

from helpers import config, conventions, splits
from helpers import io as hio
from helpers.errors import ConfigError, CourseError, DataError
from helpers.io import _read as hio_read

MITO_IMAGES = config.data_dir("mito", "images")
MITO_MASKS = config.data_dir("mito", "masks")


# --------------------------------------------------------------------------------------
# small tools
# --------------------------------------------------------------------------------------


def make_pair_folders(tmp_path: Path, image_names, mask_names) -> tuple[Path, Path]:
    """Folders of small images and masks; image i is filled with 10*i, its mask with a
    class index i % 3, so a test can see which image a mask came with."""
    image_dir, mask_dir = tmp_path / "images", tmp_path / "masks"
    image_dir.mkdir(parents=True, exist_ok=True)
    mask_dir.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(image_names):
        save(image_dir / name, np.full((8, 8), 10 * i, np.uint8))
    for name in mask_names:
        save(mask_dir / name, np.zeros((8, 8), np.uint8))
    return image_dir, mask_dir


# --------------------------------------------------------------------------------------
# listing and pairing
# --------------------------------------------------------------------------------------


def test_list_images_matches_extensions_in_any_case_and_ignores_hidden_and_other_files(tmp_path):
    names = ["b.PNG", "a.jpeg", "c.Tif", "d.tiff", "e.BMP", "f.JPG", "g.h.png"]
    for name in names:
        save(tmp_path / name, np.zeros((4, 4), np.uint8), format="PNG")
    (tmp_path / "._b.png").write_bytes(b"macOS resource fork")
    (tmp_path / ".hidden.png").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "annotations.json").write_text("{}")
    (tmp_path / "folder.png").mkdir()
    found = hio.list_images(tmp_path)
    assert [p.name for p in found] == sorted(names, key=lambda n: Path(n).stem)
    assert [p.stem for p in found] == ["a", "b", "c", "d", "e", "f", "g.h"]


def test_pairs_are_matched_by_stem_with_dots_and_any_extension_case(tmp_path):
    images = ["cell.01.PNG", "cell.02.jpg", "cell.10.tif", "Scan 3.bmp"]
    masks = ["cell.10.png", "Scan 3.PNG", "cell.01.png", "cell.02.png"]
    image_dir, mask_dir = make_pair_folders(tmp_path, images, masks)
    pairs = hio.pair_images_and_masks(image_dir, mask_dir)
    assert [(i.name, m.name) for i, m in pairs] == [
        ("Scan 3.bmp", "Scan 3.PNG"),
        ("cell.01.PNG", "cell.01.png"),
        ("cell.02.jpg", "cell.02.png"),
        ("cell.10.tif", "cell.10.png"),
    ]
    assert all(i.stem == m.stem for i, m in pairs)


def test_a_missing_mask_is_an_error_and_never_shifts_the_later_pairs(tmp_path):
    image_dir, mask_dir = make_pair_folders(
        tmp_path, ["a.png", "b.png", "c.png"], ["a.png", "c.png"]
    )
    with pytest.raises(DataError, match=r"b\.png"):
        hio.pair_images_and_masks(image_dir, mask_dir)


def test_orphans_on_both_sides_are_all_named_in_the_error(tmp_path):
    image_dir, mask_dir = make_pair_folders(
        tmp_path, ["a.png", "only_image_1.png", "only_image_2.jpg"], ["a.png", "only_mask.tif"]
    )
    with pytest.raises(DataError) as caught:
        hio.pair_images_and_masks(image_dir, mask_dir)
    message = str(caught.value)
    for name in ("only_image_1.png", "only_image_2.jpg", "only_mask.tif"):
        assert name in message
    assert "2 image(s) without a mask" in message and "1 mask(s) without an image" in message
    assert isinstance(caught.value, CourseError)


def test_two_files_with_the_same_stem_in_one_folder_are_an_error(tmp_path):
    image_dir, mask_dir = make_pair_folders(tmp_path, ["a.png", "a.jpg"], ["a.png"])
    with pytest.raises(DataError, match=r"a\.(png|jpg) and a\.(png|jpg)"):
        hio.pair_images_and_masks(image_dir, mask_dir)


def test_mask_suffix_pairs_masks_named_with_an_ending_and_the_error_suggests_it(tmp_path):
    image_dir, mask_dir = make_pair_folders(
        tmp_path, ["a.png", "b.png"], ["a_mask.png", "b_mask.png"]
    )
    with pytest.raises(DataError, match="mask_suffix='_mask'"):
        hio.pair_images_and_masks(image_dir, mask_dir)
    pairs = hio.pair_images_and_masks(image_dir, mask_dir, mask_suffix="_mask")
    names = [(i.name, m.name) for i, m in pairs]
    assert names == [("a.png", "a_mask.png"), ("b.png", "b_mask.png")]


def test_a_missing_or_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    with pytest.raises(DataError, match="does not exist"):
        hio.pair_images_and_masks(tmp_path / "nope", tmp_path / "masks")
    with pytest.raises(DataError, match="No images found"):
        hio.pair_images_and_masks(tmp_path / "images", tmp_path / "masks")


# --------------------------------------------------------------------------------------
# reading images
# --------------------------------------------------------------------------------------


def test_read_image_keeps_the_values_of_16_bit_pngs(tmp_path):
    pixels = random_image((12, 10), seed=1, dtype=np.uint16)
    save(tmp_path / "pillow.png", pixels)
    cv2.imwrite(str(tmp_path / "opencv.png"), pixels)
    for name in ("pillow.png", "opencv.png"):
        image = hio.read_image(tmp_path / name)
        assert image.dtype == np.uint16 and image.shape == (12, 10, 1)
        np.testing.assert_array_equal(image[..., 0], pixels)


def test_read_image_of_grey_rgb_and_rgba_gives_1_3_and_3_channels(tmp_path):
    grey = random_image((6, 7), seed=2)
    rgb = random_image((6, 7, 3), seed=3)
    rgba = np.dstack([rgb, random_image((6, 7), seed=4)])
    np.testing.assert_array_equal(hio.read_image(save(tmp_path / "g.png", grey)), grey[..., None])
    np.testing.assert_array_equal(hio.read_image(save(tmp_path / "c.png", rgb)), rgb)
    # alpha is dropped, the colour is kept as it is (not blended with a background)
    np.testing.assert_array_equal(hio.read_image(save(tmp_path / "a.png", rgba)), rgb)
    np.testing.assert_array_equal(hio.read_image(save(tmp_path / "c.bmp", rgb)), rgb)
    np.testing.assert_array_equal(hio.read_image(save(tmp_path / "c.tif", rgb)), rgb)


def test_read_image_gives_rgb_for_a_file_written_by_opencv(tmp_path):
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 0] = 200  # pure red
    cv2.imwrite(str(tmp_path / "red.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    image = hio.read_image(tmp_path / "red.png")
    assert image[0, 0].tolist() == [200, 0, 0]


@pytest.mark.parametrize("name", ["deep.png", "deep.tif"])
def test_read_image_keeps_16_bit_colour_in_rgb_order(tmp_path, name):
    rgb = random_image((5, 9, 3), seed=5, dtype=np.uint16)
    cv2.imwrite(str(tmp_path / name), rgb[..., ::-1])  # OpenCV writes BGR order
    image = hio.read_image(tmp_path / name)
    assert image.dtype == np.uint16
    np.testing.assert_array_equal(image, rgb)


def test_a_16_bit_png_with_exif_orientation_stays_16_bit_and_is_turned_upright(tmp_path):
    stored = random_image((4, 6), seed=32, dtype=np.uint16)
    exif = Image.Exif()
    exif[0x0112] = 6
    image = hio.read_image(save(tmp_path / "deep.png", stored, exif=exif))
    assert image.dtype == np.uint16
    np.testing.assert_array_equal(image[..., 0], np.rot90(stored, k=-1))


def test_a_jpeg_with_exif_orientation_6_is_turned_upright(tmp_path):
    stored = blocky_image(48, 80)  # stored 48 high, 80 wide; shown turned a quarter clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    save(tmp_path / "phone.jpg", stored, exif=exif, quality=95)
    image = hio.read_image(tmp_path / "phone.jpg")
    assert image.shape == (80, 48, 1)
    expected = np.rot90(stored, k=-1)  # clockwise
    difference = np.abs(image[..., 0].astype(int) - expected)
    assert difference.mean() < 2 and np.percentile(difference, 99) < 12


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(tmp_path, orientation):
    stored = random_image((6, 10, 3), seed=orientation)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = save(tmp_path / "o.png", stored, exif=exif)
    with Image.open(path) as opened:
        upright = np.asarray(ImageOps.exif_transpose(opened))
    np.testing.assert_array_equal(hio.read_image(path), upright)
    # the table used for 16-bit colour (which Pillow cannot hold) does the same
    np.testing.assert_array_equal(hio_read._apply_orientation(stored, orientation), upright)


def test_read_image_channels_option_converts_like_pillow(tmp_path):
    rgb = random_image((9, 11, 3), seed=6)
    path = save(tmp_path / "c.png", rgb)
    grey = hio.read_image(path, channels=1)
    pillow_grey = np.asarray(Image.fromarray(rgb).convert("L")).astype(int)
    assert grey.shape == (9, 11, 1) and grey.dtype == np.uint8
    assert np.abs(grey[..., 0].astype(int) - pillow_grey).max() <= 1
    plain = random_image((9, 11), seed=7)
    as_rgb = hio.read_image(save(tmp_path / "g.png", plain), channels=3)
    np.testing.assert_array_equal(as_rgb, np.dstack([plain] * 3))
    with pytest.raises(ValueError):
        hio.read_image(path, channels=2)


def test_a_palette_image_reads_as_rgb_and_a_palette_mask_as_its_indices(tmp_path):
    indices = np.array([[0, 1, 2], [2, 1, 0]], np.uint8)
    palette = Image.fromarray(indices, mode="L").convert("P")
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * (256 * 3 - 9))
    palette.save(tmp_path / "p.png")
    colours = hio.read_image(tmp_path / "p.png")
    assert colours.shape == (2, 3, 3)
    assert colours[0, 1].tolist() == [255, 0, 0] and colours[0, 2].tolist() == [0, 255, 0]
    np.testing.assert_array_equal(hio.read_mask(tmp_path / "p.png"), indices)


@pytest.mark.parametrize("name", ["truncated.png", "text.png", "empty.jpg", "missing.png"])
def test_a_corrupt_or_missing_file_gives_an_error_naming_it(tmp_path, name):
    path = damaged_files(tmp_path)[name]
    for reader in (hio.read_image, hio.read_mask):
        with pytest.raises(DataError, match=name.replace(".", r"\.")):
            reader(path)


def test_a_float_tiff_is_refused_with_what_to_do(tmp_path):
    save(tmp_path / "f.tif", np.linspace(0, 1, 20, dtype=np.float32).reshape(4, 5))
    with pytest.raises(DataError, match=r"f\.tif.*8- or 16-bit"):
        hio.read_image(tmp_path / "f.tif")


# --------------------------------------------------------------------------------------
# reading masks
# --------------------------------------------------------------------------------------


def test_read_mask_turns_0_255_into_0_1_and_keeps_0_1_and_class_indices(tmp_path):
    labels = np.random.default_rng(9).integers(0, 2, size=(7, 9)).astype(np.uint8)
    classes = np.random.default_rng(10).integers(0, 5, size=(7, 9)).astype(np.uint8)
    cases = {
        "m255.png": (labels * 255, labels),
        "m01.png": (labels, labels),
        "classes.png": (classes, classes),
        "m16.png": (labels.astype(np.uint16) * 65535, labels),
        "all_object.png": (np.full((7, 9), 255, np.uint8), np.ones((7, 9), np.uint8)),
        "empty.png": (np.zeros((7, 9), np.uint8), np.zeros((7, 9), np.uint8)),
        "rgb_grey.png": (np.dstack([labels * 255] * 3), labels),
    }
    for name, (stored, expected) in cases.items():
        mask = hio.read_mask(save(tmp_path / name, stored))
        assert mask.dtype == np.uint8 and mask.shape == (7, 9), name
        np.testing.assert_array_equal(mask, expected, err_msg=name)


def test_a_jpeg_compressed_mask_with_many_grey_levels_is_a_clear_error(tmp_path):
    rows, cols = np.mgrid[:64, :64]
    disc = (((rows - 30) ** 2 + (cols - 34) ** 2) < 400).astype(np.uint8) * 255
    path = save(tmp_path / "mask.jpg", disc, quality=75)
    levels = len(np.unique(np.asarray(Image.open(path))))
    assert levels > 10  # the premise: JPEG made many grey levels out of two
    with pytest.raises(DataError) as caught:
        hio.read_mask(path)
    message = str(caught.value)
    assert "mask.jpg" in message and f"{levels} different values" in message
    assert "save masks as PNG" in message


def test_grey_levels_that_are_not_labels_are_an_error(tmp_path):
    path = save(tmp_path / "three.png", np.array([[0, 128, 255]], np.uint8))
    with pytest.raises(DataError, match=r"three\.png.*3 different values \(0, 128, 255\)"):
        hio.read_mask(path)


def test_a_colour_mask_is_an_error_that_says_what_to_do(tmp_path):
    colour = np.zeros((4, 4, 3), np.uint8)
    colour[:2, :, 0] = 255
    with pytest.raises(DataError, match=r"colour\.png is a colour mask.*class index"):
        hio.read_mask(save(tmp_path / "colour.png", colour))


# --------------------------------------------------------------------------------------
# normalising and resizing
# --------------------------------------------------------------------------------------


def test_float_image_divides_by_the_dtype_maximum():
    every_byte = np.arange(256, dtype=np.uint8)
    np.testing.assert_allclose(
        conventions.float_image(every_byte), np.arange(256) / 255.0, rtol=1e-6
    )
    words = np.array([0, 1, 32768, 65535], np.uint16)
    normalised = conventions.float_image(words)
    assert normalised.dtype == np.float32
    np.testing.assert_allclose(normalised, words / 65535.0, rtol=1e-6)
    assert normalised[-1] == 1.0 and conventions.float_image(every_byte)[-1] == 1.0


def test_float_image_twice_changes_nothing_and_refuses_other_scales():
    once = conventions.float_image(random_image((5, 5, 3), seed=11))
    np.testing.assert_array_equal(conventions.float_image(once), once)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        conventions.float_image(np.array([0.0, 255.0]))
    with pytest.raises(TypeError, match="uint8 or uint16"):
        conventions.float_image(np.array([0, 7], np.int64))


def block_mean(array: np.ndarray, factor: int) -> np.ndarray:
    height, width = array.shape[0] // factor, array.shape[1] // factor
    blocks = array.reshape(height, factor, width, factor, *array.shape[2:])
    return blocks.astype(np.float64).mean(axis=(1, 3))


def test_shrinking_an_image_by_an_integer_factor_is_the_block_mean():
    pixels = random_image((64, 48, 3), seed=12)
    as_float = pixels.astype(np.float32) / 255
    shrunk = hio.resize_image(as_float, (16, 12))
    np.testing.assert_allclose(shrunk, block_mean(as_float, 4), atol=1e-6)
    rounded = hio.resize_image(pixels, (32, 24))
    assert rounded.dtype == np.uint8
    assert np.abs(rounded.astype(float) - block_mean(pixels, 2)).max() <= 0.5 + 1e-9


def test_enlarging_an_image_is_bilinear_like_scikit_image():
    from skimage.transform import resize

    pixels = np.random.default_rng(13).random((20, 30, 2)).astype(np.float32)
    reference = resize(pixels, (50, 70, 2), order=1, anti_aliasing=False, mode="edge")
    np.testing.assert_allclose(hio.resize_image(pixels, (50, 70)), reference, atol=1e-5)


def test_resize_image_keeps_dtype_and_channels_and_takes_height_then_width():
    words = random_image((40, 30, 1), seed=14, dtype=np.uint16)
    out = hio.resize_image(words, (20, 10))
    assert out.shape == (20, 10, 1) and out.dtype == np.uint16
    assert hio.resize_image(words[..., 0], 16).shape == (16, 16)
    assert hio.resize_image(random_image((8, 8, 4), seed=15), (4, 6)).shape == (4, 6, 4)


def nearest_reference(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """Each output pixel takes the input pixel under its centre, written plainly."""
    out = np.empty((height, width), mask.dtype)
    for r in range(height):
        for c in range(width):
            source_r = min(int((r + 0.5) * mask.shape[0] / height), mask.shape[0] - 1)
            source_c = min(int((c + 0.5) * mask.shape[1] / width), mask.shape[1] - 1)
            out[r, c] = mask[source_r, source_c]
    return out


@pytest.mark.parametrize("size", [(16, 16), (100, 80), (37, 20), (74, 106)])
def test_resize_mask_keeps_the_labels_and_samples_pixel_centres(size):
    mask = np.random.default_rng(16).integers(0, 5, size=(37, 53)).astype(np.uint8)
    resized = hio.resize_mask(mask, size)
    assert resized.dtype == np.uint8 and resized.shape == size
    assert set(np.unique(resized)) <= set(np.unique(mask))
    np.testing.assert_array_equal(resized, nearest_reference(mask, *size))
    pillow = np.asarray(Image.fromarray(mask).resize(size[::-1], Image.NEAREST))
    np.testing.assert_array_equal(resized, pillow)


def test_resize_mask_of_bool_int64_and_a_channel_axis_keeps_type_and_shape():
    mask = np.random.default_rng(17).integers(0, 300, size=(20, 20, 1))
    resized = hio.resize_mask(mask, 10)
    assert resized.dtype == mask.dtype and resized.shape == (10, 10, 1)
    np.testing.assert_array_equal(resized[..., 0], nearest_reference(mask[..., 0], 10, 10))
    flags = hio.resize_mask(mask[..., 0] > 150, (40, 40))
    assert flags.dtype == np.bool_
    np.testing.assert_array_equal(flags, nearest_reference(mask[..., 0] > 150, 40, 40))


def test_an_upsampled_mask_keeps_every_label():
    mask = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert set(np.unique(hio.resize_mask(mask, (9, 8)))) == set(range(12))


# --------------------------------------------------------------------------------------
# loading arrays
# --------------------------------------------------------------------------------------


def test_load_pairs_on_the_bundled_mito_data_matches_plain_numpy():
    pairs = hio.pair_images_and_masks(MITO_IMAGES, MITO_MASKS)
    assert len(pairs) == 60 and all(i.stem == m.stem for i, m in pairs)
    chosen = pairs[:6]
    images, masks = hio.load_pairs(chosen, size=128)
    assert images.shape == (6, 128, 128, 1) and images.dtype == np.float32
    assert masks.shape == (6, 128, 128, 1) and masks.dtype == np.uint8
    for index, (image_path, mask_path) in enumerate(chosen):
        raw = np.asarray(Image.open(image_path)).astype(np.float64) / 255
        np.testing.assert_allclose(images[index, ..., 0], block_mean(raw, 2), atol=1e-6)
        raw_mask = (np.asarray(Image.open(mask_path)) == 255).astype(np.uint8)
        np.testing.assert_array_equal(masks[index, ..., 0], nearest_reference(raw_mask, 128, 128))
    assert set(np.unique(masks)) == {0, 1}


def test_the_external_mito_image_loads_at_a_non_square_size():
    external = config.data_dir("mito", "external")
    images, masks, stems = hio.load_folder(external, external / "masks", size=(96, 128))
    assert stems == ["external_000"]
    assert images.shape == (1, 96, 128, 1) and masks.shape == (1, 96, 128, 1)
    assert set(np.unique(masks)) == {0, 1}


def test_load_pairs_refuses_an_image_and_mask_of_different_sizes(tmp_path):
    image = save(tmp_path / "images" / "a.png", np.zeros((10, 12), np.uint8))
    mask = save(tmp_path / "masks" / "a.png", np.zeros((10, 10), np.uint8))
    with pytest.raises(DataError, match=r"a\.png is 12x10 pixels.*a\.png is 10x10"):
        hio.load_pairs([(image, mask)], size=8)
    with pytest.raises(DataError, match="its mask"):
        hio.load_pair(image, mask, size=8)


def test_load_pairs_uses_three_channels_when_any_image_is_in_colour(tmp_path):
    grey = random_image((16, 16), seed=18)
    rgb = random_image((16, 16, 3), seed=19)
    mask = np.zeros((16, 16), np.uint8)
    pairs = [
        (save(tmp_path / "g.png", grey), save(tmp_path / "m1.png", mask)),
        (save(tmp_path / "c.png", rgb), save(tmp_path / "m2.png", mask)),
    ]
    images, _ = hio.load_pairs(pairs, size=16)
    assert images.shape == (2, 16, 16, 3)
    np.testing.assert_allclose(images[0], np.dstack([grey] * 3) / 255, atol=1e-6)
    np.testing.assert_allclose(images[1], rgb / 255, atol=1e-6)
    grey_only, _ = hio.load_pairs(pairs, size=16, channels=1)
    assert grey_only.shape == (2, 16, 16, 1)


def test_load_pairs_names_a_corrupt_file_before_reading_the_rest(tmp_path):
    damaged = damaged_files(tmp_path)
    mask = save(tmp_path / "mask.png", np.zeros((64, 64), np.uint8))
    for name in ("truncated.png", "text.png"):
        with pytest.raises(DataError, match=name.replace(".", r"\.")):
            hio.load_pairs([(damaged[name], mask)], size=32)


def test_load_folder_keeps_the_first_pairs_in_stem_order():
    images, masks, stems = hio.load_folder(MITO_IMAGES, MITO_MASKS, size=32, max_images=5)
    assert stems == [f"mito_{i:03d}" for i in range(5)]
    assert images.shape == (5, 32, 32, 1) and masks.shape == (5, 32, 32, 1)


def test_as_pairs_gives_paths_and_refuses_no_pairs():
    given = [("images/a.png", Path("masks/a.png")), (Path("images/b.tif"), "masks/b.png")]
    assert hio.as_pairs(iter(given)) == [(Path(i), Path(m)) for i, m in given]
    with pytest.raises(DataError, match="No image/mask pairs were given"):
        hio.as_pairs([])


@pytest.mark.parametrize("size", [64, np.int64(7), (48, 64), [3, 5], np.array([9, 2])])
def test_size_hw_reads_an_int_as_a_square_and_a_pair_as_height_then_width(size):
    expected = (int(size), int(size)) if np.ndim(size) == 0 else tuple(int(s) for s in size)
    assert hio.size_hw(size) == expected
    with pytest.raises(ConfigError, match="size must be positive"):
        hio.size_hw((0, 4))


def test_grey_modes_are_the_modes_pillow_counts_as_grey(tmp_path):
    files = {
        "1": Image.new("1", (4, 4)),
        "L": Image.new("L", (4, 4)),
        "LA": Image.new("LA", (4, 4)),
        "I;16": Image.fromarray(random_image((4, 4), seed=60, dtype=np.uint16)),
        "I": Image.new("I", (4, 4)),
        "F": Image.new("F", (4, 4)),
        "RGB": Image.new("RGB", (4, 4)),
        "RGBA": Image.new("RGBA", (4, 4)),
        "P": Image.new("P", (4, 4)),
    }
    for name, image in files.items():  # PNG has no 32-bit modes: those go to TIFF
        suffix = ".tif" if name in ("I", "F") else ".png"
        image.save(tmp_path / f"{len(name)}{name.replace(';', '')}{suffix}")
    for path in tmp_path.iterdir():
        with Image.open(path) as opened:
            grey = Image.getmodebase(opened.mode) == "L"
            assert (opened.mode in hio.GREY_MODES) == grey, opened.mode


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_raw_mode_tells_16_bit_colour_that_pillow_opens_as_8_bit_rgb(tmp_path, dtype):
    path = tmp_path / "colour.png"
    cv2.imwrite(str(path), random_image((6, 5, 3), seed=61, dtype=dtype))
    with Image.open(path) as opened:
        assert opened.mode == "RGB"  # why the mode alone does not tell
        sixteen = ";16" in hio.raw_mode(opened)
    assert sixteen == (cv2.imread(str(path), cv2.IMREAD_UNCHANGED).dtype == np.uint16)


def test_isbi2012_pairs_and_loads_at_128_pixels(shared_data):
    folder = shared_data("isbi2012")
    pairs = hio.pair_images_and_masks(folder / "image", folder / "label")
    assert len(pairs) == 30
    assert sorted(int(i.stem) for i, _ in pairs) == list(range(30))
    images, masks = hio.load_pairs(pairs, size=128)
    assert images.shape == (30, 128, 128, 1) and masks.shape == (30, 128, 128, 1)
    assert 0.0 <= images.min() < images.max() <= 1.0
    assert set(np.unique(masks)) == {0, 1}
    # labels are 255 for cell interior: most of each picture; membranes are the rest
    assert 0.6 < masks.mean() < 0.9
    raw = np.asarray(Image.open(pairs[0][0])).astype(np.float64) / 255
    np.testing.assert_allclose(images[0, ..., 0], block_mean(raw, 4), atol=1e-6)


# --------------------------------------------------------------------------------------
# splitting
# --------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(0, 120),
    val=st.floats(0, 0.45),
    test=st.floats(0, 0.45),
    seed=st.integers(0, 2**31),
)
def test_split_is_disjoint_complete_and_deterministic(count, val, test, seed):
    stems = [f"img.{i:03d}" for i in range(count)]
    split = splits.split_stems(stems, val_fraction=val, test_fraction=test, seed=seed)
    parts = [split["train"], split["val"], split["test"]]
    assert sorted(itertools.chain(*parts)) == stems  # complete, every stem once
    assert not set(split["train"]) & set(split["val"])
    assert not set(split["train"]) & set(split["test"])
    assert not set(split["val"]) & set(split["test"])
    shuffled = list(reversed(stems))
    assert splits.split_stems(shuffled, val_fraction=val, test_fraction=test, seed=seed) == split
    if count >= 3:
        assert split["train"]
        assert bool(split["val"]) == (val > 0)
        assert bool(split["test"]) == (test > 0)


def test_split_sizes_follow_the_fractions_and_the_seed_changes_the_draw():
    stems = [f"s{i}" for i in range(100)]
    split = splits.split_stems(stems, val_fraction=0.15, test_fraction=0.15, seed=1)
    assert [len(split[k]) for k in ("train", "val", "test")] == [70, 15, 15]
    assert splits.split_stems(stems, seed=2)["test"] != splits.split_stems(stems, seed=1)["test"]
    small = splits.split_stems(["a", "b", "c"])
    assert [len(small[k]) for k in ("train", "val", "test")] == [1, 1, 1]


def test_split_refuses_bad_fractions_and_repeated_stems():
    with pytest.raises(ValueError, match="add up to less than 1"):
        splits.split_stems(["a", "b"], val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(ValueError, match="repeated: a"):
        splits.split_stems(["a", "a", "b"])


def test_select_pairs_keeps_the_pairs_of_the_given_stems(tmp_path):
    pairs = [(Path(f"i/{s}.png"), Path(f"m/{s}.png")) for s in ("a", "b", "c")]
    assert splits.select_pairs(pairs, ["c", "a"]) == [pairs[0], pairs[2]]
    with pytest.raises(DataError, match="No image/mask pair for: z"):
        splits.select_pairs(pairs, ["z"])
