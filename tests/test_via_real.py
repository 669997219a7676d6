"""helpers.via on real VIA files from public projects (``../shared/data/via-real``).

Every file there either converts or stops with the documented error. Where the images
are present, each mask has its image's displayed size, and the report accounts for
every region of the file, counted here straight from the JSON. Skipped when the shared
data folder is absent (it is never copied into the repository).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from helpers import errors, via

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "via-real"
pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"real VIA files not available ({REAL} is absent)"
)

#: Files that must stop, with the error class and a phrase of its message.
REFUSED = {
    "egutierrezc93_via2_export_coco.json": (errors.ViaFormatError, "COCO"),
    "NEGATIVE_ericwdanielson_dsb2018_not_via.json": (errors.ViaFormatError, "not a VIA export"),
    "ox-vgg_via2_basic_demo_attributes.json": (errors.ViaFormatError, "attribute definitions"),
    "camfi_empty_project.json": (errors.ViaEmptyError, "no images"),
}

#: Files whose images are under via-real/images/ (folder per file).
IMAGES = {
    "ox-vgg_via1_unit_test_annotation2.json": "ox-vgg_via1_unit_test",
    "ox-vgg_via1_demo_region_data.json": "ox-vgg_via1_demo",
    "ox-vgg_via2_basic_demo_export.json": "ox-vgg_via2_basic_demo",
    "camfi_sample_project_images_included.json": "camfi",
    "camfi_sample_project_no_metadata_malformed.json": "camfi",
    "sohailakram_via2_export_rect_catdog.json": "sohailakram",
    "egutierrezc93_via2_export_rect_receipts.json": "egutierrezc93",
    "kudzu_train_via2_polygon.json": "kudzu/train",
    "kudzu_val_via2_polygon.json": "kudzu/val",
    "rice_leaf_val_via1_polygon_classes.json": "rice_leaf/val",
}


#: VIA CSV exports, and the JSON export of the same annotations next to them.
CSV_TWINS = {
    "egutierrezc93_via2_export_csv.csv": "egutierrezc93_via2_export_rect_receipts.json",
    "ox-vgg_via1_unit_test_annotation1.csv": "ox-vgg_via1_unit_test_annotation2.json",
}


def real_files() -> list[str]:
    if not REAL.is_dir():
        return []
    return sorted(p.name for p in REAL.iterdir() if p.is_file() and p.name != "records.json")


def raw_records(name: str) -> dict:
    """The image records of a VIA file, read plainly (project files unwrapped)."""
    data = json.loads((REAL / name).read_text(encoding="utf-8"))
    return data.get("_via_img_metadata", data)


def raw_region_count(entry: dict) -> int:
    regions = entry.get("regions") or []
    return len(regions)  # dict (VIA 1) or list (VIA 2), null entries included


def displayed_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        shown = ImageOps.exif_transpose(image)
        return shown.height, shown.width


@pytest.mark.parametrize("name", real_files())
def test_every_real_file_converts_or_stops_with_the_documented_error(name, tmp_path):
    path = REAL / name
    if name in REFUSED:
        error, phrase = REFUSED[name]
        with pytest.raises(error) as caught:
            via.load_via(path)
        assert phrase in str(caught.value) and str(path) in str(caught.value)
        assert "Export Annotations (as json)" in str(caught.value)
        return
    if name in CSV_TWINS:  # compared with its JSON twin below
        return
    records = raw_records(name)
    project = via.load_via(path)
    assert [i.filename for i in project.images] == [r["filename"] for r in records.values()]
    report = via.quality_report(project)  # without images: every region is accounted for
    expected = [raw_region_count(r) for r in records.values()]
    assert list(report["regions"] + report["null_regions"]) == expected
    if name not in IMAGES:
        return
    images = REAL / "images" / IMAGES[name]
    report = via.masks_from_via(project, images, tmp_path)
    assert list(report["regions"] + report["null_regions"]) == expected
    for row in report.itertuples():
        found = (images / Path(row.filename).name).is_file()
        assert row.status == ("ok" if found else "missing image")
        if found:
            mask = np.asarray(Image.open(tmp_path / row.mask))
            assert mask.shape == displayed_size(images / Path(row.filename).name)
            assert set(np.unique(mask)) <= {0, 255}
            assert (mask.any()) == (row.drawn > 0)


@pytest.mark.parametrize("name", sorted(CSV_TWINS))
def test_a_real_csv_export_gives_what_its_json_export_gives(name, tmp_path):
    twin = CSV_TWINS[name]
    from_csv, from_json = via.load_via(REAL / name), via.load_via(REAL / twin)
    assert from_csv.variant.endswith("CSV export")
    assert len(from_csv.images) == len(from_json.images)
    assert from_csv.region_count == from_json.region_count > 0
    for a, b in zip(from_csv.images, from_json.images, strict=True):
        assert (a.filename, a.size, a.regions, a.file_attributes) == (
            b.filename,
            b.size,
            b.regions,
            b.file_attributes,
        )
    images = REAL / "images" / IMAGES[twin]
    report_csv = via.masks_from_via(from_csv, images, tmp_path / "csv", attribute=None)
    report_json = via.masks_from_via(from_json, images, tmp_path / "json", attribute=None)
    assert report_csv.equals(report_json) and (report_csv["status"] == "ok").all()
    made = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert made == sorted(p.name for p in (tmp_path / "json").iterdir()) and made
    for mask in made:
        assert (tmp_path / "csv" / mask).read_bytes() == (tmp_path / "json" / mask).read_bytes()


def test_records_json_region_counts_agree_with_the_reader():
    records = json.loads((REAL / "records.json").read_text(encoding="utf-8"))
    checked = 0
    for entry in records:
        info = entry.get("classify")
        name = Path(entry["dest"]).name
        if not info or name in REFUSED:
            continue
        project = via.load_via(REAL / name)
        nulls = sum(len(i.null_regions) for i in project.images)
        assert (len(project.images), project.region_count + nulls) == (
            info["n_images"],
            info["n_regions"],
        ), name
        checked += 1
    assert checked >= 20


def test_sherlock_sizes_as_strings_and_dot_slash_filenames_are_read():
    name = "ox-vgg_via2_sherlock_face_tracks.json"
    project = via.load_via(REAL / name)
    raw = list(raw_records(name).values())
    assert all(isinstance(r["size"], str) for r in raw)
    assert [i.size for i in project.images] == [int(r["size"]) for r in raw]
    assert str(via.load_via(REAL / name).images[0].filename).startswith("./images/")
    classes = via.project_classes(project, "track")  # int-valued attribute
    assert set(classes) - {"background"} == {
        str(r["region_attributes"]["track"]) for e in raw for r in e["regions"]
    }


def test_camfi_sub_folder_filenames_find_their_images_and_flag_the_circle_outside(tmp_path):
    name = "camfi_sample_project_no_metadata_malformed.json"
    report = via.quality_report(REAL / name, REAL / "images" / "camfi")
    assert list(report["status"]) == ["ok", "ok", "missing image", "missing image"]
    first = report.iloc[0]  # its circle (cx=140, r=238) crosses the left edge
    assert first["partly_outside"] == 1 and "(circle) is partly outside" in first["problems"]


def test_null_regions_of_a_real_file_are_reported():
    report = via.quality_report(REAL / "masking_image12403.json")
    assert report.loc[0, "null_regions"] == 1 and "region 0 is null" in report.loc[0, "problems"]


def test_closed_outlines_drawn_as_polylines_can_be_filled():
    project = via.load_via(REAL / "masking_image10139.json")
    regions = project.images[0].regions
    lines = via.rasterize_regions(regions, (1100, 800))
    filled = via.rasterize_regions(
        regions, (1100, 800), options=via.DrawOptions(fill_polylines=True)
    )
    assert filled.sum() > 5 * lines.sum() and (filled | lines).sum() <= filled.sum() + lines.sum()


def test_rice_leaf_classes_give_class_masks_and_empty_names_are_reported(tmp_path):
    name = "rice_leaf_val_via1_polygon_classes.json"
    report = via.masks_from_via(
        REAL / name, REAL / "images" / "rice_leaf" / "val", tmp_path, attribute="class_id"
    )
    classes = json.loads((tmp_path / "classes.json").read_text(encoding="utf-8"))
    assert classes == {"background": 0, "bacteria": 1, "brown_spot": 2, "leaf_smut": 3}
    raw = [
        r["region_attributes"]["class_id"]
        for e in raw_records(name).values()
        for r in e["regions"].values()
    ]
    for cls in ("bacteria", "brown_spot", "leaf_smut"):
        assert report[f"class:{cls}"].sum() == raw.count(cls)
    for row in report.itertuples():
        assert set(np.unique(np.asarray(Image.open(tmp_path / row.mask)))) <= {0, 1, 2, 3}

    train = "rice_leaf_train_via1_polygon_classes.json"
    empty = sum(
        r["region_attributes"].get("class_id", "") == ""
        for e in raw_records(train).values()
        for r in e["regions"].values()
    )
    train_report = via.quality_report(REAL / train, attribute="class_id")
    assert empty > 0 and train_report["unlabelled"].sum() == empty


def test_unicode_and_checkbox_class_names():
    titanium = via.load_via(REAL / "titanium_train_via1_polygon_unicode_class.json")
    assert "β matrix grain boundary" in via.project_classes(titanium, "name")
    catdog = via.load_via(REAL / "sohailakram_via2_export_rect_catdog.json")
    assert via.region_class(catdog.images[0].regions[0], "image_quality") == (
        "frontal+good+good_illumination"
    )


def test_images_without_regions_are_listed_as_such():
    name = "fluidflow_val_via1_polygon_many_empty.json"
    empty = sum(not r["regions"] for r in raw_records(name).values())
    report = via.quality_report(REAL / name)
    assert empty == 230 and (report["regions"] == 0).sum() == empty


def test_point_files_draw_disks_or_nothing():
    project = via.load_via(REAL / "lloydy2_csrnet_via2_points.json")
    image = project.images[0]
    assert {r.shape for r in image.regions} == {"point"}
    xs = [r.geometry["cx"] for r in image.regions]
    ys = [r.geometry["cy"] for r in image.regions]
    size = (int(max(ys)) + 10, int(max(xs)) + 10)
    assert via.rasterize_regions(image.regions, size).sum() > len(image.regions)
    skip = via.DrawOptions(skip_points=True)
    assert not via.rasterize_regions(image.regions, size, options=skip).any()
