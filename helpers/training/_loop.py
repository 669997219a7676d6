"""The training loop: compile, build where it trains, fit with the checkpoint callback."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pandas as pd

from helpers import distribute
from helpers.errors import FileExistsRefusedError, TrainingError
from helpers.training._state import (
    HISTORY_FILE,
    MODEL_FILE,
    _callback,
    _RunState,
    _write_history,
)

#: The course's default optimiser settings (chosen by measurement, see benchmarks/).
DEFAULT_LOSS = "bce_dice"
DEFAULT_LEARNING_RATE = 1e-3


def default_metrics(num_classes: int = 1) -> list:
    """Pixel accuracy, plus for one class the Dice and IoU training metrics of
    :mod:`helpers.losses` (they score a sigmoid channel; several classes get accuracy only)."""
    if num_classes > 1:
        return ["accuracy"]
    from helpers.losses import dice_coef, iou_coef

    return ["accuracy", dice_coef, iou_coef]


def compile_model(
    model,
    *,
    loss=DEFAULT_LOSS,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    metrics=None,
    jit_compile: bool | str = "auto",
    run_eagerly: bool | None = None,
):
    """Compile ``model`` with Adam, ``loss`` (a name in :data:`helpers.losses.LOSSES` or a
    loss) and ``metrics`` (default :func:`default_metrics`); returns the model.

    ``jit_compile="auto"`` (Keras's default) compiles the training step with XLA on a
    GPU and not on a CPU-only machine, which is what measured best on a CPU (``True``
    there costs a compile in the first epoch and more CPU time in every later one; the
    README has the figures). ``False`` skips XLA everywhere (worth it for runs of a few
    steps, e.g. tests); a multi-worker cluster gets ``False`` for ``"auto"`` (it started
    faster without).

    ``run_eagerly=None`` takes the current profile's
    :attr:`helpers.config.Profile.run_eagerly` (``True`` only for ``quick``, whose few
    steps finish before a traced graph would be ready); in a multi-worker cluster the
    steps are always traced, whatever ``run_eagerly`` says.

    Raises
    ------
    ConfigError
        ``run_eagerly=None`` with an unknown ``$COURSE_PROFILE``.
    """
    import keras

    from helpers import config
    from helpers.losses import get_loss

    if distribute.cluster() is not None:
        run_eagerly = False  # the strategy's steps run as traced graphs
    elif run_eagerly is None:
        run_eagerly = config.get_profile().run_eagerly

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=get_loss(loss),
        metrics=default_metrics(model.outputs[0].shape[-1]) if metrics is None else list(metrics),
        jit_compile=jit_compile,
        run_eagerly=run_eagerly,
    )
    return model


def _prepare_model(model, *, precision: str | None = None, **options):
    """The model built (in the strategy's scope, under the precision's policy) and
    compiled, and a few words on its precision for the summary line."""
    if callable(model) and not hasattr(model, "fit"):
        if distribute.cluster() is not None and options.get("jit_compile") == "auto":
            options["jit_compile"] = False  # XLA: slower start, no gain measured
        return distribute.build_model(
            model, precision=precision, compile=lambda built: compile_model(built, **options)
        )
    line = f"{model.dtype_policy.name} (the model's own policy)"
    if not getattr(model, "compiled", False):
        compile_model(model, **options)
    return model, line


def train(
    model,
    train_ds,
    val_ds=None,
    *,
    epochs: int,
    out_dir: str | os.PathLike,
    loss=DEFAULT_LOSS,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    metrics: list | None = None,
    monitor: str | None = None,
    early_stopping: int | None = None,
    steps_per_epoch: int | None = None,
    overwrite: bool = False,
    verbose: bool = True,
    callbacks: list | None = None,
    jit_compile: bool | str = "auto",
    run_eagerly: bool | None = None,
    precision: str | None = None,
) -> pd.DataFrame:
    """Train a segmentation model, keeping the best model and a resumable state.

    Parameters
    ----------
    model : keras.Model or callable
        A model (compiled or not), or a function of no arguments that builds one: it is
        called inside :func:`helpers.distribute.strategy`'s scope, so that several GPUs or a TPU
        are used. An uncompiled model is compiled with Adam(``learning_rate``), ``loss``
        and ``metrics``; a compiled one is trained as compiled.
    train_ds, val_ds : tf.data.Dataset
        Batches of ``(images (B, H, W, C) float32, masks (B, H, W, 1))``, e.g. from
        :func:`helpers.datasets.from_files`. ``val_ds`` may be ``None`` (then the
        best model is the one with the lowest training loss).
    epochs : int
        Total epochs of the run (a resumed run trains only the missing ones).
    out_dir : path
        Folder for ``history.csv``, ``model.keras`` and ``resume/`` (see module doc).
    loss : str or callable
        ``"bce_dice"`` (default), ``"dice"``, ``"jaccard"``, ``"bce"``, or a Keras loss.
    learning_rate : float
        Adam's learning rate (default 1e-3).
    metrics : list, optional
        Keras metrics (default: :func:`default_metrics`: accuracy, Dice and IoU).
    monitor : str, optional
        What "best" means: ``"val_loss"`` (default with validation data) or ``"loss"``;
        a name without ``loss`` (``"val_iou_coef"``) counts higher as better.
    early_stopping : int, optional
        Stop after this many epochs without improvement of ``monitor``.
    steps_per_epoch : int, optional
        Batches per epoch for a repeating dataset.
    overwrite : bool
        Delete a previous run's files in ``out_dir`` and start afresh. Without it, a
        run with a resume state goes on, and an ``out_dir`` with other training files
        is refused.
    verbose : bool
        A progress bar over epochs and a one-line summary (nothing when False).
    callbacks : list, optional
        More Keras callbacks.
    jit_compile : bool or "auto"
        XLA for a model this function compiles (see :func:`compile_model`).
    run_eagerly : bool, optional
        Steps without a traced graph, for a model this function compiles (default: the
        current profile's; see :func:`compile_model`).
    precision : {None, "float32", "mixed"}
        For a model this function builds: ``"mixed"`` builds it under Keras's
        ``mixed_float16`` policy (float16 compute, float32 weights; the U-Net's output
        layer stays float32, and Keras scales the loss so that small gradients survive);
        ``None`` (default) chooses mixed on a GPU with float16 units
        (:func:`helpers.distribute.mixed_precision_supported`), else float32. The summary
        line says which.

    Under a ``tf.distribute`` cluster (``$TF_CONFIG``, see
    :func:`helpers.distribute.cluster`), every
    worker trains on its share of each global batch, batch normalisation uses the
    global batch's statistics, and only the chief writes ``out_dir``.

    Returns
    -------
    pandas.DataFrame
        The history: one row per finished epoch (of this and earlier runs), ``epoch``
        from 0, then the loss and metrics.

    Raises
    ------
    TrainingError
        For a model without an input shape, a monitored value that training does not log, or
        a resume state that cannot be read or belongs to another model.
    FileExistsRefusedError
        When ``out_dir`` holds files of a run that cannot be resumed and ``overwrite`` is
        false.
    """
    out_dir = Path(out_dir)
    history_path, model_path = out_dir / HISTORY_FILE, out_dir / MODEL_FILE
    state = _RunState(out_dir)
    chief = distribute.is_chief()  # another worker of a cluster reads out_dir, never writes it
    if not chief:
        verbose = False
    if overwrite and chief:
        shutil.rmtree(state.folder, ignore_errors=True)
        history_path.unlink(missing_ok=True)
        model_path.unlink(missing_ok=True)
    elif not state.exists() and not overwrite:
        for path in (history_path, model_path):
            if path.exists():
                raise FileExistsRefusedError(
                    f"{path} is there but no resume state ({state.path}): it is not a run "
                    "this function can go on with. Choose another out_dir, or pass "
                    "overwrite=True (--overwrite) to replace it."
                )
    if chief:
        out_dir.mkdir(parents=True, exist_ok=True)

    model, precision_note = _prepare_model(
        model,
        loss=loss,
        learning_rate=learning_rate,
        metrics=metrics,
        jit_compile=jit_compile,
        run_eagerly=run_eagerly,
        precision=precision,
    )
    if not model.built:
        raise TrainingError("Build the model (give its input shape) before training it.")
    if monitor is None:
        monitor = "val_loss" if val_ds is not None else "loss"
    if state.exists() and not (overwrite and not chief):  # the chief deletes it
        state.load()
        if chief:
            state.tidy(out_dir)
        state.restore_weights(model)
    state.data["monitor"] = monitor
    initial = int(state.data["epoch"])
    start_time = time.perf_counter()
    todo = 0 if state.data["stopped"] else max(epochs - initial, 0)

    bar = None
    if verbose and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, initial=initial, unit="epoch", desc="training", leave=True)

    def on_epoch(epoch, logs):
        if bar is not None:
            shown = {k: f"{v:.4f}" for k, v in logs.items() if k in ("loss", "val_loss", monitor)}
            bar.set_postfix(shown, refresh=False)
            bar.update(1)

    if todo:
        checkpoint = _callback(
            state, out_dir, monitor=monitor, patience=early_stopping, on_epoch=on_epoch, chief=chief
        )
        from helpers.datasets import unwrap_data_errors

        try:
            with unwrap_data_errors(), distribute.cluster_fit(model):  # a bad file: one DataError
                model.fit(
                    train_ds,
                    validation_data=val_ds,
                    epochs=epochs,
                    initial_epoch=initial,
                    steps_per_epoch=steps_per_epoch,
                    callbacks=[checkpoint, *(callbacks or [])],
                    shuffle=False,  # a dataset shuffles itself (datasets.from_files(shuffle=True))
                    verbose=0,
                )
        finally:
            if bar is not None:
                bar.close()
    history = _write_history(state.data["history"], history_path if chief else None)
    if verbose:
        seconds = time.perf_counter() - start_time
        done = int(state.data["epoch"])
        stopped = " (stopped early)" if state.data["stopped"] else ""
        trained = (
            f"trained epochs {initial}-{done - 1}" if done > initial else "nothing left to train"
        )
        best = state.data["best"]
        best_text = (
            f"best {monitor} {best:.4f} at epoch {state.data['best_epoch']}"
            if best is not None
            else "no best yet"
        )
        print(
            f"{trained}{stopped} in {seconds:.0f} s ({precision_note}); {best_text}; "
            f"{len(history)} rows in {history_path}, best model {model_path}."
        )
    return history
