"""helpers.runs: a run folder written once and read back, the folder recipe, chapter 7's recipe.

References: the JSON files as the ``json`` module reads them, ``history.csv`` as pandas
reads it, and chapter 7's own notebook (its cells run here up to the training call).
"""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")

from helpers import config, runs, splits, training  # noqa: E402
from helpers.errors import DataError, FileExistsRefusedError, RunFolderError  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
    pytest.mark.usefixtures("eager_steps"),  # tests/conftest.py says why
]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fast_training(monkeypatch):
    """Training without XLA (one epoch of a few steps compiles faster without)."""
    monkeypatch.setattr(training, "train", functools.partial(training.train, jit_compile=False))


def _train_on(folders: Path, out: Path, **options):
    options = {"profile": "quick", "size": 32, "epochs": 1, "verbose": False, **options}
    return runs.train_on_folder(folders / "images", folders / "masks", out, **options)


@pytest.fixture(scope="module")
def finished(mito_folder, tmp_path_factory):
    """A run folder of train_on_folder: 6 mito pairs, 32 px, one epoch."""
    folders = mito_folder(6)
    out = tmp_path_factory.mktemp("run") / "run"
    patch = pytest.MonkeyPatch()
    patch.setattr(training, "train", functools.partial(training.train, jit_compile=False))
    try:
        _train_on(folders, out)
    finally:
        patch.undo()
    return folders, out


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / "copy"))


# -- the folder recipe ------------------------------------------------------------------


def test_train_on_folder_writes_split_run_history_and_model(finished):
    folders, out = finished
    split = json.loads((out / runs.SPLIT_FILE).read_text())
    stems = sorted(p.stem for p in (folders / "images").iterdir())
    assert sorted(split["train"] + split["val"] + split["test"]) == stems
    settings = json.loads((out / runs.RUN_FILE).read_text())
    assert settings["size"] == 32 and settings["channels"] == 1
    assert settings["source_size"] == [256, 256]
    assert (out / "model.keras").is_file()
    assert list(pd.read_csv(out / "history.csv")["epoch"]) == [0]


def test_train_on_folder_steps_follow_its_profile_not_the_environment(
    mito_folder, tmp_path, monkeypatch
):
    told = []

    def train(*args, **options):  # what train_on_folder asks of training.train, then it
        told.append(options["run_eagerly"])
        return real(*args, **options)

    real = functools.partial(training.train, jit_compile=False)
    monkeypatch.setattr(training, "train", train)
    monkeypatch.setenv(config.PROFILE_ENV, "quick")
    folders = mito_folder(6)
    _train_on(folders, tmp_path / "cpu", profile="cpu", base_filters=4)
    _train_on(folders, tmp_path / "quick", profile="quick")
    assert told == [False, True]


def test_a_file_damaged_past_its_header_stops_training_with_one_error_naming_it(
    mito_folder, tmp_path
):
    folders = mito_folder(6)
    split = splits.split_stems(
        [p.stem for p in (folders / "images").iterdir()], val_fraction=0.2, test_fraction=0.2
    )
    damaged = folders / "images" / f"{split['train'][0]}.png"  # read in the first epoch
    damaged.write_bytes(damaged.read_bytes()[:200])  # the header survives, the pixels do not
    with pytest.raises(DataError, match=damaged.name):
        _train_on(folders, tmp_path / "run", val_fraction=0.2, test_fraction=0.2)


# -- load_run ---------------------------------------------------------------------------


def test_load_run_reads_a_complete_folder(finished):
    folders, out = finished
    run = runs.load_run(out)
    on_disk = json.loads((out / runs.RUN_FILE).read_text())
    record = on_disk.pop("training")
    assert run.folder == out and run.model_path == out / "model.keras"
    assert run.settings == on_disk and run.record == record
    assert run.split == json.loads((out / runs.SPLIT_FILE).read_text())
    assert (run.size, run.channels, run.num_classes) == (32, 1, 1)
    assert run.images == (folders / "images").resolve()
    assert run.masks == (folders / "masks").resolve()
    assert run.test_stems == run.split["test"]
    pd.testing.assert_frame_equal(run.history, pd.read_csv(out / "history.csv"))
    assert run.load_model().outputs[0].shape[-1] == 1


def test_run_json_records_the_training(finished):
    _, out = finished
    record = json.loads((out / runs.RUN_FILE).read_text())["training"]
    history = pd.read_csv(out / "history.csv")
    assert record["epochs_run"] == len(history) == 1
    assert record["kept_epoch"] == 0 and record["stopped_early"] is False
    assert record["best"] == pytest.approx(history["val_loss"].min())
    assert record["seconds"] > 0


def _one_line_error(folder, *fragments):
    with pytest.raises(RunFolderError) as caught:
        runs.load_run(folder)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    return message


def test_load_run_of_a_missing_folder_says_so(tmp_path):
    _one_line_error(tmp_path / "nowhere", "nowhere", "does not exist")


def test_load_run_without_a_model_says_so(finished, tmp_path):
    folder = _copy(finished[1], tmp_path)
    (folder / "model.keras").unlink()
    _one_line_error(folder, "model.keras", "train into")


def test_load_run_without_run_json_says_so(finished, tmp_path):
    folder = _copy(finished[1], tmp_path)
    (folder / runs.RUN_FILE).unlink()
    _one_line_error(folder, "run.json", "--model")


@pytest.mark.parametrize("name", [runs.RUN_FILE, runs.SPLIT_FILE])
@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_load_run_of_unreadable_json_names_the_file(finished, tmp_path, name, text):
    folder = _copy(finished[1], tmp_path)
    (folder / name).write_text(text)
    _one_line_error(folder, str(folder / name))


def test_a_split_without_test_stems_is_refused(finished, tmp_path):
    folder = _copy(finished[1], tmp_path)
    (folder / runs.SPLIT_FILE).write_text('{"train": ["a"]}')
    _one_line_error(folder, "'test'")


def test_a_run_without_a_split_has_no_test_stems(finished, tmp_path):
    folder = _copy(finished[1], tmp_path)
    (folder / runs.SPLIT_FILE).unlink()
    run = runs.load_run(folder)
    assert run.split is None
    with pytest.raises(RunFolderError, match="split.json"):
        _ = run.test_stems


# -- written once -----------------------------------------------------------------------


def test_the_split_is_written_once(tmp_path):
    split = {"train": ["a", "b"], "val": ["c"], "test": ["d"]}
    path = runs.write_split(tmp_path, split)
    assert json.loads(path.read_text()) == split
    text = path.read_text()
    runs.write_split(tmp_path, dict(reversed(list(split.items()))))  # the same split again
    assert path.read_text() == text
    other = {**split, "test": ["b"]}
    with pytest.raises(FileExistsRefusedError, match="split.json is from a different run"):
        runs.write_split(tmp_path, other)
    assert path.read_text() == text  # nothing overwritten
    runs.write_split(tmp_path, other, overwrite=True)
    assert json.loads(path.read_text()) == other


def test_the_settings_are_written_once_and_the_record_is_not_compared(tmp_path):
    settings = {"size": 64, "channels": 1, "epochs": 2}
    path = runs.write_settings(tmp_path, settings)
    with_record = {**settings, "training": {"seconds": 3.0, "epochs_run": 2}}
    path.write_text(json.dumps(with_record))  # as record_training leaves it
    runs.write_settings(tmp_path, settings)  # a resumed run: the same settings
    assert json.loads(path.read_text()) == with_record  # the record is kept
    with pytest.raises(FileExistsRefusedError, match="run.json is from a different run"):
        runs.write_settings(tmp_path, {**settings, "epochs": 3})
    assert json.loads(path.read_text()) == with_record


def test_recording_needs_the_settings_first(tmp_path):
    with pytest.raises(RunFolderError, match="write the run's settings"):
        runs.record_training(tmp_path)


class _Interrupted(Exception):
    pass


class _InterruptAfterFirstEpoch(keras.callbacks.Callback):
    """Stops the run after the first epoch is committed (as a kill would, between epochs)."""

    def on_epoch_end(self, epoch, logs=None):
        raise _Interrupted


def test_the_record_of_a_resumed_run_sums_the_seconds_of_its_parts(
    mito_folder, tmp_path, monkeypatch
):
    folders, out = mito_folder(6), tmp_path / "run"
    ticks = iter(range(0, 10_000, 10))  # a clock that moves 10 s at each reading
    monkeypatch.setattr(training._state, "_clock", lambda: float(next(ticks)))
    monkeypatch.setattr(training, "train", functools.partial(training.train, jit_compile=False))
    with pytest.raises(_Interrupted):
        _train_on(folders, out, epochs=2, callbacks=[_InterruptAfterFirstEpoch()])
    assert "training" not in json.loads((out / runs.RUN_FILE).read_text())
    _train_on(folders, out, epochs=2)  # the same call again: goes on with epoch 1
    record = runs.load_run(out).record
    assert record["epochs_run"] == 2 and record["seconds"] == 20.0  # 10 s + 10 s
    assert list(pd.read_csv(out / "history.csv")["epoch"]) == [0, 1]


# -- chapter 7's recipe -----------------------------------------------------------------


class _Stop(Exception):
    """Raised by the stand-in for training.train: the recipe is checked, not trained."""


def _course_root(tmp_path: Path, monkeypatch) -> Path:
    """A course root with the bundled data (a link) and empty outputs."""
    root = tmp_path / "course"
    root.mkdir(parents=True)
    (root / "data").symlink_to(ROOT / "data")
    monkeypatch.setenv(config.ROOT_ENV, str(root))
    monkeypatch.setenv(config.PROFILE_ENV, "quick")
    return root


def _recording_train(calls: list):
    def record(build, train_ds, val_ds, **options):
        model = build()
        calls.append(
            {
                "options": options,
                "specs": (train_ds.element_spec, val_ds.element_spec),
                "batches": (len(list(train_ds)), len(list(val_ds))),
                "parameters": model.count_params(),
                "loss": model.loss,
                "learning_rate": float(model.optimizer.learning_rate.numpy()),
            }
        )
        raise _Stop

    return record


def _notebook_cells(name: str) -> list[str]:
    import jupytext

    notebook = jupytext.read(ROOT / "notebooks" / name, fmt="py:percent")
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def _run_chapter7_until_training() -> None:
    """Chapter 7's code cells, in order, until its training.train call (the plain Keras
    run of section 3 is left out: it is not part of the recipe)."""
    namespace = {"__name__": "chapter7"}
    for source in _notebook_cells("ch07_training.py"):
        if ".fit(" in source:
            continue
        try:
            exec(compile(source, "ch07_training.py", "exec"), namespace)
        except _Stop:
            return
    raise AssertionError("chapter 7 never called training.train")


def test_chapter7_notebook_and_chapter7_model_use_one_recipe(tmp_path, monkeypatch, capsys):
    import matplotlib

    matplotlib.use("Agg")
    calls = []
    monkeypatch.setattr(training, "train", _recording_train(calls))
    notebook_root = _course_root(tmp_path / "notebook", monkeypatch)
    _run_chapter7_until_training()
    helper_root = _course_root(tmp_path / "helper", monkeypatch)
    with pytest.raises(_Stop):
        runs.chapter7_model("quick")
    assert "training it now with chapter 7's recipe" in capsys.readouterr().out

    notebook, helper = (root / "outputs/ch07/quick" for root in (notebook_root, helper_root))
    for name in (runs.SPLIT_FILE, runs.RUN_FILE):
        assert json.loads((helper / name).read_text()) == json.loads((notebook / name).read_text())
    settings = json.loads((helper / runs.RUN_FILE).read_text())
    assert {k: settings[k] for k in runs.chapter7_settings("quick")} == runs.chapter7_settings(
        "quick"
    )
    assert settings["images"] == str((ROOT / "data" / "mito" / "images").resolve())

    by_notebook, by_helper = calls
    assert by_notebook["options"].pop("out_dir") == notebook
    assert by_helper["options"].pop("out_dir") == helper
    by_helper["options"].pop("verbose")  # the notebook leaves it at its default, True
    for key in ("options", "specs", "batches", "parameters", "loss", "learning_rate"):
        assert by_helper[key] == by_notebook[key], key
    assert by_helper["options"] == {"epochs": 2, "early_stopping": 10}


def test_chapter7_model_trains_once_then_loads(tmp_path, monkeypatch, capsys, fast_training):
    _course_root(tmp_path, monkeypatch)
    tiny = config.Profile(
        "tiny", image_size=32, epochs=1, batch_size=4, max_images=8, base_filters=4
    )
    model, run = runs.chapter7_model(tiny)
    printed = capsys.readouterr().out
    assert printed.startswith("No complete chapter 7 run in ")
    assert run.folder == config.outputs_dir("ch07", "tiny")
    assert run.settings["recipe"] == "chapter 7" and run.settings["size"] == 32
    assert run.record["epochs_run"] == 1 and len(run.split["test"]) >= 1
    again, run_again = runs.chapter7_model(tiny, verbose=False)
    assert capsys.readouterr().out == ""  # loaded, not trained
    assert run_again == run
    for a, b in zip(model.weights, again.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_chapter7_model_refuses_a_folder_of_another_recipe(tmp_path, monkeypatch):
    _course_root(tmp_path, monkeypatch)
    folder = config.outputs_dir("ch07", "quick")
    runs.write_settings(folder, {"size": 64, "recipe": "something else"})
    with pytest.raises(FileExistsRefusedError, match="delete that folder"):
        runs.chapter7_model("quick", verbose=False)
