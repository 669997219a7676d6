"""Chapter 5 exercises: the course's two-convolution block, the parameters of a level
counted by hand, and the output layer and loss for one class or K.

In the notebook::

    from helpers.exercises import ch05 as exercises
    exercises.conv_block.check(conv_block)
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers.exercises._core import Exercise, Mistake, Wrong, call, describe

__all__ = ["conv_block", "level_parameters", "output_head"]


# 1 · The course's two-convolution block ----------------------------------------------------

_SIDE, _CHANNELS, _FILTERS = 32, 3, 8


def _conv_block(x, filters):
    """Two times: 3x3 convolution (no bias, he_normal), batch norm (momentum 0.9), ReLU."""
    from keras import layers

    for _ in range(2):
        x = layers.Conv2D(
            filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal"
        )(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.Activation("relu")(x)
    return x


def _activation(layer) -> str | None:
    """The non-linearity a layer applies (``None`` for none)."""
    from keras import layers

    if isinstance(layer, layers.ReLU):
        return "relu"
    name = None
    if isinstance(layer, (layers.Activation, layers.Conv2D)):
        name = layer.get_config().get("activation")
    return None if name in (None, "linear") else str(name)


def _check_conv_block(answer) -> str:
    import keras
    from keras import layers

    inputs = keras.Input((_SIDE, _SIDE, _CHANNELS))
    output = call(answer, inputs, _FILTERS)
    if not isinstance(output, keras.KerasTensor):
        raise Wrong(
            f"conv_block(x, filters) returned a {type(output).__name__}: return the "
            "tensor that comes out of the last layer, e.g. `return x`."
        )
    try:
        model = keras.Model(inputs, output)
    except Exception:
        raise Wrong(
            "the tensor you return does not come from `x`: start the block from the "
            "`x` you are given, and pass each layer's output to the next."
        ) from None
    convs = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)]
    norms = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    order = [layer for layer in model.layers if not isinstance(layer, layers.InputLayer)]
    if len(convs) != 2:
        raise Wrong(
            f"your block has {len(convs)} convolution(s); it has two 3x3 Conv2D layers, "
            "each followed by batch norm and ReLU."
        )
    for conv in convs:
        if tuple(conv.kernel_size) != (3, 3):
            raise Wrong(
                f"a convolution has a {conv.kernel_size[0]}x{conv.kernel_size[1]} kernel; "
                "the block uses 3x3 (kernel_size=3)."
            )
        if conv.filters != _FILTERS:
            raise Wrong(
                f"a convolution has {conv.filters} filters but conv_block was asked for "
                f"{_FILTERS}: use the `filters` argument."
            )
        if conv.padding != "same":
            raise Wrong(
                f"padding='{conv.padding}' shrinks the image by 2 pixels per convolution "
                f"(your output is {tuple(output.shape[1:3])}, the input {(_SIDE, _SIDE)}): "
                "give both convolutions padding='same', or the decoder's skip connections "
                "no longer fit."
            )
    if any(isinstance(layer, layers.Dropout) for layer in order):
        raise Wrong(
            "your block has dropout: the course's block has none (batch norm "
            "regularises enough here); dropout is the module's block."
        )
    if len(norms) != 2:
        raise Wrong(
            f"your block has {len(norms)} batch norm layer(s): put one "
            "BatchNormalization after each convolution."
        )
    activations = [
        (index, _activation(layer)) for index, layer in enumerate(order) if _activation(layer)
    ]
    if not activations:
        raise Wrong(
            "your block has no activation: without ReLU the two convolutions are one "
            "linear filter. Add layers.Activation('relu') after each batch norm."
        )
    if any(name != "relu" for _, name in activations):
        raise Wrong(
            f"your block uses {sorted({n for _, n in activations})}: the block's "
            "activation is ReLU."
        )
    for conv in convs:
        if _activation(conv):
            raise Wrong(
                "ReLU is inside the Conv2D (activation='relu'), so batch norm comes after "
                "it. The course's block normalises the convolution's output first: Conv2D "
                "with no activation, then BatchNormalization, then Activation('relu')."
            )
    if len(activations) != 2:
        raise Wrong(
            f"your block has {len(activations)} ReLU(s): one after each batch norm, two in all."
        )
    for conv in convs:
        if conv.use_bias:
            raise Wrong(
                "your convolutions have a bias (use_bias=True, Keras's default). Batch norm "
                "subtracts the mean right after, which cancels any bias, and then adds its "
                "own shift: give the Conv2D layers use_bias=False."
            )
        initializer = conv.get_config()["kernel_initializer"]
        name = initializer.get("class_name") if isinstance(initializer, dict) else str(initializer)
        if str(name).replace("_", "").lower() != "henormal":
            raise Wrong(
                f"kernel_initializer is {name}; the course's block uses 'he_normal' "
                "(the module's uses 'he_uniform')."
            )
    for norm in norms:
        if not np.isclose(norm.momentum, 0.9):
            raise Wrong(
                f"batch norm momentum {norm.momentum:g}: the course uses 0.9. With Keras's "
                "0.99 the statistics used at prediction time lag far behind on a short run."
            )
    want_params = keras.Model(inputs, _conv_block(inputs, _FILTERS)).count_params()
    if tuple(output.shape[1:]) != (_SIDE, _SIDE, _FILTERS) or model.count_params() != want_params:
        raise Wrong(
            f"your block gives {tuple(output.shape[1:])} and {model.count_params()} "
            f"parameters; the course's block gives {(_SIDE, _SIDE, _FILTERS)} and "
            f"{want_params}."
        )
    return (
        f"on a {_SIDE}x{_SIDE}x{_CHANNELS} input with {_FILTERS} filters: output "
        f"{(_SIDE, _SIDE, _FILTERS)}, {want_params} parameters, as helpers.unet's block."
    )


def _valid_padding(x, filters):
    from keras import layers

    for _ in range(2):
        x = layers.Conv2D(filters, 3, use_bias=False, kernel_initializer="he_normal")(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.Activation("relu")(x)
    return x


def _no_activation(x, filters):
    from keras import layers

    for _ in range(2):
        x = layers.Conv2D(
            filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal"
        )(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
    return x


def _default_momentum(x, filters):
    from keras import layers

    for _ in range(2):
        x = layers.Conv2D(
            filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal"
        )(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    return x


def _relu_in_conv(x, filters):
    from keras import layers

    for _ in range(2):
        x = layers.Conv2D(
            filters,
            3,
            padding="same",
            activation="relu",
            use_bias=False,
            kernel_initializer="he_normal",
        )(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
    return x


def _one_conv(x, filters):
    from keras import layers

    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    return layers.Activation("relu")(x)


def _with_bias(x, filters):
    from keras import layers

    for _ in range(2):
        x = layers.Conv2D(filters, 3, padding="same", kernel_initializer="he_normal")(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.Activation("relu")(x)
    return x


conv_block = Exercise(
    title="the course's two-convolution block",
    expects="a function conv_block(x, filters) that returns the block's output tensor",
    checker=_check_conv_block,
    reference=_conv_block,
    hints=(
        "Twice in a loop: Conv2D, then BatchNormalization, then Activation('relu'); return x.",
        "Conv2D(filters, 3, padding='same', use_bias=False, kernel_initializer='he_normal').",
        "BatchNormalization(momentum=0.9): the course's momentum, not Keras's 0.99.",
    ),
    mistakes=(
        Mistake(_valid_padding, "padding='same'"),
        Mistake(_no_activation, "no activation"),
        Mistake(_relu_in_conv, "normalises the convolution's output first"),
        Mistake(_default_momentum, "momentum 0.99"),
        Mistake(_one_conv, "1 convolution"),
        Mistake(_with_bias, "use_bias=False"),
    ),
)


# 2 · The parameters of one level, by hand ------------------------------------------------


def _level_parameters(in_channels, filters):
    """Parameters of one level of the module's block: two 3x3 convolutions with biases."""
    first = 3 * 3 * in_channels * filters + filters  # a 3x3 kernel over every input channel, + bias
    second = 3 * 3 * filters * filters + filters  # the second sees the first one's filters
    return first + second


_LEVEL_CASES = ((1, 16), (16, 32), (3, 8), (128, 256))


def _check_level_parameters(answer) -> str:
    for in_channels, filters in _LEVEL_CASES:
        got = call(answer, in_channels, filters)
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (numbers.Real, np.integer)):
            raise Wrong(
                f"level_parameters({in_channels}, {filters}) returned a "
                f"{type(got).__name__}: return one whole number."
            )
        got = float(got)
        want = _level_parameters(in_channels, filters)
        shown = f"level_parameters({in_channels}, {filters}) = {got:g}, expected {want}"
        if got == want:
            continue
        if got == want - 2 * filters:
            raise Wrong(
                f"{shown}: the biases are missing. Each filter of each convolution "
                "has one bias: 2 x filters more."
            )
        if got == 3 * 3 * in_channels * filters + filters:
            raise Wrong(
                f"{shown}: that is the first convolution only. The block has two; "
                "the second sees `filters` channels: 3*3*filters*filters + filters."
            )
        if got == 2 * (3 * 3 * in_channels * filters + filters):
            raise Wrong(
                f"{shown}: you gave the second convolution `in_channels` inputs; it "
                "sees the first one's output, `filters` channels."
            )
        if got in (
            2 * (3 * 3 * filters + filters),
            3 * 3 * filters + filters + 3 * 3 * filters * filters + filters,
        ):
            raise Wrong(
                f"{shown}: a 3x3 kernel spans every input channel, so each filter has "
                "3*3*in_channels weights in the first convolution."
            )
        raise Wrong(
            f"{shown}. Per convolution: 3*3*(channels in)*(filters) weights + filters biases."
        )
    return (
        "3*3*in*f + f, then 3*3*f*f + f: level 1 of the module's network (1 channel in, "
        f"16 filters) has {_level_parameters(1, 16):,} parameters, as model.summary() says."
    )


level_parameters = Exercise(
    title="count the parameters of a level by hand",
    expects="a function level_parameters(in_channels, filters) -> int",
    checker=_check_level_parameters,
    reference=_level_parameters,
    hints=(
        "One 3x3 convolution with `c` channels in and `f` filters has "
        "3*3*c*f weights and f biases.",
        "The second convolution of the level has `filters` channels in, not `in_channels`.",
    ),
    mistakes=(
        Mistake(lambda c, f: 9 * c * f + 9 * f * f, "biases are missing"),
        Mistake(lambda c, f: 9 * c * f + f, "first convolution only"),
        Mistake(lambda c, f: 2 * (9 * c * f + f), "sees the first one's output"),
        Mistake(lambda c, f: 9 * f + f + 9 * f * f + f, "spans every input channel"),
    ),
)


# 3 · One class or K: the output layer and its loss ----------------------------------------


def _output_head(num_classes):
    """The last layer's activation and the loss, for 1 class (object or not) or K classes."""
    if num_classes == 1:
        return "sigmoid", "binary_crossentropy"
    return "softmax", "categorical_crossentropy"


def _word(value) -> str:
    return str(value).replace("_", "").replace(" ", "").lower()


def _check_output_head(answer) -> str:
    for classes in (1, 3, 5):
        got = call(answer, classes)
        if isinstance(got, str) or not hasattr(got, "__len__") or len(got) != 2:
            raise Wrong(
                f"output_head({classes}) returned {describe(got)}: return two strings, "
                "(activation, loss)."
            )
        activation, loss = _word(got[0]), _word(got[1])
        if classes == 1:
            if activation == "softmax":
                raise Wrong(
                    "for 1 class you chose softmax: a softmax over one channel is always "
                    "1.0 (it divides the channel by itself). One class needs a sigmoid."
                )
            if activation != "sigmoid":
                raise Wrong(
                    f"for 1 class the activation is {got[0]!r}; one probability per pixel "
                    "comes from a sigmoid."
                )
            if loss != "binarycrossentropy":
                raise Wrong(
                    f"for 1 class the loss is {got[1]!r}; a sigmoid output pairs with "
                    "'binary_crossentropy'."
                )
        else:
            if activation == "sigmoid":
                raise Wrong(
                    f"for {classes} classes you chose sigmoid: each channel would be a separate "
                    "yes/no and the classes of a pixel would not sum to 1. Use softmax."
                )
            if activation != "softmax":
                raise Wrong(f"for {classes} classes the activation is {got[0]!r}; use softmax.")
            if loss not in ("categoricalcrossentropy", "sparsecategoricalcrossentropy"):
                raise Wrong(
                    f"for {classes} classes the loss is {got[1]!r}; a softmax over K classes "
                    "pairs with 'categorical_crossentropy' (one-hot masks) or "
                    "'sparse_categorical_crossentropy' (class-index masks)."
                )
    return (
        "sigmoid with binary cross-entropy for one class, "
        "softmax with categorical cross-entropy for K."
    )


output_head = Exercise(
    title="the output layer and the loss, for one class or K",
    expects="a function output_head(num_classes) -> (activation, loss), two strings",
    checker=_check_output_head,
    reference=_output_head,
    hints=(
        "One class: one probability per pixel, between 0 and 1, independent of anything else.",
        "K classes: K probabilities per pixel that must add up to 1.",
    ),
    mistakes=(
        Mistake(lambda k: ("sigmoid", "binary_crossentropy"), "would not sum to 1"),
        Mistake(lambda k: ("softmax", "categorical_crossentropy"), "always 1.0"),
        Mistake(
            lambda k: ("sigmoid", "categorical_crossentropy") if k == 1 else _output_head(k),
            "pairs with 'binary_crossentropy'",
        ),
    ),
)
