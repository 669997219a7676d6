"""Sphinx configuration of the course site (``make book``; see scripts/book.py).

The chapters are the notebooks as executed by ``scripts/notebooks.py run`` in the chosen
profile, outputs and figures included; Sphinx does not execute them again. Everything the
pages load is local: no web fonts, no MathJax or widget scripts from a CDN.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # outputs/book-src -> repository

from helpers import config  # noqa: E402

project = "Image segmentation with a U-Net"
author = "the course's authors"
extensions = ["myst_nb", "sphinx-mathjax-offline"]  # MathJax 3 served from the site itself
html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "repository_url": config.REPO_URL,
    "use_repository_button": True,
    "path_to_docs": "notebooks",
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
}
html_last_updated_fmt = None
html_static_path = ["_static"]  # a local copy of the "Open in Colab" badge (the site works offline)
html_context = {"default_mode": "light"}
nb_execution_mode = "off"  # executed by scripts/notebooks.py in the chosen profile
nb_ipywidgets_js = {}  # no widget scripts from a CDN: widgets show their static fallback
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header", "misc.highlighting_failure"]
