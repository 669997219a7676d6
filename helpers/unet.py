"""The U-Net: one configurable builder, and the learning module's network as a preset.

A U-Net has an *encoder* that halves the image ``depth`` times (two 3x3 convolutions,
then 2x2 max pooling, at every level), a *bottleneck*, and a *decoder* that doubles it
back (a 2x2 transposed convolution, concatenation with the encoder's output of the same
size, two 3x3 convolutions). A 1x1 convolution gives one probability per pixel and class.

Sizes: height and width must be multiples of ``2**depth`` (16 for the default depth 4),
or pooling drops a row and the decoder's concatenation fails. Build with height and width
``None`` to get a fully convolutional network that accepts any such size;
:mod:`helpers.inference` pads other sizes (reflect) and crops the result back.

Presets
-------
``"module"``
    The learning module's simple U-Net, layer for layer: 16 filters doubled at each of
    4 levels, dropout 0.1/0.1/0.2/0.2/0.3 between the two convolutions (the decoder
    mirrors it), ``he_uniform`` weights, no batch norm, sigmoid output. At 256x256x1 it
    has 1,940,817 parameters.

The defaults of :func:`build_unet` (batch norm with momentum 0.9, no dropout,
``he_normal``), trained by :func:`helpers.training.train`'s defaults (BCE + Dice, Adam
1e-3) on flipped and rotated batches, are the course's recipe, chosen by measurement
against the module's (its network, BCE, batch 16, no augmentation) on ``data/mito`` and
on ISBI 2012: the figures are in the README (``benchmarks/mito_quality.py --module``
and ``benchmarks/isbi2012.py``).

Example
-------
>>> from helpers.unet import build_unet
>>> model = build_unet((256, 256, 1), preset="module")
>>> model.count_params()
1940817
"""

from __future__ import annotations

from collections.abc import Sequence

from helpers.errors import UNetConfigError

__all__ = [
    "BN_MOMENTUM",
    "DEFAULTS",
    "PRESETS",
    "build_unet",
    "required_multiple",
    "unet_depth",
]

#: Batch-norm momentum. Keras's default (0.99) makes the moving statistics that the
#: network uses at prediction time trail the training statistics for hundreds of
#: steps; a course run has only a few hundred steps in all, so its predictions
#: differ from what it learned (see benchmarks/isbi2012.py --diagnose). 0.9 catches
#: up in a few dozen steps.
BN_MOMENTUM = 0.9

PRESETS: dict[str, dict] = {
    "module": {
        "depth": 4,
        "base_filters": 16,
        "batch_norm": False,
        "dropout": (0.1, 0.1, 0.2, 0.2, 0.3),
        "kernel_initializer": "he_uniform",
    },
}

#: The course's default recipe (chosen by measurement, see the module docstring).
DEFAULTS: dict = {
    "depth": 4,
    "base_filters": 16,
    "batch_norm": True,
    "dropout": 0.0,
    "kernel_initializer": "he_normal",
}


def required_multiple(depth: int) -> int:
    """Height and width of a U-Net's input must be multiples of this (``2**depth``)."""
    return 2**depth


def _dropout_rates(dropout: float | Sequence[float], depth: int) -> tuple[float, ...]:
    """One rate per encoder level and the bottleneck (``depth + 1`` values)."""
    if isinstance(dropout, (int, float)):
        rates = (float(dropout),) * (depth + 1)
    else:
        rates = tuple(float(r) for r in dropout)
    if len(rates) != depth + 1:
        raise UNetConfigError(
            f"dropout needs one rate per level and one for the bottleneck ({depth + 1} "
            f"values for depth {depth}), got {len(rates)}: {rates}."
        )
    if any(not 0.0 <= r < 1.0 for r in rates):
        raise UNetConfigError(f"Dropout rates must be in [0, 1), got {rates}.")
    return rates


def _conv_block(
    x,
    filters: int,
    *,
    rate: float,
    batch_norm: bool,
    initializer: str,
    name: str,
    momentum: float = BN_MOMENTUM,
):
    """Two 3x3 convolutions with ReLU; dropout (if any) between them; batch norm before ReLU."""
    from keras import layers

    for i in (1, 2):
        x = layers.Conv2D(
            filters,
            3,
            padding="same",
            use_bias=not batch_norm,  # batch norm's shift replaces the bias
            kernel_initializer=initializer,
            activation=None if batch_norm else "relu",
            name=f"{name}_conv{i}",
        )(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=momentum, name=f"{name}_bn{i}")(x)
            x = layers.Activation("relu", name=f"{name}_relu{i}")(x)
        if i == 1 and rate > 0:
            x = layers.Dropout(rate, name=f"{name}_dropout")(x)
    return x


def build_unet(
    input_shape: Sequence[int | None] = (None, None, 1),
    *,
    num_classes: int = 1,
    depth: int | None = None,
    base_filters: int | None = None,
    batch_norm: bool | None = None,
    dropout: float | Sequence[float] | None = None,
    kernel_initializer: str | None = None,
    bn_momentum: float = BN_MOMENTUM,
    preset: str | None = None,
    name: str = "unet",
):
    """Build a U-Net (not compiled).

    Options left as ``None`` come from ``preset`` when one is given, else from the
    course's defaults (:data:`DEFAULTS`); options given explicitly always win.

    Parameters
    ----------
    input_shape : (H, W, C)
        ``H`` and ``W`` multiples of ``2**depth``, or ``None`` for a fully convolutional
        network that accepts any such size.
    num_classes : int
        1: one sigmoid channel (probability of the foreground). More: one softmax channel
        per class (class 0 is the background).
    depth : int
        Number of poolings (default 4: five levels counting the bottleneck).
    base_filters : int
        Filters at the first level, doubled at every level below (default 16).
    batch_norm : bool
        Batch normalisation after every convolution (default True).
    dropout : float or sequence of ``depth + 1`` floats
        Dropout between the two convolutions of each encoder level and the bottleneck;
        the decoder uses the rate of the encoder level it joins (default 0: none).
    kernel_initializer : str
        Keras initializer of the convolution kernels (default ``"he_normal"``).
    bn_momentum : float
        Momentum of batch norm's moving statistics (default :data:`BN_MOMENTUM`, 0.9).
        Keras's own default, 0.99, needs many hundreds of steps before the statistics
        used at prediction time match the ones the network trained with; with fewer, a
        network that trained well predicts nothing (foreground IoU 0.0001 against 0.88
        on data/mito in the cpu profile).
    preset : {"module"} or None
        Start from a named configuration (see the module docstring).
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Input ``(batch, H, W, C)`` float32 in [0, 1]; output ``(batch, H, W, K)`` float32
        probabilities, ``K = num_classes``.

    Raises
    ------
    UNetConfigError
        For an unknown preset, a depth, width or class count below 1, an input shape that is
        not (height, width, channels), or a size that is not a multiple of 2**depth.
    """
    import keras
    from keras import layers

    base = dict(DEFAULTS)
    if preset is not None:
        if preset not in PRESETS:
            raise UNetConfigError(f"Unknown preset {preset!r}; choose one of {sorted(PRESETS)}.")
        base.update(PRESETS[preset])
    given = {
        "depth": depth,
        "base_filters": base_filters,
        "batch_norm": batch_norm,
        "dropout": dropout,
        "kernel_initializer": kernel_initializer,
    }
    options = {k: (v if v is not None else base[k]) for k, v in given.items()}
    depth, filters = int(options["depth"]), int(options["base_filters"])
    if depth < 1 or filters < 1:
        raise UNetConfigError(f"depth and base_filters must be >= 1, got {depth} and {filters}.")
    if num_classes < 1:
        raise UNetConfigError(f"num_classes must be >= 1, got {num_classes}.")
    if len(input_shape) != 3:
        raise UNetConfigError(
            f"input_shape is (height, width, channels), got {tuple(input_shape)}."
        )
    multiple = required_multiple(depth)
    for label, size in zip(("height", "width"), input_shape[:2], strict=True):
        if size is not None and size % multiple:
            raise UNetConfigError(
                f"The input {label} {size} is not a multiple of 2**depth = {multiple}. "
                f"Resize to a multiple (e.g. {max(multiple, size // multiple * multiple)}), "
                "or build with height and width None and predict with helpers.inference, "
                "which pads and crops."
            )
    rates = _dropout_rates(options["dropout"], depth)
    block = {
        "batch_norm": bool(options["batch_norm"]),
        "initializer": options["kernel_initializer"],
        "momentum": float(bn_momentum),
    }

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = inputs
    skips = []
    for level in range(depth):
        x = _conv_block(x, filters * 2**level, rate=rates[level], name=f"enc{level + 1}", **block)
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"enc{level + 1}_pool")(x)
    x = _conv_block(x, filters * 2**depth, rate=rates[depth], name="bottleneck", **block)
    for level in reversed(range(depth)):
        x = layers.Conv2DTranspose(
            filters * 2**level, 2, strides=2, padding="same", name=f"dec{level + 1}_up"
        )(x)
        x = layers.Concatenate(axis=-1, name=f"dec{level + 1}_concat")([x, skips[level]])
        x = _conv_block(x, filters * 2**level, rate=rates[level], name=f"dec{level + 1}", **block)
    activation = "sigmoid" if num_classes == 1 else "softmax"
    outputs = layers.Conv2D(
        num_classes, 1, activation=activation, dtype="float32", name="probabilities"
    )(x)
    return keras.Model(inputs, outputs, name=name)


def unet_depth(model) -> int:
    """The number of 2x poolings in ``model`` (its depth), counted from its layers."""
    from keras import layers

    depth = 0
    for layer in model.layers:
        if isinstance(layer, (layers.MaxPooling2D, layers.AveragePooling2D)):
            pool = layer.pool_size[0] if isinstance(layer.pool_size, tuple) else layer.pool_size
            depth += max(int(pool).bit_length() - 1, 0)
    return depth
