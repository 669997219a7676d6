"""Export a trained run to the formats other programs read, each checked by running it.

=============  =============================  ============================================
format         ``out``                        read by
=============  =============================  ============================================
bioimageio     a ``.zip`` package             Fiji (deepImageJ), QuPath, ilastik, napari
                                              and Python (``bioimageio.core``): the
                                              BioImage Model Zoo format
savedmodel     a folder                       TensorFlow (Python, Java, C++, TF Serving)
tflite         a ``.tflite`` file             TensorFlow Lite / LiteRT (phones, embedded)
onnx           an ``.onnx`` file              ONNX Runtime, OpenCV's DNN module, ...
=============  =============================  ============================================

:func:`export_run` (``python -m helpers export``) reads a run folder
(:func:`helpers.runs.load_run`), exports its model and checks the result by running it
with the format's own runtime on the run's test images: SavedModel, TFLite and ONNX must
give Keras's probabilities within :data:`TOLERANCE`; a bioimage.io package must pass
``bioimageio.core.test_model`` for each weight format it keeps (``keras_v3``, and,
when they pass, ``tensorflow_saved_model_bundle`` and ``onnx``). Nothing is written
unless the check passes; an existing output is replaced only with ``overwrite=True``.

The bioimage.io package's metadata (:class:`Metadata`: name, authors, licence, citations,
class names) is checked against the specification before anything runs; a field it
refuses is an :class:`~helpers.errors.ExportError` naming the field. If the installed
libraries cannot convert one format, that format's export says so in one line and the
others still work.

The implementation lives in private modules: ``_metadata``, ``_source`` (the run's model
and test images), ``_formats`` (SavedModel, TFLite, ONNX), ``_bioimageio`` and ``_docs``
(the package and its documentation page), ``_export`` (plan, build, check, place).

Example
-------
>>> from helpers import export
>>> sorted(export.FORMATS), export.TOLERANCE
(['bioimageio', 'onnx', 'savedmodel', 'tflite'], 0.0001)
>>> export.parse_author("Ada Lovelace <ada@example.org>")
{'name': 'Ada Lovelace', 'email': 'ada@example.org'}
"""

from helpers.export._bioimageio import WEIGHT_FORMATS, check_bioimageio
from helpers.export._export import FORMATS, TOLERANCE, ExportReport, export_run
from helpers.export._formats import run_exported
from helpers.export._metadata import (
    DEFAULT_LICENSE,
    UNET_PAPER,
    Metadata,
    parse_author,
    parse_cite,
    read_metadata,
)
from helpers.export._source import MAX_CHECK_IMAGES, ExportSource, inference_model, load_source

__all__ = [
    "DEFAULT_LICENSE",
    "FORMATS",
    "MAX_CHECK_IMAGES",
    "TOLERANCE",
    "UNET_PAPER",
    "WEIGHT_FORMATS",
    "ExportReport",
    "ExportSource",
    "Metadata",
    "check_bioimageio",
    "export_run",
    "inference_model",
    "load_source",
    "parse_author",
    "parse_cite",
    "read_metadata",
    "run_exported",
]
