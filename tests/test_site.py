"""The course site (``make book``) as a reader meets it, in a real headless browser.

``make test`` builds the site from the chapters nbval executed (quick profile), then runs
these tests; elsewhere they skip until ``make book`` (or ``python scripts/book.py``) has
built ``outputs/book/``. One screenshot of each page is kept in ``outputs/site-screenshots/``.
"""

from __future__ import annotations

import json

import pytest
from browser import chrome

from helpers import config

ROOT = config.repo_root()
SITE = ROOT / "outputs" / "book"
EXECUTED = ROOT / "outputs" / "notebooks"
SHOTS = ROOT / "outputs" / "site-screenshots"
CHAPTERS = [p.stem for p in sorted((ROOT / "notebooks").glob("ch[0-9][0-9]_*.ipynb"))]

pytestmark = pytest.mark.skipif(
    not (SITE / "index.html").is_file(), reason="the site is not built: run make book"
)


@pytest.fixture(scope="module")
def browser():
    driver = chrome(width=1280, height=900)
    yield driver
    driver.quit()


def _open(driver, page: str):
    driver.get((SITE / page).resolve().as_uri())
    driver.execute_script("return document.readyState")
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{page.removesuffix('.html')}.png"))
    return errors


def _executed(stem: str) -> dict:
    return json.loads((EXECUTED / f"{stem}.ipynb").read_text())


def _image_outputs(notebook: dict) -> int:
    """Outputs of the notebook's cells that hold an image."""
    return sum(
        any(key.startswith("image/") for key in output.get("data", {}))
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


def _figures_drawn(stem: str) -> int:
    """Pictures the executed chapter holds: image outputs and markdown images."""
    notebook = _executed(stem)
    markdown = sum(
        "".join(cell["source"]).count("![")
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
    )
    return markdown + _image_outputs(notebook)


@pytest.mark.parametrize("stem", CHAPTERS)
def test_a_chapter_that_shows_figures_was_executed_with_them(stem):
    """The executed copy holds an image for a chapter that calls ``plt.show()``: a kernel
    started with the tests' ``MPLBACKEND=Agg`` once ran every chapter without a figure."""
    source = (ROOT / "notebooks" / f"{stem}.py").read_text()
    assert _image_outputs(_executed(stem)) >= ("plt.show()" in source)


def test_every_chapter_has_a_page():
    assert sorted(p.stem for p in SITE.glob("ch[0-9][0-9]_*.html")) == CHAPTERS


def test_the_landing_page_loads_and_links_every_chapter(browser):
    assert _open(browser, "index.html") == []
    links = {
        a.get_attribute("href").rsplit("/", 1)[-1]
        for a in browser.find_elements("css selector", "a")
    }
    assert {f"{stem}.html" for stem in CHAPTERS} <= links
    text = browser.find_element("css selector", "main").text
    assert "make course" in text and "make test" in text


@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_page_loads_with_its_figures_and_no_error_output(browser, stem):
    assert _open(browser, f"{stem}.html") == [], "console errors"
    article = browser.find_element("css selector", "main article")
    shown = len(article.find_elements("css selector", "img, svg.figure, div.output svg"))
    assert shown >= _figures_drawn(stem) > 0
    assert not browser.find_elements("css selector", ".output.traceback, .output.error")
    assert "Traceback (most recent call last)" not in article.text


def test_next_links_walk_through_every_chapter_in_order(browser):
    _open(browser, "index.html")
    visited = []
    for _ in range(len(CHAPTERS) + 1):
        nexts = browser.find_elements("css selector", "a.right-next")
        if not nexts:
            break
        nexts[0].click()
        visited.append(browser.current_url.rsplit("/", 1)[-1].removesuffix(".html"))
    assert visited == CHAPTERS
