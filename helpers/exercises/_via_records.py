"""Small VIA 2.x records for the exercises of chapters 10 and 11 (their hidden test cases)."""

from __future__ import annotations


def polygon(xs, ys) -> dict:
    """One VIA polygon region labelled ``lesion``, as VIA's JSON export writes it."""
    return {
        "shape_attributes": {"name": "polygon", "all_points_x": list(xs), "all_points_y": list(ys)},
        "region_attributes": {"label": "lesion"},
    }


def entry(filename: str, size: int, regions: list) -> tuple[str, dict]:
    """One image's ``(key, record)`` in a VIA 2.x export (the key: file name, then size)."""
    return f"{filename}{size}", {
        "filename": filename,
        "size": size,
        "regions": regions,
        "file_attributes": {},
    }
