"""``mito``: grey, EM-like images; elongated organelles labelled, look-alikes not.

The labelled objects are elongated organelles with a dark membrane and striped interior
("cristae"). Each image also holds *unlabelled* look-alikes: round vesicles of the same
darkness, and dark curved membranes. Add uneven illumination and noise, and a global
threshold picks up everything dark, so it scores poorly, while a U-Net learns shape and
texture.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from scipy import ndimage

from helpers.files import png_bytes, write_bytes

from ._common import (
    SIZE,
    Blob,
    ellipse_coords,
    grid,
    illumination,
    place,
    smooth_noise,
    to_uint8,
)

MITO_COUNT = 60
EXTERNAL_SHAPE = (384, 512)
MITO_SEED = 2012


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
    rows, cols = grid(shape)
    area_scale = shape[0] * shape[1] / (SIZE * SIZE)

    # cytoplasm: mid grey with a grainy texture
    image = 0.62 + 0.05 * smooth_noise(rng, shape, 2.0) + 0.03 * smooth_noise(rng, shape, 8.0)
    mask = np.zeros(shape, dtype=bool)
    placed: list[Blob] = []

    # labelled organelles: elongated, dark membrane, striped interior
    for _ in range(int(round(rng.integers(3, 7) * area_scale))):
        semi = (rng.uniform(20, 34), rng.uniform(8.5, 12.5))
        centre = place(rng, shape, semi[0], placed)
        if centre is None:
            continue
        placed.append(Blob(centre, semi[0]))
        angle = rng.uniform(0, math.pi)
        u, v = ellipse_coords(rows, cols, centre, semi, angle)
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
        centre = place(rng, shape, radius, placed)
        if centre is None:
            continue
        placed.append(Blob(centre, radius))
        u, v = ellipse_coords(rows, cols, centre, (radius, radius * rng.uniform(0.85, 1.0)), 0.0)
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
    image = image * illumination(rng, shape, 0.55, 1.35)
    image = image + 0.045 * rng.standard_normal(shape)
    return to_uint8(image), (mask * 255).astype(np.uint8)


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
