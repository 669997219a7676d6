"""Memory and time of predicting one very large image: ``predict`` on a patch run, an
8192 x 8192 grey PNG to a mask PNG, measured from outside with ``/usr/bin/time -v``.

A patch run (``train --patch N``) predicts every image at its own size, in tiles, and
never holds the whole image's float32 probabilities
(:func:`helpers.inference.predict_tiled_mask`): besides the image and its uint8 mask, one
band of tile rows of sums. This script measures the whole command, TensorFlow included:

1. the image (``--size``, default 8192): the bundled ``external_000.png`` and mito
   images tiled over the canvas (grey, 8-bit), written once under ``outputs/``;
2. the model: ``--run DIR`` (a patch run), or by default a course U-Net (the ``cpu``
   profile's width, untrained: the time and memory do not depend on the weights) saved
   with a ``run.json`` of a 256 px patch run;
3. ``/usr/bin/time -v python -m helpers predict --run DIR --input IMAGE --out DIR``:
   peak resident memory (``Maximum resident set size``), wall time, and CPU seconds
   (user + sys).

Target: peak RSS <= 2 GiB for 8192 x 8192. The last line is JSON.

Measured (2026-12, the default untrained run, on a 2-core CPU shared with other jobs, load
average about 16): peak RSS 1.45 GiB, 405 CPU seconds (user + sys), 2068 s wall; 441 tiles
of 512 px overlapping by 128.

Usage::

    .venv/bin/python benchmarks/large_image.py [--size 8192] [--run DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers import config  # noqa: E402


def make_image(path: Path, size: int) -> Path:
    """A grey ``size x size`` PNG of the bundled EM-like images tiled over the canvas."""
    from PIL import Image

    from helpers import io

    if path.is_file() and Image.open(path).size == (size, size):
        return path
    sources = [io.read_image(config.data_dir("mito", "external", "external_000.png"), channels=1)]
    sources += [
        io.read_image(p, channels=1)
        for p in sorted(config.data_dir("mito", "images").glob("*.png"))[:8]
    ]
    canvas = np.zeros((size, size), np.uint8)
    row, k = 0, 0
    while row < size:
        col, height = 0, 0
        while col < size:
            part = sources[k % len(sources)][..., 0]
            k += 1
            piece = part[: size - row, : size - col]
            canvas[row : row + piece.shape[0], col : col + piece.shape[1]] = piece
            col += piece.shape[1]
            height = max(height, piece.shape[0])
        row += height
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(canvas).save(path)
    return path


def make_run(folder: Path, patch: int = 256) -> Path:
    """An untrained course U-Net saved as a patch run (``run.json`` of ``train --patch``)."""
    if (folder / "model.keras").is_file():
        return folder
    from helpers import runs, training
    from helpers.inference import DEFAULT_TILE
    from helpers.unet import build_unet

    folder.mkdir(parents=True, exist_ok=True)
    profile = config.get_profile("cpu")
    model = training.compile_model(
        build_unet((None, None, 1), base_filters=profile.base_filters), jit_compile=False
    )
    model.save(folder / "model.keras")
    settings = {
        "size": patch,
        "channels": 1,
        "num_classes": 1,
        "mode": runs.PATCH_MODE,
        "patch": patch,
        "tile": max(DEFAULT_TILE, patch),
        "overlap": max(DEFAULT_TILE, patch) // 4,
        "scale": [1.0, 1.0],
        "note": "untrained: benchmarks/large_image.py measures memory and time only",
    }
    runs.write_settings(folder, settings, overwrite=True)
    return folder


def measure(command: list[str]) -> dict:
    """Run ``command`` under ``/usr/bin/time -v``: its peak RSS, wall and CPU seconds."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")

    def field(name: str) -> str:
        return re.search(rf"{re.escape(name)}: (.+)", result.stderr).group(1).strip()

    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
    seconds = sum(float(part) * 60**i for i, part in enumerate(reversed(wall)))
    return {
        "peak_rss_gib": int(field("Maximum resident set size (kbytes)")) / 2**20,
        "wall_seconds": seconds,
        "cpu_seconds": float(field("User time (seconds)")) + float(field("System time (seconds)")),
        "summary": result.stdout.strip().splitlines()[-1],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--run", type=Path, help="a patch run (default: an untrained U-Net)")
    parser.add_argument("--out", type=Path, default=None, help="folder for the image and mask")
    args = parser.parse_args(argv)
    out = args.out or config.outputs_dir("benchmarks", "large_image")
    image = make_image(out / f"grey_{args.size}.png", args.size)
    run = args.run or make_run(out / "run")
    masks = out / "masks"
    command = [sys.executable, "-m", "helpers", "predict", "--run", str(run)]
    command += ["--input", str(image), "--out", str(masks), "--overwrite"]
    found = measure(command)
    from PIL import Image

    with Image.open(masks / f"{image.stem}.png") as mask:
        assert mask.size == (args.size, args.size), mask.size
    found |= {"size": args.size, "image_mib": image.stat().st_size / 2**20}
    print(
        f"{args.size} x {args.size} grey PNG to a mask PNG: peak RSS {found['peak_rss_gib']:.2f} "
        f"GiB, {found['wall_seconds']:.0f} s wall, {found['cpu_seconds']:.0f} CPU s "
        f"(target: peak RSS <= 2 GiB)\n  predict said: {found['summary']}"
    )
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in found.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
