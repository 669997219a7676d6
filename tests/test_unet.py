"""helpers.unet: the module's network exactly, the options, and the size rule."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

from helpers.unet import (  # noqa: E402
    UNetConfigError,
    build_unet,
    required_multiple,
    unet_depth,
)


def _module_unet_written_plainly(height, width, channels):
    """The learning module's simple U-Net, spelled out layer by layer (the reference)."""
    init = "he_uniform"

    def conv(x, filters):
        return layers.Conv2D(
            filters, 3, activation="relu", kernel_initializer=init, padding="same"
        )(x)

    inputs = keras.Input((height, width, channels))
    c1 = conv(layers.Dropout(0.1)(conv(inputs, 16)), 16)
    c2 = conv(layers.Dropout(0.1)(conv(layers.MaxPooling2D(2)(c1), 32)), 32)
    c3 = conv(layers.Dropout(0.2)(conv(layers.MaxPooling2D(2)(c2), 64)), 64)
    c4 = conv(layers.Dropout(0.2)(conv(layers.MaxPooling2D(2)(c3), 128)), 128)
    c5 = conv(layers.Dropout(0.3)(conv(layers.MaxPooling2D(2)(c4), 256)), 256)
    u6 = layers.concatenate([layers.Conv2DTranspose(128, 2, strides=2, padding="same")(c5), c4])
    c6 = conv(layers.Dropout(0.2)(conv(u6, 128)), 128)
    u7 = layers.concatenate([layers.Conv2DTranspose(64, 2, strides=2, padding="same")(c6), c3])
    c7 = conv(layers.Dropout(0.2)(conv(u7, 64)), 64)
    u8 = layers.concatenate([layers.Conv2DTranspose(32, 2, strides=2, padding="same")(c7), c2])
    c8 = conv(layers.Dropout(0.1)(conv(u8, 32)), 32)
    u9 = layers.concatenate([layers.Conv2DTranspose(16, 2, strides=2, padding="same")(c8), c1])
    c9 = conv(layers.Dropout(0.1)(conv(u9, 16)), 16)
    outputs = layers.Conv2D(1, 1, activation="sigmoid")(c9)
    return keras.Model(inputs, outputs)


def _signature(model):
    """Layer types, weight shapes, dropout rates and initialisers, in graph order."""
    rows = []
    for layer in model.layers:
        row = [type(layer).__name__, [tuple(w.shape) for w in layer.weights]]
        if isinstance(layer, layers.Dropout):
            row.append(layer.rate)
        if isinstance(layer, layers.Conv2D) and not isinstance(layer, layers.Conv2DTranspose):
            row.append(type(layer.kernel_initializer).__name__)
            row.append(layer.activation.__name__)
        rows.append(row)
    return rows


def test_module_preset_has_the_module_parameter_count():
    model = build_unet((256, 256, 1), preset="module")
    assert model.count_params() == 1_940_817  # the figure the issue gives for the module's network


def test_module_preset_matches_the_network_written_layer_by_layer():
    ours = build_unet((256, 256, 1), preset="module")
    reference = _module_unet_written_plainly(256, 256, 1)
    assert ours.count_params() == reference.count_params()
    assert _signature(ours) == _signature(reference)


def test_module_preset_with_rgb_input_matches_the_plain_network():
    assert (
        build_unet((128, 128, 3), preset="module").count_params()
        == _module_unet_written_plainly(128, 128, 3).count_params()
    )


def test_explicit_options_override_the_preset():
    model = build_unet((64, 64, 1), preset="module", batch_norm=True, dropout=0.0, base_filters=8)
    kinds = {type(layer).__name__ for layer in model.layers}
    assert "BatchNormalization" in kinds and "Dropout" not in kinds
    assert model.get_layer("enc1_conv1").filters == 8


def test_default_recipe_uses_batch_norm_without_dropout_or_conv_bias():
    model = build_unet((64, 64, 1))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("BatchNormalization") == 2 * (2 * 4 + 1)
    assert "Dropout" not in kinds
    assert model.get_layer("enc1_conv1").use_bias is False


def test_single_class_output_is_one_sigmoid_channel_in_zero_one():
    model = build_unet((None, None, 1), depth=2, base_filters=4)
    out = np.asarray(model(np.random.default_rng(0).random((2, 32, 48, 1), np.float32)))
    assert out.shape == (2, 32, 48, 1)
    assert out.min() >= 0 and out.max() <= 1


def test_several_classes_give_softmax_channels_that_sum_to_one():
    model = build_unet((32, 32, 3), num_classes=4, depth=2, base_filters=4)
    out = np.asarray(model(np.random.default_rng(1).random((2, 32, 32, 3), np.float32)))
    assert out.shape == (2, 32, 32, 4)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, atol=1e-5)


def test_fully_convolutional_model_takes_several_sizes():
    model = build_unet((None, None, 1), depth=3, base_filters=4)
    for shape in ((1, 64, 64, 1), (1, 96, 40, 1)):
        assert model(np.zeros(shape, np.float32)).shape == shape


@pytest.mark.parametrize("shape", [(100, 128, 1), (128, 250, 3)])
def test_size_that_is_not_a_multiple_of_two_to_the_depth_is_refused(shape):
    with pytest.raises(UNetConfigError, match="multiple of 2\\*\\*depth = 16"):
        build_unet(shape)


def test_dropout_needs_one_rate_per_level_and_bottleneck():
    with pytest.raises(UNetConfigError, match="3 values for depth 2"):
        build_unet((32, 32, 1), depth=2, dropout=(0.1, 0.2))


def test_dropout_rates_follow_the_levels_and_mirror_in_the_decoder():
    model = build_unet((64, 64, 1), preset="module")
    rates = [layer.rate for layer in model.layers if isinstance(layer, layers.Dropout)]
    assert rates == [0.1, 0.1, 0.2, 0.2, 0.3, 0.2, 0.2, 0.1, 0.1]


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(UNetConfigError, match="module"):
        build_unet((64, 64, 1), preset="resnet")


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_depth_is_read_back_from_the_layers(depth):
    model = build_unet((None, None, 1), depth=depth, base_filters=2)
    assert unet_depth(model) == depth
    assert required_multiple(depth) == 2**depth
