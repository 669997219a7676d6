"""What the notebook runs on: versions, devices, a CPU and a GPU computation, Colab.

The distribution strategy (which devices train) is chosen in :mod:`helpers.distribute`.

Example
-------
>>> from helpers import env
>>> {'python', 'numpy', 'tensorflow'} <= set(env.versions())
True
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from importlib import metadata

import numpy as np

from helpers.colab import in_colab

__all__ = [
    "ComputeResult",
    "compute_check",
    "describe",
    "devices",
    "gpu_compute_check",
    "gpu_hint",
    "versions",
]

#: Packages whose versions ``versions()`` reports, by distribution name.
_REPORTED = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tf-nightly"),
    "keras": ("keras",),
    "numpy": ("numpy",),
    "scikit-image": ("scikit-image",),
    "opencv": ("opencv-python-headless", "opencv-python"),
    "ipywidgets": ("ipywidgets",),
}


def _installed_version(*distributions: str) -> str | None:
    for name in distributions:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def versions() -> dict[str, str]:
    """Versions of Python and the course's main packages (``"not installed"`` where absent).

    Read from the installed package metadata, so TensorFlow is not imported.
    """
    found = {"python": platform.python_version()}
    for label, distributions in _REPORTED.items():
        found[label] = _installed_version(*distributions) or "not installed"
    return dict(sorted(found.items()))


def devices() -> dict[str, list[str]]:
    """Physical devices TensorFlow sees, by type: ``{"CPU": [...], "GPU": [...], "TPU": [...]}``."""
    import tensorflow as tf

    return {
        kind: [d.name for d in tf.config.list_physical_devices(kind)]
        for kind in ("CPU", "GPU", "TPU")
    }


def gpu_hint() -> str:
    """What to do when no GPU is visible, for Colab and for a laptop."""
    if in_colab():
        return (
            "No GPU in this Colab runtime. Choose Runtime > Change runtime type > "
            "a GPU accelerator > Save; the runtime restarts, so run the notebook again."
        )
    return (
        "No GPU found: the course runs on the CPU with the 'cpu' profile "
        "(smaller images, fewer epochs). Everything still works, only slower."
    )


@dataclass(frozen=True)
class ComputeResult:
    """The outcome of :func:`compute_check` on one device.

    Attributes
    ----------
    device : str
        The device the computation was placed on, as TensorFlow names it.
    value : float
        Sum of the product of two seeded random matrices.
    expected : float
        The same sum computed by NumPy in float64.
    seconds : float
        Wall time of the TensorFlow computation.
    """

    device: str
    value: float
    expected: float
    seconds: float

    @property
    def agrees(self) -> bool:
        """True when TensorFlow's float32 result matches NumPy's to 1e-3 relative."""
        return bool(np.isclose(self.value, self.expected, rtol=1e-3, atol=1e-2))


def compute_check(device: str = "/CPU:0", *, size: int = 1000, seed: int = 0) -> ComputeResult:
    """Multiply two seeded ``size x size`` float32 matrices on ``device``; check against NumPy.

    Parameters
    ----------
    device : str
        A TensorFlow device string such as ``"/CPU:0"`` or ``"/GPU:0"``.
    size : int
        Side of the square matrices.
    seed : int
        Seed of the random matrices (uniform in [0, 1)).
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    expected = float((a.astype(np.float64) @ b.astype(np.float64)).sum())
    with tf.device(device):
        start = time.perf_counter()
        product = tf.linalg.matmul(tf.constant(a), tf.constant(b))
        value = float(tf.reduce_sum(tf.cast(product, tf.float64)).numpy())
        seconds = time.perf_counter() - start
        placed = product.device
    return ComputeResult(device=placed, value=value, expected=expected, seconds=seconds)


def gpu_compute_check(**kwargs) -> ComputeResult | None:
    """:func:`compute_check` on the first GPU, or ``None`` (with a printed hint) without one."""
    import tensorflow as tf

    if not tf.config.list_physical_devices("GPU"):
        print("GPU test skipped. " + gpu_hint())
        return None
    return compute_check("/GPU:0", **kwargs)


def describe() -> str:
    """One line per fact: versions, devices, Colab or not (for the top of a notebook)."""
    lines = [f"{name:>13}: {version}" for name, version in versions().items()]
    found = devices()
    for kind, names in found.items():
        lines.append(f"{kind + 's':>13}: {len(names)}")
    lines.append(f"{'Colab':>13}: {'yes' if in_colab() else 'no'}")
    return "\n".join(lines)
