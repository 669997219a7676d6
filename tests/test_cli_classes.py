"""Several classes through ``python -m helpers``: VIA with a class attribute -> masks ->
``train`` with default settings -> ``predict`` (class PNGs, ``classes.json``, ``--color``) ->
``masks2via``, scored pooled per class against a per-class multi-Otsu baseline; and the bad
inputs that must stop a command with one line, writing nothing.

The data is the tests' own four-class generator (``tests/multiclass_data.py``), not the
bundled ``data/cells``.
"""

from __future__ import annotations

import functools
import json
import shutil

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("keras")

from multiclass_data import baseline_iou, write_multiclass  # noqa: E402

from helpers import classes, cli, io, metrics, training, via  # noqa: E402
from helpers.unet import build_unet  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

#: The training of the round trip: the defaults but for the size (the generator's own)
#: and the epochs. 12 epochs left the triangle 0.06 short of its floor; 20 cleared it by
#: 0.04, 26 clears every class by 0.2 or more (measured on the 2-core reference machine).
EPOCHS = 26
MARGIN = 0.3  # each class at least this far above the multi-Otsu baseline


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_multiclass(tmp_path_factory.mktemp("shapes"))


def _cli(capsys, *args) -> tuple[int, str]:
    """Run a command; its status and its standard error."""
    status = cli.main([str(a) for a in args])
    return status, capsys.readouterr().err


@pytest.fixture(scope="module")
def round_trip(data, tmp_path_factory):
    """VIA -> class masks -> train (defaults) -> predict --color -> masks2via."""
    root = tmp_path_factory.mktemp("round_trip")
    masks, run, predicted = root / "masks", root / "run", root / "predicted"
    patch = pytest.MonkeyPatch()  # XLA off: a short run compiles faster without
    patch.setattr(training, "train", functools.partial(training.train, jit_compile=False))
    try:
        assert (
            cli.main(
                ["via2masks", "--via", str(data.via), "--images", str(data.images)]
                + ["--out", str(masks), "--attribute", data.attribute]
            )
            == 0
        )
        train = ["train", "--images", str(data.images), "--masks", str(masks), "--out", str(run)]
        assert cli.main(train + ["--profile", "cpu", "--size", "64", "--epochs", str(EPOCHS)]) == 0
    finally:
        patch.undo()
    predict = ["predict", "--run", str(run), "--input", str(data.images), "--out", str(predicted)]
    assert cli.main(predict + ["--color"]) == 0
    back = root / "predicted_via.json"
    assert (
        cli.main(
            ["masks2via", "--masks", str(predicted), "--images", str(data.images)]
            + ["--out", str(back), "--attribute", data.attribute]
        )
        == 0
    )
    return {"masks": masks, "run": run, "predicted": predicted, "via": back}


def test_via2masks_writes_the_generators_masks_and_classes(data, round_trip):
    written = json.loads((round_trip["masks"] / "classes.json").read_text())
    assert written == data.classes
    for path in sorted(data.masks.glob("*.png")):
        assert np.array_equal(io.read_mask(round_trip["masks"] / path.name), io.read_mask(path))


def test_train_takes_the_classes_from_classes_json_and_records_their_names(data, round_trip):
    settings = json.loads((round_trip["run"] / "run.json").read_text())
    assert settings["num_classes"] == 5
    assert settings["class_names"] == list(data.classes)
    assert settings["loss"] == "ClassLoss" and settings["class_weights"] is None  # the default
    images, masks = data.load()
    split = json.loads((round_trip["run"] / "split.json").read_text())
    train = [int(stem.split("_")[1]) for stem in split["train"]]
    counts = np.bincount(masks[train].ravel(), minlength=5)
    np.testing.assert_allclose(settings["class_shares"], counts / counts.sum(), atol=1e-6)


def test_each_class_scores_well_above_the_multiotsu_baseline(data, round_trip):
    split = json.loads((round_trip["run"] / "split.json").read_text())
    truth = np.stack([io.read_mask(data.masks / f"{stem}.png") for stem in split["test"]])
    guess = np.stack(
        [io.read_mask(round_trip["predicted"] / f"{stem}.png") for stem in split["test"]]
    )
    scores = metrics.iou(truth, guess, num_classes=5, per_class=True, pooled=True)
    floor = baseline_iou(data)
    shown = {
        name: f"{s:.2f} (baseline {b:.2f})"
        for name, s, b in zip(data.classes, scores, floor, strict=True)
    }
    assert (scores[1:] >= floor[1:] + MARGIN).all(), shown


def test_predict_writes_classes_json_and_colour_previews_with_their_legend(data, round_trip):
    predicted = round_trip["predicted"]
    assert json.loads((predicted / "classes.json").read_text()) == data.classes
    legend = json.loads((predicted / "color" / "legend.json").read_text())
    assert list(legend) == [name for name in data.classes if name != "background"]
    assert not list(predicted.glob("legend*")), "the legend is not beside the class PNGs"
    for path in sorted(predicted.glob("*.png"))[:4]:
        labels = io.read_mask(path)
        picture = np.asarray(Image.open(predicted / "color" / path.name))
        assert picture.shape == labels.shape + (3,)
        for name, rgb in legend.items():
            inside = labels == data.classes[name]
            assert (picture[inside] == rgb).all(), (path.name, name)
        image = io.read_image(data.images / path.name)[..., 0].astype(float)
        dimmed = image * 0.35  # the background: the image at a third of its brightness
        background = picture[labels == 0]
        assert (background[:, 0] == background[:, 1]).all()  # grey
        np.testing.assert_allclose(background[:, 0], dimmed[labels == 0], atol=1)


def test_predictions_go_back_to_via_with_every_class_name(data, round_trip):
    project = via.load_via(round_trip["via"])
    names = {
        region.attributes.get(data.attribute)
        for image in project.images
        for region in image.regions
    }
    assert names == set(data.classes) - {"background"}
    back = round_trip["via"].parent / "back_masks"
    assert (
        cli.main(
            ["via2masks", "--via", str(round_trip["via"]), "--images", str(data.images)]
            + ["--out", str(back), "--attribute", data.attribute]
        )
        == 0
    )
    assert json.loads((back / "classes.json").read_text()) == data.classes


# -- bad input: one line, exit status 2, nothing written ----------------------------------


def _copy(data, tmp_path, count=6):
    """The first ``count`` pairs of the generator in a folder of their own."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for path in sorted(data.images.glob("*.png"))[:count]:
        shutil.copy(path, images / path.name)
        shutil.copy(data.masks / path.name, masks / path.name)
    shutil.copy(data.masks / "classes.json", masks / "classes.json")
    return images, masks


def _train_fails(capsys, images, masks, out, *extra) -> str:
    status, err = _cli(
        capsys,
        "train",
        "--images",
        images,
        "--masks",
        masks,
        "--out",
        out,
        "--profile",
        "quick",
        *extra,
    )
    assert status == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert not out.exists(), "nothing is written"
    return err


def test_a_mask_with_a_label_above_the_classes_stops_train(data, tmp_path, capsys):
    images, masks = _copy(data, tmp_path)
    mask = io.read_mask(masks / "shapes_003.png")
    mask[:2, :2] = 7
    Image.fromarray(mask).save(masks / "shapes_003.png")
    err = _train_fails(capsys, images, masks, tmp_path / "run")
    # the data check names the file, the label and the classes that classes.json takes
    assert "shapes_003.png: values, labels 7" in err and "classes.json" in err


def test_a_classes_json_that_does_not_match_the_masks_stops_train(data, tmp_path, capsys):
    images, masks = _copy(data, tmp_path)
    (masks / "classes.json").write_text(json.dumps({"background": 0, "bar": 1, "cross": 2}))
    err = _train_fails(capsys, images, masks, tmp_path / "run")
    assert "labels 3" in err and "classes.json (0, 1, 2)" in err


def test_a_classes_json_with_wrong_values_stops_train(data, tmp_path, capsys):
    images, masks = _copy(data, tmp_path)
    (masks / "classes.json").write_text(json.dumps({"background": 0, "bar": 2, "cross": 2}))
    err = _train_fails(capsys, images, masks, tmp_path / "run")
    assert "classes.json" in err and "each once" in err


def test_classes_that_disagree_with_classes_json_stop_train(data, tmp_path, capsys):
    images, masks = _copy(data, tmp_path)
    err = _train_fails(capsys, images, masks, tmp_path / "run", "--classes", "3")
    assert "--classes 3 disagrees with" in err and "lists 5 classes" in err


def test_binary_training_of_masks_with_several_classes_stops(data, tmp_path, capsys):
    images, masks = _copy(data, tmp_path)
    (masks / "classes.json").unlink()
    err = _train_fails(capsys, images, masks, tmp_path / "run", "--classes", "1")
    assert "labels 2, 3, 4 where 0/1 or 0/255 are taken" in err  # the data check's words


def test_a_binary_model_given_masks_with_several_classes_stops_evaluate(data, tmp_path, capsys):
    images, masks = _copy(data, tmp_path)
    model = build_unet((None, None, 1), depth=2, base_filters=2)
    model.save(tmp_path / "binary.keras")
    out = tmp_path / "scores.csv"
    status, err = _cli(
        capsys,
        "evaluate",
        "--model",
        tmp_path / "binary.keras",
        "--images",
        images,
        "--masks",
        masks,
        "--size",
        64,
        "--out",
        out,
    )
    last = err.strip().splitlines()[-1]  # after evaluate's progress bar
    assert status == 2 and last.startswith("error: ") and err.count("error:") == 1, err
    assert "labels up to 4" in last and not out.exists()


def test_without_classes_json_the_largest_label_decides(data, tmp_path):
    images, masks = _copy(data, tmp_path)
    (masks / "classes.json").unlink()
    paths = sorted(masks.glob("*.png"))
    num_classes, names = classes.resolve_classes(paths)
    assert num_classes == 5 and names.names[1:] == ("class 1", "class 2", "class 3", "class 4")


def test_an_ignore_label_that_the_pipelines_cannot_read_yet_stops_train(data, tmp_path, capsys):
    images, masks = _copy(data, tmp_path)
    (masks / "classes.json").write_text(json.dumps({**data.classes, "ignore": 255}))
    err = _train_fails(capsys, images, masks, tmp_path / "run")
    assert "declares an ignore label (255)" in err
