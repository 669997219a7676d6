"""What a VIA file holds, once read: its regions, images and the project around them.

The readers (:mod:`helpers.via._read` for JSON, :mod:`helpers.via._csv` for CSV) make
these records; drawing, masks and the quality report use them. They live apart from
both readers so that the JSON reader can hand a CSV file to the CSV reader while the
CSV reader needs nothing from the JSON reader: the imports go one way
(``_read`` -> ``_csv`` -> ``_records``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ViaRegion:
    """One region of one image, as VIA stores it.

    Attributes
    ----------
    index : int
        The region's position in its image's list (VIA's region id), counting ``null``
        entries, so that messages point at the region the learner sees in VIA.
    shape : str
        ``shape_attributes.name`` in lower case (``"polygon"``, ``"rect"``, ``"circle"``,
        ``"ellipse"``, ``"polyline"``, ``"point"``), or ``""`` when the region has none.
    geometry : dict
        The other ``shape_attributes`` (``all_points_x``, ``x``, ``cx``, ``theta`` ...).
    attributes : dict
        ``region_attributes`` (class names and other labels).
    """

    index: int
    shape: str
    geometry: dict = field(default_factory=dict)
    attributes: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, region: dict, index: int = 0) -> ViaRegion:
        """A region from VIA's ``{"shape_attributes": ..., "region_attributes": ...}``."""
        shape_attributes = region.get("shape_attributes") if isinstance(region, dict) else None
        if not isinstance(shape_attributes, dict):
            shape_attributes = {}
        attributes = region.get("region_attributes") if isinstance(region, dict) else None
        if not isinstance(attributes, dict):
            attributes = {}
        name = shape_attributes.get("name", "")
        geometry = {k: v for k, v in shape_attributes.items() if k != "name"}
        return cls(index, str(name or "").strip().lower(), geometry, dict(attributes))


@dataclass
class ViaImage:
    """One image record of a VIA file.

    Attributes
    ----------
    filename : str
        ``filename`` as written in the record (may hold sub-folders, ``./`` or a URL).
    key : str
        The record's key in the file (for messages only).
    size : int or None
        File size in bytes as VIA stored it; ``None`` where VIA wrote ``-1`` or nothing.
    regions : list of ViaRegion
    null_regions : tuple of int
        Positions of ``null`` entries in the region list (skipped, and reported).
    file_attributes : dict
    """

    filename: str
    key: str
    size: int | None
    regions: list[ViaRegion]
    null_regions: tuple[int, ...] = ()
    file_attributes: dict = field(default_factory=dict)


@dataclass
class ViaProject:
    """A VIA file, read: its images in file order, and what was found wrong while reading.

    Attributes
    ----------
    path : Path
    variant : str
        ``"VIA 1.x export"``, ``"VIA 2.x export"``, ``"VIA 2.x project"``, or
        ``"VIA 1.x CSV export"`` / ``"VIA 2.x CSV export"``.
    images : list of ViaImage
    attribute_definitions : dict
        The project's ``_via_attributes["region"]`` block (empty for exports).
    problems : list of str
        Records that could not be read (named by their key); they are left out of
        ``images``.
    """

    path: Path
    variant: str
    images: list[ViaImage]
    attribute_definitions: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def region_count(self) -> int:
        """Regions in the file, ``null`` entries not counted."""
        return sum(len(image.regions) for image in self.images)

    def region_attribute_keys(self) -> list[str]:
        """The region attribute names used in the file (and defined in a project), sorted."""
        keys = set(self.attribute_definitions)
        for image in self.images:
            for region in image.regions:
                keys.update(region.attributes)
        return sorted(keys)


def read_size(value: Any) -> int | None:
    """A record's file size in bytes; ``None`` for ``-1``, nothing or what is not a number."""
    try:
        size = int(float(value))
    except (TypeError, ValueError):
        return None
    return size if size >= 0 else None
