"""Where ``evaluate`` and ``predict`` take their model from: a run folder (``--run DIR``,
read by :func:`helpers.runs.load_run`) or a model file (``--model FILE``, with the
``run.json`` next to it when there is one)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from helpers.errors import CommandError

# TensorFlow's C++ start-up messages (CUDA probing, CPU features) are noise on a terminal;
# set before the commands import TensorFlow. An explicit setting in the environment wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["add_model_arguments", "check_model_choice", "load_model_and_settings"]


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """``--run DIR`` and ``--model FILE``: exactly one of them (:func:`check_model_choice`)."""
    parser.add_argument(
        "--run",
        dest="run_dir",  # ``run`` is the command's function (set_defaults)
        metavar="DIR",
        help="a run folder that train wrote: its model.keras, run.json and split.json",
    )
    parser.add_argument("--model", metavar="FILE", help="a model.keras file")


def check_model_choice(args: argparse.Namespace) -> None:
    """Raise unless exactly one of ``--run`` and ``--model`` was given.

    Raises
    ------
    CommandError
        For both, or neither.
    """
    if args.run_dir is not None and args.model is not None:
        raise CommandError(
            "Give --run DIR or --model FILE, not both: --run reads the model from the folder."
        )
    if args.run_dir is None and args.model is None:
        raise CommandError(
            "Give the model: --run DIR (a folder that train wrote) or --model FILE (a .keras file)."
        )


def _settings_next_to(model_path: Path) -> dict:
    """``run.json`` next to the model, or an empty dict."""
    from helpers.runs import RUN_FILE

    path = model_path.parent / RUN_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise CommandError(f"{path} is not valid JSON ({error}); delete or repair it.") from error


def load_model_and_settings(args: argparse.Namespace):
    """The model, the run's settings (``run.json``; ``{}`` for a model file without one)
    and the :class:`helpers.runs.Run` (None for ``--model``).

    Raises
    ------
    RunFolderError
        For a run folder that is missing, has no model or ``run.json``, or bad JSON.
    ModelFileError
        For a model file that is missing or is not a model.
    CommandError
        For a ``run.json`` next to ``--model`` that is not JSON.
    """
    from helpers import runs
    from helpers.inference import load_model

    if args.run_dir is not None:
        run = runs.load_run(args.run_dir)
        return run.load_model(), run.settings, run
    model_path = Path(args.model)
    model = load_model(model_path)
    return model, _settings_next_to(model_path), None
