"""helpers.inference: batched prediction, padding to the U-Net's multiple, tiled prediction."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from helpers import config, conventions, io  # noqa: E402
from helpers.inference import (  # noqa: E402
    InferenceError,
    ModelFileError,
    choose_tiling,
    load_model,
    pad_to_multiple,
    predict_masks,
    predict_proba,
    predict_tiled,
    predict_tiled_mask,
    tile_weights,
    to_mask,
)
from helpers.losses import bce_dice_loss  # noqa: E402
from helpers.unet import build_unet  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def _iou(a, b):
    a, b = np.asarray(a).astype(bool), np.asarray(b).astype(bool)
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else np.logical_and(a, b).sum() / union


def _pointwise_model(channels=1):
    """A per-pixel model (1x1 convolution): a tile's prediction cannot depend on its context."""
    inputs = keras.Input((None, None, channels))
    outputs = keras.layers.Conv2D(
        1,
        1,
        activation="sigmoid",
        kernel_initializer="ones",
        bias_initializer=keras.initializers.Constant(-0.5),
    )(inputs)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def trained():
    """A small fully convolutional U-Net trained for a few steps on data/mito at 256 px."""
    keras.utils.set_random_seed(0)
    images, masks, _ = io.load_folder(
        config.data_dir("mito", "images"), config.data_dir("mito", "masks"), size=256, max_images=28
    )
    model = build_unet((None, None, 1), depth=3, base_filters=8)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss=bce_dice_loss, jit_compile=False
    )  # 36 steps: XLA's compile time would not pay back
    model.fit(images[:24], masks[:24].astype("float32"), batch_size=4, epochs=6, verbose=0)
    return model, images[24:], masks[24:]


def test_trained_model_tiled_prediction_agrees_with_whole_image_prediction(trained):
    model, images, masks = trained
    whole = predict_masks(model, images)
    assert 0.01 < whole.mean() < 0.5  # the model found objects, not nothing or everything
    assert _iou(whole, masks) > 0.3
    for image, mask in zip(images, whole, strict=True):
        tiled = to_mask(predict_tiled(model, image, tile=128, overlap=64))
        assert _iou(tiled, mask) >= 0.985


def test_tiled_prediction_of_the_external_image_at_a_size_that_is_not_a_multiple_of_the_tile(
    trained,
):
    model, _, _ = trained
    pixels = io.read_image(config.data_dir("mito", "external", "external_000.png"), channels=1)
    image = conventions.float_image(pixels)[:300, :450]  # neither a multiple of 128 nor of 8
    whole = to_mask(predict_proba(model, image))
    tiled = to_mask(predict_tiled(model, image, tile=128, overlap=64))
    assert tiled.shape == whole.shape == (300, 450, 1)
    assert whole.mean() > 0.01
    assert _iou(tiled, whole) >= 0.985


def test_tiled_labels_of_raw_pixels_equal_thresholded_tiled_probabilities_and_the_whole_image(
    trained,
):
    """predict_tiled_mask takes the file's uint8 pixels (normalised tile by tile) and gives
    the labels of predict_tiled's probabilities; both agree with the whole image's."""
    model, _, _ = trained
    pixels = io.read_image(config.data_dir("mito", "external", "external_000.png"), channels=1)
    # overlap 64, as the tests above: with 32 a weak quick model's masks agreed to 0.96 only
    labels = predict_tiled_mask(model, pixels, tile=128, overlap=64, batch_size=3)
    probabilities = predict_tiled(model, conventions.float_image(pixels), tile=128, overlap=64)
    assert labels.shape == pixels.shape[:2] and labels.dtype == np.uint8
    np.testing.assert_array_equal(labels, to_mask(probabilities)[..., 0])
    whole = to_mask(predict_proba(model, conventions.float_image(pixels)))[..., 0]
    assert whole.mean() > 0.01 and _iou(labels, whole) >= 0.985


def test_tiled_labels_never_hold_the_whole_images_float_probabilities():
    """Memory (NumPy's allocations, as tracemalloc sees them): making the labels of an
    8192 x 512 image takes, besides the uint8 labels themselves, less than half of what
    its float32 probabilities alone would (6 MiB of 16 when measured): bands of tile rows,
    the tiles of a batch."""
    import tracemalloc

    model = _pointwise_model()
    pixels = np.random.default_rng(5).integers(0, 255, (8192, 512, 1), dtype=np.uint8)
    predict_tiled_mask(model, pixels[:256, :256], tile=256, overlap=64)  # warm up Keras
    whole_map = pixels.size * 4
    tracemalloc.start()
    try:
        labels = predict_tiled_mask(model, pixels, tile=256, overlap=64, batch_size=4)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - labels.nbytes < whole_map / 2, f"peak {peak / 2**20:.1f} MiB"
    expected = (pixels[..., 0] / np.float32(255) - 0.5) >= 0  # the model: sigmoid(x - 0.5)
    assert (labels == expected).mean() > 0.999


def test_tiling_for_a_model_is_a_multiple_of_its_depth():
    assert choose_tiling(build_unet((None, None, 1), depth=3, base_filters=4)) == (512, 128)
    assert choose_tiling(build_unet((None, None, 1), depth=4, base_filters=4), patch=600) == (
        608,
        144,
    )
    assert choose_tiling(build_unet((96, 96, 1), depth=4, base_filters=4)) == (96, 16)


def test_tiled_prediction_of_a_per_pixel_model_equals_whole_image_prediction_exactly():
    model = _pointwise_model()
    image = np.random.default_rng(0).random((150, 230, 1), np.float32)
    whole = np.asarray(model(image[None]))[0]
    tiled = predict_tiled(model, image, tile=64, overlap=24)
    np.testing.assert_allclose(tiled, whole, atol=1e-6)  # the blend weights sum out exactly


def test_image_smaller_than_a_tile_is_padded_and_cropped_back():
    model = _pointwise_model(channels=3)
    image = np.random.default_rng(1).random((20, 37, 3), np.float32)
    tiled = predict_tiled(model, image, tile=64, overlap=32)
    assert tiled.shape == (20, 37, 1)
    np.testing.assert_allclose(tiled, np.asarray(model(image[None]))[0], atol=1e-6)


def test_unet_prediction_of_an_odd_size_equals_prediction_of_the_reflect_padded_image():
    model = build_unet((None, None, 1), depth=2, base_filters=4)
    image = np.random.default_rng(2).random((1, 50, 70, 1), np.float32)
    got = predict_proba(model, image)
    padded = np.pad(image, ((0, 0), (0, 2), (0, 2), (0, 0)), mode="reflect")  # to 52x72
    want = np.asarray(model(padded, training=False))[:, :50, :70]
    assert got.shape == (1, 50, 70, 1)
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_batched_prediction_equals_keras_predict():
    model = build_unet((None, None, 1), depth=2, base_filters=4)
    images = np.random.default_rng(3).random((5, 32, 32, 1), np.float32)
    np.testing.assert_allclose(
        predict_proba(model, images, batch_size=2), model.predict(images, verbose=0), atol=1e-6
    )


def test_pad_to_multiple_reflects_and_reports_the_original_size():
    images = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6, 1)
    padded, size = pad_to_multiple(images, 4)
    assert size == (5, 6) and padded.shape == (2, 8, 8, 1)
    np.testing.assert_array_equal(padded[:, 5, :6], images[:, 3])  # reflect: row 5 mirrors row 3
    np.testing.assert_array_equal(padded[:, :5, :6], images)


def test_tile_weights_fall_towards_the_edges_and_stay_above_the_floor():
    weights = tile_weights(64, floor=0.05)
    assert weights.shape == (64, 64)
    assert weights.min() >= 0.01**2 and weights[32, 32] > 0.99
    assert weights[32, 0] < weights[32, 16] < weights[32, 31]
    np.testing.assert_allclose(weights, weights.T)


def test_to_mask_thresholds_one_channel_and_takes_argmax_of_several():
    probs = np.array([[[0.2], [0.5], [0.9]]], np.float32)
    np.testing.assert_array_equal(to_mask(probs)[..., 0], [[0, 1, 1]])  # >= 0.5, as helpers.metrics
    np.testing.assert_array_equal(to_mask(probs, threshold=0.95)[..., 0], [[0, 0, 0]])
    classes = np.array([[[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]]], np.float32)
    assert to_mask(classes).tolist() == [[[1], [0]]]


def test_wrong_channel_count_is_a_clear_error():
    model = build_unet((None, None, 3), depth=2, base_filters=4)
    with pytest.raises(InferenceError, match="channels=3"):
        predict_proba(model, np.zeros((1, 32, 32, 1), np.float32))


def test_fixed_size_model_refuses_another_size_and_names_tiling():
    model = build_unet((32, 32, 1), depth=2, base_filters=4)
    with pytest.raises(InferenceError, match="predict_tiled"):
        predict_proba(model, np.zeros((1, 48, 48, 1), np.float32))
    assert predict_tiled(model, np.zeros((48, 48, 1), np.float32), tile=32, overlap=16).shape == (
        48,
        48,
        1,
    )


def test_tile_that_is_not_a_multiple_of_two_to_the_depth_is_refused():
    model = build_unet((None, None, 1), depth=3, base_filters=4)
    with pytest.raises(InferenceError, match="multiple of 2\\*\\*depth = 8"):
        predict_tiled(model, np.zeros((64, 64, 1), np.float32), tile=60, overlap=20)


def test_load_model_errors_name_the_file(tmp_path):
    with pytest.raises(ModelFileError, match="No model file"):
        load_model(tmp_path / "missing.keras")
    (tmp_path / "weights.h5").write_bytes(b"x")
    with pytest.raises(ModelFileError, match="not a .keras file"):
        load_model(tmp_path / "weights.h5")
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"this is not a zip archive")
    with pytest.raises(ModelFileError, match="broken.keras could not be loaded"):
        load_model(broken)
