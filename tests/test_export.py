"""helpers.export and ``python -m helpers export``: every format, checked by running it.

Two run folders, made without training (a quick-profile U-Net with its initial weights,
compiled as training leaves it): a binary one on the bundled mito images (8-bit grey), and
one with three classes on small 16-bit images made here. Each is exported once per format
(module fixtures); the exports are then run here with each format's own runtime
(TensorFlow's SavedModel loader, ai_edge_litert's interpreter, onnxruntime,
``bioimageio.core.test_model``) and compared with Keras's ``predict`` on the same images.
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("bioimageio.core")

from helpers import config, export, io, runs, training, unet  # noqa: E402
from helpers.cli import main  # noqa: E402
from helpers.errors import ExportError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SIZE = 32
KINDS = ("binary", "classes")


def _run_folder(folder: Path, images: Path, masks: Path, *, num_classes: int) -> Path:
    """A run folder as training leaves it: split.json, run.json, a compiled model.keras."""
    pairs = io.pair_images_and_masks(images, masks)[:6]
    stems = [image.stem for image, _ in pairs]
    runs.write_split(folder, {"train": stems[:3], "val": stems[3:4], "test": stems[4:6]})
    profile = config.get_profile("quick")
    settings = runs.describe_data(images, masks, pairs, size=SIZE, num_classes=num_classes)
    settings |= {"epochs": 1, "batch_size": 2, "seed": 42, "profile": "quick"}
    runs.write_settings(folder, settings)
    model = unet.build_unet(
        (None, None, settings["channels"]),
        num_classes=num_classes,
        base_filters=profile.base_filters,
    )
    training.compile_model(model, jit_compile=False).save(folder / "model.keras")
    return folder


def _sixteen_bit_classes(root: Path) -> tuple[Path, Path]:
    """Six 64 x 64 16-bit grey images with a bright disc (class 1) and a dim square (2)."""
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:64, :64]
    for k in range(6):
        label = np.zeros((64, 64), np.uint8)
        cy, cx = rng.integers(16, 48, size=2)
        label[(yy - cy) ** 2 + (xx - cx) ** 2 < 64] = 1
        label[4 + k : 16 + k, 40:52] = 2
        pixels = 8000 + label.astype(np.int64) * 20000 + rng.integers(0, 3000, (64, 64))
        Image.fromarray(pixels.astype(np.uint16)).save(images / f"cells_{k}.png")
        Image.fromarray(label).save(masks / f"cells_{k}.png")
    return images, masks


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("export-runs")
    mito = ROOT / "data" / "mito"
    binary = _run_folder(root / "binary", mito / "images", mito / "masks", num_classes=1)
    images, masks = _sixteen_bit_classes(root / "data")
    classes = _run_folder(root / "classes", images, masks, num_classes=3)
    return {"binary": binary, "classes": classes}


@pytest.fixture(scope="module")
def sources(run_dirs) -> dict:
    """Each run read once (model and test images), shared by every format's export."""
    return {kind: export.load_source(folder) for kind, folder in run_dirs.items()}


@pytest.fixture(scope="module")
def exported(sources, tmp_path_factory) -> dict:
    """``exported[kind, format]``: the ExportReport, made once."""
    out = tmp_path_factory.mktemp("exports")
    suffix = {"bioimageio": ".zip", "savedmodel": "", "tflite": ".tflite", "onnx": ".onnx"}

    class Exports(dict):
        def __missing__(self, key):
            kind, format = key
            self[key] = export.export_run(
                sources[kind], out / f"{kind}-{format}{suffix[format]}", format=format
            )
            return self[key]

    return Exports()


@pytest.fixture(scope="module")
def keras_models(run_dirs) -> dict:
    """The reference: each run's own model.keras, loaded once by Keras."""
    from helpers.inference import load_model

    return {kind: load_model(folder / "model.keras") for kind, folder in run_dirs.items()}


def _keras(model, images: np.ndarray) -> np.ndarray:
    return model.predict(images, verbose=0)


def _run_with_own_runtime(format: str, path: Path, images: np.ndarray) -> np.ndarray:
    if format == "savedmodel":
        import tensorflow as tf

        loaded = tf.saved_model.load(str(path))  # kept: its variables live as long as it does
        return loaded.serve(tf.constant(images))["probabilities"].numpy()
    if format == "tflite":
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=str(path))
        index = interpreter.get_input_details()[0]["index"]
        interpreter.resize_tensor_input(index, images.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(index, images)
        interpreter.invoke()
        return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: images})[0]


# -- the three single-file formats ------------------------------------------------------


@pytest.mark.parametrize("format", ["savedmodel", "tflite", "onnx"])
@pytest.mark.parametrize("kind", KINDS)
def test_export_gives_the_probabilities_of_keras_on_the_test_images(
    kind, format, keras_models, sources, exported
):
    report = exported[kind, format]
    source = sources[kind]
    rng = np.random.default_rng(1)
    other_size = rng.random((1, 48, 64, source.images.shape[-1]), dtype=np.float32)
    for images in (source.images, other_size):  # the run's test images, and another size
        expected = _keras(keras_models[kind], images)
        got = _run_with_own_runtime(format, report.path, np.ascontiguousarray(images))
        assert got.shape == expected.shape
        difference = float(np.max(np.abs(got - expected)))
        print(f"{kind} {format} {images.shape}: max |export - keras| = {difference:.2e}")
        assert difference <= export.TOLERANCE
    assert report.max_difference <= export.TOLERANCE
    assert report.images == len(source.names) == 2


# -- the bioimage.io package ------------------------------------------------------------


def _rdf(path: Path) -> dict:
    import yaml

    with zipfile.ZipFile(path) as package:
        return yaml.safe_load(package.read("rdf.yaml"))


@pytest.mark.parametrize("kind", KINDS)
def test_bioimageio_package_passes_the_model_test_for_each_weight_format(kind, exported):
    report = exported[kind, "bioimageio"]
    rdf = _rdf(report.path)
    assert set(rdf["weights"]) == set(export.WEIGHT_FORMATS)  # all three convert here
    assert report.tests == dict.fromkeys(export.WEIGHT_FORMATS, "passed")
    assert report.notes == []
    print(f"{kind} bioimageio: {report.summary()}")


@pytest.mark.parametrize("kind", KINDS)
def test_bioimageio_package_describes_axes_scale_classes_and_the_test_tensors(
    kind, keras_models, exported
):
    report = exported[kind, "bioimageio"]
    rdf = _rdf(report.path)
    (image,), (probabilities,) = rdf["inputs"], rdf["outputs"]
    assert [axis["type"] for axis in image["axes"]] == ["batch", "space", "space", "channel"]
    for axis in image["axes"][1:3]:
        assert axis["size"] == {"min": 16, "step": 16}
    top = 255 if kind == "binary" else 65535  # the bundled mito images are 8-bit
    (scale,) = [step for step in image["preprocessing"] if step["id"] == "scale_linear"]
    assert scale["kwargs"]["gain"] == pytest.approx(1 / top)
    names = probabilities["axes"][-1]["channel_names"]
    assert names == (["foreground"] if kind == "binary" else ["background", "class_1", "class_2"])
    assert rdf["cite"][0]["doi"] == export.UNET_PAPER["doi"]
    assert rdf["license"] == export.DEFAULT_LICENSE
    with zipfile.ZipFile(report.path) as package:
        raw = np.load(package.open("test_input.npy"))
        output = np.load(package.open("test_output.npy"))
        readme = package.read("README.md").decode()
        cover = package.read("cover.png")
    assert raw.max() > 1.0 and raw.max() <= top  # pixels as stored, not yet divided
    np.testing.assert_allclose(_keras(keras_models[kind], raw / top), output, atol=1e-5)
    assert "## Validation" in readme and "| iou |" in readme
    with Image.open(BytesIO(cover)) as picture:
        assert picture.size == (800, 400)


# -- bad input: exit status 2, one line, nothing written ---------------------------------


def _cli(capsys, *args: str) -> tuple[int, str]:
    status = main(["export", *args])
    return status, capsys.readouterr().err.strip()


def test_a_run_folder_without_a_model_is_refused_naming_it(run_dirs, tmp_path, capsys):
    folder = Path(shutil.copytree(run_dirs["binary"], tmp_path / "run"))
    (folder / "model.keras").unlink()
    out = tmp_path / "m.onnx"
    status, err = _cli(capsys, "--run", str(folder), "--format", "onnx", "--out", str(out))
    assert status == 2 and len(err.splitlines()) == 1 and "model.keras" in err
    assert not out.exists()


def test_an_existing_output_is_kept_without_overwrite(run_dirs, tmp_path, capsys):
    out = tmp_path / "m.zip"
    out.write_bytes(b"mine")
    status, err = _cli(
        capsys, "--run", str(run_dirs["binary"]), "--format", "bioimageio", "--out", str(out)
    )
    assert status == 2 and len(err.splitlines()) == 1 and "--overwrite" in err
    assert out.read_bytes() == b"mine"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (["--license", "NOT-A-LICENSE"], "'license'"),
        (["--author", "Ada/Lovelace"], "'authors'"),
        (["--author", "Ada <not an email>"], "'authors'"),
        (["--cite", "A paper without a link"], "'cite'"),
        (["--name", "U-Net: mine"], "'name'"),
    ],
)
def test_metadata_the_spec_refuses_stops_before_anything_is_written(
    options, field, run_dirs, tmp_path, capsys
):
    out = tmp_path / "m.zip"
    status, err = _cli(
        capsys,
        "--run",
        str(run_dirs["binary"]),
        "--format",
        "bioimageio",
        "--out",
        str(out),
        *options,
    )
    assert status == 2 and len(err.splitlines()) == 1, err
    assert field in err and options[0] in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_metadata_file_with_an_unknown_key_is_refused_naming_it(run_dirs, tmp_path, capsys):
    metadata = tmp_path / "meta.yaml"
    metadata.write_text("name: Mitochondria U-Net\nlicence: MIT\n")
    out = tmp_path / "m.zip"
    status, err = _cli(
        capsys,
        "--run",
        str(run_dirs["binary"]),
        "--format",
        "bioimageio",
        "--out",
        str(out),
        "--metadata",
        str(metadata),
    )
    assert status == 2 and "'licence'" in err and not out.exists()


def test_a_library_that_cannot_convert_stops_only_its_format(
    sources, run_dirs, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # as if not installed
    out = tmp_path / "m.onnx"
    status, err = _cli(
        capsys, "--run", str(run_dirs["binary"]), "--format", "onnx", "--out", str(out)
    )
    assert status == 2 and len(err.splitlines()) == 1 and "tf2onnx" in err
    assert not out.exists()
    report = export.export_run(sources["binary"], tmp_path / "sm", format="savedmodel")
    assert report.max_difference <= export.TOLERANCE


# -- metadata, without a model ----------------------------------------------------------


def test_authors_and_citations_are_read_from_text():
    assert export.parse_author("Ada Lovelace") == {"name": "Ada Lovelace"}
    assert export.parse_cite("Ours (2026) doi:10.1234/abc.5") == {
        "text": "Ours (2026)",
        "doi": "10.1234/abc.5",
    }
    with pytest.raises(ExportError, match="'cite'"):
        export.parse_cite("10.1234/abc")  # a DOI without text


def test_a_metadata_file_gives_the_fields_and_options_win(tmp_path):
    path = tmp_path / "meta.yaml"
    path.write_text(
        "name: Mito U-Net\nauthors: Ada Lovelace <ada@example.org>\nlicense: MIT\n"
        "cite:\n  - text: Our paper\n    url: https://example.org/paper\n"
    )
    read = export.read_metadata(path)
    assert read.authors == ("Ada Lovelace <ada@example.org>",)
    assert read.cite == ({"text": "Our paper", "url": "https://example.org/paper"},)
    merged = read.merged(export.Metadata(license="CC0-1.0"))
    assert (merged.name, merged.license) == ("Mito U-Net", "CC0-1.0")
