"""Training curves from a Keras history, a ``history.csv`` or a DataFrame."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from helpers.errors import PlotInputError

__all__ = ["METRIC_LABELS", "plot_history", "plot_history_combined"]

#: Readable names of the metrics Keras writes into a history.
METRIC_LABELS = {
    "loss": "loss",
    "accuracy": "pixel accuracy",
    "binary_accuracy": "pixel accuracy",
    "dice_coef": "Dice",
    "dice": "Dice",
    "iou_coef": "IoU",
    "iou": "IoU",
    "jaccard": "IoU",
    "precision": "precision",
    "recall": "recall",
}
_NOT_METRICS = {"epoch", "lr", "learning_rate"}


def _history_frame(history: Any):
    """A pandas DataFrame from a DataFrame, a dict of lists, a Keras History or a CSV path."""
    import pandas as pd

    if isinstance(history, pd.DataFrame):
        return history.reset_index(drop=True)
    if isinstance(history, (str, os.PathLike)):
        return pd.read_csv(history)
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        return pd.DataFrame(dict(history.history))
    if isinstance(history, Mapping):
        return pd.DataFrame(dict(history))
    raise PlotInputError(
        f"Cannot read a training history from a {type(history).__name__}: pass the DataFrame "
        "that helpers.training returns, the history.csv path, or model.fit(...).history."
    )


def _metric_names(frame) -> list[str]:
    """Metrics in the history (train or validation column present), loss first."""
    names: list[str] = []
    for column in frame.columns:
        base = column[4:] if column.startswith("val_") else column
        if base not in _NOT_METRICS and base not in names:
            names.append(base)
    return sorted(names, key=lambda name: name != "loss")


def _epochs(frame) -> np.ndarray:
    # history.csv counts epochs from 0; people count from 1.
    if "epoch" in frame.columns:
        return frame["epoch"].to_numpy() + 1
    return np.arange(1, len(frame) + 1)


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def plot_history(history: Any, *, metrics: Sequence[str] | None = None) -> Figure:
    """Training and validation curves, one panel per metric.

    Parameters
    ----------
    history : pandas.DataFrame, dict of lists, keras History or path to history.csv
        Columns ``m`` (training) and ``val_m`` (validation) for each metric ``m``, and
        optionally ``epoch`` (counted from 0, as Keras' CSVLogger writes it).
    metrics : sequence of str, optional
        Metrics to draw, e.g. ``("loss", "accuracy", "dice_coef", "iou_coef")``.
        Default: every metric in the history, loss first. A metric that the history
        does not hold (the model was not compiled with it) is skipped and named in the
        figure's title instead of raising ``KeyError``; a metric without its
        ``val_`` column is drawn for training only.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per metric found; x is the epoch counted from 1.

    Raises
    ------
    PlotInputError
        When the history holds none of the metrics asked for.
    """
    frame = _history_frame(history)
    wanted = list(metrics) if metrics is not None else _metric_names(frame)
    present = [m for m in wanted if m in frame.columns or f"val_{m}" in frame.columns]
    missing = [m for m in wanted if m not in present]
    if not present:
        raise PlotInputError(
            f"The history holds none of {wanted}; its columns are {list(frame.columns)}. "
            "Ask for metrics the model was compiled with."
        )
    epochs = _epochs(frame)
    count = len(present)
    columns = 2 if count == 4 else min(count, 3)
    rows = -(-count // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(4.6 * columns, 3.6 * rows), squeeze=False, layout="constrained"
    )
    for ax, metric in zip(axes.flat, present, strict=False):
        curves = [(metric, "training", "-"), (f"val_{metric}", "validation", "--")]
        drawn = [label for column, label, style in curves if column in frame.columns]
        for column, label, style in curves:
            if column in frame.columns:
                ax.plot(
                    epochs,
                    frame[column].to_numpy(dtype=float),
                    style,
                    marker="o",
                    markersize=3,
                    label=label,
                )
        name = _label(metric)
        ax.set_title(f"{name}: " + (" vs ".join(drawn) if len(drawn) == 2 else f"{drawn[0]} only"))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    title = "Training history"
    if missing:
        title += f"\n(not in this history, so not drawn: {', '.join(missing)})"
    fig.suptitle(title)
    return fig


def plot_history_combined(history: Any) -> Figure:
    """Every training and validation curve of a history on one axes.

    Parameters
    ----------
    history : pandas.DataFrame, dict of lists, keras History or path to history.csv
        As for :func:`plot_history`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: solid lines for training, dashed for validation, one colour per metric.

    Raises
    ------
    PlotInputError
        When the history has no metric columns.
    """
    frame = _history_frame(history)
    names = _metric_names(frame)
    if not names:
        raise PlotInputError(f"The history has no metric columns: {list(frame.columns)}.")
    epochs = _epochs(frame)
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for index, metric in enumerate(names):
        color = f"C{index % 10}"
        for column, who, style in (
            (metric, "training", "-"),
            (f"val_{metric}", "validation", "--"),
        ):
            if column in frame.columns:
                ax.plot(
                    epochs,
                    frame[column].to_numpy(dtype=float),
                    style,
                    color=color,
                    label=f"{who} {_label(metric)}",
                )
    ax.set_title("Training and validation curves")
    ax.set_xlabel("epoch")
    ax.set_ylabel("value")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig
