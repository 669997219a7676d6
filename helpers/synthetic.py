"""The bundled datasets: deterministic generators and the writer that lays them out in ``data/``.

Two small datasets let every chapter run offline, on Colab and in CI:

``mito``
    Grey, electron-microscopy-like images. The labelled objects are elongated
    organelles with a dark membrane and striped interior ("cristae"). Each image also
    holds *unlabelled* look-alikes: round vesicles of the same darkness, and dark
    curved membranes. Add uneven illumination and noise, and a global threshold picks
    up everything dark, so it scores poorly, while a U-Net learns shape and texture.
``mri``
    RGB, MRI-like head slices with an irregular bright lesion. The ground truth is a
    VIA 2.x JSON of polygons (most images one lesion, some two, some none), so the
    custom-dataset chapter starts from annotations as a learner's own project would.

Everything is drawn with integer seeds and plain arithmetic, so ``python -m helpers
synth --out DIR`` writes the same bytes every time (for a given Pillow build).

Example
-------
>>> image, mask = mito_pair(0)
>>> image.shape, image.dtype, sorted(set(mask.ravel().tolist()))
((256, 256), dtype('uint8'), [0, 255])
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage.draw import polygon as draw_polygon

from helpers.errors import FileExistsRefusedError
from helpers.files import png_bytes, write_bytes, write_text

__all__ = [
    "EXTERNAL_SHAPE",
    "MITO_COUNT",
    "MITO_SEED",
    "MRI_COUNT",
    "MRI_SEED",
    "SIZE",
    "lesion_count",
    "lesion_mask",
    "mito_pair",
    "mri_slice",
    "write_all",
    "write_mito",
    "write_mri",
]

SIZE = 256
MITO_COUNT = 60
MRI_COUNT = 40
EXTERNAL_SHAPE = (384, 512)
MITO_SEED = 2012
MRI_SEED = 1011

# --------------------------------------------------------------------------------------
# Shared drawing tools (plain arithmetic on coordinate grids: deterministic everywhere)
# --------------------------------------------------------------------------------------


def _grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    return rows.astype(np.float64), cols.astype(np.float64)


def _smooth_noise(rng: np.random.Generator, shape, sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise, rescaled to zero mean and unit standard deviation."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    return (field - field.mean()) / (field.std() + 1e-12)


def _illumination(rng: np.random.Generator, shape, low: float, high: float) -> np.ndarray:
    """A smooth multiplicative light field from ``low`` to ``high`` (a tilted, curved plane)."""
    rows, cols = _grid(shape)
    y = rows / (shape[0] - 1) - 0.5
    x = cols / (shape[1] - 1) - 0.5
    a, b, c, d = rng.uniform(-1, 1, size=4)
    field = a * x + b * y + c * x * x + d * y * y + 0.6 * x * y * rng.uniform(-1, 1)
    field = (field - field.min()) / (field.max() - field.min() + 1e-12)
    return low + (high - low) * field


def _ellipse_coords(rows, cols, centre, semi_axes, angle):
    """Coordinates along (u) and across (v) an ellipse, in units of its semi-axes."""
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    dy, dx = rows - centre[0], cols - centre[1]
    u = (dx * cos_a + dy * sin_a) / semi_axes[0]
    v = (-dx * sin_a + dy * cos_a) / semi_axes[1]
    return u, v


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


# --------------------------------------------------------------------------------------
# mito: EM-like images, organelles labelled, look-alikes not
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Blob:
    centre: tuple[float, float]
    radius: float  # bounding radius, used to keep objects apart


def _place(rng, shape, radius, placed: list[_Blob], *, tries: int = 200):
    """A centre at least ``radius`` from the border and clear of the blobs already placed."""
    for _ in range(tries):
        centre = (
            rng.uniform(radius * 0.5, shape[0] - radius * 0.5),
            rng.uniform(radius * 0.5, shape[1] - radius * 0.5),
        )
        if all(math.dist(centre, b.centre) > radius + b.radius + 3 for b in placed):
            return centre
    return None


def mito_pair(
    index: int, *, shape: tuple[int, int] = (SIZE, SIZE), seed: int = MITO_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """One EM-like image and its organelle mask.

    Parameters
    ----------
    index : int
        Which image: the same index always gives the same pair.
    shape : (int, int)
        Height and width in pixels.
    seed : int
        Base seed of the dataset.

    Returns
    -------
    image : ndarray of uint8, shape (H, W)
        Grey image, dark objects on a lighter cytoplasm.
    mask : ndarray of uint8, shape (H, W)
        255 on organelles, 0 elsewhere (look-alikes are 0).
    """
    rng = np.random.default_rng([seed, index, shape[0], shape[1]])
    rows, cols = _grid(shape)
    area_scale = shape[0] * shape[1] / (SIZE * SIZE)

    # cytoplasm: mid grey with a grainy texture
    image = 0.62 + 0.05 * _smooth_noise(rng, shape, 2.0) + 0.03 * _smooth_noise(rng, shape, 8.0)
    mask = np.zeros(shape, dtype=bool)
    placed: list[_Blob] = []

    # labelled organelles: elongated, dark membrane, striped interior
    for _ in range(int(round(rng.integers(3, 7) * area_scale))):
        semi = (rng.uniform(20, 34), rng.uniform(8.5, 12.5))
        centre = _place(rng, shape, semi[0], placed)
        if centre is None:
            continue
        placed.append(_Blob(centre, semi[0]))
        angle = rng.uniform(0, math.pi)
        u, v = _ellipse_coords(rows, cols, centre, semi, angle)
        r = np.sqrt(u * u + v * v)
        inside = r <= 1.0
        membrane = inside & (r > 1.0 - 2.2 / semi[1])
        period = rng.uniform(5.0, 7.0)  # cristae: stripes across the long axis
        phase = (u * semi[0] / period + rng.uniform(0, 1)) % 1.0
        stripes = np.abs(phase - 0.5) < 0.18
        interior = 0.36 + 0.03 * rng.standard_normal()
        image = np.where(inside, interior, image)
        image = np.where(inside & stripes & ~membrane, interior - 0.10, image)
        image = np.where(membrane, 0.20, image)
        mask |= inside

    # unlabelled vesicles: round, as dark as organelles, no membrane and no stripes
    for _ in range(int(round(rng.integers(4, 9) * area_scale))):
        radius = rng.uniform(7, 14)
        centre = _place(rng, shape, radius, placed)
        if centre is None:
            continue
        placed.append(_Blob(centre, radius))
        u, v = _ellipse_coords(rows, cols, centre, (radius, radius * rng.uniform(0.85, 1.0)), 0.0)
        inside = u * u + v * v <= 1.0
        image = np.where(inside, 0.34 + 0.03 * rng.standard_normal(), image)

    # unlabelled membranes: dark curved bands crossing the cytoplasm
    for _ in range(int(round(rng.integers(1, 3) * area_scale))):
        centre = (rng.uniform(-0.3, 1.3) * shape[0], rng.uniform(-0.3, 1.3) * shape[1])
        radius = rng.uniform(0.5, 1.2) * max(shape)
        dist = np.sqrt((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2)
        band = (np.abs(dist - radius) < rng.uniform(1.5, 3.0)) & ~mask
        image = np.where(band, 0.30, image)

    image = ndimage.gaussian_filter(image, 0.8)
    image = image * _illumination(rng, shape, 0.55, 1.35)
    image = image + 0.045 * rng.standard_normal(shape)
    return _to_uint8(image), (mask * 255).astype(np.uint8)


# --------------------------------------------------------------------------------------
# mri: RGB head slices, lesions given as polygons
# --------------------------------------------------------------------------------------


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
    rows, cols = _grid(shape)
    h, w = shape
    centre = (h / 2 + rng.uniform(-6, 6), w / 2 + rng.uniform(-6, 6))
    semi = (w * rng.uniform(0.34, 0.39), h * rng.uniform(0.40, 0.45))  # (x, y) semi-axes
    u, v = _ellipse_coords(rows, cols, centre, semi, rng.uniform(-0.12, 0.12))
    r = np.sqrt(u * u + v * v)

    grey = np.zeros(shape)
    grey = np.where(r <= 1.0, 0.85, grey)  # scalp and fat: bright ring
    grey = np.where(r <= 0.94, 0.18, grey)  # skull: dark
    grey = np.where(r <= 0.89, 0.30, grey)  # cerebrospinal fluid
    brain = r <= 0.86
    folds = 0.08 * _smooth_noise(rng, shape, 3.0) + 0.05 * _smooth_noise(rng, shape, 9.0)
    grey = np.where(brain, 0.50 + folds, grey)
    for side in (-1, 1):  # lateral ventricles: dark crescents near the middle
        vu, vv = _ellipse_coords(
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
    grey = np.where(lesion_mask, 0.80 + 0.06 * _smooth_noise(rng, shape, 2.0), grey)
    grey = ndimage.gaussian_filter(grey, 0.7)
    grey = grey * _illumination(rng, shape, 0.85, 1.15)
    grey = grey + 0.03 * rng.standard_normal(shape)
    tint = np.array([1.0, 0.96, 1.04]) * rng.uniform(0.97, 1.03, size=3)
    rgb = grey[..., None] * tint
    return _to_uint8(rgb), lesions


def lesion_mask(shape: tuple[int, int], lesions: list[np.ndarray]) -> np.ndarray:
    """The binary mask of polygons, ``(H, W)`` uint8 of 0/255 (union of the lesions)."""
    mask = np.zeros(shape, dtype=np.uint8)
    for outline in lesions:
        rr, cc = draw_polygon(outline[:, 1], outline[:, 0], shape)
        mask[rr, cc] = 255
    return mask


# --------------------------------------------------------------------------------------
# Writing the datasets
# --------------------------------------------------------------------------------------


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


def write_mito(out: Path, *, count: int = MITO_COUNT, overwrite: bool = False) -> list[Path]:
    """Write ``out/images/mito_NNN.png``, ``out/masks/mito_NNN.png`` and the external image."""
    written = []
    for i in range(count):
        image, mask = mito_pair(i)
        name = f"mito_{i:03d}.png"
        written.append(write_bytes(out / "images" / name, png_bytes(image), overwrite=overwrite))
        written.append(write_bytes(out / "masks" / name, png_bytes(mask), overwrite=overwrite))
    image, mask = mito_pair(0, shape=EXTERNAL_SHAPE, seed=MITO_SEED + 1)
    written.append(
        write_bytes(out / "external" / "external_000.png", png_bytes(image), overwrite=overwrite)
    )
    written.append(
        write_bytes(
            out / "external" / "masks" / "external_000.png", png_bytes(mask), overwrite=overwrite
        )
    )
    return written


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


def write_all(out: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write both datasets under ``out`` (``out/mito``, ``out/mri``); returns the files written.

    Raises :class:`helpers.errors.FileExistsRefusedError` before replacing any existing
    file unless ``overwrite=True``.
    """
    out = Path(out)
    if not overwrite:
        taken = [p for p in (out / "mito", out / "mri") if p.exists() and any(p.iterdir())]
        if taken:
            raise FileExistsRefusedError(
                f"{', '.join(map(str, taken))} already hold files and were left as they are. "
                "Pass overwrite=True (or --overwrite) to regenerate them, or choose another folder."
            )
    return write_mito(out / "mito", overwrite=overwrite) + write_mri(
        out / "mri", overwrite=overwrite
    )
