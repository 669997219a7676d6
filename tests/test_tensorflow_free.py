"""The NumPy core of helpers imports without TensorFlow or Keras.

Chapters that only read images, draw them or score masks (2, 4, 6, 10), the VIA and
importer commands and ``check`` must not wait for TensorFlow to load (several seconds,
and more memory).
Each module is imported in a fresh interpreter, where nothing else loaded TensorFlow.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

TENSORFLOW_FREE = (
    "conventions",
    "metrics",
    "classical",
    "io",
    "splits",
    "via",
    "via._csv",
    "importers",
    "check",
    "plots",
    "objects",
    "colab",
    "exercises",
)

CHECK = (
    "import sys\n"
    "heavy = sorted(name for name in ('tensorflow', 'keras') if name in sys.modules)\n"
    "print('loaded:', ','.join(heavy) or 'none')\n"
)


def _run(script: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("module", TENSORFLOW_FREE)
def test_module_imports_without_tensorflow(module):
    out = _run(f"import helpers.{module}\n" + CHECK)
    assert "loaded: none" in out, f"importing helpers.{module} loaded {out.split('loaded:')[-1]}"


def test_via2masks_help_runs_without_tensorflow():
    script = (
        "import runpy, sys\n"
        "sys.argv = ['helpers', 'via2masks', '--help']\n"
        "try:\n"
        "    runpy.run_module('helpers', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    assert done.code in (0, None), done.code\n"
    ) + CHECK
    out = _run(script)
    assert "--via" in out and "loaded: none" in out
