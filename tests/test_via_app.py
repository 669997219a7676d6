"""The course's VIA files against the real VGG Image Annotator, driven in headless Chromium.

Needs ``../shared/tools/via-2.0.10/via.html`` (the application, not part of the repository),
Chromium with its driver and the ``selenium`` package; each test skips with the reason when
one is missing. ``tests/browser.py`` finds (or, in CI as root, installs) the browser.
"""

from __future__ import annotations

import importlib.util
import json
import time

import numpy as np
import pytest
from browser import chrome

from helpers import config, via

VIA_HTML = config.repo_root().parent / "shared" / "tools" / "via-2.0.10" / "via.html"
IMAGES = config.data_dir("mri", "images")
BUNDLED = config.data_dir("mri", "via_annotations.json")

needs_via = pytest.mark.skipif(
    not VIA_HTML.is_file(), reason=f"the VIA application is not at {VIA_HTML}"
)


@pytest.fixture
def via_page(tmp_path):
    """VIA opened in headless Chromium, with its image folder set to the bundled MRI images."""
    if not VIA_HTML.is_file():
        pytest.skip(f"the VIA application is not at {VIA_HTML}")
    driver = chrome(download_dir=tmp_path / "downloads")
    try:
        driver.get(VIA_HTML.resolve().as_uri())
        driver.execute_script(
            "_via_settings.core.default_filepath = arguments[0];", IMAGES.resolve().as_uri() + "/"
        )
        yield driver
    finally:
        driver.quit()


def _import(driver, text: str) -> str:
    """VIA's own "Import annotations (from json)"; returns the summary line VIA shows."""
    driver.execute_script("import_annotations_from_json(arguments[0]);", text)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = driver.execute_script(
            "return document.getElementById('message_panel_content').textContent;"
        )
        if "Import Summary" in message:
            return message
        time.sleep(0.1)
    raise AssertionError("VIA showed no import summary")


def _export(driver) -> str:
    """VIA's own "Export Annotations (as json)" text (what the button downloads)."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "pack_via_metadata('json').then(data => done(data.join('')));"
    )


def _regions_per_file(driver) -> dict[str, int]:
    return driver.execute_script(
        "const out = {};"
        "for (const id in _via_img_metadata) {"
        "  out[_via_img_metadata[id].filename] = _via_img_metadata[id].regions.length; }"
        "return out;"
    )


def _masks(via_json, tmp_path, name: str) -> dict[str, np.ndarray]:
    path = tmp_path / f"{name}.json"
    path.write_text(via_json if isinstance(via_json, str) else json.dumps(via_json))
    project = via.load_via(path)
    return {
        image.filename: via.rasterize_regions(
            image.regions, via.image_shape(IMAGES / image.filename)
        )
        for image in project.images
    }


def _assert_same_masks(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_bundled_annotations_import_into_via_with_no_malformed_entry(via_page):
    text = BUNDLED.read_text()
    summary = _import(via_page, text)
    ours = {image.filename: len(image.regions) for image in via.load_via(BUNDLED).images}
    assert f"[{len(ours)}] new files, [{sum(ours.values())}] regions, [0] malformed" in summary
    assert _regions_per_file(via_page) == ours


def test_vias_own_export_converts_to_the_same_masks(via_page, tmp_path):
    _import(via_page, BUNDLED.read_text())
    exported = _export(via_page)
    _assert_same_masks(
        _masks(exported, tmp_path, "exported"), _masks(BUNDLED.read_text(), tmp_path, "bundled")
    )


def test_a_masks2via_file_opens_in_via_with_every_region(via_page, tmp_path):
    mask_dir = tmp_path / "masks"
    via.masks_from_via(BUNDLED, IMAGES, mask_dir)
    written = tmp_path / "from_masks.json"
    via.masks_to_via(mask_dir, IMAGES, written)
    ours = {image.filename: len(image.regions) for image in via.load_via(written).images}
    summary = _import(via_page, written.read_text())
    assert f"[{sum(ours.values())}] regions, [0] malformed" in summary
    assert _regions_per_file(via_page) == ours
    _assert_same_masks(
        _masks(_export(via_page), tmp_path, "again"), _masks(written.read_text(), tmp_path, "ours")
    )


@needs_via
def test_the_screenshot_script_shows_seven_steps_and_its_export_is_the_drawn_lesion(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "via_screenshots", config.repo_root() / "scripts" / "via_screenshots.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    chrome(download_dir=tmp_path).quit()  # skips with the reason when there is no browser
    written = script.take_screenshots(VIA_HTML, tmp_path / "shots")
    pngs = [p for p in written if p.suffix == ".png"]
    assert len(pngs) == 7 and all(p.stat().st_size > 5_000 for p in pngs)
    exported = via.load_via(tmp_path / "shots" / script.EXPORT)
    drawn = next(image for image in exported.images if image.filename == script.IMAGE)
    assert [region.attributes for region in drawn.regions] == [{"label": "lesion"}]
    truth = next(image for image in via.load_via(BUNDLED).images if image.filename == script.IMAGE)
    shape = via.image_shape(IMAGES / script.IMAGE)
    np.testing.assert_array_equal(
        via.rasterize_regions(drawn.regions, shape), via.rasterize_regions(truth.regions[:1], shape)
    )


def test_the_committed_screenshots_are_the_seven_steps_and_small():
    folder = config.repo_root() / "notebooks" / "figures" / "via"
    names = sorted(p.name for p in folder.glob("via_*.png"))
    assert len(names) == 7
    assert sum(p.stat().st_size for p in folder.glob("via_*.png")) < 1_000_000
