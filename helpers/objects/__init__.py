"""From masks to objects: label them, measure each one, and score them one by one.

A mask says which pixels are foreground; the questions people ask are about *objects*:
how many organelles, how large each is, which ones the model found. This module answers
them with plain NumPy, SciPy and scikit-image (no TensorFlow):

* :func:`label_objects`: connected components of a mask (or a probability map), each
  object a number 1, 2, ...; optionally touching objects split by a watershed of the
  distance transform (chapter 2's idea), and specks under ``min_size`` pixels dropped.
* :func:`measure`: one row per object (area, equivalent diameter, the fitted ellipse's
  length and width, eccentricity, solidity, mean intensity), from
  ``skimage.measure.regionprops_table``, in pixels or, with ``pixel_size``, microns.
* :func:`match`: true and predicted objects paired one to one by IoU, at several IoU
  thresholds: TP, FP, FN, precision, recall, F1 and the DSB2018 "average precision"
  TP / (TP + FP + FN) per threshold, with splits and merges counted.
* :func:`object_scores`: the same for many images, one row per image.

The implementation is in private modules: ``_inputs`` (checks), ``_label`` (labelling
and measuring) and ``_match`` (matching and the object scores).

Example
-------
>>> import numpy as np
>>> truth = np.zeros((8, 8), bool); truth[1:4, 1:4] = True; truth[5:8, 5:8] = True
>>> pred = np.zeros((8, 8), bool); pred[1:4, 1:4] = True
>>> table = match(label_objects(truth), label_objects(pred), thresholds=(0.5,))
>>> table[["threshold", "tp", "fp", "fn", "ap"]].to_dict("records")
[{'threshold': 0.5, 'tp': 1, 'fp': 0, 'fn': 1, 'ap': 0.5}]
"""

from __future__ import annotations

from ._label import label_objects, measure
from ._match import (
    DEFAULT_THRESHOLDS,
    SplitsAndMerges,
    count_splits_and_merges,
    iou_matrix,
    match,
    object_scores,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "SplitsAndMerges",
    "count_splits_and_merges",
    "iou_matrix",
    "label_objects",
    "match",
    "measure",
    "object_scores",
]
