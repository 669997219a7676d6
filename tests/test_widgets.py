"""Tests of helpers.widgets: the numbers the sliders show, and the static fallback."""

from __future__ import annotations

import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.metrics import f1_score, jaccard_score, precision_score, recall_score

from helpers import errors, metrics, plots, widgets

matplotlib.use("Agg")  # conftest sets MPLBACKEND too; this makes sure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def scene(read_png, bundled_data):
    """A bundled image (downsampled, to keep renders quick), its mask, and noisy probabilities."""
    image = read_png(bundled_data / "mito" / "images" / "mito_003.png")[::2, ::2]
    truth = read_png(bundled_data / "mito" / "masks" / "mito_003.png")[::2, ::2] > 0
    rng = np.random.default_rng(3)
    probs = np.clip(0.6 * truth + rng.normal(0.2, 0.2, truth.shape), 0, 1).astype(np.float32)
    return image, truth, probs


def _reference(truth, probs, threshold) -> dict[str, float]:
    """helpers.metrics on the same threshold, checked against scikit-learn here too."""
    predicted = metrics.binarize(probs, threshold)
    ours = {
        "IoU": metrics.iou(truth, predicted),
        "Dice": metrics.dice(truth, predicted),
        "precision": metrics.precision(truth, predicted),
        "recall": metrics.recall(truth, predicted),
    }
    t, p = truth.ravel(), predicted.ravel()
    sklearn = {
        "IoU": jaccard_score(t, p, zero_division=0),
        "Dice": f1_score(t, p, zero_division=0),
        "precision": precision_score(t, p, zero_division=0),
        "recall": recall_score(t, p, zero_division=0),
    }
    for name, value in ours.items():
        assert value == pytest.approx(sklearn[name])
    return ours


@pytest.mark.parametrize("threshold", [0.1, 0.35, 0.5, 0.62, 0.9])
def test_threshold_scores_are_helpers_metrics_at_that_threshold(scene, threshold):
    _, truth, probs = scene
    scores = widgets.threshold_scores(probs, truth, threshold)
    for name, value in _reference(truth, probs, threshold).items():
        assert scores[name] == pytest.approx(value)
    assert scores["foreground"] == pytest.approx((probs >= threshold).mean())
    assert scores["threshold"] == threshold


def test_threshold_scores_without_truth_give_only_the_foreground_share(scene):
    _, _, probs = scene
    assert set(widgets.threshold_scores(probs[..., None], None, 0.5)) == {"threshold", "foreground"}


def test_threshold_slider_update_shows_the_numbers_of_its_threshold(scene):
    image, truth, probs = scene
    box = widgets.threshold_explorer(image, probs, truth, threshold=0.4, static=False)
    assert box.slider.value == pytest.approx(0.4)
    assert (box.slider.min, box.slider.max) == (0.0, 1.0)
    for threshold in (0.25, 0.7):
        shown = box.update(threshold)
        reference = _reference(truth, probs, threshold)
        for name, value in reference.items():
            assert shown[name] == pytest.approx(value)
            assert f"{name} {value:.3f}" in box.numbers.value
        assert f"threshold {threshold:.2f}" in box.numbers.value
        assert bytes(box.picture.value).startswith(PNG_MAGIC)


def test_moving_the_slider_redraws_and_rescores(scene):
    image, truth, probs = scene
    box = widgets.threshold_explorer(image, probs, truth, static=False)
    before = bytes(box.picture.value)
    box.slider.value = 0.8
    iou = _reference(truth, probs, 0.8)["IoU"]
    assert f"IoU {iou:.3f}" in box.numbers.value
    assert bytes(box.picture.value) != before


def test_without_ipywidgets_a_static_figure_comes_back_with_one_line_saying_why(
    scene, monkeypatch, capsys
):
    image, truth, probs = scene
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    fig = widgets.threshold_explorer(image, probs, truth, threshold=0.42, static=False)
    assert isinstance(fig, plt.Figure)
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 1 and "ipywidgets is not installed" in said[0]
    panels = [ax for ax in fig.axes if ax.images and ax.get_title().startswith("threshold")]
    assert len(panels) == 4  # 0.3, 0.42, 0.5, 0.7
    for ax, threshold in zip(panels, (0.3, 0.42, 0.5, 0.7), strict=True):
        reference = _reference(truth, probs, threshold)
        assert f"IoU {reference['IoU']:.3f}" in ax.get_title()
        assert f"recall {reference['recall']:.3f}" in ax.get_title()
        np.testing.assert_allclose(
            ax.images[0].get_array(), plots.overlay(image, probs >= threshold)
        )
    assert fig.get_suptitle()


def test_outside_a_notebook_kernel_the_default_is_the_static_figure(scene, capsys):
    image, truth, probs = scene
    fig = widgets.threshold_explorer(image, probs, truth)  # pytest runs in no kernel
    assert isinstance(fig, plt.Figure)
    assert "not running in a notebook kernel" in capsys.readouterr().out


def test_inside_a_notebook_kernel_the_default_is_the_widget(scene, monkeypatch):
    import IPython

    class Shell:
        kernel = object()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    image, truth, probs = scene
    box = widgets.threshold_explorer(image, probs, truth)
    assert hasattr(box, "slider") and hasattr(box, "children")


def test_static_true_always_gives_the_figure(scene, capsys):
    image, _, probs = scene
    fig = widgets.threshold_explorer(image, probs, static=True)
    assert isinstance(fig, plt.Figure)
    assert "static=True" in capsys.readouterr().out


def test_threshold_explorer_refuses_logits_and_mismatched_shapes(scene):
    image, _, probs = scene
    with pytest.raises(errors.PlotInputError, match="sigmoid"):
        widgets.threshold_explorer(image, probs * 4 - 2, static=True)
    with pytest.raises(errors.PlotInputError, match="probabilities"):
        widgets.threshold_explorer(image, probs[:10], static=True)


def test_prediction_browser_shows_each_image_with_its_scores(scene):
    image, truth, probs = scene
    images = [image, image[:64, :96]]
    truths = [truth, truth[:64, :96]]
    predictions = [probs, np.roll(truth[:64, :96], 2, axis=0)]
    box = widgets.prediction_browser(images, truths, predictions, names=["a", "b"], static=False)
    assert (box.slider.min, box.slider.max) == (0, 1)
    for index in (1, 0):
        shown = box.update(index)
        predicted = metrics.binarize(predictions[index], 0.5)
        assert shown["name"] == ["a", "b"][index]
        assert shown["IoU"] == pytest.approx(metrics.iou(truths[index], predicted))
        assert shown["Dice"] == pytest.approx(metrics.dice(truths[index], predicted))
        assert f"IoU {shown['IoU']:.3f}" in box.numbers.value
        assert bytes(box.picture.value).startswith(PNG_MAGIC)
    box.slider.value = 1
    assert box.numbers.value.startswith("<b>b (2 of 2)")


def test_prediction_browser_without_ipywidgets_falls_back_to_show_predictions(
    scene, monkeypatch, capsys
):
    image, truth, probs = scene
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    n = 6
    fig = widgets.prediction_browser([image] * n, None, [probs] * n, static=False)
    assert isinstance(fig, plt.Figure)
    assert "ipywidgets is not installed" in capsys.readouterr().out
    assert len([ax for ax in fig.axes if ax.images]) == 4 * 3  # 4 rows, no truth column


def test_static_figure_leaves_pyplot_in_a_kernel_so_it_is_shown_once(scene, monkeypatch):
    import IPython

    image, _, probs = scene
    outside = widgets.threshold_explorer(image, probs, static=True)
    assert outside.number in plt.get_fignums()  # a script can still plt.show() it

    class Shell:
        kernel = object()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    inside = widgets.threshold_explorer(image, probs, static=True)
    assert inside.number not in plt.get_fignums()  # shown once, as the cell's value
