"""The Colab set-up cell, run for real with a stand-in ``google.colab``.

Every chapter's first code cell clones the repository and installs ``helpers`` on Colab. Here
the cell's own text runs in a fresh Python environment that already has the course's
dependencies (as Colab has TensorFlow), with ``REPO_URL`` pointed at a local clone and the
clone's folder in a temporary directory: it must clone, install ``helpers`` without
reinstalling TensorFlow, and leave the chapter's imports working; a clone that fails must
print the two-line message, not a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import nbformat
import pytest

from helpers import config

ROOT = config.repo_root()
FIRST_CHAPTER = sorted((ROOT / "notebooks").glob("ch[0-9][0-9]_*.ipynb"))[0]

pytestmark = pytest.mark.skipif(
    not (ROOT / ".git").exists(), reason="needs the repository as a git checkout to clone from"
)


def _setup_cell() -> str:
    cells = nbformat.read(FIRST_CHAPTER, as_version=4).cells
    return next(c.source for c in cells if c.cell_type == "code")


def _cell_for(repo_url: str, course_dir: Path) -> str:
    source = _setup_cell()
    assert (
        f'REPO_URL = "{config.REPO_URL}"' in source and 'COURSE_DIR = "/content/course"' in source
    )
    source = source.replace(f'REPO_URL = "{config.REPO_URL}"', f"REPO_URL = {repo_url!r}")
    return source.replace('COURSE_DIR = "/content/course"', f"COURSE_DIR = {str(course_dir)!r}")


def _colab_like_python(tmp_path: Path) -> Path:
    """A fresh virtual environment that sees this one's packages (TensorFlow and the rest)
    through a ``.pth`` line, but not ``helpers``: like a Colab runtime before the set-up cell."""
    venv = tmp_path / "colab-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "course_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _run_as_colab(
    python: Path, cell: str, workdir: Path, after: str = ""
) -> subprocess.CompletedProcess:
    script = (
        textwrap.dedent(
            """
        import sys, types
        sys.modules["google"] = types.ModuleType("google")
        sys.modules["google.colab"] = types.ModuleType("google.colab")
        """
        )
        + cell
        + "\n"
        + after
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COURSE_ROOT")}
    return subprocess.run(
        [str(python), "-c", script],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_the_set_up_cell_clones_installs_helpers_and_keeps_tensorflow(tmp_path):
    python = _colab_like_python(tmp_path)
    course = tmp_path / "content" / "course"
    cell = _cell_for(ROOT.resolve().as_uri(), course)
    check = textwrap.dedent(
        """
        import os, helpers
        from helpers import config, io, metrics
        print("HELPERS", helpers.__file__)
        print("CWD", os.getcwd())
        print("PROFILE", config.get_profile("quick").name)
        """
    )
    result = _run_as_colab(python, cell, tmp_path, check)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Set-up failed" not in result.stdout
    assert f"HELPERS {course / 'helpers' / '__init__.py'}" in result.stdout
    assert f"CWD {course / 'notebooks'}" in result.stdout
    own_site = Path(sysconfig.get_paths(vars={"base": str(python.parent.parent)})["purelib"])
    installed = {p.name.split("-")[0].lower() for p in own_site.glob("*.dist-info")}
    assert "unet_course_helpers" in installed
    assert not installed & {"tensorflow", "keras", "numpy"}, "the cell reinstalled what Colab has"
    # Run again (a second chapter in the same runtime): no clone, nothing breaks.
    again = _run_as_colab(python, cell, tmp_path, check)
    assert again.returncode == 0 and "Set-up failed" not in again.stdout


def test_a_clone_that_fails_prints_two_lines_and_no_traceback(tmp_path):
    cell = _cell_for((tmp_path / "no-such-repository").as_uri(), tmp_path / "content" / "course")
    result = _run_as_colab(Path(sys.executable), cell, tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("Set-up failed:") and "internet access" in lines[-1]
    assert len(lines) == 2


def test_outside_colab_the_cell_does_nothing(tmp_path):
    cell = _cell_for("file:///nowhere", tmp_path / "course")
    result = subprocess.run(
        [sys.executable, "-c", cell], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout == "" and not (tmp_path / "course").exists()
