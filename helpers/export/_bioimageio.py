"""The BioImage Model Zoo package (bioimage.io): a zip of ``rdf.yaml`` and what it names.

Built with ``bioimageio.spec``'s description classes and ``save_bioimageio_package`` (no
hand-written YAML), and checked with ``bioimageio.core.test_model``, once per weight format:

- weights: ``keras_v3`` (the run's network, not compiled), and, converted from it, a
  ``tensorflow_saved_model_bundle`` (what deepImageJ and QuPath run) and ``onnx`` (what
  ilastik and deepImageJ's ONNX engine run), each kept only when its model test passes;
- input ``image``: axes batch, y, x, channel; y and x at least 16 pixels, in steps of 16
  (the U-Net halves them four times); pixels as the file stores them (0-255, or 0-65535
  for 16-bit), divided by 255 (65535) by the package's own preprocessing, as the course
  does;
- output ``probabilities``: the same y and x, one channel per class name;
- a test input (one of the run's own test images, at the training size) and the
  model's output for it; a cover (image, true mask, prediction); a documentation page
  (what it segments, the data, the run's test scores, the threshold, use and limits).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from helpers.errors import ExportError

from ._docs import documentation

#: The weight formats of a package, the first one the original.
WEIGHT_FORMATS = ("keras_v3", "tensorflow_saved_model_bundle", "onnx")

#: Tags every package gets (the user's ``tags`` are added).
TAGS = ("unet", "segmentation", "semantic-segmentation", "2d", "keras", "tensorflow")

#: The bioimage.io ``name`` when none is given: ``U-Net <run folder>``.
NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+- ()")


def default_name(run_folder: Path) -> str:
    """``U-Net <folder name>`` with the characters the specification refuses as ``-``."""
    folder = "".join(c if c in NAME_CHARACTERS else "-" for c in run_folder.resolve().name)
    return f"U-Net {folder}"[:128]


def _showcase(source) -> int:
    """The test image for the test tensors and the cover: most classes, then most object."""
    counts = [
        (len(np.unique(mask)), int(np.count_nonzero(mask)), -k)
        for k, mask in enumerate(source.masks)
    ]
    return -max(counts)[2]


def _cover(source, index: int, path: Path) -> Path:
    """A 2:1 PNG (800 x 400 pixels): the test image, its true mask, the prediction."""
    import matplotlib

    from helpers.inference import to_mask

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    image = source.images[index]
    labels = source.num_classes if source.num_classes > 1 else 2
    predicted = to_mask(source.probabilities[index])[..., 0]
    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.subplots(1, 3)
    axes[0].imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
    axes[1].imshow(source.masks[index][..., 0], cmap="viridis", vmin=0, vmax=labels - 1)
    axes[2].imshow(predicted, cmap="viridis", vmin=0, vmax=labels - 1)
    for ax, title in zip(axes, ("test image", "true mask", "prediction"), strict=True):
        ax.set_title(title)
        ax.set_axis_off()
    figure.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.9, wspace=0.04)
    figure.savefig(path, dpi=100)
    return path


def _axes(v0_5, channels: int, step: int, names: list[str]):
    image = v0_5.TensorId("image")
    size = v0_5.ParameterizedSize(min=step, step=step)
    channel_names = ["grey"] if channels == 1 else ["red", "green", "blue"]
    inputs = [
        v0_5.BatchAxis(),
        v0_5.SpaceInputAxis(id=v0_5.AxisId("y"), size=size),
        v0_5.SpaceInputAxis(id=v0_5.AxisId("x"), size=size),
        v0_5.ChannelAxis(channel_names=channel_names),
    ]
    outputs = [
        v0_5.BatchAxis(),
        *(
            v0_5.SpaceOutputAxis(
                id=v0_5.AxisId(axis), size=v0_5.SizeReference(tensor_id=image, axis_id=axis)
            )
            for axis in ("y", "x")
        ),
        v0_5.ChannelAxis(channel_names=names),
    ]
    return inputs, outputs


def _weights(v0_5, files: dict[str, Path]):
    import keras
    import tensorflow as tf

    made = {}
    if "keras_v3" in files:
        made["keras_v3"] = v0_5.KerasV3WeightsDescr(
            source=files["keras_v3"],
            keras_version=keras.__version__,
            backend=("tensorflow", tf.__version__),
        )
    if "tensorflow_saved_model_bundle" in files:
        made["tensorflow_saved_model_bundle"] = v0_5.TensorflowSavedModelBundleWeightsDescr(
            source=files["tensorflow_saved_model_bundle"],
            tensorflow_version=tf.__version__,
            parent="keras_v3",
        )
    if "onnx" in files:
        from helpers.export._formats import ONNX_OPSET

        made["onnx"] = v0_5.OnnxWeightsDescr(
            source=files["onnx"], opset_version=ONNX_OPSET, parent="keras_v3"
        )
    return v0_5.WeightsDescr(**made)


def describe(source, spec: dict, work: Path, files: dict[str, Path], *, names: list[str]):
    """The ``ModelDescr`` of the package (its files already in ``work``)."""
    from bioimageio.spec.model import v0_5

    from helpers.unet import required_multiple, unet_depth

    step = required_multiple(unet_depth(source.model))
    inputs, outputs = _axes(v0_5, source.images.shape[-1], step, names)
    top = source.top
    bits = 16 if top > 255 else 8
    description = spec["description"] or (
        f"A 2D U-Net that gives, for every pixel of a {source.images.shape[-1]}-channel "
        f"{bits}-bit image, the probability of "
        + (f"'{names[0]}'" if len(names) == 1 else f"each of {len(names)} classes")
        + f"; trained with the U-Net course's recipe on {source.run.folder.name}."
    )
    return v0_5.ModelDescr(
        name=spec["name"],
        description=description[:1024],
        authors=spec["authors"],
        cite=spec["cite"],
        license=spec["license"],
        tags=list(dict.fromkeys([*TAGS, *spec["tags"]])),
        documentation=v0_5.FileDescr(source=work / "README.md"),
        covers=[v0_5.FileDescr(source=work / "cover.png")],
        inputs=[
            v0_5.InputTensorDescr(
                id=v0_5.TensorId("image"),
                description=f"uint{bits} pixels as stored (0-{int(top)}), as float32",
                axes=inputs,
                test_tensor=v0_5.FileDescr(source=work / "test_input.npy"),
                data=v0_5.IntervalOrRatioDataDescr(type="float32", range=(0.0, top)),
                preprocessing=[
                    v0_5.ScaleLinearDescr(kwargs=v0_5.ScaleLinearKwargs(gain=1.0 / top))
                ],
            )
        ],
        outputs=[
            v0_5.OutputTensorDescr(
                id=v0_5.TensorId("probabilities"),
                description="probability per class; foreground where it is >= 0.5",
                axes=outputs,
                test_tensor=v0_5.FileDescr(source=work / "test_output.npy"),
                data=v0_5.IntervalOrRatioDataDescr(type="float32", range=(0.0, 1.0)),
            )
        ],
        weights=_weights(v0_5, files),
    )


@contextlib.contextmanager
def _quiet_bioimageio(folder: Path):
    """Run bioimageio in ``folder`` (its TensorFlow backend unzips weights into the working
    folder), with Keras kept on TensorFlow, and without its log, Keras's progress bars and
    TensorFlow's retracing warnings."""
    import logging

    import keras
    from loguru import logger

    os.environ["KERAS_BACKEND"] = "tensorflow"  # bioimageio.core would set its default, torch
    tf_logger = logging.getLogger("tensorflow")
    level, bars = tf_logger.level, keras.config.is_interactive_logging_enabled()
    tf_logger.setLevel(logging.ERROR)
    keras.config.disable_interactive_logging()
    logger.disable("bioimageio")
    here = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)
        logger.enable("bioimageio")
        tf_logger.setLevel(level)
        if bars:
            keras.config.enable_interactive_logging()


def _first_error(summary) -> str:
    for detail in summary.details:
        if detail.status == "failed":
            message = detail.errors[0].msg if detail.errors else detail.name
            lines = [line.strip() for line in str(message).splitlines() if line.strip()]
            text = lines[-1] if lines else detail.name
            return f"{detail.name}: {text[:200]}"
    return summary.status


def check_bioimageio(
    path: str | os.PathLike, *, weight_formats: tuple[str, ...] | None = None
) -> dict[str, str]:
    """Run ``bioimageio.core.test_model`` on a package, once per weight format.

    The model test loads the package as a consumer would, runs its test input through
    the preprocessing and the weights, and compares with its test output; it also runs
    inputs of other sizes and batch sizes.

    Parameters
    ----------
    path : path
        A bioimage.io package (``.zip``).
    weight_formats : tuple of str, optional
        The formats to test (default: every format in the package).

    Returns
    -------
    dict
        ``{weight format: "passed"}``, or the first failure's reason in place of
        ``"passed"``.

    Raises
    ------
    ExportError
        When ``bioimageio.core`` is not installed, or ``path`` is not a package.
    """
    from helpers.export._formats import require

    require("bioimageio")
    path = Path(path).resolve()
    results = {}
    with tempfile.TemporaryDirectory() as folder, _quiet_bioimageio(Path(folder)):
        from bioimageio.core import load_model_description, test_model
        from bioimageio.spec import InvalidDescr

        description = load_model_description(path, perform_io_checks=False)
        if isinstance(description, InvalidDescr):
            raise ExportError(f"{path} is not a valid bioimage.io model package.")
        present = [w for w, entry in description.weights if entry is not None]
        for weight_format in weight_formats or present:
            summary = test_model(path, weight_format=weight_format)
            results[weight_format] = (
                "passed" if summary.status == "passed" else _first_error(summary)
            )
    return results


def _files(source, work: Path, *, channels: int) -> tuple[dict[str, Path], list[str]]:
    """The weight files in ``work``, and a line for each format that could not be made."""
    from helpers.export import _formats

    files, notes = {}, []
    source.model.save(work / "model.keras")
    files["keras_v3"] = work / "model.keras"
    try:
        folder = _formats.write_savedmodel(source.model, work / "savedmodel", channels=channels)
        files["tensorflow_saved_model_bundle"] = Path(
            shutil.make_archive(str(work / "tf_saved_model"), "zip", folder)
        )
    except Exception as error:  # a TensorFlow that cannot export: the other weights stay
        reason = _formats.failed("savedmodel", error)
        notes.append(f"tensorflow_saved_model_bundle left out: {reason}")
    try:
        _formats.require("onnx")
        files["onnx"] = _formats.write_onnx(source.model, work / "model.onnx", channels=channels)
    except Exception as error:
        notes.append(f"onnx left out: {_formats.failed('onnx', error)}")
    return files, notes


def build_package(source, spec: dict, work: Path, *, names: list[str]) -> tuple[Path, dict, list]:
    """Write the package into ``work`` and check it; returns the zip, the model test's
    result per weight format kept, and a line per weight format left out (and why).

    Raises
    ------
    ExportError
        When the ``keras_v3`` weights fail their model test, or the description cannot
        be written with the installed libraries.
    """
    index = _showcase(source)
    np.save(work / "test_input.npy", (source.images[index : index + 1] * source.top).astype("f4"))
    np.save(work / "test_output.npy", source.probabilities[index : index + 1].astype("f4"))
    _cover(source, index, work / "cover.png")
    channels = source.images.shape[-1]
    files, notes = _files(source, work, channels=channels)
    (work / "README.md").write_text(
        documentation(source, spec, names=names, weights=list(files)), encoding="utf-8"
    )
    package = work / "package.zip"
    results = _write_and_test(source, spec, work, files, names=names, package=package)
    dropped = [w for w, result in results.items() if result != "passed"]
    if dropped:  # write the package again without them, and test what is left
        for weight_format in dropped:
            why = results[weight_format]
            notes.append(f"{weight_format} left out: its model test failed ({why})")
            del files[weight_format]
        package.unlink()
        (work / "README.md").write_text(
            documentation(source, spec, names=names, weights=list(files)), encoding="utf-8"
        )
        results = _write_and_test(source, spec, work, files, names=names, package=package)
    return package, results, notes


def _write_and_test(source, spec, work, files, *, names, package) -> dict:
    """Save the package and run its model test; keras_v3 must pass.

    Raises
    ------
    ExportError
        When the description cannot be saved with the installed libraries, or the
        ``keras_v3`` weights fail the model test.
    """
    from bioimageio.spec import save_bioimageio_package

    from helpers.export._formats import failed

    try:
        with _quiet_bioimageio(work):  # the description warns about optional fields
            description = describe(source, spec, work, files, names=names)
            save_bioimageio_package(description, output_path=package)
    except Exception as error:  # e.g. bioimageio.spec with a pydantic it does not support
        raise failed("bioimageio", error) from error
    results = check_bioimageio(package, weight_formats=tuple(files))
    if results["keras_v3"] != "passed":
        raise ExportError(
            f"The bioimage.io package fails its model test with its keras_v3 weights "
            f"({results['keras_v3']}); nothing was written."
        )
    return results
