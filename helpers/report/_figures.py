"""The report's figures, drawn with Matplotlib and embedded as base64 PNG (no file, no link)."""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

#: Colours of the error overlays, from the Okabe-Ito palette (told apart with every common
#: colour-vision deficiency): false positives orange, false negatives blue, and for several
#: classes a pixel of the wrong foreground class reddish purple.
ERROR_COLORS = {
    "false positive (predicted, not true)": (230, 159, 0),
    "false negative (true, missed)": (0, 114, 178),
    "wrong class (both foreground)": (204, 121, 167),
}
_ALPHA = 0.65


def png(fig) -> str:
    """The figure as a base64 PNG (for ``<img src="data:image/png;base64,...">``); closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def learning_curves(history: pd.DataFrame, kept_epoch: int | None):
    """The run's curves (:func:`helpers.plots.plot_history`), the kept epoch marked on each."""
    from helpers.plots import plot_history

    fig = plot_history(history)
    if kept_epoch is not None:
        for ax in fig.axes:
            if ax.get_visible():
                ax.axvline(kept_epoch, color="black", linestyle=":", label="kept epoch")
                ax.legend()
    return fig


def threshold_curve(sweep: pd.DataFrame, threshold: float, best: float):
    """Mean IoU and Dice against the probability threshold, the best and the used marked."""
    fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    ax.plot(sweep.index, sweep["iou"], marker="o", markersize=3, label="mean IoU")
    ax.plot(sweep.index, sweep["dice"], marker="s", markersize=3, label="mean Dice")
    ax.axvline(best, color="black", linestyle=":", label=f"best for IoU: {best:.2f}")
    ax.axvline(threshold, color="grey", linestyle="--", label=f"used: {threshold:.2f}")
    ax.set_xlabel("probability threshold")
    ax.set_ylabel("score (mean over images)")
    ax.set_ylim(0, 1.02)
    ax.set_title("IoU and Dice against the threshold")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return fig


def object_curves(curves: pd.DataFrame):
    """Object F1 and AP (DSB2018) against the IoU a pair needs."""
    fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    ax.plot(curves.index, curves["object_f1"], marker="o", markersize=3, label="object F1")
    ax.plot(curves.index, curves["ap"], marker="s", markersize=3, label="AP (DSB2018)")
    ax.set_xlabel("IoU a true and a predicted object need to pair")
    ax.set_ylabel("score (mean over images)")
    ax.set_ylim(0, 1.02)
    ax.set_title("Object scores against the matching IoU")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def count_scatter(table: pd.DataFrame):
    """True against predicted object counts, one point per image."""
    fig, ax = plt.subplots(figsize=(3.8, 3.6), layout="constrained")
    ax.scatter(table["n_true"], table["n_pred"], alpha=0.7)
    top = int(max(table["n_true"].max(), table["n_pred"].max(), 1)) + 1
    ax.plot([0, top], [0, top], color="grey", linestyle="--", label="counted right")
    ax.set_xlabel("true objects per image")
    ax.set_ylabel("predicted objects per image")
    ax.set_title("Object counts")
    ax.legend(fontsize="small")
    return fig


def size_bars(sizes: pd.DataFrame):
    """Recall of the true objects by size (terciles of their areas)."""
    fig, ax = plt.subplots(figsize=(4.6, 3.4), layout="constrained")
    labels = [
        f"{name}\n{int(row.smallest_px)}-{int(row.largest_px)} px\n({int(row.objects)} objects)"
        for name, row in sizes.iterrows()
    ]
    ax.bar(labels, sizes["recall"].fillna(0), color="#56B4E9")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("recall at IoU 0.5")
    ax.set_title("Objects found, by size")
    return fig


def error_overlay(image: np.ndarray, truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """The image (uint8, (H, W, C)) in RGB with its errors tinted in :data:`ERROR_COLORS`.

    Returns
    -------
    ndarray of uint8, shape (H, W, 3)
    """
    rgb = np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image[..., :3]
    rgb = rgb.astype(np.float32)
    colours = list(ERROR_COLORS.values())
    kinds = (
        (truth == 0) & (predicted > 0),
        (truth > 0) & (predicted == 0),
        (truth > 0) & (predicted > 0) & (truth != predicted),
    )
    for where, colour in zip(kinds, colours, strict=True):
        rgb[where] = (1 - _ALPHA) * rgb[where] + _ALPHA * np.asarray(colour, np.float32)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def overlays(picks, found, *, several: bool):
    """One row per picked image: the image, and its errors over it, with a legend.

    ``picks`` is a list of (what, row number) in the table of ``found``."""
    fig, axes = plt.subplots(
        len(picks), 2, figsize=(6.4, 3.1 * len(picks)), squeeze=False, layout="constrained"
    )
    for (what, index), row in zip(picks, axes, strict=True):
        name = found.table.index[index]
        image = found.images[index]
        grey = image.shape[-1] == 1
        row[0].imshow(image[..., 0] if grey else image, cmap="gray" if grey else None)
        row[0].set_title(f"{what}: {name}", fontsize="medium")
        shown = error_overlay(image, found.truths[index], found.predictions[index])
        row[1].imshow(shown, interpolation="nearest")
        row[1].set_title(f"errors (IoU {found.table['iou'].iloc[index]:.3f})", fontsize="medium")
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
    names = list(ERROR_COLORS)[: 3 if several else 2]
    handles = [Patch(color=np.asarray(ERROR_COLORS[n]) / 255, label=n) for n in names]
    fig.legend(handles=handles, loc="outside lower center", ncols=1, fontsize="small")
    return fig


def confusion(found):
    """The pooled confusion matrix, each row divided by its sum (recall per class)."""
    from helpers.plots import plot_confusion_matrix

    return plot_confusion_matrix(
        found.confusion,
        labels=list(found.class_names),
        normalize="true",
        title="Each true class, by predicted class",
    )
