"""helpers.measurements: one row per object of every mask in a folder.

Reference: ``scipy.ndimage.label`` (the object count per mask and class) and
``scipy.ndimage.sum`` (each object's area). The command ``python -m helpers objects``
is tested in ``tests/test_cli_objects.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from helpers.errors import DataError
from helpers.files import write_png
from helpers.measurements import measure_folder


@pytest.fixture
def masks(tmp_path):
    rng = np.random.default_rng(3)
    folder = tmp_path / "masks"
    drawn = {}
    for name in ("a", "b", "c"):
        mask = np.zeros((40, 50), np.uint8)
        for _ in range(rng.integers(1, 5)):
            r, c = rng.integers(0, 34, 2)
            mask[r : r + 5, c : c + 6] = 255
        drawn[name] = mask
        write_png(folder / f"{name}.png", mask)
    return folder, drawn


def test_one_row_per_object_with_its_area(masks):
    folder, drawn = masks
    table = measure_folder(folder)
    for name, mask in drawn.items():
        labels, count = ndimage.label(mask > 0)
        rows = table[table["image"] == name]
        assert len(rows) == count and set(rows["class"]) == {1}
        areas = ndimage.sum(mask > 0, labels, range(1, count + 1))
        assert sorted(rows["area_px"]) == sorted(areas)
    assert table.attrs["units"] == "pixels"


def test_a_missing_or_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        measure_folder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="No masks"):
        measure_folder(tmp_path / "empty")
