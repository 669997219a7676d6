"""Run profiles, paths and seeds: the one place every notebook reads its settings from.

A *profile* sets how big a run is. Pick one with the environment variable
``COURSE_PROFILE``:

============  =====================================================================
``quick``     what CI uses: tiny images and two epochs, every notebook in seconds
``cpu``       the default without a GPU: a laptop gets a real result in minutes
``full``      the default with a GPU (Colab): 256 px images and real training
============  =====================================================================

Paths are resolved from the repository root, so a notebook started from
``notebooks/`` and a script started from the root see the same folders.

Example
-------
>>> from helpers import config
>>> profile = config.get_profile("quick")
>>> profile.image_size
64
"""

from __future__ import annotations

import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from helpers.errors import ConfigError

__all__ = [
    "DEFAULT_SEED",
    "PROFILES",
    "PROFILE_ENV",
    "REPO_SLUG",
    "REPO_URL",
    "ROOT_ENV",
    "SITE_URL",
    "Profile",
    "data_dir",
    "get_profile",
    "gpu_available",
    "outputs_dir",
    "profile_name",
    "repo_root",
    "set_seed",
]

PROFILE_ENV = "COURSE_PROFILE"
ROOT_ENV = "COURSE_ROOT"

#: ``owner/name`` of the public repository: the Colab badges, the README links and the
#: Colab set-up cells all use it (a test checks that they agree).
REPO_SLUG = "unet-course/unet-segmentation-course"
REPO_URL = f"https://github.com/{REPO_SLUG}"
#: Where GitHub Pages publishes the course site (``.github/workflows/pages.yml``).
SITE_URL = "https://{}.github.io/{}/".format(*REPO_SLUG.split("/"))

DEFAULT_SEED = 42


@dataclass(frozen=True)
class Profile:
    """How big a run is.

    Attributes
    ----------
    name : str
        ``"quick"``, ``"cpu"`` or ``"full"``.
    image_size : int
        Images and masks are resized to ``image_size x image_size`` pixels.
    epochs : int
        Training epochs.
    batch_size : int
        Images per training step.
    max_images : int or None
        At most this many image/mask pairs are used from a dataset (``None``: all).
    base_filters : int
        Filters of the first U-Net level (doubled at every level below).
    run_eagerly : bool
        Keras runs the training and prediction steps one operation at a time instead of
        tracing them into a graph first (:func:`helpers.training.compile_model`). Only
        ``quick``: its few steps are done before a graph would be ready (a small U-Net,
        2 epochs of 3 steps at 64 px: 5.5 s eager, 12.5 s traced, on 2 CPU cores). Both
        compute the same operations; a traced graph may fuse some and round differently
        in the last bits.
    """

    name: str
    image_size: int
    epochs: int
    batch_size: int
    max_images: int | None
    base_filters: int
    run_eagerly: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        images = "all" if self.max_images is None else self.max_images
        return (
            f"profile '{self.name}': {self.image_size}x{self.image_size} px, "
            f"{self.epochs} epochs, batch {self.batch_size}, images {images}, "
            f"base filters {self.base_filters}"
        )


PROFILES: dict[str, Profile] = {
    "quick": Profile(
        "quick",
        image_size=64,
        epochs=2,
        batch_size=8,
        max_images=24,
        base_filters=8,
        run_eagerly=True,
    ),
    "cpu": Profile(
        "cpu", image_size=128, epochs=25, batch_size=8, max_images=None, base_filters=16
    ),
    "full": Profile(
        "full", image_size=256, epochs=60, batch_size=8, max_images=None, base_filters=16
    ),
}


def gpu_available() -> bool:
    """True when TensorFlow sees at least one GPU (imports TensorFlow)."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def profile_name(name: str | None = None) -> str:
    """The profile's name: ``name``, else ``$COURSE_PROFILE``, else ``full``/``cpu`` by GPU.

    Raises
    ------
    ConfigError
        When the name is not one of :data:`PROFILES`.
    """
    chosen = name if name is not None else os.environ.get(PROFILE_ENV, "").strip()
    if not chosen:
        return "full" if gpu_available() else "cpu"
    chosen = chosen.lower()
    if chosen not in PROFILES:
        valid = ", ".join(PROFILES)
        source = f"{PROFILE_ENV}={chosen!r}" if name is None else repr(chosen)
        raise ConfigError(
            f"Unknown run profile {source}. Valid profiles: {valid}. "
            f"Set one with, for example, {PROFILE_ENV}=quick."
        )
    return chosen


def get_profile(name: str | None = None) -> Profile:
    """The run profile named ``name`` (default: from ``$COURSE_PROFILE``, see module doc).

    Raises
    ------
    ConfigError
        When the name (or ``$COURSE_PROFILE``) is not one of :data:`PROFILES`.
    """
    return PROFILES[profile_name(name)]


def repo_root() -> Path:
    """The course repository's root folder (``$COURSE_ROOT`` overrides it)."""
    override = os.environ.get(ROOT_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


def data_dir(*parts: str) -> Path:
    """A path under the bundled ``data/`` folder (read-only for the course)."""
    return repo_root().joinpath("data", *parts)


def outputs_dir(*parts: str, create: bool = True) -> Path:
    """A folder under ``outputs/`` (git-ignored), created unless ``create=False``.

    Notebooks write everything they produce here, never into ``data/``.
    """
    path = repo_root().joinpath("outputs", *parts)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def set_seed(seed: int = DEFAULT_SEED) -> int:
    """Seed Python, NumPy and (when installed) Keras/TensorFlow; returns the seed."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import keras
    except ImportError:  # the data-only parts of the course run without Keras
        return seed
    keras.utils.set_random_seed(seed)
    return seed
