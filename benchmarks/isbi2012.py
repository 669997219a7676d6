"""Quality on real data: the course's default recipe against the learning module's, on ISBI 2012.

The ISBI 2012 EM training set (the U-Net paper's data): 30 images of 512x512 with
labels 255 (cell interior) and 0 (membrane). Membrane is the positive class here: thin,
hard, and what the challenge scores. Images 0-23 train, images 24-29 test; both recipes
see the same images at the same size for the same number of epochs.

``ours``
    :func:`helpers.unet.build_unet` defaults (batch norm, no dropout), BCE + Dice, Adam
    1e-3, batch 4, random flips and 90-degree rotations, shuffled; the model of the
    epoch with the lowest training loss (no validation images are taken from the 24).
``module``
    The module's network (preset ``"module"``), BCE, Adam 1e-3, batch 16, accuracy,
    no augmentation, no shuffling (its chapter 7 ``fit``).
``otsu``
    A global Otsu threshold per image, dark pixels as membrane.
``--diagnose``
    Also trains ``ours`` with Keras's default batch-norm momentum (0.99) and scores it
    twice: with the moving statistics (how a saved model predicts) and with each test
    batch's own statistics. A large gap between the two means the network learned but
    its moving statistics never caught up: a train/inference mismatch, not a failure to
    learn.

Usage::

    .venv/bin/python benchmarks/isbi2012.py --data ../shared/data/isbi2012 \
        [--size 256] [--epochs 30]

The last line printed is JSON with ``ours_membrane_iou``, ``module_membrane_iou`` and
``otsu_membrane_iou`` (mean over the 6 test images).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import config, datasets, io  # noqa: E402

TRAIN = range(0, 24)
TEST = range(24, 30)


def load(folder: Path, indices, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, size, size, 1) float32 and membrane masks (N, size, size, 1) uint8.

    In the masks, 1 = membrane.
    """
    pairs = io.pair_images_and_masks(folder / "image", folder / "label")
    by_stem = {image.stem: (image, label) for image, label in pairs}
    chosen = [by_stem[str(i)] for i in indices]
    images, labels = io.load_pairs(chosen, size=size, channels=1)
    return images, (labels == 0).astype(np.uint8)  # label 0 is membrane


def scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Mean per-image membrane IoU and Dice."""
    from helpers.metrics import dice, iou

    return {
        "iou": float(np.mean(iou(truth, predicted))),
        "dice": float(np.mean(dice(truth, predicted))),
    }


def otsu(images: np.ndarray) -> np.ndarray:
    from skimage.filters import threshold_otsu

    return np.stack([(image < threshold_otsu(image)).astype(np.uint8) for image in images])


def train_ours(images, masks, *, epochs: int, out: Path, bn_momentum: float | None = None):
    from helpers import training
    from helpers.unet import BN_MOMENTUM, build_unet

    momentum = BN_MOMENTUM if bn_momentum is None else bn_momentum
    dataset = datasets.from_arrays(images, masks, batch_size=4, augment=True, shuffle=True, seed=42)
    training.train(
        lambda: build_unet((None, None, 1), bn_momentum=momentum),
        dataset,
        epochs=epochs,
        out_dir=out,
        overwrite=True,
        verbose=True,
    )
    from helpers.inference import load_model

    return load_model(out / "model.keras")


def train_module(images, masks, *, epochs: int):
    """The module's chapter 7 recipe, written the way it does it (Keras fit on arrays)."""
    import keras

    from helpers.unet import build_unet

    model = build_unet(images.shape[1:], preset="module")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        images, masks.astype(np.float32), batch_size=16, epochs=epochs, shuffle=False, verbose=0
    )
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/isbi2012", type=Path)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--recipes", default="ours,module", help="comma-separated: ours, module")
    parser.add_argument(
        "--diagnose", action="store_true", help="also train with batch-norm momentum 0.99"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="run folder (default outputs/benchmarks/isbi2012)"
    )
    args = parser.parse_args(argv)
    if not (args.data / "image").is_dir():
        print(f"No ISBI 2012 data at {args.data} (image/ and label/ expected).", file=sys.stderr)
        return 2
    out = args.out or config.outputs_dir("benchmarks", "isbi2012")
    config.set_seed(42)

    from helpers.inference import predict_masks

    x_train, y_train = load(args.data, TRAIN, args.size)
    x_test, y_test = load(args.data, TEST, args.size)
    print(
        f"ISBI 2012 at {args.size} px, {args.epochs} epochs: {len(x_train)} train, {len(x_test)} "
        "test "
        f"images; membrane is {y_test.mean():.1%} of the test pixels."
    )
    result = {"size": args.size, "epochs": args.epochs}
    otsu_scores = scores(y_test, otsu(x_test))
    result.update(otsu_membrane_iou=otsu_scores["iou"], otsu_membrane_dice=otsu_scores["dice"])
    print(f"otsu:   membrane IoU {otsu_scores['iou']:.4f}  Dice {otsu_scores['dice']:.4f}")

    recipes = args.recipes.split(",")
    if "ours" in recipes:
        start = time.perf_counter()
        model = train_ours(x_train, y_train, epochs=args.epochs, out=out / "ours")
        seconds = time.perf_counter() - start
        s = scores(y_test, predict_masks(model, x_test))
        result.update(
            ours_membrane_iou=s["iou"], ours_membrane_dice=s["dice"], ours_seconds=seconds
        )
        print(
            f"ours:   membrane IoU {s['iou']:.4f}  Dice {s['dice']:.4f}  ({seconds:.0f} s)",
            flush=True,
        )
    if "module" in recipes:
        config.set_seed(42)
        start = time.perf_counter()
        model = train_module(x_train, y_train, epochs=args.epochs)
        seconds = time.perf_counter() - start
        s = scores(y_test, predict_masks(model, x_test))
        result.update(
            module_membrane_iou=s["iou"], module_membrane_dice=s["dice"], module_seconds=seconds
        )
        print(
            f"module: membrane IoU {s['iou']:.4f}  Dice {s['dice']:.4f}  ({seconds:.0f} s)",
            flush=True,
        )
    if args.diagnose:
        config.set_seed(42)
        model = train_ours(
            x_train, y_train, epochs=args.epochs, out=out / "bn099", bn_momentum=0.99
        )
        moving = scores(y_test, predict_masks(model, x_test))
        batch_stats = np.asarray(model(x_test, training=True))  # each batch's own statistics
        own = scores(y_test, (batch_stats >= 0.5).astype(np.uint8))
        result.update(bn099_moving_iou=moving["iou"], bn099_batch_stats_iou=own["iou"])
        print(
            f"bn 0.99: membrane IoU {moving['iou']:.4f} with moving statistics, "
            f"{own['iou']:.4f} with the test batch's own statistics"
        )
    if "ours_membrane_iou" in result and "module_membrane_iou" in result:
        gain = result["ours_membrane_iou"] - result["module_membrane_iou"]
        result["gain"] = gain
        print(
            f"ours - module: {gain:+.4f} membrane IoU (target: ours >= 0.60 and gain >= 0.15); "
            f"ours / otsu: {result['ours_membrane_iou'] / otsu_scores['iou']:.2f}x"
        )
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
