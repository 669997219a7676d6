"""Speed of the training input pipeline alone (no model): images/s, old way against new.

The bundled ``data/mito`` pairs (256x256 grey PNGs) are copied into a temporary folder
until there are 2,000 pairs, then two pipelines of the same training batches
(``size=256``, ``batch_size=16``, ``augment=True``, ``shuffle=True``) and a bound are
drained:

- **old**: the pipeline before 2026-11 (kept here verbatim in :func:`old_from_files`):
  every epoch decodes and resizes every file again through ``tf.numpy_function``
  (:func:`helpers.io.load_pair`);
- **new**: :func:`helpers.datasets.from_files` today: TensorFlow decodes the PNGs in the
  graph once, the resized ``uint8`` pairs are kept in memory, later epochs only shuffle
  and augment;
- **bound**: not a pipeline but the limit of any pipeline that yields float32 batches:
  the same pairs as ``uint8`` arrays already in memory, only batched and turned into
  float32 (:func:`bound_from_arrays`; its first epoch is meaningless).

Each is drained as ``model.fit`` drains it: batches go into one compiled loop as tensors
(no ``.numpy()`` copy, which no training makes; see :func:`drain`). The first epoch
(building the pipeline included) and the median of the later epochs are timed
separately, in images/s of wall clock and per CPU second of all the process's threads.
Timings on a shared 2-core machine vary by up to 2x from epoch to epoch, so the three
run ``--rounds`` times in turn and the medians over rounds are compared. The process's
peak resident memory (``ru_maxrss``) is read after each side of round 1 (the old one
runs first, so the new figure is the high-water mark of both). Goal (issue 12): later
epochs >= 20x the old pipeline, first epoch >= 2x. The last line is JSON.

Usage::

    .venv/bin/python benchmarks/input_pipeline.py [--pairs 2000] [--epochs 4] [--rounds 2]
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

    pairs = io.as_pairs(pairs)
    height, width = io.size_hw(size)
    channels = io.infer_channels(pairs)

    def load(image_path: bytes, mask_path: bytes):
        mask_name = mask_path.decode("utf-8")
        image, mask = io.load_pair(
            image_path.decode("utf-8"), mask_name, size=(height, width), channels=channels
        )
        datasets.check_mask_labels(mask, 1, mask_name)
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


def bound_from_arrays(pairs, *, size, batch_size, **_):
    """Not a pipeline but its limit: the pairs as ``uint8`` arrays already in memory,
    batched in order and only turned into float32 (images / 255, masks 0./1.), with no
    shuffle and no augmentation. Whatever else a pipeline does, it still writes these
    float32 batches with the same TensorFlow ops, so a pipeline that yields them does
    not run faster than this on the same machine."""
    import tensorflow as tf
    from PIL import Image

    def read(path):
        return np.asarray(Image.open(path).resize((size, size)))

    images = np.stack([read(image) for image, _ in pairs])[..., None]
    masks = (np.stack([read(mask) for _, mask in pairs]) > 0).astype(np.uint8)[..., None]

    def to_float(image, mask):
        return tf.cast(image, tf.float32) / 255.0, tf.cast(mask, tf.float32)

    ds = tf.data.Dataset.from_tensor_slices((images, masks)).batch(batch_size)
    return ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def drain(make, epochs: int) -> dict:
    """Wall-clock and CPU seconds (all threads of this process) of building the pipeline
    plus its first epoch, then the median of the later epochs.

    The batches are consumed as ``model.fit`` consumes them: inside one compiled loop
    (``tf.function``) that takes every batch as tensors and counts its images, with no
    copy to NumPy (a ``.numpy()`` per batch would add an 8 MiB copy that training never
    makes, and would time it as if it were the pipeline)."""
    import tensorflow as tf

    @tf.function
    def consume(dataset):
        count = tf.constant(0, tf.int64)
        for images, _ in dataset:  # each step yields the whole batch, masks included
            count += tf.shape(images, out_type=tf.int64)[0]
        return count

    start, cpu = time.perf_counter(), time.process_time()
    dataset = make()
    times, cpus, counts = [], [], []
    for _ in range(epochs):
        counts.append(int(consume(dataset)))
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        start, cpu = time.perf_counter(), time.process_time()
    return {
        "count": counts,
        "first": times[0],
        "later": float(np.median(times[1:])),
        "first_cpu": cpus[0],
        "later_cpu": float(np.median(cpus[1:])),
        "peak": peak_rss_bytes(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per pipeline (>= 2)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="old, new and bound, this many times (medians kept)"
    )
    args = parser.parse_args()
    import tensorflow as tf

    options = dict(size=args.size, batch_size=args.batch_size, augment=True, shuffle=True)
    makers = {
        "old": lambda pairs: old_from_files(pairs, **options),
        "new": lambda pairs: datasets.from_files(pairs, verbose=False, **options),
        "bound": lambda pairs: bound_from_arrays(pairs, **options),
    }
    runs: dict[str, list[dict]] = {name: [] for name in makers}
    with tempfile.TemporaryDirectory() as folder:
        pairs = replicate(Path(folder), args.pairs)
        print(
            f"{len(pairs)} pairs of {args.size}x{args.size} px, batch {args.batch_size}, "
            f"{os.cpu_count()} CPU cores, TensorFlow {tf.__version__}; {args.rounds} rounds of "
            f"old, new and bound, {args.epochs} epochs each"
        )
        for round_ in range(1, args.rounds + 1):
            for name, make in makers.items():
                took = drain(lambda make=make: make(pairs), args.epochs)
                if took["count"] != [len(pairs)] * args.epochs:
                    raise SystemExit(f"{name} gave {took['count']} images per epoch")
                runs[name].append(took)
                print(
                    f"round {round_}, {name}: first epoch {len(pairs) / took['first']:6.0f} "
                    f"images/s, later epochs {len(pairs) / took['later']:6.0f} images/s "
                    f"(CPU: {len(pairs) / took['first_cpu']:.0f} and "
                    f"{len(pairs) / took['later_cpu']:.0f} per CPU second); peak memory so "
                    f"far {took['peak'] / 2**20:.0f} MiB"
                )
    results = {}
    for name, took in runs.items():
        rate = {
            key: len(pairs) / float(np.median([t[key] for t in took]))
            for key in ("first", "later", "first_cpu", "later_cpu")
        }
        results[name] = {
            "first_epoch_images_per_s": round(rate["first"], 1),
            "later_epochs_images_per_s": round(rate["later"], 1),
            "first_epoch_images_per_cpu_s": round(rate["first_cpu"], 1),
            "later_epochs_images_per_cpu_s": round(rate["later_cpu"], 1),
            # round 1, where only the sides before this one had run
            "peak_rss_mib_after": round(took[0]["peak"] / 2**20),
        }
    old, new, bound = results["old"], results["new"], results["bound"]
    ratios = {
        "ratio_bound_later_epochs": round(
            bound["later_epochs_images_per_s"] / old["later_epochs_images_per_s"], 1
        )
    }
    for key in ("first_epoch", "later_epochs"):
        ratios[f"ratio_{key}"] = round(new[f"{key}_images_per_s"] / old[f"{key}_images_per_s"], 1)
        ratios[f"ratio_{key}_cpu"] = round(
            new[f"{key}_images_per_cpu_s"] / old[f"{key}_images_per_cpu_s"], 1
        )
    cache_mib = args.pairs * args.size * args.size * 2 / 2**20
    print(
        f"medians: old {old['first_epoch_images_per_s']:.0f} then "
        f"{old['later_epochs_images_per_s']:.0f} images/s, new "
        f"{new['first_epoch_images_per_s']:.0f} then {new['later_epochs_images_per_s']:.0f}. "
        f"new / old, wall clock: first epoch {ratios['ratio_first_epoch']}x (goal >= 2x), later "
        f"epochs {ratios['ratio_later_epochs']}x (goal >= 20x); per CPU second: "
        f"{ratios['ratio_first_epoch_cpu']}x and {ratios['ratio_later_epochs_cpu']}x. The cache "
        f"holds {cache_mib:.0f} MiB of uint8 pairs; peak memory {new['peak_rss_mib_after']} MiB."
    )
    print(
        f"bound: float32 batches from arrays in memory, nothing else, "
        f"{bound['later_epochs_images_per_s']:.0f} images/s = "
        f"{ratios['ratio_bound_later_epochs']}x the old pipeline: a pipeline of float32 batches "
        "made of TensorFlow ops does not beat that ratio on this machine."
    )
    print(
        json.dumps(
            {
                "pairs": args.pairs,
                "size": args.size,
                "batch_size": args.batch_size,
                "epochs": args.epochs,
                "rounds": args.rounds,
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
