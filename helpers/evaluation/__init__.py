"""Evaluation: a model and test images in, one row of scores per image out, in one pass.

:func:`evaluation_pass` predicts every image once, in batches, and scores each batch with
one function for the pixel scores (:func:`helpers.metrics.per_image_table`: foreground
IoU, Dice, precision, recall, F1, pixel accuracy; per class for a model with several
classes) and, when asked, the object scores (:mod:`helpers.objects`). ``python -m helpers
evaluate`` (``--objects`` too) and the quality report (:mod:`helpers.report`) both go
through it, so no image is predicted twice. :func:`evaluate` is its per-image table.

Batching is what makes it fast: the learning module called ``model.predict`` and built a
new ``MeanIoU`` for every image, and paid Keras's per-call set-up each time
(``benchmarks/eval_speed.py`` measures the difference).

The prediction step is one seam: :func:`probabilities` turns a batch of images into
probabilities, and the pass calls it (or the ``predict=`` function given) in one place.

Report the mean of the table (:func:`helpers.metrics.summary`) with every image in it:
dropping images with a perfect score (the module's ``df[df.IoU != 1.0]``) biases the mean
downwards.

Example
-------
(Not run by ``--doctest-modules``: it needs a trained model; ``tests/test_evaluation.py``
runs the same calls on a small one.)

>>> from helpers import evaluation, metrics                   # doctest: +SKIP
>>> table = evaluation.evaluate(model, test_images, test_masks, names=stems)  # doctest: +SKIP
>>> metrics.summary(table).loc["iou", "mean"]                 # doctest: +SKIP
"""

from ._files import class_names, evaluate_files, run_pairs
from ._pass import Evaluation, evaluate, evaluation_pass, probabilities
from ._scores import CLASS_SCORES, SWEEP_THRESHOLDS, describe_objects

__all__ = [
    "CLASS_SCORES",
    "SWEEP_THRESHOLDS",
    "Evaluation",
    "class_names",
    "describe_objects",
    "evaluate",
    "evaluate_files",
    "evaluation_pass",
    "probabilities",
    "run_pairs",
]
