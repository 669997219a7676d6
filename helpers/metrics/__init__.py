"""Segmentation metrics on label arrays, vectorised over a batch, with one rule for empty masks.

Every score function takes ``y_true`` and ``y_pred`` as label arrays of shape ``(N, H, W)``
(a batch) or ``(H, W)`` (one image): bool, integers, or floats holding whole numbers;
a mask of only 0 and 255 (an 8-bit mask image) counts as 0/1, the course's one rule
(:func:`helpers.conventions.mask_labels`). A trailing channel of size 1
(``(N, H, W, 1)``, what Keras models give) is dropped.
Probabilities are refused: threshold them with :func:`binarize` (one sigmoid channel) or
take the most likely class with :func:`to_labels` (softmax channels) first.

Classes
-------
Label 0 is the background. With two classes (binary masks, the default when the labels
are only 0 and 1) a score is the *foreground* score. With more classes it is the mean over
the classes, background left out unless ``include_background=True``; ``per_class=True``
gives one column per class instead (column ``c`` is label ``c``, background included).
Give ``num_classes`` for multi-class data: a batch that happens to hold only labels 0
and 1 would otherwise be read as binary.

Empty masks: the one rule
-------------------------
A class that is absent from *both* masks of an image (nothing to find, nothing found)
has IoU, Dice, precision, recall and F1 equal to ``empty``: ``1.0`` by default (a
perfect answer), or ``np.nan`` to leave such images out of means (``np.nanmean``,
:func:`summary`). Any other zero denominator scores ``0.0`` (precision of an empty
prediction when there was something to find; recall of a non-empty prediction when
there was nothing), as scikit-learn's ``zero_division=0``. The rule is
:func:`helpers.conventions.score_ratio`, which :mod:`helpers.objects` applies too.
Libraries disagree here: MONAI gives NaN, MedPy's ``jc`` gives 1, a Keras Dice loss with
smoothing gives 0 or 1.
Never drop perfect scores to "fix" the mean (the learning module's ``df[df.IoU != 1.0]``):
that biases it. :func:`hd95` has no ratio: two empty masks give ``nan`` and one empty
mask gives ``inf``.

Ignored pixels
--------------
``ignore=255`` (every score function, the table and :func:`hd95`) leaves out the pixels
where ``y_true`` holds 255, whatever ``y_pred`` holds there: they are in no count, so
neither a true nor a false anything. That is the ``"ignore": 255`` of a ``classes.json``
(Labelme's ``__ignore__``, or ``--ignore LABEL`` in the importers of
:mod:`helpers.importers`: the pixels nobody could label). Without ``ignore`` (the
default) nothing changes: a 0/255 mask is 0/1, the one rule above.

The class-imbalance trap
------------------------
A mean IoU over {background, foreground} (what ``keras.metrics.MeanIoU(num_classes=2)``
reports) is *not* the IoU of the objects: a prediction of pure background on an image
with 5 % foreground scores (0.95 + 0) / 2 = 0.475 by it and 0.95 pixel accuracy, while
its foreground IoU is 0.0. Report the foreground IoU (the default here), per image.

Keras
-----
This module is NumPy and SciPy only: importing it never imports Keras or TensorFlow.
The Keras training metrics (``dice_coef``, ``iou_coef``: the same scores on thresholded
sigmoid outputs, for training curves) live in :mod:`helpers.losses`, next to the losses.

The implementation is in private modules: ``_scores`` (counts and the scores),
``_distance`` (HD95) and ``_table`` (the per-image table and its summary).

Example
-------
>>> import numpy as np
>>> truth = np.zeros((2, 4, 4), bool); truth[:, 1:3, 1:3] = True
>>> guess = truth.copy(); guess[1, 1, 1] = False
>>> iou(truth, guess)
array([1.  , 0.75])
>>> dice(np.zeros((4, 4), bool), np.zeros((4, 4), bool))
1.0
>>> unsure = truth[1].astype(np.uint8); unsure[1, 1] = 255  # the pixel guess[1] missed
>>> iou(unsure, guess[1], ignore=255)
1.0
"""

from ._distance import hd95
from ._scores import (
    Counts,
    binarize,
    confusion_counts,
    confusion_matrix,
    dice,
    iou,
    pixel_accuracy,
    precision,
    recall,
    to_labels,
)
from ._table import TABLE_COLUMNS, per_image_table, summary

__all__ = [
    "TABLE_COLUMNS",
    "Counts",
    "binarize",
    "to_labels",
    "confusion_counts",
    "confusion_matrix",
    "iou",
    "dice",
    "precision",
    "recall",
    "pixel_accuracy",
    "hd95",
    "per_image_table",
    "summary",
]
