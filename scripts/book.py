"""Build the course site: every chapter with its outputs, as static HTML (``make book``).

Usage::

    python scripts/book.py                   # execute the chapters (cpu profile), then build
    python scripts/book.py --profile quick   # what CI does
    python scripts/book.py --reuse           # build from outputs/notebooks/ as they are

The chapters are executed by ``scripts/notebooks.py run`` into ``outputs/notebooks/``
(one fresh kernel each), copied with their figures next to ``book/conf.py`` and a landing
page made from the README into ``outputs/book-src/``, and Sphinx (myst-nb,
sphinx-book-theme) writes ``outputs/book/index.html``. It needs no network.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "outputs" / "book-src"
SITE = ROOT / "outputs" / "book"
EXECUTED = ROOT / "outputs" / "notebooks"


def landing_page(chapters: list[str]) -> str:
    """The README as the home page, the chapter notebooks linked in its table, and the toctree."""
    readme = (ROOT / "README.md").read_text()
    readme = readme.replace("](notebooks/figures/", "](figures/")  # copied beside the pages
    for stem in chapters:  # the table names each notebook: make the name a link to its page
        readme = readme.replace(f"| `{stem}` |", f"| [`{stem}`]({stem}.ipynb) |")
    toctree = "\n".join(
        ["", "```{toctree}", ":hidden:", ":caption: Chapters", "", *chapters, "```", ""]
    )
    return readme + toctree


COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"

#: TensorFlow's C++ start-up notes, which no environment variable silences on every
#: version: left out of the pages (the executed notebooks keep them).
TF_CHATTER = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog|I0000 .*port\.cc|E0000 |W0000 "
    r"|.*cuda_(dnn|fft|blas)\.cc|.*cudart_stub|.*computation_placer|To enable the following"
    r"|.*TF_ENABLE_ONEDNN_OPTS|\s*$)"
)


def _local_badge(text: str) -> str:
    """The site shows its own copy of the Colab badge, so that its pages load offline."""
    return text.replace(COLAB_BADGE, "_static/colab-badge.svg")


def _without_start_up_notes(notebook: dict) -> dict:
    """Drop the stderr outputs that hold nothing but TensorFlow's start-up notes."""
    for cell in notebook["cells"]:
        outputs = cell.get("outputs", [])
        cell["outputs"] = (
            [
                o
                for o in outputs
                if not (
                    o.get("name") == "stderr"
                    and all(TF_CHATTER.match(line) for line in "".join(o["text"]).splitlines())
                )
            ]
            if outputs
            else outputs
        )
    return notebook


def prepare(chapters: list[Path]) -> None:
    if SOURCE.exists():
        shutil.rmtree(SOURCE)
    SOURCE.mkdir(parents=True)
    shutil.copy(ROOT / "book" / "conf.py", SOURCE / "conf.py")
    shutil.copytree(ROOT / "book" / "_static", SOURCE / "_static")
    if (ROOT / "notebooks" / "figures").is_dir():
        shutil.copytree(ROOT / "notebooks" / "figures", SOURCE / "figures")
    for path in chapters:
        notebook = _without_start_up_notes(json.loads(path.read_text()))
        (SOURCE / path.name).write_text(_local_badge(json.dumps(notebook)))
    (SOURCE / "index.md").write_text(_local_badge(landing_page([p.stem for p in chapters])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=os.environ.get("COURSE_PROFILE", "cpu"))
    parser.add_argument(
        "--reuse", action="store_true", help="do not execute; use outputs/notebooks/"
    )
    args = parser.parse_args(argv)
    if not args.reuse:
        env = {**os.environ, "COURSE_PROFILE": args.profile}
        code = subprocess.call(
            [sys.executable, str(ROOT / "scripts" / "notebooks.py"), "run"], env=env
        )
        if code:
            print("Some chapters failed; the site shows them as they ran.", file=sys.stderr)
    stems = [p.stem for p in sorted((ROOT / "notebooks").glob("ch[0-9][0-9]_*.ipynb"))]
    chapters = [
        EXECUTED / f"{stem}.ipynb" for stem in stems if (EXECUTED / f"{stem}.ipynb").exists()
    ]
    missing = sorted(set(stems) - {p.stem for p in chapters})
    if missing:
        print(f"not executed yet, left out of the site: {', '.join(missing)}", file=sys.stderr)
    prepare(chapters)
    if SITE.exists():
        shutil.rmtree(SITE)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(SOURCE), str(SITE)]
    code = subprocess.call(command)
    if code == 0:
        print(f"The site is in {SITE.relative_to(ROOT)}/index.html ({len(chapters)} chapters).")
    return code


if __name__ == "__main__":
    sys.exit(main())
