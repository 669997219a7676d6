"""helpers.check and ``python -m helpers check``: every planted problem found, with the right
severity and exit status; a clean folder passes; ``train`` stops on the blocking findings,
naming them all at once, before writing anything.

Each problem is planted in its own copy of a small clean folder (four pairs of 32 px,
0/1 masks, no findings at all), so a test sees that one problem and nothing else.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import check, cli
from helpers.errors import DataError

NAMES = ("a", "b", "c", "d")
SIDE = 32


def _image(seed: int, shape=(SIDE, SIDE)) -> np.ndarray:
    return np.random.default_rng(seed).integers(20, 230, size=shape, dtype=np.uint8)


def _blob(value: int = 1, shape=(SIDE, SIDE), centre=(12, 14)) -> np.ndarray:
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    inside = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= 36
    return (inside * value).astype(np.uint8)


def _save(path: Path, array: np.ndarray, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **options)
    return path


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """images/ and masks/ of four pairs: grey noise images, 0/1 masks with a disc."""
    root = tmp_path_factory.mktemp("clean")
    for i, name in enumerate(NAMES):
        _save(root / "images" / f"{name}.png", _image(i))
        _save(root / "masks" / f"{name}.png", _blob(centre=(10 + i, 12 + i)))
    return root


def _instances(values=range(1, 7)) -> np.ndarray:
    labels = np.zeros((SIDE, SIDE), np.uint8)
    for k, value in enumerate(values):
        labels[2 + 5 * k : 5 + 5 * k, 4 : 9 + k] = value
    return labels


def _palette(indices: np.ndarray) -> Image.Image:
    picture = Image.fromarray(indices, mode="P")
    picture.putpalette([0, 0, 0, 200, 30, 30, 30, 200, 30] + [0] * (256 * 3 - 9))
    return picture


def _exif_rotated(path: Path, array: np.ndarray) -> None:
    """Stored as ``array``, shown turned by a quarter (EXIF orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(array).save(path, exif=exif)


# Each problem: how to plant it in the clean folder, the file that must be named, its
# kind, whether it blocks, and the --classes the check runs with.
def _plant(problem: str, root: Path) -> tuple[str, str, str, int | None]:
    images, masks = root / "images", root / "masks"
    if problem == "unpaired":
        _save(images / "extra.png", _image(9))
        return "images/extra.png", "unpaired", check.BLOCKING, None
    if problem == "same name":
        _save(masks / "b.jpg", _blob() * 255)
        return "masks/b.jpg", "same name", check.BLOCKING, None
    if problem == "unreadable":
        (masks / "b.png").write_bytes((masks / "b.png").read_bytes()[:60])
        return "masks/b.png", "unreadable", check.BLOCKING, None
    if problem == "classes.json":
        (masks / "classes.json").write_text("{background: 0}")
        return "masks/classes.json", "classes.json", check.BLOCKING, None
    if problem == "size":
        _save(masks / "c.png", _blob(shape=(SIDE, SIDE - 2)))
        return "images/c.png", "size", check.BLOCKING, None
    if problem == "size after EXIF orientation":
        _exif_rotated(images / "c.png", _image(2, (SIDE, SIDE - 8)))
        _save(masks / "c.png", _blob(shape=(SIDE, SIDE - 8)))
        return "images/c.png", "size", check.BLOCKING, None
    if problem == "JPEG mask":
        (masks / "b.png").unlink()
        _save(masks / "b.jpg", _blob() * 255, quality=70)
        return "masks/b.jpg", "values", check.BLOCKING, None
    if problem == "undeclared classes":
        _save(masks / "b.png", _blob() + _blob(centre=(24, 24)) * 2)
        return "masks/b.png", "values", check.BLOCKING, None
    if problem == "grey-coded classes":
        _save(masks / "b.png", _blob(85) + _blob(170, centre=(24, 24)))
        return "masks/b.png", "values", check.BLOCKING, None
    if problem == "palette with a void border":
        voc = _blob() + _blob(centre=(24, 24)) * 2
        voc[0] = 255  # Pascal VOC's border value, without classes.json
        _palette(voc).save(masks / "b.png")
        return "masks/b.png", "values", check.BLOCKING, None
    if problem == "colour":
        colour = np.zeros((SIDE, SIDE, 3), np.uint8)
        colour[_blob().astype(bool)] = (200, 30, 30)
        _save(masks / "b.png", colour)
        return "masks/b.png", "colour", check.BLOCKING, None
    if problem == "mixed encodings":
        (masks / "classes.json").write_text('{"background": 0, "cell": 1, "nucleus": 2}')
        for name in "bcd":
            _save(masks / f"{name}.png", _blob() + _blob(centre=(24, 24)) * 2)
        _save(masks / "a.png", _blob() * 255)
        return "masks/", "mixed encodings", check.BLOCKING, None
    if problem == "instances":
        _save(masks / "b.png", _instances())
        return "masks/b.png", "instances", check.BLOCKING, None
    if problem == "instances as classes":
        _save(masks / "b.png", _instances())
        return "masks/b.png", "instances", check.WARNING, 8
    if problem == "0/255":
        _save(masks / "b.png", _blob() * 255)
        return "masks/b.png", "0/255", check.WARNING, None
    if problem == "palette":
        _palette(_blob()).save(masks / "b.png")
        return "masks/b.png", "palette", check.WARNING, None
    if problem == "empty":
        _save(masks / "b.png", np.zeros((SIDE, SIDE), np.uint8))
        return "masks/b.png", "empty", check.WARNING, None
    if problem == "all foreground":
        _save(masks / "b.png", np.ones((SIDE, SIDE), np.uint8))
        return "masks/b.png", "all foreground", check.WARNING, None
    if problem == "rare class":
        (masks / "classes.json").write_text('{"background": 0, "cell": 1, "rare": 2}')
        rare = _blob()
        rare[0, 0] = 2
        _save(masks / "b.png", rare)
        return "masks/", "rare class", check.WARNING, None
    if problem == "constant image":
        _save(images / "b.png", np.full((SIDE, SIDE), 128, np.uint8))
        return "images/b.png", "constant image", check.WARNING, None
    if problem == "saturated image":
        bright = _image(1)
        bright[:8] = 255
        _save(images / "b.png", bright)
        return "images/b.png", "saturated image", check.WARNING, None
    if problem == "mixed bit depths":
        _save(images / "b.png", _image(1).astype(np.uint16) * 200)
        return "images/", "mixed bit depths", check.WARNING, None
    raise AssertionError(problem)


PROBLEMS = (
    "unpaired",
    "same name",
    "unreadable",
    "classes.json",
    "size",
    "size after EXIF orientation",
    "JPEG mask",
    "undeclared classes",
    "grey-coded classes",
    "palette with a void border",
    "colour",
    "mixed encodings",
    "instances",
    "instances as classes",
    "0/255",
    "palette",
    "empty",
    "all foreground",
    "rare class",
    "constant image",
    "saturated image",
    "mixed bit depths",
)


def test_every_kind_of_finding_is_planted_here():
    planted = {"JPEG mask": "values", "undeclared classes": "values"}
    kinds = {planted.get(p, p.replace(" after EXIF orientation", "")) for p in PROBLEMS}
    kinds |= {"instances", "values"}
    assert set(check.FINDINGS) <= kinds | {"instances as classes"}


def _copy(clean: Path, where: Path) -> Path:
    shutil.copytree(clean, where / "data")
    return where / "data"


def _findings(result: check.DataCheck) -> set[tuple[str, str, str]]:
    return {(r.file, r.kind, r.severity) for r in result.findings.itertuples()}


def test_a_clean_folder_passes_with_nothing_to_report(clean, capsys):
    result = check.check_folders(clean / "images", clean / "masks")
    assert result.passed and result.findings.empty and result.pairs == len(NAMES)
    assert (
        cli.main(["check", "--images", str(clean / "images"), "--masks", str(clean / "masks")]) == 0
    )
    out = capsys.readouterr().out
    assert (
        out.strip() == f"Verdict: {len(NAMES)} pair(s) checked; nothing to report: ready to train."
    )


@pytest.mark.parametrize("problem", PROBLEMS)
def test_check_finds_the_planted_problem_with_its_exit_status(problem, clean, tmp_path, capsys):
    root = _copy(clean, tmp_path)
    file, kind, severity, classes = _plant(problem, root)
    result = check.check_folders(root / "images", root / "masks", num_classes=classes)
    assert (file, kind, severity) in _findings(result), result.table()
    others = result.findings[result.findings["kind"] != kind]
    # only what the planted file brings with it (a palette mask is also a mixed folder...)
    assert set(others["severity"]) <= {check.WARNING} or severity == check.BLOCKING, others
    assert result.passed == (severity == check.WARNING)
    argv = ["check", "--images", str(root / "images"), "--masks", str(root / "masks")]
    argv += ["--classes", str(classes)] if classes else []
    argv += ["--report", str(tmp_path / "report.csv")]
    assert cli.main(argv) == (2 if severity == check.BLOCKING else 0)
    out = capsys.readouterr().out
    assert (
        f"{kind}: " in out and file in out and out.rstrip().splitlines()[-2].startswith("Verdict")
    )
    import pandas as pd

    written = pd.read_csv(tmp_path / "report.csv", keep_default_na=False)
    assert list(written.columns) == list(check.FINDING_COLUMNS)
    assert (file, kind, severity) in {(r.file, r.kind, r.severity) for r in written.itertuples()}


def test_each_planted_problem_adds_only_its_own_findings(clean, tmp_path):
    """No false alarms: what a planted problem brings is that problem (and the findings
    that follow from it in words, listed here)."""
    follows = {
        "mixed encodings": {"0/255"},
        "palette with a void border": {"palette"},
        "instances as classes": {"rare class"},  # classes 2..7 of --classes 8: in one mask
        "JPEG mask": set(),
    }
    for problem in PROBLEMS:
        root = tmp_path / problem.replace("/", "-").replace(" ", "_")
        shutil.copytree(clean, root)
        file, kind, severity, classes = _plant(problem, root)
        result = check.check_folders(root / "images", root / "masks", num_classes=classes)
        found = set(result.findings["kind"])
        assert found - {kind} <= follows.get(problem, set()), (problem, result.table())


def test_every_problem_at_once_is_one_table_blocking_first(clean, tmp_path):
    root = _copy(clean, tmp_path)
    planted = [_plant(p, root) for p in ("unpaired", "size", "colour", "constant image")]
    _save(root / "masks" / "d.png", np.zeros((SIDE, SIDE), np.uint8))
    planted.append(("masks/d.png", "empty", check.WARNING, None))
    # and so objects are left in a.png and c.png only: fewer than 3 masks
    planted.append(("masks/", "rare class", check.WARNING, None))
    result = check.check_folders(root / "images", root / "masks")
    assert {(f, k, s) for f, k, s, _ in planted} == _findings(result)
    assert list(result.findings["severity"]) == [check.BLOCKING] * 3 + [check.WARNING] * 3
    assert "3 blocking finding(s), 3 warning(s)" in result.verdict()


def test_a_declared_ignore_value_is_left_out_and_without_it_255_is_the_object(clean, tmp_path):
    root = _copy(clean, tmp_path)
    masks = root / "masks"
    for i, name in enumerate(NAMES):
        labelled = _blob(centre=(10 + i, 12 + i))
        labelled[20:, 20:] = 255  # pixels to leave out
        _save(masks / f"{name}.png", labelled)
    (masks / "classes.json").write_text(json.dumps({"background": 0, "cell": 1, "ignore": 255}))
    assert check.check_folders(root / "images", masks).findings.empty
    # only background and ignored pixels: empty, not all foreground
    _save(masks / "d.png", np.where(_blob() > 0, 255, 0).astype(np.uint8))
    kinds = check.check_folders(root / "images", masks).findings[["file", "kind"]].values.tolist()
    assert kinds == [["masks/d.png", "empty"]]
    # without the declaration, 0/1/255 is not a mask the course can read
    (masks / "classes.json").unlink()
    blocked = check.check_folders(root / "images", masks).blocking
    assert set(blocked["kind"]) == {"values"} and len(blocked) == 3
    # and a 0/255 mask is read as 0/1 again
    assert "0/255" in set(check.check_folders(root / "images", masks).findings["kind"])


def test_a_missing_or_empty_folder_is_an_error_not_a_table(clean, tmp_path):
    (tmp_path / "nothing").mkdir()
    with pytest.raises(DataError, match="nothing"):
        check.check_folders(tmp_path / "nothing", clean / "masks")
    with pytest.raises(DataError, match="no-such"):
        check.check_folders(clean / "images", tmp_path / "no-such")


def test_stop_on_blocking_names_them_all_then_a_count(clean, tmp_path):
    root = _copy(clean, tmp_path)
    for k in range(12):
        _save(root / "images" / f"extra{k:02d}.png", _image(k))
    _save(root / "masks" / "c.png", _blob(shape=(SIDE, SIDE - 2)))
    result = check.check_folders(root / "images", root / "masks")
    with pytest.raises(DataError) as caught:
        check.stop_on_blocking(result)
    message = str(caught.value)
    assert "13 blocking problem(s)" in message and "and 3 more" in message
    named = [f"images/extra{k:02d}.png: unpaired" for k in range(10)]
    assert all(n in message for n in named) and "python -m helpers check" in message
    clean_result = check.check_folders(clean / "images", clean / "masks")
    assert check.stop_on_blocking(clean_result) is clean_result


def test_the_report_is_not_overwritten_without_overwrite(clean, tmp_path, capfd):
    report = tmp_path / "report.csv"
    report.write_text("mine\n")
    argv = ["check", "--images", str(clean / "images"), "--masks", str(clean / "masks")]
    assert cli.main([*argv, "--report", str(report)]) == 2
    assert report.read_text() == "mine\n" and "already exists" in capfd.readouterr().err
    assert cli.main([*argv, "--report", str(report), "--overwrite"]) == 0
    assert report.read_text().startswith(",".join(check.FINDING_COLUMNS))


def test_train_stops_on_the_blocking_findings_naming_all_before_writing(clean, tmp_path):
    from helpers import runs

    root = _copy(clean, tmp_path)
    planted = [_plant(p, root) for p in ("unpaired", "size", "colour")]
    out = tmp_path / "run"
    with pytest.raises(DataError) as caught:
        runs.train_on_folder(root / "images", root / "masks", out, profile="quick", size=32)
    message = str(caught.value)
    for file, kind, _, _ in planted:
        assert f"{file}: {kind}" in message
    assert not out.exists()


def test_a_labelme_ignore_shape_passes_the_check_and_is_left_out_of_the_scores(tmp_path):
    """End to end: Labelme's __ignore__ becomes 255 declared in classes.json; the check
    takes it, and the metrics with ignore=255 score only the other pixels."""
    from helpers import importers, metrics

    labelme = tmp_path / "labelme"
    for k, name in enumerate(NAMES):
        _save(tmp_path / "images" / f"{name}.png", _image(k))
        cell = [[4.0 + k, 4.0], [20.0 + k, 4.0], [20.0 + k, 18.0], [4.0 + k, 18.0]]
        unsure = [[22.0, 22.0], [30.0, 22.0], [30.0, 30.0], [22.0, 30.0]]
        shapes = [
            {"label": label, "points": points, "shape_type": "polygon", "group_id": None}
            for label, points in (("cell", cell), ("__ignore__", unsure))
        ]
        document = {"shapes": shapes, "imagePath": f"{name}.png", "imageData": None,
                    "imageHeight": SIDE, "imageWidth": SIDE}  # fmt: skip
        labelme.mkdir(exist_ok=True)
        (labelme / f"{name}.json").write_text(json.dumps(document))
    importers.masks_from_labelme(labelme, tmp_path / "masks", images_dir=tmp_path / "images")
    classes = json.loads((tmp_path / "masks" / "classes.json").read_text())
    assert classes == {"background": 0, "cell": 1, "ignore": 255}
    result = check.check_folders(tmp_path / "images", tmp_path / "masks")
    assert result.findings.empty, result.table()
    truth = np.asarray(Image.open(tmp_path / "masks" / "a.png"))
    guess = (truth == 1).astype(np.uint8)
    guess[truth == 255] = 1  # wrong only where nobody could say
    assert metrics.iou(truth, guess, ignore=255) == 1.0
