"""Masks or model predictions back to a VIA 2.x JSON of polygons, for correcting in VIA.

Labelling from nothing is slow; correcting a model's outlines is quick. These functions
turn masks (PNG files, or arrays straight from a model) into the polygons of a VIA 2.x
export: in VIA, open the images, then 'Annotation > Import Annotations (from json)'.

Outlines are traced with :func:`skimage.measure.find_contours` between pixel centres
and simplified with :func:`skimage.measure.approximate_polygon`; drawn again with
:func:`~helpers.via.rasterize_regions` they give back the same pixels but for
the simplification (the tests check an IoU of at least 0.98 on the bundled data).
VIA has no polygons with holes: a hole is filled, and counted in the returned table.

Example
-------
>>> import numpy as np
>>> mask = np.zeros((6, 8), bool); mask[1:4, 2:6] = True
>>> [r["shape_attributes"]["name"] for r in mask_to_regions(mask)]
['polygon']
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import ndimage

from helpers.conventions import THRESHOLD, foreground
from helpers.errors import ViaError, ViaNotFoundError
from helpers.files import check_writable, write_text

from ._read import IMAGE_SUFFIXES
from ._read import image_shape as displayed_shape

_EIGHT = np.ones((3, 3), dtype=bool)


def _outlines(binary: np.ndarray, *, tolerance: float, min_pixels: int):
    """Outer outlines of the objects, ``(x, y)`` arrays; and how many holes were left out."""
    from skimage.measure import approximate_polygon, find_contours

    if min_pixels > 1:
        labels, count = ndimage.label(binary, structure=_EIGHT)
        sizes = np.bincount(labels.ravel(), minlength=count + 1)
        keep = sizes >= min_pixels
        keep[0] = False
        binary = keep[labels]
    if not binary.any():
        return [], 0
    padded = np.pad(binary, 1).astype(np.float32)
    outlines, holes = [], 0
    for contour in find_contours(padded, 0.5, fully_connected="high", positive_orientation="high"):
        contour = contour[:-1] - 1.0  # closed: the last point repeats the first
        y, x = contour[:, 0], contour[:, 1]
        twice_area = x @ np.roll(y, -1) - y @ np.roll(x, -1)
        if twice_area >= 0:  # wound the other way round: a hole (or nothing)
            holes += twice_area > 0
            continue
        if tolerance > 0:
            simple = approximate_polygon(contour, tolerance)[:-1]
            if len(simple) >= 3:
                contour = simple
        outlines.append((contour[:, 1], contour[:, 0]))
    return outlines, holes


def _labels(prediction: np.ndarray, *, threshold: float, multiclass: bool) -> np.ndarray:
    """A 2-D integer label array from a mask or a model output."""
    array = np.asarray(prediction)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 3:
        if np.issubdtype(array.dtype, np.floating):  # per-class scores: the best class
            return np.argmax(array, axis=-1)
        if (array == array[..., :1]).all():  # a grey mask saved as RGB(A)
            return array[..., 0]
        raise ViaError(
            f"A mask of shape {array.shape} has several different channels: masks have one "
            "channel (0 background, then class indices, or 0/255 for binary)."
        )
    if array.ndim != 2:
        raise ViaError(f"A mask must be 2-D (height, width), got shape {array.shape}.")
    if np.issubdtype(array.dtype, np.floating) and not multiclass:
        return foreground(array, threshold=threshold).astype(np.uint8)
    return array.astype(np.int64)


def mask_to_regions(
    mask: np.ndarray,
    *,
    classes: Mapping[str, int] | None = None,
    attribute: str = "label",
    threshold: float = THRESHOLD,
    tolerance: float = 0.4,
    min_pixels: int = 1,
    image_shape: tuple[int, int] | None = None,
) -> list[dict]:
    """VIA 2.x polygon regions outlining a mask or a prediction.

    Parameters
    ----------
    mask : ndarray, shape (H, W) or (H, W, C)
        bool or {0, 255} binary; integer class indices; float probabilities
        (``>= threshold`` is foreground, the course's one rule:
        :func:`helpers.conventions.foreground`); or float scores per class, shape
        (H, W, C), whose largest wins.
    classes : mapping of str to int, optional
        Class name to mask value, as in ``classes.json``. Each region then gets
        ``region_attributes[attribute] = name``. With one class (besides background)
        any non-zero pixel is that class; without ``classes`` the mask is binary and the
        regions carry no attributes.
    attribute : str
        Region attribute that receives the class name.
    threshold : float
        Cut-off for float probabilities.
    tolerance : float
        Largest distance, in pixels, between the outline and its simplified polygon
        (0 keeps every contour point).
    min_pixels : int
        Objects smaller than this many pixels are left out (specks in predictions).
    image_shape : (int, int), optional
        Shape of the image the mask belongs to, when the mask is smaller or larger
        (a prediction at the model's size): the polygons are scaled to the image.

    Returns
    -------
    list of dict
        ``{"shape_attributes": {"name": "polygon", "all_points_x": [...], ...},
        "region_attributes": {...}}``, coordinates in image pixels (pixel centres).
    """
    return _regions(
        mask,
        classes=classes,
        attribute=attribute,
        threshold=threshold,
        tolerance=tolerance,
        min_pixels=min_pixels,
        image_shape=image_shape,
    )[0]


def _regions(mask, *, classes, attribute, threshold, tolerance, min_pixels, image_shape):
    names = {v: k for k, v in (classes or {}).items() if v != 0}
    multiclass = len(names) > 1
    labels = _labels(mask, threshold=threshold, multiclass=multiclass)
    height, width = labels.shape
    sy, sx = (
        (1.0, 1.0) if image_shape is None else (image_shape[0] / height, image_shape[1] / width)
    )
    if multiclass:
        unknown = sorted(set(np.unique(labels).tolist()) - set(names) - {0})
        if unknown:
            raise ViaError(
                f"The mask holds values {unknown[:5]} that are not in the classes given "
                f"({sorted(names)}): pass the classes.json made with these masks."
            )
        layers = [(value, names[value]) for value in sorted(names)]
    else:
        labels = labels != 0
        layers = [(True, next(iter(names.values())) if names else None)]
    regions, holes = [], 0
    for value, name in layers:
        outlines, found_holes = _outlines(
            labels == value, tolerance=tolerance, min_pixels=min_pixels
        )
        holes += found_holes
        for x, y in outlines:
            x, y = (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5
            regions.append(
                {
                    "shape_attributes": {
                        "name": "polygon",
                        "all_points_x": [round(float(v), 2) for v in x],
                        "all_points_y": [round(float(v), 2) for v in y],
                    },
                    "region_attributes": {attribute: name} if name is not None else {},
                }
            )
    return regions, holes


def _read_mask(path: Path) -> np.ndarray:
    """The mask's labels by the course's one rule (:func:`helpers.io.read_mask`): 0/255
    and 0/1 are binary, small integers are classes, anything else is refused with a
    :class:`~helpers.errors.DataError` that names the file and says what to do."""
    from helpers.io import read_mask

    return read_mask(path)


def _images_by_stem(images_dir: Path) -> dict[str, Path]:
    if not images_dir.is_dir():
        raise ViaNotFoundError(
            f"The images folder {images_dir} does not exist: pass the folder of the images "
            "the masks belong to."
        )
    found: dict[str, Path] = {}
    for path in sorted(images_dir.iterdir()):
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
            if path.stem in found:
                raise ViaError(
                    f"{found[path.stem].name} and {path.name} in {images_dir} share the stem "
                    f"{path.stem!r}, so a mask cannot tell which it belongs to: rename one."
                )
            found[path.stem] = path
    return found


def masks_to_via(
    masks: str | os.PathLike | Mapping[str, np.ndarray],
    images_dir: str | os.PathLike,
    out_path: str | os.PathLike,
    *,
    classes: Mapping[str, int] | None = None,
    attribute: str = "label",
    threshold: float = THRESHOLD,
    tolerance: float = 0.4,
    min_pixels: int = 1,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Write masks, or a model's predictions, as a VIA 2.x JSON export of polygons.

    Parameters
    ----------
    masks : path or mapping of str to ndarray
        A folder of mask PNGs named ``<image stem>.png``, or ``{image name or stem:
        array}`` (for predictions; see :func:`mask_to_regions` for what an array may be).
        A mask of another size than its image (a prediction at the model's input
        size) is scaled to the image.
    images_dir : path
        Folder of the images, matched to the masks by stem. VIA's ``filename`` and
        ``size`` come from these files.
    out_path : path
        The ``.json`` file to write (atomically).
    classes, attribute, threshold, tolerance, min_pixels
        As in :func:`mask_to_regions`.
    overwrite : bool
        Replace ``out_path`` if it exists.

    Returns
    -------
    DataFrame
        One row per image: ``filename``, ``regions``, ``holes_filled``.

    Raises
    ------
    ViaNotFoundError
        A mask has no image of the same stem, or the folders do not exist.
    FileExistsRefusedError
        ``out_path`` exists and ``overwrite`` is false.
    """
    images_dir, out_path = Path(images_dir), Path(out_path)
    check_writable(out_path, overwrite=overwrite)
    images = _images_by_stem(images_dir)
    if isinstance(masks, Mapping):
        items = [(Path(str(key)).stem, value) for key, value in masks.items()]
    else:
        folder = Path(masks)
        if not folder.is_dir():
            raise ViaNotFoundError(
                f"The masks folder {folder} does not exist: check the path (--masks DIR)."
            )
        items = [(p.stem, p) for p in sorted(folder.glob("*.png"))]
        if not items:
            raise ViaNotFoundError(
                f"There is no mask PNG in {folder}: pass the folder of the <image stem>.png "
                "masks (via2masks or predict writes them)."
            )
    orphans = [stem for stem, _ in items if stem not in images]
    if orphans:
        raise ViaNotFoundError(
            f"{len(orphans)} mask(s) have no image of the same name in {images_dir} "
            f"(first: {orphans[0]!r}). Masks are paired with images by file stem: check "
            "the folders."
        )
    document, rows = {}, []
    for stem, source in items:
        mask = _read_mask(source) if isinstance(source, Path) else source
        image = images[stem]
        regions, holes = _regions(
            mask,
            classes=classes,
            attribute=attribute,
            threshold=threshold,
            tolerance=tolerance,
            min_pixels=min_pixels,
            image_shape=displayed_shape(image),
        )
        size = image.stat().st_size
        document[f"{image.name}{size}"] = {
            "filename": image.name,
            "size": size,
            "regions": regions,
            "file_attributes": {},
        }
        rows.append({"filename": image.name, "regions": len(regions), "holes_filled": holes})
    text = json.dumps(document, ensure_ascii=False) + "\n"
    write_text(out_path, text, overwrite=overwrite)
    return pd.DataFrame(rows, columns=["filename", "regions", "holes_filled"])
