"""python -m helpers train | evaluate | predict, on a copy of a few data/mito pairs."""

from __future__ import annotations

import functools
import json
import shutil

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("keras")

from helpers import cli, config, io, training  # noqa: E402
from helpers.inference import load_model  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
    pytest.mark.usefixtures("eager_steps"),  # tests/conftest.py says why
]

STEMS = [f"mito_{i:03d}" for i in range(8)]


@pytest.fixture(scope="module")
def folders(mito_folder):
    """8 image/mask pairs copied from data/mito."""
    return mito_folder(len(STEMS))


def _train_args(folders, out, *extra):
    return [
        "train",
        "--images",
        str(folders / "images"),
        "--masks",
        str(folders / "masks"),
        "--out",
        str(out),
        "--size",
        "32",
        "--epochs",
        "1",
        "--profile",
        "quick",
        *extra,
    ]


@pytest.fixture(scope="module")
def run(folders, tmp_path_factory):
    """One finished `train` run (XLA off: one epoch of a few steps compiles faster without)."""
    out = tmp_path_factory.mktemp("run")
    patch = pytest.MonkeyPatch()
    patch.setattr(training, "train", functools.partial(training.train, jit_compile=False))
    try:
        assert cli.main(_train_args(folders, out)) == 0
    finally:
        patch.undo()
    return out


@pytest.fixture
def fast_training(monkeypatch):
    monkeypatch.setattr(training, "train", functools.partial(training.train, jit_compile=False))


def test_train_writes_model_history_and_a_split_without_overlap(run):
    split = json.loads((run / "split.json").read_text())
    parts = [set(split[k]) for k in ("train", "val", "test")]
    assert all(parts) and set.union(*parts) == set(STEMS)
    assert sum(len(p) for p in parts) == len(STEMS)  # disjoint
    history = pd.read_csv(run / "history.csv")
    assert history["epoch"].tolist() == [0]
    assert (run / "model.keras").is_file()
    assert json.loads((run / "run.json").read_text())["size"] == 32


def test_train_again_with_the_same_command_resumes_and_adds_nothing(
    run, folders, fast_training, capsys
):
    assert cli.main(_train_args(folders, run)) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("nothing left to train")
    assert len(pd.read_csv(run / "history.csv")) == 1


def test_train_with_base_filters_builds_and_records_that_width(folders, tmp_path, fast_training):
    out = tmp_path / "narrow"
    assert cli.main(_train_args(folders, out, "--base-filters", "4")) == 0
    assert json.loads((out / "run.json").read_text())["base_filters"] == 4
    import keras

    model = load_model(out / "model.keras")
    first = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    assert first.filters == 4
    deepest = max(layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    assert deepest == 4 * 2**4  # doubled at each of the default depth's 4 levels


def test_train_with_base_filters_below_one_is_a_one_line_error(folders, tmp_path, capsys):
    out = tmp_path / "none"
    assert cli.main(_train_args(folders, out, "--base-filters", "0")) == 2
    err = capsys.readouterr().err
    assert "base filters must be at least 1" in err and "Traceback" not in err
    assert not out.exists()


def test_train_into_a_folder_of_another_split_is_refused(run, folders, capsys):
    assert cli.main(_train_args(folders, run, "--seed", "7")) == 2
    err = capsys.readouterr().err
    assert "split.json is from a different run" in err and "Traceback" not in err


def test_evaluate_writes_one_row_per_test_image(run, folders, tmp_path, capsys):
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
            "--split",
            str(run / "split.json"),
        ]
    )
    assert code == 0
    table = pd.read_csv(out, index_col="image")
    assert table.index.tolist() == json.loads((run / "split.json").read_text())["test"]
    assert {"iou", "dice", "precision", "recall", "f1", "accuracy"} <= set(table.columns)
    assert (
        capsys.readouterr().out.strip().splitlines()[-1].startswith("Evaluated 1 images at 32 px")
    )


def test_evaluate_refuses_to_overwrite_its_csv(run, folders, tmp_path, capsys):
    out = tmp_path / "metrics.csv"
    out.write_text("keep me")
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
        ]
    )
    assert code == 2 and out.read_text() == "keep me"
    assert "--overwrite" in capsys.readouterr().err


def test_predict_writes_masks_at_each_input_size(run, folders, tmp_path):
    out = tmp_path / "pred"
    assert (
        cli.main(
            [
                "predict",
                "--model",
                str(run / "model.keras"),
                "--input",
                str(folders / "images"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    written = sorted(p.stem for p in out.glob("*.png"))
    assert written == STEMS
    mask = io.read_image(out / "mito_000.png")
    assert mask.shape == (256, 256, 1) and set(np.unique(mask)) <= {0, 255}


def test_predict_one_file_in_tiles(run, tmp_path):
    external = config.data_dir("mito", "external", "external_000.png")
    out = tmp_path / "pred"
    code = cli.main(
        [
            "predict",
            "--model",
            str(run / "model.keras"),
            "--input",
            str(external),
            "--out",
            str(out),
            "--tile",
            "32",
        ]
    )
    assert code == 0
    assert io.read_image(out / "external_000.png").shape[:2] == io.read_image(external).shape[:2]


def test_evaluate_a_run_scores_its_test_images_from_its_own_folders(run, tmp_path, capsys):
    out = tmp_path / "metrics.csv"
    assert cli.main(["evaluate", "--run", str(run), "--out", str(out)]) == 0
    settings = json.loads((run / "run.json").read_text())
    split = json.loads((run / "split.json").read_text())
    table = pd.read_csv(out, index_col="image")
    assert table.index.tolist() == split["test"]
    reference = tmp_path / "reference.csv"  # the same scores through --model, given in full
    argv = ["--images", settings["images"], "--masks", settings["masks"], "--out"]
    model_args = ["--model", str(run / "model.keras"), "--split", str(run / "split.json")]
    assert cli.main(["evaluate", *model_args, *argv, str(reference)]) == 0
    pd.testing.assert_frame_equal(table, pd.read_csv(reference, index_col="image"))
    lines = capsys.readouterr().out.strip().splitlines()
    summaries = [line for line in lines if line.startswith("Evaluated")]
    assert summaries[0].startswith(f"Evaluated 1 images (the test images of {run}) at 32 px")
    assert summaries[1].startswith("Evaluated 1 images at 32 px")  # --model: as before


def test_evaluate_a_run_with_all_scores_every_pair(run, tmp_path, capsys):
    out = tmp_path / "metrics.csv"
    assert cli.main(["evaluate", "--run", str(run), "--all", "--out", str(out)]) == 0
    assert pd.read_csv(out, index_col="image").index.tolist() == STEMS
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("Evaluated 8 images (every image in the folders) at 32 px")


def test_evaluate_a_run_without_a_split_asks_for_all(run, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(run, folder)
    (folder / "split.json").unlink()
    out = tmp_path / "metrics.csv"
    _fails(["evaluate", "--run", str(folder), "--out", str(out)], capsys, "--all", "split.json")
    assert not out.exists()


def test_evaluate_all_and_split_together_are_refused(run, tmp_path, capsys):
    argv = ["evaluate", "--run", str(run), "--all", "--split", str(run / "split.json")]
    _fails([*argv, "--out", str(tmp_path / "m.csv")], capsys, "--all", "--split")
    assert not (tmp_path / "m.csv").exists()


def test_predict_a_run_gives_the_masks_of_its_model(run, folders, tmp_path):
    by_run, by_model = tmp_path / "run", tmp_path / "model"
    common = ["--input", str(folders / "images"), "--out"]
    assert cli.main(["predict", "--run", str(run), *common, str(by_run)]) == 0
    assert cli.main(["predict", "--model", str(run / "model.keras"), *common, str(by_model)]) == 0
    for stem in STEMS:
        np.testing.assert_array_equal(
            io.read_image(by_run / f"{stem}.png"), io.read_image(by_model / f"{stem}.png")
        )


def _fails(argv, capsys, *fragments):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.split("\n") if line.strip() and "\r" not in line]  # not the bar
    assert len(lines) == 1 and lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in err
    return err


def test_missing_image_folder_is_a_one_line_error(tmp_path, capsys):
    _fails(
        [
            "train",
            "--images",
            str(tmp_path / "nope"),
            "--masks",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
        ],
        capsys,
        "nope",
    )


def test_orphan_mask_is_named_in_the_error(folders, tmp_path, capsys):
    images, masks = tmp_path / "images", tmp_path / "masks"
    shutil.copytree(folders / "images", images)
    shutil.copytree(folders / "masks", masks)
    shutil.copy(masks / "mito_000.png", masks / "stray.png")
    _fails(_train_args(tmp_path, tmp_path / "out"), capsys, "stray")


def test_damaged_model_file_is_a_one_line_error(folders, tmp_path, capsys):
    broken = tmp_path / "model.keras"
    broken.write_bytes(b"not a model")
    _fails(
        [
            "predict",
            "--model",
            str(broken),
            "--input",
            str(folders / "images"),
            "--out",
            str(tmp_path / "pred"),
        ],
        capsys,
        "model.keras could not be loaded",
    )


def test_input_that_is_not_an_image_is_a_one_line_error(run, tmp_path, capsys):
    fake = tmp_path / "photo.png"
    fake.write_text("this is text")
    _fails(
        [
            "predict",
            "--model",
            str(run / "model.keras"),
            "--input",
            str(fake),
            "--out",
            str(tmp_path / "pred"),
        ],
        capsys,
        "photo.png",
    )


def test_missing_input_is_a_one_line_error(run, tmp_path, capsys):
    _fails(
        [
            "predict",
            "--model",
            str(run / "model.keras"),
            "--input",
            str(tmp_path / "none.png"),
            "--out",
            str(tmp_path / "pred"),
        ],
        capsys,
        "none.png",
    )


def test_size_that_the_unet_cannot_halve_is_a_one_line_error(folders, tmp_path, capsys):
    args = _train_args(folders, tmp_path / "out")
    args[args.index("--size") + 1] = "30"
    _fails(args, capsys, "size 30 is not a multiple of 16")
