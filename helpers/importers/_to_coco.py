"""Masks back to a COCO instances JSON of polygons, which most labelling tools import.

The outlines are those of :func:`helpers.via.mask_to_regions` (traced between pixel
centres and simplified by at most ``tolerance`` pixels, the same as ``masks2via``), each
outer outline one annotation; their coordinates move by +0.5 into COCO's, whose ``0`` is
the image's left edge. COCO polygons have no holes: a hole is filled, and counted in the
returned table (as ``masks2via`` does).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import via
from helpers.errors import AnnotationError, AnnotationNotFoundError
from helpers.files import check_writable, write_text

from ._convert import CLASSES_FILE, IGNORE_KEY

__all__ = ["masks_to_coco"]

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp")
_BINARY = {"background": 0, "foreground": 1}


def _read_classes(masks_dir: Path) -> tuple[dict[str, int], int | None]:
    """Class names to values from ``classes.json``, and the ignore value if declared."""
    path = masks_dir / CLASSES_FILE
    if not path.is_file():
        return dict(_BINARY), None
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AnnotationError(f"{path} cannot be read as a classes JSON file ({error}).") from None
    if not isinstance(table, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in table.values()
    ):
        raise AnnotationError(
            f"{path} should map class names to mask values, like "
            '{"background": 0, "lesion": 1} (the classes.json the importers write).'
        )
    ignore = table.pop(IGNORE_KEY, None)
    return table, ignore


def _read_labels(path: Path) -> np.ndarray:
    """A mask PNG's values as they are (palette indices for palette PNGs)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            array = np.asarray(image)
    except OSError as error:
        raise AnnotationError(
            f"{path} cannot be read as an image ({error}): remove it or write it again."
        ) from None
    if array.ndim == 3:
        if not (array[..., :3] == array[..., :1]).all():
            raise AnnotationError(
                f"{path} is a colour mask: masks hold one class index per pixel (a grey PNG)."
            )
        array = array[..., 0]
    return array.astype(np.int64)


def _labels(path: Path, classes: dict[str, int], ignore: int | None, declared: bool):
    labels = _read_labels(path)
    if ignore is not None:
        labels[labels == ignore] = 0
    values = set(np.unique(labels).tolist()) - {0}
    if not declared and values == {255}:  # 0/255: binary, by the course's rule
        return (labels != 0).astype(np.int64)
    unknown = sorted(values - set(classes.values()))
    if unknown:
        fix = (
            "pass the classes.json written with these masks"
            if declared
            else f"add a {CLASSES_FILE} that names the classes (masks of 0/1 or 0/255 need none)"
        )
        raise AnnotationError(
            f"{path} holds the values {unknown[:5]}, which no class in {path.parent} has: {fix}."
        )
    return labels


def _images_by_stem(images_dir: Path) -> dict[str, Path]:
    if not images_dir.is_dir():
        raise AnnotationNotFoundError(
            f"The images folder {images_dir} does not exist: pass the folder of the images "
            "the masks belong to (--images DIR)."
        )
    found: dict[str, Path] = {}
    for path in sorted(images_dir.iterdir()):
        if path.is_file() and path.suffix.lower() in _IMAGE_SUFFIXES:
            if path.stem in found:
                raise AnnotationError(
                    f"{found[path.stem].name} and {path.name} in {images_dir} share the stem "
                    f"{path.stem!r}, so a mask cannot tell which it belongs to: rename one."
                )
            found[path.stem] = path
    return found


def _annotation(region: dict, ident: int, image_id: int, category: int) -> dict:
    x = np.asarray(region["shape_attributes"]["all_points_x"]) + 0.5
    y = np.asarray(region["shape_attributes"]["all_points_y"]) + 0.5
    area = 0.5 * abs(float(x @ np.roll(y, -1) - y @ np.roll(x, -1)))
    xmin, ymin = float(x.min()), float(y.min())
    return {
        "id": ident,
        "image_id": image_id,
        "category_id": category,
        "segmentation": [[round(float(v), 2) for pair in zip(x, y, strict=True) for v in pair]],
        "area": round(area, 2),
        "bbox": [
            round(xmin, 2),
            round(ymin, 2),
            round(float(x.max()) - xmin, 2),
            round(float(y.max()) - ymin, 2),
        ],
        "iscrowd": 0,
    }


def masks_to_coco(
    masks_dir: str | os.PathLike,
    images_dir: str | os.PathLike,
    out_file: str | os.PathLike,
    *,
    tolerance: float = 0.4,
    min_pixels: int = 1,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Write the masks of a folder as a COCO instances JSON of polygons.

    Parameters
    ----------
    masks_dir : path
        Folder of ``<image stem>.png`` masks holding class indices, with the
        ``classes.json`` that names them (as the importers and ``via2masks`` write
        them); pixels of its ``"ignore"`` value are left out. Without ``classes.json``
        the masks must be binary (0/1 or 0/255): one category, ``foreground``.
    images_dir : path
        Folder of the images, matched to the masks by stem; COCO's ``file_name``,
        ``height`` and ``width`` come from these files (EXIF orientation applied).
    out_file : path
        The ``.json`` file to write (atomically).
    tolerance : float
        Largest distance, in pixels, between an outline and its polygon.
    min_pixels : int
        Objects smaller than this many pixels are left out.
    overwrite : bool
        Replace ``out_file`` if it exists.

    Returns
    -------
    DataFrame
        One row per mask: ``filename`` (the image), ``annotations``, ``holes_filled``.

    Raises
    ------
    AnnotationNotFoundError
        A folder is missing, it holds no mask, or a mask has no image of its stem.
    AnnotationError
        A mask holds values that no class names, is a colour image or unreadable, or
        ``classes.json`` is not names to values.
    FileExistsRefusedError
        ``out_file`` exists and ``overwrite`` is false.
    """
    masks_dir, out_file = Path(masks_dir), Path(out_file)
    check_writable(out_file, overwrite=overwrite)
    if not masks_dir.is_dir():
        raise AnnotationNotFoundError(
            f"The masks folder {masks_dir} does not exist: check the path (--masks DIR)."
        )
    masks = sorted(masks_dir.glob("*.png"))
    if not masks:
        raise AnnotationNotFoundError(
            f"There is no mask PNG in {masks_dir}: pass the folder of the <image stem>.png masks."
        )
    images = _images_by_stem(Path(images_dir))
    orphans = [m.name for m in masks if m.stem not in images]
    if orphans:
        raise AnnotationNotFoundError(
            f"{len(orphans)} mask(s) have no image of the same name in {images_dir} (first: "
            f"{orphans[0]!r}). Masks are paired with images by file stem: check the folders."
        )
    classes, ignore = _read_classes(masks_dir)
    declared = (masks_dir / CLASSES_FILE).is_file()
    names = {value: name for name, value in classes.items() if value != 0}
    document = {
        "info": {"description": f"masks of {masks_dir.name}, written by helpers masks2coco"},
        "licenses": [],
        "images": [],
        "annotations": [],
        "categories": [
            {"id": value, "name": name, "supercategory": ""}
            for value, name in sorted(names.items())
        ],
    }
    rows = []
    for image_id, mask in enumerate(masks, start=1):
        image = images[mask.stem]
        labels = _labels(mask, classes, ignore, declared)
        height, width = via.image_shape(image)
        document["images"].append(
            {"id": image_id, "file_name": image.name, "height": height, "width": width}
        )
        count, holes = 0, 0
        for value in sorted(names):
            layer = labels == value
            if not layer.any():
                continue
            regions = via.mask_to_regions(
                layer, tolerance=tolerance, min_pixels=min_pixels, image_shape=(height, width)
            )
            holes += _holes(layer, min_pixels)
            for region in regions:
                ident = len(document["annotations"]) + 1
                document["annotations"].append(_annotation(region, ident, image_id, value))
                count += 1
        rows.append({"filename": image.name, "annotations": count, "holes_filled": holes})
    write_text(out_file, json.dumps(document, ensure_ascii=False) + "\n", overwrite=overwrite)
    return pd.DataFrame(rows, columns=["filename", "annotations", "holes_filled"])


def _holes(layer: np.ndarray, min_pixels: int) -> int:
    """Holes inside the objects of a binary layer (8-connected objects, 4-connected holes)."""
    from scipy import ndimage

    filled = ndimage.binary_fill_holes(layer)
    _, count = ndimage.label(filled & ~layer)
    return int(count)
