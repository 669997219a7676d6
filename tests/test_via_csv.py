"""helpers.via_csv: VIA's CSV export gives exactly what the JSON export of the same
annotations gives (project, masks, quality report), and a changed CSV stops with the line.

The CSV files here are written from JSON the way VIA 2 writes them (its
``pack_via_metadata('csv')``: a row per region, ``map_to_json`` cells quoted with doubled
quotes, ``0,0,"{}","{}"`` for an image without regions), so the comparison is the one a
learner makes when they pick the other export button.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import cli, config, via
from helpers.errors import ViaEmptyError, ViaFormatError
from helpers.via._csv import read_via_csv

ROOT = Path(__file__).resolve().parent.parent
MRI_VIA = config.data_dir("mri", "via_annotations.json")
MRI_IMAGES = config.data_dir("mri", "images")
HEADER = (
    "filename,file_size,file_attributes,region_count,region_id,"
    "region_shape_attributes,region_attributes"
)


def _map_to_json(mapping: dict) -> str:
    """VIA's ``map_to_json``: JSON.stringify of each key and value, no spaces."""
    return (
        "{"
        + ",".join(
            json.dumps(key, ensure_ascii=False)
            + ":"
            + json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            for key, value in mapping.items()
        )
        + "}"
    )


def _quoted(text: str) -> str:
    """VIA's ``escape_for_csv``."""
    return '"' + text.replace('"', '""') + '"'


def via_csv_text(metadata: dict, *, header: str = HEADER, separator: str = ",") -> str:
    """The CSV that VIA 2's 'Export Annotations (as csv)' writes for these records."""
    lines = [header]
    for record in metadata.values():
        prefix = separator.join(
            [
                '"' + record["filename"] + '"',
                str(record["size"]),
                _quoted(_map_to_json(record.get("file_attributes", {}))),
            ]
        )
        regions = record["regions"]
        regions = list(regions.values()) if isinstance(regions, dict) else regions
        if not regions:
            lines.append(separator.join([prefix, "0", "0", '"{}"', '"{}"']))
        for i, region in enumerate(regions):
            lines.append(
                separator.join(
                    [
                        prefix,
                        str(len(regions)),
                        str(i),
                        _quoted(_map_to_json(region["shape_attributes"])),
                        _quoted(_map_to_json(region["region_attributes"])),
                    ]
                )
            )
    return "\n".join(lines)


def _same_project(a, b) -> None:
    assert len(a.images) == len(b.images)
    for x, y in zip(a.images, b.images, strict=True):
        assert (x.filename, x.size, x.file_attributes) == (y.filename, y.size, y.file_attributes)
        assert x.regions == y.regions  # shape, geometry, attributes and VIA's region index


def _masks(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def mri_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("csv") / "via_annotations.csv"
    path.write_text(via_csv_text(json.loads(MRI_VIA.read_text(encoding="utf-8"))), "utf-8")
    return path


# --------------------------------------------------------------------------------------
# The same annotations, both exports
# --------------------------------------------------------------------------------------


def test_the_bundled_annotations_as_csv_read_as_the_json_export_does(mri_csv):
    from_csv, from_json = via.load_via(mri_csv), via.load_via(MRI_VIA)
    assert from_csv.variant == "VIA 2.x CSV export"
    _same_project(from_csv, from_json)
    assert sum(not image.regions for image in from_csv.images) == 3  # the 0,0,"{}" rows


@pytest.mark.parametrize("attribute", [None, "label"])
def test_the_bundled_csv_gives_byte_identical_masks_and_the_same_report(
    mri_csv, tmp_path, attribute
):
    from_csv = via.masks_from_via(mri_csv, MRI_IMAGES, tmp_path / "csv", attribute=attribute)
    from_json = via.masks_from_via(MRI_VIA, MRI_IMAGES, tmp_path / "json", attribute=attribute)
    assert _masks(tmp_path / "csv") == _masks(tmp_path / "json")
    assert len(_masks(tmp_path / "csv")) >= 40  # one per image (and classes.json)
    assert from_csv.equals(from_json)


def _awkward_records() -> dict:
    """Every shape, attribute values with quotes, commas, unicode and a newline, a filename
    with a comma and spaces, an image without regions, and VIA 1.x dict regions."""

    def region(name, attributes=None, **geometry):
        return {
            "shape_attributes": {"name": name, **geometry},
            "region_attributes": attributes or {},
        }

    return {
        "a, b c.png100": {
            "filename": "a, b c.png",
            "size": 100,
            "file_attributes": {"caption": 'a "quoted", caption'},
            "regions": [
                region(
                    "polygon",
                    {"class": 'cell "big"'},
                    all_points_x=[2, 20, 11.5],
                    all_points_y=[3, 4, 25.25],
                ),
                region("rect", {"class": "noyau, ß"}, x=1, y=1, width=6, height=5),
                region("circle", {"class": "line\nbreak"}, cx=20, cy=20, r=4.5),
                region("ellipse", {"class": "é"}, cx=10, cy=22, rx=6, ry=3, theta=0.5),
                region("polyline", {"class": "é"}, all_points_x=[0, 29], all_points_y=[29, 0]),
                region("point", {"class": "é"}, cx=3, cy=27),
            ],
        },
        "empty.png7": {"filename": "empty.png", "size": 7, "file_attributes": {}, "regions": []},
        "one.png-1": {
            "filename": "one.png",
            "size": -1,
            "file_attributes": {},
            "regions": {"0": region("rect", {"class": "x"}, x=0, y=0, width=3, height=3)},
        },
    }


def _write_images(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, size in (("a, b c.png", (30, 32)), ("empty.png", (8, 8)), ("one.png", (6, 5))):
        Image.fromarray(np.full(size, 90, np.uint8)).save(folder / name)
    return folder


@pytest.mark.parametrize("variant", ["2.x", "1.x header", "semicolons"])
def test_every_shape_and_awkward_text_survive_the_csv_and_draw_the_same(tmp_path, variant):
    records = _awkward_records()
    (tmp_path / "v.json").write_text(json.dumps(records), encoding="utf-8")
    header, separator = HEADER, ","
    if variant == "1.x header":
        header = "#" + HEADER
    elif variant == "semicolons":  # a spreadsheet in a comma-decimal locale re-saved it
        header, separator = HEADER.replace(",", ";"), ";"
    text = via_csv_text(records, header=header, separator=separator)
    (tmp_path / "v.csv").write_text(text, encoding="utf-8")
    from_csv, from_json = via.load_via(tmp_path / "v.csv"), via.load_via(tmp_path / "v.json")
    assert from_csv.variant == ("VIA 1.x CSV export" if "1.x" in variant else "VIA 2.x CSV export")
    _same_project(from_csv, from_json)
    images = _write_images(tmp_path / "images")
    for source in ("csv", "json"):
        via.masks_from_via(tmp_path / f"v.{source}", images, tmp_path / source, attribute="class")
    assert _masks(tmp_path / "csv") == _masks(tmp_path / "json")


def test_a_utf8_bom_and_crlf_line_ends_are_read(tmp_path):
    records = _awkward_records()
    text = via_csv_text(records).replace("\n", "\r\n")
    (tmp_path / "v.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    _same_project(read_via_csv(tmp_path / "v.csv"), via.load_via(_json_file(tmp_path, records)))


def _json_file(folder: Path, records: dict) -> Path:
    path = folder / "same.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------


def test_python_dash_m_helpers_via2masks_takes_the_csv_export(mri_csv, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers",
            "via2masks",
            "--via",
            str(mri_csv),
            "--images",
            str(MRI_IMAGES),
            "--out",
            str(tmp_path / "csv"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "VIA 2.x CSV export, 40 images" in done.stdout
    assert (
        cli.main(
            [
                "via2masks",
                "--via",
                str(MRI_VIA),
                "--images",
                str(MRI_IMAGES),
                "--out",
                str(tmp_path / "json"),
            ]
        )
        == 0
    )
    assert _masks(tmp_path / "csv") == _masks(tmp_path / "json")


# --------------------------------------------------------------------------------------
# A CSV changed after VIA wrote it stops, naming the line
# --------------------------------------------------------------------------------------


def _lines() -> list[str]:
    return via_csv_text(_awkward_records()).split("\n")


def _broken(lines: list[str]) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (_broken(_lines()[:3] + _lines()[4:]), "no row for region(s) [2]"),  # a row lost
        (_broken(_lines()[:2] + [_lines()[2]] + _lines()[2:]), "listed twice"),
        (_broken(_lines()[:2] + [_lines()[2][:-12]] + _lines()[3:]), "line 3"),  # cut short
        (
            _broken(_lines()[:2] + [_lines()[2].replace('""name"":', '""name"";')] + _lines()[3:]),
            "not valid JSON",
        ),
        (
            _broken(_lines()[:2] + [_lines()[2].replace(",6,1,", ",x,1,")] + _lines()[3:]),
            "region_count is 'x'",
        ),
        (
            _broken(_lines()[:2] + [_lines()[2].replace(",6,1,", ",5,1,")] + _lines()[3:]),
            "region_count 5 here but 6",
        ),
        ("name,size\na.png,3\n", "not VIA's CSV export"),
    ],
)
def test_a_changed_csv_stops_with_the_line_and_what_to_do(tmp_path, text, words):
    path = tmp_path / "v.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ViaFormatError) as caught:
        via.load_via(path)
    message = str(caught.value)
    assert words in message and str(path) in message
    assert "Export the annotations again" in message and "\n" not in message


def test_a_csv_with_only_the_header_is_empty(tmp_path):
    (tmp_path / "v.csv").write_text(HEADER + "\n", encoding="utf-8")
    with pytest.raises(ViaEmptyError, match="no images"):
        via.load_via(tmp_path / "v.csv")
