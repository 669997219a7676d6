"""plots.plot_unet: the whole U drawn from a model's layers, for any depth."""

import keras
import matplotlib
import pytest
from keras import layers

from helpers import errors, plots, unet
from helpers.plots._unet import _unet_levels

matplotlib.use("Agg")


def _texts(fig) -> str:
    return "\n".join(text.get_text() for ax in fig.axes for text in ax.texts)


def _arrows(fig) -> int:
    from matplotlib.patches import FancyArrowPatch

    return sum(isinstance(patch, FancyArrowPatch) for ax in fig.axes for patch in ax.patches)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_levels_are_read_from_a_build_unet_model_of_any_depth(depth):
    model = unet.build_unet((64, 64, 1), depth=depth, base_filters=4)
    info = _unet_levels(model)
    assert info["depth"] == depth
    assert [b["filters"] for b in info["encoder"]] == [4 * 2**k for k in range(depth)]
    assert info["bottleneck"]["filters"] == 4 * 2**depth
    assert [b["filters"] for b in info["decoder"]] == [4 * 2**k for k in range(depth)]
    assert [b["skip_channels"] for b in info["decoder"]] == [4 * 2**k for k in range(depth)]
    assert all(b["convs"] == 2 and b["batch_norm"] for b in info["encoder"] + info["decoder"])
    assert (info["classes"], info["activation"]) == (1, "sigmoid")


def test_the_figure_shows_sizes_filters_and_one_skip_arrow_per_level():
    model = unet.build_unet((64, 64, 1), depth=2, base_filters=4)
    fig = plots.plot_unet(model)
    text = _texts(fig)
    for size, filters in [(64, 4), (32, 8), (16, 16)]:
        assert f"{size} x {size}\n{filters} filters" in text
    assert text.count("skip: copy and concatenate") == 2
    # per level: pool, up-conv, skip; plus input and output
    assert _arrows(fig) == 3 * 2 + 2
    assert "depth 2" in fig.axes[0].get_title()
    matplotlib.pyplot.close(fig)


def test_the_module_preset_shows_its_dropout_and_several_classes_their_softmax():
    info = _unet_levels(
        unet.build_unet(
            (32, 32, 1), depth=2, base_filters=4, dropout=(0.1, 0.2, 0.3), batch_norm=False
        )
    )
    assert [b["dropout"] for b in info["encoder"]] == [0.1, 0.2]
    assert info["bottleneck"]["dropout"] == 0.3 and not info["bottleneck"]["batch_norm"]
    fig = plots.plot_unet(unet.build_unet((None, None, 3), depth=2, base_filters=4, num_classes=3))
    text = _texts(fig)
    assert "H/4 x W/4" in text and "3 channels, softmax" in text
    matplotlib.pyplot.close(fig)


def test_a_hand_built_unet_with_keras_default_names_is_read_too():
    inputs = keras.Input((32, 32, 1))
    c1 = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D()(c1)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(8, 2, strides=2, padding="same")(x)
    x = layers.Concatenate()([x, c1])
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    outputs = layers.Conv2D(1, 1, activation="sigmoid")(x)
    info = _unet_levels(keras.Model(inputs, outputs))
    assert info["depth"] == 1 and info["bottleneck"]["filters"] == 16
    assert info["encoder"][0]["convs"] == 1 and info["decoder"][0]["skip_channels"] == 8


def test_a_model_that_is_not_a_unet_gets_a_clear_error():
    inputs = keras.Input((16, 16, 1))
    outputs = layers.Conv2D(1, 3, padding="same")(inputs)
    with pytest.raises(errors.PlotInputError, match="needs a U-Net"):
        plots.plot_unet(keras.Model(inputs, outputs))
    dense = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(errors.PlotInputError, match="no Conv2D"):
        plots.plot_unet(dense)
