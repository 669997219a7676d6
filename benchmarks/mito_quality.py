"""Quality on the bundled data: the default recipe in a run profile, against Otsu (and the module).

Splits ``data/mito`` with :func:`helpers.splits.split_stems` (seed 42: the split every
chapter uses), trains the course's default recipe on the train part with validation on
the val part (:func:`helpers.training.train`, streamed and augmented), and scores the
test part per image (:func:`helpers.evaluation.evaluate`): foreground IoU and Dice.

Also printed:

``otsu``
    A global Otsu threshold per test image, the better of "dark is foreground" and
    "bright is foreground" for each image (generous to Otsu).
``tiled``
    The trained model's mask of ``data/mito/external`` (a larger image, resized by the
    training scale) predicted whole and in tiles of 128 with overlap 64, and their IoU.
``--module``
    Also the module's recipe in the same profile: preset ``"module"``, BCE, Adam 1e-3,
    batch 16, no augmentation.

Target (``cpu`` profile): foreground IoU >= 0.85 on the test split, Otsu <= 0.6,
training <= 5 minutes. Usage::

    .venv/bin/python benchmarks/mito_quality.py [--profile cpu] [--module]

The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import config, datasets, io, splits  # noqa: E402


def otsu_iou(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    from skimage.filters import threshold_otsu

    from helpers.metrics import iou

    scores = []
    for image, mask in zip(images[..., 0], masks[..., 0], strict=True):
        dark = image < threshold_otsu(image)
        scores.append(max(iou(mask, dark), iou(mask, ~dark)))
    return np.array(scores)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--epochs", type=int, help="override the profile's epochs")
    parser.add_argument("--module", action="store_true", help="also train the module's recipe")
    args = parser.parse_args(argv)

    from helpers import evaluation, training
    from helpers.inference import load_model, predict_proba, predict_tiled, to_mask
    from helpers.unet import build_unet

    profile = config.get_profile(args.profile)
    epochs = args.epochs or profile.epochs
    size = profile.image_size
    out = config.outputs_dir("benchmarks", f"mito_{profile.name}")
    pairs = io.pair_images_and_masks(
        config.data_dir("mito", "images"), config.data_dir("mito", "masks")
    )
    if profile.max_images is not None:
        pairs = pairs[: profile.max_images]
    split = splits.split_stems([image.stem for image, _ in pairs])
    part = {name: splits.select_pairs(pairs, stems) for name, stems in split.items()}
    print(
        f"{profile}; epochs {epochs}; {len(part['train'])} train, {len(part['val'])} val, "
        f"{len(part['test'])} test images",
        flush=True,
    )

    config.set_seed(42)
    train_ds = datasets.from_files(
        part["train"], size=size, batch_size=profile.batch_size, augment=True, shuffle=True
    )
    val_ds = datasets.from_files(part["val"], size=size, batch_size=profile.batch_size)
    start = time.perf_counter()
    training.train(
        lambda: build_unet((None, None, 1), base_filters=profile.base_filters),
        train_ds,
        val_ds,
        epochs=epochs,
        out_dir=out / "ours",
        overwrite=True,
    )
    seconds = time.perf_counter() - start
    model = load_model(out / "ours" / "model.keras")

    test_images, test_masks = io.load_pairs(part["test"], size=size)
    table = evaluation.evaluate(model, test_images, test_masks, names=split["test"])
    otsu = otsu_iou(test_images, test_masks)
    result = {
        "profile": profile.name,
        "epochs": epochs,
        "size": size,
        "ours_iou": float(table["iou"].mean()),
        "ours_dice": float(table["dice"].mean()),
        "train_seconds": round(seconds, 1),
        "otsu_iou": float(otsu.mean()),
    }
    print(
        f"ours:  foreground IoU {result['ours_iou']:.4f}  Dice {result['ours_dice']:.4f}  "
        f"(training {seconds:.0f} s; target IoU >= 0.85 in <= 300 s)"
    )
    print(
        f"otsu:  foreground IoU {result['otsu_iou']:.4f} (target <= 0.6); "
        f"ours / otsu = {result['ours_iou'] / result['otsu_iou']:.2f}x"
    )

    # tiled against whole-image prediction on the larger external image, at the training scale
    external = io.read_image(config.data_dir("mito", "external", "external_000.png"), channels=1)
    scale = size / io.read_image(pairs[0][0]).shape[0]
    shape = (round(external.shape[0] * scale), round(external.shape[1] * scale))
    image = io.prepare_image(external, size=shape)
    whole = to_mask(predict_proba(model, image))
    tiled = to_mask(predict_tiled(model, image, tile=128, overlap=64))
    union = np.logical_or(whole, tiled).sum()
    agreement = float(np.logical_and(whole, tiled).sum() / union) if union else 1.0
    result["tiled_vs_whole_iou"] = agreement
    print(
        f"tiled (128, overlap 64) vs whole-image mask of the {shape[0]}x{shape[1]} external image: "
        f"IoU {agreement:.4f} (target >= 0.985)"
    )

    if args.module:
        import keras

        config.set_seed(42)
        images, masks = io.load_pairs(part["train"], size=size)
        module = build_unet((size, size, 1), preset="module")
        module.compile(
            optimizer=keras.optimizers.Adam(learning_rate=1e-3),
            loss="binary_crossentropy",
            metrics=["accuracy"],
        )
        start = time.perf_counter()
        module.fit(
            images, masks.astype("float32"), batch_size=16, epochs=epochs, shuffle=False, verbose=0
        )
        module_seconds = time.perf_counter() - start
        module_table = evaluation.evaluate(module, test_images, test_masks)
        result["module_iou"] = float(module_table["iou"].mean())
        print(f"module recipe: foreground IoU {result['module_iou']:.4f} ({module_seconds:.0f} s)")
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
