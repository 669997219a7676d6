"""A small multi-class dataset for the tests: four shapes, own seed, made in a fixture.

Not the bundled ``data/cells`` (``helpers.synthetic``): other shapes, another seed,
small images, so that a test that passes here says something about the code and not
about one dataset. Written in the layouts the course reads:

- ``root/images/shapes_NNN.png``: grey uint8 images, bright shapes on a dark ground;
- ``root/masks/shapes_NNN.png``: class-index masks (uint8, 0 background) and
  ``root/masks/classes.json`` (``{"background": 0, "bar": 1, ...}``), as
  ``python -m helpers via2masks --attribute kind`` writes them;
- ``root/via_annotations.json``: the same shapes as a VIA 2.x export of polygons whose
  ``region_attributes["kind"]`` names the class.

The four classes are equally bright (one level distribution, one noise) and differ only
in shape: ``bar`` (long and thin), ``cross`` (a plus sign), ``square`` and ``triangle``,
each turned by a random angle. The masks are drawn with :func:`skimage.draw.polygon`,
independently of :mod:`helpers.via`; ``via.masks_from_via`` on the JSON gives the same
pixels (``tests/test_synthetic.py`` checks it).

Example (in a test)::

    data = write_multiclass(tmp_path)
    images, masks = data.load()                     # (24, 64, 64) uint8 each
    floor = baseline_iou(data)                      # per-class multi-Otsu IoU, shape (5,)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.draw import polygon as draw_polygon

from helpers.synthetic import multiotsu_baseline

__all__ = [
    "ATTRIBUTE",
    "CLASSES",
    "COUNT",
    "SEED",
    "SIZE",
    "MulticlassData",
    "baseline_iou",
    "shapes_image",
    "write_multiclass",
]

SEED = 8128
SIZE = 64
COUNT = 24
ATTRIBUTE = "kind"
#: Class names to mask values, numbered as ``helpers.via`` numbers them (sorted, 0 background).
CLASSES = {"background": 0, "bar": 1, "cross": 2, "square": 3, "triangle": 4}


def _bar(rng) -> np.ndarray:
    half_length, half_width = rng.uniform(10.0, 13.0), rng.uniform(1.6, 2.2)
    return np.array(
        [
            [-half_length, -half_width],
            [half_length, -half_width],
            [half_length, half_width],
            [-half_length, half_width],
        ]
    )


def _cross(rng) -> np.ndarray:
    a, w = rng.uniform(7.0, 9.0), rng.uniform(2.0, 2.6)  # arm reach, half width
    arm = [(a, -w), (a, w), (w, w)]  # one arm's end and inner corner, turned four times
    points = []
    for k in range(4):
        c, s = round(math.cos(k * math.pi / 2)), round(math.sin(k * math.pi / 2))
        points += [(x * c - y * s, x * s + y * c) for x, y in arm]
    return np.array(points)


def _square(rng) -> np.ndarray:
    h = rng.uniform(5.0, 7.0)
    return np.array([[-h, -h], [h, -h], [h, h], [-h, h]])


def _triangle(rng) -> np.ndarray:
    r = rng.uniform(8.0, 10.0)  # centre to corner
    angles = np.arange(3) * (2 * math.pi / 3)
    return np.column_stack([r * np.cos(angles), r * np.sin(angles)])


_SHAPES = {"bar": _bar, "cross": _cross, "square": _square, "triangle": _triangle}


def shapes_image(
    index: int, *, size: int = SIZE, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """One image of shapes, its class mask and its VIA regions.

    Returns
    -------
    image : ndarray of uint8, shape (size, size)
    mask : ndarray of uint8, shape (size, size)
        Values of :data:`CLASSES`.
    regions : list of dict
        VIA 2.x polygon regions with integer points and ``{ATTRIBUTE: name}``.
    """
    rng = np.random.default_rng([seed, index, size])
    scale = size / SIZE
    image = np.full((size, size), 0.12)
    mask = np.zeros((size, size), dtype=np.uint8)
    regions: list[dict] = []
    names = [name for name in CLASSES if name != "background"]
    extra = rng.choice(names, size=int(rng.integers(0, 3)), replace=False)
    wanted = names + [str(name) for name in extra]  # every class once, some twice
    for name in wanted:
        local = _SHAPES[name](rng) * scale
        angle = rng.uniform(0, math.pi)
        c, s = math.cos(angle), math.sin(angle)
        local = local @ np.array([[c, s], [-s, c]])
        bound = float(np.hypot(*local.T).max())
        taken = ndimage.binary_dilation(mask > 0, iterations=2)  # 2 px between shapes
        for _ in range(200):
            y, x = rng.uniform(bound + 1, size - bound - 1, size=2)
            xy = np.rint(local + (x, y)).astype(int)
            rr, cc = draw_polygon(xy[:, 1], xy[:, 0], (size, size))
            if not taken[rr, cc].any():
                break
        else:
            continue
        mask[rr, cc] = CLASSES[name]
        image[rr, cc] = rng.uniform(0.55, 0.85)  # the same levels for every class
        regions.append(
            {
                "shape_attributes": {
                    "name": "polygon",
                    "all_points_x": [int(v) for v in xy[:, 0]],
                    "all_points_y": [int(v) for v in xy[:, 1]],
                },
                "region_attributes": {ATTRIBUTE: name},
            }
        )
    image = ndimage.gaussian_filter(image, 0.5) + 0.03 * rng.standard_normal((size, size))
    return np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8), mask, regions


@dataclass(frozen=True)
class MulticlassData:
    """Where :func:`write_multiclass` put the dataset."""

    root: Path
    images: Path  #: folder of ``shapes_NNN.png`` images
    masks: Path  #: folder of class-index masks and ``classes.json``
    via: Path  #: the VIA 2.x JSON
    classes: dict[str, int]
    attribute: str = ATTRIBUTE

    @property
    def num_classes(self) -> int:
        """Classes with the background: 5."""
        return len(self.classes)

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """Images and masks, each (N, H, W) uint8, in file-name order."""
        names = sorted(p.name for p in self.images.glob("*.png"))
        images = np.stack([np.asarray(Image.open(self.images / n)) for n in names])
        masks = np.stack([np.asarray(Image.open(self.masks / n)) for n in names])
        return images, masks


def write_multiclass(
    root: str | Path, *, count: int = COUNT, size: int = SIZE, seed: int = SEED
) -> MulticlassData:
    """Write ``count`` images, their masks, ``classes.json`` and the VIA JSON under ``root``."""
    root = Path(root)
    data = MulticlassData(
        root=root,
        images=root / "images",
        masks=root / "masks",
        via=root / "via_annotations.json",
        classes=dict(CLASSES),
    )
    data.images.mkdir(parents=True, exist_ok=True)
    data.masks.mkdir(parents=True, exist_ok=True)
    project = {}
    for i in range(count):
        image, mask, regions = shapes_image(i, size=size, seed=seed)
        name = f"shapes_{i:03d}.png"
        Image.fromarray(image).save(data.images / name)
        Image.fromarray(mask).save(data.masks / name)
        file_size = (data.images / name).stat().st_size
        project[f"{name}{file_size}"] = {
            "filename": name,
            "size": file_size,
            "regions": regions,
            "file_attributes": {},
        }
    (data.masks / "classes.json").write_text(json.dumps(CLASSES, indent=1) + "\n")
    data.via.write_text(json.dumps(project, indent=1) + "\n")
    return data


def baseline_iou(data: MulticlassData) -> np.ndarray:
    """Per-class pooled IoU of the multi-Otsu baseline on the written set, shape (5,).

    :func:`helpers.synthetic.multiotsu_baseline`: 5 intensity bands per image, each
    class scored with the best union of bands (column 0 is the background).
    """
    images, masks = data.load()
    return multiotsu_baseline(images, masks, num_classes=data.num_classes)
