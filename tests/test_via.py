"""Tests of helpers.via: reading VIA files, drawing regions, masks, the report, writing back.

References are independent of the code under test: scikit-image's drawing functions,
Pick's theorem and the lattice-point bound for convex sets, plain per-pixel formulas
written here, scikit-learn's Jaccard score, and a re-implementation of the learning
module's converter where its shortcomings are the point.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image
from skimage.draw import disk as sk_disk
from skimage.draw import ellipse as sk_ellipse
from skimage.draw import polygon as sk_polygon
from sklearn.metrics import jaccard_score

from helpers import cli, config, errors, via
from helpers.errors import FileExistsRefusedError
from helpers.via._draw import draw_regions
from helpers.via._read import safe_relative_path

ROOT = Path(__file__).resolve().parent.parent
MRI_VIA = config.data_dir("mri", "via_annotations.json")
MRI_IMAGES = config.data_dir("mri", "images")
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# --------------------------------------------------------------------------------------
# Small builders and references
# --------------------------------------------------------------------------------------


def polygon(xs, ys, **attributes):
    return {
        "shape_attributes": {
            "name": "polygon",
            "all_points_x": [float(v) for v in xs],
            "all_points_y": [float(v) for v in ys],
        },
        "region_attributes": attributes,
    }


def rect(x, y, w, h, **attributes):
    return {
        "shape_attributes": {"name": "rect", "x": x, "y": y, "width": w, "height": h},
        "region_attributes": attributes,
    }


def shape(name, **geometry):
    return {"shape_attributes": {"name": name, **geometry}, "region_attributes": {}}


def sk_polygon_mask(xs, ys, size):
    mask = np.zeros(size, bool)
    rr, cc = sk_polygon(np.asarray(ys, float), np.asarray(xs, float), size)
    mask[rr, cc] = True
    return mask


def module_converter(regions, size):
    """The learning module's way: polygon without the shape, clip, add in uint8, * 255."""
    mask = np.zeros(size, dtype=np.uint8)
    for region in regions:
        attrs = region["shape_attributes"]
        region_mask = np.zeros(size, dtype=np.uint8)
        rr, cc = sk_polygon(attrs["all_points_y"], attrs["all_points_x"])
        rr = np.clip(rr, 0, size[0] - 1)
        cc = np.clip(cc, 0, size[1] - 1)
        region_mask[rr, cc] = 1
        mask += region_mask
    return (mask * 255).astype(np.uint8)


def distance_to_polyline(xs, ys, size):
    """Distance from every pixel centre to a polyline, computed plainly."""
    rows, cols = np.mgrid[0 : size[0], 0 : size[1]].astype(float)
    best = np.full(size, np.inf)
    for x0, y0, x1, y1 in zip(xs[:-1], ys[:-1], xs[1:], ys[1:], strict=True):
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        t = (
            np.zeros(size)
            if length2 == 0
            else np.clip(((cols - x0) * dx + (rows - y0) * dy) / length2, 0, 1)
        )
        best = np.minimum(best, np.hypot(cols - (x0 + t * dx), rows - (y0 + t * dy)))
    return best


def write_via(path: Path, records: dict) -> Path:
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def record(filename, regions, size=-1):
    return {"filename": filename, "size": size, "regions": regions, "file_attributes": {}}


def grey_image(path: Path, size=(30, 40)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(size, 90, np.uint8)).save(path)
    return path


def read_png(path) -> np.ndarray:
    return np.asarray(Image.open(path))


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def test_bundled_mri_file_reads_as_a_via2_export_with_every_region():
    raw = json.loads(MRI_VIA.read_text())
    project = via.load_via(MRI_VIA)
    assert project.variant == "VIA 2.x export"
    assert [i.filename for i in project.images] == [r["filename"] for r in raw.values()]
    assert project.region_count == sum(len(r["regions"]) for r in raw.values())


def test_via1_dict_regions_are_read_in_numeric_key_order(tmp_path):
    regions = {str(k): rect(k, 0, 1, 1) for k in (10, 2, 0, 1)}
    path = write_via(
        tmp_path / "v1.json",
        {
            "a.png12": {
                "filename": "a.png",
                "size": 12,
                "regions": regions,
                "fileref": "",
                "base64_img_data": "",
            }
        },
    )
    project = via.load_via(path)
    assert project.variant == "VIA 1.x export"
    assert [r.geometry["x"] for r in project.images[0].regions] == [0, 1, 2, 10]


def test_null_regions_are_skipped_and_reported_with_their_position(tmp_path):
    path = write_via(tmp_path / "v.json", {"k": record("a.png", [None, rect(1, 1, 3, 3), None])})
    image = via.load_via(path).images[0]
    assert image.null_regions == (0, 2)
    assert [r.index for r in image.regions] == [1]
    report = via.quality_report(path)
    assert report.loc[0, "null_regions"] == 2
    assert "region 0 is null" in report.loc[0, "problems"]


def test_project_file_is_read_with_its_attribute_definitions(tmp_path):
    project_json = {
        "_via_settings": {"ui": {}},
        "_via_attributes": {
            "region": {"kind": {"type": "dropdown", "options": {"a": ""}}},
            "file": {},
        },
        "_via_img_metadata": {"x-1": record("x.png", [rect(0, 0, 2, 2, kind="a")])},
    }
    project = via.load_via(write_via(tmp_path / "p.json", project_json))
    assert project.variant == "VIA 2.x project"
    assert "kind" in project.attribute_definitions
    assert project.region_attribute_keys() == ["kind"]


@pytest.mark.parametrize(("size", "expected"), [(123, 123), ("456", 456), (-1, None), ("?", None)])
def test_size_is_read_as_a_number_a_string_or_unknown(tmp_path, size, expected):
    path = write_via(tmp_path / "v.json", {"k": record("a.png", [], size=size)})
    assert via.load_via(path).images[0].size == expected


def test_filename_comes_from_the_record_never_from_the_key(tmp_path):
    path = write_via(tmp_path / "v.json", {"other_name.json786": record("real.jpg", [])})
    assert via.load_via(path).images[0].filename == "real.jpg"


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        ("name,size\na.png,3\n", "a.csv", "not VIA's CSV export"),
        (json.dumps({"images": [], "annotations": [], "categories": []}), "c.json", "COCO"),
        (
            json.dumps(
                {
                    "project": {},
                    "config": {},
                    "attribute": {},
                    "file": {},
                    "metadata": {},
                    "view": {},
                }
            ),
            "v3.json",
            "VIA 3",
        ),
        (
            json.dumps({"region": {"name": {"type": "text"}}, "file": {}}),
            "a.json",
            "attribute definitions",
        ),
        (json.dumps({"x.png": {"image_type": "val", "eval_info": {}}}), "n.json", "image_type"),
        (json.dumps([1, 2]), "l.json", "a list"),
        ('{"a": ', "broken.json", "not valid JSON"),
    ],
)
def test_files_that_are_not_via_json_stop_with_what_they_are_and_what_to_do(
    tmp_path, content, name, words
):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(errors.ViaFormatError) as caught:
        via.load_via(path)
    message = str(caught.value)
    assert words in message and str(path) in message
    assert "Export Annotations (as json)" in message


@pytest.mark.parametrize("content", [{}, {"_via_img_metadata": {}, "_via_settings": {}}])
def test_a_file_without_images_is_an_empty_via_error(tmp_path, content):
    with pytest.raises(errors.ViaEmptyError, match="no images"):
        via.load_via(write_via(tmp_path / "e.json", content))


def test_a_missing_via_file_is_a_not_found_error(tmp_path):
    with pytest.raises(errors.ViaNotFoundError, match="does not exist"):
        via.load_via(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("a.jpg", "a.jpg"),
        ("./images/a.jpg", "images/a.jpg"),
        ("sub\\dir\\a.jpg", "sub/dir/a.jpg"),
        ("https://example.org/img/a.jpg?x=1", "a.jpg"),
        ("../a.jpg", None),
        ("images/../../a.jpg", None),
        ("/etc/passwd", None),
        ("C:\\Users\\me\\a.jpg", None),
        ("\\\\server\\share\\a.jpg", None),
        ("", None),
    ],
)
def test_filenames_that_leave_the_images_folder_are_refused(filename, expected):
    result = safe_relative_path(filename)
    assert (None if result is None else str(result)) == expected


# --------------------------------------------------------------------------------------
# Rasterising: polygons against scikit-image, and geometric properties
# --------------------------------------------------------------------------------------

coordinate = st.floats(-30, 90, allow_nan=False, allow_subnormal=False)


@FAST
@given(st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=12), st.booleans())
def test_any_polygon_gives_exactly_the_pixels_of_skimage_polygon(points, integer):
    xs, ys = (np.array(v) for v in zip(*points, strict=True))
    if integer:
        xs, ys = np.round(xs), np.round(ys)
    size = (50, 60)
    region = polygon(xs, ys)
    twice_area = xs @ np.roll(ys, -1) - ys @ np.roll(xs, -1)
    assume(twice_area != 0)
    ours, theirs = via.rasterize_regions([region], size), sk_polygon_mask(xs, ys, size)
    # Equal pixel for pixel, except a centre that lies on a slanted edge with float
    # vertices: there the crossing is computed to the last bit in another order than
    # scikit-image's, and either side is right (found by this test: the centre (15, 15)
    # on the edge from (0, 0) to (17.11.., 17.11..) gave x = 14.999999999999998).
    for r, c in zip(*np.nonzero(ours != theirs), strict=True):
        assert _distance_to_outline(xs, ys, c, r) < 1e-9, (r, c)


def _distance_to_outline(xs, ys, x, y) -> float:
    """The distance from point (x, y) to the closed polygon's outline."""
    x0, y0, x1, y1 = xs, ys, np.roll(xs, -1), np.roll(ys, -1)
    dx, dy = x1 - x0, y1 - y0
    length2 = np.where(dx * dx + dy * dy == 0, 1.0, dx * dx + dy * dy)
    t = np.clip(((x - x0) * dx + (y - y0) * dy) / length2, 0, 1)
    return float(np.min(np.hypot(x0 + t * dx - x, y0 + t * dy - y)))


@pytest.mark.parametrize("size", [(12, 14), (400, 500)])
def test_a_union_of_many_polygons_matches_skimage_on_small_and_large_images(size):
    # small image: runs are many for its size (painted by a running sum); large: by slices
    rng = np.random.default_rng(7)
    regions, expected = [], np.zeros(size, bool)
    for _ in range(60):
        cx, cy = rng.uniform(0, size[1]), rng.uniform(0, size[0])
        xs, ys = np.round(cx + rng.uniform(-8, 8, 6)), np.round(cy + rng.uniform(-8, 8, 6))
        regions.append(polygon(xs, ys))
        expected |= sk_polygon_mask(xs, ys, size)
    np.testing.assert_array_equal(via.rasterize_regions(regions, size), expected)
    for k, region in enumerate(regions):  # classes: painted in file order, later on top
        region["region_attributes"] = {"c": f"class{k % 7}"}
    painted = np.zeros(size, np.uint8)
    for k, region in enumerate(regions):
        s = region["shape_attributes"]
        painted[sk_polygon_mask(s["all_points_x"], s["all_points_y"], size)] = k % 7 + 1
    np.testing.assert_array_equal(via.rasterize_regions(regions, size, attribute="c"), painted)


def lattice_hull(points):
    from scipy.spatial import ConvexHull

    hull = ConvexHull(np.array(points, float))
    return hull.points[hull.vertices]


@FAST
@given(
    st.lists(
        st.tuples(st.integers(0, 59), st.integers(0, 49)), min_size=3, max_size=15, unique=True
    )
)
def test_a_lattice_polygon_covers_as_many_pixels_as_picks_theorem_says(points):
    assume(len({x for x, _ in points}) > 1 and len({y for _, y in points}) > 1)
    try:
        vertices = lattice_hull(points)
    except Exception:  # all points on a line: no polygon
        assume(False)
    xs, ys = vertices[:, 0], vertices[:, 1]
    area = abs(xs @ np.roll(ys, -1) - ys @ np.roll(xs, -1)) / 2
    assume(area > 0)
    boundary = sum(
        math.gcd(int(abs(a - b)), int(abs(c - d)))
        for a, b, c, d in zip(xs, np.roll(xs, -1), ys, np.roll(ys, -1), strict=True)
    )
    # Pick: area = interior + boundary/2 - 1, and the outline counts in
    assert via.rasterize_regions([polygon(xs, ys)], (50, 60)).sum() == area + boundary / 2 + 1


@FAST
@given(
    st.lists(st.tuples(st.floats(1, 58), st.floats(1, 48)), min_size=3, max_size=12),
    st.tuples(st.floats(0, 40), st.floats(0, 30), st.floats(0.5, 19), st.floats(0.5, 19)),
)
def test_shapes_inside_the_image_cover_their_area_within_half_the_perimeter(points, box):
    """For a convex set, |pixels - area| <= perimeter / 2 + 1 (a lattice-point bound)."""
    x, y, w, h = box
    assert abs(via.rasterize_regions([rect(x, y, w, h)], (50, 60)).sum() - w * h) <= w + h + 1
    try:
        vertices = lattice_hull(points)
    except Exception:
        assume(False)
    xs, ys = vertices[:, 0], vertices[:, 1]
    area = abs(xs @ np.roll(ys, -1) - ys @ np.roll(xs, -1)) / 2
    perimeter = np.hypot(xs - np.roll(xs, -1), ys - np.roll(ys, -1)).sum()
    count = via.rasterize_regions([polygon(xs, ys)], (50, 60)).sum()
    assert abs(count - area) <= perimeter / 2 + 1


@FAST
@given(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["polygon", "rect", "circle", "ellipse", "polyline", "point"]),
)
def test_moving_a_shape_anywhere_never_raises_and_keeps_only_valid_labels(dx, dy, kind):
    regions = {
        "polygon": polygon(np.array([0, 30, 20]) + dx, np.array([0, 5, 25]) + dy, c="a"),
        "rect": {**rect(dx, dy, 25, 12), "region_attributes": {"c": "b"}},
        "circle": {**shape("circle", cx=dx, cy=dy, r=9), "region_attributes": {"c": "a"}},
        "ellipse": {
            **shape("ellipse", cx=dx, cy=dy, rx=20, ry=4, theta=0.7),
            "region_attributes": {"c": "b"},
        },
        "polyline": {
            **shape("polyline", all_points_x=[dx, dx + 40], all_points_y=[dy, dy + 9]),
            "region_attributes": {"c": "a"},
        },
        "point": {**shape("point", cx=dx, cy=dy), "region_attributes": {"c": "b"}},
    }
    binary = via.rasterize_regions([regions[kind]], (40, 50))
    assert binary.dtype == bool and binary.shape == (40, 50)
    labels = via.rasterize_regions(
        [regions[kind]], (40, 50), attribute="c", classes={"background": 0, "a": 1, "b": 2}
    )
    assert set(np.unique(labels)) <= {0, 1, 2}
    if kind in ("polygon", "rect"):  # compare with scikit-image's clipped drawing
        xs = (
            regions["polygon"]["shape_attributes"]["all_points_x"]
            if kind == "polygon"
            else [dx, dx + 25, dx + 25, dx]
        )
        ys = (
            regions["polygon"]["shape_attributes"]["all_points_y"]
            if kind == "polygon"
            else [dy, dy, dy + 12, dy + 12]
        )
        if max(abs(dx), abs(dy)) < 5000:
            np.testing.assert_array_equal(binary, sk_polygon_mask(xs, ys, (40, 50)))


def test_a_polygon_leaving_the_image_is_clipped_where_it_crosses_the_edge():
    # a triangle that leaves through the right edge: rows 10..30 lie wholly outside
    region = polygon([30, 60, 60], [0, 0, 30])
    size = (40, 40)
    ours = via.rasterize_regions([region], size)
    np.testing.assert_array_equal(ours, sk_polygon_mask([30, 60, 60], [0, 0, 30], size))
    assert not ours[11:, 39].any()
    module = module_converter([region], size)  # the module's clip piles them on the border
    assert module[11:31, 39].all()


def test_overlapping_regions_make_a_union_where_the_module_sums_in_uint8():
    regions = [polygon([2, 20, 20, 2], [2, 2, 20, 20]), polygon([10, 30, 30, 10], [10, 10, 30, 30])]
    ours = via.rasterize_regions(regions, (40, 40))
    expected = sk_polygon_mask([2, 20, 20, 2], [2, 2, 20, 20], (40, 40)) | sk_polygon_mask(
        [10, 30, 30, 10], [10, 10, 30, 30], (40, 40)
    )
    np.testing.assert_array_equal(ours, expected)
    assert 254 in np.unique(module_converter(regions, (40, 40)))  # 2 * 255 wraps to 254


def test_class_masks_paint_later_regions_over_earlier_ones():
    regions = [rect(0, 0, 10, 10, kind="b"), rect(5, 5, 10, 10, kind="a")]
    mask = via.rasterize_regions(regions, (20, 20), attribute="kind")
    assert mask.dtype == np.uint8
    assert mask[7, 7] == 1  # "a" (index 1, names sorted) was drawn last
    assert mask[2, 2] == 2 and mask[18, 18] == 0
    assert set(np.unique(mask)) == {0, 1, 2}


@FAST
@given(
    st.floats(5, 45),
    st.floats(5, 35),
    st.floats(0.5, 25),
    st.floats(0.5, 25),
    st.floats(-math.pi, math.pi),
)
def test_ellipses_give_skimage_ellipse_with_the_rotation_mirrored(cx, cy, rx, ry, theta):
    size = (40, 50)
    region = shape("ellipse", cx=cx, cy=cy, rx=rx, ry=ry, theta=theta)
    expected = np.zeros(size, bool)
    rr, cc = sk_ellipse(cy, cx, ry, rx, size, rotation=-theta)  # skimage turns the other way
    expected[rr, cc] = True
    rows, cols = np.mgrid[0 : size[0], 0 : size[1]]
    u = (cols - cx) * math.cos(theta) + (rows - cy) * math.sin(theta)
    v = -(cols - cx) * math.sin(theta) + (rows - cy) * math.cos(theta)
    on_outline = np.abs((u / rx) ** 2 + (v / ry) ** 2 - 1) < 1e-6  # ties: either is right
    ours = via.rasterize_regions([region], size)
    assert (ours != expected)[~on_outline].sum() == 0


def test_theta_turns_the_ellipse_x_axis_towards_the_image_y_axis():
    region = shape("ellipse", cx=50, cy=50, rx=30, ry=3, theta=math.pi / 4)
    mask = via.rasterize_regions([region], (100, 100))
    assert mask[65, 65] and mask[35, 35]  # along +x+y: down and to the right
    assert not mask[35, 65] and not mask[65, 35]
    assert np.array_equal(
        mask,
        via.rasterize_regions(
            [
                {
                    **region,
                    "shape_attributes": {
                        **region["shape_attributes"],
                        "theta": math.pi / 4 + 2 * math.pi,
                    },
                }
            ],
            (100, 100),
        ),
    )
    no_theta = shape("ellipse", cx=50, cy=50, rx=30, ry=3)
    assert via.rasterize_regions([no_theta], (100, 100))[50, 75]


def test_circles_are_skimage_disks_plus_the_pixels_on_the_circle():
    size = (60, 60)
    ours = via.rasterize_regions([shape("circle", cx=30, cy=25, r=13)], size)
    expected = np.zeros(size, bool)
    expected[sk_disk((25, 30), 13, shape=size)] = True  # skimage leaves the outline out
    rows, cols = np.mgrid[0:60, 0:60]
    on_circle = (cols - 30) ** 2 + (rows - 25) ** 2 == 169
    np.testing.assert_array_equal(ours, expected | on_circle)


@FAST
@given(
    st.lists(st.tuples(st.floats(-10, 60), st.floats(-10, 50)), min_size=2, max_size=5),
    st.sampled_from([1.0, 2.0, 3.5, 7.0]),
)
def test_polylines_cover_the_pixels_within_half_their_width(points, line_width):
    xs, ys = (list(v) for v in zip(*points, strict=True))
    size = (40, 50)
    region = shape("polyline", all_points_x=xs, all_points_y=ys)
    ours = via.rasterize_regions([region], size, options=via.DrawOptions(line_width=line_width))
    distance = distance_to_polyline(np.array(xs), np.array(ys), size)
    ties = np.abs(distance - line_width / 2) < 1e-6
    assert ((distance <= line_width / 2) != ours)[~ties].sum() == 0


def test_a_one_pixel_polyline_is_one_pixel_thick():
    region = shape("polyline", all_points_x=[5, 30], all_points_y=[10, 10])
    mask = via.rasterize_regions([region], (20, 40))
    assert mask.sum() == 26 and mask[10, 5:31].all()
    filled = shape("polyline", all_points_x=[2, 12, 12, 2], all_points_y=[2, 2, 12, 12])
    filled_options = via.DrawOptions(fill_polylines=True)
    assert via.rasterize_regions([filled], (20, 20), options=filled_options).sum() == 121


def test_points_are_disks_of_the_given_radius_or_left_out():
    point = shape("point", cx=20, cy=20)
    offsets = sum(dx * dx + dy * dy <= 9 for dx in range(-3, 4) for dy in range(-3, 4))
    assert via.rasterize_regions([point], (40, 40)).sum() == offsets
    radius0, skip = via.DrawOptions(point_radius=0), via.DrawOptions(skip_points=True)
    assert via.rasterize_regions([point], (40, 40), options=radius0).sum() == 1
    assert not via.rasterize_regions([point], (40, 40), options=skip).any()


def test_unknown_degenerate_and_invalid_regions_are_reported_not_fatal():
    regions = [
        shape("freehand", all_points_x=[1, 2], all_points_y=[1, 2]),
        polygon([1, 5], [1, 5]),
        rect(3, 3, 0, 5),
        shape("circle", cx=5, cy="five", r=2),
        shape("polygon", all_points_x=[1, 2, 3], all_points_y=[1, 2]),
        {"region_attributes": {}},
        rect(2, 2, 3, 3),
    ]
    mask, infos = draw_regions(regions, (10, 10))
    assert [i.status for i in infos] == [
        "unknown shape",
        "degenerate",
        "degenerate",
        "invalid",
        "invalid",
        "invalid",
        "drawn",
    ]
    np.testing.assert_array_equal(mask, via.rasterize_regions([regions[-1]], (10, 10)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cat", "cat"),
        (" dog ", "dog"),
        (320, "320"),
        ({"good": True, "frontal": True, "blur": False}, "frontal+good"),
        ({}, ""),
        (None, ""),
        ("", ""),
    ],
)
def test_class_names_come_from_text_numbers_and_checkboxes(value, expected):
    assert via.region_class({"region_attributes": {"k": value}}, "k") == expected


def test_class_indices_sort_names_after_background():
    assert via.class_indices(["β phase", "alpha", "", "alpha", "background"]) == {
        "background": 0,
        "alpha": 1,
        "β phase": 2,
    }


# --------------------------------------------------------------------------------------
# Masks from a VIA file
# --------------------------------------------------------------------------------------


def test_every_bundled_image_gets_a_mask_even_without_regions(tmp_path):
    raw = json.loads(MRI_VIA.read_text())
    report = via.masks_from_via(MRI_VIA, MRI_IMAGES, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(
        p.name for p in MRI_IMAGES.glob("*.png")
    )
    for entry in raw.values():
        mask = read_png(tmp_path / entry["filename"])
        assert mask.shape == (256, 256) and set(np.unique(mask)) <= {0, 255}
        expected = np.zeros((256, 256), bool)
        for region in entry["regions"]:
            s = region["shape_attributes"]
            expected |= sk_polygon_mask(s["all_points_x"], s["all_points_y"], (256, 256))
        np.testing.assert_array_equal(mask == 255, expected)
    empty = [e["filename"] for e in raw.values() if not e["regions"]]
    assert empty and set(report.loc[report["regions"] == 0, "filename"]) == set(empty)


def test_masks_take_the_shape_of_the_image_turned_by_its_exif_orientation(tmp_path):
    from PIL import ImageOps

    image = Image.fromarray(np.zeros((20, 50, 3), np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 50 wide, shown turned: 20 wide and 50 high
    image.save(tmp_path / "turned.jpg", exif=exif)
    shown = ImageOps.exif_transpose(Image.open(tmp_path / "turned.jpg"))
    path = write_via(tmp_path / "v.json", {"k": record("turned.jpg", [rect(2, 30, 10, 15)])})
    via.masks_from_via(path, tmp_path, tmp_path / "masks")
    mask = read_png(tmp_path / "masks" / "turned.png")
    assert mask.shape == (shown.height, shown.width) == (50, 20)
    assert mask[45, 5] == 255  # y = 45 exists only in the turned frame


def test_class_masks_come_with_classes_json_and_only_listed_values(tmp_path):
    grey_image(tmp_path / "img" / "a.png")
    regions = [
        rect(1, 1, 5, 5, kind="zebra"),
        rect(10, 10, 5, 5, kind="ant"),
        rect(20, 2, 4, 4, kind=""),
        rect(30, 20, 3, 3),
    ]
    path = write_via(tmp_path / "v.json", {"k": record("a.png", regions)})
    report = via.masks_from_via(path, tmp_path / "img", tmp_path / "m", attribute="kind")
    classes = json.loads((tmp_path / "m" / "classes.json").read_text())
    assert classes == {"background": 0, "ant": 1, "zebra": 2}
    mask = read_png(tmp_path / "m" / "a.png")
    assert set(np.unique(mask)) == {0, 1, 2} and mask[3, 3] == 2 and mask[12, 12] == 1
    assert report.loc[0, "unlabelled"] == 2
    assert report.loc[0, "class:ant"] == 1 and report.loc[0, "class:zebra"] == 1
    assert "has an empty 'kind'" in report.loc[0, "problems"]


def test_an_attribute_that_no_region_has_is_an_error_naming_the_ones_there(tmp_path):
    grey_image(tmp_path / "img" / "a.png")
    path = write_via(tmp_path / "v.json", {"k": record("a.png", [rect(1, 1, 2, 2, name="x")])})
    with pytest.raises(errors.ViaAttributeError, match="'name'"):
        via.masks_from_via(path, tmp_path / "img", tmp_path / "m", attribute="class")
    assert not (tmp_path / "m").exists()


def test_existing_masks_are_kept_unless_overwrite_is_asked(tmp_path):
    via.masks_from_via(MRI_VIA, MRI_IMAGES, tmp_path)
    first = tmp_path / "mri_000.png"
    first.write_bytes(b"keep me")
    with pytest.raises(FileExistsRefusedError, match="overwrite"):
        via.masks_from_via(MRI_VIA, MRI_IMAGES, tmp_path)
    assert first.read_bytes() == b"keep me"
    via.masks_from_via(MRI_VIA, MRI_IMAGES, tmp_path, overwrite=True)
    assert read_png(first).shape == (256, 256)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary file


def test_filenames_leaving_the_images_folder_are_refused_and_nothing_is_written_outside(
    tmp_path,
):
    images = tmp_path / "project" / "images"
    grey_image(images / "ok.png")
    grey_image(tmp_path / "project" / "secret.png")
    path = write_via(
        tmp_path / "v.json",
        {
            "a": record("ok.png", [rect(1, 1, 3, 3)]),
            "b": record("../secret.png", [rect(1, 1, 3, 3)]),
            "c": record(str(tmp_path / "project" / "secret.png"), [rect(1, 1, 3, 3)]),
            "d": record("..\\..\\x.png", []),
        },
    )
    before = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    report = via.masks_from_via(path, images, tmp_path / "project" / "masks")
    after = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert sorted(set(after) - set(before)) == [tmp_path / "project" / "masks" / "ok.png"]
    assert list(report["status"]) == ["ok"] + ["unsafe filename"] * 3


def test_missing_images_are_reported_and_all_missing_is_an_error(tmp_path):
    grey_image(tmp_path / "img" / "A.png")
    grey_image(tmp_path / "img" / "b.png")
    path = write_via(tmp_path / "v.json", {"1": record("a.png", []), "2": record("b.png", [])})
    report = via.masks_from_via(path, tmp_path / "img", tmp_path / "m")
    assert list(report["status"]) == ["missing image", "ok"]
    assert "differs in letter case" in report.loc[0, "problems"]
    lonely = write_via(tmp_path / "w.json", {"1": record("zzz.png", [])})
    with pytest.raises(errors.ViaNotFoundError, match="None of the 1 images"):
        via.masks_from_via(lonely, tmp_path / "img", tmp_path / "m2")


def test_drawn_counts_no_region_of_an_image_whose_file_is_missing(tmp_path):
    grey_image(tmp_path / "img" / "here.png", size=(20, 20))
    regions = [rect(1, 1, 5, 5, kind="cell"), rect(8, 8, 5, 5, kind="dust")]
    path = write_via(
        tmp_path / "v.json", {"1": record("gone.png", regions), "2": record("here.png", regions)}
    )
    for report in (
        via.quality_report(path, tmp_path / "img", attribute="kind"),
        via.masks_from_via(path, tmp_path / "img", tmp_path / "m", attribute="kind"),
    ):
        assert list(report["status"]) == ["missing image", "ok"]
        assert list(report["regions"]) == [2, 2] and list(report["drawn"]) == [0, 2]
        assert list(report["class:cell"]) == [0, 1] and list(report["class:dust"]) == [0, 1]
    without_images = via.quality_report(path)  # nothing known about the files: would be drawn
    assert list(without_images["drawn"]) == [2, 2]


def test_images_that_would_share_a_mask_name_are_reported_not_overwritten(tmp_path):
    grey_image(tmp_path / "img" / "x.png")
    Image.fromarray(np.zeros((30, 40, 3), np.uint8)).save(tmp_path / "img" / "x.jpg")
    path = write_via(
        tmp_path / "v.json",
        {
            "1": record("x.png", [rect(0, 0, 2, 2)]),
            "2": record("x.jpg", [rect(5, 5, 2, 2)]),
            "3": record("x.png", []),
        },
    )
    report = via.masks_from_via(path, tmp_path / "img", tmp_path / "m")
    assert list(report["status"]) == ["ok", "duplicate", "duplicate"]
    assert read_png(tmp_path / "m" / "x.png")[1, 1] == 255


def test_the_masks_folder_may_not_be_the_images_folder(tmp_path):
    grey_image(tmp_path / "a.png")
    path = write_via(tmp_path / "v.json", {"1": record("a.png", [])})
    with pytest.raises(errors.ViaError, match="images folder"):
        via.masks_from_via(path, tmp_path, tmp_path, overwrite=True)


def test_the_quality_report_flags_regions_outside_the_image(tmp_path):
    grey_image(tmp_path / "a.png", size=(30, 40))
    path = write_via(
        tmp_path / "v.json",
        {
            "1": record(
                "a.png",
                [
                    rect(30, 5, 20, 5),
                    rect(100, 100, 5, 5),
                    shape("point", cx=10, cy=10),
                    polygon([1.2, 1.4, 1.3], [1.1, 1.2, 1.6]),
                ],
            )
        },
    )
    report = via.quality_report(path, tmp_path)
    row = report.iloc[0]
    assert (row["partly_outside"], row["wholly_outside"], row["degenerate"], row["drawn"]) == (
        1,
        1,
        1,
        2,
    )
    assert "region 1 (rect) lies wholly outside" in row["problems"]
    assert "covers no pixel centre" in row["problems"]


# --------------------------------------------------------------------------------------
# Writing back to VIA
# --------------------------------------------------------------------------------------


def test_round_trip_via_masks_via_masks_keeps_iou_of_at_least_098(tmp_path):
    via.masks_from_via(MRI_VIA, MRI_IMAGES, tmp_path / "m1")
    table = via.masks_to_via(tmp_path / "m1", MRI_IMAGES, tmp_path / "back.json")
    assert len(table) == 40
    back = via.load_via(tmp_path / "back.json")
    assert back.variant == "VIA 2.x export"
    assert all(
        key == f"{r['filename']}{r['size']}"
        for key, r in json.loads((tmp_path / "back.json").read_text()).items()
    )
    via.masks_from_via(tmp_path / "back.json", MRI_IMAGES, tmp_path / "m2")
    for first in sorted((tmp_path / "m1").glob("*.png")):
        a, b = read_png(first).ravel() > 0, read_png(tmp_path / "m2" / first.name).ravel() > 0
        iou = jaccard_score(a, b, zero_division=1.0)
        assert iou >= 0.98, first.name


def test_predictions_of_another_size_are_scaled_to_their_image(tmp_path):
    big = np.zeros((128, 96), bool)
    big[20:90, 30:70] = True
    grey_image(tmp_path / "img" / "p.png", size=(128, 96))
    small = np.asarray(Image.fromarray(big).resize((48, 64), Image.NEAREST)).astype(float)
    via.masks_to_via({"p.png": small * 0.9}, tmp_path / "img", tmp_path / "p.json")
    project = via.load_via(tmp_path / "p.json")
    redrawn = via.rasterize_regions(project.images[0].regions, (128, 96))
    assert jaccard_score(big.ravel(), redrawn.ravel()) >= 0.95


def test_class_predictions_keep_their_class_names(tmp_path):
    grey_image(tmp_path / "img" / "q.png", size=(40, 40))
    scores = np.zeros((40, 40, 3), np.float32)
    scores[..., 0] = 0.5
    scores[5:15, 5:15, 1] = 0.9
    scores[20:35, 20:30, 2] = 0.8
    classes = {"background": 0, "cell": 1, "nucleus": 2}
    via.masks_to_via(
        {"q": scores}, tmp_path / "img", tmp_path / "q.json", classes=classes, attribute="kind"
    )
    project = via.load_via(tmp_path / "q.json")
    names = sorted(via.region_class(r, "kind") for r in project.images[0].regions)
    assert names == ["cell", "nucleus"]
    labels = via.rasterize_regions(
        project.images[0].regions, (40, 40), attribute="kind", classes=classes
    )
    np.testing.assert_array_equal(labels, np.argmax(scores, axis=-1))


def test_holes_are_filled_and_counted(tmp_path):
    ring = np.zeros((30, 30), np.uint8)
    ring[5:25, 5:25] = 255
    ring[10:20, 10:20] = 0
    grey_image(tmp_path / "img" / "r.png", size=(30, 30))
    table = via.masks_to_via({"r": ring}, tmp_path / "img", tmp_path / "r.json")
    assert table.loc[0, "holes_filled"] == 1 and table.loc[0, "regions"] == 1


def test_masks_without_an_image_of_the_same_stem_are_an_error(tmp_path):
    grey_image(tmp_path / "img" / "a.png")
    with pytest.raises(errors.ViaNotFoundError, match="'nope'"):
        via.masks_to_via({"nope": np.ones((30, 40), bool)}, tmp_path / "img", tmp_path / "o.json")


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def test_cli_via2masks_writes_masks_and_the_report(tmp_path, capsys):
    code = cli.main(
        [
            "via2masks",
            "--via",
            str(MRI_VIA),
            "--images",
            str(MRI_IMAGES),
            "--out",
            str(tmp_path / "m"),
            "--report",
            str(tmp_path / "r.csv"),
        ]
    )
    assert code == 0
    import pandas as pd

    report = pd.read_csv(tmp_path / "r.csv", keep_default_na=False)
    assert len(report) == 40 and len(list((tmp_path / "m").glob("*.png"))) == 40
    assert "40 of 40 images have a mask" in capsys.readouterr().out


def test_cli_masks2via_uses_the_classes_json_of_the_masks_folder(tmp_path, capsys):
    assert (
        cli.main(
            [
                "via2masks",
                "--via",
                str(MRI_VIA),
                "--images",
                str(MRI_IMAGES),
                "--out",
                str(tmp_path / "m"),
                "--attribute",
                "label",
            ]
        )
        == 0
    )
    assert (
        cli.main(
            [
                "masks2via",
                "--masks",
                str(tmp_path / "m"),
                "--images",
                str(MRI_IMAGES),
                "--out",
                str(tmp_path / "b.json"),
            ]
        )
        == 0
    )
    project = via.load_via(tmp_path / "b.json")
    assert {via.region_class(r, "label") for i in project.images for r in i.regions} == {"lesion"}


@pytest.mark.parametrize("problem", ["not via", "existing report", "no attribute"])
def test_cli_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path, capsys, problem):
    args = [
        "via2masks",
        "--via",
        str(MRI_VIA),
        "--images",
        str(MRI_IMAGES),
        "--out",
        str(tmp_path / "m"),
    ]
    if problem == "not via":
        (tmp_path / "x.csv").write_text("filename,file_size,file_attributes\n")
        args[2] = str(tmp_path / "x.csv")
    elif problem == "existing report":
        (tmp_path / "r.csv").write_text("keep")
        args += ["--report", str(tmp_path / "r.csv")]
    else:
        args += ["--attribute", "colour"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert not (tmp_path / "m").exists()  # nothing written before the failure


def test_python_dash_m_helpers_via2masks_runs_and_fails_cleanly(tmp_path):
    run = [sys.executable, "-m", "helpers", "via2masks", "--images", str(MRI_IMAGES)]
    good = subprocess.run(
        run + ["--via", str(MRI_VIA), "--out", str(tmp_path / "m")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stderr
    assert len(list((tmp_path / "m").glob("*.png"))) == 40
    bad = subprocess.run(
        run + ["--via", str(tmp_path / "none.json"), "--out", str(tmp_path / "n")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "does not exist" in bad.stderr


def test_the_via_modules_import_each_other_one_way_and_at_the_top():
    """No import circle inside helpers.via, and none dodged by an import in a function."""
    import ast
    from graphlib import CycleError, TopologicalSorter

    folder = Path(via.__file__).parent
    graph, late = {}, []
    for path in sorted(folder.glob("_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        graph[path.stem] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                graph[path.stem].add(node.module)
                if id(node) not in top:
                    late.append(f"{path.stem} imports {node.module} inside a function")
    assert not late, late
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise AssertionError(f"import circle in helpers.via: {error.args[1]}") from None
    assert order.index("_records") < order.index("_csv") < order.index("_read")
