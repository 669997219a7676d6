"""The command line's error contract, command by command and bad input by bad input.

For every kind of bad input a learner meets (a bad profile, a missing or empty folder, an
image without its mask, a damaged PNG, a mask that is not labels, a VIA file that is not
one, a model file that is not a model, an output that is already there), each command
that reads such input must exit with status 2, print one line on standard error (what,
where, what to do), show no traceback, and write nothing.

The commands run in this process (``helpers.cli.main``) so that TensorFlow loads once;
``capfd`` also catches what C libraries print. Two cases run ``python -m helpers`` in a
fresh interpreter, as a learner would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import cli, config

ROOT = Path(__file__).resolve().parent.parent
MRI_VIA = config.data_dir("mri", "via_annotations.json")
MRI_IMAGES = config.data_dir("mri", "images")
STEMS = [f"mito_{i:03d}" for i in range(6)]


# --------------------------------------------------------------------------------------
# Inputs, good and bad
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(mito_folder) -> Path:
    """``images/`` and ``masks/``: six good pairs copied from data/mito."""
    return mito_folder(len(STEMS))


def _copy(data: Path, where: Path) -> tuple[Path, Path]:
    shutil.copytree(data / "images", where / "images")
    shutil.copytree(data / "masks", where / "masks")
    return where / "images", where / "masks"


def _bad_folders(kind: str, data: Path, where: Path) -> tuple[Path, Path]:
    """(images, masks) folders with one kind of problem."""
    if kind == "missing folder":
        return where / "no-such-folder", data / "masks"
    if kind == "empty folder":
        (where / "empty").mkdir()
        return where / "empty", data / "masks"
    images, masks = _copy(data, where)
    if kind == "orphan image":
        shutil.copy(images / "mito_000.png", images / "stray.png")
    elif kind == "corrupt PNG":
        png = images / "mito_003.png"
        png.write_bytes(png.read_bytes()[:200])  # an interrupted copy: header, no pixels
    elif kind == "wrong mask values":
        mask = np.asarray(Image.open(masks / "mito_002.png"))
        jitter = np.random.default_rng(0).integers(-3, 4, mask.shape)
        noisy = np.clip(mask.astype(int) + jitter, 0, 255)
        Image.fromarray(noisy.astype(np.uint8)).save(masks / "mito_002.png")  # JPEG-like levels
    else:
        raise AssertionError(kind)
    return images, masks


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    """A small untrained U-Net saved as model.keras (enough to reach the data checks)."""
    from helpers.unet import build_unet

    path = tmp_path_factory.mktemp("model") / "model.keras"
    build_unet((None, None, 1), depth=2, base_filters=2).save(path)
    return path


@pytest.fixture
def not_a_model(tmp_path) -> Path:
    path = tmp_path / "downloaded.keras"
    path.write_bytes(b"<html>404 Not Found</html>")
    return path


# --------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def _refused(argv, capfd, *fragments, unchanged: Path) -> str:
    """Run the command; check exit 2, one line on stderr, no traceback, nothing written
    under ``unchanged``; return the line."""
    before = _snapshot(unchanged)
    capfd.readouterr()
    assert cli.main([str(a) for a in argv]) == 2
    err = capfd.readouterr().err
    lines = [ln for ln in err.split("\n") if ln.strip() and "\r" not in ln]  # no progress bar
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert _snapshot(unchanged) == before, "a refused command wrote or changed files"
    return lines[0]


DATA_PROBLEMS = {  # kind -> a fragment the line must hold (where the problem is)
    "missing folder": "no-such-folder",
    "empty folder": "empty",
    "orphan image": "stray",
    "corrupt PNG": "mito_003.png",
    "wrong mask values": "mito_002.png",
}


@pytest.mark.parametrize("kind", DATA_PROBLEMS)
def test_train_refuses_bad_data_before_writing(kind, data, tmp_path, capfd):
    images, masks = _bad_folders(kind, data, tmp_path)
    _refused(
        [
            "train",
            "--images",
            images,
            "--masks",
            masks,
            "--out",
            tmp_path / "run",
            "--profile",
            "quick",
            "--size",
            "32",
            "--epochs",
            "1",
        ],
        capfd,
        DATA_PROBLEMS[kind],
        unchanged=tmp_path,
    )


@pytest.mark.parametrize("kind", DATA_PROBLEMS)
def test_evaluate_refuses_bad_data_before_writing(kind, data, model, tmp_path, capfd):
    images, masks = _bad_folders(kind, data, tmp_path)
    _refused(
        [
            "evaluate",
            "--model",
            model,
            "--images",
            images,
            "--masks",
            masks,
            "--out",
            tmp_path / "scores.csv",
            "--size",
            "32",
        ],
        capfd,
        DATA_PROBLEMS[kind],
        unchanged=tmp_path,
    )


@pytest.mark.parametrize("kind", ["missing folder", "empty folder", "corrupt PNG"])
def test_predict_refuses_bad_input_before_writing(kind, data, model, tmp_path, capfd):
    images, _ = _bad_folders(kind, data, tmp_path)
    _refused(
        ["predict", "--model", model, "--input", images, "--out", tmp_path / "pred"],
        capfd,
        DATA_PROBLEMS[kind],
        unchanged=tmp_path,
    )


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_a_model_file_that_is_not_a_model_is_one_line(command, data, not_a_model, tmp_path, capfd):
    inputs = (
        ["--images", data / "images", "--masks", data / "masks", "--out", tmp_path / "s.csv"]
        if command == "evaluate"
        else ["--input", data / "images", "--out", tmp_path / "pred"]
    )
    _refused(
        [command, "--model", not_a_model, *inputs], capfd, "downloaded.keras", unchanged=tmp_path
    )


def test_train_with_a_bad_profile_is_one_line(data, tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "bogus")
    line = _refused(
        [
            "train",
            "--images",
            data / "images",
            "--masks",
            data / "masks",
            "--out",
            tmp_path / "run",
        ],
        capfd,
        "COURSE_PROFILE='bogus'",
        "quick",
        unchanged=tmp_path,
    )
    assert "Valid profiles" in line


def test_outputs_that_exist_are_left_alone(data, model, tmp_path, capfd):
    csv = tmp_path / "scores.csv"
    csv.write_text("mine\n")
    _refused(
        [
            "evaluate",
            "--model",
            model,
            "--images",
            data / "images",
            "--masks",
            data / "masks",
            "--out",
            csv,
            "--size",
            "32",
        ],
        capfd,
        "scores.csv",
        unchanged=tmp_path,
    )
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "mito_000.png").write_bytes(b"mine")
    _refused(
        ["predict", "--model", model, "--input", data / "images", "--out", tmp_path / "pred"],
        capfd,
        "--overwrite",
        unchanged=tmp_path,
    )
    run = tmp_path / "run"
    run.mkdir()
    (run / "split.json").write_text('{"train": ["someone else"], "val": [], "test": []}')
    _refused(
        [
            "train",
            "--images",
            data / "images",
            "--masks",
            data / "masks",
            "--out",
            run,
            "--profile",
            "quick",
            "--size",
            "32",
            "--epochs",
            "1",
        ],
        capfd,
        "split.json",
        unchanged=tmp_path,
    )


def _outputs(command: str, data: Path, where: Path) -> list:
    if command == "evaluate":
        return ["--images", data / "images", "--masks", data / "masks", "--out", where / "s.csv"]
    return ["--input", data / "images", "--out", where / "pred"]


@pytest.mark.parametrize("command", ["evaluate", "predict"])
@pytest.mark.parametrize("choice", ["both", "neither"])
def test_exactly_one_of_run_and_model_is_needed(command, choice, data, model, tmp_path, capfd):
    source = ["--run", model.parent, "--model", model] if choice == "both" else []
    _refused(
        [command, *source, *_outputs(command, data, tmp_path)],
        capfd,
        "--run DIR",
        "--model FILE",
        unchanged=tmp_path,
    )


@pytest.mark.parametrize("command", ["evaluate", "predict"])
@pytest.mark.parametrize("problem", ["no folder", "no run.json", "bad run.json"])
def test_a_bad_run_folder_is_one_line(command, problem, data, model, tmp_path, capfd):
    folder = tmp_path / "run"
    if problem != "no folder":
        folder.mkdir()
        shutil.copy(model, folder / "model.keras")
    if problem == "bad run.json":
        (folder / "run.json").write_text('{"size": 32,')
    fragment = {"no folder": "does not exist", "no run.json": "run.json", "bad run.json": "JSON"}
    _refused(
        [command, "--run", folder, *_outputs(command, data, tmp_path)],
        capfd,
        str(folder),
        fragment[problem],
        unchanged=tmp_path,
    )


# --------------------------------------------------------------------------------------
# VIA commands and synth (no TensorFlow)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def masks(tmp_path_factory) -> Path:
    """The bundled MRI annotations as mask PNGs (via2masks' own output)."""
    out = tmp_path_factory.mktemp("mri") / "masks"
    assert (
        cli.main(
            ["via2masks", "--via", str(MRI_VIA), "--images", str(MRI_IMAGES), "--out", str(out)]
        )
        == 0
    )
    return out


def test_via2masks_bad_inputs(tmp_path, capfd, masks):
    broken = tmp_path / "annotations.json"
    broken.write_text('{"img.png": {"filename": "img.png", "regions": [')
    out = tmp_path / "out"
    _refused(
        ["via2masks", "--via", broken, "--images", MRI_IMAGES, "--out", out],
        capfd,
        "annotations.json",
        "export",
        unchanged=tmp_path,
    )
    csv_like = tmp_path / "notes.txt"
    csv_like.write_text("these are my notes, not VIA's\n")
    _refused(
        ["via2masks", "--via", csv_like, "--images", MRI_IMAGES, "--out", out],
        capfd,
        "notes.txt",
        unchanged=tmp_path,
    )
    _refused(
        ["via2masks", "--via", tmp_path / "none.json", "--images", MRI_IMAGES, "--out", out],
        capfd,
        "none.json",
        unchanged=tmp_path,
    )
    _refused(
        ["via2masks", "--via", MRI_VIA, "--images", tmp_path / "no-such-folder", "--out", out],
        capfd,
        "no-such-folder",
        unchanged=tmp_path,
    )
    (tmp_path / "empty").mkdir()
    _refused(
        ["via2masks", "--via", MRI_VIA, "--images", tmp_path / "empty", "--out", out],
        capfd,
        "empty",
        "--images",
        unchanged=tmp_path,
    )
    _refused(
        ["via2masks", "--via", MRI_VIA, "--images", MRI_IMAGES, "--out", masks],
        capfd,
        "--overwrite",
        unchanged=masks,
    )


def test_via2masks_reports_a_damaged_image_and_goes_on(tmp_path, capfd):
    """Not a refusal: VIA files often list images that are elsewhere or broken, so each
    image's problem is a row of the quality report (and a line of the summary), and the
    other images get their masks."""
    images = tmp_path / "images"
    shutil.copytree(MRI_IMAGES, images)
    (images / "mri_004.png").write_bytes(b"garbage")
    assert (
        cli.main(
            [
                "via2masks",
                "--via",
                str(MRI_VIA),
                "--images",
                str(images),
                "--out",
                str(tmp_path / "m"),
            ]
        )
        == 0
    )
    out = capfd.readouterr().out
    assert "mri_004.png: cannot be read as an image" in out
    assert not (tmp_path / "m" / "mri_004.png").exists()
    assert (tmp_path / "m" / "mri_005.png").exists()


def test_masks2via_bad_inputs(tmp_path, capfd, masks):
    out = tmp_path / "out.json"
    _refused(
        ["masks2via", "--masks", tmp_path / "no-such-folder", "--images", MRI_IMAGES, "--out", out],
        capfd,
        "no-such-folder",
        unchanged=tmp_path,
    )
    (tmp_path / "empty").mkdir()
    _refused(
        ["masks2via", "--masks", tmp_path / "empty", "--images", MRI_IMAGES, "--out", out],
        capfd,
        "empty",
        unchanged=tmp_path,
    )
    for problem, fragment in [
        ("orphan", "stray"),
        ("corrupt", "mri_001.png"),
        ("values", "mri_002.png"),
    ]:
        folder = tmp_path / problem
        shutil.copytree(masks, folder)
        if problem == "orphan":
            shutil.copy(folder / "mri_000.png", folder / "stray.png")
        elif problem == "corrupt":
            (folder / "mri_001.png").write_bytes(b"garbage")
        else:
            grey = np.arange(256 * 256).reshape(256, 256) % 200
            Image.fromarray(grey.astype(np.uint8)).save(folder / "mri_002.png")
        _refused(
            ["masks2via", "--masks", folder, "--images", MRI_IMAGES, "--out", out],
            capfd,
            fragment,
            unchanged=tmp_path,
        )
    classes = tmp_path / "classes.json"
    classes.write_text("[1, 2")
    _refused(
        ["masks2via", "--masks", masks, "--images", MRI_IMAGES, "--out", out, "--classes", classes],
        capfd,
        "classes.json",
        unchanged=tmp_path,
    )
    out.write_text("{}")
    _refused(
        ["masks2via", "--masks", masks, "--images", MRI_IMAGES, "--out", out],
        capfd,
        "out.json",
        "--overwrite",
        unchanged=tmp_path,
    )


def test_synth_output_that_exists_or_is_a_file(tmp_path, capfd):
    taken = tmp_path / "data"
    (taken / "mito" / "images").mkdir(parents=True)
    (taken / "mito" / "images" / "mine.png").write_bytes(b"mine")
    _refused(["synth", "--out", taken], capfd, "--overwrite", unchanged=tmp_path)
    a_file = tmp_path / "data.txt"
    a_file.write_text("mine")
    _refused(["synth", "--out", a_file], capfd, "data.txt", unchanged=tmp_path)


# --------------------------------------------------------------------------------------
# As a learner runs them
# --------------------------------------------------------------------------------------


def _python_m_helpers(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "helpers", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_bad_profile_from_the_environment_in_a_fresh_interpreter(data, tmp_path):
    done = _python_m_helpers(
        "train",
        "--images",
        data / "images",
        "--masks",
        data / "masks",
        "--out",
        tmp_path / "run",
        env={"COURSE_PROFILE": "bogus"},
    )
    assert done.returncode == 2, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: Unknown run profile"), done.stderr
    assert not (tmp_path / "run").exists()


def test_unreadable_via_in_a_fresh_interpreter(tmp_path):
    broken = tmp_path / "export.json"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not json at all")
    done = _python_m_helpers(
        "via2masks", "--via", broken, "--images", MRI_IMAGES, "--out", tmp_path / "m"
    )
    assert done.returncode == 2
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "export.json" in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "m").exists()
