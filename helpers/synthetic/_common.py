"""Drawing tools shared by the dataset generators: plain arithmetic on coordinate grids.

Everything here is deterministic for a given seed (NumPy's ``default_rng`` and SciPy's
Gaussian filter), which is what lets ``python -m helpers synth`` write the same bytes
every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

SIZE = 256


def grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinates of every pixel, float64 arrays of ``shape``."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    return rows.astype(np.float64), cols.astype(np.float64)


def smooth_noise(rng: np.random.Generator, shape, sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise, rescaled to zero mean and unit standard deviation."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    return (field - field.mean()) / (field.std() + 1e-12)


def illumination(rng: np.random.Generator, shape, low: float, high: float) -> np.ndarray:
    """A smooth multiplicative light field from ``low`` to ``high`` (a tilted, curved plane)."""
    rows, cols = grid(shape)
    y = rows / (shape[0] - 1) - 0.5
    x = cols / (shape[1] - 1) - 0.5
    a, b, c, d = rng.uniform(-1, 1, size=4)
    field = a * x + b * y + c * x * x + d * y * y + 0.6 * x * y * rng.uniform(-1, 1)
    field = (field - field.min()) / (field.max() - field.min() + 1e-12)
    return low + (high - low) * field


def ellipse_coords(rows, cols, centre, semi_axes, angle):
    """Coordinates along (u) and across (v) an ellipse, in units of its semi-axes."""
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    dy, dx = rows - centre[0], cols - centre[1]
    u = (dx * cos_a + dy * sin_a) / semi_axes[0]
    v = (-dx * sin_a + dy * cos_a) / semi_axes[1]
    return u, v


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (clipped) to uint8 0..255, rounded."""
    return np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


@dataclass(frozen=True)
class Blob:
    """An object already placed: its centre and bounding radius (to keep others apart)."""

    centre: tuple[float, float]
    radius: float


def place(rng, shape, radius, placed: list[Blob], *, tries: int = 200, inside: bool = False):
    """A centre clear of the blobs already placed (by 3 px), or ``None`` after ``tries``.

    The centre lies at least ``radius / 2`` from the border, or ``radius + 2`` with
    ``inside=True`` (the whole object then lies in the image).
    """
    margin = radius + 2 if inside else radius * 0.5
    for _ in range(tries):
        centre = (
            rng.uniform(margin, shape[0] - margin),
            rng.uniform(margin, shape[1] - margin),
        )
        if all(math.dist(centre, b.centre) > radius + b.radius + 3 for b in placed):
            return centre
    return None
