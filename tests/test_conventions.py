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


# --------------------------------------------------------------------------------------
# Foreground from probabilities: one rule, one threshold
# --------------------------------------------------------------------------------------


def _slow_foreground(probabilities, threshold):
    """The rule written out pixel by pixel: at least the threshold is foreground."""
    flat = [bool(value >= threshold) for value in np.ravel(probabilities)]
    return np.array(flat, bool).reshape(np.shape(probabilities))


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 6), st.integers(1, 6)),
        elements=st.floats(0, 1, width=32),
    ),
    st.sampled_from([0.5, 0.25, 0.75, 0.1]),
)
def test_foreground_is_at_least_the_threshold_pixel_by_pixel(probabilities, threshold):
    probabilities[0, 0] = threshold  # always one pixel exactly at the threshold
    ours = conventions.foreground(probabilities, threshold=threshold)
    assert ours.dtype == np.bool_ and ours[0, 0]
    np.testing.assert_array_equal(ours, _slow_foreground(probabilities, threshold))


def test_a_probability_exactly_at_the_threshold_is_foreground_in_every_module():
    from helpers import inference, objects, via

    probabilities = np.full((6, 6), 0.2, np.float32)
    probabilities[1:4, 1:4] = conventions.THRESHOLD  # exactly 0.5: a 3 x 3 object
    expected = _slow_foreground(probabilities, 0.5)
    assert expected.sum() == 9
    np.testing.assert_array_equal(metrics.binarize(probabilities), expected)
    np.testing.assert_array_equal(inference.to_mask(probabilities[..., None])[..., 0], expected)
    np.testing.assert_array_equal(objects.label_objects(probabilities) > 0, expected)
    regions = via.mask_to_regions(probabilities)
    assert len(regions) == 1
    np.testing.assert_array_equal(via.rasterize_regions(regions, (6, 6)), expected)


def _threshold_defaults(path):
    """(function, default) of every parameter ``threshold`` whose default is a typed number."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            positional = arguments.posonlyargs + arguments.args
            defaults = [None] * (len(positional) - len(arguments.defaults)) + arguments.defaults
            pairs = zip(
                positional + arguments.kwonlyargs,
                defaults + arguments.kw_defaults,
                strict=True,
            )
            found += [
                (node.name, ast.unparse(default))
                for argument, default in pairs
                if argument.arg == "threshold"
                and isinstance(default, ast.Constant)
                and isinstance(default.value, int | float)
            ]
        elif (  # a command's option: add_argument("--threshold", default=0.5)
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "--threshold"
        ):
            found += [
                ("--threshold", ast.unparse(k.value))
                for k in node.keywords
                if k.arg == "default" and isinstance(k.value, ast.Constant)
            ]
    return found


#: Modules whose probability thresholds default to ``conventions.THRESHOLD``. The
#: ``threshold`` of ``objects.object_scores`` is an IoU threshold, another quantity.
_THRESHOLD_MODULES = (
    "metrics",
    "objects",
    "inference",
    "evaluation",
    "classical",
    "via",
    "plots",
    "widgets",
    "cli",
    "runs",
    "training",
    "datasets",
)


@pytest.mark.parametrize("name", _THRESHOLD_MODULES)
def test_every_default_probability_threshold_is_the_conventions_constant(name):
    from pathlib import Path

    root = Path(conventions.__file__).parent
    paths = sorted((root / name).glob("*.py")) if (root / name).is_dir() else [root / f"{name}.py"]
    typed = [
        (path.name, function, default)
        for path in paths
        for function, default in _threshold_defaults(path)
        if (name, function) != ("objects", "object_scores")  # an IoU threshold, not a probability
    ]
    assert not typed, f"defaults typed as numbers instead of THRESHOLD: {typed}"
    assert conventions.THRESHOLD == 0.5


def test_metrics_no_longer_has_a_threshold_of_its_own():
    assert not hasattr(metrics, "THRESHOLD")
    assert metrics.binarize.__defaults__ == (conventions.THRESHOLD,)


# --------------------------------------------------------------------------------------
# Empty masks: one rule for scores
# --------------------------------------------------------------------------------------


def _slow_score_ratio(num, den, both_empty, empty):
    """The empty-mask rule, one element at a time, in plain Python."""
    out = []
    for n, d, e in zip(np.ravel(num), np.ravel(den), np.ravel(both_empty), strict=True):
        out.append(float(empty) if e else (n / d if d > 0 else 0.0))
    return np.array(out, np.float64).reshape(np.shape(num))


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.int64, st.tuples(st.integers(1, 5), st.integers(1, 4)), elements=st.integers(0, 6)),
    st.data(),
    st.sampled_from([1.0, 0.0, np.nan]),
)
def test_score_ratio_is_the_slow_reference(counts, data, empty):
    # counts of a score: tp, and fp + fn added to it for the denominator
    extra = data.draw(arrays(np.int64, counts.shape, elements=st.integers(0, 6)))
    num, den = counts, counts + extra
    both_empty = data.draw(arrays(np.bool_, counts.shape)) | (den == 0)
    ours = conventions.score_ratio(num, den, both_empty, empty=empty)
    assert ours.dtype == np.float64 and ours.shape == counts.shape
    np.testing.assert_array_equal(ours, _slow_score_ratio(num, den, both_empty, empty))


def test_score_ratio_takes_one_bool_for_all_and_zero_elsewhere():
    tp, den = np.array([0, 0, 0]), np.array([0, 0, 0])
    np.testing.assert_array_equal(
        conventions.score_ratio(tp, den, True, empty=np.nan), [np.nan] * 3
    )
    np.testing.assert_array_equal(conventions.score_ratio(tp, den, False), [0.0, 0.0, 0.0])
    both = np.array([True, False, False])
    np.testing.assert_array_equal(
        conventions.score_ratio(np.array([0, 0, 3]), np.array([0, 4, 4]), both, empty=0.25),
        [0.25, 0.0, 0.75],
    )


def test_metrics_and_objects_score_empty_images_by_the_same_rule():
    from helpers import objects

    empty = np.zeros((5, 5), np.int32)
    one = empty.copy()
    one[1:3, 1:3] = 1
    for value in (1.0, 0.0):
        pixel = metrics.iou(empty, empty, empty=value)
        table = objects.match(empty, empty, thresholds=(0.5,), empty=value)
        assert (
            pixel == value
            and table.loc[0, ["precision", "recall", "f1", "ap"]].tolist() == [value] * 4
        )
    assert np.isnan(metrics.precision(empty, empty, empty=np.nan))
    assert metrics.precision(one, empty) == 0.0  # nothing found where there was something
    assert objects.match(one, empty, thresholds=(0.5,)).loc[0, "precision"] == 0.0
