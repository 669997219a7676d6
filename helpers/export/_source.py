"""What an export starts from: the run's model as a plain inference network, and the run's own
test images as the network takes them (the reference answers every format is checked against).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.errors import ExportError, RunFolderError

#: At most this many test images are used to check an exported model.
MAX_CHECK_IMAGES = 16


@dataclass(frozen=True)
class ExportSource:
    """A run, ready to export.

    Attributes
    ----------
    run : helpers.runs.Run
    model : keras.Model
        The run's network for inference: one input, one output, not compiled (no loss,
        metrics or optimizer: nothing a reader would need the course's code for).
    names : list of str
        The stems of the test images below.
    images : ndarray of float32, shape (N, size, size, C), in [0, 1]
        The run's test images as the network takes them (read, resized, normalised as
        in training: :func:`helpers.io.load_pairs`).
    masks : ndarray of uint8, shape (N, size, size, 1)
        Their labels.
    top : float
        The largest value of the images' pixel type (255.0 for 8-bit, 65535.0 for
        16-bit): the course divides by it.
    probabilities : ndarray of float32, shape (N, size, size, K)
        Keras's answers on ``images``: the reference of every check.
    """

    run: object
    model: object
    names: list
    images: np.ndarray
    masks: np.ndarray
    top: float
    probabilities: np.ndarray

    @property
    def num_classes(self) -> int:
        """1 (one sigmoid channel) or the number of classes (softmax channels)."""
        return int(self.probabilities.shape[-1])


def inference_model(model):
    """The same network as ``model``, with one input tensor, one output and no training
    state (a new ``keras.Model`` on the same layers and weights)."""
    import keras

    return keras.Model(model.inputs[0], model.outputs[0], name=model.name)


def _test_pairs(run) -> list:
    from helpers import io, splits

    for key, folder in (("images", run.images), ("masks", run.masks)):
        if folder is None or not Path(folder).is_dir():
            raise RunFolderError(
                f"{run.folder / 'run.json'}: its {key!r} folder ({folder}) is not there; the "
                "export needs the run's test images. Put the folder back, or write its new "
                f"place into {key!r} of run.json."
            )
    pairs = splits.select_pairs(io.pair_images_and_masks(run.images, run.masks), run.test_stems)
    if not pairs:
        raise RunFolderError(
            f"{run.folder / 'split.json'} lists no test image: the export checks the model "
            "on them. Train with test images (a test fraction above 0)."
        )
    return pairs[:MAX_CHECK_IMAGES]


def _pixel_top(pairs) -> float:
    """255.0 or 65535.0: the largest value of the test images' pixel type.

    Raises
    ------
    ExportError
        When 8-bit and 16-bit images are mixed (one scale cannot describe both).
    """
    from helpers import io

    tops = {float(np.iinfo(io.read_image(image).dtype).max): image for image, _ in pairs}
    if len(tops) > 1:
        raise ExportError(
            f"The run's test images mix 8-bit and 16-bit pixels ({tops[255.0].name}, "
            f"{tops[65535.0].name}): an exported model describes one scale. Convert the "
            "images to one bit depth and train again."
        )
    return next(iter(tops))


def load_source(run_dir: str | os.PathLike) -> ExportSource:
    """The run folder ``run_dir`` (:func:`helpers.runs.load_run`), ready to export.

    Raises
    ------
    RunFolderError
        A folder without ``model.keras``, ``run.json`` or ``split.json``, or whose
        image and mask folders are not where ``run.json`` says.
    ModelFileError
        A model file that does not load.
    ExportError
        Test images that mix 8-bit and 16-bit pixels.
    """
    from helpers import inference, io, runs

    run = runs.load_run(run_dir)
    pairs = _test_pairs(run)
    top = _pixel_top(pairs)
    images, masks = io.load_pairs(pairs, size=run.size, channels=run.channels)
    model = inference_model(run.load_model())
    probabilities = inference.predict_proba(model, images).astype(np.float32)
    return ExportSource(
        run=run,
        model=model,
        names=[image.stem for image, _ in pairs],
        images=images,
        masks=masks,
        top=top,
        probabilities=probabilities,
    )
