"""helpers.classical: masks from thresholds, edges and watershed, on drawn shapes and real data."""

import numpy as np
import pytest
from scipy import ndimage
from skimage.draw import disk as draw_disk

from helpers import classical, config, errors, metrics
from helpers.errors import CourseError

MASK_MAKERS = {
    "global": lambda image, dark: classical.global_threshold_mask(image, 100, dark_objects=dark),
    "otsu": lambda image, dark: classical.otsu_mask(image, dark_objects=dark),
    "adaptive": lambda image, dark: classical.adaptive_mask(
        image, block_size=15, dark_objects=dark
    ),
    "sobel": lambda image, dark: classical.sobel_edges(image),
    "canny": lambda image, dark: classical.canny_edges(image),
    "edge regions": lambda image, dark: classical.regions_from_edges(classical.canny_edges(image)),
    "watershed": lambda image, dark: classical.watershed_mask(image, dark_objects=dark),
}


def _disks(shape=(64, 64), centres=((20, 20), (44, 40)), radius=10):
    mask = np.zeros(shape, bool)
    for centre in centres:
        mask[draw_disk(centre, radius, shape=shape)] = True
    return mask


def _noisy(mask, *, object_level=60, background_level=180, noise=12, seed=0):
    rng = np.random.default_rng(seed)
    image = np.where(mask, object_level, background_level) + rng.normal(0, noise, mask.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------
# The bundled data: a global threshold is not enough (the course's point)
# --------------------------------------------------------------------------------------


def test_otsu_scores_at_most_0_6_on_bundled_mito(read_png):
    folder = config.data_dir("mito")
    names = sorted(p.name for p in (folder / "images").glob("*.png"))
    assert len(names) >= 20, f"bundled images missing under {folder}"
    images = np.stack([read_png(folder / "images" / n) for n in names])
    truth = np.stack([read_png(folder / "masks" / n) > 0 for n in names])
    # The organelles are dark on a light background.
    guesses = np.stack([classical.otsu_mask(image, dark_objects=True) for image in images])
    mean_iou = metrics.iou(truth, guesses).mean()
    pooled_iou = metrics.iou(truth, guesses, pooled=True)
    print(f"Otsu on {len(names)} mito images: mean IoU {mean_iou:.3f}, pooled IoU {pooled_iou:.3f}")
    assert mean_iou <= 0.6, mean_iou
    assert pooled_iou <= 0.6, pooled_iou
    # It is the threshold that fails, not the polarity: the other one does no better.
    assert metrics.iou(truth, ~guesses, pooled=True) <= pooled_iou


def test_dark_objects_find_isbi_membranes_better_than_marking_everything(read_png, shared_data):
    folder = shared_data("isbi2012")
    image = read_png(folder / "image" / "0.png")
    membrane = read_png(folder / "label" / "0.png") <= 127  # 0 = membrane
    everything = metrics.iou(membrane, np.ones_like(membrane))
    for name, make in MASK_MAKERS.items():
        mask = make(image, True)
        assert mask.shape == image.shape and mask.dtype == bool, name
    assert metrics.iou(membrane, classical.otsu_mask(image, dark_objects=True)) > everything + 0.1
    assert metrics.iou(membrane, classical.otsu_mask(image)) < everything


# --------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------


def _otsu_by_hand(image):
    """Otsu's threshold the slow way.

    Try every grey level, keep the one with the largest between-class variance.
    """
    values = image.ravel().astype(float)
    best, best_level = -1.0, None
    for level in range(int(values.min()), int(values.max())):
        low, high = values[values <= level], values[values > level]
        if len(low) == 0 or len(high) == 0:
            continue
        spread = len(low) * len(high) * (low.mean() - high.mean()) ** 2
        if spread > best:
            best, best_level = spread, level
    return best_level


def test_otsu_mask_matches_a_plain_search_for_the_best_split():
    image = _noisy(_disks(), noise=25, seed=3)
    expected = image > _otsu_by_hand(image)
    np.testing.assert_array_equal(classical.otsu_mask(image), expected)


@pytest.mark.parametrize("make", ["global", "otsu"])
def test_dark_objects_gives_the_complement_of_a_threshold(make):
    image = _noisy(_disks(), seed=1)
    bright, dark = MASK_MAKERS[make](image, False), MASK_MAKERS[make](image, True)
    np.testing.assert_array_equal(dark, ~bright)


def test_dark_objects_on_light_background_are_found():
    truth = _disks()
    image = _noisy(truth)
    assert metrics.iou(truth, classical.otsu_mask(image, dark_objects=True)) > 0.95
    assert metrics.iou(truth, classical.otsu_mask(image)) < 0.05


def test_global_threshold_is_in_the_image_own_units():
    image = np.arange(0, 256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(classical.global_threshold_mask(image, 100), image > 100)
    deep = image.astype(np.uint16) * 257  # 16-bit: the same picture, other units
    np.testing.assert_array_equal(classical.global_threshold_mask(deep, 100 * 257), image > 100)


def test_adaptive_threshold_beats_otsu_under_uneven_light():
    truth = np.zeros((96, 96), bool)
    for row in range(8, 96, 24):
        for col in range(8, 96, 24):
            truth[row : row + 8, col : col + 8] = True
    light = np.linspace(0.3, 1.0, 96)[None, :]  # dark on the left, bright on the right
    rng = np.random.default_rng(0)
    image = np.clip(light * np.where(truth, 110, 230) + rng.normal(0, 4, truth.shape), 0, 255)
    image = image.astype(np.uint8)
    adaptive = classical.adaptive_mask(image, block_size=31, offset=10, dark_objects=True)
    otsu = classical.otsu_mask(image, dark_objects=True)
    assert metrics.iou(truth, adaptive) > 0.8
    assert metrics.iou(truth, adaptive) > metrics.iou(truth, otsu) + 0.3


def test_adaptive_block_size_must_be_odd():
    with pytest.raises(errors.ClassicalInputError, match="odd"):
        classical.adaptive_mask(np.zeros((8, 8)), block_size=10)


# --------------------------------------------------------------------------------------
# Edges and regions
# --------------------------------------------------------------------------------------


def _square(size=64, low=16, high=48):
    image = np.full((size, size), 50, np.uint8)
    image[low:high, low:high] = 200
    truth = np.zeros(image.shape, bool)
    truth[low:high, low:high] = True
    return image, truth


@pytest.mark.parametrize("edges", [classical.sobel_edges, classical.canny_edges])
def test_edges_of_a_square_lie_on_its_outline_and_go_all_round(edges):
    image, truth = _square()
    outline = truth ^ ndimage.binary_erosion(truth)
    found = edges(image)
    near_outline = ndimage.binary_dilation(outline, iterations=2)
    assert found.any() and not (found & ~near_outline).any()
    # every outline pixel has an edge pixel within 2 pixels
    assert ndimage.binary_dilation(found, iterations=2)[outline].all()


def test_canny_edges_of_a_noisy_disk_fill_into_the_disk():
    truth = _disks(centres=((32, 32),), radius=15)
    image = _noisy(truth, noise=10)
    regions = classical.regions_from_edges(classical.canny_edges(image))
    assert metrics.iou(truth, regions) > 0.9


def test_regions_from_edges_drops_lines_that_enclose_nothing():
    edges = np.zeros((40, 40), bool)
    edges[20, 5:35] = True
    assert not classical.regions_from_edges(edges).any()


def test_regions_from_edges_keeps_objects_that_touch_the_border():
    _, truth = _square(low=0, high=30)
    outline = truth ^ ndimage.binary_erosion(truth, border_value=0)
    assert metrics.iou(truth, classical.regions_from_edges(outline)) > 0.95


# --------------------------------------------------------------------------------------
# Watershed
# --------------------------------------------------------------------------------------


def test_watershed_splits_two_touching_disks_and_covers_them():
    truth = _disks(centres=((32, 22), (32, 42)), radius=12)  # they overlap
    image = _noisy(truth, object_level=200, background_level=40, noise=8)
    labels = classical.watershed_labels(image, min_distance=8)
    assert labels.dtype == np.int32 and labels.max() == 2
    assert labels[32, 14] != labels[32, 50] and 0 not in (labels[32, 14], labels[32, 50])
    assert metrics.iou(truth, classical.watershed_mask(image, min_distance=8)) > 0.9


# --------------------------------------------------------------------------------------
# Inputs: grey, RGB, RGBA, constant, bad shapes
# --------------------------------------------------------------------------------------


def test_rgb_is_turned_to_grey_by_luminance():
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    luma = rgb @ np.array([0.299, 0.587, 0.114])  # BT.601, the course's one grey formula
    np.testing.assert_allclose(classical.as_grey(rgb), luma, atol=1e-9)
    red_and_black = np.zeros((4, 4, 3), np.uint8)
    red_and_black[:2, :, 0] = 255  # luma 76.2 above, 0 below
    np.testing.assert_array_equal(
        classical.global_threshold_mask(red_and_black, 70)[:, 0], [True, True, False, False]
    )
    assert not classical.global_threshold_mask(red_and_black, 80).any()


def test_rgba_ignores_alpha_and_a_single_channel_is_grey():
    truth = _disks()
    grey = _noisy(truth)
    rgba = np.dstack([grey, grey, grey, np.zeros_like(grey)])
    np.testing.assert_array_equal(classical.otsu_mask(rgba), classical.otsu_mask(grey))
    np.testing.assert_array_equal(classical.otsu_mask(grey[..., None]), classical.otsu_mask(grey))


@pytest.mark.parametrize("name", sorted(MASK_MAKERS))
@pytest.mark.parametrize(
    "image",
    [
        np.full((32, 32), 128, np.uint8),
        np.full((32, 32), 0.25),
        np.full((32, 32, 3), 200, np.uint8),
    ],
    ids=["uint8", "float", "rgb"],
)
def test_a_constant_image_gives_an_empty_mask(name, image):
    for dark in (False, True):
        mask = MASK_MAKERS[name](image, dark)
        assert mask.shape == (32, 32) and mask.dtype == bool and not mask.any()


@pytest.mark.parametrize("name", sorted(MASK_MAKERS))
def test_every_method_returns_a_bool_mask_that_the_metrics_accept(name):
    truth = _disks()
    rgb = np.dstack([_noisy(truth)] * 3)
    mask = MASK_MAKERS[name](rgb, True)
    assert mask.shape == truth.shape and mask.dtype == bool
    assert 0.0 <= metrics.iou(truth, mask) <= 1.0


@pytest.mark.parametrize("shape", [(4,), (2, 8, 8), (8, 8, 2), (0, 5)])
def test_images_of_other_shapes_are_refused_with_a_course_error(shape):
    with pytest.raises(CourseError, match="Expected one image"):
        classical.otsu_mask(np.ones(shape))


# --------------------------------------------------------------------------------------
# The table of chapters 2 and 8
# --------------------------------------------------------------------------------------


def test_tuned_methods_are_chapter_2s_settings_written_out(read_png):
    """Each entry against the settings as chapter 2 writes them: plain NumPy and SciPy for
    the thresholds, the documented calls for the rest."""
    from skimage import feature, filters

    image = read_png(config.data_dir("mito", "images", "mito_000.png"))
    image = image if image.ndim == 2 else image[..., 0]
    methods = classical.tuned_methods()
    assert list(methods) == [
        "fixed level 100",
        "Otsu",
        "adaptive",
        "Sobel, filled",
        "Canny, filled",
        "watershed",
        "nothing (all background)",
    ]
    local_mean = ndimage.gaussian_filter(image.astype(float), sigma=(101 - 1) / 6)
    unit = (image - image.min()) / float(np.ptp(image))  # edges work on the stretched grey
    gradient = filters.sobel(unit)
    expected = {
        "fixed level 100": image <= 100,
        "Otsu": image <= filters.threshold_otsu(image),
        "adaptive": image < local_mean - 25,
        "Sobel, filled": classical.regions_from_edges(gradient > filters.threshold_otsu(gradient)),
        "Canny, filled": classical.regions_from_edges(feature.canny(unit, sigma=2.0)),
        "watershed": classical.watershed_mask(image, dark_objects=True),
        "nothing (all background)": np.zeros(image.shape, bool),
    }
    for name, method in methods.items():
        mask = method(image)
        assert mask.dtype == bool and mask.shape == image.shape, name
        np.testing.assert_array_equal(mask, expected[name], err_msg=name)
    assert classical.tuned_methods() is not methods  # a new dict: a chapter may add to it
