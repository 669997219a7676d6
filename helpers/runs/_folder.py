"""A run folder's own files: ``split.json`` and ``run.json``, written once and read back."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from helpers.errors import FileExistsRefusedError, RunFolderError
from helpers.files import write_text
from helpers.training import HISTORY_FILE, MODEL_FILE

SPLIT_FILE = "split.json"
RUN_FILE = "run.json"
#: The key of ``run.json`` that holds the training record (not part of "the same run?").
RECORD_KEY = "training"


def _read_json(path: Path) -> dict:
    """A JSON object from ``path``.

    Raises
    ------
    RunFolderError
        When the file cannot be read or holds no JSON object.
    """
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RunFolderError(
            f"{path} cannot be read as JSON ({error}): repair it, or train into this folder "
            "again with overwrite=True (--overwrite)."
        ) from error
    if not isinstance(content, dict):
        raise RunFolderError(
            f"{path} holds a JSON {type(content).__name__}, not an object: repair it, or "
            "train into this folder again with overwrite=True (--overwrite)."
        )
    return content


def _without_record(settings: dict) -> dict:
    return {k: v for k, v in settings.items() if k != RECORD_KEY}


def _write_json_once(path: Path, content: dict, *, overwrite: bool, compare=None) -> None:
    """Write ``content``; a file with the same content already there is left as it is (a
    resumed run). ``compare`` maps both sides before the comparison."""
    compare = compare or (lambda value: value)
    if path.exists() and not overwrite:
        try:
            same = compare(json.loads(path.read_text(encoding="utf-8"))) == compare(content)
        except (ValueError, AttributeError):
            same = False
        if not same:
            raise FileExistsRefusedError(
                f"{path} is from a different run (other data or settings). Use another "
                "output folder, or overwrite=True (--overwrite) to start this run afresh."
            )
        return
    write_text(path, json.dumps(content, indent=1) + "\n", overwrite=True)


def write_split(folder: str | os.PathLike, split: dict, *, overwrite: bool = False) -> Path:
    """Write ``split.json`` (the stems of ``train``, ``val`` and ``test``) into ``folder``.

    Written once: the same split already there is fine (a resumed run), another one is
    refused unless ``overwrite``. Returns the file's path.

    Raises
    ------
    FileExistsRefusedError
        When ``folder`` holds another split and ``overwrite`` is false.
    """
    path = Path(folder) / SPLIT_FILE
    _write_json_once(path, split, overwrite=overwrite)
    return path


def write_settings(folder: str | os.PathLike, settings: dict, *, overwrite: bool = False) -> Path:
    """Write ``run.json``: the settings of a run (data, size, recipe), as a JSON object.

    Written once, as :func:`write_split`; the training record that :func:`record_training`
    adds later (key ``"training"``) is not part of the comparison, so a finished or
    resumed run's folder takes the same settings again. Returns the file's path.

    Raises
    ------
    FileExistsRefusedError
        When ``folder`` holds a run with other settings and ``overwrite`` is false.
    """
    path = Path(folder) / RUN_FILE
    _write_json_once(path, _without_record(settings), overwrite=overwrite, compare=_without_record)
    return path


def record_training(folder: str | os.PathLike) -> dict | None:
    """Add the record of the training in ``folder`` to its ``run.json``, and return it.

    The record (:func:`helpers.training.load_record`): ``seconds`` trained over every part
    of a resumed run, ``epochs_run``, ``kept_epoch`` (the epoch of ``model.keras``),
    ``stopped_early``, ``monitor`` and ``best``. It replaces an earlier record; the
    settings are kept as they are. Another worker of a cluster writes nothing (None).

    Raises
    ------
    RunFolderError
        When ``folder`` has no readable ``run.json`` (:func:`write_settings` first).
    TrainingError
        When ``folder`` holds no training state (train into it first).
    """
    from helpers import distribute, training

    if not distribute.is_chief():
        return None
    path = Path(folder) / RUN_FILE
    if not path.is_file():
        raise RunFolderError(
            f"{path} is missing: write the run's settings (runs.write_settings) before "
            "recording its training."
        )
    settings = _without_record(_read_json(path))
    record = training.load_record(folder)
    write_text(path, json.dumps({**settings, RECORD_KEY: record}, indent=1) + "\n", overwrite=True)
    return record


def describe_data(
    image_dir: str | os.PathLike,
    mask_dir: str | os.PathLike,
    pairs,
    *,
    size: int,
    num_classes: int = 1,
) -> dict:
    """What ``run.json`` records about a run's data, for ``evaluate`` and ``predict``.

    Parameters
    ----------
    image_dir, mask_dir : path
        The folders the pairs come from (recorded as absolute paths).
    pairs : sequence of (image_path, mask_path)
        The pairs of the run (only headers are read, and the first image).
    size : int
        The side of the images the network trains on.
    num_classes : int
        1 for binary masks, else the number of classes.

    Returns
    -------
    dict
        ``size``, ``channels`` (1 or 3), ``num_classes``, ``source_size`` ([height, width]
        of the first image), ``scale`` (``size`` over ``source_size``, the resize factors
        ``predict`` applies to a new image), ``images`` and ``masks``.

    Raises
    ------
    DataError
        For a file that is not an image, or an image and mask of different sizes.
    """
    from helpers import io

    pairs = list(pairs)
    channels = io.infer_channels(pairs)
    source_size = list(io.read_image(pairs[0][0]).shape[:2])
    return {
        "size": size,
        "channels": channels,
        "num_classes": num_classes,
        "source_size": source_size,
        "scale": [size / source_size[0], size / source_size[1]],
        "images": str(Path(image_dir).resolve()),
        "masks": str(Path(mask_dir).resolve()),
    }


def read_split(folder: str | os.PathLike) -> dict:
    """The ``split.json`` of ``folder``: ``{"train": [...], "val": [...], "test": [...]}``.

    Raises
    ------
    RunFolderError
        When the file is missing, is not JSON, or has no ``test`` list.
    """
    path = Path(folder) / SPLIT_FILE
    if not path.is_file():
        raise RunFolderError(f"{path} is missing: save the split there first (runs.write_split).")
    split = _read_json(path)
    if not isinstance(split.get("test"), list):
        raise RunFolderError(
            f"{path} has no 'test' list of image stems: it is not a split.json; write it "
            "with runs.write_split (or train into this folder again)."
        )
    return split


@dataclass(frozen=True)
class Run:
    """A finished (or resumable) run folder, as :func:`load_run` reads it.

    Attributes
    ----------
    folder : pathlib.Path
        The run folder.
    model_path : pathlib.Path
        Its ``model.keras``: the model of the best epoch.
    settings : dict
        Its ``run.json`` without the training record: ``size``, ``channels``,
        ``num_classes``, ``source_size``, ``scale``, ``images``, ``masks`` and the
        recipe's settings (epochs, batch size, seed...).
    split : dict or None
        Its ``split.json`` (``train``, ``val``, ``test`` stems), None without one.
    record : dict or None
        The training record of ``run.json`` (:func:`record_training`), None before one.
    """

    folder: Path
    model_path: Path
    settings: dict
    split: dict | None = None
    record: dict | None = None

    def _setting(self, key: str):
        if key not in self.settings:
            raise RunFolderError(
                f"{self.folder / RUN_FILE} has no {key!r}: it was not written by this "
                "course's training; train into the folder again, or give the value yourself."
            )
        return self.settings[key]

    @property
    def size(self) -> int:
        """The side, in pixels, of the images the model trained on."""
        return int(self._setting("size"))

    @property
    def channels(self) -> int:
        """1 (grey) or 3 (colour)."""
        return int(self._setting("channels"))

    @property
    def num_classes(self) -> int:
        """1 for binary masks, else the number of classes (1 where not recorded)."""
        return int(self.settings.get("num_classes", 1))

    @property
    def mode(self) -> str:
        """``"patch"``: trained on patches at native resolution (predicted in tiles at the
        images' own size, :func:`helpers.runs.predict_native`); ``"resize"``: trained on
        images resized to :attr:`size` (a ``run.json`` without ``"mode"``)."""
        return str(self.settings.get("mode", "resize"))

    @property
    def images(self) -> Path | None:
        """The folder of the training images, as recorded (None where not recorded)."""
        found = self.settings.get("images")
        return None if found is None else Path(found)

    @property
    def masks(self) -> Path | None:
        """The folder of the training masks, as recorded (None where not recorded)."""
        found = self.settings.get("masks")
        return None if found is None else Path(found)

    @property
    def test_stems(self) -> list[str]:
        """The stems of the test images of the run's split.

        Raises
        ------
        RunFolderError
            When the run folder has no ``split.json``.
        """
        if self.split is None:
            raise RunFolderError(
                f"{self.folder} has no {SPLIT_FILE}: without it the test images are not "
                "known; score every image instead, or give a split."
            )
        return list(self.split["test"])

    @property
    def history(self):
        """The run's ``history.csv`` as a DataFrame, one row per epoch.

        Raises
        ------
        RunFolderError
            When the run folder has no ``history.csv``.
        """
        import pandas as pd

        path = self.folder / HISTORY_FILE
        if not path.is_file():
            raise RunFolderError(f"{path} is missing: train into {self.folder} first.")
        return pd.read_csv(path)

    def load_model(self):
        """The run's model (:func:`helpers.inference.load_model`).

        Raises
        ------
        ModelFileError
            When the file cannot be loaded.
        """
        from helpers.inference import load_model

        return load_model(self.model_path)


def load_run(folder: str | os.PathLike) -> Run:
    """Read a run folder: its model's path, ``run.json``, and ``split.json`` if any.

    Parameters
    ----------
    folder : path
        A folder written by :func:`helpers.runs.train_on_folder` (``python -m helpers
        train``) or by chapter 7.

    Returns
    -------
    Run

    Raises
    ------
    RunFolderError
        When the folder is missing, holds no ``model.keras`` or no ``run.json``, or a
        JSON file of it cannot be read.

    Example
    -------
    >>> from helpers import runs
    >>> runs.load_run("no/such/folder")
    Traceback (most recent call last):
    ...
    helpers.errors.RunFolderError: The run folder no/such/folder does not exist (or is not a folder): check the path, or train into it first.
    """  # noqa: E501
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(
            f"The run folder {folder} does not exist (or is not a folder): check the path, "
            "or train into it first."
        )
    model_path = folder / MODEL_FILE
    if not model_path.is_file():
        raise RunFolderError(
            f"{folder} holds no {MODEL_FILE}: no epoch has finished there yet; train into "
            "it (the same command again resumes an interrupted run)."
        )
    settings_path = folder / RUN_FILE
    if not settings_path.is_file():
        raise RunFolderError(
            f"{folder} holds no {RUN_FILE} (the settings of its training): train into it with "
            "`python -m helpers train` (runs.train_on_folder), or use the model file itself "
            "(--model)."
        )
    settings = _read_json(settings_path)
    split = read_split(folder) if (folder / SPLIT_FILE).exists() else None
    return Run(
        folder=folder,
        model_path=model_path,
        settings=_without_record(settings),
        split=split,
        record=settings.get(RECORD_KEY),
    )
