"""VIA to masks: helpers.via against the learning module's per-region polygon loop.

The module's converter (chapter 11), re-implemented here in our own words: for each
image it decodes the whole image to learn its shape; for each region it draws
``skimage.draw.polygon(ys, xs)`` *without* the shape, clips the coordinates to the
image, sets them in a full-size uint8 mask of its own and adds that mask to the
image's mask; the sum times 255 is saved.

helpers.via reads only the image header for the shape and draws every region of an
image at once, as runs of pixels per row (``helpers.via._scanline``). A third column,
``skimage.draw.polygon`` *with* the shape into one mask per image, shows how much of
the gain is the drawing itself rather than the decoding and the per-region masks.

Same output, checked: the module's way is right where every vertex lies inside the
image (its clipping piles outside points on the border otherwise), and its uint8 sum
holds 254 (2 x 255, wrapped) where regions overlap, so the comparison is between the
union of its mask (``> 0``) and ours, on the images whose vertices are all inside. The
images left out, and the pixels where the module's values are neither 0 nor 255, are
counted and printed.

Data: the kudzu (train and val) and rice-leaf (val) VIA files with their images from
``../shared/data/via-real``; the script says so and stops when that folder is absent.

Usage::

    python benchmarks/via_speed.py              # best of 3 runs
    python benchmarks/via_speed.py --repeat 5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from skimage.draw import polygon as sk_polygon  # noqa: E402

from helpers import via  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "via-real"
SETS = {
    "kudzu train": ("kudzu_train_via2_polygon.json", "images/kudzu/train"),
    "kudzu val": ("kudzu_val_via2_polygon.json", "images/kudzu/val"),
    "rice-leaf val": ("rice_leaf_val_via1_polygon_classes.json", "images/rice_leaf/val"),
}


def load_sets() -> list[tuple[Path, list[dict]]]:
    """(image path, raw VIA regions) for every image of the benchmark sets."""
    items = []
    for via_name, folder in SETS.values():
        project = via.load_via(REAL / via_name)
        for image in project.images:
            regions = [
                {
                    "shape_attributes": {"name": r.shape, **r.geometry},
                    "region_attributes": r.attributes,
                }
                for r in image.regions
            ]
            items.append((REAL / folder / image.filename, regions))
    return items


# --- the module's way ------------------------------------------------------------------


def module_shape(path: Path) -> tuple[int, ...]:
    return np.array(Image.open(path).convert("RGB")).shape


def module_mask(regions: list[dict], shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape[:2], dtype=np.uint8)
    for region in regions:
        attrs = region["shape_attributes"]
        region_mask = np.zeros(shape[:2], dtype=np.uint8)
        rr, cc = sk_polygon(attrs["all_points_y"], attrs["all_points_x"])
        rr = np.clip(rr, 0, shape[0] - 1)
        cc = np.clip(cc, 0, shape[1] - 1)
        region_mask[rr, cc] = 1
        mask += region_mask
    return (mask * 255).astype(np.uint8)


# --- skimage with the shape, one mask per image ------------------------------------------


def skimage_mask(regions: list[dict], shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for region in regions:
        attrs = region["shape_attributes"]
        mask[sk_polygon(attrs["all_points_y"], attrs["all_points_x"], shape)] = True
    return mask


def best_of(repeat: int, func) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    args = parser.parse_args(argv)
    if not REAL.is_dir():
        print(f"{REAL} is absent: the real VIA files are needed for this benchmark.")
        return 0

    items = load_sets()
    n_images, n_regions = len(items), sum(len(r) for _, r in items)
    print(f"{n_images} images, {n_regions} polygons ({', '.join(SETS)})")

    # Shapes both ways, and the check that they agree.
    module_shapes = [module_shape(p)[:2] for p, _ in items]
    our_shapes = [via.image_shape(p) for p, _ in items]
    assert module_shapes == our_shapes, "image shapes differ"

    # Same output where the module's way is right; count where it is not.
    compared = skipped = odd_values = 0
    for (path, regions), shape in zip(items, our_shapes, strict=True):
        ours = via.rasterize_regions(regions, shape)
        theirs = module_mask(regions, shape)
        odd_values += int(((theirs != 0) & (theirs != 255)).sum())
        inside = all(
            0 <= min(r["shape_attributes"]["all_points_x"])
            and max(r["shape_attributes"]["all_points_x"]) <= shape[1] - 1
            and 0 <= min(r["shape_attributes"]["all_points_y"])
            and max(r["shape_attributes"]["all_points_y"]) <= shape[0] - 1
            for r in regions
        )
        np.testing.assert_array_equal(ours, skimage_mask(regions, shape), err_msg=str(path))
        if inside:
            np.testing.assert_array_equal(ours, theirs > 0, err_msg=str(path))
            compared += 1
        else:
            skipped += 1
    print(
        f"same output: {compared} images equal to the module's union "
        f"({skipped} left out: a vertex outside the image); all {n_images} equal to "
        "skimage.draw.polygon with the shape"
    )
    print(f"module's masks: {odd_values} pixels neither 0 nor 255 (overlaps summed in uint8)")

    def module_draw():
        for (_, regions), shape in zip(items, our_shapes, strict=True):
            module_mask(regions, shape)

    def skimage_draw():
        for (_, regions), shape in zip(items, our_shapes, strict=True):
            skimage_mask(regions, shape)

    def our_draw():
        for (_, regions), shape in zip(items, our_shapes, strict=True):
            via.rasterize_regions(regions, shape)

    def module_shape_and_draw():
        for path, regions in items:
            module_mask(regions, module_shape(path))

    def our_shape_and_draw():
        for path, regions in items:
            via.rasterize_regions(regions, via.image_shape(path))

    tmp = Path(tempfile.mkdtemp(prefix="via_speed_"))

    def module_files():
        out = tmp / f"module_{time.perf_counter_ns()}"
        out.mkdir()
        for path, regions in items:
            mask = module_mask(regions, module_shape(path))
            Image.fromarray(mask).save(out / f"{path.stem}.png")

    def our_files():
        for via_name, folder in SETS.values():
            out = tmp / f"ours_{time.perf_counter_ns()}"
            via.masks_from_via(REAL / via_name, REAL / folder, out)

    rows = [
        ("draw, shape given", module_draw, skimage_draw, our_draw),
        ("read shape + draw", module_shape_and_draw, None, our_shape_and_draw),
        ("JSON to PNG files", module_files, None, our_files),
    ]
    print(
        f"\n{'masks per second':<20}{'module':>10}{'skimage+shape':>15}{'helpers.via':>13}"
        f"{'ratio':>8}"
    )
    for label, module_side, skimage_side, our_side in rows:
        t_module = best_of(args.repeat, module_side)
        t_skimage = best_of(args.repeat, skimage_side) if skimage_side else None
        t_ours = best_of(args.repeat, our_side)
        skimage_text = f"{n_images / t_skimage:15.1f}" if t_skimage else f"{'':>15}"
        print(
            f"{label:<20}{n_images / t_module:10.1f}{skimage_text}{n_images / t_ours:13.1f}"
            f"{t_module / t_ours:7.1f}x"
        )
    print(
        "\nratio = module time / helpers.via time (higher: helpers.via is faster). "
        "'JSON to PNG files' includes the quality report and atomic, fsync'ed writes "
        "at PNG compression 6 (helpers.files.png_bytes) on our side, PIL's default PNG save on the "
        "module's."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
