"""Object matching: helpers.objects.match against a plain per-object loop.

Both sides score the same pairs of label images (a "true" image of about 50 round and
elongated objects, and a "predicted" one: each object shifted and resized a little,
about one in ten missed, a few false objects added) at the ten DSB2018 IoU thresholds
0.5, 0.55, ..., 0.95, and must give the same TP counts at every threshold.

- ``helpers.objects.match``: one joint histogram of the two images (``np.bincount``)
  gives every intersection at once; then an optimal one-to-one assignment per
  threshold (``scipy.optimize.linear_sum_assignment``), and the per-threshold table.
- The loop, as one would write it first: for each true object, a boolean mask of it,
  the predicted labels under it (``np.unique``), and for each of these a boolean mask
  and its IoU; then the same assignment on the IoU matrix so built. (It already skips
  pairs that do not overlap; comparing every pair would be slower still.)

Usage::

    python benchmarks/objects_speed.py              # 500 pairs of 256 x 256, ~50 objects
    python benchmarks/objects_speed.py --images 50

The last line is JSON with the times and the ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402
from skimage.draw import ellipse  # noqa: E402

from helpers import objects  # noqa: E402


def _draw(labels: np.ndarray, label: int, centre, axes, angle: float) -> None:
    rr, cc = ellipse(centre[0], centre[1], axes[0], axes[1], shape=labels.shape, rotation=angle)
    labels[rr, cc] = label


def label_pair(rng: np.random.Generator, size: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """A true label image of ``count`` ellipses and a perturbed prediction of it."""
    truth = np.zeros((size, size), np.int32)
    pred = np.zeros((size, size), np.int32)
    centres = rng.uniform(8, size - 8, (count, 2))
    axes = rng.uniform(4, 9, (count, 2)) * np.array([1.0, 1.6])
    angles = rng.uniform(0, np.pi, count)
    kept = rng.random(count) > 0.1
    for i in range(count):
        _draw(truth, i + 1, centres[i], axes[i], angles[i])
        if kept[i]:
            shift = rng.normal(0, 1.2, 2)
            scale = rng.uniform(0.8, 1.2, 2)
            _draw(pred, i + 1, centres[i] + shift, axes[i] * scale, angles[i] + rng.normal(0, 0.1))
    for j in range(rng.integers(2, 6)):  # false objects
        _draw(pred, count + 1 + j, rng.uniform(8, size - 8, 2), rng.uniform(3, 7, 2), 0.0)
    return truth, pred


def loop_tp(truth: np.ndarray, pred: np.ndarray, thresholds) -> list[int]:
    """TP per threshold from an IoU matrix built one object at a time."""
    true_ids = [i for i in np.unique(truth) if i != 0]
    pred_ids = [j for j in np.unique(pred) if j != 0]
    column = {j: k for k, j in enumerate(pred_ids)}
    iou = np.zeros((len(true_ids), len(pred_ids)))
    for row, i in enumerate(true_ids):
        inside = truth == i
        for j in np.unique(pred[inside]):
            if j == 0:
                continue
            other = pred == j
            iou[row, column[j]] = (
                np.logical_and(inside, other).sum() / np.logical_or(inside, other).sum()
            )
    counts = []
    for t in thresholds:
        ok = iou >= t
        if not ok.any():
            counts.append(0)
            continue
        r, c = linear_sum_assignment(-ok.astype(float) - iou / (2 * min(iou.shape)))
        counts.append(int(ok[r, c].sum()))
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--objects", type=int, default=50)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    pairs = [label_pair(rng, args.size, args.objects) for _ in range(args.images)]
    n_true = np.mean([len(np.unique(t)) - 1 for t, _ in pairs])
    n_pred = np.mean([len(np.unique(p)) - 1 for _, p in pairs])
    print(
        f"{args.images} pairs of {args.size}x{args.size} label images: {n_true:.1f} true and "
        f"{n_pred:.1f} predicted objects per image (overlapping ellipses hide some)"
    )

    thresholds = objects.DEFAULT_THRESHOLDS
    start = time.perf_counter()
    ours = [objects.match(t, p, thresholds)["tp"].tolist() for t, p in pairs]
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    loop = [loop_tp(t, p, thresholds) for t, p in pairs]
    loop_s = time.perf_counter() - start
    assert ours == loop, "helpers.objects.match and the loop disagree on TP counts"
    mean_ap = np.mean([objects.match(t, p).attrs["mean_ap"] for t, p in pairs[:20]])

    ratio = loop_s / ours_s
    print(
        f"helpers.objects.match:   {ours_s:7.2f} s  ({1000 * ours_s / args.images:.1f} ms per "
        "image, "
        "10 thresholds, full table)"
    )
    print(
        f"per-object loop:         {loop_s:7.2f} s  ({1000 * loop_s / args.images:.1f} ms per "
        "image), "
        "same TP counts at every threshold"
    )
    print(
        f"  -> helpers.objects.match is {ratio:.1f} times faster (mean AP of the first 20: "
        f"{mean_ap:.3f})"
    )
    print(
        json.dumps(
            {
                "benchmark": "objects_speed",
                "images": args.images,
                "size": args.size,
                "true_objects_per_image": round(float(n_true), 1),
                "ours_s": round(ours_s, 3),
                "loop_s": round(loop_s, 3),
                "ratio": round(ratio, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
