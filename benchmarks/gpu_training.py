"""GPU training speed: the ``full`` profile's U-Net, float32 vs mixed, pipeline old vs new.

One prepared script for a machine with a GPU (run it as it is, within one device
session). It measures, in one process:

1. **training images/s** of :func:`helpers.training.train` with the ``full`` profile's
   U-Net (256 px, base 16 filters, batch 8) on the bundled ``data/mito`` pairs copied to
   ``--pairs`` files, for each of: pipeline old (decode every epoch through
   ``tf.numpy_function``, :func:`benchmarks.input_pipeline.old_from_files`) or new
   (:func:`helpers.datasets.from_files`, cached), and precision float32 or mixed
   (``mixed_float16``). The first epoch (XLA compile, cache filling) and the mean of the
   later epochs are reported separately;
2. with ``--chapters``, the whole course in the ``full`` profile: every chapter notebook
   run by ``scripts/notebooks.py run chNN`` with ``COURSE_PROFILE=full``, seconds each,
   as long as ``--budget`` seconds allow (a chapter that would start after the budget
   is listed as skipped, never half-run).

Without a GPU it says so and exits 0 (``--smoke`` runs the same code on the CPU at a
toy size, to check the script itself). The last line is JSON.

Usage::

    .venv/bin/python benchmarks/gpu_training.py [--pairs 2000] [--epochs 3] [--chapters]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def gpu_name() -> str | None:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    details = tf.config.experimental.get_device_details(gpus[0])
    return details.get("device_name", gpus[0].name)


def training_speed(
    pairs,
    *,
    pipeline: str,
    precision: str,
    epochs: int,
    size: int,
    batch_size: int,
    base_filters: int,
) -> dict:
    """images/s of the first and the later epochs of training.train."""
    import keras
    from input_pipeline import old_from_files

    from helpers import datasets, training
    from helpers.unet import build_unet

    options = dict(size=size, batch_size=batch_size, augment=True, shuffle=True)
    if pipeline == "old":
        data = old_from_files(pairs, **options)
    else:
        data = datasets.from_files(pairs, **options, verbose=False)
    times = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    keras.utils.set_random_seed(1)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        history = training.train(
            lambda: build_unet((None, None, 1), base_filters=base_filters),
            data,
            epochs=epochs,
            out_dir=out,
            precision=precision,
            callbacks=[Clock()],
            verbose=False,
        )
        total = time.perf_counter() - start
    later = sum(times[1:]) / max(len(times) - 1, 1)
    return {
        "pipeline": pipeline,
        "precision": precision,
        "first_epoch_images_per_s": round(len(pairs) / times[0], 1),
        "later_epochs_images_per_s": round(len(pairs) / later, 1) if len(times) > 1 else None,
        "seconds": round(total, 1),
        "final_loss": round(float(history["loss"].iloc[-1]), 4),
    }


def chapters(budget: float) -> list[dict]:
    """Seconds per chapter notebook in the full profile, within ``budget`` seconds."""
    found = sorted(p.stem.split("_")[0] for p in (ROOT / "notebooks").glob("ch*.ipynb"))
    rows, start = [], time.perf_counter()
    env = dict(os.environ, COURSE_PROFILE="full")
    for chapter in found:
        if time.perf_counter() - start > budget:
            rows.append({"chapter": chapter, "seconds": None, "status": "skipped (budget)"})
            continue
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "scripts/notebooks.py", "run", chapter],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        rows.append(
            {
                "chapter": chapter,
                "seconds": round(time.perf_counter() - began, 1),
                "status": "ok"
                if done.returncode == 0
                else "failed: " + (done.stdout + done.stderr).strip().splitlines()[-1][:200],
            }
        )
        print(f"{chapter}: {rows[-1]['seconds']} s, {rows[-1]['status']}", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=3, help="per measurement (>= 2)")
    parser.add_argument("--chapters", action="store_true", help="also time every chapter (full)")
    parser.add_argument("--budget", type=float, default=300, help="seconds for --chapters")
    parser.add_argument(
        "--smoke", action="store_true", help="toy size on the CPU (checks the script)"
    )
    args = parser.parse_args()
    from input_pipeline import replicate

    from helpers import config

    gpu = gpu_name()
    if gpu is None and not args.smoke:
        print(
            "No GPU on this machine: nothing measured (the script needs a GPU; --smoke "
            "checks it on the CPU at a toy size)."
        )
        print(json.dumps({"gpu": None}))
        return 0
    full = config.PROFILES["full"]
    size, pairs_count = (full.image_size, args.pairs) if not args.smoke else (64, 32)
    import tensorflow as tf

    print(
        f"GPU: {gpu or 'none (smoke run on the CPU)'}; TensorFlow {tf.__version__}; "
        f"{pairs_count} pairs of {size} px, batch {full.batch_size}, base "
        f"{full.base_filters if not args.smoke else 4} filters"
    )
    results = []
    with tempfile.TemporaryDirectory() as folder:
        pairs = replicate(Path(folder), pairs_count)
        for pipeline in ("old", "new"):
            for precision in ("float32", "mixed"):
                row = training_speed(
                    pairs,
                    pipeline=pipeline,
                    precision=precision,
                    epochs=args.epochs,
                    size=size,
                    batch_size=full.batch_size,
                    base_filters=full.base_filters if not args.smoke else 4,
                )
                results.append(row)
                print(
                    f"pipeline {pipeline}, {precision:7s}: first epoch "
                    f"{row['first_epoch_images_per_s']} images/s, later epochs "
                    f"{row['later_epochs_images_per_s']} images/s, final loss {row['final_loss']}",
                    flush=True,
                )
    chapter_rows = chapters(args.budget) if args.chapters else []
    print(
        json.dumps(
            {
                "gpu": gpu,
                "tensorflow": tf.__version__,
                "pairs": pairs_count,
                "size": size,
                "training": results,
                "chapters": chapter_rows,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
