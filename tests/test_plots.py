"""Tests of helpers.plots: figure structure, overlay pixels, history curves, errors."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import errors, plots
from helpers.errors import CourseError

matplotlib.use("Agg")  # conftest sets MPLBACKEND too; this makes sure


@pytest.fixture(scope="module")
def mito(read_png, bundled_data):
    """Five bundled grey images (uint8) and their masks as 0/1 uint8."""
    stems = [f"mito_{i:03d}" for i in range(5)]
    folder = bundled_data / "mito"
    images = np.stack([read_png(folder / "images" / f"{s}.png") for s in stems])
    masks = np.stack([read_png(folder / "masks" / f"{s}.png") // 255 for s in stems])
    return images, masks.astype(np.uint8), stems


def _visible(fig) -> list:
    return [ax for ax in fig.axes if ax.get_visible()]


def _image_axes(fig) -> list:
    return [ax for ax in fig.axes if ax.get_visible() and ax.images]


# --------------------------------------------------------------------------------------
# overlay
# --------------------------------------------------------------------------------------


def test_overlay_tints_mask_pixels_and_leaves_the_others_unchanged(mito):
    images, masks, _ = mito
    image, mask = images[0], masks[0].astype(bool)
    color, alpha = (0.1, 0.8, 0.3), 0.3
    result = plots.overlay(image, mask, color=color, alpha=alpha)
    assert result.shape == image.shape + (3,) and result.dtype == np.float32
    grey = image / 255.0
    for channel in range(3):
        np.testing.assert_allclose(result[..., channel][~mask], grey[~mask], atol=1e-6)
    # a plain per-pixel reference on a few labelled pixels
    rows, cols = np.nonzero(mask)
    for r, c in list(zip(rows, cols, strict=True))[:: max(1, len(rows) // 50)]:
        for channel in range(3):
            expected = (1 - alpha) * (image[r, c] / 255.0) + alpha * color[channel]
            assert result[r, c, channel] == pytest.approx(expected, abs=1e-6)


def test_overlay_alpha_one_paints_the_mask_in_the_colour_and_alpha_zero_changes_nothing(mito):
    images, masks, _ = mito
    mask = masks[1].astype(bool)
    painted = plots.overlay(images[1], mask, color=(1.0, 0.0, 0.5), alpha=1.0)
    np.testing.assert_array_equal(
        painted[mask], np.tile([1.0, 0.0, 0.5], (mask.sum(), 1)).astype(np.float32)
    )
    untouched = plots.overlay(images[1], mask, alpha=0.0)
    np.testing.assert_allclose(
        untouched, np.repeat(images[1][..., None] / 255.0, 3, axis=2), atol=1e-6
    )


def test_overlay_keeps_the_colours_of_an_rgb_image(read_png, bundled_data):
    image = read_png(bundled_data / "mri" / "images" / "mri_000.png")[..., :3]
    mask = np.zeros(image.shape[:2], bool)
    mask[100:140, 90:150] = True
    result = plots.overlay(image, mask)
    np.testing.assert_allclose(result[~mask], image[~mask] / 255.0, atol=1e-6)
    assert not np.allclose(result[mask], image[mask] / 255.0)


def test_overlay_gives_the_same_picture_for_every_accepted_layout(mito):
    images, masks, _ = mito
    reference = plots.overlay(images[2], masks[2].astype(bool))
    as_float = (images[2] / 255.0).astype(np.float32)[..., None]  # (H, W, 1) float in [0, 1]
    np.testing.assert_allclose(plots.overlay(as_float, masks[2][..., None]), reference, atol=1e-6)
    np.testing.assert_allclose(plots.overlay(images[2], masks[2] * 255), reference, atol=1e-6)


def test_overlay_refuses_a_mask_of_another_size_and_says_how_to_fix_it(mito):
    images, masks, _ = mito
    with pytest.raises(errors.PlotInputError, match="nearest") as caught:
        plots.overlay(images[0], masks[0][:128, :128])
    assert isinstance(caught.value, CourseError)


def test_float_image_outside_zero_one_is_refused_with_advice(mito):
    images, masks, _ = mito
    with pytest.raises(errors.PlotInputError, match="255"):
        plots.overlay(images[0].astype(np.float32), masks[0])


def test_logits_are_refused_as_a_mask():
    with pytest.raises(errors.PlotInputError, match="sigmoid"):
        plots.overlay(np.zeros((4, 4)), np.linspace(-3, 3, 16).reshape(4, 4))


def test_probabilities_are_binarized_as_helpers_metrics_does():
    from helpers import metrics

    probs = np.array([[0.0, 0.25, 0.4999], [0.5, 0.5001, 1.0]], dtype=np.float32)
    for threshold in (0.25, 0.5, 0.9):
        np.testing.assert_array_equal(
            plots.axes.as_mask(probs, threshold=threshold), metrics.binarize(probs, threshold)
        )


# --------------------------------------------------------------------------------------
# samples and predictions
# --------------------------------------------------------------------------------------


def test_show_samples_draws_image_mask_and_overlay_rows(mito):
    images, masks, stems = mito
    fig = plots.plot_samples(images, masks, n=3, names=stems, seed=1)
    assert isinstance(fig, plt.Figure)
    assert len(_image_axes(fig)) == 9
    assert [fig.axes[i * 3].get_ylabel() for i in range(3)] == ["image", "mask", "overlay"]
    titles = [ax.get_title() for ax in fig.axes[:3]]
    assert len(set(titles)) == 3 and set(titles) <= set(stems)
    assert fig.get_suptitle()


def test_show_samples_picks_only_valid_distinct_indices(mito):
    images, _, stems = mito
    small = images[:, ::8, ::8]  # the pick does not depend on the size: keep the figures cheap
    for seed in range(8):
        fig = plots.plot_samples(small, n=10, names=stems, seed=seed)
        titles = [ax.get_title() for ax in fig.axes]
        assert sorted(titles) == stems  # n larger than N: every image once, none past the end
        plt.close(fig)
    picks = [
        [ax.get_title() for ax in plots.plot_samples(small, n=2, names=stems, seed=7).axes]
        for _ in range(2)
    ]
    assert picks[0] == picks[1] and len(set(picks[0])) == 2


def test_show_samples_without_masks_draws_one_row(mito):
    images, _, _ = mito
    fig = plots.plot_samples(list(images), n=2, seed=0)
    assert len(_image_axes(fig)) == 2


def test_show_samples_refuses_unequal_numbers_of_images_and_masks(mito):
    images, masks, _ = mito
    with pytest.raises(errors.PlotInputError, match="one per image"):
        plots.plot_samples(images, masks[:3])


def test_show_predictions_rows_columns_names_and_scores(mito):
    images, masks, stems = mito
    probs = np.clip(masks * 0.8 + 0.1, 0, 1).astype(np.float32)
    fig = plots.plot_predictions(
        images, masks, probs, names=stems, scores=[0.1, 0.2, 0.3, 0.4, 0.5], n=3
    )
    assert len(_image_axes(fig)) == 12
    assert fig.axes[0].get_title() == f"{stems[0]}\nIoU 0.100"
    assert fig.axes[4].get_title().startswith(stems[1])
    assert [fig.axes[i].get_title() for i in (1, 2)] == ["ground truth", "prediction (p ≥ 0.5)"]
    # the prediction panel shows the binarized probabilities
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), probs[0] >= 0.5)


def test_show_predictions_without_ground_truth_has_three_columns(mito):
    images, masks, _ = mito
    fig = plots.plot_predictions(images[:2], None, masks[:2], scores={"#1": 0.5})
    assert len(_image_axes(fig)) == 6
    assert fig.axes[3].get_title() == "#1\nIoU 0.500"


def test_results_figure_is_the_two_by_two_layout(mito):
    images, masks, _ = mito
    prediction = np.roll(masks[0], 3, axis=1)
    fig = plots.plot_results(images[0], masks[0], prediction, title="mito_000")
    axes = _image_axes(fig)
    assert len(axes) == 4
    assert fig.get_suptitle() == "mito_000"
    assert axes[0].get_title() == "image" and axes[1].get_title() == "ground truth"
    assert "prediction" in axes[2].get_title() and axes[3].get_title() == "predicted mask"
    np.testing.assert_allclose(axes[2].images[0].get_array(), plots.overlay(images[0], prediction))
    np.testing.assert_array_equal(axes[3].images[0].get_array(), prediction.astype(bool))
    assert axes[2].collections, "the ground truth outline is drawn on the overlay"


def test_results_figure_without_ground_truth_says_so(read_png, bundled_data):
    image = read_png(bundled_data / "mito" / "external" / "external_000.png")
    prediction = image < 100
    fig = plots.plot_results(image, None, prediction)
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert any("no ground truth" in t for t in texts)


def test_results_figure_on_isbi_2012_labels(read_png, shared_data):
    folder = shared_data("isbi2012")
    image = read_png(folder / "image" / "0.png")
    label = read_png(folder / "label" / "0.png")  # 255 = cell interior, 0 = membrane
    membrane = label == 0
    fig = plots.plot_results(image, membrane, membrane)
    tinted = fig.axes[2].images[0].get_array()
    assert tinted.shape == image.shape + (3,)
    np.testing.assert_allclose(tinted[~membrane][:, 0], image[~membrane] / 255.0, atol=1e-6)


# --------------------------------------------------------------------------------------
# history curves (from a real Keras run)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras_runs(tmp_path_factory):
    """A tiny model trained for 3 epochs twice: with Dice/IoU (CSV log) and with accuracy only."""
    import keras

    from helpers import losses

    rng = np.random.default_rng(0)
    x = rng.random((12, 16, 16, 1)).astype("float32")
    y = (x > 0.6).astype("float32")

    def run(extra, callbacks):
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input((16, 16, 1)),
                keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=0.05),
            loss="binary_crossentropy",
            metrics=["accuracy", *extra],
            run_eagerly=True,
        )  # eager: faster for 3 tiny epochs
        return model.fit(
            x[:8],
            y[:8],
            validation_data=(x[8:], y[8:]),
            epochs=3,
            batch_size=4,
            verbose=0,
            callbacks=callbacks,
        )

    csv = tmp_path_factory.mktemp("history") / "history.csv"
    run([losses.dice_coef, losses.iou_coef], [keras.callbacks.CSVLogger(str(csv))])
    accuracy_only = run([], [])
    return csv, accuracy_only


def _lines(ax) -> dict[str, np.ndarray]:
    return {line.get_label(): line for line in ax.get_lines()}


def test_plot_history_draws_train_and_validation_of_each_keras_metric(keras_runs):
    csv, _ = keras_runs
    frame = pd.read_csv(csv)
    fig = plots.plot_history(frame, metrics=("loss", "accuracy", "dice_coef", "iou_coef"))
    axes = _visible(fig)
    assert len(axes) == 4
    assert [ax.get_ylabel() for ax in axes] == ["loss", "pixel accuracy", "Dice", "IoU"]
    for ax, metric in zip(axes, ("loss", "accuracy", "dice_coef", "iou_coef"), strict=True):
        lines = _lines(ax)
        assert set(lines) == {"training", "validation"}
        np.testing.assert_allclose(lines["training"].get_ydata(), frame[metric])
        np.testing.assert_allclose(lines["validation"].get_ydata(), frame[f"val_{metric}"])
        np.testing.assert_array_equal(lines["training"].get_xdata(), frame["epoch"] + 1)
        assert ax.get_xlabel() == "epoch" and ax.get_title()
    assert "not in this history" not in fig.get_suptitle()


def test_plot_history_default_draws_every_metric_in_the_history_loss_first(keras_runs):
    csv, _ = keras_runs
    fig = plots.plot_history(csv)  # a path to the CSV works too
    assert [ax.get_ylabel() for ax in _visible(fig)][0] == "loss"
    assert {ax.get_ylabel() for ax in _visible(fig)} == {"loss", "pixel accuracy", "Dice", "IoU"}


def test_plot_history_skips_a_metric_never_computed_and_names_it(keras_runs):
    _, accuracy_only = keras_runs  # a keras History, compiled with accuracy only
    assert "dice_coef" not in accuracy_only.history
    fig = plots.plot_history(accuracy_only, metrics=("loss", "accuracy", "dice_coef", "iou_coef"))
    assert [ax.get_ylabel() for ax in _visible(fig)] == ["loss", "pixel accuracy"]
    assert "dice_coef" in fig.get_suptitle() and "iou_coef" in fig.get_suptitle()


def test_plot_history_without_validation_columns_draws_training_only(keras_runs):
    _, accuracy_only = keras_runs
    train_only = {k: v for k, v in accuracy_only.history.items() if not k.startswith("val_")}
    fig = plots.plot_history(train_only)
    for ax in _visible(fig):
        assert list(_lines(ax)) == ["training"]
        assert "training only" in ax.get_title()
        np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])


def test_plot_history_with_none_of_the_metrics_raises_a_course_error(keras_runs):
    _, accuracy_only = keras_runs
    with pytest.raises(CourseError, match="compiled with"):
        plots.plot_history(accuracy_only, metrics=("standard_coef",))


def test_plot_history_combined_puts_every_curve_on_one_labelled_axes(keras_runs):
    csv, _ = keras_runs
    frame = pd.read_csv(csv)
    fig = plots.plot_history_combined(frame)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    curves = [c for c in frame.columns if c != "epoch"]
    assert len(ax.get_lines()) == len(curves)
    labels = set(_lines(ax))
    assert {"training loss", "validation loss", "training Dice", "validation IoU"} <= labels
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() and ax.get_title()


# --------------------------------------------------------------------------------------
# confusion matrix and method comparison
# --------------------------------------------------------------------------------------


def _cell_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_plot_confusion_matrix_shows_the_counts_scikit_learn_computes(mito):
    from sklearn.metrics import confusion_matrix

    images, masks, _ = mito
    truth, guess = masks[0].ravel(), (images[0] < 110).ravel().astype(np.uint8)
    counts = confusion_matrix(truth, guess)
    fig = plots.plot_confusion_matrix(counts)
    ax = fig.axes[0]
    assert _cell_texts(ax) == [str(v) for v in counts.ravel()]
    assert ax.get_xlabel() == "Predicted label" and ax.get_ylabel() == "True label"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["background", "foreground"]
    assert ax.get_title()

    shares = confusion_matrix(truth, guess, normalize="true")
    fig = plots.plot_confusion_matrix(counts, normalize="true")
    assert _cell_texts(fig.axes[0]) == [f"{v:.3f}" for v in shares.ravel()]


def test_plot_confusion_matrix_names_classes_of_a_bigger_matrix_and_checks_labels():
    fig = plots.plot_confusion_matrix(np.arange(9).reshape(3, 3))
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "class 0",
        "class 1",
        "class 2",
    ]
    with pytest.raises(errors.PlotInputError, match="one per class"):
        plots.plot_confusion_matrix(np.eye(3, dtype=int), labels=("a", "b"))
    with pytest.raises(errors.PlotInputError, match="normalize"):
        plots.plot_confusion_matrix(np.eye(2, dtype=int), normalize="rows")


def test_show_thresholds_draws_image_truth_and_one_panel_per_method(mito):
    from skimage.filters import sobel, threshold_otsu

    images, masks, _ = mito
    image = images[0]
    results = {
        "global 100": image < 100,
        "Otsu": image < threshold_otsu(image),
        "Sobel": sobel(image / 255.0),  # an edge magnitude, drawn as a grey map
    }
    fig = plots.plot_thresholds(
        image, results, truth=masks[0], scores={"Otsu": 0.25, "Sobel": {"IoU": 0.1, "Dice": 0.2}}
    )
    axes = _image_axes(fig)
    assert len(axes) == 5
    assert [ax.get_title() for ax in axes] == [
        "image",
        "ground truth",
        "global 100",
        "Otsu\nIoU 0.250",
        "Sobel\nIoU 0.100 · Dice 0.200",
    ]
    with pytest.raises(errors.PlotInputError, match="Otsu"):
        plots.plot_thresholds(image, {"Otsu": results["Otsu"][:10]})


# --------------------------------------------------------------------------------------
# the drawing pieces (helpers.plots.axes), public for figures of one's own
# --------------------------------------------------------------------------------------


def test_plots_is_a_package_of_private_modules_and_one_public_axes_module():
    from pathlib import Path

    folder = Path(plots.__file__).parent
    assert Path(plots.__file__).name == "__init__.py"
    modules = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    assert [m for m in modules if not m.startswith("_")] == ["axes"], modules
    for name in plots.__all__:
        assert getattr(plots, name).__module__.startswith("helpers.plots._"), name


def test_draw_overlay_shows_what_overlay_computes_with_the_truth_outlined(mito):
    images, masks, _ = mito
    probs = np.clip(masks[3] * 0.8 + 0.1, 0, 1).astype(np.float32)  # probabilities
    fig, ax = plt.subplots()
    plots.axes.draw_overlay(ax, images[3], probs, masks[3], threshold=0.5)
    np.testing.assert_array_equal(ax.images[0].get_array(), plots.overlay(images[3], probs >= 0.5))
    assert ax.get_title() == plots.axes.OVERLAY_TITLE
    assert ax.collections and not ax.get_xticks().size  # the outline, and no ticks
    plt.close(fig)


def test_draw_prediction_row_fills_three_axes_without_truth(mito):
    images, _, _ = mito
    fig, row = plt.subplots(1, 3)
    prediction = images[0] > 128
    plots.axes.draw_prediction_row(row, images[0], None, prediction, label="first")
    assert [ax.get_title() for ax in row][:2] == ["first", "prediction"]
    np.testing.assert_array_equal(row[1].images[0].get_array(), prediction)
    plt.close(fig)


def test_as_list_and_check_lengths_refuse_what_is_not_one_per_image(mito):
    images, masks, _ = mito
    assert [a.shape for a in plots.axes.as_list(images, what="images")] == [images[0].shape] * 5
    with pytest.raises(errors.PlotInputError, match=r"wrap it: \[image\]"):
        plots.axes.as_list(images[0], what="images")
    with pytest.raises(errors.PlotInputError, match="5 images but 4 masks"):
        plots.axes.check_lengths(5, list(masks[:4]), what="masks")
