"""Evaluation speed: ``evaluation.evaluate`` (batched) against the learning module's loop.

Both sides score the same 120 images of 128x128 with the same model (the module's
network, preset ``"module"``) in one process, and produce the same table: IoU,
precision, recall, F1 and accuracy per image.

``module``
    Its chapter 11.19 loop: for every image ``model.predict`` on a batch of one, a new
    ``keras.metrics.MeanIoU(num_classes=2)``, and scikit-learn's precision, recall, F1
    and accuracy on the flattened masks.
``ours``
    ``helpers.evaluation.evaluate(model, images, masks, batch_size=32)``: batched
    prediction, then every score for every image at once (helpers.metrics).

A third timing runs the module's chapter 11.18 loop (``model.predict`` and a new
``MeanIoU`` per image, no scikit-learn), which computes less than our table.

Like with like: MeanIoU(num_classes=2) is the mean of the background and foreground
IoU, while our ``iou`` is the foreground IoU. The check compares our ``iou`` with the
foreground IoU of the module's own masks (scikit-learn's ``jaccard_score``), and the
module's MeanIoU with the two-class mean computed from our masks; precision, recall,
F1 and accuracy are compared directly. The module thresholds with ``> 0.5`` and we with
``>= 0.5``: identical unless a probability is exactly 0.5 (counted and printed).

Usage: ``.venv/bin/python benchmarks/eval_speed.py [--images 120] [--size 128]``. The
last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import config, io, synthetic  # noqa: E402


def make_data(count: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    images, masks = [], []
    for index in range(count):
        image, mask = synthetic.mito_pair(index)
        images.append(io.prepare_image(image[..., None], size=size))
        masks.append(io.resize_mask(mask // 255, size))
    return np.stack(images), np.stack(masks)[..., None].astype(np.uint8)


def module_iou_loop(model, images, masks):
    """The module's chapter 11.18 loop: predict one image, a new MeanIoU, nothing else."""
    import keras

    values = []
    for image, truth in zip(images, masks, strict=True):
        prediction = (model.predict(np.expand_dims(image, 0), verbose=0)[0, :, :, 0] > 0.5).astype(
            np.uint8
        )
        metric = keras.metrics.MeanIoU(num_classes=2)
        metric.update_state(truth[:, :, 0], prediction)
        values.append(float(metric.result().numpy()))
    return values


def module_loop(model, images, masks):
    """The module's per-image loop (chapter 11.19), in our words."""
    import keras
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    rows, predictions = [], []
    for image, truth in zip(images, masks, strict=True):
        prediction = (model.predict(np.expand_dims(image, 0), verbose=0)[0, :, :, 0] > 0.5).astype(
            np.uint8
        )
        metric = keras.metrics.MeanIoU(num_classes=2)
        metric.update_state(truth[:, :, 0], prediction)
        t, p = truth[:, :, 0].flatten(), prediction.flatten()
        rows.append(
            {
                "mean_iou_2class": float(metric.result().numpy()),
                "precision": precision_score(t, p, zero_division=0),
                "recall": recall_score(t, p, zero_division=0),
                "f1": f1_score(t, p, zero_division=0),
                "accuracy": accuracy_score(t, p),
            }
        )
        predictions.append(prediction)
    return rows, np.stack(predictions)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=120)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--repeat", type=int, default=3, help="time each side this often, keep the fastest"
    )
    args = parser.parse_args(argv)

    import pandas as pd
    from sklearn.metrics import jaccard_score

    from helpers import evaluation
    from helpers.inference import predict_masks
    from helpers.losses import bce_dice_loss
    from helpers.unet import build_unet

    config.set_seed(42)
    images, masks = make_data(args.images, args.size)
    model = build_unet((args.size, args.size, 1), preset="module")
    # a few epochs with BCE + Dice, so that the masks are neither empty nor random (the
    # module's own BCE predicts only background this early, which would make the check trivial)
    model.compile(optimizer="adam", loss=bce_dice_loss)
    model.fit(images, masks.astype("float32"), batch_size=8, epochs=3, verbose=0)

    # warm up both paths (tracing, first-call set-up) on 4 images, outside the timings
    module_loop(model, images[:4], masks[:4])
    evaluation.evaluate(model, images[:4], masks[:4], batch_size=args.batch_size)

    def best_of(function):
        """The fastest of ``--repeat`` runs (other processes only ever slow a run down)."""
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            value = function()
            times.append(time.perf_counter() - start)
        return value, min(times)

    (theirs, their_masks), module_seconds = best_of(lambda: module_loop(model, images, masks))
    ours, our_seconds = best_of(
        lambda: evaluation.evaluate(model, images, masks, batch_size=args.batch_size)
    )
    iou_only, iou_only_seconds = best_of(lambda: module_iou_loop(model, images, masks))
    theirs = pd.DataFrame(theirs)

    # like with like (see the module docstring)
    our_masks = predict_masks(model, images, batch_size=args.batch_size)[..., 0]
    probabilities = model.predict(images, verbose=0)
    ties = int(np.sum(probabilities == 0.5))
    fg_from_theirs = np.array(
        [
            jaccard_score(t.ravel(), p.ravel(), zero_division=1.0)
            for t, p in zip(masks[..., 0], their_masks, strict=True)
        ]
    )
    bg_ours = np.array(
        [
            jaccard_score(1 - t.ravel(), 1 - p.ravel(), zero_division=1.0)
            for t, p in zip(masks[..., 0], our_masks, strict=True)
        ]
    )
    two_class_from_ours = (ours["iou"].to_numpy() + bg_ours) / 2
    gaps = {
        "iou (ours) vs foreground IoU of the module's masks": np.abs(
            ours["iou"].to_numpy() - fg_from_theirs
        ).max(),
        "MeanIoU (module) vs two-class mean from our masks": np.abs(
            theirs["mean_iou_2class"] - two_class_from_ours
        ).max(),
        "MeanIoU (11.18 loop) vs two-class mean from our masks": np.abs(
            np.array(iou_only) - two_class_from_ours
        ).max(),
    }
    for column in ("precision", "recall", "f1", "accuracy"):
        gaps[column] = np.abs(ours[column].to_numpy() - theirs[column].to_numpy()).max()
    agree = all(gap < 1e-6 for gap in gaps.values())

    ratio = module_seconds / our_seconds
    print(
        f"{args.images} images of {args.size}x{args.size}, module's network "
        f"({model.count_params():,} parameters); foreground is {our_masks.mean():.1%} of predicted "
        "pixels"
    )
    print(
        f"module loop (predict + new MeanIoU + sklearn, per image): {module_seconds:7.2f} s "
        f"({1000 * module_seconds / args.images:.1f} ms/image)"
    )
    print(
        f"evaluation.evaluate (batch {args.batch_size}):                  {our_seconds:7.2f} s "
        f"({1000 * our_seconds / args.images:.1f} ms/image)"
    )
    print(
        f"module loop, IoU only (predict + new MeanIoU, per image):  {iou_only_seconds:7.2f} s "
        f"({1000 * iou_only_seconds / args.images:.1f} ms/image)"
    )
    print(f"(each the fastest of {args.repeat} runs)")
    print(
        f"speed-up: {ratio:.1f}x for the same table (target >= 4x); "
        f"{iou_only_seconds / our_seconds:.1f}x even against the IoU-only loop"
    )
    for name, gap in gaps.items():
        print(f"  max |difference| {name}: {gap:.2e}")
    print(f"  probabilities exactly 0.5 (where > and >= differ): {ties}")
    print(f"  per-image scores agree: {agree}")
    print(
        f"  mean foreground IoU {ours['iou'].mean():.4f}, module's mean two-class MeanIoU "
        f"{theirs['mean_iou_2class'].mean():.4f} (not the same quantity)"
    )
    print(
        json.dumps(
            {
                "images": args.images,
                "size": args.size,
                "module_seconds": round(module_seconds, 3),
                "module_iou_only_seconds": round(iou_only_seconds, 3),
                "ours_seconds": round(our_seconds, 3),
                "speedup": round(ratio, 2),
                "speedup_vs_iou_only": round(iou_only_seconds / our_seconds, 2),
                "agree": agree,
            }
        )
    )
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
