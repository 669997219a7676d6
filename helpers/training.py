"""Training: one call that compiles, trains, keeps the best model and survives interruption.

:func:`train` writes into ``out_dir``:

``history.csv``
    One row per finished epoch, column ``epoch`` counted from 0 as Keras does, then the
    loss and metrics (``val_`` for validation). Rewritten atomically after every epoch.
``model.keras``
    The model of the best epoch on validation (lowest ``val_loss`` by default).
``resume/``
    The state after the last finished epoch: weights (with the optimiser's), the
    history, the best score. Run the same call again after an interruption (a crash,
    ``kill -9``, a closed laptop) and training goes on from the next epoch: no epoch is
    lost or counted twice in ``history.csv``. Run it again after it finished and nothing
    is retrained; give more ``epochs`` to train further.

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

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.errors import FileExistsRefusedError, TrainingError
from helpers.files import write_text

#: The course's default optimiser settings (chosen by measurement, see benchmarks/).
__all__ = [
    "DEFAULT_LEARNING_RATE",
    "DEFAULT_LOSS",
    "HISTORY_FILE",
    "MIN_UPDATES_PER_EPOCH",
    "MODEL_FILE",
    "PRECISIONS",
    "RESUME_DIR",
    "RUN_FILE",
    "SPLIT_FILE",
    "STATE_FILE",
    "cluster",
    "cluster_strategy",
    "compile_model",
    "default_metrics",
    "foreground_share",
    "is_chief",
    "load_history",
    "mixed_precision_supported",
    "set_output_prior",
    "small_set_batch",
    "train",
    "train_on_folder",
]

DEFAULT_LOSS = "bce_dice"
DEFAULT_LEARNING_RATE = 1e-3

HISTORY_FILE = "history.csv"
SPLIT_FILE = "split.json"
RUN_FILE = "run.json"
MODEL_FILE = "model.keras"
RESUME_DIR = "resume"
STATE_FILE = "state.json"


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
):
    """Compile ``model`` with Adam, ``loss`` (a name in :data:`helpers.losses.LOSSES` or a
    loss) and ``metrics`` (default :func:`default_metrics`); returns the model.

    ``jit_compile="auto"`` (Keras's default) compiles the training step with XLA on a
    GPU and not on a CPU-only machine, which is what measured best on a CPU (``True``
    there costs a compile in the first epoch and more CPU time in every later one; the
    README has the figures). ``False`` skips XLA everywhere (worth it for runs of a few
    steps, e.g. tests); a multi-worker cluster gets ``False`` for ``"auto"`` (it started
    faster without)."""
    import keras

    from helpers.losses import get_loss

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=get_loss(loss),
        metrics=default_metrics(model.outputs[0].shape[-1]) if metrics is None else list(metrics),
        jit_compile=jit_compile,
    )
    return model


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
    must read together: a worker that skipped it would leave the chief waiting)."""
    import tempfile

    import keras

    mode = _mode(monitor)
    scratch = None if chief else Path(tempfile.mkdtemp(prefix="unet-worker-"))

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


#: ``train(precision=...)``: "float32", "mixed" (float16 compute), or None (mixed where
#: the GPU has float16 units, else float32).
PRECISIONS = ("float32", "mixed")


def mixed_precision_supported() -> str | None:
    """The name of a GPU whose float16 units make ``mixed_float16`` pay (NVIDIA compute
    capability 7.0 or more: V100, T4, A100, H100...), or None (CPU, older GPUs)."""
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        if tuple(details.get("compute_capability") or (0, 0)) >= (7, 0):
            return details.get("device_name", gpu.name)
    return None


def _choose_precision(precision: str | None) -> tuple[str, str]:
    """The Keras dtype policy for ``precision`` and the words that say why."""
    if precision not in (None, *PRECISIONS):
        raise TrainingError(f"precision must be 'float32', 'mixed' or None, got {precision!r}.")
    gpu = mixed_precision_supported() if precision is None else None
    if precision == "mixed" or gpu:
        where = f"on {gpu}" if gpu else "as asked"
        return "mixed_float16", (
            f"mixed_float16 {where}: float16 compute, float32 weights, "
            "output and loss, loss scaling"
        )
    why = "as asked" if precision == "float32" else "no GPU with float16 units"
    return "float32", f"float32, {why}"


def cluster() -> dict | None:
    """The ``tf.distribute`` cluster of this process from ``$TF_CONFIG`` (None without it,
    or with a single worker): ``{"workers": n, "chief": bool, "task": ...}``."""
    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
        spec, task = config["cluster"], config["task"]
        kind, index = task["type"], int(task["index"])
    except (ValueError, KeyError, TypeError) as error:
        raise TrainingError(
            f"TF_CONFIG is not a tf.distribute cluster ({error}): it must be JSON like "
            '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", '
            '"index": 0}}.'
        ) from error
    workers = sum(len(spec.get(k, [])) for k in ("chief", "worker"))
    if workers < 2:
        return None
    chief = kind == "chief" if "chief" in spec else (kind == "worker" and index == 0)
    return {"workers": workers, "chief": chief, "task": f"{kind} {index}"}


def is_chief() -> bool:
    """Whether this process writes the run's files (always, outside a cluster)."""
    found = cluster()
    return found is None or found["chief"]


_CLUSTER_STRATEGY = []


def cluster_strategy():
    """A ``MultiWorkerMirroredStrategy`` for the cluster in ``$TF_CONFIG`` (made once per
    process, before any other TensorFlow op: call it first), or None outside a cluster."""
    if cluster() is None:
        return None
    if not _CLUSTER_STRATEGY:
        import tensorflow as tf

        _CLUSTER_STRATEGY.append(tf.distribute.MultiWorkerMirroredStrategy())
    return _CLUSTER_STRATEGY[0]


def _synchronise_batch_norm(model) -> None:
    """Batch statistics over the global batch, not each worker's share (several
    workers then train as one process with the same batch does)."""
    import keras

    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = True


@contextlib.contextmanager
def _in_cluster(model):
    """Fit inside the cluster's strategy scope. Keras 3.x's symbolic build at the start of
    ``fit`` cannot average a multi-worker batch (a ``PerReplica`` conversion error), and
    it runs only for a model that holds its strategy: under a cluster the model gets it
    from the scope instead (the step functions read it from there)."""
    strategy = cluster_strategy()
    if strategy is None:
        yield
        return
    import tensorflow as tf

    def as_vectors(step):
        # Keras 3.x averages a multi-worker step's logs along axis 0, which scalars lack
        return lambda data: {k: tf.reshape(v, [1]) for k, v in step(data).items()}

    model._distribute_strategy = None
    model.train_step, model.test_step = as_vectors(model.train_step), as_vectors(model.test_step)
    try:
        with strategy.scope():
            yield
    finally:
        del model.train_step, model.test_step  # the class's own again


def _prepare_model(model, *, precision: str | None = None, **options):
    """The model built (in the strategy's scope, under the precision's policy) and
    compiled, and a few words on its precision for the summary line."""
    import keras

    from helpers import env

    if callable(model) and not hasattr(model, "fit"):
        policy, line = _choose_precision(precision)
        strategy = cluster_strategy() or env.strategy()
        previous = keras.mixed_precision.global_policy()
        keras.mixed_precision.set_global_policy(policy)  # for the layers built now only
        try:
            with strategy.scope():
                built = model()
                if cluster() is not None:
                    _synchronise_batch_norm(built)
                if not getattr(built, "compiled", False):
                    if cluster() is not None and options.get("jit_compile") == "auto":
                        options["jit_compile"] = False  # XLA: slower start, no gain measured
                    compile_model(built, **options)
        finally:
            keras.mixed_precision.set_global_policy(previous)
        return built, line
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
    precision: str | None = None,
) -> pd.DataFrame:
    """Train a segmentation model, keeping the best model and a resumable state.

    Parameters
    ----------
    model : keras.Model or callable
        A model (compiled or not), or a function of no arguments that builds one: it is
        called inside :func:`helpers.env.strategy`'s scope, so that several GPUs or a TPU
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
    precision : {None, "float32", "mixed"}
        For a model this function builds: ``"mixed"`` builds it under Keras's
        ``mixed_float16`` policy (float16 compute, float32 weights; the U-Net's output
        layer stays float32, and Keras scales the loss so that small gradients survive);
        ``None`` (default) chooses mixed on a GPU with float16 units
        (:func:`mixed_precision_supported`), else float32. The summary line says which.

    Under a ``tf.distribute`` cluster (``$TF_CONFIG``, see :func:`cluster`), every
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
    chief = is_chief()  # another worker of a cluster reads out_dir, never writes it
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
            with unwrap_data_errors(), _in_cluster(model):  # a bad file: one DataError
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


def _write_json_once(path: Path, content: dict, *, overwrite: bool) -> None:
    """Write ``content``; an identical file already there is fine (a resumed run)."""
    if path.exists() and not overwrite:
        try:
            same = json.loads(path.read_text(encoding="utf-8")) == content
        except ValueError:
            same = False
        if not same:
            raise FileExistsRefusedError(
                f"{path} is from a different run (other data or settings). Use another "
                "output folder, or overwrite=True (--overwrite) to start this run afresh."
            )
        return
    write_text(path, json.dumps(content, indent=1) + "\n", overwrite=True)


def _check_files(pairs, num_classes: int) -> None:
    """Decode every image and mask once, so that a damaged file or a mask that is not
    labels stops the run before anything is written (not in the middle of an epoch).

    Raises
    ------
    DataError
        Naming the file and saying what to do.
    """
    from helpers import datasets, io

    for image, mask in pairs:
        io.read_image(image)
        datasets.check_mask_labels(io.read_mask(mask), num_classes, str(mask))


def foreground_share(pairs, *, limit: int = 200) -> float:
    """The share of foreground (non-zero) pixels in the masks of ``pairs``.

    At most ``limit`` masks are read, spread evenly over the list (the share of a large
    folder without reading all of it)."""
    from helpers import io

    pairs = list(pairs)
    if not pairs:
        return 0.0
    step = max(1, -(-len(pairs) // limit))
    counts = [
        (int(np.count_nonzero(mask)), mask.size)
        for mask in (io.read_mask(m) for _, m in pairs[::step])
    ]
    return sum(c for c, _ in counts) / max(sum(n for _, n in counts), 1)


#: Weight updates an epoch should make at least (see :func:`small_set_batch`).
MIN_UPDATES_PER_EPOCH = 7


def small_set_batch(train_images: int, batch_size: int) -> int:
    """The profile's ``batch_size``, made smaller for a small training set so that an epoch
    makes at least :data:`MIN_UPDATES_PER_EPOCH` weight updates (never below 2).

    A profile's epochs are counted for a few dozen training images or more: with 28
    images in batches of 8 (``data/mri``), 25 epochs are 100 updates, too few to draw
    the lesions' edges (``cpu`` profile, with :func:`set_output_prior`: lesion IoU 0.78,
    precision 0.78; batches of 4, same images per epoch, so about the same time: 0.89 and
    0.92, lesion-free image empty)."""
    return int(min(batch_size, max(2, train_images // MIN_UPDATES_PER_EPOCH)))


def set_output_prior(model, share: float):
    """Start a one-class model's sigmoid at the foreground share: its bias = logit(share).

    A freshly built U-Net outputs about 0.5 everywhere. With lesions of 1 % of the pixels,
    Adam (steps of about the learning rate per weight) needs hundreds of steps only to
    bring the background down, and a short run stops with a background near 0.2 and a
    rim around each object above 0.5: masks drawn too wide (``data/mri``, ``cpu`` profile:
    recall 1.0, precision 0.63-0.67, lesion IoU the same; with the prior 0.86 IoU,
    precision 0.89, recall 0.97). Starting at the prior (RetinaNet's trick) removes that
    phase. Returns the model; a model with several classes, or without a layer
    ``probabilities``, is returned unchanged."""
    try:
        layer = model.get_layer("probabilities")
    except ValueError:
        return model
    if layer.bias is None or layer.bias.shape[-1] != 1:
        return model
    share = float(np.clip(share, 1e-4, 1 - 1e-4))
    layer.bias.assign(np.full(layer.bias.shape, np.log(share / (1 - share)), dtype="float32"))
    return model


def train_on_folder(
    image_dir: str | os.PathLike,
    mask_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    profile=None,
    size: int | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    max_images: int | None = None,
    num_classes: int = 1,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    early_stopping: int | None = None,
    seed: int = 42,
    overwrite: bool = False,
    verbose: bool = True,
    precision: str | None = None,
) -> pd.DataFrame:
    """The course's whole recipe on a folder of images and masks: split, stream, train.

    Pairs the files by stem (:func:`helpers.io.pair_images_and_masks`), splits the stems
    into train/val/test with ``seed``, streams the training images with augmentation,
    and trains the default U-Net with :func:`train`. Chapter 7 does these steps one by
    one; ``python -m helpers train`` and the later chapters call this.

    Writes into ``out_dir``: ``split.json`` (the stems of ``train``, ``val`` and
    ``test``), ``run.json`` (size, channels, classes, the source image size, the
    settings), and what :func:`train` writes. The same call again resumes.

    Parameters
    ----------
    profile : helpers.config.Profile or str, optional
        Default size, epochs, batch size, image limit and U-Net width (default: the
        current profile, :func:`helpers.config.get_profile`).
    size, epochs, batch_size, max_images : int, optional
        Override the profile's values. ``size`` must be a multiple of 16. Without
        ``batch_size``, a small training set gets smaller batches than the profile's
        (:func:`small_set_batch`).
    num_classes : int
        1 for binary masks, else the number of classes (0 is background).
    precision : {None, "float32", "mixed"}
        As for :func:`train` (``--precision`` on the command line).

    Returns
    -------
    pandas.DataFrame
        The history, one row per epoch.

    Raises
    ------
    ConfigError
        An unknown profile name (in ``profile`` or ``$COURSE_PROFILE``).
    DataError
        A missing or empty folder, an image or mask without its partner, a damaged file,
        or a mask that is not labels: before anything is written.
    FileExistsRefusedError
        ``out_dir`` holds a run with other data or settings and ``overwrite`` is false.
    TrainingError
        A size the U-Net cannot halve, fewer than 3 pairs, or a resume state that does
        not fit.
    """
    from helpers import config, datasets, io, splits
    from helpers.unet import DEFAULTS, build_unet, required_multiple

    if profile is None or isinstance(profile, str):
        profile = config.get_profile(profile)
    size = size or profile.image_size
    multiple = required_multiple(DEFAULTS["depth"])
    if size % multiple:
        raise TrainingError(
            f"Image size {size} is not a multiple of {multiple} (the U-Net halves it "
            f"{DEFAULTS['depth']} times): use e.g. {max(multiple, size // multiple * multiple)}."
        )
    epochs = epochs or profile.epochs
    out_dir = Path(out_dir)
    pairs = io.pair_images_and_masks(image_dir, mask_dir)
    limit = max_images if max_images is not None else profile.max_images
    pairs = pairs[:limit]
    channels = io.infer_channels(pairs)
    split = splits.split_stems(
        [image.stem for image, _ in pairs],
        seed=seed,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
    )
    if not split["val"]:
        raise TrainingError(
            f"Only {len(pairs)} image/mask pairs: give at least 3 (train, val, test)."
        )
    batch_size = batch_size or small_set_batch(len(split["train"]), profile.batch_size)
    source_size = list(io.read_image(pairs[0][0]).shape[:2])
    share = (
        foreground_share(splits.select_pairs(pairs, split["train"])) if num_classes == 1 else None
    )
    run = {
        "size": size,
        "channels": channels,
        "num_classes": num_classes,
        "source_size": source_size,
        "scale": [size / source_size[0], size / source_size[1]],
        "foreground_share": None if share is None else round(share, 6),
        "epochs": epochs,
        "batch_size": batch_size,
        "base_filters": profile.base_filters,
        "seed": seed,
        "profile": profile.name,
        "images": str(Path(image_dir).resolve()),
        "masks": str(Path(mask_dir).resolve()),
    }
    _check_files(pairs, num_classes)  # before anything is written
    if is_chief():  # in a cluster, only the chief writes out_dir
        if overwrite:
            for name in (SPLIT_FILE, RUN_FILE):
                (out_dir / name).unlink(missing_ok=True)
        _write_json_once(out_dir / SPLIT_FILE, split, overwrite=overwrite)
        _write_json_once(out_dir / RUN_FILE, run, overwrite=overwrite)

    def batches(part: str, *, augment: bool):
        return datasets.from_files(
            splits.select_pairs(pairs, split[part]),
            size=size,
            batch_size=batch_size,
            channels=channels,
            augment=augment,
            shuffle=augment,
            seed=seed,
            num_classes=num_classes,
            verbose=verbose and augment and is_chief(),
        )

    config.set_seed(seed)
    if verbose:
        print(
            f"Training on {len(split['train'])} images, validating on {len(split['val'])} "
            f"({size} px, {epochs} epochs, batch {batch_size}); {len(split['test'])} test "
            "images kept aside."
        )

    def build():
        model = build_unet(
            (None, None, channels), num_classes=num_classes, base_filters=profile.base_filters
        )
        return model if share is None else set_output_prior(model, share)

    return train(
        build,
        batches("train", augment=True),
        batches("val", augment=False),
        epochs=epochs,
        out_dir=out_dir,
        early_stopping=early_stopping,
        overwrite=overwrite,
        verbose=verbose,
        precision=precision,
    )
