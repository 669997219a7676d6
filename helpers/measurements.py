"""Measurements of the objects in a folder of masks: one table, one row per object.

:func:`measure_folder` labels the objects of every mask in a folder
(:func:`helpers.objects.label_objects`) and measures each one
(:func:`helpers.objects.measure`); ``python -m helpers objects`` writes its table as CSV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers.errors import DataError

__all__ = ["measure_folder"]


def measure_folder(
    masks,
    images=None,
    *,
    pixel_size: float | None = None,
    split_touching: bool = False,
    min_size: int = 1,
    progress: bool = False,
):
    """One row per object of every mask in a folder (what ``objects`` writes).

    Parameters
    ----------
    masks : str or path
        Folder of mask files (0/255, 0/1 or class indices; see :func:`helpers.io.read_mask`).
    images : str or path, optional
        Folder of the images, paired by file stem, for each object's mean intensity.
    pixel_size, split_touching, min_size
        As for :func:`helpers.objects.measure` and :func:`helpers.objects.label_objects`.

    Returns
    -------
    pandas.DataFrame
        Columns ``image``, ``class``, then :func:`helpers.objects.measure`'s.

    Raises
    ------
    DataError
        A missing folder, an empty one, unpaired or unreadable files, or an image whose
        size differs from its mask's.
    """
    import pandas as pd

    from helpers import io
    from helpers.objects import label_objects, measure

    if not Path(masks).is_dir():
        raise DataError(
            f"The mask folder {masks} does not exist (or is not a folder). Check the path."
        )
    if images is not None:
        pairs = io.pair_images_and_masks(images, masks)
    else:
        pairs = [(None, path) for path in io.list_images(masks)]
    if not pairs:
        raise DataError(f"No masks ({', '.join(io.IMAGE_EXTENSIONS)}) in {masks}.")
    if progress:
        from tqdm.auto import tqdm

        pairs = tqdm(pairs, unit="mask", desc="measuring")
    tables = []
    for image_path, mask_path in pairs:
        mask = io.read_mask(mask_path)
        image = None if image_path is None else io.read_image(image_path)
        if image is not None and image.shape[:2] != mask.shape:
            raise DataError(
                f"{image_path} is {image.shape[1]} x {image.shape[0]} pixels but its mask "
                f"{mask_path} is {mask.shape[1]} x {mask.shape[0]}: give masks at the images' size."
            )
        for value in [int(v) for v in np.unique(mask) if v > 0] or [1]:
            labels = label_objects(mask == value, split_touching=split_touching, min_size=min_size)
            table = measure(labels, image, pixel_size=pixel_size)
            table.insert(0, "class", value)
            table.insert(0, "image", mask_path.stem)
            tables.append(table)
    result = pd.concat(tables, ignore_index=True)
    result.attrs["units"] = "microns" if pixel_size else "pixels"
    return result
