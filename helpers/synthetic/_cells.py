"""``cells``: grey, fluorescence-like images with four classes of bright objects.

Every object is drawn as a VIA region (an ellipse or a polygon) whose
``region_attributes["class"]`` names its class, and the image is painted from those
very regions (rasterised by :func:`helpers.via.rasterize_regions`), so the VIA file
and the pixels agree exactly.

The four classes are equally bright: each object's level comes from one distribution
and its texture has the same spread whatever the class. What tells them apart is shape,
and a little the grain of the texture:

``nucleus``   filled ellipses, mottled (coarse texture)
``rod``       straight capsules, fine grain
``star``      five-pointed stars, medium grain
``crescent``  curved crescents, larger than the others so that their shape survives
              a 128 px resize; the rare class (in two images of three, under a tenth
              of the foreground pixels)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import ndimage

from helpers.files import png_bytes, write_bytes, write_text
from helpers.via import rasterize_regions

from ._common import SIZE, Blob, illumination, place, smooth_noise, to_uint8

CELLS_COUNT = 56
CELLS_SEED = 3015
#: Region attribute of the VIA file that holds each region's class name.
CELLS_ATTRIBUTE = "class"
#: Class names to mask values, as ``helpers.via`` numbers them (sorted names, 0 background).
CELLS_CLASSES = {"background": 0, "crescent": 1, "nucleus": 2, "rod": 3, "star": 4}

# Texture grain (Gaussian sigma of the noise, in pixels at 256 px) of each class.
_GRAIN = {"nucleus": 2.5, "rod": 0.7, "star": 1.4, "crescent": 1.0}
# How many objects of each class an image holds: (low, high), high exclusive.
_COUNTS = {"crescent": (0, 3), "nucleus": (3, 6), "rod": (3, 7), "star": (4, 7)}


def _region(name: str, shape_attributes: dict) -> dict:
    return {"shape_attributes": shape_attributes, "region_attributes": {CELLS_ATTRIBUTE: name}}


def _polygon(points: np.ndarray) -> dict:
    """VIA polygon attributes from float (x, y) points, shape (n, 2), rounded to pixels."""
    xy = np.rint(points).astype(int)
    return {
        "name": "polygon",
        "all_points_x": [int(x) for x in xy[:, 0]],
        "all_points_y": [int(y) for y in xy[:, 1]],
    }


def _nucleus(rng, scale: float) -> tuple[float, Callable[[float, float], dict]]:
    rx = rng.uniform(10.0, 15.0) * scale
    ry = rx * rng.uniform(0.72, 0.95)
    theta = round(float(rng.uniform(0.0, math.pi)), 3)

    def draw(cy: float, cx: float) -> dict:
        return {
            "name": "ellipse",
            "cx": int(round(cx)),
            "cy": int(round(cy)),
            "rx": round(float(rx), 1),
            "ry": round(float(ry), 1),
            "theta": theta,
        }

    return rx, draw


def _rod(rng, scale: float) -> tuple[float, Callable[[float, float], dict]]:
    half_length = rng.uniform(12.0, 20.0) * scale  # between the centres of the two caps
    radius = rng.uniform(4.0, 5.5) * scale
    angle = rng.uniform(0.0, math.pi)
    caps = np.linspace(-math.pi / 2, math.pi / 2, 5)
    local = np.concatenate(
        [
            np.column_stack([half_length + radius * np.cos(caps), radius * np.sin(caps)]),
            np.column_stack([-half_length - radius * np.cos(caps), -radius * np.sin(caps)]),
        ]
    )

    def draw(cy: float, cx: float) -> dict:
        return _polygon(_turn(local, angle) + (cx, cy))

    return half_length + radius, draw


def _star(rng, scale: float) -> tuple[float, Callable[[float, float], dict]]:
    outer = rng.uniform(13.0, 17.0) * scale
    inner = outer * rng.uniform(0.42, 0.5)
    angles = rng.uniform(0.0, 2 * math.pi) + np.arange(10) * (math.pi / 5)
    radii = np.where(np.arange(10) % 2 == 0, outer, inner)
    local = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])

    def draw(cy: float, cx: float) -> dict:
        return _polygon(local + (cx, cy))

    return outer, draw


def _crescent(rng, scale: float) -> tuple[float, Callable[[float, float], dict]]:
    radius = rng.uniform(18.0, 22.0) * scale
    span = rng.uniform(1.6, 1.9)  # half the arc, in radians (about 90 to 110 degrees)
    width = radius * rng.uniform(0.55, 0.65)  # thickness at the middle, a fifth at the horns
    angle = rng.uniform(0.0, 2 * math.pi)
    t = np.linspace(-1.0, 1.0, 11)
    outer = radius * np.column_stack([np.cos(span * t), np.sin(span * t)])
    inner_r = radius - width * (1.0 - 0.8 * t**2)
    inner = np.column_stack([inner_r * np.cos(span * t), inner_r * np.sin(span * t)])
    local = np.concatenate([outer, inner[::-1]])
    local = local - (local.min(axis=0) + local.max(axis=0)) / 2  # centred on its box

    def draw(cy: float, cx: float) -> dict:
        return _polygon(_turn(local, angle) + (cx, cy))

    return float(np.hypot(*local.T).max()), draw


def _turn(points: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return points @ np.array([[c, s], [-s, c]])


_SHAPES = {"crescent": _crescent, "nucleus": _nucleus, "rod": _rod, "star": _star}


def cells_image(
    index: int, *, shape: tuple[int, int] = (SIZE, SIZE), seed: int = CELLS_SEED
) -> tuple[np.ndarray, list[dict]]:
    """One fluorescence-like grey image and its objects as VIA regions.

    Parameters
    ----------
    index : int
        Which image: the same index always gives the same image and regions.
    shape : (int, int)
        Height and width in pixels (objects scale with the height).
    seed : int
        Base seed of the dataset.

    Returns
    -------
    image : ndarray of uint8, shape (H, W)
        Bright objects on a dark, unevenly lit background.
    regions : list of dict
        VIA 2.x regions (``shape_attributes`` an ``ellipse`` or a ``polygon`` with
        integer points, ``region_attributes`` ``{"class": name}``), wholly inside the
        image and apart from each other; :func:`cells_mask` draws them.
    """
    rng = np.random.default_rng([seed, index, shape[0], shape[1]])
    scale = shape[0] / SIZE
    area_scale = shape[0] * shape[1] / (SIZE * SIZE)
    placed: list[Blob] = []
    regions: list[dict] = []
    for name in ("crescent", "nucleus", "rod", "star"):  # the rare class first: it gets a place
        low, high = _COUNTS[name]
        for _ in range(int(round(rng.integers(low, high) * area_scale))):
            bound, draw = _SHAPES[name](rng, scale)
            centre = place(rng, shape, bound, placed, inside=True)
            if centre is None:
                continue
            placed.append(Blob(centre, bound))
            regions.append(_region(name, draw(*centre)))

    # background: dark, with a faint blotchy glow
    image = 0.13 + 0.02 * smooth_noise(rng, shape, 6.0)
    textures = {name: smooth_noise(rng, shape, grain * scale) for name, grain in _GRAIN.items()}
    for region in regions:
        name = region["region_attributes"][CELLS_ATTRIBUTE]
        inside = rasterize_regions([region], shape)
        level = rng.uniform(0.5, 0.85)  # the same for every class
        image = np.where(inside, level + 0.07 * textures[name], image)
    image = ndimage.gaussian_filter(image, 0.7 * scale)
    image = image * illumination(rng, shape, 0.8, 1.2)
    image = image + 0.006 * rng.standard_normal(shape)
    return to_uint8(image), regions


def cells_mask(shape: tuple[int, int], regions: list[dict]) -> np.ndarray:
    """The class-index mask of the regions, ``(H, W)`` uint8 (values of :data:`CELLS_CLASSES`)."""
    return rasterize_regions(regions, shape, attribute=CELLS_ATTRIBUTE, classes=CELLS_CLASSES)


def write_cells(out: Path, *, count: int = CELLS_COUNT, overwrite: bool = False) -> list[Path]:
    """Write ``out/images/cells_NNN.png`` and ``out/via_annotations.json`` (VIA 2.x export).

    Returns the files written.

    Raises
    ------
    FileExistsRefusedError
        A file to write exists and ``overwrite`` is false.
    """
    written, project = [], {}
    for i in range(count):
        image, regions = cells_image(i)
        name = f"cells_{i:03d}.png"
        data = png_bytes(image)
        written.append(write_bytes(out / "images" / name, data, overwrite=overwrite))
        project[f"{name}{len(data)}"] = {
            "filename": name,
            "size": len(data),
            "regions": regions,
            "file_attributes": {},
        }
    written.append(
        write_text(out / "via_annotations.json", _via_text(project), overwrite=overwrite)
    )
    return written


def _via_text(project: dict) -> str:
    """The VIA JSON with one region per line: readable, and under half ``indent=1``'s size."""

    def compact(value) -> str:
        return json.dumps(value, separators=(",", ":"))

    entries = []
    for key, entry in project.items():
        regions = ",\n".join(f"   {compact(region)}" for region in entry["regions"])
        entries.append(
            f" {compact(key)}: {{\n"
            f'  "filename": {compact(entry["filename"])},\n'
            f'  "size": {entry["size"]},\n'
            f'  "regions": [{chr(10) + regions + chr(10) + "  " if regions else ""}],\n'
            f'  "file_attributes": {{}}\n'
            " }"
        )
    return "{\n" + ",\n".join(entries) + "\n}\n"
