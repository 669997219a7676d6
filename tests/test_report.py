"""python -m helpers report (and evaluate on several classes), on three small runs.

The runs are made once per module: a mito run (``data/mito``) and the chapter 11 run
(``data/mri``: VIA polygons to masks with ``via2masks``), both trained by ``python -m
helpers train`` in the quick profile at 32 pixels for one epoch, with a U-Net of depth 2
so that tracing its training step takes seconds; and a run folder of four classes on a
few synthetic images made here, with an untrained U-Net and no training record (as a
run from before the record), so that no third training is paid for. Each report is
opened in headless Chromium (skipped only where there is none; CI installs it): no
console error, every section, every picture decoded, no network address, and a
per-image table with one row per test image whose numbers are ``evaluate``'s CSV.
"""

from __future__ import annotations

import functools
import json
import shutil
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("keras")

from helpers import cli, config, io, report, runs, splits, training, unet  # noqa: E402
from helpers.files import write_png  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
    pytest.mark.usefixtures("eager_steps"),  # tests/conftest.py says why
]

CLASSES = {"background": 0, "disc": 1, "square": 2, "cross": 3}
RUNS = ("mito_run", "mri_run", "classes_run")


def _train(images, masks, out, *extra) -> None:
    """``python -m helpers train`` at 32 px for one epoch, with a U-Net of depth 2 and XLA
    off (both much faster to set up for so little)."""
    argv = ["train", "--images", str(images), "--masks", str(masks), "--out", str(out)]
    argv += ["--size", "32", "--epochs", "1", "--profile", "quick", "--test-fraction", "0.3"]
    patch = pytest.MonkeyPatch()
    patch.setattr(training, "train", functools.partial(training.train, jit_compile=False))
    patch.setattr(unet, "build_unet", functools.partial(unet.build_unet, depth=2))
    try:
        assert cli.main([*argv, *extra]) == 0
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def mito_run(mito_folder, tmp_path_factory):
    folder = mito_folder(12)
    out = tmp_path_factory.mktemp("mito_run")
    _train(folder / "images", folder / "masks", out)
    return out


@pytest.fixture(scope="module")
def mri_run(tmp_path_factory):
    """Chapter 11's run: the VIA file's polygons to masks, then train on the MRI slices."""
    root = tmp_path_factory.mktemp("mri")
    images = config.data_dir("mri", "images")
    via = config.data_dir("mri", "via_annotations.json")
    argv = ["via2masks", "--via", str(via), "--images", str(images), "--out", str(root / "masks")]
    assert cli.main(argv) == 0
    _train(images, root / "masks", root / "run")
    return root / "run"


def _shapes(rng) -> tuple[np.ndarray, np.ndarray]:
    """A 32 x 32 grey image with a bright disc, a dark square and a small cross (rare)."""
    image = rng.normal(0.5, 0.05, (32, 32))
    mask = np.zeros((32, 32), np.uint8)
    yy, xx = np.mgrid[:32, :32]
    cy, cx = rng.integers(5, 11, 2)
    disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= 16
    image[disc], mask[disc] = 0.9, 1
    y, x = rng.integers(17, 24, 2)
    image[y : y + 7, x : x + 7], mask[y : y + 7, x : x + 7] = 0.15, 2
    y, x = rng.integers(4, 10), rng.integers(20, 26)
    cross = np.zeros((32, 32), bool)
    cross[y - 2 : y + 3, x], cross[y, x - 2 : x + 3] = True, True
    image[cross], mask[cross] = 0.7, 3
    return np.clip(image * 255, 0, 255).astype(np.uint8), mask


@pytest.fixture(scope="module")
def classes_folder(tmp_path_factory):
    """12 synthetic pairs at 32 px (no resizing) with four classes and their classes.json."""
    root = tmp_path_factory.mktemp("classes")
    rng = np.random.default_rng(21)
    for i in range(12):
        image, mask = _shapes(rng)
        write_png(root / "images" / f"shapes_{i:02d}.png", image)
        write_png(root / "masks" / f"shapes_{i:02d}.png", mask)
    (root / "masks" / "classes.json").write_text(json.dumps(CLASSES))
    return root


@pytest.fixture(scope="module")
def classes_run(classes_folder, tmp_path_factory):
    """A run folder of four classes as ``train`` lays one out (``split.json``, ``run.json``,
    ``model.keras``), with an untrained U-Net and neither history nor training record."""
    import keras

    out = tmp_path_factory.mktemp("classes_run")
    images, masks = classes_folder / "images", classes_folder / "masks"
    pairs = io.pair_images_and_masks(images, masks)
    stems = [image.stem for image, _ in pairs]
    runs.write_split(out, splits.split_stems(stems, seed=42, test_fraction=0.3))
    settings = runs.describe_data(images, masks, pairs, size=32, num_classes=4)
    runs.write_settings(out, settings)
    keras.utils.set_random_seed(4)
    model = unet.build_unet((None, None, 1), num_classes=4, depth=2, base_filters=4)
    model.save(out / "model.keras")
    return out


@pytest.fixture(scope="module")
def made(request, tmp_path_factory):
    """For each run: its report (``report``) and the CSV of ``evaluate`` (same test images)."""
    found = {}
    for name in RUNS:
        run = request.getfixturevalue(name)
        where = tmp_path_factory.mktemp(f"{name}_out")
        assert cli.main(["report", "--run", str(run), "--out", str(where / "report.html")]) == 0
        assert cli.main(["evaluate", "--run", str(run), "--out", str(where / "metrics.csv")]) == 0
        found[name] = (run, where)
    return found


class _Cells(HTMLParser):
    """The rows of the table ``id="per-image"``: {image: {column: data-value}}."""

    def __init__(self):
        super().__init__()
        self.rows, self._inside, self._row = {}, False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._inside = attrs.get("id") == "per-image"
        elif self._inside and tag == "tr" and "data-key" in attrs:
            self._row = self.rows.setdefault(attrs["data-key"], {})
        elif self._inside and tag == "td" and self._row is not None:
            self._row[attrs["data-column"]] = attrs["data-value"]

    def handle_endtag(self, tag):
        if tag == "table":
            self._inside = False


@pytest.mark.parametrize("name", RUNS)
def test_the_per_image_table_is_evaluates_csv(made, name):
    run, where = made[name]
    parser = _Cells()
    parser.feed((where / "report.html").read_text(encoding="utf-8"))
    csv = pd.read_csv(where / "metrics.csv", index_col="image")
    test = json.loads((run / "split.json").read_text())["test"]
    assert list(parser.rows) == csv.index.tolist() == test  # one row per test image
    shown = pd.DataFrame.from_dict(parser.rows, orient="index").astype(float)
    assert set(csv.columns) <= set(shown.columns)
    np.testing.assert_allclose(shown.loc[test, csv.columns], csv.loc[test], rtol=1e-12)


@pytest.fixture(scope="module")
def browser():
    from browser import chrome

    driver = chrome(width=1200, height=900)
    yield driver
    driver.quit()


@pytest.mark.parametrize("name", RUNS)
def test_the_report_opens_whole_in_a_browser(made, browser, name):
    _, where = made[name]
    page = where / "report.html"
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text  # opens from a USB stick
    browser.get(page.resolve().as_uri())
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    for section in report.SECTIONS:
        assert browser.find_elements("css selector", f"section#{section} h2"), section
    widths = browser.execute_script(
        "return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)"
    )
    assert len(widths) >= 2 and min(widths) > 0  # every figure decoded
    rows = browser.find_elements("css selector", "#per-image tbody tr")
    header = browser.find_element("css selector", "#per-image thead th:nth-child(2)")  # iou
    header.click()  # sorting keeps every row and orders them
    values = [float(r.find_element("css selector", "td").get_attribute("data-value")) for r in rows]
    ordered = browser.find_elements("css selector", "#per-image tbody tr td:nth-child(2)")
    shown = [float(cell.get_attribute("data-value")) for cell in ordered]
    assert shown == sorted(values) and browser.get_log("browser") == []


def test_several_classes_are_scored_per_class_with_the_confusion_matrix(made, classes_folder):
    """evaluate on a four-class run: per-class columns named from classes.json, equal to
    scikit-learn on the model's own predictions, and the pooled confusion matrix."""
    from sklearn.metrics import confusion_matrix, jaccard_score

    run, where = made["classes_run"]
    csv = pd.read_csv(where / "metrics.csv", index_col="image")
    names = [n for n in CLASSES if n != "background"]
    assert {f"{k}_{n}" for k in ("iou", "dice", "precision", "recall") for n in names} <= set(csv)
    loaded = runs.load_run(run)
    pairs = splits.select_pairs(
        io.pair_images_and_masks(classes_folder / "images", classes_folder / "masks"),
        loaded.test_stems,
    )
    x, y = io.load_pairs(pairs, size=32)
    predicted = np.asarray(loaded.load_model()(x, training=False)).argmax(-1)
    truth = y[..., 0]
    for i, stem in enumerate(loaded.test_stems):
        reference = jaccard_score(
            truth[i].ravel(), predicted[i].ravel(), labels=[1, 2, 3], average=None, zero_division=1
        )
        np.testing.assert_allclose(csv.loc[stem, [f"iou_{n}" for n in names]], reference)
        assert csv.loc[stem, "iou"] == pytest.approx(reference.mean())
    confusion = pd.read_csv(where / "metrics_confusion.csv", index_col="true")
    assert confusion.index.tolist() == confusion.columns.tolist() == list(CLASSES)
    expected = confusion_matrix(truth.ravel(), predicted.ravel(), labels=[0, 1, 2, 3])
    np.testing.assert_array_equal(confusion.to_numpy(), expected)


def test_a_run_without_a_training_record_says_so(made):
    _, where = made["classes_run"]
    text = (where / "report.html").read_text(encoding="utf-8")
    assert text.count("not recorded") >= 2  # training time and kept epoch
    assert "holds no history.csv" in text


def _fails(argv, capsys, *fragments):
    assert cli.main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.split("\n") if line.strip() and "\r" not in line]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err


def test_a_run_folder_without_a_model_is_one_line(mito_run, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(mito_run, folder)
    (folder / "model.keras").unlink()
    _fails(["report", "--run", folder, "--out", tmp_path / "r.html"], capsys, "model.keras")
    assert not (tmp_path / "r.html").exists()


def test_masks_that_do_not_pair_are_one_line(mito_run, mito_folder, tmp_path, capsys):
    folder = mito_folder(12)
    (folder / "masks" / "mito_003.png").rename(folder / "masks" / "stray.png")
    argv = ["report", "--run", mito_run, "--images", folder / "images", "--masks"]
    _fails([*argv, folder / "masks", "--out", tmp_path / "r.html"], capsys, "stray")
    assert not (tmp_path / "r.html").exists()


def test_an_existing_report_is_kept_without_overwrite(mito_run, tmp_path, capsys):
    out = tmp_path / "r.html"
    out.write_text("keep me")
    _fails(["report", "--run", mito_run, "--out", out], capsys, "--overwrite")
    assert out.read_text() == "keep me"


def test_evaluate_keeps_an_existing_confusion_csv_without_overwrite(classes_run, tmp_path, capsys):
    (tmp_path / "m_confusion.csv").write_text("keep me")
    _fails(["evaluate", "--run", classes_run, "--out", tmp_path / "m.csv"], capsys, "--overwrite")
    assert not (tmp_path / "m.csv").exists()
    assert (tmp_path / "m_confusion.csv").read_text() == "keep me"
