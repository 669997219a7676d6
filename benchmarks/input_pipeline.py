"""Speed of the training input pipeline alone (no model): images/s, old way against new.

The bundled ``data/mito`` pairs (256x256 grey PNGs) are copied into a temporary folder
until there are 2,000 pairs, then two pipelines of the same training batches
(``size=256``, ``batch_size=16``, ``augment=True``, ``shuffle=True``) are drained:

- **old**: the pipeline before 2026-11 (kept here verbatim in :func:`old_from_files`):
  every epoch decodes and resizes every file again through ``tf.numpy_function``
  (:func:`helpers.io.load_pair`);
- **new**: :func:`helpers.datasets.from_files` today: TensorFlow decodes the PNGs in the
  graph once, the resized ``uint8`` pairs are kept in memory, later epochs only shuffle
  and augment.

The first epoch and the mean of the later epochs are timed separately (images/s), and
the process's peak resident memory (``ru_maxrss``) is read after each pipeline (the old
one runs first, so the second figure is the high-water mark of both). One process, the
machine's own cores. Goal (issue 12): later epochs >= 20x the old pipeline, first epoch
>= 2x. The last line is JSON.

Usage::

    .venv/bin/python benchmarks/input_pipeline.py [--pairs 2000] [--epochs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import config, datasets, io  # noqa: E402


def peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def replicate(folder: Path, count: int) -> list[tuple[Path, Path]]:
    """``count`` image/mask pairs in ``folder``: copies of the bundled mito pairs."""
    source = io.pair_images_and_masks(
        config.data_dir("mito", "images"), config.data_dir("mito", "masks")
    )
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    pairs = []
    for index in range(count):
        image, mask = source[index % len(source)]
        copy = (folder / "images" / f"{index:05d}.png", folder / "masks" / f"{index:05d}.png")
        shutil.copyfile(image, copy[0])
        shutil.copyfile(mask, copy[1])
        pairs.append(copy)
    return pairs


def old_from_files(pairs, *, size, batch_size, augment=False, shuffle=False, seed=42):
    """The streaming pipeline as it was before the cache (binary masks only)."""
    import tensorflow as tf

    pairs = io._as_pairs(pairs)
    height, width = io._size_hw(size)
    channels = io.infer_channels(pairs)

    def load(image_path: bytes, mask_path: bytes):
        mask_name = mask_path.decode("utf-8")
        image, mask = io.load_pair(
            image_path.decode("utf-8"), mask_name, size=(height, width), channels=channels
        )
        datasets._check_labels(mask, 1, mask_name)
        return image, mask.astype(np.float32)

    def load_tensors(image_path, mask_path):
        image, mask = tf.numpy_function(load, [image_path, mask_path], (tf.float32, tf.float32))
        image.set_shape((height, width, channels))
        mask.set_shape((height, width, 1))
        return image, mask

    ds = tf.data.Dataset.from_tensor_slices(
        ([str(image) for image, _ in pairs], [str(mask) for _, mask in pairs])
    )
    if shuffle:
        ds = ds.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(load_tensors, num_parallel_calls=tf.data.AUTOTUNE)
    if augment:  # the old augmentation: one map call per element
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        ds = tf.data.Dataset.zip((ds, seeds)).map(
            lambda pair, s: old_dihedral(pair[0], pair[1], s, height == width),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def old_dihedral(image, mask, seed, square: bool):
    import tensorflow as tf

    draws = tf.random.stateless_uniform([2], seed=seed, minval=0, maxval=4, dtype=tf.int32)
    turns = draws[0] if square else 2 * (draws[0] % 2)
    flip = tf.equal(draws[1] % 2, 1)
    out = []
    for array in (image, mask):
        shape = array.shape
        array = tf.image.rot90(array, k=turns)
        array = tf.where(flip, tf.reverse(array, axis=[1]), array)
        out.append(tf.ensure_shape(array, shape))
    return tuple(out)


def drain(make, epochs: int) -> dict:
    """Wall-clock and CPU seconds (all threads of this process) of building the pipeline
    plus its first epoch, then the mean of the later epochs."""
    start, cpu = time.perf_counter(), time.process_time()
    dataset = make()
    times, cpus = [], []
    for _ in range(epochs):
        for images, masks in dataset:
            images.numpy(), masks.numpy()  # the batch is really there
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        start, cpu = time.perf_counter(), time.process_time()
    return {
        "first": times[0],
        "later": float(np.mean(times[1:])),
        "first_cpu": cpus[0],
        "later_cpu": float(np.mean(cpus[1:])),
        "peak": peak_rss_bytes(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per pipeline (>= 2)")
    args = parser.parse_args()
    import tensorflow as tf

    options = dict(size=args.size, batch_size=args.batch_size, augment=True, shuffle=True)
    with tempfile.TemporaryDirectory() as folder:
        pairs = replicate(Path(folder), args.pairs)
        print(
            f"{len(pairs)} pairs of {args.size}x{args.size} px, batch {args.batch_size}, "
            f"{os.cpu_count()} CPU cores, TensorFlow {tf.__version__}"
        )
        results = {}
        for name, make in (
            ("old", lambda: old_from_files(pairs, **options)),
            ("new", lambda: datasets.from_files(pairs, **options)),
        ):
            took = drain(make, args.epochs)
            results[name] = {
                "first_epoch_images_per_s": round(len(pairs) / took["first"], 1),
                "later_epochs_images_per_s": round(len(pairs) / took["later"], 1),
                "first_epoch_images_per_cpu_s": round(len(pairs) / took["first_cpu"], 1),
                "later_epochs_images_per_cpu_s": round(len(pairs) / took["later_cpu"], 1),
                "peak_rss_mib_after": round(took["peak"] / 2**20),
            }
            row = results[name]
            print(
                f"{name}: first epoch {row['first_epoch_images_per_s']:7.0f} images/s "
                f"({row['first_epoch_images_per_cpu_s']:.0f} per CPU second), later epochs "
                f"{row['later_epochs_images_per_s']:7.0f} images/s "
                f"({row['later_epochs_images_per_cpu_s']:.0f} per CPU second); peak memory "
                f"so far {row['peak_rss_mib_after']} MiB"
            )
    old, new = results["old"], results["new"]
    ratios = {
        f"ratio_{key}": round(new[f"{key}_images_per_{unit}"] / old[f"{key}_images_per_{unit}"], 1)
        for key in ("first_epoch", "later_epochs")
        for unit in ("s",)
    }
    ratios |= {
        f"ratio_{key}_cpu": round(
            new[f"{key}_images_per_cpu_s"] / old[f"{key}_images_per_cpu_s"], 1
        )
        for key in ("first_epoch", "later_epochs")
    }
    cache_mib = args.pairs * args.size * args.size * 2 / 2**20
    print(
        f"new / old, wall clock: first epoch {ratios['ratio_first_epoch']}x (goal >= 2x), later "
        f"epochs {ratios['ratio_later_epochs']}x (goal >= 20x); per CPU second: "
        f"{ratios['ratio_first_epoch_cpu']}x and {ratios['ratio_later_epochs_cpu']}x. The cache "
        f"holds {cache_mib:.0f} MiB of uint8 pairs."
    )
    print(
        json.dumps(
            {
                "pairs": args.pairs,
                "size": args.size,
                "batch_size": args.batch_size,
                "cpu_cores": os.cpu_count(),
                "load_average": os.getloadavg()[0],
                **results,
                **ratios,
                "cache_mib": round(cache_mib),
            }
        )
    )


if __name__ == "__main__":
    main()
