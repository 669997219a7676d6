"""The ``labelme2masks``, ``coco2masks``, ``cvat2masks`` and ``masks2coco`` commands.

What each command writes is tested in test_importers.py; here is the command line's
side: the summary line, the problems listed (at most 10), ``--report``, ``--ignore``,
``--overwrite``, and the error contract (exit status 2, one line on standard error, no
traceback, nothing written). The commands run in this process (``helpers.cli.main``);
one runs ``python -m helpers`` in a fresh interpreter, as a learner would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from helpers import cli

ROOT = Path(__file__).resolve().parent.parent
SIZE = (60, 80)


def grey(path: Path, shape=SIZE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(shape, 90, np.uint8)).save(path)
    return path


def square(x: float, y: float, side: float) -> list[float]:
    return [x, y, x + side, y, x + side, y + side, x, y + side]


@pytest.fixture
def coco(tmp_path) -> tuple[Path, Path]:
    """A COCO file of 12 images, each with a problem but the first, and its images."""
    images, annotations = [], []
    for k in range(12):
        grey(tmp_path / "images" / f"p{k:02d}.png")
        images.append({"id": k, "file_name": f"p{k:02d}.png", "height": SIZE[0], "width": SIZE[1]})
        annotations.append(
            {"id": 2 * k, "image_id": k, "category_id": 1, "segmentation": [square(10, 10, 30)]}
        )
        if k:  # a polygon that leaves the image: drawn clipped, and listed
            annotations.append(
                {"id": 2 * k + 1, "image_id": k, "category_id": 2,
                 "segmentation": [square(60, 30, 40)]}
            )  # fmt: skip
    document = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "cell"}, {"id": 2, "name": "dust"}],
    }
    (tmp_path / "coco.json").write_text(json.dumps(document))
    return tmp_path / "coco.json", tmp_path / "images"


def run(argv, capfd) -> tuple[int, str, str]:
    capfd.readouterr()
    status = cli.main([str(a) for a in argv])
    out, err = capfd.readouterr()
    return status, out, err


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def refused(argv, capfd, fragment: str, *, unchanged: Path) -> str:
    """Exit 2, one line on stderr naming ``fragment``, no traceback, nothing written."""
    before = snapshot(unchanged)
    status, _, err = run(argv, capfd)
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2 and "Traceback" not in err, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert fragment in lines[0], lines[0]
    assert snapshot(unchanged) == before, "a refused command wrote or changed files"
    return lines[0]


def test_coco2masks_prints_a_summary_and_at_most_ten_problems(coco, tmp_path, capfd):
    path, images = coco
    status, out, _ = run(
        ["coco2masks", "--coco", path, "--images", images, "--out", tmp_path / "masks",
         "--report", tmp_path / "report.csv"], capfd)  # fmt: skip
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == (
        f"Masks in {tmp_path / 'masks'}: 12 of 12 images have a mask; "
        "11 image(s) with problems listed in the report."
    )
    assert lines[1].startswith("  p01.png: annotation 3 ('dust') is partly outside the image")
    assert len([line for line in lines if line.startswith("  p")]) == 10
    assert f"  ... and 1 more (all in {tmp_path / 'report.csv'})" in lines
    report = pd.read_csv(tmp_path / "report.csv")
    assert len(report) == 12 and report["partly_outside"].sum() == 11
    assert sorted(p.name for p in (tmp_path / "masks").iterdir())[:2] == ["classes.json", "p00.png"]


def test_coco2masks_instances_and_ignore(coco, tmp_path, capfd):
    path, images = coco
    status, out, _ = run(
        ["coco2masks", "--coco", path, "--images", images, "--out", tmp_path / "objects",
         "--instances"], capfd)  # fmt: skip
    assert status == 0 and out.startswith(f"Instance images in {tmp_path / 'objects'}: 12 of 12")
    assert np.asarray(Image.open(tmp_path / "objects" / "p01.png")).max() == 2
    status, _, _ = run(
        ["coco2masks", "--coco", path, "--images", images, "--out", tmp_path / "masks",
         "--ignore", "dust"], capfd)  # fmt: skip
    assert status == 0
    classes = json.loads((tmp_path / "masks" / "classes.json").read_text())
    assert classes == {"background": 0, "cell": 1, "ignore": 255}
    assert set(np.unique(np.asarray(Image.open(tmp_path / "masks" / "p01.png")))) == {0, 1, 255}


def test_labelme2masks_writes_out_embedded_images_and_says_where(tmp_path, capfd):
    import base64
    import io

    buffer = io.BytesIO()
    Image.fromarray(np.full((SIZE[0], SIZE[1], 3), 30, np.uint8)).save(buffer, format="PNG")
    shape = {"label": "cell", "points": [[10, 10], [40, 40]], "shape_type": "rectangle"}
    document = {
        "shapes": [shape],
        "imagePath": "a.jpg",
        "imageHeight": SIZE[0],
        "imageWidth": SIZE[1],
        "imageData": base64.b64encode(buffer.getvalue()).decode(),
    }
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "a.json").write_text(json.dumps(document))  # fmt: skip
    argv = ["labelme2masks", "--labelme", tmp_path / "json", "--images", tmp_path / "images",
            "--out", tmp_path / "masks"]  # fmt: skip
    status, out, _ = run(argv, capfd)
    assert status == 0
    assert out.splitlines() == [
        f"1 image(s) written out from their JSON's imageData into {tmp_path / 'images'}.",
        f"Masks in {tmp_path / 'masks'}: 1 of 1 images have a mask.",
    ]
    assert (tmp_path / "images" / "a.png").is_file()
    refused(argv, capfd, "already exist", unchanged=tmp_path)
    status, out, _ = run([*argv, "--overwrite"], capfd)
    assert status == 0 and "written out" not in out  # the image is there now: used as it is


def test_cvat2masks_and_masks2coco(tmp_path, capfd):
    grey(tmp_path / "images" / "a.png")
    (tmp_path / "a.xml").write_text(
        '<annotations><version>1.1</version><image id="0" name="a.png" width="80" height="60">'
        '<box label="cell" occluded="1" xtl="10" ytl="10" xbr="40" ybr="30"/>'
        '<polygon label="dust" points="50,10;70,12;60,40"/></image></annotations>'
    )
    status, out, _ = run(
        ["cvat2masks", "--cvat", tmp_path / "a.xml", "--images", tmp_path / "images",
         "--out", tmp_path / "masks"], capfd)  # fmt: skip
    assert status == 0 and out == f"Masks in {tmp_path / 'masks'}: 1 of 1 images have a mask.\n"
    status, out, _ = run(
        ["masks2coco", "--masks", tmp_path / "masks", "--images", tmp_path / "images",
         "--out", tmp_path / "coco.json"], capfd)  # fmt: skip
    assert status == 0 and out.startswith(f"Wrote {tmp_path / 'coco.json'}: 2 polygons on 1 images")
    document = json.loads((tmp_path / "coco.json").read_text())
    assert [c["name"] for c in document["categories"]] == ["cell", "dust"]


def test_bad_input_exits_2_with_one_line_and_writes_nothing(coco, tmp_path, capfd):
    path, images = coco
    out = tmp_path / "out"
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "a.json").write_text('{"shapes": [')
    (tmp_path / "broken.xml").write_text("<annotations><image")
    cases = [
        (["labelme2masks", "--labelme", tmp_path / "json"], "a.json is not valid JSON"),
        (["coco2masks", "--coco", path, "--images", tmp_path / "nowhere"], "nowhere does not"),
        (["coco2masks", "--coco", path, "--images", images, "--ignore", "dirt"], "'dirt'"),
        (["coco2masks", "--coco", tmp_path / "broken.xml", "--images", images], "is XML, not"),
        (["cvat2masks", "--cvat", tmp_path / "broken.xml", "--images", images], "not valid XML"),
        (["cvat2masks", "--cvat", path, "--images", images], "is JSON, not CVAT's XML"),
        (["masks2coco", "--masks", images, "--images", tmp_path / "json"], "no image of the"),
    ]
    for argv, fragment in cases:
        argv = [*argv, "--out", out if argv[0] != "masks2coco" else tmp_path / "c.json"]
        refused(argv, capfd, fragment, unchanged=tmp_path)
    out.mkdir()
    (out / "p03.png").write_bytes(b"mine")
    refused(["coco2masks", "--coco", path, "--images", images, "--out", out], capfd,
            "already exist", unchanged=tmp_path)  # fmt: skip
    (tmp_path / "report.csv").write_text("mine")
    argv = ["coco2masks", "--coco", path, "--images", images, "--out", tmp_path / "new"]
    refused([*argv, "--report", tmp_path / "report.csv"], capfd, "report.csv", unchanged=tmp_path)


def test_python_m_helpers_refuses_in_one_line(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "cvat2masks", "--cvat", str(tmp_path / "none.xml"),
         "--images", str(tmp_path), "--out", str(tmp_path / "masks")],
        capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: The CVAT file {tmp_path / 'none.xml'} does not exist: pass the annotations.xml "
        "of a 'CVAT for images 1.1' export (--cvat FILE)."
    ]
