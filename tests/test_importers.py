"""Tests of helpers.importers: Labelme, COCO and CVAT files to masks, and masks back to COCO.

References are the tools' own libraries, run here on files the tests write: Labelme's
``labelme.utils.shapes_to_label``, ``pycocotools`` (``COCO.annToMask``, ``mask.decode``)
and Datumaro's CVAT importer with its VOC mask export. Each is skipped with a reason
when its library is absent (they are test dependencies only: requirements-dev.txt).

The importers draw with the course's one rasteriser, whose rule (a pixel belongs to a
shape when its centre is inside it or on its outline) is not each tool's: masks agree
to an IoU of at least 0.97 per class for shapes with an area, differ only within a
pixel and a half of the outlines, and the measured values are printed (``pytest -s``).
Lines and points, a few pixels wide, are held to the same outline rule and to the
IoU measured for them, stated where they are tested.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from helpers import importers, via
from helpers.errors import AnnotationError, AnnotationNotFoundError, FileExistsRefusedError

SIZE = (240, 320)  # height, width of the test images

# pycocotools 2.0 with NumPy 2 warns about its own __array__; not the course's concern
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def grey_image(path: Path, shape=SIZE, seed=0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def read(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


def differ_only_at_outlines(ours, ref, *, slack=1.5, ends=()) -> bool:
    """Whether every pixel where the masks differ lies within ``slack`` pixels of one of
    their outlines, or within one of the ``ends`` disks ``(row, col, radius)``."""
    outline = (ours & ~ndimage.binary_erosion(ours)) | (ref & ~ndimage.binary_erosion(ref))
    near = ndimage.distance_transform_edt(~outline) <= slack
    rows, cols = np.indices(ours.shape)
    for r, c, radius in ends:
        near |= (rows - r) ** 2 + (cols - c) ** 2 <= radius**2
    return not ((ours ^ ref) & ~near).any()


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def star(cx, cy, radius, n=11, seed=0):
    """A star-shaped polygon with irregular, non-integer vertices."""
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = radius * rng.uniform(0.7, 1.0, n)
    return cx + radii * np.cos(angles), cy + radii * np.sin(angles)


# --------------------------------------------------------------------------------------
# Labelme
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def labelme_utils():
    return pytest.importorskip("labelme.utils", reason="labelme is not installed")


def labelme_shape(label, kind, points, group_id=None) -> dict:
    points = [[float(x), float(y)] for x, y in points]
    return {"label": label, "points": points, "group_id": group_id, "shape_type": kind,
            "flags": {}, "description": ""}  # fmt: skip


def labelme_file(path: Path, shapes, *, image_path, image_data=None, shape=SIZE) -> Path:
    document = {
        "version": "5.4.1",
        "flags": {},
        "shapes": shapes,
        "imagePath": image_path,
        "imageData": image_data,
        "imageHeight": shape[0],
        "imageWidth": shape[1],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


LEAF = star(70.3, 80.6, 55, seed=1)
LEAF_PART = star(40.2, 190.1, 22, n=7, seed=2)
LABELME_SHAPES = [
    labelme_shape("leaf", "polygon", zip(*LEAF, strict=True), group_id=1),
    labelme_shape("leaf", "polygon", zip(*LEAF_PART, strict=True), group_id=1),  # one object
    labelme_shape("box", "rectangle", [(300.6, 110.4), (150.3, 10.7)]),
    labelme_shape("disk", "circle", [(240.5, 165.2), (240.5 + 36.1, 165.2 + 27.3)]),
    labelme_shape("wire", "line", [(5.3, 231.2), (315.1, 222.7)]),
    labelme_shape("path", "linestrip", [(10.2, 6.4), (60.6, 14.3), (140.1, 5.2)]),
    labelme_shape("seed", "point", [(300.4, 150.3)]),
    labelme_shape("seed", "point", [(170.6, 180.2)]),
    labelme_shape(
        "__ignore__", "polygon", [(95.5, 140.2), (160.1, 137.3), (152.4, 205.9), (98.7, 200.1)]
    ),
]
AREA_CLASSES = ("leaf", "box", "disk", "__ignore__")


@pytest.fixture
def labelme_folder(tmp_path) -> Path:
    """``json/a.json`` (image ``json/a.png`` beside it) and ``json/b.json`` (image only
    embedded, its imagePath pointing out of the folder)."""
    grey_image(tmp_path / "json" / "a.png")
    labelme_file(tmp_path / "json" / "a.json", LABELME_SHAPES, image_path="a.png")
    buffer = io.BytesIO()
    Image.fromarray(np.full((120, 90, 3), 77, np.uint8)).save(buffer, format="JPEG")
    embedded = base64.b64encode(buffer.getvalue()).decode()
    labelme_file(
        tmp_path / "json" / "b.json",
        [labelme_shape("box", "rectangle", [(10, 10), (60.5, 80.5)])],
        image_path="../../elsewhere/b.jpg",
        image_data=embedded,
        shape=(120, 90),
    )
    return tmp_path / "json"


def test_labelme_masks_equal_labelmes_own_shapes_to_label(labelme_utils, labelme_folder, tmp_path):
    report = importers.masks_from_labelme(labelme_folder, tmp_path / "masks")
    classes = json.loads((tmp_path / "masks" / "classes.json").read_text())
    assert classes == {**via.class_indices(["leaf", "box", "disk", "wire", "path", "seed"]),
                       "ignore": 255}  # fmt: skip
    ours = read(tmp_path / "masks" / "a.png")
    values = {**classes, "__ignore__": 255}
    reference, _ = labelme_utils.shapes_to_label(SIZE, LABELME_SHAPES, values)
    measured = {}
    for name, value in values.items():
        if name in ("background", "ignore"):
            continue
        a, b = ours == value, reference == value
        measured[name] = round(iou(a, b), 4)
        ends = []
        if name in ("wire", "path"):  # Pillow ends lines square; the course rounds them
            points = [p for s in LABELME_SHAPES if s["label"] == name for p in s["points"]]
            ends = [(y - 0.5, x - 0.5, 6.5) for x, y in points]
        assert differ_only_at_outlines(a, b, ends=ends), name
    print("IoU per class, labelme.utils.shapes_to_label vs masks_from_labelme:", measured)
    assert all(measured[name] >= 0.97 for name in AREA_CLASSES), measured
    # 10-pixel lines and points of radius 5, where a pixel of outline is a tenth of them:
    # measured 0.87 and 0.82 for the lines, 0.80 for the points (Pillow's are wider)
    assert measured["wire"] >= 0.8 and measured["path"] >= 0.8, measured
    assert measured["seed"] >= 0.75, measured
    row = report.set_index("mask").loc["a.png"]
    assert (row["status"], row["regions"], row["drawn"], row["problems"]) == ("ok", 9, 9, "")
    assert (row["class:leaf"], row["class:seed"], row["class:__ignore__"]) == (2, 2, 1)


def test_labelme_instances_follow_group_id_as_labelme_does(labelme_utils, labelme_folder, tmp_path):
    importers.masks_from_labelme(labelme_folder, tmp_path / "objects", instances=True)
    ours = read(tmp_path / "objects" / "a.png")
    assert ours.dtype == np.uint16 and not (tmp_path / "objects" / "classes.json").exists()
    shapes = [s for s in LABELME_SHAPES if s["label"] != "__ignore__"]  # not objects here
    values = {s["label"]: 1 for s in shapes}
    _, reference = labelme_utils.shapes_to_label(SIZE, shapes, values)
    assert sorted(np.unique(ours)) == sorted(np.unique(reference)) == list(range(8))
    for number in (1, 2, 3):  # the two-part leaf, the box, the disk
        assert iou(ours == number, reference == number) >= 0.97, number


def test_labelme_embedded_image_is_written_out_and_used_again(labelme_folder, tmp_path):
    report = importers.masks_from_labelme(labelme_folder, tmp_path / "masks")
    row = report.set_index("mask").loc["b.png"]
    written = labelme_folder / "b.png"  # beside the JSON files: no images folder given
    assert (row["image"], row["image_from_json"], row["status"]) == (str(written), 1, "ok")
    assert read(written).shape == (120, 90, 3)
    assert read(tmp_path / "masks" / "b.png").shape == (120, 90)
    assert not (tmp_path / "elsewhere").exists()  # '../../elsewhere/b.jpg' is not followed
    before = written.stat().st_mtime_ns
    again = importers.masks_from_labelme(labelme_folder, tmp_path / "masks", overwrite=True)
    assert again.set_index("mask").loc["b.png", "image_from_json"] == 0
    assert written.stat().st_mtime_ns == before


def test_labelme_images_folder_receives_embedded_images(labelme_folder, tmp_path):
    images = tmp_path / "images"
    grey_image(images / "a.png")
    report = importers.masks_from_labelme(labelme_folder, tmp_path / "masks", images_dir=images)
    assert sorted(p.name for p in images.iterdir()) == ["a.png", "b.png"]
    assert report["image_from_json"].tolist() == [0, 1]


def test_labelme_ignore_names_more_labels_and_refuses_unknown_ones(labelme_folder, tmp_path):
    importers.masks_from_labelme(labelme_folder, tmp_path / "masks", ignore=["wire"])
    classes = json.loads((tmp_path / "masks" / "classes.json").read_text())
    assert "wire" not in classes and classes["ignore"] == 255
    mask = read(tmp_path / "masks" / "a.png")
    rows = np.arange(SIZE[0])[:, None]
    assert (mask[(rows > 215) & (mask != 0)] == 255).mean() > 0.9  # the wire's pixels
    with pytest.raises(AnnotationError, match="'wires'.*'box'"):
        importers.masks_from_labelme(labelme_folder, tmp_path / "other", ignore=["wires"])
    assert not (tmp_path / "other").exists()


def test_labelme_shapes_that_cannot_be_drawn_are_report_rows(tmp_path):
    grey_image(tmp_path / "json" / "c.png")
    shapes = [
        labelme_shape("cell", "polygon", [(10, 10), (50, 10)]),
        labelme_shape("cell", "cuboid", [(10, 10), (50, 10)]),
        labelme_shape("cell", "polygon", [(-30, 20), (60, 20), (60, 90), (-30, 90)]),
        labelme_shape("cell", "rectangle", [(300, 300), (320, 330)]),
        labelme_shape("", "circle", [(50, 50), (60, 60)]),
        labelme_shape("cell", "oriented_rectangle", [(100, 10), (150, 30), (140, 55), (90, 35)]),
        {"label": "cell", "points": [[1, "x"], [2, 3], [4, 5]], "shape_type": "polygon"},
    ]
    labelme_file(tmp_path / "json" / "c.json", shapes, image_path="c.png")
    report = importers.masks_from_labelme(tmp_path / "json", tmp_path / "masks")
    row = report.iloc[0]
    assert (row["regions"], row["drawn"], row["degenerate"], row["unknown_shape"]) == (7, 2, 1, 1)
    assert (row["partly_outside"], row["wholly_outside"], row["unlabelled"]) == (1, 1, 1)
    assert row["invalid"] == 1
    problems = row["problems"]
    assert "shape 0 (polygon 'cell') has 2 point(s) where a polygon needs at least 3" in problems
    assert "shape 1 (cuboid 'cell') has the shape type 'cuboid'" in problems
    assert "shape 2 (polygon 'cell') is partly outside the image (drawn clipped" in problems
    assert "shape 3 (rectangle 'cell') lies wholly outside the image" in problems
    mask = read(tmp_path / "masks" / "c.png")
    assert mask[20:90, 0].all() and mask[20:90, 61].sum() == 0  # clipped at the edge
    tilted = via.rasterize_regions(
        [{"shape_attributes": {"name": "polygon", "all_points_x": [99.5, 149.5, 139.5, 89.5],
                               "all_points_y": [9.5, 29.5, 54.5, 34.5]}}], SIZE)  # fmt: skip
    assert (mask[tilted] == 1).all()


def test_labelme_bad_files_stop_with_the_file_named_and_nothing_written(tmp_path):
    folder = tmp_path / "json"
    grey_image(folder / "a.png")
    labelme_file(folder / "a.json", LABELME_SHAPES[:1], image_path="a.png")
    (folder / "broken.json").write_text('{"shapes": [')
    with pytest.raises(AnnotationError, match=r"broken\.json is not valid JSON"):
        importers.masks_from_labelme(folder, tmp_path / "masks")
    (folder / "broken.json").write_text(json.dumps({"images": [], "annotations": []}))
    with pytest.raises(AnnotationError, match="a COCO file .use coco2masks"):
        importers.masks_from_labelme(folder, tmp_path / "masks")
    (folder / "broken.json").unlink()
    assert not (tmp_path / "masks").exists()
    with pytest.raises(AnnotationNotFoundError, match="does not exist"):
        importers.masks_from_labelme(tmp_path / "nowhere", tmp_path / "masks")
    with pytest.raises(AnnotationError, match="which this conversion reads"):
        importers.masks_from_labelme(folder, folder)


def test_labelme_paths_in_files_never_read_outside_the_folders(tmp_path):
    grey_image(tmp_path / "secret.png", shape=(50, 50))  # outside the folders given
    folder = tmp_path / "a" / "b"
    labelme_file(folder / "x.json", LABELME_SHAPES[:1], image_path="../../secret.png")
    grey_image(folder / "y.png")
    labelme_file(folder / "y.json", LABELME_SHAPES[:1], image_path="y.png")
    report = importers.masks_from_labelme(folder, tmp_path / "masks")
    assert report["status"].tolist() == ["missing image", "ok"]
    assert sorted(p.name for p in (tmp_path / "masks").iterdir()) == ["classes.json", "y.png"]


# --------------------------------------------------------------------------------------
# COCO
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pycocotools():
    return pytest.importorskip("pycocotools.mask", reason="pycocotools is not installed")


def coco_polygon(xs, ys) -> list[float]:
    return [round(float(v), 3) for pair in zip(xs, ys, strict=True) for v in pair]


def blob(shape, centre, radii) -> np.ndarray:
    rows, cols = np.indices(shape)
    return ((rows - centre[0]) / radii[0]) ** 2 + ((cols - centre[1]) / radii[1]) ** 2 <= 1


def rle_string(counts: list[int]) -> str:
    """Compressed COCO RLE counts, written plainly from maskApi.c's rleToString (the
    test of decode_rle checks it against pycocotools' own)."""
    text = []
    for i, x in enumerate(counts):
        x = x - counts[i - 2] if i > 2 else x
        more = True
        while more:
            c = x & 0x1F
            x >>= 5  # arithmetic shift, as C's on a long
            more = x != -1 if c & 0x10 else x != 0
            text.append(chr((c | 0x20 if more else c) + 48))
    return "".join(text)


def coco_document() -> dict:
    """Two images: every kind of segmentation, overlaps, a crowd, an unused category."""
    crowd = blob(SIZE, (110, 60), (30, 45))
    cell = blob(SIZE, (40, 150), (28, 35))
    compressed = {"size": list(SIZE), "counts": rle_string(_runs(cell))}
    counts = _runs(crowd)
    return {
        "info": {},
        "images": [
            {"id": 3, "file_name": "one.png", "height": SIZE[0], "width": SIZE[1]},
            {"id": 9, "file_name": "sub/two.png", "height": SIZE[0], "width": SIZE[1]},
        ],
        "categories": [
            {"id": 1, "name": "cell", "supercategory": ""},
            {"id": 2, "name": "nucleus", "supercategory": ""},
            {"id": 5, "name": "unused", "supercategory": ""},
        ],
        "annotations": [
            {"id": 11, "image_id": 3, "category_id": 1, "iscrowd": 0,
             "segmentation": [coco_polygon(*star(60, 60, 45, seed=3)),
                              coco_polygon(*star(160, 120, 25, n=8, seed=4))]},
            {"id": 12, "image_id": 3, "category_id": 2, "iscrowd": 0,  # on top of 11
             "segmentation": [coco_polygon(*star(75, 65, 22, n=9, seed=5))]},
            {"id": 13, "image_id": 3, "category_id": 2, "iscrowd": 1,
             "segmentation": {"size": list(SIZE), "counts": counts}},
            {"id": 14, "image_id": 9, "category_id": 1, "iscrowd": 0,
             "segmentation": compressed},
            {"id": 15, "image_id": 9, "category_id": 2, "iscrowd": 0,
             "segmentation": [coco_polygon(*star(150, 40, 30, seed=6))]},
        ],
    }  # fmt: skip


@pytest.fixture
def coco_case(tmp_path):
    grey_image(tmp_path / "images" / "one.png")
    grey_image(tmp_path / "images" / "sub" / "two.png", seed=1)
    document = coco_document()
    path = tmp_path / "coco.json"
    path.write_text(json.dumps(document))
    return path, tmp_path / "images", document


def cocoapi(document):
    from pycocotools.coco import COCO

    api = COCO()
    api.dataset = json.loads(json.dumps(document))
    api.createIndex()
    return api


def test_decode_rle_equals_pycocotools_exactly(pycocotools):
    rng = np.random.default_rng(0)
    shapes = [(1, 1), (1, 7), (5, 1), (13, 17), (64, 48), (200, 3)]
    for k in range(60):
        shape = shapes[k % len(shapes)]
        kind = k % 4  # random pixels, empty, full, blobs
        mask = rng.random(shape) < rng.random()
        if kind == 1:
            mask[:] = False
        elif kind == 2:
            mask[:] = True
        elif kind == 3:
            mask = ndimage.binary_opening(rng.random(shape) < 0.6)
        encoded = pycocotools.encode(np.asfortranarray(mask.astype(np.uint8)))
        expected = pycocotools.decode(encoded).astype(bool)
        assert rle_string(_runs(mask)) == encoded["counts"].decode("ascii")  # the test's own
        assert np.array_equal(importers.decode_rle(encoded), expected)
        as_text = {"size": encoded["size"], "counts": encoded["counts"].decode("ascii")}
        assert np.array_equal(importers.decode_rle(as_text), expected)
        runs = pycocotools.frPyObjects(
            {"size": list(shape), "counts": _runs(mask)}, *shape
        )  # uncompressed RLE, turned into compressed by pycocotools itself
        assert np.array_equal(pycocotools.decode(runs).astype(bool), mask)
        assert np.array_equal(
            importers.decode_rle({"size": list(shape), "counts": _runs(mask)}), mask
        )


def _runs(mask: np.ndarray) -> list[int]:
    """Uncompressed COCO RLE counts of a mask, computed plainly (column-major, 0s first)."""
    counts, value, run = [], False, 0
    for pixel in mask.ravel(order="F"):
        if pixel != value:
            counts.append(run)
            value, run = pixel, 0
        run += 1
    return counts + [run]


def test_decode_rle_refuses_what_pycocotools_would_misread():
    with pytest.raises(AnnotationError, match="covers 5 pixels but its size 2x3 has 6"):
        importers.decode_rle({"size": [2, 3], "counts": [1, 4]})
    with pytest.raises(AnnotationError, match="character"):
        importers.decode_rle({"size": [2, 3], "counts": "1~"})
    with pytest.raises(AnnotationError, match="middle of a number"):
        importers.decode_rle({"size": [2, 3], "counts": "P"})
    with pytest.raises(AnnotationError, match="size"):
        importers.decode_rle({"size": [2], "counts": [6]})


def test_coco_masks_equal_pycocotools_ann_to_mask(coco_case, tmp_path, pycocotools):
    path, images, document = coco_case
    report = importers.masks_from_coco(path, images, tmp_path / "masks")
    classes = json.loads((tmp_path / "masks" / "classes.json").read_text())
    assert classes == {"background": 0, "cell": 1, "nucleus": 2, "unused": 3}
    api = cocoapi(document)
    names = {c["id"]: c["name"] for c in document["categories"]}
    measured = {}
    for image in document["images"]:
        reference = np.zeros(SIZE, np.uint8)
        for annotation in api.imgToAnns[image["id"]]:  # file order, later on top
            reference[api.annToMask(annotation) == 1] = classes[names[annotation["category_id"]]]
        ours = read(tmp_path / "masks" / importers_mask_name(image["file_name"]))
        for name in ("cell", "nucleus"):
            a, b = ours == classes[name], reference == classes[name]
            measured[f"{image['file_name']}:{name}"] = round(iou(a, b), 4)
            assert differ_only_at_outlines(a, b), (image["file_name"], name)
    print("IoU per class, pycocotools annToMask vs masks_from_coco:", measured)
    assert min(measured.values()) >= 0.97, measured
    # the RLE annotations are pasted as they are: pixel for pixel where nothing covers them
    two = read(tmp_path / "masks" / "two.png")
    rle = api.annToMask(api.anns[14]) == 1
    apart = ~ndimage.binary_dilation(api.annToMask(api.anns[15]) == 1, iterations=2)
    assert (two[rle & apart] == 1).all() and (two[~rle & apart] != 1).all()
    assert report["crowd"].tolist() == [1, 0]
    assert report["drawn"].tolist() == [3, 2] and report["problems"].tolist() == ["", ""]


def importers_mask_name(file_name: str) -> str:
    return Path(file_name).stem + ".png"


def test_coco_instances_are_16_bit_one_number_per_annotation(coco_case, tmp_path, pycocotools):
    path, images, document = coco_case
    importers.masks_from_coco(path, images, tmp_path / "objects", instances=True)
    assert not (tmp_path / "objects" / "classes.json").exists()
    api = cocoapi(document)
    ours = read(tmp_path / "objects" / "one.png")
    assert ours.dtype == np.uint16 and sorted(np.unique(ours)) == [0, 1, 2, 3]
    covered = np.zeros(SIZE, bool)
    for number in (3, 2, 1):  # later annotations on top: compare what each keeps
        annotation = api.imgToAnns[3][number - 1]
        expected = (api.annToMask(annotation) == 1) & ~covered
        covered |= api.annToMask(annotation) == 1
        assert iou(ours == number, expected) >= 0.97, number


def test_coco_ignore_category_is_255_and_declared(coco_case, tmp_path):
    path, images, _ = coco_case
    importers.masks_from_coco(path, images, tmp_path / "masks", ignore=["nucleus"])
    classes = json.loads((tmp_path / "masks" / "classes.json").read_text())
    assert classes == {"background": 0, "cell": 1, "unused": 2, "ignore": 255}
    assert set(np.unique(read(tmp_path / "masks" / "one.png"))) == {0, 1, 255}
    with pytest.raises(AnnotationError, match="no label 'nuclei' to ignore"):
        importers.masks_from_coco(path, images, tmp_path / "other", ignore=["nuclei"])


def test_coco_annotations_that_cannot_be_drawn_are_report_rows(tmp_path):
    grey_image(tmp_path / "images" / "a.png")
    grey_image(tmp_path / "secret.png")
    square = coco_polygon([20, 60, 60, 20], [20, 20, 60, 60])
    document = {
        "images": [
            {"id": 1, "file_name": "a.png", "height": SIZE[0], "width": SIZE[1]},
            {"id": 2, "file_name": "missing.png", "height": 10, "width": 10},
            {"id": 3, "file_name": "../secret.png", "height": SIZE[0], "width": SIZE[1]},
            {"id": 4, "file_name": "A.png", "height": 99, "width": 99},
            {"id": 5, "file_name": "images\\..\\..\\secret.png", "height": 9, "width": 9},
        ],
        "categories": [{"id": 1, "name": "cell"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[10, 10, 30, 10]]},
            {"id": 2, "image_id": 1, "category_id": 7, "segmentation": [square]},
            {"id": 3, "image_id": 1, "category_id": 1,
             "segmentation": {"size": [10, 10], "counts": [100]}},
            {"id": 4, "image_id": 1, "category_id": 1,
             "segmentation": {"size": list(SIZE), "counts": [5, 3]}},
            {"id": 5, "image_id": 1, "category_id": 1,
             "segmentation": [coco_polygon([300, 350, 350, 300], [10, 10, 50, 50])]},
            {"id": 6, "image_id": 1, "category_id": 1, "segmentation": []},
            {"id": 7, "image_id": 1, "category_id": 1,
             "segmentation": [[1, 2, 3, 4], square]},
            {"id": 8, "image_id": 3, "category_id": 1, "segmentation": [square]},
        ],
    }  # fmt: skip
    path = tmp_path / "coco.json"
    path.write_text(json.dumps(document))
    report = importers.masks_from_coco(path, tmp_path / "images", tmp_path / "masks")
    assert report["status"].tolist() == [
        "ok", "missing image", "unsafe filename", "missing image", "unsafe filename"
    ]  # fmt: skip
    first = report.iloc[0]
    assert (first["degenerate"], first["unlabelled"], first["invalid"]) == (1, 1, 3)
    assert (first["partly_outside"], first["drawn"]) == (1, 2)
    problems = first["problems"]
    assert "annotation 1 ('cell') has a polygon that has 2 point(s), not 3 or more" in problems
    assert "annotation 2 (category_id 7) has a category_id that 'categories' does not" in problems
    assert "annotation 3 ('cell') is a mask of 10x10 pixels but its image is 320x240" in problems
    assert "annotation 4 ('cell') has an RLE that covers 8 pixels" in problems
    assert "annotation 5 ('cell') is partly outside the image" in problems
    assert "annotation 7 ('cell') polygon 0 has 2 point(s)" in problems
    assert "there is 'a.png', which differs in letter case" in report.iloc[3]["problems"]
    assert sorted(p.name for p in (tmp_path / "masks").iterdir()) == ["a.png", "classes.json"]


def test_coco_bad_files_stop_with_a_clear_error_and_nothing_written(tmp_path, coco_case):
    path, images, document = coco_case
    out = tmp_path / "masks"
    cases = {
        "broken.json": ('{"images": [', "is not valid JSON"),
        "labelme.json": (json.dumps({"shapes": []}), "a Labelme file .use labelme2masks"),
        "orphan.json": (
            json.dumps({**document, "annotations": [{"id": 4, "image_id": 99}]}),
            "annotation 4 belongs to image_id 99, which is not in 'images'",
        ),
        "twice.json": (
            json.dumps({**document, "images": document["images"] + document["images"][:1]}),
            "two images have the id 3",
        ),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(AnnotationError, match=message):
            importers.masks_from_coco(tmp_path / name, images, out)
    with pytest.raises(AnnotationNotFoundError, match="images folder"):
        importers.masks_from_coco(path, tmp_path / "nowhere", out)
    with pytest.raises(AnnotationNotFoundError, match="None of the 2 images"):
        importers.masks_from_coco(path, tmp_path, out)
    with pytest.raises(AnnotationError, match="which this conversion reads"):
        importers.masks_from_coco(path, images, images)
    assert not out.exists()


def test_an_existing_output_is_never_replaced_without_overwrite(coco_case, tmp_path):
    path, images, _ = coco_case
    out = tmp_path / "masks"
    out.mkdir()
    (out / "two.png").write_bytes(b"keep me")
    with pytest.raises(FileExistsRefusedError, match="nothing was written"):
        importers.masks_from_coco(path, images, out)
    assert files_under(out) == {"two.png": b"keep me"}
    importers.masks_from_coco(path, images, out, overwrite=True)
    assert sorted(files_under(out)) == ["classes.json", "one.png", "two.png"]


def test_vias_own_coco_export_reads_as_its_json_export_does(shared_data, tmp_path, pycocotools):
    """A real COCO file written by VIA ('Export Annotations (COCO format)'), with VIA's
    quirks (one polygon as a flat list, image ids as text in the annotations, the
    categories repeated), against the same annotations in VIA's JSON export."""
    folder = shared_data("via-real")
    coco = folder / "egutierrezc93_via2_export_coco.json"
    images = folder / "images" / "egutierrezc93"
    report = importers.masks_from_coco(coco, images, tmp_path / "coco")
    via.masks_from_via(
        folder / "egutierrezc93_via2_export_rect_receipts.json",
        images,
        tmp_path / "via",
        attribute="Info",
    )
    assert report["status"].eq("ok").all() and report["drawn"].tolist() == [3] * 6
    classes = json.loads((tmp_path / "coco" / "classes.json").read_text())
    assert classes == json.loads((tmp_path / "via" / "classes.json").read_text())
    # pycocotools, on the file with its quirks undone (it reads none of them)
    document = json.loads(coco.read_text())
    document["categories"] = list({c["id"]: c for c in document["categories"]}.values())
    for annotation in document["annotations"]:
        annotation["image_id"] = int(annotation["image_id"])
        annotation["segmentation"] = [annotation["segmentation"]]
    api = cocoapi(document)
    names = {c["id"]: c["name"] for c in document["categories"]}
    measured = []
    for image in document["images"]:
        ours = read(tmp_path / "coco" / importers_mask_name(image["file_name"]))
        from_via = read(tmp_path / "via" / importers_mask_name(image["file_name"]))
        reference = np.zeros(ours.shape, np.uint8)
        for annotation in api.imgToAnns[image["id"]]:
            reference[api.annToMask(annotation) == 1] = classes[names[annotation["category_id"]]]
        assert np.array_equal(ours, reference)
        # VIA wrote its coordinates as they are, pixel centres where COCO has pixel
        # corners: its boxes come out one pixel narrower, on their right and bottom sides
        measured.append(round(iou(ours != 0, from_via != 0), 4))
        assert not ((ours != 0) & (ours != from_via)).any()  # inside VIA's, same classes
        assert differ_only_at_outlines(ours != 0, from_via != 0)
    print("IoU, VIA's COCO export vs its JSON export of the same boxes:", measured)


def test_masks_to_coco_round_trips_through_pycocotools_and_back(tmp_path, pycocotools):
    masks, images = tmp_path / "masks", tmp_path / "images"
    expected = {}
    for k in range(3):
        labels = np.zeros(SIZE, np.uint8)
        labels[blob(SIZE, (60 + 10 * k, 60), (35, 45))] = 1
        labels[blob(SIZE, (100, 140 - 5 * k), (30, 25))] = 2
        labels[blob(SIZE, (30, 150), (12, 14))] = 255  # ignored: left out of the COCO file
        masks.mkdir(exist_ok=True)
        Image.fromarray(labels).save(masks / f"m{k}.png")
        grey_image(images / f"m{k}.jpg", seed=k)
        expected[f"m{k}"] = labels
    (masks / "classes.json").write_text(
        json.dumps({"background": 0, "cell": 1, "nucleus": 2, "ignore": 255})
    )
    table = importers.masks_to_coco(masks, images, tmp_path / "coco.json")
    assert table["annotations"].tolist() == [2, 2, 2]
    document = json.loads((tmp_path / "coco.json").read_text())
    assert [c["name"] for c in document["categories"]] == ["cell", "nucleus"]
    api = cocoapi(document)
    importers.masks_from_coco(tmp_path / "coco.json", images, tmp_path / "back")
    measured = {}
    for image in document["images"]:
        stem = Path(image["file_name"]).stem
        back = read(tmp_path / "back" / f"{stem}.png")
        for value in (1, 2):
            ref = np.zeros(SIZE, bool)
            for annotation in api.imgToAnns[image["id"]]:
                if annotation["category_id"] == value:
                    ref |= api.annToMask(annotation) == 1
            truth = expected[stem] == value
            measured[f"{stem}:{value}"] = (
                round(iou(ref, truth), 4),
                round(iou(back == value, truth), 4),
            )
            assert iou(ref, truth) >= 0.97 and iou(back == value, truth) >= 0.97
    print("IoU per class, masks -> masks_to_coco -> (annToMask, masks_from_coco):", measured)
    with pytest.raises(FileExistsRefusedError):
        importers.masks_to_coco(masks, images, tmp_path / "coco.json")


def test_masks_to_coco_refuses_unnamed_classes(tmp_path):
    grey_image(tmp_path / "images" / "a.png")
    (tmp_path / "masks").mkdir()
    labels = np.zeros(SIZE, np.uint8)
    labels[10:40, 10:40] = 3
    Image.fromarray(labels).save(tmp_path / "masks" / "a.png")
    with pytest.raises(AnnotationError, match=r"values \[3\].*add a classes.json"):
        importers.masks_to_coco(tmp_path / "masks", tmp_path / "images", tmp_path / "c.json")
    labels[labels == 3] = 255  # 0/255: binary, one category
    Image.fromarray(labels).save(tmp_path / "masks" / "a.png")
    importers.masks_to_coco(tmp_path / "masks", tmp_path / "images", tmp_path / "c.json")
    document = json.loads((tmp_path / "c.json").read_text())
    assert document["categories"] == [{"id": 1, "name": "foreground", "supercategory": ""}]
    (tmp_path / "masks" / "b.png").write_bytes((tmp_path / "masks" / "a.png").read_bytes())
    with pytest.raises(AnnotationNotFoundError, match="'b.png'"):
        importers.masks_to_coco(tmp_path / "masks", tmp_path / "images", tmp_path / "d.json")


# --------------------------------------------------------------------------------------
# CVAT
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def datumaro():
    return pytest.importorskip("datumaro", reason="datumaro is not installed")


CVAT_SHAPES = """
    <polygon label="cell" occluded="1" z_order="2" points="{cell}"/>
    <box label="plate" occluded="0" z_order="0" xtl="60.2" ytl="50.6" xbr="150.4" ybr="130.7"/>
    <box label="tilted" occluded="0" z_order="1" xtl="120.3" ytl="30.2" xbr="185.7" ybr="65.9"
         rotation="25.0"/>
    <polyline label="wire" occluded="0" z_order="3" points="10.3,140.2;80.1,150.6;190.4,120.1"/>
    <points label="seed" occluded="0" z_order="0" points="200.2,100.4;20.6,20.3"/>
    <mask label="plate" occluded="0" z_order="1" rle="{rle}" left="130" top="100" width="12"
          height="9"/>
    <tag label="cell"/>
"""


def cvat_file(path: Path, shapes: str, *, name="a.png", extra="") -> Path:
    labels = "".join(
        f"<label><name>{n}</name><color>#ff0000</color><type>any</type><attributes/></label>"
        for n in ("cell", "plate", "tilted", "wire", "seed", "spare")
    )
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>'
        f"<meta><task><id>1</id><name>t</name><labels>{labels}</labels></task></meta>"
        f'<image id="0" name="{name}" width="{SIZE[1]}" height="{SIZE[0]}">{shapes}</image>'
        f"{extra}</annotations>\n"
    )
    return path


def cvat_case(tmp_path: Path) -> tuple[Path, Path, np.ndarray]:
    grey_image(tmp_path / "images" / "a.png")
    block = np.zeros((9, 12), bool)
    block[2:8, 1:11] = True
    rle = ", ".join(str(v) for v in _runs(block.T))  # CVAT runs go row by row
    cell = ";".join(f"{x:.2f},{y:.2f}" for x, y in zip(*star(70, 75, 45, seed=7), strict=True))
    path = cvat_file(tmp_path / "annotations.xml", CVAT_SHAPES.format(cell=cell, rle=rle))
    return path, tmp_path / "images", block


def within(distance_to, points, radius) -> np.ndarray:
    """Pixels whose centres lie within ``radius`` of a polyline (or points), plainly."""
    rows, cols = np.indices(SIZE).astype(float)
    best = np.full(SIZE, np.inf)
    pairs = (
        list(zip(points[:-1], points[1:], strict=True))
        if distance_to == "line"
        else [(p, p) for p in points]
    )
    for (x0, y0), (x1, y1) in pairs:
        dx, dy = x1 - x0, y1 - y0
        t = 0.0 if dx == dy == 0 else ((cols - x0) * dx + (rows - y0) * dy) / (dx * dx + dy * dy)
        t = np.clip(t, 0, 1)
        best = np.minimum(best, np.hypot(cols - x0 - t * dx, rows - y0 - t * dy))
    return best <= radius + 1e-9


def test_cvat_masks_equal_datumaros_import_and_mask_export(datumaro, tmp_path):
    path, images, _ = cvat_case(tmp_path)
    report = importers.masks_from_cvat(path, images, tmp_path / "masks")
    classes = json.loads((tmp_path / "masks" / "classes.json").read_text())
    assert list(classes) == ["background", "cell", "plate", "seed", "spare", "tilted", "wire"]
    ours = read(tmp_path / "masks" / "a.png")

    # Datumaro: import, shapes with an area to masks, export as VOC, read the export back
    from datumaro.components.annotation import RotatedBbox

    dataset = datumaro.Dataset.import_from(str(tmp_path), "cvat")
    item = next(iter(dataset))
    annotations = [  # boxes_to_masks takes upright boxes only: turned ones as polygons
        datumaro.Polygon(np.ravel(a.as_polygon()).tolist(), label=a.label, z_order=a.z_order)
        if isinstance(a, RotatedBbox)
        else a
        for a in item.annotations
    ]
    dataset.put(item.wrap(annotations=annotations))
    masked = dataset.transform("polygons_to_masks").transform("boxes_to_masks")
    masked.export(str(tmp_path / "voc"), "voc_segmentation", label_map="source", save_media=False)
    exported = datumaro.Dataset.import_from(str(tmp_path / "voc"), "voc_segmentation")
    names = exported.categories()[datumaro.AnnotationType.label]
    reference = {name: np.zeros(SIZE, bool) for name in classes}
    for mask in next(iter(exported)).annotations:  # class masks, and object masks within them
        reference[names[mask.label].name] |= mask.image.astype(bool)
    label_names = dataset.categories()[datumaro.AnnotationType.label]
    lines = [a for a in item.annotations if isinstance(a, datumaro.PolyLine)]
    points = [a for a in item.annotations if isinstance(a, datumaro.Points)]
    # Datumaro's mask export draws no lines or points: their reference is Datumaro's
    # parsed coordinates, drawn by the rule plainly (1-pixel lines, radius-3 points)
    for annotation, kind, radius in [(lines[0], "line", 0.5), (points[0], "points", 3.0)]:
        xy = np.asarray(annotation.points).reshape(-1, 2) - 0.5
        reference[label_names[annotation.label].name] = within(kind, xy.tolist(), radius)
    measured = {}
    covered = np.zeros(SIZE, bool)
    for name in ("wire", "cell", "tilted", "plate", "seed"):  # top of the z-order first
        # where a shape of higher z_order covers this one, neither mask shows it
        a, b = ours == classes[name], reference[name] & ~covered
        if name != "seed":
            covered |= reference[name]
        measured[name] = round(iou(a, b), 4)
        assert differ_only_at_outlines(a, b), name
    print("IoU per class, Datumaro CVAT import + VOC mask export vs masks_from_cvat:", measured)
    assert min(measured[n] for n in ("cell", "tilted", "plate")) >= 0.97, measured
    assert measured["wire"] >= 0.97 and measured["seed"] >= 0.97, measured
    row = report.iloc[0]
    assert (row["regions"], row["drawn"], row["occluded"], row["problems"]) == (6, 6, 1, "")


def test_cvat_z_order_puts_higher_shapes_on_top_whatever_the_file_order(tmp_path):
    grey_image(tmp_path / "images" / "a.png")
    low = '<box label="plate" z_order="0" xtl="10" ytl="10" xbr="90" ybr="90"/>'
    high = '<box label="cell" z_order="5" xtl="40" ytl="40" xbr="120" ybr="120"/>'
    masks = []
    for k, shapes in enumerate([low + high, high + low]):
        xml = cvat_file(tmp_path / f"{k}.xml", shapes)
        importers.masks_from_cvat(xml, tmp_path / "images", tmp_path / f"m{k}")
        masks.append(read(tmp_path / f"m{k}" / "a.png"))
    assert np.array_equal(masks[0], masks[1])
    assert masks[0][60, 60] == 1 and masks[0][20, 20] == 2  # cell (1) over plate (2)


def test_cvat_rotation_turns_boxes_and_ellipses_alike(tmp_path):
    grey_image(tmp_path / "images" / "a.png")
    masks = {}
    for name, shape in {
        "box": '<box label="b" xtl="50" ytl="65" xbr="150" ybr="95" rotation="30"/>',
        "ellipse": '<ellipse label="e" cx="100" cy="80" rx="50" ry="15" rotation="30"/>',
        "mirrored": '<ellipse label="e" cx="100" cy="80" rx="50" ry="15" rotation="-30"/>',
    }.items():
        xml = cvat_file(tmp_path / f"{name}.xml", shape)
        importers.masks_from_cvat(xml, tmp_path / "images", tmp_path / name)
        masks[name] = read(tmp_path / name / "a.png") != 0
    # the ellipse inscribed in the box, turned the same way, stays inside it
    assert (masks["ellipse"] & ~masks["box"]).sum() < 0.01 * masks["ellipse"].sum()
    assert (masks["mirrored"] & ~masks["box"]).sum() > 0.3 * masks["mirrored"].sum()
    area = np.pi * 50 * 15
    assert abs(masks["ellipse"].sum() - area) < 0.02 * area


def test_cvat_shapes_that_cannot_be_drawn_are_report_rows(tmp_path):
    grey_image(tmp_path / "images" / "a.png")
    shapes = (
        '<polygon label="cell" points="10,10;50,10"/>'
        '<cuboid label="cell" xtl1="1" ytl1="1" xbr1="2" ybr1="2"/>'
        '<box label="cell" xtl="-20" ytl="10" xbr="40" ybr="40"/>'
        '<box label="cell" xtl="400" ytl="10" xbr="440" ybr="40"/>'
        '<polygon label="cell" points="10,x;50,10;3,4"/>'
        '<mask label="cell" rle="3, 4" left="1" top="1" width="5" height="5"/>'
    )
    xml = cvat_file(tmp_path / "a.xml", shapes)
    row = importers.masks_from_cvat(xml, tmp_path / "images", tmp_path / "masks").iloc[0]
    assert (row["degenerate"], row["unknown_shape"], row["invalid"], row["drawn"]) == (1, 1, 2, 1)
    assert (row["partly_outside"], row["wholly_outside"]) == (1, 1)
    assert "shape 1 (cuboid 'cell') is a CVAT cuboid, which is not drawn" in row["problems"]
    assert (
        "shape 5 (mask 'cell') has an 'rle' that does not cover its 5 x 5 block" in row["problems"]
    )


def test_cvat_bad_files_stop_with_a_clear_error_and_nothing_written(tmp_path):
    grey_image(tmp_path / "images" / "a.png")
    out = tmp_path / "masks"
    (tmp_path / "broken.xml").write_text("<annotations><image name='a.png'>")
    with pytest.raises(AnnotationError, match=r"broken\.xml is not valid XML"):
        importers.masks_from_cvat(tmp_path / "broken.xml", tmp_path / "images", out)
    (tmp_path / "voc.xml").write_text("<annotation><object/></annotation>")
    with pytest.raises(AnnotationError, match="<annotation> root, not CVAT's"):
        importers.masks_from_cvat(tmp_path / "voc.xml", tmp_path / "images", out)
    video = cvat_file(tmp_path / "video.xml", "", extra='<track id="0" label="cell"/>')
    with pytest.raises(AnnotationError, match="'CVAT for video' export"):
        importers.masks_from_cvat(video, tmp_path / "images", out)
    unsafe = cvat_file(tmp_path / "unsafe.xml", "", name="../secret.png")
    grey_image(tmp_path / "secret.png")
    with pytest.raises(AnnotationNotFoundError, match="None of the 1 images"):
        importers.masks_from_cvat(unsafe, tmp_path / "images", out)
    with pytest.raises(AnnotationNotFoundError, match="does not exist"):
        importers.masks_from_cvat(tmp_path / "nothing.xml", tmp_path / "images", out)
    assert not out.exists()
