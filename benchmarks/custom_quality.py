"""Chapter 11's path and the command line's path on ``data/mri``, scored per test image.

Both start from the bundled VIA export and train the course's recipe in a run profile:

``chapter``
    What chapter 11 does: the VIA loop written out (``json.load``, each record, each
    region, ``skimage.draw.polygon`` in the image's shape, union, one 0/255 PNG per image),
    checked equal to :func:`helpers.via.masks_from_via`; then
    :func:`helpers.runs.train_on_folder`, and the test images scored at the training
    size (:func:`helpers.evaluation.evaluate` on :func:`helpers.io.load_pairs` arrays),
    as the chapter's ``test_metrics.csv``.
``cli``
    The README's commands in a subprocess: ``python -m helpers via2masks``, ``train``,
    ``predict --run`` on the test images of the ``split.json`` that ``train`` wrote (no
    ``--scale``: it comes from ``run.json``), the predicted PNGs scored at the images' full
    size against the full-size masks.

Per image: IoU, precision and recall (``helpers.metrics``; an image without lesion
scores 1.0 when nothing is predicted there), the predicted and true pixel counts; per
path the means over the test images that have a lesion, and the false pixels on the
lesion-free ones. Target (``cpu`` profile): both paths mean lesion IoU, precision and
recall >= 0.80, lesion-free images (nearly) empty. Usage::

    .venv/bin/python benchmarks/custom_quality.py [--profile cpu] [--paths chapter,cli]

The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers import config, io, metrics, runs, splits  # noqa: E402


def masks_by_hand(via_path: Path, images_dir: Path, mask_dir: Path) -> None:
    """Chapter 11's VIA loop: one 0/255 PNG per image, regions as a union, cut at the edge."""
    from PIL import Image
    from skimage.draw import polygon

    mask_dir.mkdir(parents=True, exist_ok=True)
    annotations = json.loads(via_path.read_text(encoding="utf-8"))
    for record in annotations.values():
        height, width = io.read_image(images_dir / record["filename"]).shape[:2]
        mask = np.zeros((height, width), dtype=np.uint8)
        for region in record["regions"]:
            points = region["shape_attributes"]
            rows, cols = polygon(
                points["all_points_y"], points["all_points_x"], shape=(height, width)
            )
            mask[rows, cols] = 255
        Image.fromarray(mask).save(mask_dir / f"{Path(record['filename']).stem}.png")


def score(truths: list[np.ndarray], guesses: list[np.ndarray], names: list[str]) -> pd.DataFrame:
    rows = []
    for name, truth, guess in zip(names, truths, guesses, strict=True):
        truth, guess = np.asarray(truth) > 0, np.asarray(guess) > 0
        rows.append(
            {
                "image": name,
                "iou": metrics.iou(truth, guess),
                "precision": metrics.precision(truth, guess),
                "recall": metrics.recall(truth, guess),
                "true_px": int(truth.sum()),
                "predicted_px": int(guess.sum()),
            }
        )
    return pd.DataFrame(rows).set_index("image")


def means(table: pd.DataFrame) -> dict:
    lesion = table[table["true_px"] > 0]
    return {
        "lesion_images": len(lesion),
        "iou": round(float(lesion["iou"].mean()), 4),
        "precision": round(float(lesion["precision"].mean()), 4),
        "recall": round(float(lesion["recall"].mean()), 4),
        "false_px_lesion_free": table.loc[table["true_px"] == 0, "predicted_px"].tolist(),
        "iou_all": round(float(table["iou"].mean()), 4),
    }


def chapter_path(
    work: Path, profile, images_dir: Path, via_path: Path
) -> tuple[pd.DataFrame, float]:
    from helpers import evaluation, inference, via

    hand, mask_dir = work / "chapter_hand_masks", work / "chapter_masks"
    masks_by_hand(via_path, images_dir, hand)
    via.masks_from_via(via_path, images_dir, mask_dir, overwrite=True)
    for path in sorted(mask_dir.glob("*.png")):
        assert np.array_equal(io.read_mask(path), io.read_mask(hand / path.name)), path.name
    run = work / "chapter_run"
    start = time.perf_counter()
    runs.train_on_folder(images_dir, mask_dir, run, profile=profile, verbose=False)
    seconds = time.perf_counter() - start
    finished = runs.load_run(run)
    split = finished.split
    pairs = splits.select_pairs(io.pair_images_and_masks(images_dir, mask_dir), split["test"])
    x_test, y_test = io.load_pairs(pairs, size=profile.image_size)
    model = finished.load_model()
    predicted = inference.to_mask(inference.predict_proba(model, x_test))
    table = score(list(y_test[..., 0]), list(predicted[..., 0]), split["test"])
    check = evaluation.evaluate(model, x_test, y_test, names=split["test"])
    np.testing.assert_allclose(check["iou"].to_numpy(), table["iou"].to_numpy(), atol=1e-6)
    return table, seconds


def cli_path(work: Path, profile, images_dir: Path, via_path: Path) -> tuple[pd.DataFrame, float]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

    def helpers(*args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "helpers", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(
                f"python -m helpers {args[0]} failed ({done.returncode}):\n"
                + (done.stderr or done.stdout)[-2000:]
            )

    masks, run = work / "cli_masks", work / "cli_run"
    helpers("via2masks", "--via", str(via_path), "--images", str(images_dir), "--out", str(masks))
    start = time.perf_counter()
    helpers(
        "train",
        "--images",
        str(images_dir),
        "--masks",
        str(masks),
        "--out",
        str(run),
        "--profile",
        profile.name,
    )
    seconds = time.perf_counter() - start
    test = runs.read_split(run)["test"]
    test_images = work / "cli_test_images"
    test_images.mkdir()
    for stem in test:
        (test_images / f"{stem}.png").symlink_to(images_dir / f"{stem}.png")
    predictions = work / "cli_predictions"
    helpers(
        "predict",
        "--run",
        str(run),
        "--input",
        str(test_images),
        "--out",
        str(predictions),
    )
    truths = [io.read_mask(masks / f"{stem}.png") for stem in test]
    guesses = [io.read_mask(predictions / f"{stem}.png") for stem in test]
    return score(truths, guesses, test), seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--paths", default="chapter,cli", help="which paths, comma-separated")
    args = parser.parse_args(argv)
    profile = config.get_profile(args.profile)
    images_dir = config.data_dir("mri", "images")
    via_path = config.data_dir("mri", "via_annotations.json")
    print(profile)
    result = {"profile": profile.name}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.paths.split(","):
            run = {"chapter": chapter_path, "cli": cli_path}[name]
            table, seconds = run(Path(tmp), profile, images_dir, via_path)
            print(f"\n{name} (training {seconds:.0f} s):\n{table.round(3).to_string()}")
            result[name] = {
                **means(table),
                "training_s": round(seconds),
                "per_image": table.round(4).reset_index().to_dict(orient="records"),
            }
            print(f"{name}: lesion images {json.dumps(means(table))}", flush=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
