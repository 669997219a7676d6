"""helpers.distribute: the strategy, the cluster from $TF_CONFIG, the precision choice.

Training on several workers is tested end to end in ``tests/test_distributed.py``, and
mixed precision against float32 in ``tests/test_mixed_precision.py``.
"""

from __future__ import annotations

import json

import pytest

tf = pytest.importorskip("tensorflow")

from helpers import distribute  # noqa: E402
from helpers.errors import TrainingError  # noqa: E402


def test_strategy_on_one_device_is_the_default_strategy(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    strategy = distribute.strategy()
    assert strategy.num_replicas_in_sync >= 1
    with strategy.scope():
        variable = tf.Variable(1.0)
    assert float(variable.numpy()) == 1.0


def test_tf_config_that_is_not_a_cluster_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(TrainingError, match="TF_CONFIG is not a tf.distribute cluster"):
        distribute.cluster()
    with pytest.raises(TrainingError, match="TF_CONFIG is not a tf.distribute cluster"):
        distribute.strategy()
    monkeypatch.setenv(
        "TF_CONFIG",
        json.dumps({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}),
    )
    assert distribute.cluster() is None and distribute.is_chief()  # one worker: no cluster
    monkeypatch.setenv(
        "TF_CONFIG",
        json.dumps(
            {
                "cluster": {"chief": ["a:1"], "worker": ["b:2"]},
                "task": {"type": "worker", "index": 0},
            }
        ),
    )
    assert distribute.cluster() == {"workers": 2, "chief": False, "task": "worker 0"}
    assert not distribute.is_chief()


def test_without_a_cluster_the_fit_context_changes_nothing(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    model = object()
    with distribute.cluster_fit(model):
        pass
    assert not hasattr(model, "train_step")


def test_precision_auto_is_float32_without_a_float16_gpu_and_says_why():
    if distribute.mixed_precision_supported():
        pytest.skip("this machine has a GPU with float16 units")
    policy, line = distribute.choose_precision(None)
    assert policy == "float32" and line == "float32, no GPU with float16 units"
    assert distribute.choose_precision("mixed")[0] == "mixed_float16"
    assert distribute.choose_precision("float32") == ("float32", "float32, as asked")
    with pytest.raises(TrainingError, match="precision must be"):
        distribute.choose_precision("half")


def test_build_model_builds_under_the_policy_and_restores_it(monkeypatch):
    keras = pytest.importorskip("keras")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    compiled = []

    def build():
        inputs = keras.Input((4,))
        return keras.Model(inputs, keras.layers.Dense(1, dtype="float32")(inputs))

    model, note = distribute.build_model(build, precision="mixed", compile=compiled.append)
    assert note.startswith("mixed_float16 as asked")
    assert compiled == [model]
    assert keras.mixed_precision.global_policy().name == "float32"
