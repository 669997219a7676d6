"""Screenshots of the VGG Image Annotator's seven labelling steps, for chapter 10.

Drives the real VIA 2 application (one HTML file, not part of this repository) in
headless Chromium on the course's MRI images: open VIA, add files, see the file opened,
draw a polygon around the lesion, close it, name the attribute and set the label, export
the annotations as JSON. Each step is saved as a PNG in ``notebooks/figures/via/``, and the
exported JSON next to them, so a test can check that VIA's own export converts to the
masks the course expects.

Usage (an instructor re-runs it after a VIA or course change)::

    python scripts/via_screenshots.py --via /path/to/via-2.0.10/via.html
    python scripts/via_screenshots.py --via ... --out /tmp/shots --overwrite

Needs Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``) and
the Python package ``selenium``. Works offline.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
IMAGES = ROOT / "data" / "mri" / "images"
ANNOTATIONS = ROOT / "data" / "mri" / "via_annotations.json"
OUT = ROOT / "notebooks" / "figures" / "via"

#: The image drawn on, and the images added to the project (a few are enough to show).
IMAGE = "mri_001.png"
ADDED = ["mri_000.png", "mri_001.png", "mri_002.png", "mri_003.png"]

#: (file name, caption) of the seven steps, in the order of the module's chapter 10.
STEPS = [
    (
        "via_1_start.png",
        "VIA as it opens: menus on top, region shapes, project and attributes on the left.",
    ),
    ("via_2_add_files.png", "Project > Add local files: choose the images to label."),
    ("via_3_file_opened.png", "The images are in the project list; the selected one is shown."),
    ("via_4_drawing.png", "Polygon tool: click point by point around the lesion."),
    ("via_5_region_done.png", "Enter closes the polygon: the region is drawn."),
    (
        "via_6_labelled.png",
        "A region attribute 'label' is added and set to 'lesion' for the region.",
    ),
    (
        "via_7_export.png",
        "Annotation > Export Annotations (as json) saves the file the course reads.",
    ),
]
EXPORT = "via_export.json"


def _driver(download_dir: Path):
    if str(SCRIPTS) not in sys.path:  # also when a test loads this file by its path
        sys.path.append(str(SCRIPTS))
    from chromium import headless_chromium

    return headless_chromium(
        width=1000, height=760, download_dir=download_dir, device_scale_factor=1
    )


def _lesion_outline() -> tuple[list[int], list[int]]:
    """The first lesion polygon of :data:`IMAGE` in the bundled annotations (image pixels)."""
    entries = json.loads(ANNOTATIONS.read_text())
    entry = next(e for e in entries.values() if e["filename"] == IMAGE)
    shape = entry["regions"][0]["shape_attributes"]
    return shape["all_points_x"], shape["all_points_y"]


def _click_image_point(driver, x: float, y: float) -> None:
    """Click the region canvas at image pixel (x, y), whatever VIA's zoom."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    # Viewport coordinates from the canvas's own box: Selenium's element offsets count from
    # the centre of the element's *visible* part, which moves when the canvas is cut off.
    left, top, scale = driver.execute_script(
        "const box = document.getElementById('region_canvas').getBoundingClientRect();"
        "return [box.left, box.top, _via_canvas_scale];"
    )
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(round(left + x / scale), round(top + y / scale)).click()
    actions.perform()


def _hover_menu(driver, title: str, item_text: str) -> None:
    """Open a top menu as a mouse hover does, and highlight one of its items."""
    driver.execute_script(
        """
        const [title, item] = arguments;
        for (const li of document.querySelectorAll('.menubar > ul > li')) {
          if (li.childNodes[0].textContent.trim() === title) {
            const menu = li.querySelector('ul');
            menu.style.display = 'block';
            for (const entry of menu.querySelectorAll('li')) {
              if (entry.textContent.trim().startsWith(item)) {
                entry.style.background = '#ffd54f'; entry.style.color = '#000';
              }
            }
          }
        }
        """,
        title,
        item_text,
    )


def _close_menus(driver) -> None:
    driver.execute_script(
        "for (const m of document.querySelectorAll('.menubar ul ul')) m.style.display = '';"
    )


def take_screenshots(via_html: Path, out: Path, *, overwrite: bool = False) -> list[Path]:
    """Run VIA through the seven steps; returns the PNGs written (and the JSON export)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    targets = [out / name for name, _ in STEPS] + [out / EXPORT]
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        raise SystemExit(
            f"{existing[0]} already exists; pass --overwrite to replace the screenshots."
        )
    out.mkdir(parents=True, exist_ok=True)
    downloads = Path(tempfile.mkdtemp(prefix="via-export-"))
    driver = _driver(downloads)
    shots = iter(out / name for name, _ in STEPS)
    try:
        driver.get(via_html.resolve().as_uri())
        time.sleep(1)
        _save(driver, next(shots))  # 1 start

        _hover_menu(driver, "Project", "Add local files")
        _save(driver, next(shots))  # 2 add files
        _close_menus(driver)

        driver.execute_script(
            "invisible_file_input.setAttribute('multiple', 'multiple');"
            "invisible_file_input.onchange = project_file_add_local;"
        )
        driver.find_element(By.ID, "invisible_file_input").send_keys(
            "\n".join(str(IMAGES / name) for name in ADDED)
        )
        time.sleep(1.5)
        driver.execute_script(
            "arguments[0].value = 'mri';", driver.find_element(By.ID, "project_name")
        )
        driver.execute_script(f"_via_show_img({ADDED.index(IMAGE)}); zoom_in(); zoom_in();")
        time.sleep(1)
        _save(driver, next(shots))  # 3 file opened

        driver.find_element(By.ID, "region_shape_polygon").click()
        xs, ys = _lesion_outline()
        points = list(zip(xs, ys, strict=True))
        for x, y in points[: len(points) * 2 // 3]:
            _click_image_point(driver, x, y)
        _save(driver, next(shots))  # 4 drawing
        for x, y in points[len(points) * 2 // 3 :]:
            _click_image_point(driver, x, y)
        driver.find_element(By.ID, "region_canvas").send_keys(Keys.ENTER)  # VIA: Enter closes it
        time.sleep(0.5)
        _save(driver, next(shots))  # 5 region done

        driver.execute_script("toggle_attributes_editor(); update_attributes_update_panel();")
        field = driver.find_element(By.ID, "user_input_attribute_id")
        field.clear()
        field.send_keys("label")
        driver.find_element(By.ID, "button_add_new_attribute").click()
        time.sleep(0.5)
        # Select the region (as a click on it does) to open VIA's on-image annotation editor.
        driver.execute_script(
            "window.scrollTo(0, 0); select_only_region(0); annotation_editor_show();"
        )
        time.sleep(0.5)
        label = driver.find_element(By.CSS_SELECTOR, "#annotation_editor textarea")
        label.send_keys("lesion", Keys.TAB)  # leaving the field stores the value
        time.sleep(0.5)
        _save(driver, next(shots))  # 6 labelled

        _hover_menu(driver, "Annotation", "Export Annotations (as json)")
        _save(driver, next(shots))  # 7 export
        _close_menus(driver)
        driver.execute_script("download_all_region_data('json');")
        exported = _wait_for_download(downloads)
        shutil.copyfile(exported, out / EXPORT)
    finally:
        driver.quit()
        shutil.rmtree(downloads, ignore_errors=True)
    return targets


def _save(driver, path: Path) -> None:
    """Save a screenshot as a 64-colour PNG: a fifth of the size, the same to the eye."""
    from PIL import Image

    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def _wait_for_download(folder: Path, seconds: float = 10) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == ".json"]
        if done:
            return done[0]
        time.sleep(0.2)
    raise SystemExit(f"VIA's JSON export did not arrive in {folder} within {seconds} s.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--via", type=Path, required=True, help="path to VIA 2's via.html")
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT,
        help=f"folder for the PNGs (default {OUT.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace screenshots already there"
    )
    args = parser.parse_args(argv)
    if not args.via.is_file():
        print(f"{args.via} is not a file: give the path to VIA 2's via.html.", file=sys.stderr)
        return 2
    for path in take_screenshots(args.via, args.out, overwrite=args.overwrite):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
