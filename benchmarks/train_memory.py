"""Scale: peak memory of one training epoch streamed from a folder of 2,000 images of 256x256.

Writes 2,000 synthetic image/mask PNG pairs (256x256, grey; random bright ellipses on
textured noise, so the data is cheap to make) into a temporary folder, then trains a
U-Net for one epoch from :func:`helpers.datasets.from_files` (files decoded as
batches are needed, shuffled by name, augmented) and reports the process's peak
resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the kernel's own
high-water mark).

The module's way, for comparison, loads every image and mask into lists, stacks them
and normalises them to float64 arrays before training: the benchmark *computes* the
bytes those two final arrays hold (it does not load them; the lists and the temporary
copies while stacking would add more).

Usage::

    .venv/bin/python benchmarks/train_memory.py [--images 2000] [--size 256] [--base-filters 8]

``--base-filters 8`` (default) keeps one epoch of 2,000 images to minutes on a 2-core
CPU; the pipeline's memory does not depend on the network's width. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.files import write_png  # noqa: E402


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def make_folder(root: Path, count: int, size: int) -> None:
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:size, 0:size]
    (root / "images").mkdir()
    (root / "masks").mkdir()
    for index in range(count):
        mask = np.zeros((size, size), bool)
        for _ in range(rng.integers(2, 6)):
            r, c = rng.uniform(0, size, 2)
            a, b = rng.uniform(6, size / 8, 2)
            mask |= ((rows - r) / a) ** 2 + ((cols - c) / b) ** 2 <= 1
        image = 0.35 + 0.1 * rng.standard_normal((size, size)) + 0.35 * mask
        write_png(
            root / "images" / f"img_{index:05d}.png", np.clip(image * 255, 0, 255).astype(np.uint8)
        )
        write_png(root / "masks" / f"img_{index:05d}.png", (mask * 255).astype(np.uint8))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--base-filters", type=int, default=8)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="train_memory_") as folder:
        root = Path(folder)
        start = time.perf_counter()
        make_folder(root, args.images, args.size)
        on_disk = sum(p.stat().st_size for p in root.rglob("*.png"))
        print(
            f"Wrote {args.images} pairs of {args.size}x{args.size} PNGs ({on_disk / 1e6:.0f} MB) "
            f"in {time.perf_counter() - start:.0f} s.",
            flush=True,
        )

        from helpers import config, datasets, io, training
        from helpers.unet import build_unet

        config.set_seed(42)
        pairs = io.pair_images_and_masks(root / "images", root / "masks")
        dataset = datasets.from_files(
            pairs, size=args.size, batch_size=args.batch_size, augment=True, shuffle=True
        )
        before = peak_rss_bytes()
        start = time.perf_counter()
        history = training.train(
            lambda: build_unet((None, None, 1), base_filters=args.base_filters),
            dataset,
            epochs=1,
            out_dir=root / "run",
            verbose=True,
        )
        seconds = time.perf_counter() - start
        peak = peak_rss_bytes()

    pixels = args.images * args.size * args.size
    module_bytes = 2 * pixels * 8  # images and masks as float64 (N, H, W, 1) arrays
    print(
        f"one epoch: {len(pairs)} images, {-(-len(pairs) // args.batch_size)} steps, {seconds:.0f} "
        "s, "
        f"loss {history['loss'].iloc[-1]:.4f}"
    )
    print(
        f"peak memory of this process (ru_maxrss): {peak / 2**30:.2f} GiB "
        f"(before training {before / 2**30:.2f} GiB); target < 2 GB"
    )
    print(
        "the module's way, computed: images + masks as float64 arrays = "
        f"{module_bytes / 2**30:.2f} GiB "
        f"before TensorFlow, the model and the copies made while stacking"
    )
    estimate = module_bytes + peak
    print(
        "the module's way, estimated peak = its arrays + the same TensorFlow/model/training "
        "overhead "
        f"as this process = {estimate / 2**30:.2f} GiB; ratio to ours {estimate / peak:.2f}x "
        f"(and its arrays grow with the folder, ours do not: try --images 500)"
    )
    print(
        json.dumps(
            {
                "images": args.images,
                "size": args.size,
                "peak_rss_bytes": peak,
                "module_arrays_bytes": module_bytes,
                "module_estimated_peak_bytes": estimate,
                "epoch_seconds": round(seconds, 1),
                "under_2gb": peak < 2e9,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
