"""The resume state of a training run: ``resume/state.json``, the checkpoint callback that
commits it after every epoch, and what is read back from a run folder (history, record)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.errors import TrainingError
from helpers.files import write_text

HISTORY_FILE = "history.csv"
MODEL_FILE = "model.keras"
RESUME_DIR = "resume"
STATE_FILE = "state.json"


def _mode(monitor: str) -> str:
    return "min" if "loss" in monitor else "max"


def _improved(value: float, best: float | None, mode: str) -> bool:
    if value is None or not np.isfinite(value):
        return False
    return best is None or (value < best if mode == "min" else value > best)


def _atomic_save_model(model, path: Path) -> None:
    """``model.save`` to a temporary ``.keras`` next to ``path``, then rename over it."""
    tmp = path.with_name(f".{path.stem}-{os.getpid()}.tmp.keras")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_history(rows: list[dict], path: Path | None) -> pd.DataFrame:
    """The history as a DataFrame, written to ``path`` (not written when None)."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame({"epoch": pd.Series(dtype=int)})
    columns = ["epoch"] + sorted(c for c in frame.columns if c != "epoch")
    frame = frame[columns]
    if path is not None:
        write_text(path, frame.to_csv(index=False), overwrite=True)
    return frame


class _RunState:
    """The resume state in ``out_dir/resume``: read, committed atomically, applied."""

    def __init__(self, out_dir: Path):
        self.folder = out_dir / RESUME_DIR
        self.path = self.folder / STATE_FILE
        self.data = {
            "epoch": 0,
            "history": [],
            "best": None,
            "best_epoch": None,
            "wait": 0,
            "stopped": False,
            "weights": None,
            "seconds": 0.0,
            "monitor": None,
        }

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> None:
        try:
            self.data.update(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise TrainingError(
                f"The resume state {self.path} cannot be read ({error}). Delete the folder "
                f"{self.folder} to start this run again, or pass overwrite=True."
            ) from error

    def restore_weights(self, model) -> None:
        name = self.data.get("weights")
        if not name:
            return
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)  # so its state loads too
        try:
            model.load_weights(self.folder / name)
        except (OSError, ValueError, KeyError) as error:
            raise TrainingError(
                f"{self.folder} holds the state of a different model (or a damaged file: "
                f"{error}). Use another out_dir, or pass overwrite=True to start afresh."
            ) from error

    def tidy(self, out_dir: Path) -> None:
        """Delete what a kill can leave behind: temporary files, weights never committed."""
        keep = self.data.get("weights")
        for path in self.folder.glob("*.weights.h5"):
            if path.name != keep:
                path.unlink(missing_ok=True)
        for folder in (out_dir, self.folder):
            for path in folder.glob(".*.tmp*"):
                path.unlink(missing_ok=True)

    def commit(self, model, epoch: int) -> None:
        """Save the weights to a new file, then point state.json at it (one atomic write)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"epoch-{epoch:04d}.weights.h5"
        model.save_weights(self.folder / name)
        previous = self.data.get("weights")
        self.data["weights"] = name
        write_text(self.path, json.dumps(self.data, indent=1), overwrite=True)
        if previous and previous != name:
            (self.folder / previous).unlink(missing_ok=True)


#: The clock of the training seconds in the resume state (a test replaces it).
_clock = time.perf_counter


def _stopwatch():
    """A function that gives the seconds since it was made, then since its last call."""
    last = [_clock()]

    def lap() -> float:
        now = _clock()
        seconds, last[0] = now - last[0], now
        return seconds

    return lap


def _callback(
    state: _RunState,
    out_dir: Path,
    *,
    monitor: str,
    patience: int | None,
    on_epoch,
    chief: bool = True,
):
    """``chief=False`` (another worker of a cluster): the same bookkeeping, and the same
    saves into a scratch folder that is deleted (saving reads variables that every worker
    must read together: a worker that skipped it would leave the chief waiting).

    Each committed epoch adds its seconds (from the start of ``fit``, then from the
    previous epoch's end) to the state: an epoch cut short by a kill adds nothing, as it
    is trained again."""
    import tempfile

    import keras

    mode = _mode(monitor)
    scratch = None if chief else Path(tempfile.mkdtemp(prefix="unet-worker-"))
    lap = _stopwatch()

    class _Checkpoint(keras.callbacks.Callback):
        """Best model, resume state and history after every epoch, in a crash-safe order."""

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            data = state.data
            value = logs.get(monitor)
            if value is None:
                raise TrainingError(
                    f"The monitored value {monitor!r} is not among the logs {sorted(logs)}; "
                    "pass validation data, or monitor='loss'."
                )
            if _improved(value, data["best"], mode):
                # saved before the commit: a kill in between re-runs this epoch, never
                # leaves a committed best score without its model
                _atomic_save_model(self.model, (out_dir if chief else scratch) / MODEL_FILE)
                data["best"], data["best_epoch"], data["wait"] = value, epoch, 0
            else:
                data["wait"] += 1
            data["history"] = [r for r in data["history"] if r["epoch"] < epoch]
            data["history"].append({"epoch": epoch, **logs})
            data["epoch"] = epoch + 1
            if patience is not None and data["wait"] >= patience:
                data["stopped"] = True
                self.model.stop_training = True
            data["seconds"] = float(data.get("seconds") or 0.0) + lap()
            if chief:
                state.commit(self.model, epoch)
                _write_history(data["history"], out_dir / HISTORY_FILE)
            else:
                self.model.save_weights(scratch / "epoch.weights.h5")
            on_epoch(epoch, logs)

        def on_train_end(self, logs=None):
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)

    return _Checkpoint()


def load_history(out_dir: str | os.PathLike) -> pd.DataFrame:
    """The ``history.csv`` of a run folder as a DataFrame.

    Raises
    ------
    TrainingError
        When ``out_dir`` holds no history file.
    """
    path = Path(out_dir) / HISTORY_FILE
    if not path.exists():
        raise TrainingError(f"No {HISTORY_FILE} in {out_dir}: train into this folder first.")
    return pd.read_csv(path)


def load_record(out_dir: str | os.PathLike) -> dict:
    """What a run record needs from the training in ``out_dir``, read from its resume state.

    Read after :func:`train` returns, also after a run that was interrupted and resumed
    (the state sums the parts).

    Returns
    -------
    dict
        ``seconds`` (float, rounded to 0.1): the wall time of the finished epochs, over
        every part of a resumed run; ``epochs_run`` (int): the epochs finished;
        ``kept_epoch`` (int or None): the epoch of ``model.keras``, counted from 0;
        ``stopped_early`` (bool); ``monitor`` (str) and ``best`` (float): what "best"
        means and its value at the kept epoch.

    Raises
    ------
    TrainingError
        When ``out_dir`` holds no resume state (train into it first) or it cannot be read.
    """
    state = _RunState(Path(out_dir))
    if not state.exists():
        raise TrainingError(
            f"No training state {RESUME_DIR}/{STATE_FILE} in {out_dir}: train into this "
            "folder first (training.train)."
        )
    state.load()
    data = state.data
    return {
        "seconds": round(float(data.get("seconds") or 0.0), 1),
        "epochs_run": int(data["epoch"]),
        "kept_epoch": data["best_epoch"],
        "stopped_early": bool(data["stopped"]),
        "monitor": data.get("monitor"),
        "best": data["best"],
    }
