"""The classes part of the course's recipe: how many, their names, their shares of the
training pixels, the loss weights and the loss (:func:`class_setup`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.classes import ClassNames, class_weights, count_labels, find_classes, resolve_classes
from helpers.errors import DataError


@dataclass(frozen=True)
class ClassSetup:
    """What :func:`helpers.runs.train_on_folder` trains for.

    Attributes
    ----------
    num_classes : int
        1 (binary: one sigmoid channel) or the number of classes with the background.
    names : ClassNames
    shares : tuple of float or None
        Several classes: each class's share of the training pixels (the output prior).
    weights : tuple of float or None
        Several classes: the loss weight of each class (None: not weighted).
    """

    num_classes: int
    names: ClassNames
    shares: tuple[float, ...] | None = None
    weights: tuple[float, ...] | None = None

    def loss(self):
        """The loss to train with: the binary recipe's, or a :class:`~helpers.losses.ClassLoss`."""
        from helpers.losses import ClassLoss
        from helpers.training import DEFAULT_LOSS

        if self.num_classes == 1:
            return DEFAULT_LOSS
        return ClassLoss(self.weights, ignore=self.names.ignore)

    def settings(self) -> dict:
        """What ``run.json`` records of the classes (nothing for a binary run: its
        ``run.json`` stays as it was)."""
        if self.num_classes == 1:
            return {}
        return {
            "class_names": list(self.names.names[: self.num_classes]),
            "ignore": self.names.ignore,
            "class_shares": None if self.shares is None else [round(s, 6) for s in self.shares],
            "class_weights": None if self.weights is None else [round(w, 4) for w in self.weights],
            "loss": "ClassLoss (weighted)" if self.weights else "ClassLoss",
        }


def class_setup(
    pairs: list,
    train_pairs: list,
    mask_dir,
    *,
    num_classes: int | None = None,
    weighted: bool = False,
) -> ClassSetup:
    """The classes of a run: ``classes.json`` or the masks' labels decide how many
    (:func:`helpers.classes.resolve_classes`); with several, the shares of the training
    pixels give the output prior and, when ``weighted``, the loss weights
    (:func:`helpers.classes.class_weights`).

    Raises
    ------
    ConfigError
        A ``num_classes`` that disagrees with ``classes.json``.
    DataError
        A mask that cannot be read as labels, or with a label ``classes.json`` does not list;
        a ``classes.json`` that declares an ignore label (not read by the pipelines yet).
    """
    masks = [Path(mask) for _, mask in pairs]
    declared = find_classes(mask_dir)
    if declared is not None and declared.ignore is not None:
        # The loss leaves ignored pixels out (losses.ClassLoss(ignore=...)), but the mask
        # readers (io.read_mask, the datasets pipelines) do not take an ignore label yet:
        # a 0/255 mask would be read as class 1. Refuse rather than train on that.
        raise DataError(
            f"{declared.path} declares an ignore label ({declared.ignore}), which training "
            "cannot read yet: give those pixels a class (or 0) and leave out the ignore entry."
        )
    if num_classes == 1 and declared is None:
        # binary asked for, no classes.json: nothing to read here (the pipelines check the masks)
        return ClassSetup(1, ClassNames(("background", "foreground")))
    counts = count_labels(masks)
    num_classes, names = resolve_classes(
        masks, mask_dir=mask_dir, num_classes=num_classes, counts=counts
    )
    if num_classes == 1:
        return ClassSetup(1, names)
    training = {Path(mask) for _, mask in train_pairs}
    rows = [k for k, mask in enumerate(masks) if mask in training]
    pixels = np.zeros(num_classes, dtype=np.int64)
    width = min(num_classes, counts.shape[1])
    pixels[:width] = counts[rows, :width].sum(axis=0)
    shares = tuple(float(v) for v in pixels / max(pixels.sum(), 1))
    weights = tuple(float(w) for w in class_weights(pixels)) if weighted else None
    return ClassSetup(num_classes, names, shares=shares, weights=weights)
