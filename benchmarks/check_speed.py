"""The data check on 1,000 pairs of 512 px: helpers.check against a plain NumPy check.

The target (issue 24): ``python -m helpers check`` reads every pair of 1,000 images and
masks of 512 x 512 px in under 30 s. This script writes such a folder (RGB images with
smooth shapes and noise, 0/255 masks; made once, in ``outputs/benchmarks/check_speed``)
with a few planted problems, then times:

- ``helpers.check.check_folders``: each file decoded once by Pillow, then one
  ``np.bincount`` per mask and a few whole-array comparisons per image;
- the plain way, as one would write it first: ``io.read_image`` for both files
  (EXIF orientation applied), ``np.unique(..., return_counts=True)`` of the mask (a sort
  of every pixel), and of the image for constant and saturated pixels;
- and, for scale, what ``train`` read before the check (``io.read_image`` and
  ``io.read_mask`` of every pair, no findings).

Both checks must find the same planted problems (checked), and the times are printed
(wall clock, and CPU time over all threads: on a shared machine the CPU time is the
steadier figure, and the target is judged on it) with their ratios.

Measured (2026-12, 2 cores shared with other jobs, load about 20, --repeat 1):
check_folders 13.8 CPU s (102 s wall), the plain NumPy check 48.5 CPU s (389 s wall),
what train read before 13.0 CPU s (90 s wall): the check costs 1.1 times the decoding
that training did anyway, and is 3.5 times cheaper than np.unique.

Usage::

    python benchmarks/check_speed.py              # 1,000 pairs of 512 px, best of 2 runs
    python benchmarks/check_speed.py --pairs 200 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from scipy import ndimage  # noqa: E402

from helpers import check, config, io  # noqa: E402
from helpers.errors import DataError  # noqa: E402


def make_folder(root: Path, pairs: int, side: int) -> tuple[Path, Path]:
    """``pairs`` RGB images and 0/255 masks (made once); pairs 3, 5, 7 hold problems."""
    images, masks = root / "images", root / "masks"
    done = root / f".done-{pairs}-{side}"
    if done.exists():
        return images, masks
    shutil.rmtree(images, ignore_errors=True)  # another size or count was made before
    shutil.rmtree(masks, ignore_errors=True)
    for old in root.glob(".done-*"):
        old.unlink()
    images.mkdir(parents=True, exist_ok=True)
    masks.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    fields = [  # 20 smooth random fields; each pair a shifted one, with its own noise
        np.kron(
            ndimage.gaussian_filter(rng.standard_normal((side // 4, side // 4)), 3), [[1] * 4] * 4
        )
        for _ in range(20)
    ]
    for k in range(pairs):
        field = np.roll(fields[k % 20], 7 * (k // 20), axis=1)
        mask = field > field.std()
        base = 90 + 60 * mask + 10 * field / field.std()
        noise = rng.normal(0, 8, (side, side, 3))
        image = np.clip(base[..., None] + noise + [0, 10, -10], 0, 254).astype(np.uint8)
        Image.fromarray(image).save(images / f"img_{k:04d}.png", compress_level=1)
        Image.fromarray((mask * 255).astype(np.uint8)).save(masks / f"img_{k:04d}.png")
    Image.fromarray(np.zeros((side, side), np.uint8)).save(masks / "img_0003.png")  # empty
    Image.fromarray(np.full((side, side, 3), 255, np.uint8)).save(images / "img_0005.png")
    jpeg = np.asarray(Image.open(masks / "img_0007.png"))
    (masks / "img_0007.png").unlink()
    Image.fromarray(jpeg).save(masks / "img_0007.jpg", quality=75)  # in-between values
    done.touch()
    return images, masks


def plain_check(images: Path, masks: Path) -> set[tuple[str, str]]:
    """(file, kind) of the problems planted here, found the first way one would write."""
    found = set()
    for image_path, mask_path in io.pair_images_and_masks(images, masks):
        image = io.read_image(image_path)
        mask = io.read_image(mask_path)[..., 0]
        values, counts = np.unique(mask, return_counts=True)
        levels, level_counts = np.unique(image, return_counts=True)
        name = f"masks/{mask_path.name}"
        if not set(values.tolist()) <= {0, 1, 255}:
            found.add((name, "values"))
        elif values.max() == 0:
            found.add((name, "empty"))
        if len(levels) == 1:
            found.add((f"images/{image_path.name}", "constant image"))
        elif levels[-1] == 255 and level_counts[-1] >= 0.05 * image.size:
            found.add((f"images/{image_path.name}", "saturated image"))
    return found


def what_train_read(images: Path, masks: Path) -> None:
    for image_path, mask_path in io.pair_images_and_masks(images, masks):
        io.read_image(image_path)
        try:
            io.read_mask(mask_path)
        except DataError:
            pass


def best_of(repeat: int, function, *args):
    """(best wall-clock seconds, CPU seconds of that run, the function's result)."""
    best, result = (float("inf"), 0.0), None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(*args)
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return (*best, result)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--side", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    root = config.outputs_dir("benchmarks", "check_speed")
    start = time.perf_counter()
    images, masks = make_folder(root, args.pairs, args.side)
    print(f"{args.pairs} pairs of {args.side} px in {root} ({time.perf_counter() - start:.1f} s)")

    ours_time, ours_cpu, result = best_of(args.repeat, check.check_folders, images, masks)
    plain_time, plain_cpu, plain = best_of(args.repeat, plain_check, images, masks)
    train_time, train_cpu, _ = best_of(args.repeat, what_train_read, images, masks)
    ours = {(r.file, r.kind) for r in result.findings.itertuples() if r.kind != "0/255"}
    assert plain <= ours, f"the plain check found {plain - ours} that helpers.check did not"
    print(result.verdict())
    print(f"{'':38}  wall s   CPU s (all threads; best of {args.repeat})")
    print(f"{'helpers.check.check_folders':38}  {ours_time:6.2f}  {ours_cpu:6.2f}")
    print(
        f"{'plain NumPy check (np.unique)':38}  {plain_time:6.2f}  {plain_cpu:6.2f}  -> "
        f"helpers.check {plain_time / ours_time:.1f} times faster"
    )
    print(
        f"{'what train read before (no findings)':38}  {train_time:6.2f}  {train_cpu:6.2f}  -> "
        f"the check takes {ours_time / train_time:.2f} times that"
    )
    # On a shared machine the wall clock measures the queue; the CPU seconds of all threads
    # are what the check costs, and what it takes on one free core.
    per_1000 = ours_cpu * 1000 / args.pairs * (512 / args.side) ** 2
    print(
        f"target: 1,000 pairs of 512 px in under 30 s: {per_1000:.1f} CPU s at this rate, "
        f"so at most that on one free core ({'met' if per_1000 < 30 else 'MISSED'}; this "
        f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
