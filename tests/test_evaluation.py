"""helpers.evaluation: per-image table from batched prediction, against a per-image reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    f1_score,
    jaccard_score,
    precision_score,
    recall_score,
)

from helpers import datasets, evaluation, metrics  # noqa: E402
from helpers.errors import DataError, EvaluationError  # noqa: E402
from helpers.unet import build_unet  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(7)
    # untrained but with a bias towards half the pixels: masks that are neither empty nor full
    return build_unet((None, None, 1), depth=2, base_filters=4, batch_norm=False)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    images = rng.random((7, 32, 32, 1)).astype(np.float32)
    masks = (images > 0.5).astype(np.uint8)
    masks[3] = 0  # one image with nothing to find
    return images, masks


def _reference(model, images, masks, threshold=0.5):
    """The module's way, one image at a time, scored by scikit-learn."""
    rows = []
    for image, mask in zip(images, masks, strict=True):
        predicted = (model.predict(image[None], verbose=0)[0, ..., 0] >= threshold).astype(np.uint8)
        truth = mask[..., 0]
        t, p = truth.ravel(), predicted.ravel()
        empty = not t.any() and not p.any()
        rows.append(
            {
                "iou": 1.0 if empty else jaccard_score(t, p, zero_division=0),
                "dice": 1.0 if empty else f1_score(t, p, zero_division=0),
                "precision": 1.0 if empty else precision_score(t, p, zero_division=0),
                "recall": 1.0 if empty else recall_score(t, p, zero_division=0),
                "accuracy": accuracy_score(t, p),
            }
        )
    return pd.DataFrame(rows)


def test_table_matches_a_per_image_scikit_learn_reference(model, data):
    images, masks = data
    table = evaluation.evaluate(model, images, masks, batch_size=3)
    reference = _reference(model, images, masks)
    assert len(table) == len(images)
    for column in reference.columns:
        np.testing.assert_allclose(
            table[column].to_numpy(), reference[column].to_numpy(), atol=1e-9
        )
    np.testing.assert_allclose(table["f1"], table["dice"])


def test_names_index_the_rows(model, data):
    images, masks = data
    names = [f"img_{i}" for i in range(len(images))]
    table = evaluation.evaluate(model, images, masks, names=names, batch_size=4)
    assert table.index.tolist() == names and table.index.name == "image"


def test_a_dataset_gives_the_same_table_as_arrays(model, data):
    images, masks = data
    dataset = datasets.from_arrays(images, masks, batch_size=2)
    from_arrays = evaluation.evaluate(model, images, masks)
    from_dataset = evaluation.evaluate(model, dataset)
    pd.testing.assert_frame_equal(from_dataset, from_arrays)


def test_threshold_changes_the_predicted_masks(model, data):
    images, masks = data
    low = evaluation.evaluate(model, images, masks, threshold=0.0)
    high = evaluation.evaluate(model, images, masks, threshold=1.01)
    assert (low["recall"][masks.reshape(len(masks), -1).any(axis=1)] == 1.0).all()  # all foreground
    assert (high["recall"][masks.reshape(len(masks), -1).any(axis=1)] == 0.0).all()  # none


def test_masks_without_channel_axis_are_accepted(model, data):
    images, masks = data
    pd.testing.assert_frame_equal(
        evaluation.evaluate(model, images, masks[..., 0]), evaluation.evaluate(model, images, masks)
    )


def test_summary_means_every_image_including_perfect_ones(model, data):
    images, masks = data
    table = evaluation.evaluate(model, images, masks)
    summary = metrics.summary(table)
    assert summary.loc["iou", "mean"] == pytest.approx(table["iou"].mean())
    assert summary.loc["iou", "images"] == len(images)


def test_mismatched_images_and_masks_are_a_clear_error(model, data):
    images, masks = data
    with pytest.raises(EvaluationError, match="one mask of the same size per image"):
        evaluation.evaluate(model, images, masks[:-1])
    with pytest.raises(EvaluationError, match="names"):
        evaluation.evaluate(model, images, masks, names=["a", "b"])
    with pytest.raises(EvaluationError, match="Give the masks"):
        evaluation.evaluate(model, images)


def test_multiclass_model_is_scored_per_class_without_background():
    from helpers.metrics import iou

    keras.utils.set_random_seed(1)
    model = build_unet((None, None, 1), num_classes=3, depth=2, base_filters=4)
    rng = np.random.default_rng(2)
    images = rng.random((3, 32, 32, 1)).astype(np.float32)
    masks = rng.integers(0, 3, (3, 32, 32, 1)).astype(np.uint8)
    table = evaluation.evaluate(model, images, masks)
    predicted = np.asarray(model(images, training=False)).argmax(-1)
    for i in range(3):  # mean over classes 1 and 2 of the per-class IoU, by scikit-learn
        per_class = jaccard_score(
            masks[i].ravel(), predicted[i].ravel(), labels=[1, 2], average=None, zero_division=0
        )
        assert table["iou"].iloc[i] == pytest.approx(per_class.mean())
    assert table["iou"].to_numpy() == pytest.approx(iou(masks, predicted, num_classes=3))


def test_object_columns_count_the_objects_of_each_image(model, data):
    from scipy import ndimage

    images, masks = data
    dataset = datasets.from_arrays(images, masks, batch_size=3)
    table = evaluation.evaluate(model, dataset, objects=True)
    assert table.index.equals(evaluation.evaluate(model, images, masks).index)
    counts = [ndimage.label(mask[..., 0])[1] for mask in masks]  # 4-connected, as label_objects
    assert table["n_true"].tolist() == counts
    assert (table["tp"] + table["fn"] == table["n_true"]).all()


def test_object_columns_equal_object_scores_of_the_same_predictions(model, data):
    from helpers.objects import label_objects, object_scores

    images, masks = data
    names = [f"img_{i}" for i in range(len(images))]
    table = evaluation.evaluate(model, images, masks, names=names, objects=True, batch_size=3)
    predicted = (np.asarray(model(images, training=False))[..., 0] >= 0.5).astype(np.uint8)
    reference = object_scores(
        [label_objects(m[..., 0]) for m in masks], [label_objects(p) for p in predicted], names
    )
    pd.testing.assert_frame_equal(table[reference.columns], reference, check_dtype=False)
    pixels = evaluation.evaluate(model, images, masks, names=names)  # the pixel part unchanged
    pd.testing.assert_frame_equal(table[pixels.columns], pixels)


def test_object_columns_need_a_model_of_one_class(data):
    images, masks = data
    several = build_unet((None, None, 1), num_classes=3, depth=2, base_filters=2)
    with pytest.raises(EvaluationError, match="one foreground class"):
        evaluation.evaluate(several, images, masks, objects=True)


def test_one_pass_predicts_each_image_once(model, data):
    images, masks = data
    calls = []

    def predict(x):
        calls.append(len(x))
        return evaluation.probabilities(model, x)

    found = evaluation.evaluation_pass(
        model, images, masks, batch_size=3, objects=True, sweep=True, keep=True, predict=predict
    )
    assert sum(calls) == len(images)  # pixel scores, objects, sweep and overlays: one prediction
    pd.testing.assert_frame_equal(
        found.table, evaluation.evaluate(model, images, masks, objects=True)
    )


def test_the_prediction_step_is_the_seam(model, data):
    images, masks = data
    everything = evaluation.evaluate(
        model, images, masks, predict=lambda x: np.ones(x.shape[:3] + (1,), np.float32)
    )
    has_foreground = masks.reshape(len(masks), -1).any(axis=1)
    assert (everything["recall"][has_foreground] == 1.0).all()


def test_sweep_is_the_mean_iou_and_dice_at_each_threshold(model, data):
    images, masks = data
    found = evaluation.evaluation_pass(model, images, masks, sweep=True)
    assert found.sweep.index.tolist() == list(evaluation.SWEEP_THRESHOLDS)
    for threshold in (0.3, 0.5, 0.55):  # an independent pass at that threshold
        table = evaluation.evaluate(model, images, masks, threshold=threshold)
        assert found.sweep.loc[threshold, "iou"] == pytest.approx(table["iou"].mean())
        assert found.sweep.loc[threshold, "dice"] == pytest.approx(table["dice"].mean())


def test_true_objects_and_object_curves_agree_with_the_table(model, data):
    images, masks = data
    found = evaluation.evaluation_pass(model, images, masks, objects=True, keep=True)
    objects_, table = found.true_objects, found.table
    assert len(objects_) == table["n_true"].sum()
    assert objects_["area_px"].sum() == np.count_nonzero(masks)
    assert objects_["found"].sum() == table["tp"].sum()
    assert found.object_thresholds.loc[0.5, "ap"] == pytest.approx(table["ap"].mean())
    assert found.object_thresholds["ap"].mean() == pytest.approx(table["mean_ap"].mean())
    predicted = (np.asarray(model(images, training=False))[..., 0] >= 0.5).astype(np.uint8)
    np.testing.assert_array_equal(found.predictions, predicted)
    np.testing.assert_array_equal(found.truths, masks[..., 0])
    assert found.images.dtype == np.uint8 and found.images.shape == images.shape


@pytest.fixture(scope="module")
def classes_data():
    """A 4-class model (untrained) and masks where every class is in every image."""
    keras.utils.set_random_seed(3)
    several = build_unet((None, None, 1), num_classes=4, depth=2, base_filters=4)
    rng = np.random.default_rng(5)
    images = rng.random((5, 32, 32, 1)).astype(np.float32)
    masks = rng.integers(0, 4, (5, 32, 32)).astype(np.uint8)
    masks[:, :2, :2] = [[0, 1], [2, 3]]
    predicted = np.asarray(several(images, training=False)).argmax(-1)
    return several, images, masks, predicted


def test_several_classes_get_per_class_columns_equal_to_scikit_learn(classes_data):
    several, images, masks, predicted = classes_data
    names = ["background", "nucleus", "cytoplasm", "rare"]
    table = evaluation.evaluate(several, images, masks, class_names=names, batch_size=2)
    labels = [1, 2, 3]
    for i in range(len(images)):
        t, p = masks[i].ravel(), predicted[i].ravel()
        reference = {
            "iou": jaccard_score(t, p, labels=labels, average=None, zero_division=1.0),
            "dice": f1_score(t, p, labels=labels, average=None, zero_division=1.0),
            "precision": precision_score(t, p, labels=labels, average=None, zero_division=0),
            "recall": recall_score(t, p, labels=labels, average=None, zero_division=0),
        }
        for kind, values in reference.items():
            row = [table[f"{kind}_{name}"].iloc[i] for name in names[1:]]
            np.testing.assert_allclose(row, values, atol=1e-12, err_msg=kind)
        assert table["iou"].iloc[i] == pytest.approx(reference["iou"].mean())  # the mean is kept


def test_the_confusion_matrix_is_pooled_over_every_pixel(classes_data):
    from sklearn.metrics import confusion_matrix

    several, images, masks, predicted = classes_data
    found = evaluation.evaluation_pass(several, images, masks, batch_size=2)
    reference = confusion_matrix(masks.ravel(), predicted.ravel(), labels=[0, 1, 2, 3])
    np.testing.assert_array_equal(found.confusion, reference)
    frame = found.confusion_table()
    assert frame.index.name == "true" and frame.columns.tolist() == ["0", "1", "2", "3"]
    assert found.sweep is None and found.num_classes == 4


def test_class_names_come_from_classes_json(tmp_path):
    import json

    assert evaluation.class_names(tmp_path, 3) == ["0", "1", "2"]  # no file: the numbers
    assert evaluation.class_names(tmp_path, 1) == ["background", "foreground"]
    (tmp_path / "classes.json").write_text(json.dumps({"background": 0, "tumour": 1}))
    assert evaluation.class_names(tmp_path, 3) == ["background", "tumour", "2"]
    declared = {"background": 0, "cyst": 1, "tumour": 2, "ignore": 255}
    (tmp_path / "classes.json").write_text(json.dumps(declared))
    assert evaluation.class_names(tmp_path, 3) == ["background", "cyst", "tumour"]
    with pytest.raises(DataError, match="predicts classes 0 to 1"):
        evaluation.class_names(tmp_path, 2)
    (tmp_path / "classes.json").write_text('["background"]')
    with pytest.raises(DataError, match="map class names to mask values"):
        evaluation.class_names(tmp_path, 3)
    several = build_unet((None, None, 1), num_classes=3, depth=2, base_filters=2)
    with pytest.raises(EvaluationError, match="one name per class"):
        evaluation.evaluate(several, np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8)), class_names=["a"])
