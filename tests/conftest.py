"""Fixtures shared by the test files (pytest finds them here; no import needed).

``close_figures``
    (automatic) closes every matplotlib figure after each test, so that figure counts
    and memory do not carry over from one test to the next.
``read_png``
    a function ``read_png(path) -> ndarray``: the pixels of an image file as Pillow
    stores them (no EXIF turn, no conversion), read plainly so that a test does not
    check ``helpers.io`` with ``helpers.io``.
``bundled_data``
    the repository's ``data/`` folder (the synthetic datasets, always there).
``eager_steps``
    (module) the training and test steps of Keras run eagerly, not traced into graphs:
    for the files that check what surrounds :func:`helpers.training.train` (history,
    record, resumption, run folders, the CLI's files), where a few steps of a tiny U-Net
    cost less than tracing them (measured: 2 epochs 13 s traced, 4.6 s eager). The
    compiled step is what the notebooks, ``test_distributed.py`` and
    ``test_mixed_precision.py`` train with.
``shared_data``
    a function ``shared_data("isbi2012", ...) -> Path``: a folder of the real datasets in
    ``../shared/data`` (next to the repository, not part of it); the test is skipped
    when it is absent, as on a learner's machine or in the public CI.

Matplotlib draws with the Agg backend in every test (no window, no display needed).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # before any test imports pyplot

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"


def _read_png(path: str | os.PathLike) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image)


@pytest.fixture(autouse=True)
def close_figures():
    """Close the figures a test leaves open (only where matplotlib is in use)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture(scope="session")
def read_png() -> Callable[[str | os.PathLike], np.ndarray]:
    """``read_png(path)``: an image file's pixels as Pillow stores them."""
    return _read_png


@pytest.fixture(scope="session")
def bundled_data() -> Path:
    """The repository's ``data/`` folder."""
    return DATA


@pytest.fixture(scope="session")
def mito_folder(tmp_path_factory) -> Callable[[int], Path]:
    """``mito_folder(n)``: a new folder whose ``images/`` and ``masks/`` hold copies of the
    first ``n`` bundled mito pairs (``mito_000.png``, ...), for tests that damage or add files."""

    def make(n: int) -> Path:
        root = tmp_path_factory.mktemp("mito")
        for kind in ("images", "masks"):
            (root / kind).mkdir()
            for i in range(n):
                shutil.copy(DATA / "mito" / kind / f"mito_{i:03d}.png", root / kind)
        return root

    return make


@pytest.fixture(scope="module")
def eager_steps():
    import tensorflow as tf

    tf.config.run_functions_eagerly(True)
    yield
    tf.config.run_functions_eagerly(False)


@pytest.fixture(scope="session")
def shared_data() -> Callable[..., Path]:
    """``shared_data(*parts)``: a folder under ``../shared/data``; skips the test if absent."""

    def folder(*parts: str) -> Path:
        path = SHARED_DATA.joinpath(*parts)
        if not path.exists():
            pytest.skip(f"real data not found at {path} (optional: see ../shared/data/README.md)")
        return path

    return folder
