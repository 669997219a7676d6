"""``mri``: RGB, MRI-like head slices with irregular bright lesions given as VIA polygons.

Most images hold one lesion, some two, some none; the ground truth is a VIA 2.x JSON of
polygons, so the custom-dataset chapter starts from annotations as a learner's own
project would.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage.draw import polygon as draw_polygon

from helpers.files import png_bytes, write_bytes, write_text

from ._common import SIZE, ellipse_coords, grid, illumination, smooth_noise, to_uint8

MRI_COUNT = 40
MRI_SEED = 1011


def _lesion_polygon(rng, centre, mean_radius, n_points: int) -> np.ndarray:
    """An irregular, star-shaped closed outline: integer (x, y) vertices, shape (n, 2)."""
    angles = np.arange(n_points) * (2 * math.pi / n_points)
    harmonics = rng.normal(0, 1, size=(3, 2)) * np.array([[0.18], [0.10], [0.06]])
    radius = np.ones(n_points)
    for k, (a, b) in enumerate(harmonics, start=2):
        radius += np.array([a * math.cos(k * t) + b * math.sin(k * t) for t in angles])
    radius *= mean_radius * rng.uniform(0.92, 1.08, size=n_points)
    xs = [centre[1] + r * math.cos(t) for r, t in zip(radius, angles, strict=True)]
    ys = [centre[0] + r * math.sin(t) for r, t in zip(radius, angles, strict=True)]
    return np.rint(np.column_stack([xs, ys])).astype(int)


def lesion_count(index: int) -> int:
    """How many lesions image ``index`` holds: none for every 13th, two for every 4th, else one."""
    if index % 13 == 5:
        return 0
    return 2 if index % 4 == 1 else 1


def mri_slice(
    index: int, *, shape: tuple[int, int] = (SIZE, SIZE), seed: int = MRI_SEED
) -> tuple[np.ndarray, list[np.ndarray]]:
    """One MRI-like RGB head slice and its lesion outlines.

    Returns
    -------
    image : ndarray of uint8, shape (H, W, 3)
    lesions : list of ndarray of int, shape (n, 2)
        Each lesion's polygon as ``(x, y)`` vertices, in pixel coordinates
        (what VIA stores as ``all_points_x`` / ``all_points_y``).
    """
    rng = np.random.default_rng([seed, index, shape[0], shape[1]])
    rows, cols = grid(shape)
    h, w = shape
    centre = (h / 2 + rng.uniform(-6, 6), w / 2 + rng.uniform(-6, 6))
    semi = (w * rng.uniform(0.34, 0.39), h * rng.uniform(0.40, 0.45))  # (x, y) semi-axes
    u, v = ellipse_coords(rows, cols, centre, semi, rng.uniform(-0.12, 0.12))
    r = np.sqrt(u * u + v * v)

    grey = np.zeros(shape)
    grey = np.where(r <= 1.0, 0.85, grey)  # scalp and fat: bright ring
    grey = np.where(r <= 0.94, 0.18, grey)  # skull: dark
    grey = np.where(r <= 0.89, 0.30, grey)  # cerebrospinal fluid
    brain = r <= 0.86
    folds = 0.08 * smooth_noise(rng, shape, 3.0) + 0.05 * smooth_noise(rng, shape, 9.0)
    grey = np.where(brain, 0.50 + folds, grey)
    for side in (-1, 1):  # lateral ventricles: dark crescents near the middle
        vu, vv = ellipse_coords(
            rows,
            cols,
            (centre[0] - 0.05 * h, centre[1] + side * 0.07 * w),
            (0.045 * w, 0.16 * h),
            side * rng.uniform(0.15, 0.35),
        )
        grey = np.where(brain & (vu * vu + vv * vv <= 1.0), 0.16, grey)

    lesions: list[np.ndarray] = []
    lesion_mask = np.zeros(shape, dtype=bool)
    for _ in range(lesion_count(index)):
        for _attempt in range(100):
            mean_radius = rng.uniform(9, 20) * h / SIZE
            angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(0.15, 0.62)
            c = (
                centre[0] + dist * semi[1] * math.sin(angle),
                centre[1] + dist * semi[0] * math.cos(angle),
            )
            outline = _lesion_polygon(rng, c, mean_radius, int(rng.integers(14, 24)))
            rr, cc = draw_polygon(outline[:, 1], outline[:, 0], shape)
            candidate = np.zeros(shape, dtype=bool)
            candidate[rr, cc] = True
            inside_brain = candidate[brain].sum() == candidate.sum()
            apart = not (ndimage.binary_dilation(candidate, iterations=6) & lesion_mask).any()
            if inside_brain and apart:
                lesions.append(outline)
                lesion_mask |= candidate
                break

    # lesion: hyperintense core, a faint oedema halo outside the outline
    halo = ndimage.gaussian_filter(lesion_mask.astype(float), 3.0)
    grey = grey + 0.12 * halo * brain
    grey = np.where(lesion_mask, 0.80 + 0.06 * smooth_noise(rng, shape, 2.0), grey)
    grey = ndimage.gaussian_filter(grey, 0.7)
    grey = grey * illumination(rng, shape, 0.85, 1.15)
    grey = grey + 0.03 * rng.standard_normal(shape)
    tint = np.array([1.0, 0.96, 1.04]) * rng.uniform(0.97, 1.03, size=3)
    rgb = grey[..., None] * tint
    return to_uint8(rgb), lesions


def lesion_mask(shape: tuple[int, int], lesions: list[np.ndarray]) -> np.ndarray:
    """The binary mask of polygons, ``(H, W)`` uint8 of 0/255 (union of the lesions)."""
    mask = np.zeros(shape, dtype=np.uint8)
    for outline in lesions:
        rr, cc = draw_polygon(outline[:, 1], outline[:, 0], shape)
        mask[rr, cc] = 255
    return mask


def _via_entry(filename: str, size: int, lesions: list[np.ndarray]) -> dict:
    regions = [
        {
            "shape_attributes": {
                "name": "polygon",
                "all_points_x": [int(x) for x in outline[:, 0]],
                "all_points_y": [int(y) for y in outline[:, 1]],
            },
            "region_attributes": {"label": "lesion"},
        }
        for outline in lesions
    ]
    return {"filename": filename, "size": size, "regions": regions, "file_attributes": {}}


def write_mri(out: Path, *, count: int = MRI_COUNT, overwrite: bool = False) -> list[Path]:
    """Write ``out/images/mri_NNN.png`` and ``out/via_annotations.json`` (VIA 2.x export)."""
    written, project = [], {}
    for i in range(count):
        image, lesions = mri_slice(i)
        name = f"mri_{i:03d}.png"
        data = png_bytes(image)
        written.append(write_bytes(out / "images" / name, data, overwrite=overwrite))
        project[f"{name}{len(data)}"] = _via_entry(name, len(data), lesions)
    text = json.dumps(project, indent=1) + "\n"
    written.append(write_text(out / "via_annotations.json", text, overwrite=overwrite))
    return written
