"""The bundled datasets: layout, labels, determinism, and that data/ is what the generator makes."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import cli, config, errors, synthetic

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
    ours = json.loads((DATA / "mri" / "via_annotations.json").read_text())
    theirs = json.loads((fresh / "mri" / "via_annotations.json").read_text())
    by_name = {e["filename"]: e["regions"] for e in theirs.values()}
    assert {e["filename"]: e["regions"] for e in ours.values()} == by_name


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
