"""The U-Net drawn as a U: its levels read from the model's layers, then boxes and arrows."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.errors import PlotInputError

__all__ = ["plot_unet"]


def _unet_levels(model: Any) -> dict:
    """Read a U-Net's levels from its layers, in the order Keras keeps them.

    A counter follows the resolution: a pooling layer goes one level down (two for a
    4x4 pool), a transposed convolution or an up-sampling with stride 2 one level up.
    Convolutions before the first up-sampling belong to the encoder (the deepest of them
    to the bottleneck), the others to the decoder; a ``Concatenate`` in the decoder is a
    skip connection; the last convolution is the output head.
    """
    from keras import layers

    def log2(value: Any) -> int:
        size = value[0] if isinstance(value, (tuple, list)) else value
        return max(int(size).bit_length() - 1, 0)

    def new_block(level: int) -> dict:
        return {
            "level": level,
            "filters": None,
            "convs": 0,
            "kernel": None,
            "batch_norm": False,
            "dropout": 0.0,
            "skip_channels": None,
            "up_filters": None,
        }

    convolutions = [
        layer
        for layer in model.layers
        if isinstance(layer, layers.Conv2D) and not isinstance(layer, layers.Conv2DTranspose)
    ]
    if not convolutions:
        raise PlotInputError("plot_unet needs a U-Net: this model has no Conv2D layer.")
    head = convolutions[-1]
    level, decoding = 0, False
    encoder: dict[int, dict] = {}
    decoder: dict[int, dict] = {}
    current: dict | None = None
    for layer in model.layers:
        if isinstance(layer, (layers.MaxPooling2D, layers.AveragePooling2D)):
            level += log2(layer.pool_size)
            current = None
        elif isinstance(layer, (layers.Conv2DTranspose, layers.UpSampling2D)):
            step = log2(layer.strides if isinstance(layer, layers.Conv2DTranspose) else layer.size)
            level, decoding = level - step, True
            current = decoder.setdefault(level, new_block(level))
            current["up_filters"] = getattr(layer, "filters", None)
        elif isinstance(layer, layers.Concatenate) and decoding:
            current = decoder.setdefault(level, new_block(level))
            shapes = [tuple(tensor.shape) for tensor in layer.input]
            current["skip_channels"] = int(shapes[-1][-1]) if shapes[-1][-1] else None
        elif layer is head:
            break
        elif isinstance(layer, layers.Conv2D):
            blocks = decoder if decoding else encoder
            current = blocks.setdefault(level, new_block(level))
            current["convs"] += 1
            current["filters"] = int(layer.filters)
            current["kernel"] = tuple(layer.kernel_size)
        elif current is not None and isinstance(layer, layers.BatchNormalization):
            current["batch_norm"] = True
        elif current is not None and isinstance(layer, layers.Dropout):
            current["dropout"] = max(current["dropout"], float(layer.rate))
    depth = max(encoder, default=0)
    if depth < 1 or not decoder or sorted(encoder) != list(range(depth + 1)):
        raise PlotInputError(
            "plot_unet needs a U-Net: convolutions on several levels joined by pooling "
            "(the encoder), then transposed convolutions or up-sampling (the decoder). "
            "Build the model with helpers.unet.build_unet or in the same order."
        )
    input_shape = tuple(model.input_shape)
    activation = head.get_config().get("activation")
    return {
        "depth": depth,
        "height": input_shape[1],
        "width": input_shape[2],
        "channels": input_shape[3],
        "encoder": [encoder[k] for k in range(depth)],
        "bottleneck": encoder[depth],
        "decoder": [decoder.get(k, new_block(k)) for k in range(depth)],
        "classes": int(head.filters),
        "activation": activation,
    }


def _side(size: int | None, level: int, axis: str) -> str:
    """``128`` when the input size is known, else ``H/4``."""
    if size is not None:
        return str(size // 2**level)
    return axis if level == 0 else f"{axis}/{2**level}"


def plot_unet(model: Any, *, title: str | None = None) -> Figure:
    """The whole U of a U-Net, drawn from its layers.

    Draws one box per level: the encoder down the left side, the bottleneck at the
    bottom, the decoder up the right side. Each box gives the height x width of the
    feature maps at that level (``H/4`` and so on when the model accepts any size) and
    the number of filters of its convolutions, with what each block holds (how many
    3x3 convolutions, batch norm, dropout rate). Arrows: down for 2x2 max pooling, up
    for the 2x2 transposed convolution (up-sampling), and a dashed arrow across for
    each skip connection (the encoder's output copied and concatenated in the
    decoder), labelled with the channels it carries. The input enters at the top left;
    the output (a 1x1 convolution: one sigmoid channel, or a softmax over K) leaves at
    the top right.

    Parameters
    ----------
    model : keras.Model
        A U-Net built with :func:`helpers.unet.build_unet` (any depth, any options) or
        by hand in the same order (encoder, bottleneck, decoder, output convolution).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes without ticks.

    Raises
    ------
    PlotInputError
        When the model does not have a U-Net's levels (no pooling, no decoder).
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    info = _unet_levels(model)
    depth = info["depth"]
    box_w, box_h, step_x = 2.5, 0.95, 1.35
    right = 2 * depth * step_x + box_w + 1.0  # x of the decoder's top box
    middle = right / 2

    def place(block: dict, kind: str) -> tuple[float, float]:
        if kind == "bottleneck":
            return middle, -1.5 * depth
        x = block["level"] * step_x if kind == "encoder" else right - block["level"] * step_x
        return x, -1.5 * block["level"]

    def label(block: dict) -> str:
        size = (
            f"{_side(info['height'], block['level'], 'H')} x "
            f"{_side(info['width'], block['level'], 'W')}"
        )
        parts = [
            f"{block['convs']} conv {block['kernel'][0]}x{block['kernel'][1]}"
            if block["kernel"]
            else "no conv"
        ]
        if block["batch_norm"]:
            parts.append("batch norm")
        if block["dropout"]:
            parts.append(f"dropout {block['dropout']:g}")
        return f"{size}\n{block['filters']} filters\n" + ", ".join(parts)

    filters = [b["filters"] or 1 for b in info["encoder"] + [info["bottleneck"]]]
    shades = plt.get_cmap("Blues")

    def colour(block: dict):
        share = np.log2(block["filters"] or 1) - np.log2(min(filters))
        return shades(0.2 + 0.5 * share / max(np.log2(max(filters) / min(filters)), 1))

    fig, ax = plt.subplots(
        figsize=(2.2 + 1.55 * (2 * depth + 2), 1.6 + 1.25 * (depth + 1)), layout="constrained"
    )
    centres = {}
    for kind, blocks in (
        ("encoder", info["encoder"]),
        ("bottleneck", [info["bottleneck"]]),
        ("decoder", info["decoder"]),
    ):
        for block in blocks:
            x, y = place(block, kind)
            centres[(kind, block["level"])] = (x, y)
            ax.add_patch(
                FancyBboxPatch(
                    (x - box_w / 2, y - box_h / 2),
                    box_w,
                    box_h,
                    boxstyle="round,pad=0.04",
                    facecolor=colour(block),
                    edgecolor="0.25",
                    linewidth=1.0,
                )
            )
            ax.text(x, y, label(block), ha="center", va="center", fontsize=8)

    def arrow(
        start,
        end,
        *,
        colour="0.2",
        style="-|>",
        dashed=False,
        text=None,
        where=0.5,
        offset=(0.0, 0.0),
        ha="center",
        fontsize=7.5,
    ):
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle=style,
                mutation_scale=13,
                color=colour,
                linewidth=1.4,
                linestyle="--" if dashed else "-",
            )
        )
        if text:
            tx = start[0] + where * (end[0] - start[0]) + offset[0]
            ty = start[1] + where * (end[1] - start[1]) + offset[1]
            ax.text(tx, ty, text, ha=ha, va="center", fontsize=fontsize, color=colour)

    half_h = box_h / 2 + 0.05
    for level in range(depth):
        x0, y0 = centres[("encoder", level)]
        below = ("encoder", level + 1) if level + 1 < depth else ("bottleneck", depth)
        x1, y1 = centres[below]
        arrow(
            (x0, y0 - half_h),
            (x1 - box_w / 4, y1 + half_h),
            colour="tab:red",
            text="max pool 2x2",
            offset=(-0.75, 0),
            ha="right",
        )
        xd, yd = centres[("decoder", level)]
        above = ("decoder", level + 1) if level + 1 < depth else ("bottleneck", depth)
        xa, ya = centres[above]
        up = info["decoder"][level]["up_filters"]
        arrow(
            (xa + box_w / 4, ya + half_h),
            (xd, yd - half_h),
            colour="tab:green",
            text="up-conv 2x2" + (f"\n{up} filters" if up else ""),
            offset=(0.75, 0),
            ha="left",
        )
        skip = info["decoder"][level]["skip_channels"]
        arrow(
            (x0 + box_w / 2 + 0.05, y0),
            (xd - box_w / 2 - 0.05, yd),
            colour="tab:purple",
            dashed=True,
            text="skip: copy and concatenate" + (f" ({skip} channels)" if skip else ""),
            offset=(0, 0.17),
        )
    x_in, y_in = centres[("encoder", 0)]
    x_out, y_out = centres[("decoder", 0)]
    size = f"{_side(info['height'], 0, 'H')} x {_side(info['width'], 0, 'W')}"
    arrow(
        (x_in, y_in + 1.35),
        (x_in, y_in + half_h),
        text=f"input\n{size} x {info['channels']}",
        where=0.0,
        offset=(0, 0.3),
        fontsize=9,
    )
    output = (
        f"{info['classes']} {info['activation']} channel"
        if info["classes"] == 1
        else f"{info['classes']} channels, {info['activation']}"
    )
    arrow(
        (x_out, y_out + half_h),
        (x_out, y_out + 1.35),
        text=f"output: conv 1x1\n{size}, {output}",
        where=1.0,
        offset=(0, 0.3),
        fontsize=9,
    )
    ax.set_xlim(-box_w / 2 - 1.3, right + box_w / 2 + 1.3)
    ax.set_ylim(-1.5 * depth - 0.7, 2.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.text(
        0,
        -1.5 * depth,
        "encoder\n(contracting path)",
        ha="center",
        va="center",
        fontsize=9,
        style="italic",
    )
    ax.text(
        right,
        -1.5 * depth,
        "decoder\n(expanding path)",
        ha="center",
        va="center",
        fontsize=9,
        style="italic",
    )
    name = getattr(model, "name", "U-Net")
    ax.set_title(title or f"{name}: depth {depth}, {model.count_params():,} parameters")
    return fig
