"""The bundled datasets: layout, labels, determinism, and that data/ is what the generator makes."""

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from multiclass_data import CLASSES, baseline_iou, shapes_image, write_multiclass
from PIL import Image
from scipy import ndimage
from skimage.filters import threshold_multiotsu
from sklearn.metrics import jaccard_score

from helpers import cli, config, errors, synthetic, via

DATA = config.data_dir()


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def test_the_same_index_gives_the_same_pair_and_others_differ():
    a_image, a_mask = synthetic.mito_pair(3)
    b_image, b_mask = synthetic.mito_pair(3)
    assert (a_image == b_image).all() and (a_mask == b_mask).all()
    assert not (synthetic.mito_pair(4)[0] == a_image).all()


def test_mito_masks_hold_only_0_and_255_and_cover_a_minority():
    for i in range(5):
        image, mask = synthetic.mito_pair(i)
        assert image.dtype == np.uint8 and image.shape == (256, 256)
        assert set(np.unique(mask)) == {0, 255}
        assert 0.01 < (mask > 0).mean() < 0.3


def test_no_global_threshold_separates_organelles_from_lookalikes():
    """Even the best threshold, chosen with the answer in hand, scores a foreground IoU < 0.6:
    the look-alikes and the uneven light defeat any single cut-off, which is the course's point."""
    for i in range(4):
        image, mask = synthetic.mito_pair(i)
        truth = mask > 0
        best = max(((image < t) & truth).sum() / ((image < t) | truth).sum() for t in range(1, 256))
        assert best < 0.6, (i, best)


def test_mri_polygons_lie_inside_the_image_and_draw_the_lesions():
    for i in range(6):
        image, lesions = synthetic.mri_slice(i)
        assert image.shape == (256, 256, 3) and image.dtype == np.uint8
        assert len(lesions) == synthetic.lesion_count(i)
        for outline in lesions:
            assert outline.shape[1] == 2 and len(outline) >= 3
            assert outline.min() >= 0 and outline.max() < 256
        mask = synthetic.lesion_mask(image.shape[:2], lesions)
        if lesions:  # lesions are brighter than the brain around them
            assert image[mask > 0].mean() > image[(mask == 0) & (image.mean(-1) > 60)].mean()


def test_layout_of_the_bundled_data():
    mito_images = sorted(p.name for p in (DATA / "mito" / "images").glob("*.png"))
    mito_masks = sorted(p.name for p in (DATA / "mito" / "masks").glob("*.png"))
    assert len(mito_images) >= 60 and mito_images == mito_masks
    external = list((DATA / "mito" / "external").glob("*.png"))
    assert len(external) == 1
    assert _pixels(external[0]).shape == (384, 512)
    assert _pixels(DATA / "mito" / "external" / "masks" / external[0].name).shape == (384, 512)
    mri_images = list((DATA / "mri" / "images").glob("*.png"))
    assert len(mri_images) >= 40
    assert all(_pixels(p).shape == (256, 256, 3) for p in mri_images[:5])
    cells_images = sorted((DATA / "cells" / "images").glob("*.png"))
    assert len(cells_images) == synthetic.CELLS_COUNT >= 40
    assert all(_pixels(p).shape == (256, 256) for p in cells_images[:5])


def test_via_annotations_are_a_via2_export_with_some_empty_and_some_double_images():
    project = json.loads((DATA / "mri" / "via_annotations.json").read_text())
    counts = [len(entry["regions"]) for entry in project.values()]
    assert min(counts) == 0 and max(counts) == 2
    for key, entry in project.items():
        path = DATA / "mri" / "images" / entry["filename"]
        assert key == f"{entry['filename']}{entry['size']}"
        assert entry["size"] == path.stat().st_size
        for region in entry["regions"]:  # VIA 2.x: a list of regions, polygons with int points
            shape = region["shape_attributes"]
            assert shape["name"] == "polygon"
            assert len(shape["all_points_x"]) == len(shape["all_points_y"]) >= 3
            assert all(isinstance(v, int) for v in shape["all_points_x"] + shape["all_points_y"])


def test_bundled_data_stays_under_10_mb():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 10 * 2**20


def test_cells_dataset_stays_under_2_mb():
    total = sum(p.stat().st_size for p in (DATA / "cells").rglob("*") if p.is_file())
    assert total < 2 * 2**20


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("fresh")
    assert cli.main(["synth", "--out", str(out)]) == 0
    return out


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.suffix != ".md")


def test_data_folder_equals_a_fresh_run(fresh):
    """Pixels and annotations are compared.

    So a different PNG encoder (Pillow build) still passes.
    """
    assert _files(fresh) == _files(DATA)
    for relative in _files(DATA):
        if relative.suffix == ".png":
            assert (_pixels(DATA / relative) == _pixels(fresh / relative)).all(), relative
    for name in ("mri", "cells"):
        ours = json.loads((DATA / name / "via_annotations.json").read_text())
        theirs = json.loads((fresh / name / "via_annotations.json").read_text())
        by_name = {e["filename"]: e["regions"] for e in theirs.values()}
        assert {e["filename"]: e["regions"] for e in ours.values()} == by_name, name


def test_two_runs_write_byte_identical_files(fresh, tmp_path):
    again = tmp_path / "again"
    synthetic.write_all(again)
    for relative in _files(fresh):
        assert (fresh / relative).read_bytes() == (again / relative).read_bytes(), relative


def test_synth_refuses_to_overwrite_and_says_how(fresh, capsys):
    before = (fresh / "mito" / "images" / "mito_000.png").stat().st_mtime_ns
    assert cli.main(["synth", "--out", str(fresh)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (fresh / "mito" / "images" / "mito_000.png").stat().st_mtime_ns == before
    with pytest.raises(errors.FileExistsRefusedError):
        synthetic.write_all(fresh)


# --------------------------------------------------------------------------------------
# cells: four classes that differ in shape, not in brightness; one of them rare
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cells():
    """The bundled cells set: images (N, 256, 256) and class masks drawn from its VIA file."""
    project = via.load_via(DATA / "cells" / "via_annotations.json")
    images, masks = [], []
    for entry in project.images:
        image = _pixels(DATA / "cells" / "images" / entry.filename)
        classes = synthetic.CELLS_CLASSES
        mask = via.rasterize_regions(entry.regions, image.shape, attribute="class", classes=classes)
        images.append(image)
        masks.append(mask)
    return np.stack(images), np.stack(masks)


def test_cells_image_is_deterministic_and_its_regions_lie_inside_and_apart():
    image, regions = synthetic.cells_image(5)
    again, same = synthetic.cells_image(5)
    assert (image == again).all() and regions == same
    assert not (synthetic.cells_image(6)[0] == image).all()
    assert image.dtype == np.uint8 and image.shape == (256, 256)
    owners = np.zeros(image.shape, dtype=int)
    for region in regions:
        alone = via.rasterize_regions([region], image.shape)
        assert alone.sum() > 50, region
        assert not (alone & (owners > 0)).any(), "regions overlap"
        owners[alone] = 1
        shape = region["shape_attributes"]
        if shape["name"] == "polygon":
            assert 0 <= min(shape["all_points_x"]) and max(shape["all_points_x"]) < 256
            assert 0 <= min(shape["all_points_y"]) and max(shape["all_points_y"]) < 256
    mask = synthetic.cells_mask(image.shape, regions)
    assert ((mask > 0) == (owners > 0)).all()
    assert image[mask > 0].mean() > image[mask == 0].mean() + 60  # bright objects, dark ground


def test_cells_via_file_is_a_via2_export_of_ellipses_and_polygons_with_four_classes():
    text = (DATA / "cells" / "via_annotations.json").read_text()
    project = json.loads(text)
    shapes, names = set(), set()
    for key, entry in project.items():
        path = DATA / "cells" / "images" / entry["filename"]
        assert key == f"{entry['filename']}{entry['size']}"
        assert entry["size"] == path.stat().st_size
        for region in entry["regions"]:
            shape = region["shape_attributes"]
            shapes.add(shape["name"])
            names.add(region["region_attributes"]["class"])
            if shape["name"] == "polygon":
                points = shape["all_points_x"] + shape["all_points_y"]
                assert all(isinstance(v, int) for v in points)
    assert shapes == {"ellipse", "polygon"}
    assert via.class_indices(names) == synthetic.CELLS_CLASSES
    loaded = via.load_via(DATA / "cells" / "via_annotations.json")
    assert via.project_classes(loaded, "class") == synthetic.CELLS_CLASSES


def test_cells_masks_from_the_via_file_are_the_generators_masks(cells, tmp_path):
    report = via.masks_from_via(
        DATA / "cells" / "via_annotations.json",
        DATA / "cells" / "images",
        tmp_path,
        attribute="class",
    )
    assert (report["status"] == "ok").all() and (report["problems"] == "").all()
    assert json.loads((tmp_path / "classes.json").read_text()) == synthetic.CELLS_CLASSES
    for i in (0, 7, 31):
        image, regions = synthetic.cells_image(i)
        written = _pixels(tmp_path / f"cells_{i:03d}.png")
        assert (written == synthetic.cells_mask(image.shape, regions)).all()
        assert (written == cells[1][i]).all()


def test_crescents_are_rare_and_every_other_class_is_common(cells):
    _, masks = cells
    counts = np.bincount(masks.ravel(), minlength=5)[1:]
    share = dict(zip(["crescent", "nucleus", "rod", "star"], counts / counts.sum(), strict=True))
    assert 0.03 < share["crescent"] <= 0.10, share
    assert all(0.2 < share[name] < 0.4 for name in ("nucleus", "rod", "star")), share
    assert (masks == 1).any(axis=(1, 2)).mean() > 0.5  # yet most images hold one


def test_cells_classes_are_equally_bright(cells):
    """Inside the objects (2 px from their edges, which the blur darkens most on thin
    shapes), every class has the same brightness and spread, to within sampling."""
    images, masks = cells
    inside = [
        np.stack([ndimage.binary_erosion(m == c, iterations=2) for m in masks]) for c in range(1, 5)
    ]
    means = [images[core].mean() for core in inside]
    spreads = [images[core].std() for core in inside]
    assert max(means) - min(means) < 8, means  # grey levels, of a range of about 255
    assert max(spreads) - min(spreads) < 8, spreads


def test_no_multiotsu_assignment_of_bands_separates_the_cells_classes(cells):
    images, masks = cells
    scores = synthetic.multiotsu_baseline(images, masks, num_classes=5)
    assert scores[0] > 0.9  # background against objects: thresholds do that well
    assert scores[1:].max() <= 0.4, scores


# --------------------------------------------------------------------------------------
# The multi-Otsu baseline
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [2, 3, 4])
def test_multiotsu_thresholds_equal_scikit_images(levels):
    rng = np.random.default_rng(levels)
    images = [
        synthetic.cells_image(2)[0],
        synthetic.mito_pair(1)[0],
        rng.normal(120, 40, (40, 50)).clip(0, 255).astype(np.uint8),
        rng.random((30, 30)),
        rng.integers(1000, 1200, (20, 20), dtype=np.uint16),
    ]
    for image in images:
        ours = synthetic.multiotsu_thresholds(image, levels=levels)
        theirs = threshold_multiotsu(image, classes=levels)
        assert np.array_equal(np.digitize(image, ours), np.digitize(image, theirs))


def test_multiotsu_thresholds_of_a_wide_integer_range_are_those_of_its_float_copy():
    """Past 1024 integer values, 256 bins as for floats (scikit-image tries every value)."""
    image = np.random.default_rng(1).integers(0, 3000, (20, 20), dtype=np.uint16)
    ours = synthetic.multiotsu_thresholds(image, levels=3)
    theirs = threshold_multiotsu(image.astype(np.float64), classes=3)
    assert np.array_equal(np.digitize(image, ours), np.digitize(image, theirs))


def test_multiotsu_thresholds_equal_scikit_images_with_five_levels():
    image = synthetic.cells_image(3)[0] // 4  # 64 grey levels: scikit-image's search is quick
    ours = synthetic.multiotsu_thresholds(image, levels=5)
    assert np.array_equal(ours, threshold_multiotsu(image, classes=5))


def test_multiotsu_bands_average_the_channels_of_a_colour_image():
    rgb = synthetic.mri_slice(0)[0]
    bands = synthetic.multiotsu_bands(rgb, levels=3)
    grey = rgb.mean(axis=-1)
    assert np.array_equal(bands, np.digitize(grey, threshold_multiotsu(grey, classes=3)))


def test_multiotsu_baseline_is_the_best_union_of_bands_scored_by_sklearn():
    pairs = [shapes_image(i, size=48, seed=5) for i in range(3)]
    images, masks = [p[0] for p in pairs], [p[1] for p in pairs]
    scores = synthetic.multiotsu_baseline(images, masks, num_classes=5)
    bands = np.concatenate([synthetic.multiotsu_bands(im, levels=5).ravel() for im in images])
    truth = np.concatenate([m.ravel() for m in masks])
    for c in range(5):
        best = max(
            jaccard_score(truth == c, np.isin(bands, subset))
            for k in range(1, 6)
            for subset in itertools.combinations(range(5), k)
        )
        assert scores[c] == pytest.approx(best, abs=1e-12), c


def test_multiotsu_baseline_of_classes_that_differ_in_brightness_is_near_perfect():
    rng = np.random.default_rng(3)
    mask = np.repeat(np.arange(4, dtype=np.uint8), 400).reshape(40, 40)
    image = (30 + 60 * mask + rng.normal(0, 5, mask.shape)).clip(0, 255).astype(np.uint8)
    assert synthetic.multiotsu_baseline([image], [mask], num_classes=4).min() > 0.95


def test_multiotsu_baseline_refuses_unmatched_masks_and_labels_and_flat_images():
    image = synthetic.cells_image(0)[0]
    mask = synthetic.cells_mask(image.shape, synthetic.cells_image(0)[1])
    with pytest.raises(errors.MetricInputError, match="one mask per image"):
        synthetic.multiotsu_baseline([image, image], [mask], num_classes=5)
    with pytest.raises(errors.MetricInputError, match="shape"):
        synthetic.multiotsu_baseline([image], [mask[:10]], num_classes=5)
    with pytest.raises(errors.MetricInputError, match="outside 0..3"):
        synthetic.multiotsu_baseline([image], [mask], num_classes=4)
    with pytest.raises(errors.ClassicalInputError, match="too few"):
        synthetic.multiotsu_bands(np.zeros((8, 8), np.uint8), levels=3)


# --------------------------------------------------------------------------------------
# The tests' own multi-class set (tests/multiclass_data.py)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return write_multiclass(tmp_path_factory.mktemp("shapes"))


def test_test_set_has_its_own_four_classes_in_every_image(shapes):
    images, masks = shapes.load()
    assert images.shape == masks.shape == (24, 64, 64) and images.dtype == np.uint8
    assert set(CLASSES) - {"background"} == {"bar", "cross", "square", "triangle"}
    assert not set(CLASSES) & set(synthetic.CELLS_CLASSES) - {"background"}
    assert all(set(np.unique(m)) == set(range(5)) for m in masks)
    assert json.loads((shapes.masks / "classes.json").read_text()) == CLASSES


def test_test_set_via_file_gives_its_masks_through_via2masks(shapes, tmp_path):
    report = via.masks_from_via(shapes.via, shapes.images, tmp_path, attribute=shapes.attribute)
    assert (report["problems"] == "").all()
    assert json.loads((tmp_path / "classes.json").read_text()) == CLASSES
    for path in sorted(shapes.masks.glob("*.png")):
        assert (_pixels(tmp_path / path.name) == _pixels(path)).all(), path.name


def test_test_set_is_deterministic_and_leaves_room_above_its_baseline(shapes, tmp_path):
    again = write_multiclass(tmp_path, count=3)
    for name in ("shapes_000.png", "shapes_002.png"):
        assert (_pixels(again.images / name) == _pixels(shapes.images / name)).all()
        assert (_pixels(again.masks / name) == _pixels(shapes.masks / name)).all()
    floor = baseline_iou(shapes)
    assert floor.shape == (5,) and floor[0] > 0.9
    assert floor[1:].max() < 0.4, floor  # a model 0.3 above it scores under 0.7
