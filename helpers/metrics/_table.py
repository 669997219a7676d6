"""The per-image table of pixel scores, and its summary over a dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from helpers.errors import MetricInputError

from ._distance import _hd95_batch
from ._scores import _accuracy, _class_counts, _class_mean, _confusion, _prepare, _scores

if TYPE_CHECKING:  # pandas is imported where a table is made
    import pandas as pd


TABLE_COLUMNS = ("iou", "dice", "precision", "recall", "f1", "accuracy")


def per_image_table(
    y_true,
    y_pred,
    names=None,
    *,
    hd95: bool = False,
    empty: float = 1.0,
    num_classes: int | None = None,
    include_background: bool = False,
    ignore: int | None = None,
) -> pd.DataFrame:
    """One row per image: iou, dice, precision, recall, f1, accuracy (and hd95 if asked).

    Parameters
    ----------
    y_true, y_pred : array_like, shape (N, H, W)
        Label masks, as for :func:`iou`.
    names : sequence of str, optional
        Image names for the index (default 0 .. N-1).
    hd95 : bool
        Add the ``hd95`` column (slower: two distance transforms per image).
    empty, num_classes, include_background, ignore
        As for :func:`iou`; multi-class scores are means over the classes. Pixels that
        ``ignore`` leaves out are in no column, ``hd95`` included.

    Returns
    -------
    pandas.DataFrame
        Index ``image``, float64 columns in the order above. Write it with
        ``table.to_csv(path)``; summarise it with :func:`summary`.

    Raises
    ------
    MetricInputError
        When ``names`` does not give one name per image, or for masks the metrics cannot
        score.
    """
    import pandas as pd

    t, p, c, _, keep = _prepare(y_true, y_pred, num_classes, ignore)
    if names is not None and len(names) != len(t):
        raise MetricInputError(f"{len(names)} names for {len(t)} images: give one name per image.")
    matrices = _confusion(t, p, c, keep)
    counts = _class_counts(matrices)
    columns = {
        kind: _class_mean(_scores(kind, counts, empty), include_background)
        for kind in ("iou", "dice", "precision", "recall")
    }
    columns["f1"] = columns["dice"].copy()
    columns["accuracy"] = _accuracy(matrices)  # the diagonal: right pixels
    if hd95:
        columns["hd95"] = _hd95_batch(t, p, connectivity=1, keep=keep)
    index = pd.Index(list(names) if names is not None else range(len(t)), name="image")
    return pd.DataFrame(columns, index=index)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation and median of each column of :func:`per_image_table`.

    ``images`` counts the images in each mean and ``left_out`` those left out because
    their score is NaN (both masks empty with ``empty=np.nan``, or ``hd95`` of two empty
    masks). An ``inf`` hd95 (one mask empty) is kept, so that mean is ``inf``: read the
    median.

    Returns
    -------
    pandas.DataFrame
        One row per metric; columns ``mean``, ``std``, ``median``, ``images``, ``left_out``.
    """
    import pandas as pd

    numeric = table.select_dtypes("number")
    with np.errstate(invalid="ignore"):
        return pd.DataFrame(
            {
                "mean": numeric.mean(),
                "std": numeric.std(),
                "median": numeric.median(),
                "images": numeric.notna().sum(),
                "left_out": numeric.isna().sum(),
            }
        )
