"""Per-image metrics: helpers.metrics (vectorised NumPy) against the learning module's way.

The module scores a test set one image at a time: scikit-learn's ``precision_score``,
``recall_score``, ``f1_score`` and ``accuracy_score`` on the flattened masks, and a new
``keras.metrics.MeanIoU(num_classes=2)`` per image for "IoU". This script builds the same
per-image table (iou, dice, precision, recall, f1, accuracy) for random binary masks both
ways, in one process, checks that the numbers agree, and prints the times and ratios.

- scikit-learn side: ``jaccard_score`` for IoU and one ``f1_score`` call for both Dice and
  F1 (the same number for binary masks; one call, not two, keeps that side's time low).
  Agreement is checked to 1e-9.
- Keras side: ``MeanIoU`` reports the *two-class mean* (background included), not the
  foreground IoU, so it is compared with our ``iou(..., include_background=True,
  empty=np.nan)``: the same quantity. Keras accumulates in float32 and adds an epsilon
  to a denominator, so the tolerance there is 1e-6.

Usage::

    python benchmarks/metrics_speed.py            # 500 masks of 256 x 256
    python benchmarks/metrics_speed.py --images 50
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402
from sklearn import metrics as skm  # noqa: E402

from helpers import metrics  # noqa: E402  (imports Keras too)

COLUMNS = ["iou", "dice", "precision", "recall", "f1", "accuracy"]


def random_masks(count: int, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Truth: smooth random blobs (about 15 % foreground); prediction: a noisy, shifted copy."""
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.standard_normal((count, size, size)), sigma=(0, 6, 6))
    truth = field > 1.0 * field.std()
    shifted = np.roll(field, 2, axis=2) + 0.3 * field.std() * rng.standard_normal(field.shape)
    pred = shifted > 1.0 * field.std()
    return truth, pred


def sklearn_table(truth: np.ndarray, pred: np.ndarray) -> np.ndarray:
    rows = []
    for t, p in zip(truth, pred, strict=True):
        t, p = t.ravel(), p.ravel()
        f1 = skm.f1_score(t, p, zero_division=1.0)
        rows.append(
            [
                skm.jaccard_score(t, p, zero_division=1.0),
                f1,
                skm.precision_score(t, p, zero_division=1.0),
                skm.recall_score(t, p, zero_division=1.0),
                f1,
                skm.accuracy_score(t, p),
            ]
        )
    return np.array(rows)


def keras_mean_iou(truth: np.ndarray, pred: np.ndarray) -> np.ndarray:
    import keras

    values = []
    for t, p in zip(truth, pred, strict=True):
        mean_iou = keras.metrics.MeanIoU(num_classes=2)
        mean_iou.update_state(t.astype("int32"), p.astype("int32"))
        values.append(float(mean_iou.result()))
    return np.array(values)


def timed(function, *args, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args(argv)

    truth, pred = random_masks(args.images, args.size)
    print(
        f"{args.images} random binary masks of {args.size}x{args.size}, "
        f"{truth.mean():.1%} foreground, mean foreground IoU {metrics.iou(truth, pred).mean():.3f}"
    )

    ours_time, table = timed(metrics.per_image_table, truth, pred, repeat=3)
    sk_time, sk_values = timed(sklearn_table, truth, pred)
    table_diff = np.abs(table[COLUMNS].to_numpy() - sk_values).max()
    assert table_diff <= 1e-9, f"helpers.metrics and scikit-learn differ by {table_diff}"

    mean_time, ours_mean = timed(
        lambda t, p: metrics.iou(t, p, include_background=True, empty=np.nan), truth, pred, repeat=3
    )
    keras_mean_iou(truth[:2], pred[:2])  # warm-up: the first Keras call builds its graph
    keras_time, keras_values = timed(keras_mean_iou, truth, pred)
    keras_diff = np.abs(ours_mean - keras_values).max()
    assert keras_diff <= 1e-6, f"two-class mean IoU differs from Keras MeanIoU by {keras_diff}"

    print(f"per-image table (6 metrics), helpers.metrics: {ours_time:8.3f} s  (best of 3)")
    print(
        f"per-image table, scikit-learn loop:          {sk_time:8.3f} s  "
        f"(max difference {table_diff:.1e})"
    )
    print(f"  -> helpers.metrics is {sk_time / ours_time:.0f} times faster")
    print(f"two-class mean IoU, helpers.metrics:          {mean_time:8.3f} s  (best of 3)")
    print(
        f"two-class mean IoU, Keras MeanIoU per image:  {keras_time:8.3f} s  "
        f"(max difference {keras_diff:.1e}, float32)"
    )
    print(f"  -> helpers.metrics is {keras_time / mean_time:.0f} times faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
