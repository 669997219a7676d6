"""helpers.conventions: each rule against an independent reference, and every module
(io, metrics, plots, classical) giving the same answer by it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image
from skimage import color, util

from helpers import classical, conventions, errors, metrics, plots
from helpers import io as hio
from helpers.errors import CourseError, DataError, PixelTypeError, ProbabilitiesError

RNG = np.random.default_rng(3)


# --------------------------------------------------------------------------------------
# Pixels as floats
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.bool_])
def test_float_image_is_skimage_img_as_float32_for_uint8_uint16_and_bool(dtype):
    top = 1 if dtype is np.bool_ else np.iinfo(dtype).max
    pixels = RNG.integers(0, top, (7, 9, 3), endpoint=True).astype(dtype)
    ours = conventions.float_image(pixels)
    assert ours.dtype == np.float32 and ours.shape == pixels.shape
    np.testing.assert_allclose(ours, util.img_as_float32(pixels), rtol=2e-7, atol=0)  # 1 ulp


def test_float_image_keeps_floats_in_range_so_twice_changes_nothing():
    once = conventions.float_image(RNG.integers(0, 256, (5, 5), dtype=np.uint8))
    np.testing.assert_array_equal(conventions.float_image(once), once)
    doubles = RNG.random((3, 3))
    assert conventions.float_image(doubles).dtype == np.float32


def test_float_image_clips_a_rounding_overshoot_and_refuses_more():
    np.testing.assert_array_equal(conventions.float_image(np.array([-4e-4, 1.0004])), [0.0, 1.0])
    with pytest.raises(DataError, match=r"0 to 255.*\[0, 1\]"):
        conventions.float_image(np.array([0.0, 255.0]))
    with pytest.raises(DataError, match="NaN"):
        conventions.float_image(np.array([0.5, np.nan]))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.uint32])
def test_float_image_refuses_integers_of_unknown_scale(dtype):
    with pytest.raises(PixelTypeError, match="uint8 or uint16") as caught:
        conventions.float_image(np.array([0, 7], dtype))
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, CourseError)


# --------------------------------------------------------------------------------------
# Grey from RGB
# --------------------------------------------------------------------------------------


def test_grey_is_pillow_convert_l_and_opencv_rgb2gray_to_the_grey_level():
    rgb = RNG.integers(0, 256, (31, 17, 3), dtype=np.uint8)
    grey = conventions.grey_from_rgb(rgb)
    assert grey.dtype == np.float64 and grey.shape == (31, 17)
    pillow = np.asarray(Image.fromarray(rgb).convert("L")).astype(float)
    assert np.abs(np.rint(grey) - pillow).max() <= 1  # Pillow rounds in fixed point
    cv2 = pytest.importorskip("cv2")
    opencv = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(float)
    assert np.abs(np.rint(grey) - opencv).max() <= 1
    np.testing.assert_allclose(grey, rgb @ np.array([0.299, 0.587, 0.114]))


def test_grey_differs_from_skimage_rgb2gray_as_the_docstring_says():
    red = np.array([[[255, 0, 0]]], np.uint8)
    ours = conventions.grey_from_rgb(red)[0, 0]
    theirs = color.rgb2gray(red.astype(np.float64))[0, 0]  # BT.709, in the same units
    assert round(ours - theirs) == 22
    grey = np.full((2, 2, 3), 77, np.uint8)  # equal channels: both are the grey itself
    np.testing.assert_allclose(conventions.grey_from_rgb(grey), color.rgb2gray(grey * 1.0))


def test_grey_drops_alpha_keeps_units_and_refuses_other_shapes():
    rgba = RNG.integers(0, 65536, (4, 4, 4)).astype(np.uint16)
    np.testing.assert_array_equal(
        conventions.grey_from_rgb(rgba), conventions.grey_from_rgb(rgba[..., :3])
    )
    assert conventions.grey_from_rgb(rgba).max() > 255  # 16-bit units, not rescaled
    with pytest.raises(DataError, match="3 \\(RGB\\) or 4"):
        conventions.grey_from_rgb(np.zeros((4, 4, 2)))


# --------------------------------------------------------------------------------------
# Labels from a mask
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int64, np.float32])
def test_a_mask_of_0_and_255_is_0_1_in_any_dtype(dtype):
    binary = RNG.integers(0, 2, (6, 6)).astype(np.uint8)
    labels = conventions.mask_labels(binary.astype(dtype) * 255)
    assert labels.dtype == np.uint8
    np.testing.assert_array_equal(labels, binary)
    np.testing.assert_array_equal(conventions.mask_labels(np.full((2, 2), 255, dtype)), 1)


def test_a_16_bit_mask_image_and_plain_labels():
    np.testing.assert_array_equal(conventions.mask_labels(np.array([0, 65535], np.uint16)), [0, 1])
    classes = np.array([0, 1, 2, 5], np.int32)
    assert conventions.mask_labels(classes) is not None
    np.testing.assert_array_equal(conventions.mask_labels(classes), classes)
    whole = conventions.mask_labels(np.array([0.0, 3.0]))
    assert whole.dtype == np.uint8 and whole.tolist() == [0, 3]
    booleans = np.array([True, False])
    assert conventions.mask_labels(booleans) is booleans
    np.testing.assert_array_equal(conventions.mask_labels(np.array([0, 1, 255])), [0, 1, 255])


def test_labels_above_max_label_say_how_many_values_and_what_to_do():
    with pytest.raises(DataError, match=r"3 different values \(0, 128, 255\).*save masks as PNG"):
        conventions.mask_labels(np.array([0, 128, 255], np.uint8), max_label=31)


@pytest.mark.parametrize(
    ("mask", "error", "words"),
    [
        (np.array([0.2, 0.9]), ProbabilitiesError, "binarize"),
        (np.array([-2.5, 3.0]), DataError, "sigmoid"),
        (np.array([0, -1]), DataError, "negative"),
        (np.array(["a", "b"]), PixelTypeError, "bool or integer"),
    ],
)
def test_what_is_not_a_mask_is_refused_with_what_to_do(mask, error, words):
    with pytest.raises(error, match=words) as caught:
        conventions.mask_labels(mask, what="y_pred")
    assert "y_pred" in str(caught.value) and isinstance(caught.value, CourseError)


# --------------------------------------------------------------------------------------
# One rule everywhere
# --------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(2, 9), st.integers(2, 9))))
def test_metrics_plots_and_io_read_a_0_255_mask_alike(mask):
    image = mask * np.uint8(255)
    np.testing.assert_array_equal(conventions.mask_labels(image), mask)
    np.testing.assert_array_equal(plots.axes.as_mask(image), mask)
    truth = mask.copy()
    truth[0, 0] = True  # never empty, so the score is not the empty rule
    assert metrics.iou(truth * np.uint8(255), truth) == 1.0
    np.testing.assert_array_equal(
        metrics.confusion_matrix(image, mask), metrics.confusion_matrix(mask, mask)
    )


def test_io_reads_a_0_255_png_by_the_same_rule(tmp_path):
    mask = RNG.integers(0, 2, (5, 8)).astype(bool)
    Image.fromarray(mask.astype(np.uint8) * 255).save(tmp_path / "m.png")
    np.testing.assert_array_equal(
        hio.read_mask(tmp_path / "m.png"), conventions.mask_labels(mask * np.uint8(255))
    )


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.bool_])
def test_io_and_plots_turn_pixels_into_the_same_floats(dtype):
    top = {np.uint8: 255, np.uint16: 65535, np.bool_: 1}.get(dtype)
    pixels = (
        RNG.random((6, 7)) if top is None else RNG.integers(0, top, (6, 7), endpoint=True)
    ).astype(dtype)
    np.testing.assert_array_equal(
        conventions.float_image(pixels), plots.axes.as_display_image(pixels)
    )
    with pytest.raises(errors.PlotInputError):  # the same refusal, in plots' own error
        plots.axes.as_display_image(pixels.astype(np.int64) + 300)


def test_io_and_classical_make_grey_by_the_same_formula(tmp_path):
    rgb = RNG.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "c.png")
    expected = conventions.grey_from_rgb(rgb)
    np.testing.assert_array_equal(classical.as_grey(rgb), expected)
    np.testing.assert_array_equal(
        hio.read_image(tmp_path / "c.png", channels=1)[..., 0], np.rint(expected).astype(np.uint8)
    )
