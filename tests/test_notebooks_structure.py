"""Every chapter notebook: a synced pair, no outputs, and the skeleton all chapters share.

(The notebooks themselves are executed by nbval: `make test` passes `--nbval-lax notebooks`.)
"""

import importlib.util
import re
import sys

import nbformat
import pytest

from helpers import config

ROOT = config.repo_root()
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("ch[0-9][0-9]_*.ipynb"))

_spec = importlib.util.spec_from_file_location("notebook_tools", ROOT / "scripts" / "notebooks.py")
notebook_tools = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = notebook_tools  # dataclasses look their module up there
_spec.loader.exec_module(notebook_tools)

COLAB = "https://colab.research.google.com/github/"


def test_there_are_chapter_notebooks():
    assert NOTEBOOKS, "no chapter notebooks found in notebooks/"


def test_pairs_are_in_sync_and_hold_no_outputs():
    assert notebook_tools.differences() == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_chapter_skeleton(path):
    cells = nbformat.read(path, as_version=4).cells
    title = cells[0]
    assert title.cell_type == "markdown"
    chapter = int(path.stem[2:4])
    assert re.match(rf"# Chapter {chapter}\b", title.source), "title cell comes first"
    assert f"{COLAB}{config.REPO_SLUG}/blob/main/notebooks/{path.name}" in title.source
    setup = next(c for c in cells if c.cell_type == "code")
    assert 'if "google.colab" in sys.modules' in setup.source, "the set-up cell acts only on Colab"
    assert f'REPO_URL = "{config.REPO_URL}"' in setup.source
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    assert "config.get_profile()" in code and "print(profile)" in code


def test_readme_links_every_chapter_to_colab_with_the_one_repository():
    readme = (ROOT / "README.md").read_text()
    assert config.SITE_URL in readme, "the README links to the published site"
    for link in re.findall(rf"{re.escape(COLAB)}([^)\s]+)", readme):
        assert link.startswith(f"{config.REPO_SLUG}/blob/main/notebooks/"), link
    for path in NOTEBOOKS:
        assert f"{COLAB}{config.REPO_SLUG}/blob/main/notebooks/{path.name}" in readme, path.name


def test_every_chapter_has_the_same_set_up_cell():
    """The Colab set-up cell is copied into each notebook (each must run alone): keep the
    copies identical, so a fix made in one is made in all."""
    setups = {
        path.stem: next(
            c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
        )
        for path in NOTEBOOKS
    }
    reference = setups[NOTEBOOKS[0].stem]
    assert [stem for stem, source in setups.items() if source != reference] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_says_what_it_needs_and_ends_with_summary_try_it_and_exercises(path):
    cells = nbformat.read(path, as_version=4).cells
    assert "**You need:**" in cells[0].source, "the title cell says what the chapter needs"
    headings = [
        line.strip()
        for c in cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("## ")
    ]
    ending = [h for h in headings if h in ("## Summary", "## Try it yourself", "## Exercises")]
    assert ending == ["## Summary", "## Try it yourself", "## Exercises"], headings
    start = next(
        i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## Exercises" in c.source
    )
    code = "\n".join(c.source for c in cells[start:] if c.cell_type == "code")
    chapter = path.stem[:4]
    assert f"from helpers.exercises import {chapter} as exercises" in "\n".join(
        c.source for c in cells if c.cell_type == "code"
    )
    checked = set(re.findall(r"exercises\.(\w+)\.check\(", code))
    module = importlib.import_module(f"helpers.exercises.{chapter}")
    assert 2 <= len(checked) <= 4 and checked <= set(module.__all__), checked
