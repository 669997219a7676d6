"""helpers.losses: values against independent references, classes, and safe-mode reloading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

keras = pytest.importorskip("keras")
from sklearn.metrics import f1_score, jaccard_score  # noqa: E402

from helpers import conventions, losses, metrics  # noqa: E402
from helpers.errors import CourseError  # noqa: E402

# TensorFlow's tensors meet NumPy 2's copy protocol inside Keras: harmless, not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def _blobs(seed, n=3, size=48):
    """Random rectangles as 0/1 masks, and noisy probabilities near them."""
    rng = np.random.default_rng(seed)
    truth = np.zeros((n, size, size, 1), np.float32)
    for i in range(n):
        r, c = rng.integers(0, size // 2, 2)
        h, w = rng.integers(8, size // 2, 2)
        truth[i, r : r + h, c : c + w] = 1
    probs = np.clip(truth * 0.8 + rng.random(truth.shape).astype(np.float32) * 0.3, 0.01, 0.99)
    return truth, probs.astype(np.float32)


def test_dice_loss_of_hard_masks_is_one_minus_sklearn_f1():
    truth, probs = _blobs(0)
    pred = (probs > 0.5).astype(np.float32)
    got = np.asarray(losses.dice_loss(truth, pred))
    want = [1 - f1_score(t.ravel(), p.ravel()) for t, p in zip(truth, pred, strict=True)]
    # the smoothing term (1 pixel) moves the value by less than 1/(mask area)
    np.testing.assert_allclose(got, want, atol=2e-3)


def test_jaccard_loss_of_hard_masks_is_one_minus_sklearn_jaccard():
    truth, probs = _blobs(1)
    pred = (probs > 0.5).astype(np.float32)
    got = np.asarray(losses.jaccard_loss(truth, pred))
    want = [1 - jaccard_score(t.ravel(), p.ravel()) for t, p in zip(truth, pred, strict=True)]
    np.testing.assert_allclose(got, want, atol=2e-3)


def test_soft_dice_loss_matches_a_plain_reference_per_image():
    truth, probs = _blobs(2)
    got = np.asarray(losses.dice_loss(truth, probs))
    inter = (truth * probs).sum(axis=(1, 2, 3))
    total = truth.sum(axis=(1, 2, 3)) + probs.sum(axis=(1, 2, 3))
    np.testing.assert_allclose(got, 1 - (2 * inter + 1) / (total + 1), rtol=1e-5)


def test_bce_dice_is_keras_binary_crossentropy_plus_dice_per_image():
    truth, probs = _blobs(3)
    got = np.asarray(losses.bce_dice_loss(truth, probs))
    bce = keras.losses.BinaryCrossentropy(reduction=None)
    per_image = [float(np.mean(bce(t, p))) for t, p in zip(truth, probs, strict=True)]
    want = np.array(per_image) + np.asarray(losses.dice_loss(truth, probs))
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_losses_are_zero_for_a_perfect_prediction_and_near_one_for_a_disjoint_one():
    truth = np.zeros((1, 32, 32, 1), np.float32)
    truth[0, :16] = 1
    for loss in (losses.dice_loss, losses.jaccard_loss):
        assert float(loss(truth, truth)[0]) == pytest.approx(0.0, abs=1e-6)
        assert float(loss(truth, 1 - truth)[0]) > 0.99


def test_dice_of_two_empty_masks_costs_nothing():
    empty = np.zeros((2, 16, 16, 1), np.float32)
    np.testing.assert_allclose(np.asarray(losses.dice_loss(empty, empty)), 0.0, atol=1e-7)


def test_empty_prediction_of_a_small_object_costs_almost_the_full_dice_loss_but_little_bce():
    truth = np.zeros((1, 64, 64, 1), np.float32)
    truth[0, 30:34, 30:34] = 1  # 0.4 % of the pixels
    background = np.full_like(truth, 0.01)
    assert float(losses.dice_loss(truth, background)[0]) > 0.9
    bce = float(np.mean(keras.losses.binary_crossentropy(truth, background)))
    assert bce < 0.05  # why plain BCE lets a network settle on "background everywhere"


def test_class_indices_and_one_hot_masks_give_the_same_multiclass_loss():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, (2, 16, 16, 1))
    logits = rng.normal(size=(2, 16, 16, 3)).astype(np.float32)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    one_hot = np.eye(3, dtype=np.float32)[labels[..., 0]]
    for loss in (losses.dice_loss, losses.jaccard_loss, losses.bce_dice_loss):
        np.testing.assert_allclose(
            np.asarray(loss(labels, probs)), np.asarray(loss(one_hot, probs)), rtol=1e-5
        )


def test_multiclass_bce_dice_uses_keras_categorical_crossentropy():
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 3, (2, 8, 8, 1))
    probs = rng.dirichlet(np.ones(3), size=(2, 8, 8)).astype(np.float32)
    cce = keras.losses.SparseCategoricalCrossentropy(reduction=None)
    per_image = [float(np.mean(cce(t, p))) for t, p in zip(labels, probs, strict=True)]
    want = np.array(per_image) + np.asarray(losses.dice_loss(labels, probs))
    np.testing.assert_allclose(np.asarray(losses.bce_dice_loss(labels, probs)), want, rtol=1e-4)


def test_get_loss_resolves_names_and_rejects_unknown_ones():
    assert losses.get_loss("bce_dice") is losses.bce_dice_loss
    assert losses.get_loss(losses.dice_loss) is losses.dice_loss
    with pytest.raises(CourseError, match="bce_dice"):
        losses.get_loss("focal")


@pytest.mark.parametrize("loss", [losses.dice_loss, losses.bce_dice_loss, losses.jaccard_loss])
def test_losses_serialise_under_the_helpers_package_and_come_back_in_safe_mode(loss):
    config = keras.saving.serialize_keras_object(loss)
    assert keras.saving.get_registered_name(loss) == f"helpers>{loss.__name__}"
    assert keras.saving.deserialize_keras_object(config, safe_mode=True) is loss


def test_model_saved_with_a_course_loss_reloads_in_safe_mode_and_predicts_the_same(tmp_path):
    from helpers.unet import build_unet

    model = build_unet((None, None, 1), depth=2, base_filters=4)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=losses.bce_dice_loss)
    x, y = _blobs(6, n=4, size=32)
    model.fit(x, y, epochs=1, batch_size=2, verbose=0)  # moves batch-norm statistics too
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)  # no custom_objects
    assert loaded.loss is losses.bce_dice_loss
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(x, training=False)),
        keras.ops.convert_to_numpy(model(x, training=False)),
        atol=1e-6,
    )


# --------------------------------------------------------------------------------------
# ClassLoss: several classes, class weights, an ignore label
# --------------------------------------------------------------------------------------


def _softmax_batch(seed, n=3, size=12, k=4):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, size, size, k))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return rng.integers(0, k, (n, size, size, 1)), probs.astype(np.float32)


def _class_loss_by_hand(labels, probs, weights=None, ignore=None, dice=True):
    """The loss of ClassLoss's docstring, in plain NumPy, pixel by pixel where it can."""
    labels = labels[..., 0]
    k = probs.shape[-1]
    weights = np.ones(k) if weights is None else np.asarray(weights, float)
    valid = np.ones(labels.shape, bool) if ignore is None else labels != ignore
    clipped = np.clip(probs.astype(np.float64), 1e-7, 1 - 1e-7)
    per_image = []
    for image in range(len(labels)):
        total = 0.0
        for (r, c), label in np.ndenumerate(labels[image]):
            if valid[image, r, c]:
                total -= weights[label] * np.log(clipped[image, r, c, label])
        per_image.append(total / max(valid[image].sum(), 1))
    if not dice:
        return np.array(per_image)
    scores = []
    for label in range(1, k):
        truth = (labels == label) & valid
        soft = probs[..., label] * valid
        scores.append((2 * np.sum(truth * soft) + 1) / (truth.sum() + soft.sum() + 1))
    return np.array(per_image) + 1 - np.mean(scores)


@pytest.mark.parametrize(
    ("weights", "ignore"), [(None, None), ([0.5, 4.0, 1.0, 2.0], None), ([0.5, 4, 1, 2], 255)]
)
def test_class_loss_is_the_numpy_reference_per_image(weights, ignore):
    labels, probs = _softmax_batch(0)
    if ignore is not None:
        labels[0, :3, :5] = ignore
        labels[2, 7:, 2:] = ignore
    loss = losses.ClassLoss(weights, ignore=ignore)
    want = _class_loss_by_hand(labels, probs, weights, ignore)
    np.testing.assert_allclose(np.asarray(loss.call(labels, probs)), want, rtol=1e-5)
    assert float(loss(labels, probs)) == pytest.approx(want.mean(), rel=1e-5)


def test_class_loss_without_dice_and_weights_is_keras_categorical_crossentropy():
    labels, probs = _softmax_batch(1)
    cce = keras.losses.SparseCategoricalCrossentropy(reduction=None)
    per_image = [float(np.mean(cce(t, p))) for t, p in zip(labels, probs, strict=True)]
    got = losses.ClassLoss(dice=False).call(labels, probs)
    np.testing.assert_allclose(np.asarray(got), per_image, rtol=1e-5)
    np.testing.assert_allclose(
        np.asarray(got), _class_loss_by_hand(labels, probs, dice=False), rtol=1e-5
    )


def test_class_loss_takes_one_hot_masks_where_an_all_zero_pixel_is_ignored():
    labels, probs = _softmax_batch(2)
    labels[1, 4:8, 4:8] = 255
    one_hot = np.eye(4, dtype=np.float32)[np.where(labels[..., 0] == 255, 0, labels[..., 0])]
    one_hot[labels[..., 0] == 255] = 0
    weights = [1.0, 3.0, 2.0, 1.5]
    np.testing.assert_allclose(
        np.asarray(losses.ClassLoss(weights).call(one_hot, probs)),
        np.asarray(losses.ClassLoss(weights, ignore=255).call(labels, probs)),
        rtol=1e-5,
    )


def test_what_the_network_says_on_ignored_pixels_does_not_change_the_class_loss():
    labels, probs = _softmax_batch(3)
    labels[:, :6] = 255
    other = probs.copy()
    other[:, :6] = np.roll(other[:, :6], 1, axis=-1)  # other answers there
    loss = losses.ClassLoss([1, 2, 3, 4], ignore=255)
    np.testing.assert_allclose(
        np.asarray(loss.call(labels, probs)), np.asarray(loss.call(labels, other)), rtol=1e-6
    )


def test_the_class_loss_dice_is_pooled_over_the_batch():
    """A class absent from one image but present in the batch: that image is not pushed to
    predict it nowhere (a per-image Dice would give the image a Dice of ~0 for the class)."""
    labels = np.zeros((2, 8, 8, 1), int)
    labels[0, 2:6, 2:6] = 1  # class 1 only in image 0
    probs = np.where(labels == 1, [0.01, 0.99], [0.99, 0.01]).astype(np.float32)
    got = np.asarray(losses.ClassLoss(dice=True).call(labels, probs))
    plain = np.asarray(losses.ClassLoss(dice=False).call(labels, probs))
    assert got[0] - plain[0] == pytest.approx(got[1] - plain[1])  # one Dice term for both
    assert got[0] - plain[0] < 0.1  # and a small one: class 1 is found


def test_the_class_loss_serialises_with_its_settings_and_reloads_in_safe_mode(tmp_path):
    from helpers.unet import build_unet

    loss = losses.ClassLoss([0.7, 7.9, 4.3], ignore=255)
    config = keras.saving.serialize_keras_object(loss)
    assert config["registered_name"] == "helpers>ClassLoss"
    back = keras.saving.deserialize_keras_object(config, safe_mode=True)
    assert (back.class_weights, back.ignore, back.dice) == ([0.7, 7.9, 4.3], 255, True)
    model = build_unet((None, None, 1), num_classes=3, depth=2, base_filters=4)
    model.compile(optimizer="adam", loss=loss)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(loaded.loss, losses.ClassLoss)
    assert (loaded.loss.class_weights, loaded.loss.ignore) == ([0.7, 7.9, 4.3], 255)


# --------------------------------------------------------------------------------------
# The Keras training metrics dice_coef and iou_coef
# --------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_keras_dice_and_iou_coef_are_the_batch_mean_of_the_numpy_scores():
    rng = np.random.default_rng(7)
    field = ndimage.gaussian_filter(rng.standard_normal((8, 48, 40)), sigma=(0, 3, 3))
    truth = field > 0.8 * field.std(axis=(1, 2), keepdims=True)
    truth[6] = False
    probs = np.clip(truth + rng.normal(0, 0.4, truth.shape), 0, 1).astype("float32")
    probs[6] = 0.1  # with truth[6] empty: an image where both masks are empty scores 1
    y_true, y_pred = truth[..., None].astype("float32"), probs[..., None]
    hard = metrics.binarize(probs)
    dice, iou = losses.dice_coef(y_true, y_pred), losses.iou_coef(y_true, y_pred)
    assert float(dice) == pytest.approx(metrics.dice(truth, hard).mean(), abs=1e-6)
    assert float(iou) == pytest.approx(metrics.iou(truth, hard).mean(), abs=1e-6)
    assert tuple(keras.ops.shape(dice)) == ()
    none = np.zeros_like(y_true)
    assert float(losses.dice_coef(none, none)) == 1.0 == float(losses.iou_coef(none, none))


def test_keras_metrics_count_a_probability_exactly_at_the_threshold_as_foreground():
    truth = np.zeros((1, 6, 6, 1), "float32")
    truth[0, 1:4, 1:4] = 1
    probs = np.where(truth > 0, conventions.THRESHOLD, 0.2).astype("float32")  # exactly 0.5
    assert np.array_equal(conventions.foreground(probs), truth > 0)
    assert float(losses.dice_coef(truth, probs)) == 1.0 == float(losses.iou_coef(truth, probs))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras saving
def test_keras_metrics_name_the_history_and_saved_models_reload_in_safe_mode(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss="binary_crossentropy",
        metrics=[losses.dice_coef, losses.iou_coef],
    )
    x = np.random.default_rng(0).random((4, 8, 8, 1)).astype("float32")
    y = (x > 0.5).astype("float32")
    history = model.fit(x, y, validation_data=(x, y), epochs=1, batch_size=4, verbose=0)
    assert {"dice_coef", "val_dice_coef", "iou_coef", "val_iou_coef"} <= set(history.history)
    path = tmp_path / "tiny.keras"
    model.save(path)
    # A fresh interpreter: loading fails before helpers.losses is imported, works after.
    script = (
        "import sys, keras\n"
        f"path = {str(path)!r}\n"
        "try:\n"
        "    keras.models.load_model(path, safe_mode=True)\n"
        "    print('loaded-without')\n"
        "except Exception:\n"
        "    print('failed-without')\n"
        "import helpers.losses\n"
        "model = keras.models.load_model(path, safe_mode=True)\n"
        "import numpy as np\n"
        "x = np.ones((1, 8, 8, 1), 'float32')\n"
        "print(sorted(model.evaluate(x, x, verbose=0, return_dict=True)))\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "failed-without" in done.stdout
    assert "'dice_coef'" in done.stdout and "'iou_coef'" in done.stdout
