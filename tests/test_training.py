"""helpers.training: history, best model, resume after SIGKILL, the run's record,
MirroredStrategy. (``runs.train_on_folder``, the folder recipe, is in ``tests/test_runs.py``.)"""

from __future__ import annotations

import contextlib
import io as io_module
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")

from helpers import config, datasets, training  # noqa: E402
from helpers.errors import FileExistsRefusedError, TrainingError  # noqa: E402
from helpers.inference import load_model  # noqa: E402
from helpers.unet import build_unet  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
    pytest.mark.usefixtures("eager_steps"),  # tests/conftest.py says why
]

ROOT = Path(__file__).resolve().parent.parent


def _data(seed=0, n=8, size=32):
    """Bright squares on noise, and their masks: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    images = rng.random((n, size, size, 1)).astype(np.float32) * 0.3
    masks = np.zeros((n, size, size, 1), np.uint8)
    for i in range(n):
        r, c = rng.integers(0, size - 12, 2)
        images[i, r : r + 12, c : c + 12] += 0.6
        masks[i, r : r + 12, c : c + 12] = 1
    return images, masks


def _datasets():
    images, masks = _data()
    train = datasets.from_arrays(images[:6], masks[:6], batch_size=3)
    val = datasets.from_arrays(images[6:], masks[6:], batch_size=2)
    return train, val


def _builder():
    return build_unet((None, None, 1), depth=2, base_filters=4)


def _train(out_dir, *, builder=_builder, epochs=3, **options):
    """:func:`training.train` on the small data, without XLA (a few steps: compiling costs more)."""
    train, val = _datasets()
    options = {"verbose": False, "jit_compile": False, **options}
    return training.train(builder, train, val, epochs=epochs, out_dir=out_dir, **options)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 3-epoch run: its folder, returned history and printed lines."""
    out = tmp_path_factory.mktemp("run")
    keras.utils.set_random_seed(3)
    printed = io_module.StringIO()
    with contextlib.redirect_stdout(printed):
        # a large step, so that validation loss goes up and down and "best" means something
        history = _train(out, learning_rate=3e-2, verbose=True)
    return out, history, printed.getvalue().strip().splitlines()


def _copy(run, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(run, target)
    return target


def test_train_writes_one_history_row_per_epoch_and_returns_it(finished):
    out, history, _ = finished
    assert isinstance(history, pd.DataFrame)
    assert history["epoch"].tolist() == [0, 1, 2]
    for column in ("loss", "val_loss", "accuracy", "dice_coef", "iou_coef", "val_iou_coef"):
        assert column in history.columns
    pd.testing.assert_frame_equal(pd.read_csv(out / "history.csv"), history, check_dtype=False)


def test_saved_model_is_the_best_epoch_on_validation_and_reloads_in_safe_mode(finished):
    out, history, _ = finished
    best = load_model(out / "model.keras")
    results = best.evaluate(_datasets()[1], verbose=0, return_dict=True)
    assert results["loss"] == pytest.approx(history["val_loss"].min(), rel=1e-4)


def test_verbose_run_prints_a_single_summary_line(finished):
    _, history, printed = finished
    assert len(printed) == 1
    assert printed[0].startswith("trained epochs 0-2") and "best val_loss" in printed[0]


def test_the_record_gives_the_kept_epoch_and_the_epochs_run(finished):
    out, history, _ = finished
    record = training.load_record(out)
    assert record["epochs_run"] == len(history) == 3
    assert record["kept_epoch"] == int(history.loc[history["val_loss"].idxmin(), "epoch"])
    assert record["best"] == pytest.approx(history["val_loss"].min())
    assert record["monitor"] == "val_loss" and record["stopped_early"] is False
    assert record["seconds"] > 0


def test_the_record_of_a_resumed_run_sums_the_seconds_of_its_parts(tmp_path, monkeypatch):
    ticks = iter(range(0, 10_000, 10))  # a clock that moves 10 s at each reading
    monkeypatch.setattr(training._state, "_clock", lambda: float(next(ticks)))
    _train(tmp_path, epochs=2)
    assert training.load_record(tmp_path)["seconds"] == 20.0  # 2 epochs of 10 s
    _train(tmp_path, epochs=3)  # resumed: one more epoch, read 10 s later
    record = training.load_record(tmp_path)
    assert record["seconds"] == 30.0 and record["epochs_run"] == 3


def test_the_record_says_when_early_stopping_ended_the_run(tmp_path):
    def frozen():
        return build_unet((None, None, 1), depth=2, base_filters=4, batch_norm=False)

    history = _train(
        tmp_path,
        builder=frozen,
        epochs=30,
        monitor="val_accuracy",
        early_stopping=1,
        learning_rate=0.0,
    )
    record = training.load_record(tmp_path)
    assert record["stopped_early"] is True and record["epochs_run"] == len(history) == 2
    assert record["kept_epoch"] == 0 and record["monitor"] == "val_accuracy"


def test_a_folder_without_a_training_state_has_no_record(tmp_path):
    with pytest.raises(TrainingError, match="train into this folder first"):
        training.load_record(tmp_path)


def test_running_the_same_call_again_trains_nothing_and_keeps_the_history(
    finished, tmp_path, capsys
):
    out = _copy(finished[0], tmp_path)
    again = _train(out, verbose=True)
    pd.testing.assert_frame_equal(again, finished[1])
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("nothing left to train")


def test_more_epochs_continue_from_the_last_finished_epoch(finished, tmp_path):
    out = _copy(finished[0], tmp_path)
    longer = _train(out, epochs=4)
    assert longer["epoch"].tolist() == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(longer.iloc[:3], finished[1])


@pytest.mark.filterwarnings("ignore::UserWarning")  # Keras lists each layer it cannot match
def test_a_different_model_in_the_same_folder_is_a_clear_error(finished, tmp_path):
    out = _copy(finished[0], tmp_path)
    other = lambda: build_unet((None, None, 1), depth=2, base_filters=8)  # noqa: E731
    with pytest.raises(TrainingError, match="different model"):
        _train(out, builder=other, epochs=4)


def test_files_of_another_run_are_refused_and_overwrite_starts_afresh_with_early_stopping(tmp_path):
    (tmp_path / "history.csv").write_text("epoch,loss\n0,1.0\n")
    with pytest.raises(FileExistsRefusedError, match="overwrite=True"):
        _train(tmp_path, epochs=1)

    def frozen():
        return build_unet((None, None, 1), depth=2, base_filters=4, batch_norm=False)

    history = _train(
        tmp_path,
        builder=frozen,
        epochs=30,
        overwrite=True,
        monitor="val_accuracy",
        early_stopping=1,
        learning_rate=0.0,
    )
    assert len(history) == 2  # learning rate 0: nothing improves after the first epoch
    again = _train(tmp_path, builder=frozen, epochs=30)
    assert len(again) == 2  # the stop is remembered: no more epochs


def test_steps_run_eagerly_in_the_quick_profile_only_unless_told(monkeypatch):
    for name, eager in (("quick", True), ("cpu", False), ("full", False)):
        monkeypatch.setenv(config.PROFILE_ENV, name)
        assert training.compile_model(_builder()).run_eagerly is eager, name
    monkeypatch.setenv(config.PROFILE_ENV, "quick")
    assert training.compile_model(_builder(), run_eagerly=False).run_eagerly is False
    monkeypatch.setenv(config.PROFILE_ENV, "no-such-profile")
    assert training.compile_model(_builder(), run_eagerly=True).run_eagerly is True  # not read


def test_compiled_model_is_trained_as_compiled(tmp_path):
    model = _builder()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss="binary_crossentropy",
        jit_compile=False,
    )
    history = _train(tmp_path, builder=model, epochs=1)
    assert list(history.columns) == ["epoch", "loss", "val_loss"]  # no metrics added
    assert isinstance(model.optimizer, keras.optimizers.SGD)


def test_multiclass_model_trains_on_class_index_masks(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.random((6, 32, 32, 1)).astype(np.float32)
    labels = np.digitize(images, [0.33, 0.66]).astype(np.uint8)  # classes 0, 1, 2
    train = datasets.from_arrays(images[:4], labels[:4], batch_size=2, num_classes=3)
    val = datasets.from_arrays(images[4:], labels[4:], batch_size=2, num_classes=3)

    def builder():
        return build_unet((None, None, 1), num_classes=3, depth=2, base_filters=4)

    history = training.train(
        builder, train, val, epochs=1, out_dir=tmp_path, verbose=False, jit_compile=False
    )
    assert {"loss", "accuracy", "val_accuracy"} <= set(history.columns)
    assert np.isfinite(history["loss"]).all()
    assert load_model(tmp_path / "model.keras").outputs[0].shape[-1] == 3


_RESUMABLE_RUN = textwrap.dedent(
    """
    import sys
    import numpy as np
    from helpers import datasets, training
    from helpers.unet import build_unet

    rng = np.random.default_rng(0)
    images = rng.random((12, 32, 32, 1)).astype("float32")
    masks = (images > 0.6).astype("uint8")
    train = datasets.from_arrays(images[:8], masks[:8], batch_size=2)
    val = datasets.from_arrays(images[8:], masks[8:], batch_size=2)
    training.train(lambda: build_unet((None, None, 1), depth=2, base_filters=4), train, val,
                   epochs=int(sys.argv[2]), out_dir=sys.argv[1], verbose=True, jit_compile=False)
    """
)


def _child_env():
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env["PYTHONWARNINGS"] = "ignore"
    return env


def test_a_run_killed_with_sigkill_resumes_without_a_missing_or_repeated_epoch(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(_RESUMABLE_RUN)
    out, epochs = tmp_path / "run", 8
    command = [sys.executable, str(script), str(out), str(epochs)]
    child = subprocess.Popen(
        command, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    history_path = out / "history.csv"
    deadline = time.monotonic() + 240
    seen = None
    while time.monotonic() < deadline and child.poll() is None:
        if history_path.exists():
            seen = pd.read_csv(history_path)
            if len(seen) >= 2:
                break
        time.sleep(0.05)
    assert child.poll() is None, "the run ended before it could be killed"
    assert seen is not None and len(seen) >= 2
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    finished_before = pd.read_csv(history_path)
    assert len(finished_before) < epochs

    again = subprocess.run(command, env=_child_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    history = pd.read_csv(history_path)
    assert history["epoch"].tolist() == list(range(epochs))
    # the epochs finished before the kill were kept as they were, not trained again
    pd.testing.assert_frame_equal(history.iloc[: len(finished_before)], finished_before)
    summary = again.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"trained epochs {len(finished_before)}-{epochs - 1}"), summary
    assert load_model(out / "model.keras") is not None


_MIRRORED = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
    import keras
    from helpers import datasets, distribute, training
    from helpers.losses import bce_dice_loss
    from helpers.unet import build_unet

    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    rng = np.random.default_rng(0)
    images = rng.random((8, 32, 32, 1)).astype("float32")
    masks = (images > 0.6).astype("float32")

    def plain():
        model = build_unet((None, None, 1), depth=2, base_filters=4, batch_norm=False)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=bce_dice_loss,
                      jit_compile=False)
        return model

    with mirrored.scope():
        distributed = plain()
    single = plain()
    initial = distributed.get_weights()
    single.set_weights(initial)
    for model in (distributed, single):
        model.fit(images, masks, batch_size=8, epochs=1, shuffle=False, verbose=0)
    gap = max(float(np.max(np.abs(a - b)))
              for a, b in zip(distributed.get_weights(), single.get_weights()))
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(distributed.get_weights(), initial))

    distribute.strategy = lambda: mirrored  # what strategy() gives on a machine with two GPUs
    train = datasets.from_arrays(images[:6], masks[:6], batch_size=2)
    val = datasets.from_arrays(images[6:], masks[6:], batch_size=2)
    history = training.train(lambda: build_unet((None, None, 1), depth=2, base_filters=4),
                             train, val, epochs=2, out_dir=sys.argv[1], verbose=False,
                             jit_compile=False)
    print(json.dumps({"replicas": mirrored.num_replicas_in_sync, "gap": gap, "moved": moved,
                      "epochs": history["epoch"].tolist(),
                      "finite": bool(np.isfinite(history["loss"]).all())}))
    """
)


@pytest.fixture(scope="module", autouse=True)
def mirrored_child(tmp_path_factory):
    """The MirroredStrategy run, started in a subprocess when this module starts, so that
    its TensorFlow start-up overlaps the other tests; the last test reads its result."""
    folder = tmp_path_factory.mktemp("mirrored")
    script = folder / "mirrored.py"
    script.write_text(_MIRRORED)
    child = subprocess.Popen(
        [sys.executable, str(script), str(folder / "run")],
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield folder, child
    if child.poll() is None:
        child.kill()
        child.communicate()


def test_training_under_mirrored_strategy_over_two_cpus_matches_one_device(mirrored_child):
    folder, child = mirrored_child
    stdout, stderr = child.communicate(timeout=300)
    assert child.returncode == 0, stderr[-3000:]
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["moved"] > 1e-3  # the step changed the weights...
    assert result["gap"] < 1e-5  # ...the same way on two replicas as on one device
    assert result["epochs"] == [0, 1] and result["finite"]
    assert (folder / "run" / "model.keras").exists()
