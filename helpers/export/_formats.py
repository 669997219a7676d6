"""The three single-file or single-folder formats: writing each, and running each with its own
runtime (not Keras), so that an export is checked by what a user of the format would run.

=============  ==========================================  =====================================
format         written by                                  run by
=============  ==========================================  =====================================
savedmodel     Keras's ``ExportArchive`` (what             ``tf.saved_model.load(path).serve``
               ``model.export`` uses), output named
tflite         TensorFlow Lite's converter, from that      ``ai_edge_litert``'s ``Interpreter``
               SavedModel
onnx           ``tf2onnx.convert.from_function``           ``onnxruntime.InferenceSession``
=============  ==========================================  =====================================

Every format takes images of any height and width (multiples of 16, as the network needs)
and any batch size, float32 in [0, 1] as :func:`helpers.io.load_pairs` gives them, and
gives the model's probabilities.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

import numpy as np

from helpers.errors import ExportError

#: What each format needs besides TensorFlow (import name, pip name).
NEEDS = {
    "savedmodel": (),
    "tflite": (("ai_edge_litert", "ai-edge-litert"),),
    "onnx": (("tf2onnx", "tf2onnx"), ("onnxruntime", "onnxruntime")),
    "bioimageio": (("bioimageio.core", "bioimageio.core"), ("tf2onnx", "tf2onnx")),
}

#: The ONNX operator set the models are written with (onnxruntime 1.17 and later run it).
ONNX_OPSET = 17

#: The name of the input in every format (the U-Net's own input layer is ``image``).
INPUT_NAME = "image"


def _versions() -> str:
    """The versions that matter to a conversion, for a message."""
    from importlib import metadata

    found = []
    for name in ("tensorflow", "keras", "tf2onnx", "onnxruntime", "ai-edge-litert"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def require(format: str) -> None:
    """Check that the libraries ``format`` needs import.

    Raises
    ------
    ExportError
        Naming the missing library and the pip command that installs it.
    """
    import importlib

    for module, package in NEEDS[format]:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise ExportError(
                f"--format {format} needs {package}, which does not import here ({error}): "
                f"pip install -r requirements-export.txt (or pip install {package}); the other "
                "formats work without it."
            ) from error


def failed(format: str, error: BaseException) -> ExportError:
    """The one-line error for a conversion that the installed libraries could not do."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = lines[-1] if lines else type(error).__name__
    if len(reason) > 200:
        reason = reason[:197] + "..."
    return ExportError(
        f"--format {format} failed with the libraries installed here ({_versions()}): "
        f"{type(error).__name__}: {reason}. The other formats still work; pip install -r "
        "requirements-export.txt gives versions that convert it."
    )


def _quiet_tf2onnx() -> None:
    for name in ("tf2onnx", "tf2onnx.tfonnx", "tf2onnx.optimizer", "tf2onnx.tf_utils"):
        logging.getLogger(name).setLevel(logging.ERROR)


def write_savedmodel(model, folder: str | os.PathLike, *, channels: int) -> Path:
    """Write ``model`` as a TensorFlow SavedModel folder.

    Its ``serve`` endpoint (also the ``serving_default`` signature) takes ``image``,
    float32 of shape (N, H, W, C), and gives ``{"probabilities": ...}``: what
    ``model.export(path, format="tf_saved_model")`` writes, with the output named (a
    bioimage.io consumer reads the output from a dictionary by name).
    """
    import keras
    import tensorflow as tf

    folder = Path(folder)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serve",
        fn=lambda image: {"probabilities": model(image, training=False)},
        input_signature=[tf.TensorSpec((None, None, None, channels), tf.float32, name=INPUT_NAME)],
    )
    archive.write_out(str(folder), verbose=False)
    return folder


def tflite_bytes(savedmodel: str | os.PathLike) -> bytes:
    """A TFLite model (float32, no quantisation) converted from a SavedModel folder."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(savedmodel))
    return converter.convert()


def write_onnx(model, path: str | os.PathLike, *, channels: int) -> Path:
    """Write ``model`` as an ONNX file with input ``image`` (N, H, W, C), any N, H, W."""
    import tensorflow as tf
    import tf2onnx

    _quiet_tf2onnx()
    spec = (tf.TensorSpec((None, None, None, channels), tf.float32, name=INPUT_NAME),)

    @tf.function(input_signature=spec)
    def probabilities(image):
        return {"probabilities": model(image, training=False)}

    path = Path(path)
    tf2onnx.convert.from_function(
        probabilities, input_signature=spec, opset=ONNX_OPSET, output_path=str(path)
    )
    return path


def _run_savedmodel(path: Path, images: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    return np.asarray(loaded.serve(tf.constant(images))["probabilities"])


def _run_tflite(path: Path, images: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    source = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(source, images.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(source, images)
    interpreter.invoke()
    return np.array(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))


def _run_onnx(path: Path, images: np.ndarray) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: images})[0]


_RUNNERS = {"savedmodel": _run_savedmodel, "tflite": _run_tflite, "onnx": _run_onnx}


def run_exported(path: str | os.PathLike, images: np.ndarray, *, format: str) -> np.ndarray:
    """Probabilities from an exported model, run by its own runtime (not Keras).

    Parameters
    ----------
    path : path
        A SavedModel folder (``format="savedmodel"``), a ``.tflite`` or an ``.onnx`` file.
    images : ndarray of float32, shape (N, H, W, C), in [0, 1]
        Prepared as for the Keras model (:func:`helpers.io.load_pairs`); ``H`` and ``W``
        multiples of 16.
    format : {"savedmodel", "tflite", "onnx"}

    Returns
    -------
    ndarray of float32, shape (N, H, W, K)

    Raises
    ------
    ExportError
        For another format, or a runtime that is not installed.
    """
    if format not in _RUNNERS:
        raise ExportError(
            f"run_exported runs {', '.join(_RUNNERS)}, not {format!r} (a bioimage.io package "
            "is checked with check_bioimageio)."
        )
    require(format)
    images = np.ascontiguousarray(images, dtype=np.float32)
    with _quiet_stderr():
        return np.asarray(_RUNNERS[format](Path(path), images), dtype=np.float32)


@contextlib.contextmanager
def _quiet_stderr():
    """Silence what C++ libraries print on file descriptor 2 (TFLite's "Created TensorFlow
    Lite XNNPACK delegate" line) while the block runs; Python's exceptions still propagate."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no real standard error (some notebook front ends)
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
