"""python -m helpers objects, and evaluate --objects, on copies of a few data/mito pairs."""

from __future__ import annotations

import functools
import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

from helpers import cli, io
from helpers.files import write_png

STEMS = [f"mito_{i:03d}" for i in range(6)]


@pytest.fixture(scope="module")
def folders(mito_folder):
    """6 image/mask pairs copied from data/mito."""
    return mito_folder(len(STEMS))


def _fails(argv, capsys, *fragments):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.split("\n") if line.strip() and "\r" not in line]  # not the bar
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in err
    return err


def test_objects_writes_one_row_per_connected_component(folders, tmp_path, capsys):
    out = tmp_path / "objects.csv"
    assert cli.main(["objects", "--masks", str(folders / "masks"), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    counts = table.groupby("image").size()
    for stem in STEMS:
        expected = ndimage.label(io.read_mask(folders / "masks" / f"{stem}.png"))[1]
        assert counts[stem] == expected
    assert {"class", "label", "area_px", "major_axis_px", "minor_axis_px", "solidity"} <= set(table)
    assert (table["class"] == 1).all() and "mean_intensity" not in table
    assert (
        capsys.readouterr()
        .out.strip()
        .splitlines()[-1]
        .startswith(f"Measured {len(table)} objects in 6 masks")
    )


def test_objects_with_images_and_pixel_size_adds_intensity_in_microns(folders, tmp_path):
    out = tmp_path / "objects.csv"
    code = cli.main(
        [
            "objects",
            "--masks",
            str(folders / "masks"),
            "--images",
            str(folders / "images"),
            "--out",
            str(out),
            "--pixel-size",
            "0.5",
            "--min-size",
            "20",
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert {"area_um2", "major_axis_um", "mean_intensity"} <= set(table) and "area_px" not in table
    first = table.iloc[0]
    mask = io.read_mask(folders / "masks" / f"{first['image']}.png")
    labels, _ = ndimage.label(mask)
    image = io.read_image(folders / "images" / f"{first['image']}.png")[..., 0]
    assert first["area_um2"] == pytest.approx((labels == first["label"]).sum() * 0.25)
    assert first["mean_intensity"] == pytest.approx(image[labels == first["label"]].mean())


def test_class_index_masks_give_objects_per_class(tmp_path):
    masks = tmp_path / "masks"
    mask = np.zeros((20, 20), np.uint8)
    mask[2:6, 2:6] = 1
    mask[10:14, 2:6] = 1
    mask[8:18, 10:18] = 2
    write_png(masks / "a.png", mask)
    assert cli.main(["objects", "--masks", str(masks), "--out", str(tmp_path / "o.csv")]) == 0
    table = pd.read_csv(tmp_path / "o.csv")
    assert table.groupby("class").size().to_dict() == {1: 2, 2: 1}


def test_objects_refuses_to_overwrite_its_csv(folders, tmp_path, capsys):
    out = tmp_path / "objects.csv"
    out.write_text("keep me")
    _fails(["objects", "--masks", str(folders / "masks"), "--out", str(out)], capsys, "--overwrite")
    assert out.read_text() == "keep me"
    assert (
        cli.main(["objects", "--masks", str(folders / "masks"), "--out", str(out), "--overwrite"])
        == 0
    )
    assert out.read_text().startswith("image,class,label")


def test_missing_mask_folder_is_a_one_line_error(tmp_path, capsys):
    _fails(
        ["objects", "--masks", str(tmp_path / "nope"), "--out", str(tmp_path / "o.csv")],
        capsys,
        "mask folder",
        "nope",
    )
    assert not (tmp_path / "o.csv").exists()


def test_an_empty_mask_folder_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "masks").mkdir()
    _fails(
        ["objects", "--masks", str(tmp_path / "masks"), "--out", str(tmp_path / "o.csv")],
        capsys,
        "No masks",
    )


def test_an_unpaired_mask_is_named(folders, tmp_path, capsys):
    masks = tmp_path / "masks"
    shutil.copytree(folders / "masks", masks)
    shutil.copy(masks / "mito_000.png", masks / "stray.png")
    _fails(
        [
            "objects",
            "--masks",
            str(masks),
            "--images",
            str(folders / "images"),
            "--out",
            str(tmp_path / "o.csv"),
        ],
        capsys,
        "stray",
    )


def test_an_image_of_another_size_than_its_mask_is_named(tmp_path, capsys):
    write_png(tmp_path / "images" / "a.png", np.zeros((10, 12), np.uint8))
    write_png(tmp_path / "masks" / "a.png", np.zeros((10, 10), np.uint8))
    _fails(
        [
            "objects",
            "--masks",
            str(tmp_path / "masks"),
            "--images",
            str(tmp_path / "images"),
            "--out",
            str(tmp_path / "o.csv"),
        ],
        capsys,
        "a.png",
        "12 x 10",
    )


def test_a_mask_that_is_not_a_mask_is_named(tmp_path, capsys):
    write_png(tmp_path / "masks" / "photo.png", np.arange(100, dtype=np.uint8).reshape(10, 10))
    _fails(
        ["objects", "--masks", str(tmp_path / "masks"), "--out", str(tmp_path / "o.csv")],
        capsys,
        "photo.png",
    )


@pytest.mark.parametrize("value", ["0", "-1", "abc"])
def test_a_bad_pixel_size_is_refused_by_the_parser(tmp_path, value, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(
            [
                "objects",
                "--masks",
                str(tmp_path),
                "--out",
                str(tmp_path / "o.csv"),
                "--pixel-size",
                value,
            ]
        )
    assert exit_.value.code == 2 and "--pixel-size" in capsys.readouterr().err


@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
@pytest.mark.usefixtures("eager_steps")  # tests/conftest.py says why
def test_evaluate_objects_adds_object_columns(folders, tmp_path, monkeypatch, capsys):
    pytest.importorskip("keras")
    from helpers import training

    monkeypatch.setattr(training, "train", functools.partial(training.train, jit_compile=False))
    run = tmp_path / "run"
    assert (
        cli.main(
            [
                "train",
                "--images",
                str(folders / "images"),
                "--masks",
                str(folders / "masks"),
                "--out",
                str(run),
                "--size",
                "32",
                "--epochs",
                "1",
                "--profile",
                "quick",
            ]
        )
        == 0
    )
    out = tmp_path / "metrics.csv"
    code = cli.main(
        [
            "evaluate",
            "--model",
            str(run / "model.keras"),
            "--images",
            str(folders / "images"),
            "--masks",
            str(folders / "masks"),
            "--out",
            str(out),
            "--objects",
        ]
    )
    assert code == 0
    table = pd.read_csv(out, index_col="image")
    assert table.index.tolist() == STEMS
    assert {
        "iou",
        "dice",
        "n_true",
        "n_pred",
        "tp",
        "fp",
        "fn",
        "object_f1",
        "ap",
        "mean_ap",
        "splits",
        "merges",
    } <= set(table)
    assert (table["tp"] + table["fn"] == table["n_true"]).all()
    assert (table["n_true"] > 0).all()
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].startswith("Objects: ") and lines[-1].startswith("Evaluated 6 images")
