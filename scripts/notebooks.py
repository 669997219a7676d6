"""Instructor tools for the chapter notebooks: ``sync``, ``check`` and ``run``.

Usage (the Makefile calls these)::

    python scripts/notebooks.py sync    # pair each .py script with its .ipynb, strip outputs
    python scripts/notebooks.py sync ch05   # only this chapter's pair
    python scripts/notebooks.py check   # fail when a pair differs or an .ipynb holds outputs
    python scripts/notebooks.py run     # execute every chapter in order (make course)
    python scripts/notebooks.py run ch06 ch07   # only these chapters

The ``.py`` percent scripts are the reviewable source; the ``.ipynb`` files are what
Colab opens. Both are committed, without outputs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "outputs" / "notebooks"


def chapter_notebooks() -> list[Path]:
    """The chapter notebooks (``chNN_*.ipynb``), in chapter order."""
    return sorted(NOTEBOOKS.glob("ch[0-9][0-9]_*.ipynb"))


def strip(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs, execution counts and cell ids (ids change on every save)."""
    for cell in notebook.cells:
        cell.pop("id", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.nbformat, notebook.nbformat_minor = 4, 4
    return notebook


def _read(path: Path) -> nbformat.NotebookNode:
    """Read either side of a pair (the .py side always as a percent script)."""
    return jupytext.read(path, fmt="py:percent" if path.suffix == ".py" else None)


def sync(only: list[str] | None = None) -> int:
    """Bring each pair (or those whose name starts with one of ``only``) in line: the newer
    side wins (jupytext's rule), then strip outputs."""
    scripts = sorted(NOTEBOOKS.glob("ch[0-9][0-9]_*.py"))
    for script in scripts:
        if only and not script.stem.startswith(tuple(only)):
            continue
        ipynb = script.with_suffix(".ipynb")
        source = ipynb if ipynb.exists() and ipynb.stat().st_mtime > script.stat().st_mtime else script
        notebook = strip(_read(source))
        jupytext.write(notebook, script, fmt="py:percent")
        nbformat.write(notebook, ipynb)
        print(f"synced {script.stem} (from {source.suffix})")
    return 0


def differences() -> list[str]:
    """What ``check`` complains about, one line each (empty when all is well)."""
    problems = []
    scripts = {p.stem for p in NOTEBOOKS.glob("ch[0-9][0-9]_*.py")}
    ipynbs = {p.stem for p in NOTEBOOKS.glob("ch[0-9][0-9]_*.ipynb")}
    for stem in sorted(scripts ^ ipynbs):
        problems.append(f"{stem}: only one side of the pair exists (run make sync)")
    for stem in sorted(scripts & ipynbs):
        raw = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
        if any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in raw.cells):
            problems.append(f"{stem}.ipynb holds outputs or execution counts (run make sync)")
        a = [(c.cell_type, c.source.strip()) for c in _read(NOTEBOOKS / f"{stem}.py").cells]
        b = [(c.cell_type, c.source.strip()) for c in raw.cells]
        if a != b:
            problems.append(f"{stem}.py and {stem}.ipynb differ (run make sync)")
    return problems


def check() -> int:
    problems = differences()
    for line in problems:
        print(line)
    return 1 if problems else 0


def _this_python_kernel() -> str:
    """A kernel spec for the Python running this script, found before any user-wide
    ``python3`` spec (which may point at another environment without ``helpers``)."""
    import json
    import os

    folder = ROOT / "outputs" / ".jupyter"
    spec = folder / "kernels" / "course-python"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "course", "language": "python"})
    )
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(folder)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    )
    return "course-python"


def run(timeout: int, only: list[str] | None = None) -> int:
    """Execute every chapter (or those whose name starts with one of ``only``) in order,
    each in a fresh kernel; one line per chapter."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    EXECUTED.mkdir(parents=True, exist_ok=True)
    kernel = _this_python_kernel()
    failed = 0
    chosen = [p for p in chapter_notebooks() if not only or p.stem.startswith(tuple(only))]
    for path in chosen:
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook, timeout=timeout, kernel_name=kernel,
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        start = time.perf_counter()
        # The kernel process's own messages (TensorFlow's start-up notes, Jupyter's)
        # go to a log next to the executed notebook, not to the terminal.
        with open(EXECUTED / f"{path.stem}.log", "w") as log:
            try:
                client.execute(stdout=log, stderr=log)
                status = "ok"
            except CellExecutionError as error:
                status = "failed: " + (str(error).strip().splitlines() or ["?"])[-1][:160]
                failed += 1
        nbformat.write(notebook, EXECUTED / path.name)
        print(f"{path.stem:<28} {time.perf_counter() - start:7.1f} s  {status}", flush=True)
    print(f"Executed notebooks are in {EXECUTED.relative_to(ROOT)}/.")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["sync", "check", "run"])
    parser.add_argument("chapters", nargs="*", help="sync, run: only chapters starting with these names")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell (run)")
    args = parser.parse_args(argv)
    if args.action == "sync":
        return sync(args.chapters)
    if args.action == "check":
        return check()
    return run(args.timeout, args.chapters)


if __name__ == "__main__":
    sys.exit(main())
