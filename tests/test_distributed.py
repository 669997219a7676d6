"""``python -m helpers train`` on a tf.distribute cluster: two worker processes on this
machine (127.0.0.1, free ports), MultiWorkerMirroredStrategy, one shared ``--out``.

Reference: the same command in one process (this one), with the same global batch. The two runs
compute the same steps, in another order of float additions (each worker sums its share
of the batch); Adam moves every weight by about the learning rate per step whatever the
size of its gradient, so rounding differences in near-zero gradients show as weight
differences of up to about steps x learning rate (8 x 1e-3 here). The losses, which
every step's whole batch gives, agree to 1e-3 (relative); the kernels to 2e-2 and the
predicted probabilities to 3e-2.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow")

from helpers import cli, config, io, training  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

ROOT = Path(__file__).resolve().parent.parent


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def train_command(out: Path) -> list[str]:
    # quick profile: 16 training and 4 validation images of 64 px; batches of 4 split 2 + 2
    return [
        sys.executable,
        "-m",
        "helpers",
        "train",
        "--images",
        str(config.data_dir("mito", "images")),
        "--masks",
        str(config.data_dir("mito", "masks")),
        "--profile",
        "quick",
        "--epochs",
        "2",
        "--batch-size",
        "4",
        "--out",
        str(out),
    ]


def environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    return env | {"CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2"} | extra


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = [
        subprocess.Popen(
            train_command(folder / "shared"),
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=environment(
                TF_CONFIG=json.dumps(
                    {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
                )
            ),
        )
        for index in range(2)
    ]
    try:
        # the reference, in this process while the workers start (this test's time)
        single = cli.main(train_command(folder / "single")[3:])
        outputs = [process.communicate(timeout=600)[0] for process in processes]  # a shared machine
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return {
        "folder": folder,
        "codes": [p.returncode for p in processes],
        "outputs": outputs,
        "single": single,
    }


def test_both_workers_finish_and_only_the_chief_writes(runs):
    assert runs["codes"] == [0, 0], "\n".join(o[-2000:] for o in runs["outputs"])
    assert "this is worker 0 (chief" in runs["outputs"][0]
    assert "this is worker 1 (reads --out, writes nothing)" in runs["outputs"][1]
    shared = runs["folder"] / "shared"
    assert sorted(p.name for p in shared.iterdir()) == [
        "history.csv",
        "model.keras",
        "resume",
        "run.json",
        "split.json",
    ]
    assert len(list((shared / "resume").glob("*.weights.h5"))) == 1
    assert len(pd.read_csv(shared / "history.csv")) == 2
    record = json.loads((shared / "run.json").read_text())["training"]  # the chief's record
    assert record["epochs_run"] == 2 and record["seconds"] > 0


def test_two_workers_train_as_one_process_with_the_same_global_batch(runs):
    assert runs["single"] == 0
    shared, single = runs["folder"] / "shared", runs["folder"] / "single"
    two, one = pd.read_csv(shared / "history.csv"), pd.read_csv(single / "history.csv")
    for column in ("loss", "val_loss", "accuracy"):
        np.testing.assert_allclose(two[column], one[column], rtol=1e-3)

    from helpers.inference import load_model

    models = [load_model(folder / training.MODEL_FILE) for folder in (shared, single)]
    for a, b in zip(models[0].weights, models[1].weights, strict=True):
        if a.path.endswith("kernel"):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=2e-2, err_msg=a.path)
    pairs = io.pair_images_and_masks(
        config.data_dir("mito", "images"), config.data_dir("mito", "masks")
    )[:6]
    images, _ = io.load_pairs(pairs, size=64)
    predicted = [model.predict(images, verbose=0) for model in models]
    np.testing.assert_allclose(predicted[0], predicted[1], atol=3e-2)
