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

``--native``
    ISBI at its own 512 x 512 px, the way ``python -m helpers train --patch 256`` trains
    (:func:`helpers.runs.train_on_folder` with ``patch=256`` and the command's defaults:
    its own validation and test part of the 24 training images) and ``evaluate`` scores a
    patch run (native resolution, in tiles: :func:`helpers.runs.evaluate_native`), on
    the 6 test images: membrane IoU, Dice and the adapted Rand error
    (:func:`skimage.metrics.adapted_rand_error` of the cells, the connected regions that
    are not membrane) against the original 512 px labels; next to ``ours`` trained at
    ``--size`` and its probabilities resized back to 512 px, and Otsu at 512 px. Also a
    curve: the test IoU of the model being trained, every ``--curve-every`` epochs,
    against the minutes (and CPU seconds) of training (the curve's own predictions
    not counted), written to ``native_curve.csv`` and ``native_curve.png``. And where the
    patch run's wrong pixels lie (:func:`edge_errors`): on a true membrane edge (a pixel
    too wide or narrow) or farther. ``--recipes`` without ``ours`` leaves out the
    resized recipe.

Usage::

    .venv/bin/python benchmarks/isbi2012.py --data ../shared/data/isbi2012 \
        [--size 256] [--epochs 30] [--native [--native-epochs N] [--train 0-23 --test 24-29]]

The last line printed is JSON with ``ours_membrane_iou``, ``module_membrane_iou`` and
``otsu_membrane_iou`` (mean over the 6 test images); with ``--native``, the ``native_*``
and ``resized512_*`` scores, and ``otsu512_*``.
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
    parser.add_argument(
        "--native", action="store_true", help="512 px: patches of 256, tiled (see above)"
    )
    parser.add_argument("--native-epochs", type=int, help="default: the profile's (train's)")
    parser.add_argument("--curve-every", type=int, default=5, help="epochs between curve points")
    parser.add_argument("--train", default="0-23", help="--native: training images, e.g. 6-29")
    parser.add_argument("--test", default="24-29", help="--native: test images, e.g. 0-5")
    args = parser.parse_args(argv)
    if args.native:
        if not (args.data / "image").is_dir():
            print(
                f"No ISBI 2012 data at {args.data} (image/ and label/ expected).", file=sys.stderr
            )
            return 2
        return native(args)
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
    print(_json_line(result))
    return 0


# -- --native: 512 px, trained on patches, predicted in tiles ----------------------------


def _json_line(result: dict) -> str:
    """The result as one JSON line, floats to 4 decimals."""
    return json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()})


def _indices(text: str) -> list[int]:
    """``"0-23"`` or ``"0,3,5"`` as a list of image numbers."""
    found = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        found += list(range(int(low), int(high or low) + 1))
    return found


def native_folder(data: Path, indices, folder: Path) -> Path:
    """``folder/images`` (the ISBI images) and ``folder/masks`` (membrane 255, the rest 0:
    the labels inverted), as ``python -m helpers train`` and ``evaluate`` take them."""
    import shutil

    from PIL import Image

    for kind in ("images", "masks"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
    for i in indices:
        shutil.copyfile(data / "image" / f"{i}.png", folder / "images" / f"{i}.png")
        label = np.asarray(Image.open(data / "label" / f"{i}.png"))
        Image.fromarray(np.where(label == 0, 255, 0).astype(np.uint8)).save(
            folder / "masks" / f"{i}.png"
        )
    return folder


def rand_error(truth: np.ndarray, predicted: np.ndarray) -> float:
    """The adapted Rand error of the cells: the connected regions that are not membrane
    (4-connected), membrane pixels of the truth ignored (``skimage.metrics``)."""
    from skimage.measure import label
    from skimage.metrics import adapted_rand_error

    cells_true = label(truth == 0, connectivity=1)
    cells_pred = label(predicted == 0, connectivity=1)
    return float(adapted_rand_error(cells_true, cells_pred)[0])


def native_scores(truths, predictions) -> dict[str, float]:
    """Mean membrane IoU, Dice and adapted Rand error over the images (each 512 x 512)."""
    from helpers.metrics import dice, iou

    truths, predictions = np.stack(truths), np.stack(predictions)
    return {
        "iou": float(np.mean(iou(truths, predictions))),
        "dice": float(np.mean(dice(truths, predictions))),
        "rand_error": float(
            np.mean([rand_error(t, p) for t, p in zip(truths, predictions, strict=True)])
        ),
    }


def edge_errors(truths, predictions) -> dict[str, float]:
    """Where the wrong pixels lie. ``near_edge``: the share of all wrong pixels (missed
    and invented membrane, all images) that lie on the true membrane's edge, i.e. have
    both membrane and non-membrane in their 3 x 3 neighbourhood of the truth: an outline
    drawn a pixel too wide or too narrow. The rest are membrane missed or invented
    farther from any true edge. ``iou_edges_right``: the mean membrane IoU if every
    near-edge error were right and the others stayed."""
    from scipy.ndimage import binary_dilation

    near = wrong = 0
    ious = []
    for truth, predicted in zip(truths, predictions, strict=True):
        truth, predicted = truth.astype(bool), predicted.astype(bool)
        square = np.ones((3, 3), bool)
        edge = binary_dilation(truth, square) & binary_dilation(~truth, square)
        errors = truth ^ predicted
        near += int((errors & edge).sum())
        wrong += int(errors.sum())
        fixed = np.where(edge, truth, predicted)  # the edge errors made right
        ious.append((truth & fixed).sum() / (truth | fixed).sum())
    return {"near_edge": near / max(wrong, 1), "iou_edges_right": float(np.mean(ious))}


def _cpu() -> float:
    import os

    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def curve_callback(test_pairs, every: int):
    """A Keras callback: every ``every`` epochs, the test scores of the model being trained,
    with the training's wall and CPU seconds so far (its own time taken out)."""
    import keras

    class Curve(keras.callbacks.Callback):
        def __init__(self, test_pairs, every):
            super().__init__()
            self.test_pairs, self.every, self.rows = test_pairs, every, []
            self.start_wall, self.start_cpu = time.perf_counter(), _cpu()
            self.own_wall = self.own_cpu = 0.0

        def on_train_begin(self, logs=None):  # the minutes count from the first step
            self.start_wall, self.start_cpu = time.perf_counter(), _cpu()

        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % self.every:
                return
            wall, cpu = time.perf_counter(), _cpu()
            from helpers import io, runs

            truths = [io.read_mask(m) for _, m in self.test_pairs]
            predictions = [
                runs.predict_native(self.model, io.read_image(i, channels=1))
                for i, _ in self.test_pairs
            ]
            found = native_scores(truths, predictions)
            self.rows.append(
                {
                    "epoch": epoch + 1,
                    "minutes": (wall - self.start_wall - self.own_wall) / 60,
                    "cpu_seconds": cpu - self.start_cpu - self.own_cpu,
                    **found,
                    "val_loss": (logs or {}).get("val_loss"),
                }
            )
            print(f"  curve: {json.dumps(self.rows[-1])}", flush=True)
            self.own_wall += time.perf_counter() - wall
            self.own_cpu += _cpu() - cpu

    return Curve(test_pairs, every)


def plot_curve(rows, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    axis.plot([r["minutes"] for r in rows], [r["iou"] for r in rows], "o-", label="patches, tiled")
    axis.axhline(0.72, color="grey", ls="--", lw=1, label="goal 0.72")
    axis.set_xlabel("training minutes (wall clock; the curve's own predictions not counted)")
    axis.set_ylabel("test membrane IoU at 512 px")
    axis.set_title("ISBI 2012 at native resolution: test IoU while training")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def native(args) -> int:
    """``--native``: see the module docstring. Prints one line per result, then JSON."""
    import pandas as pd

    from helpers import cli, io, runs
    from helpers.inference import load_model, predict_proba

    out = args.out or config.outputs_dir("benchmarks", "isbi2012")
    train_dir = native_folder(args.data, _indices(args.train), out / "native_data" / "train")
    test_dir = native_folder(args.data, _indices(args.test), out / "native_data" / "test")
    test_pairs = io.pair_images_and_masks(test_dir / "images", test_dir / "masks")
    truths = [io.read_mask(m) for _, m in test_pairs]
    images = [io.read_image(i, channels=1) for i, _ in test_pairs]
    result = {"train": args.train, "test": args.test}

    from skimage.filters import threshold_otsu

    otsu = native_scores(truths, [(x[..., 0] < threshold_otsu(x)).astype(np.uint8) for x in images])
    result |= {f"otsu512_{k}": v for k, v in otsu.items()}
    print(
        f"otsu at 512 px: membrane IoU {otsu['iou']:.4f}  Dice {otsu['dice']:.4f}  "
        f"adapted Rand error {otsu['rand_error']:.4f}",
        flush=True,
    )

    # patches of 256 at 512 px, as `python -m helpers train --patch 256` (its defaults)
    run = out / "native_run"
    curve = curve_callback(test_pairs, args.curve_every)
    wall, cpu = time.perf_counter(), _cpu()
    runs.train_on_folder(
        train_dir / "images",
        train_dir / "masks",
        run,
        patch=256,
        epochs=args.native_epochs,
        overwrite=True,
        callbacks=[curve],
    )
    wall = time.perf_counter() - wall - curve.own_wall
    cpu = _cpu() - cpu - curve.own_cpu
    table = out / "native_scores.csv"
    code = cli.main(
        [
            "evaluate",
            "--run",
            str(run),
            "--images",
            str(test_dir / "images"),
            "--masks",
            str(test_dir / "masks"),
            "--all",
            "--out",
            str(table),
            "--overwrite",
        ]
    )
    assert code == 0
    model = load_model(run / "model.keras")
    predictions = [
        runs.predict_native(model, x, settings=runs.load_run(run).settings) for x in images
    ]
    found = native_scores(truths, predictions)
    assert abs(found["iou"] - pd.read_csv(table)["iou"].mean()) < 1e-9  # what evaluate said
    found |= edge_errors(truths, predictions)
    record = runs.load_run(run).record or {}
    result |= {f"native_{k}": v for k, v in found.items()}
    result |= {
        "native_minutes": wall / 60,
        "native_cpu_seconds": cpu,
        "native_epochs": record.get("epochs_run"),
        "native_kept_epoch": record.get("kept_epoch"),
    }
    print(
        f"patches of 256 at 512 px, tiled: membrane IoU {found['iou']:.4f}  Dice "
        f"{found['dice']:.4f}  adapted Rand error {found['rand_error']:.4f}  "
        f"(training {wall / 60:.1f} min wall, {cpu:.0f} CPU s); {found['near_edge']:.0%} of "
        f"its wrong pixels lie on a true membrane edge (IoU {found['iou_edges_right']:.4f} "
        "were those right)",
        flush=True,
    )
    if curve.rows:
        pd.DataFrame(curve.rows).to_csv(out / "native_curve.csv", index=False)
        plot_curve(curve.rows, out / "native_curve.png")

    # the resized recipe (`ours`) at --size, its probabilities resized back to 512 px
    if "ours" not in args.recipes.split(","):
        print(_json_line(result))
        return 0
    config.set_seed(42)
    x_train, y_train = load(args.data, _indices(args.train), args.size)
    start, start_cpu = time.perf_counter(), _cpu()
    model = train_ours(x_train, y_train, epochs=args.epochs, out=out / "ours")
    seconds, cpu = time.perf_counter() - start, _cpu() - start_cpu
    small = np.stack([io.prepare_image(x, size=args.size) for x in images])
    resized = []
    for probabilities in predict_proba(model, small):
        back = io.resize_image(probabilities.astype(np.float32), images[0].shape[:2])
        resized.append((back >= 0.5).astype(np.uint8).reshape(images[0].shape[:2]))
    found = native_scores(truths, resized)
    result |= {f"resized512_{k}": v for k, v in found.items()}
    result |= {"resized512_seconds": seconds, "resized512_cpu_seconds": cpu}
    print(
        f"resized to {args.size} px, scored at 512 px: membrane IoU {found['iou']:.4f}  "
        f"Dice {found['dice']:.4f}  adapted Rand error {found['rand_error']:.4f}  "
        f"({seconds:.0f} s, {cpu:.0f} CPU s)",
        flush=True,
    )
    print(_json_line(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
