"""Distribution and precision: which devices train, and in which float type.

:func:`strategy` is the one place a ``tf.distribute`` strategy is chosen: in a
``$TF_CONFIG`` cluster the ``MultiWorkerMirroredStrategy`` of this process (made once),
else a TPU, several GPUs, or the default strategy (one device). :func:`cluster` and
:func:`is_chief` read the cluster; :func:`choose_precision` picks float32 or
mixed_float16; :func:`build_model` builds a model in the strategy's scope under that
precision; :func:`synchronise_batch_norm` and :func:`cluster_fit` are what
:func:`helpers.training.train` needs to train on several workers as one process.

Example
-------
>>> from helpers import distribute
>>> distribute.cluster() is None  # no $TF_CONFIG here
True
>>> distribute.choose_precision("float32")
('float32', 'float32, as asked')
"""

from __future__ import annotations

import contextlib
import json
import os

from helpers.errors import TrainingError

__all__ = [
    "PRECISIONS",
    "build_model",
    "choose_precision",
    "cluster",
    "cluster_fit",
    "is_chief",
    "mixed_precision_supported",
    "strategy",
    "synchronise_batch_norm",
]

#: ``train(precision=...)``: "float32", "mixed" (float16 compute), or None (mixed where
#: the GPU has float16 units, else float32).
PRECISIONS = ("float32", "mixed")

_CLUSTER_STRATEGY = []


def cluster() -> dict | None:
    """The ``tf.distribute`` cluster of this process from ``$TF_CONFIG``.

    Returns
    -------
    dict or None
        ``{"workers": n, "chief": bool, "task": "worker 0"}``; None without
        ``$TF_CONFIG``, or with a single worker.

    Raises
    ------
    TrainingError
        When ``$TF_CONFIG`` is not a cluster description.
    """
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
    """Whether this process writes the run's files (always, outside a cluster).

    Raises
    ------
    TrainingError
        When ``$TF_CONFIG`` is not a cluster description.
    """
    found = cluster()
    return found is None or found["chief"]


def _tpu_present() -> bool:
    """Cheap signs of a TPU (Colab/Cloud TPU variables, TPU VM device files), no network."""
    import glob

    return bool(
        os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME") or glob.glob("/dev/accel*")
    )


def strategy():
    """A ``tf.distribute`` strategy for the hardware at hand.

    In a cluster (``$TF_CONFIG`` naming several workers, see :func:`cluster`): the
    ``MultiWorkerMirroredStrategy`` of this process, made on the first call (make it
    before any other TensorFlow op: call this first) and the same one afterwards.
    Otherwise a ``TPUStrategy`` when a Colab/Cloud TPU is reachable, a
    ``MirroredStrategy`` over all GPUs when there are several, and the default strategy
    (one device) else. Build and compile models inside ``with strategy().scope():``.

    Raises
    ------
    TrainingError
        When ``$TF_CONFIG`` is not a cluster description.
    """
    import tensorflow as tf

    if cluster() is not None:
        if not _CLUSTER_STRATEGY:
            _CLUSTER_STRATEGY.append(tf.distribute.MultiWorkerMirroredStrategy())
        return _CLUSTER_STRATEGY[0]
    if _tpu_present():
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
            return tf.distribute.TPUStrategy(resolver)
        except (ValueError, RuntimeError, tf.errors.NotFoundError) as error:
            print(f"A TPU seems present but could not be used ({error}); using GPU/CPU.")
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy([g.name for g in gpus])
    return tf.distribute.get_strategy()


def mixed_precision_supported() -> str | None:
    """The name of a GPU whose float16 units make ``mixed_float16`` pay (NVIDIA compute
    capability 7.0 or more: V100, T4, A100, H100...), or None (CPU, older GPUs)."""
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        if tuple(details.get("compute_capability") or (0, 0)) >= (7, 0):
            return details.get("device_name", gpu.name)
    return None


def choose_precision(precision: str | None) -> tuple[str, str]:
    """The Keras dtype policy for ``precision`` and the words that say why.

    Parameters
    ----------
    precision : {None, "float32", "mixed"}
        ``None`` chooses mixed on a GPU with float16 units
        (:func:`mixed_precision_supported`), else float32.

    Returns
    -------
    (str, str)
        ``"mixed_float16"`` or ``"float32"``, and a few words for a summary line.

    Raises
    ------
    TrainingError
        For a value not in :data:`PRECISIONS` (nor None).
    """
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


def build_model(build, *, precision: str | None = None, compile=None) -> tuple:
    """Build a model where it trains: in :func:`strategy`'s scope, under the precision's
    dtype policy, with batch normalisation synchronised in a cluster.

    Parameters
    ----------
    build : callable
        A function of no arguments that returns a Keras model.
    precision : {None, "float32", "mixed"}
        As for :func:`choose_precision`; the global policy is restored afterwards (it
        applies to the layers built here only).
    compile : callable, optional
        ``compile(model)``, called in the same scope when the model comes back
        uncompiled (the optimiser's variables then live on the strategy's devices).

    Returns
    -------
    (keras.Model, str)
        The model, and :func:`choose_precision`'s words on its precision.

    Raises
    ------
    TrainingError
        For a bad ``precision`` or ``$TF_CONFIG``.
    """
    import keras

    policy, note = choose_precision(precision)
    found = strategy()
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        with found.scope():
            model = build()
            if cluster() is not None:
                synchronise_batch_norm(model)
            if compile is not None and not getattr(model, "compiled", False):
                compile(model)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    return model, note


def synchronise_batch_norm(model) -> None:
    """Batch statistics over the global batch, not each worker's share (several
    workers then train as one process with the same batch does)."""
    import keras

    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = True


@contextlib.contextmanager
def cluster_fit(model):
    """Fit inside the cluster's strategy scope (outside a cluster: nothing changes).

    Keras 3.x's symbolic build at the start of ``fit`` cannot average a multi-worker
    batch (a ``PerReplica`` conversion error), and it runs only for a model that holds
    its strategy: under a cluster the model gets it from the scope instead (the step
    functions read it from there)."""
    if cluster() is None:
        yield
        return
    import tensorflow as tf

    found = strategy()

    def as_vectors(step):
        # Keras 3.x averages a multi-worker step's logs along axis 0, which scalars lack
        return lambda data: {k: tf.reshape(v, [1]) for k, v in step(data).items()}

    model._distribute_strategy = None
    model.train_step, model.test_step = as_vectors(model.train_step), as_vectors(model.test_step)
    try:
        with found.scope():
            yield
    finally:
        del model.train_step, model.test_step  # the class's own again
