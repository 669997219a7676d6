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
    with pytest.raises(evaluation.EvaluationError, match="one mask of the same size per image"):
        evaluation.evaluate(model, images, masks[:-1])
    with pytest.raises(evaluation.EvaluationError, match="names"):
        evaluation.evaluate(model, images, masks, names=["a", "b"])
    with pytest.raises(evaluation.EvaluationError, match="Give the masks"):
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
    table = evaluation.evaluate(model, images, masks)
    joined = evaluation.add_object_columns(table, model, dataset)
    assert joined.index.equals(table.index)
    counts = [ndimage.label(mask[..., 0])[1] for mask in masks]  # 4-connected, as label_objects
    assert joined["n_true"].tolist() == counts
    assert (joined["tp"] + joined["fn"] == joined["n_true"]).all()


def test_object_columns_need_a_model_of_one_class(data):
    images, masks = data
    several = build_unet((None, None, 1), num_classes=3, depth=2, base_filters=2)
    dataset = datasets.from_arrays(images, masks, batch_size=3, num_classes=3)
    from helpers.errors import EvaluationError

    with pytest.raises(EvaluationError, match="one foreground class"):
        evaluation.add_object_columns(pd.DataFrame(index=range(7)), several, dataset)
