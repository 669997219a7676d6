"""Training: one call that compiles, trains, keeps the best model and survives interruption.

:func:`train` writes into ``out_dir``:

``history.csv``
    One row per finished epoch, column ``epoch`` counted from 0 as Keras does, then the
    loss and metrics (``val_`` for validation). Rewritten atomically after every epoch.
``model.keras``
    The model of the best epoch on validation (lowest ``val_loss`` by default).
``resume/``
    The state after the last finished epoch: weights (with the optimiser's), the
    history, the best score and epoch, the seconds trained so far (over every part of
    a resumed run), whether early stopping ended the run: :func:`load_record` reads
    what a run record needs from it. Run the same call again after an interruption (a
    crash, ``kill -9``, a closed laptop) and training goes on from the next epoch: no
    epoch is lost or counted twice in ``history.csv``. Run it again after it finished and
    nothing is retrained; give more ``epochs`` to train further.

The loop lives in ``_loop`` and the resume state in ``_state`` (private modules); the
public names are these.

Why not Keras's ``BackupAndRestore`` + ``ModelCheckpoint`` + ``CSVLogger``? They write
their files one after another and not atomically: a kill between them leaves a
history with an epoch twice or missing, and a ``best`` score forgotten on restart (so
the first epoch after a restart replaces ``model.keras`` even when it is worse). Here
the weights go to a new file and one atomic write of ``resume/state.json`` commits
weights, epoch, history and best score together; ``history.csv`` and ``model.keras``
are derived from it (``tests/test_training.py`` kills a run with SIGKILL to check).

Example
-------
(Not run by ``--doctest-modules``: it trains a network for minutes; ``tests/test_training.py``
runs the same calls on a tiny one.)

>>> from helpers import training, unet                          # doctest: +SKIP
>>> history = training.train(lambda: unet.build_unet((128, 128, 1)), train_ds, val_ds,
...                          epochs=25, out_dir="outputs/run1")  # doctest: +SKIP
>>> history[["epoch", "loss", "val_loss"]].tail(1)              # doctest: +SKIP
"""

from helpers.training._loop import (
    DEFAULT_LEARNING_RATE,
    DEFAULT_LOSS,
    compile_model,
    default_metrics,
    train,
)
from helpers.training._state import (
    HISTORY_FILE,
    MODEL_FILE,
    RESUME_DIR,
    STATE_FILE,
    load_history,
    load_record,
)

__all__ = [
    "DEFAULT_LEARNING_RATE",
    "DEFAULT_LOSS",
    "HISTORY_FILE",
    "MODEL_FILE",
    "RESUME_DIR",
    "STATE_FILE",
    "compile_model",
    "default_metrics",
    "load_history",
    "load_record",
    "train",
]
