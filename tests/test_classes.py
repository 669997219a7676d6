"""helpers.classes (classes.json, counts, weights, colours) and the per-class scores of
helpers.metrics against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import jaccard_score
from sklearn.utils.class_weight import compute_class_weight

from helpers import classes, metrics
from helpers.errors import ConfigError, CourseError, DataError, one_line


def _masks(folder, arrays, names=None):
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, array in enumerate(arrays):
        path = folder / f"m{k}.png"
        Image.fromarray(np.asarray(array, np.uint8)).save(path)
        paths.append(path)
    if names is not None:
        (folder / "classes.json").write_text(json.dumps(names))
    return paths


FIVE = {"background": 0, "crescent": 1, "nucleus": 2, "rod": 3, "star": 4}


# -- classes.json --------------------------------------------------------------------------


def test_read_classes_gives_the_names_in_label_order_and_the_ignore_label(tmp_path):
    path = tmp_path / "classes.json"
    path.write_text(json.dumps({"rod": 2, "background": 0, "nucleus": 1, "ignore": 255}))
    found = classes.read_classes(path)
    assert found.names == ("background", "nucleus", "rod")
    assert (found.ignore, found.count, found.num_classes, found.path) == (255, 3, 3, path)
    assert found.as_dict() == {"background": 0, "nucleus": 1, "rod": 2, "ignore": 255}


def test_two_classes_are_the_binary_case_and_accept_one_or_two_outputs(tmp_path):
    path = tmp_path / "classes.json"
    path.write_text(json.dumps({"background": 0, "lesion": 1}))
    found = classes.read_classes(path)
    assert found.num_classes == 1 and found.accepts(1) and found.accepts(2)
    assert not found.accepts(3)


@pytest.mark.parametrize(
    "content",
    [
        '{"background": 0, "a": 2}',  # a gap
        '{"background": 0, "a": 1, "b": 1}',  # twice
        '{"background": 1, "a": 2}',  # no 0
        '{"background": 0}',  # nothing but the background
        '{"background": 0, "a": "1"}',  # not a number
        '{"background": 0, "a": 1, "ignore": 1}',  # ignore on a class
        '["background", "a"]',  # not an object
        '{"background": 0,',  # not JSON
    ],
)
def test_a_wrong_classes_json_is_one_line_naming_the_file(tmp_path, content):
    path = tmp_path / "classes.json"
    path.write_text(content)
    with pytest.raises(DataError) as caught:
        classes.read_classes(path)
    message = one_line(caught.value)
    assert str(path) in message and "\n" not in str(caught.value)


def test_find_classes_is_none_without_a_file(tmp_path):
    assert classes.find_classes(tmp_path) is None


# -- how many classes ----------------------------------------------------------------------


def test_count_labels_counts_each_label_of_each_mask(tmp_path):
    a = np.array([[0, 1], [3, 3]])
    b = np.array([[255, 0], [0, 0]])  # a 0/255 mask counts as 0/1
    counts = classes.count_labels(_masks(tmp_path, [a, b]))
    assert counts.tolist() == [[1, 1, 0, 2], [3, 1, 0, 0]]


def test_classes_json_decides_the_number_of_classes(tmp_path):
    paths = _masks(tmp_path, [np.array([[0, 1], [2, 0]])], names=FIVE)  # labels 3, 4 absent
    num_classes, names = classes.resolve_classes(paths, mask_dir=tmp_path)
    assert num_classes == 5 and names.names == tuple(FIVE)


def test_without_classes_json_the_labels_decide(tmp_path):
    binary = _masks(tmp_path / "binary", [np.array([[0, 255], [0, 0]])])
    assert classes.resolve_classes(binary)[0] == 1
    labelled = _masks(tmp_path / "labels", [np.array([[0, 1]]), np.array([[3, 0]])])
    num_classes, names = classes.resolve_classes(labelled)
    assert num_classes == 4 and names.names == ("background", "class 1", "class 2", "class 3")


def test_a_num_classes_that_disagrees_with_classes_json_is_refused(tmp_path):
    paths = _masks(tmp_path, [np.array([[0, 1]])], names=FIVE)
    with pytest.raises(ConfigError, match="disagrees with .*classes.json, which lists 5"):
        classes.resolve_classes(paths, num_classes=3)
    assert classes.resolve_classes(paths, num_classes=5)[0] == 5


def test_a_mask_with_a_label_that_classes_json_does_not_list_is_named(tmp_path):
    paths = _masks(tmp_path, [np.array([[0, 1]]), np.array([[0, 6]])], names=FIVE)
    with pytest.raises(DataError, match="m1.png has label 6, but .* lists 5 classes"):
        classes.resolve_classes(paths)


# -- weights -------------------------------------------------------------------------------


def _weights_by_hand(counts, power):
    total = sum(counts)
    raw = [(c / total) ** -power for c in counts]
    average = sum(c / total * w for c, w in zip(counts, raw, strict=True))
    return [w / average for w in raw]


@pytest.mark.parametrize("power", [0.0, 0.5, 1.0])
def test_class_weights_follow_the_formula_and_an_average_pixel_weighs_one(power):
    counts = [60_000, 350, 1_200, 1_500, 1_250]
    got = classes.class_weights(counts, power=power)
    np.testing.assert_allclose(got, _weights_by_hand(counts, power))
    np.testing.assert_allclose(np.dot(got, counts) / sum(counts), 1.0)


def test_inverse_frequency_weights_are_scikit_learns_balanced_weights():
    counts = np.array([900, 10, 90])
    labels = np.repeat(np.arange(3), counts)
    want = compute_class_weight("balanced", classes=np.arange(3), y=labels)
    np.testing.assert_allclose(classes.class_weights(counts, power=1.0), want)


def test_a_class_without_pixels_gets_a_finite_weight():
    weights = classes.class_weights([100, 0, 10])
    assert np.isfinite(weights).all() and weights[1] > weights[2] > weights[0]


@pytest.mark.parametrize("counts", [[5], [0, 0], [3, -1], [[1, 2], [3, 4]]])
def test_class_weights_refuse_what_are_not_counts(counts):
    with pytest.raises(ConfigError):
        classes.class_weights(counts)


# -- colours -------------------------------------------------------------------------------


def test_colorize_paints_each_class_in_its_palette_colour_on_black():
    labels = np.array([[0, 1, 2], [3, 4, 0]])
    picture = classes.colorize(labels)
    assert picture.dtype == np.uint8 and picture.shape == (2, 3, 3)
    for label in range(5):
        assert (picture[labels == label] == classes.PALETTE[label]).all()


def test_the_palette_is_okabe_ito_with_a_black_background():
    okabe_ito = {
        (230, 159, 0),
        (86, 180, 233),
        (0, 158, 115),
        (240, 228, 66),
        (0, 114, 178),
        (213, 94, 0),
        (204, 121, 167),
    }
    assert tuple(classes.PALETTE[0]) == (0, 0, 0)
    assert {tuple(int(v) for v in c) for c in classes.PALETTE[1:]} == okabe_ito


def test_colorize_over_an_image_dims_the_background_and_keeps_class_colours():
    image = np.full((2, 2), 200, np.uint8)
    labels = np.array([[0, 1], [2, 0]])
    picture = classes.colorize(labels, image=image, dim=0.5)
    assert (picture[labels == 0] == round(200 / 255 * 0.5 * 255)).all()
    assert (picture[0, 1] == classes.PALETTE[1]).all() and (
        picture[1, 0] == classes.PALETTE[2]
    ).all()


def test_colorize_draws_the_ignore_label_grey_and_many_classes_in_distinct_colours():
    picture = classes.colorize(np.array([[0, 255, 1]]), ignore=255)
    assert tuple(picture[0, 1]) == (128, 128, 128)
    many = classes.colorize(np.arange(12)[None])
    assert len({tuple(c) for c in many[0]}) == 12


def test_legend_names_the_colour_of_each_foreground_class():
    names = ["background", "crescent", "nucleus"]
    assert classes.legend(names) == {"crescent": [230, 159, 0], "nucleus": [86, 180, 233]}
    assert classes.legend(names, background=True)["background"] == [0, 0, 0]


@pytest.mark.parametrize(
    "labels", [np.zeros((2, 2, 3), int), np.full((2, 2), 0.5), np.array([[0, -1]])]
)
def test_colorize_refuses_what_are_not_labels(labels):
    with pytest.raises(CourseError, match="colorize takes class labels"):
        classes.colorize(labels)


# -- per-class scores against scikit-learn -------------------------------------------------


def _label_images(seed, n=4, size=24, num_classes=4):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, num_classes, (n, size, size))
    guess = np.where(
        rng.random(truth.shape) < 0.7, truth, rng.integers(0, num_classes, truth.shape)
    )
    return truth, guess


def test_pooled_per_class_iou_is_sklearn_jaccard_with_average_none():
    truth, guess = _label_images(0)
    got = metrics.iou(truth, guess, num_classes=4, per_class=True, pooled=True)
    want = jaccard_score(truth.ravel(), guess.ravel(), labels=range(4), average=None)
    np.testing.assert_allclose(got, want)


def test_per_image_per_class_iou_is_sklearn_jaccard_image_by_image():
    truth, guess = _label_images(1, num_classes=5)
    truth[0][truth[0] == 4] = 0  # class 4 absent from image 0 ...
    guess[0][guess[0] == 4] = 0  # ... and not predicted there: 1.0 by the empty rule
    got = metrics.iou(truth, guess, num_classes=5, per_class=True)
    for t, g, row in zip(truth, guess, got, strict=True):
        want = jaccard_score(t.ravel(), g.ravel(), labels=range(5), average=None, zero_division=1.0)
        np.testing.assert_allclose(row, want)
    assert got[0, 4] == 1.0


def test_per_class_iou_from_the_confusion_matrix_is_the_same():
    truth, guess = _label_images(2)
    matrix = metrics.confusion_matrix(truth, guess, num_classes=4, pooled=True)
    tp = np.diag(matrix)
    by_hand = tp / (matrix.sum(0) + matrix.sum(1) - tp)
    np.testing.assert_allclose(
        metrics.iou(truth, guess, num_classes=4, per_class=True, pooled=True), by_hand
    )
