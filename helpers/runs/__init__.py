"""Run folders: the unit that training writes and ``evaluate`` and ``predict`` read.

A run folder holds what :func:`helpers.training.train` writes (``model.keras``,
``history.csv``, ``resume/``) and two files of its own:

``split.json``
    The stems of the ``train``, ``val`` and ``test`` images (:func:`write_split`).
``run.json``
    The settings: ``size``, ``channels``, ``num_classes``, ``source_size``, ``scale``,
    the ``images`` and ``masks`` folders, and the recipe's values (:func:`write_settings`,
    :func:`describe_data`); after training, under ``"training"``, the record of it
    (:func:`record_training`: seconds over every part of a resumed run, the kept epoch,
    the epochs run, whether it stopped early).

Both are written once: the same content again is a resumed run, other content is
refused unless ``overwrite``; the training record is not part of that comparison.
:func:`load_run` reads a folder back as a :class:`Run`.

Two recipes write run folders: :func:`train_on_folder`, the course's recipe on any
folder of images and masks (``python -m helpers train``, chapter 11; with
:func:`small_set_batch` and :func:`set_output_prior` for small sets), and chapter 7's
(:func:`chapter7_settings`), which :func:`chapter7_model` repeats for the chapters that
start from chapter 7's model.

A run trained on patches at native resolution (``train_on_folder(patch=N)``, ``train
--patch N``) says so in ``run.json`` (``"mode": "patch"``, with its ``patch``, ``tile``
and ``overlap``): :func:`predict_native` and :func:`evaluate_native` predict its images
at their own size, in tiles, as it says.

The implementation lives in private modules (``_folder``, ``_recipe``, ``_chapter7``,
``_native``); the public names are these.

Example
-------
>>> from helpers import runs
>>> runs.RUN_FILE, runs.SPLIT_FILE
('run.json', 'split.json')
"""

from helpers.runs._chapter7 import CHAPTER7_DATASET, chapter7_model, chapter7_settings
from helpers.runs._folder import (
    RECORD_KEY,
    RUN_FILE,
    SPLIT_FILE,
    Run,
    describe_data,
    load_run,
    read_split,
    record_training,
    write_settings,
    write_split,
)
from helpers.runs._native import (
    PATCH_MODE,
    evaluate_native,
    is_patch_run,
    native_tiling,
    predict_native,
)
from helpers.runs._recipe import (
    MIN_UPDATES_PER_EPOCH,
    foreground_share,
    set_output_prior,
    small_set_batch,
    train_on_folder,
)

__all__ = [
    "CHAPTER7_DATASET",
    "MIN_UPDATES_PER_EPOCH",
    "PATCH_MODE",
    "RECORD_KEY",
    "RUN_FILE",
    "SPLIT_FILE",
    "Run",
    "chapter7_model",
    "chapter7_settings",
    "describe_data",
    "evaluate_native",
    "foreground_share",
    "is_patch_run",
    "load_run",
    "native_tiling",
    "read_split",
    "predict_native",
    "record_training",
    "set_output_prior",
    "small_set_batch",
    "train_on_folder",
    "write_settings",
    "write_split",
]
