"""python -m helpers train --patch N, then predict and evaluate on that run, on a copy of
a few data/mito pairs: native resolution, tiled, without flags.

References: the masks each image's own prediction gives (``inference.predict_tiled``
then a threshold), and IoU written out with ``np.logical_and`` / ``np.logical_or``.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("keras")

from helpers import cli, io, runs, training  # noqa: E402
from helpers.conventions import float_image  # noqa: E402
from helpers.inference import load_model, predict_proba  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
    pytest.mark.usefixtures("eager_steps"),  # tests/conftest.py says why
]


def _train_args(folders, out, *extra):
    return [
        "train",
        *("--images", str(folders / "images"), "--masks", str(folders / "masks")),
        *("--out", str(out), "--epochs", "1", "--profile", "quick"),
        *extra,
    ]


@pytest.fixture(scope="module")
def folders(mito_folder):
    return mito_folder(6)


@pytest.fixture(scope="module")
def patch_run(folders, tmp_path_factory):
    """One finished patch run: 32 px patches, 16 per epoch (XLA off, as test_cli_model)."""
    out = tmp_path_factory.mktemp("patch-run")
    patch = pytest.MonkeyPatch()
    patch.setattr(training, "train", functools.partial(training.train, jit_compile=False))
    try:
        code = cli.main(_train_args(folders, out, "--patch", "32", "--patches-per-epoch", "16"))
        assert code == 0
    finally:
        patch.undo()
    return out


def test_a_patch_run_records_its_mode_and_how_it_predicts(patch_run, capsys):
    settings = json.loads((patch_run / "run.json").read_text())
    assert settings["mode"] == runs.PATCH_MODE and settings["patch"] == 32
    assert settings["patches_per_epoch"] == 16 and settings["scale"] == [1.0, 1.0]
    assert settings["elastic"] is True and settings["intensity"] is True
    assert settings["tile"] == 512 and settings["overlap"] == 128
    run = runs.load_run(patch_run)
    assert run.mode == "patch" and run.size == 32
    assert pd.read_csv(patch_run / "history.csv")["epoch"].tolist() == [0]


def _whole_image_mask(model, pixels):
    """The reference: the whole image predicted at once (it fits), thresholded at 0.5."""
    return predict_proba(model, float_image(pixels))[..., 0] >= 0.5


def test_predict_on_a_patch_run_is_native_and_tiled_without_flags(
    patch_run, folders, tmp_path, capsys
):
    out, image = tmp_path / "masks", folders / "images" / "mito_000.png"
    args = ["predict", "--run", str(patch_run), "--input", str(image), "--out", str(out)]
    assert cli.main(args) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert "native resolution" in line and "tiles of up to 512 px" in line
    assert "32 px patches" in line
    written = io.read_mask(out / "mito_000.png")
    pixels = io.read_image(image)
    assert written.shape == pixels.shape[:2] == (256, 256)  # its own size, no resize
    model = load_model(patch_run / "model.keras")
    np.testing.assert_array_equal(written, _whole_image_mask(model, pixels))


def test_evaluate_on_a_patch_run_scores_at_native_resolution(patch_run, folders, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert cli.main(["evaluate", "--run", str(patch_run), "--out", str(out)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert "test images" in line and "at native resolution, in tiles of up to 512 px" in line
    table = pd.read_csv(out, index_col="image")
    assert list(table.index) == json.loads((patch_run / "split.json").read_text())["test"]
    model = load_model(patch_run / "model.keras")
    for stem, row in table.iterrows():
        truth = io.read_mask(folders / "masks" / f"{stem}.png").astype(bool)
        predicted = _whole_image_mask(model, io.read_image(folders / "images" / f"{stem}.png"))
        union = np.logical_or(truth, predicted).sum()
        expected = 1.0 if union == 0 else np.logical_and(truth, predicted).sum() / union
        assert row["iou"] == pytest.approx(expected, abs=1e-3)


def test_patch_options_without_a_patch_are_a_one_line_error(folders, tmp_path, capsys):
    assert cli.main(_train_args(folders, tmp_path / "run", "--no-elastic")) == 2
    err = capsys.readouterr().err
    assert "--patch N" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_a_size_and_a_patch_together_are_a_one_line_error(folders, tmp_path, capsys):
    args = _train_args(folders, tmp_path / "run", "--patch", "32", "--size", "64")
    assert cli.main(args) == 2
    assert "not both" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_patch_the_unet_cannot_halve_is_a_one_line_error(folders, tmp_path, capsys):
    assert cli.main(_train_args(folders, tmp_path / "run", "--patch", "40")) == 2
    assert "multiple of 16" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "extra, words",
    [
        (("--foreground-patches", "1.5"), "in [0, 1]"),
        (("--patches-per-epoch", "0"), "at least 1"),
    ],
)
def test_patch_settings_out_of_range_are_refused_before_anything_is_written(
    folders, tmp_path, capsys, extra, words
):
    assert cli.main(_train_args(folders, tmp_path / "run", "--patch", "32", *extra)) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
