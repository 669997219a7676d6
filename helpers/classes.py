"""Several classes: their names (``classes.json``), how many a model needs, how often each
occurs, the weights that make a rare one count, and their colours.

``classes.json`` is the file that ``python -m helpers via2masks --attribute KEY`` writes
next to class-index masks: a JSON object from class name to mask value, background 0 and
the classes ``1 .. K-1``, each value once. It may declare an *ignore* label,
``"ignore": 255``: pixels with that value are left out of the loss (unsure regions, the
edge of a scan). Read it with :func:`read_classes`; :func:`find_classes` looks for it in
a masks folder.

How many classes a model needs (:func:`resolve_classes`): ``classes.json`` decides when
there is one (a ``num_classes`` that disagrees with it is refused), else the masks'
labels do (the largest label + 1). Two classes, background and one other, are the
course's binary case: one sigmoid channel (``num_classes`` 1). More are softmax channels,
one per class, the background included.

=========================  ==============================================================
:class:`ClassNames`        the names of a dataset's classes, in label order, and its ignore
:func:`read_classes`       a ``classes.json`` file, checked
:func:`find_classes`       the ``classes.json`` of a masks folder, or None
:func:`count_labels`       pixels per label, per mask file
:func:`resolve_classes`    the classes of a set of masks (``classes.json`` or the labels)
:func:`class_weights`      per-class loss weights from pixel counts (rare classes count more)
:func:`colorize`           class labels as an RGB picture, a fixed colour per class
:func:`legend`             class name -> RGB of :func:`colorize`
=========================  ==============================================================

Colours: the Okabe-Ito palette (Okabe and Ito 2008), which people with any common colour
vision deficiency can tell apart; background black (or the image, dimmed).

Example
-------
>>> import numpy as np
>>> from helpers import classes
>>> counts = np.array([900, 10, 90])          # pixels of background, rare, common
>>> classes.class_weights(counts).round(2)    # weight * share sums to 1
array([0.78, 7.41, 2.47])
>>> classes.colorize(np.array([[0, 1], [2, 0]]))[0, 1]
array([230, 159,   0], dtype=uint8)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.errors import ConfigError, DataError

__all__ = [
    "CLASSES_FILE",
    "IGNORE_KEY",
    "PALETTE",
    "ClassNames",
    "class_weights",
    "colorize",
    "count_labels",
    "declared_classes",
    "find_classes",
    "legend",
    "read_classes",
    "resolve_classes",
]

#: The file that names the classes of a masks folder (``via2masks --attribute`` writes it).
CLASSES_FILE = "classes.json"
#: The key of ``classes.json`` that declares the ignore label (``"ignore": 255``).
IGNORE_KEY = "ignore"

#: Okabe-Ito colours for classes 1, 2, ... (background 0 is black); uint8 RGB, shape (8, 3).
PALETTE = np.array(
    [
        (0, 0, 0),  # background: black
        (230, 159, 0),  # orange
        (86, 180, 233),  # sky blue
        (0, 158, 115),  # bluish green
        (240, 228, 66),  # yellow
        (0, 114, 178),  # blue
        (213, 94, 0),  # vermillion
        (204, 121, 167),  # reddish purple
    ],
    dtype=np.uint8,
)
#: The colour of ignored pixels in a picture: mid grey.
IGNORE_COLOR = np.array((128, 128, 128), dtype=np.uint8)


@dataclass(frozen=True)
class ClassNames:
    """The classes of a dataset: names in label order, and the ignore label if any.

    Attributes
    ----------
    names : tuple of str
        ``names[k]`` is the class of label ``k``; ``names[0]`` is the background.
    ignore : int or None
        The label of pixels left out of the loss (``"ignore"`` in ``classes.json``).
    path : pathlib.Path or None
        The ``classes.json`` they were read from (None when made from the labels).
    """

    names: tuple[str, ...]
    ignore: int | None = None
    path: Path | None = None

    @property
    def count(self) -> int:
        """Classes with the background (``len(names)``)."""
        return len(self.names)

    @property
    def num_classes(self) -> int:
        """What a model needs: 1 (one sigmoid channel) for two classes, else :attr:`count`."""
        return 1 if self.count == 2 else self.count

    def accepts(self, num_classes: int) -> bool:
        """Whether a model of ``num_classes`` outputs fits these classes (two classes: 1 or 2)."""
        return num_classes in (self.count, self.num_classes)

    def as_dict(self) -> dict[str, int]:
        """As ``classes.json`` holds them: name -> label (and ``"ignore"`` when declared)."""
        found = {name: k for k, name in enumerate(self.names)}
        if self.ignore is not None:
            found[IGNORE_KEY] = self.ignore
        return found


def _where(path) -> str:
    return str(path) if path is not None else "the classes"


def _from_mapping(mapping: Mapping, path: Path | None) -> ClassNames:
    """:class:`ClassNames` from a name -> label mapping, checked.

    Raises
    ------
    DataError
        When the labels are not 0, 1, ..., K-1 each once, or the ignore label is one of them.
    """
    where = _where(path)
    if not isinstance(mapping, Mapping) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in mapping.items()
    ):
        raise DataError(
            f"{where} should map class names to mask values, like "
            '{"background": 0, "nucleus": 1, "rod": 2} (the classes.json that via2masks '
            "writes): fix it."
        )
    ignore = mapping.get(IGNORE_KEY)
    labels = {name: value for name, value in mapping.items() if name != IGNORE_KEY}
    values = sorted(labels.values())
    if values != list(range(len(values))) or len(values) < 2:
        shown = ", ".join(f"{name}={value}" for name, value in labels.items())
        raise DataError(
            f"{where} maps the classes to {shown or 'nothing'}: the values must be 0 "
            "(background), 1, 2, ... each once, with at least one class besides the "
            "background. Fix the file (via2masks --attribute writes a right one)."
        )
    if ignore is not None and not len(values) <= ignore <= 255:
        raise DataError(
            f"{where} declares ignore={ignore}: the ignore label must be above the class "
            f"labels (0..{len(values) - 1}) and at most 255 (255 is usual). Fix the file."
        )
    names = tuple(sorted(labels, key=labels.get))
    return ClassNames(names=names, ignore=ignore, path=path)


def read_classes(path: str | os.PathLike) -> ClassNames:
    """A ``classes.json`` file: class names in label order, and its ignore label.

    Parameters
    ----------
    path : path
        A JSON object from class name to mask value, e.g. ``{"background": 0, "crescent":
        1, "nucleus": 2}``, with ``"ignore": 255`` where some pixels are to be left out.

    Returns
    -------
    ClassNames

    Raises
    ------
    DataError
        When the file cannot be read as JSON, or its values are not 0, 1, ..., K-1 each
        once (and an ignore label above them).
    """
    path = Path(path)
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(
            f"{path} cannot be read as a classes JSON file ({error}): repair it, or write it "
            "again with via2masks --attribute."
        ) from None
    return _from_mapping(mapping, path)


def find_classes(mask_dir: str | os.PathLike) -> ClassNames | None:
    """The ``classes.json`` of a masks folder (:func:`read_classes`), or None without one.

    Raises
    ------
    DataError
        As :func:`read_classes`, for a ``classes.json`` that is there but wrong.
    """
    path = Path(mask_dir) / CLASSES_FILE
    return read_classes(path) if path.is_file() else None


def count_labels(masks: Iterable[str | os.PathLike]) -> np.ndarray:
    """Pixels of each label in each mask file.

    Parameters
    ----------
    masks : iterable of path
        Mask files, read by :func:`helpers.io.read_mask` (0/255 masks count as 0/1).

    Returns
    -------
    ndarray of int64, shape (number of masks, L)
        ``counts[i, k]`` pixels of label ``k`` in mask ``i``; ``L`` is the largest label
        found + 1 (at least 2).

    Raises
    ------
    DataError
        For a mask that cannot be read as labels (the message names it).
    """
    from helpers import io

    rows = [np.bincount(io.read_mask(path).ravel()) for path in masks]
    width = max([2, *(len(row) for row in rows)])
    counts = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        counts[i, : len(row)] = row
    return counts


def declared_classes(mask_dir: str | os.PathLike, num_classes: int | None = None):
    """The ``classes.json`` of a masks folder (:func:`find_classes`), checked against the
    number of classes asked for; None without the file.

    Raises
    ------
    ConfigError
        For a ``num_classes`` that disagrees with ``classes.json``.
    DataError
        As :func:`read_classes`, for a ``classes.json`` that is there but wrong.
    """
    found = find_classes(mask_dir)
    if found is not None and num_classes is not None and not found.accepts(num_classes):
        listed = ", ".join(found.names)
        raise ConfigError(
            f"--classes {num_classes} disagrees with {found.path}, which lists "
            f"{found.count} classes ({listed}): leave out --classes (the file decides), "
            "or fix the file."
        )
    return found


def resolve_classes(
    masks: Sequence[str | os.PathLike],
    *,
    mask_dir: str | os.PathLike | None = None,
    num_classes: int | None = None,
    counts: np.ndarray | None = None,
) -> tuple[int, ClassNames]:
    """How many outputs a model of these masks needs, and the names of their classes.

    ``classes.json`` in ``mask_dir`` decides when there is one; else the masks' labels do:
    1 (binary) when they hold only 0 and 1, else the largest label + 1. A ``num_classes``
    given is checked against ``classes.json``; without the file it is taken as it is (the
    pipelines then check every mask against it).

    Parameters
    ----------
    masks : sequence of path
        The mask files.
    mask_dir : path, optional
        Their folder (default: the folder of the first mask).
    num_classes : int, optional
        What the caller asked for (``--classes``); None: decided here.
    counts : ndarray, optional
        :func:`count_labels` of ``masks``, when the caller has it already.

    Returns
    -------
    num_classes : int
        1 for binary masks, else the number of classes with the background.
    names : ClassNames
        From ``classes.json``, or ``background``, ``class 1``, ... (``background`` and
        ``foreground`` for binary masks).

    Raises
    ------
    ConfigError
        For a ``num_classes`` below 1, or one that disagrees with ``classes.json``.
    DataError
        For a mask with a label that ``classes.json`` does not list (named).
    """
    masks = [Path(m) for m in masks]
    if num_classes is not None and num_classes < 1:
        raise ConfigError(f"num_classes must be 1 (binary) or more, got {num_classes}.")
    if mask_dir is None and masks:
        mask_dir = masks[0].parent
    found = declared_classes(mask_dir, num_classes) if mask_dir is not None else None
    counts = count_labels(masks) if counts is None else counts
    if found is not None:
        for mask, row in zip(masks, counts, strict=True):
            labels = np.flatnonzero(row)
            extra = [int(k) for k in labels if k >= found.count and k != found.ignore]
            if extra:
                raise DataError(
                    f"{mask} has label {extra[0]}, but {found.path} lists {found.count} "
                    f"classes (labels 0..{found.count - 1}): fix the mask, or add its class "
                    "to classes.json."
                )
        return (num_classes or found.num_classes), found
    top = int(np.flatnonzero(counts.sum(axis=0)).max(initial=0))
    chosen = num_classes or (1 if top <= 1 else top + 1)
    count = max(chosen, 2)
    names = (
        ("background", "foreground")
        if count == 2
        else ("background",) + tuple(f"class {k}" for k in range(1, count))
    )
    return chosen, ClassNames(names=names)


def class_weights(counts: Sequence[int] | np.ndarray, *, power: float = 0.5) -> np.ndarray:
    """Loss weights per class from pixel counts: ``share ** -power``, scaled so that the
    weighted shares add up to 1 (an average pixel weighs 1).

    Parameters
    ----------
    counts : sequence of int, shape (K,)
        Pixels of each class in the training masks (background first).
    power : float
        0: no weighting (all 1); 1: inverse frequency, every class as heavy as the
        background in all (with a 0.5 % class: 200 times a background pixel); 0.5, the
        default, is between (the inverse square root of the share).

    Returns
    -------
    ndarray of float64, shape (K,)
        A class without pixels gets the weight of a class of one pixel (no pixel uses it).

    Raises
    ------
    ConfigError
        For counts that are not a 1-d sequence of non-negative numbers with some pixels.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size < 2 or (counts < 0).any() or counts.sum() <= 0:
        raise ConfigError(
            "class_weights takes the pixel count of each class (background first), e.g. "
            "[9000, 100, 900]: at least two non-negative counts, not all 0."
        )
    share = np.maximum(counts, 1.0) / counts.sum()
    weights = share**-power
    return weights / np.sum(counts / counts.sum() * weights)


def _palette(count: int) -> np.ndarray:
    """``count`` colours, uint8 (count, 3): Okabe-Ito, then evenly spread hues past 8."""
    if count <= len(PALETTE):
        return PALETTE[:count]
    import colorsys

    extra = count - len(PALETTE)
    more = [colorsys.hsv_to_rgb(k / extra, 0.8, 0.9) for k in range(extra)]
    return np.vstack([PALETTE, np.rint(np.array(more) * 255).astype(np.uint8)])


def colorize(
    labels: np.ndarray,
    *,
    image: np.ndarray | None = None,
    dim: float = 0.35,
    num_classes: int | None = None,
    ignore: int | None = None,
) -> np.ndarray:
    """Class labels as an RGB picture: each class in its fixed colour (:data:`PALETTE`).

    Parameters
    ----------
    labels : ndarray of int, shape (H, W)
        Class labels, 0 the background.
    image : ndarray, shape (H, W), (H, W, 1) or (H, W, 3), optional
        Shown, dimmed, where the label is background (float in [0, 1], or uint8/uint16);
        without it the background is black.
    dim : float
        The image's brightness under the background (0.35: a third).
    num_classes : int, optional
        Classes with the background (default: the largest label + 1); past 8 the colours
        go on as evenly spread hues.
    ignore : int, optional
        A label drawn grey (the ignore label of ``classes.json``).

    Returns
    -------
    ndarray of uint8, shape (H, W, 3)

    Raises
    ------
    DataError
        For labels that are not a 2-d array of non-negative integers, or above
        ``num_classes - 1``.
    """
    from helpers.conventions import float_image

    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.dtype.kind not in "iub" or (labels.size and labels.min() < 0):
        raise DataError(
            f"colorize takes class labels of shape (H, W), non-negative integers; got "
            f"{labels.dtype} of shape {labels.shape}. For softmax outputs use "
            "metrics.to_labels(probs) first."
        )
    labels = labels.astype(np.int64)
    known = labels if ignore is None else np.where(labels == ignore, 0, labels)
    top = int(known.max(initial=0))
    count = num_classes or top + 1
    if top >= count:
        raise DataError(
            f"labels go up to {top} but num_classes={count}: pass num_classes={top + 1}."
        )
    picture = _palette(max(count, 2))[known]
    if image is not None:
        grey = float_image(np.asarray(image))
        grey = grey[..., None] if grey.ndim == 2 else grey
        if grey.shape[:2] != labels.shape:
            raise DataError(
                f"the image is {grey.shape[:2]} but the labels {labels.shape}: give both at "
                "one size."
            )
        dimmed = np.rint(np.broadcast_to(grey, labels.shape + (3,)) * dim * 255).astype(np.uint8)
        picture = np.where((known == 0)[..., None], dimmed, picture)
    if ignore is not None:
        picture[labels == ignore] = IGNORE_COLOR
    return picture


def legend(names: Sequence[str], *, background: bool = False) -> dict[str, list[int]]:
    """Class name -> ``[r, g, b]`` of :func:`colorize` (``names[k]`` is label ``k``).

    The background (``names[0]``) is left out unless ``background=True``: in a preview
    over the image it is the image itself, not a colour.
    """
    colours = _palette(max(len(names), 2))
    start = 0 if background else 1
    return {name: [int(v) for v in colours[k]] for k, name in enumerate(names) if k >= start}
