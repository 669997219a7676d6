"""Instructor tools for the chapter notebooks: ``sync``, ``check`` and ``run``.

Usage (the Makefile calls these)::

    python scripts/notebooks.py sync    # pair each .py script with its .ipynb, strip outputs
    python scripts/notebooks.py sync ch05   # only this chapter's pair
    python scripts/notebooks.py check   # fail when a pair differs or an .ipynb holds outputs
    python scripts/notebooks.py run     # execute every chapter in order (make course)
    python scripts/notebooks.py run ch06 ch07   # only these chapters

The ``.py`` percent scripts are the reviewable source; the ``.ipynb`` files are what
Colab opens. Both are committed, without outputs.

``run`` never waits forever: a cell may run for :data:`CELL_TIMEOUTS` seconds (by profile;
``--timeout`` overrides it), a chapter that fails, times out or loses its kernel is one
line naming the chapter and the cell, the next chapter runs, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "outputs" / "notebooks"
KERNEL_NAME = "course-python"

#: Seconds one cell may run, by profile, before the chapter stops with the cell named.
#: About 5x the slowest cell measured (cpu: chapter 7's training, about 2.5 minutes).
CELL_TIMEOUTS = {"quick": 300, "cpu": 900, "full": 1800}
#: Seconds a kernel may take to start and answer.
STARTUP_TIMEOUT = 120


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
        newer = ipynb.exists() and ipynb.stat().st_mtime > script.stat().st_mtime
        source = ipynb if newer else script
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
    folder = ROOT / "outputs" / ".jupyter"
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "course", "language": "python"})
    )
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(folder)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    )
    return KERNEL_NAME


def ipc_kernel_manager(folder: str | os.PathLike, *, manager_class=None, **kwargs):
    """A Jupyter kernel manager whose kernel talks over Unix sockets in ``folder``.

    Jupyter's default transport is TCP on 127.0.0.1, with five ports that the client
    picks by binding port 0 and closing the socket again; the kernel binds them a
    moment later. Another process may take such a port in between (another kernel, a
    test run: jupyter_client issue 487), and the kernel then dies at start-up. Unix
    sockets have no such window: their names are files in a folder that only this run
    uses. (This was the first suspect for chapter 3's hang, but not its cause: see
    :func:`_repoll_shell`.) ``folder`` must be short (a socket path has at most about
    100 characters): use ``tempfile.mkdtemp()``. Windows keeps TCP.
    """
    if manager_class is None:
        from jupyter_client.manager import AsyncKernelManager as manager_class
    folder = Path(folder)
    if sys.platform == "win32":  # ZeroMQ has no Unix sockets there: TCP as usual
        return manager_class(connection_file=str(folder / "kernel.json"), **kwargs)
    return manager_class(
        transport="ipc",
        ip=str(folder / "kernel"),
        connection_file=str(folder / "kernel.json"),
        **kwargs,
    )


def _repoll_shell(channel, step: float = 1.0) -> None:
    """Make ``channel.get_msg`` look at its socket again every ``step`` seconds.

    Why chapter 3 hung: jupyter_client sends on a kernel client's shell socket through a
    plain ZeroMQ socket that shadows the asyncio one (``Session.send``). A send makes
    ZeroMQ process the socket's pending events, which clears the edge-triggered
    "readable" signal that the asyncio socket waits for. If the kernel's reply arrives
    just then, nothing ever wakes the waiting ``get_msg``: the reply sits unread in the
    socket, the kernel is idle, and nbclient waits for the whole cell timeout. nbclient
    sends on the shell socket while it waits for a reply in one place: the Output widget
    it emulates answers each output with a ``comm_msg``, and ``ipywidgets.interact``
    (chapter 3's slider) uses an Output widget. It lost the race in 6 of 20 runs here.

    Waiting in steps re-arms the wait: each new poll first checks the socket's events,
    so a stranded reply is read within ``step`` seconds.
    """
    from queue import Empty

    wait = channel.get_msg

    async def get_msg(timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = step if deadline is None else max(0.0, min(step, deadline - time.monotonic()))
            try:
                return await wait(timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg


def _client_class():
    """nbclient's NotebookClient, with the shell channel's waits made safe (above)."""
    from nbclient import NotebookClient

    class Client(NotebookClient):
        async def async_start_new_kernel_client(self):
            client = await super().async_start_new_kernel_client()
            _repoll_shell(client.shell_channel)
            return client

    return Client


def cell_timeout(profile: str | None = None) -> int:
    """Seconds one cell may run in ``profile`` (default: ``$COURSE_PROFILE``).

    Without a profile the kernel picks ``full`` or ``cpu`` by GPU; the runner does not
    import TensorFlow to find out and allows the larger of the two.
    """
    from helpers import config

    name = profile if profile is not None else os.environ.get(config.PROFILE_ENV, "").strip()
    if not name:
        return max(CELL_TIMEOUTS["cpu"], CELL_TIMEOUTS["full"])
    return CELL_TIMEOUTS[config.profile_name(name)]


#: nbclient and jupyter_client log a timeout or a dead kernel as several lines of their
#: own; the runner says it in one (Outcome.line).
_QUIET = logging.getLogger("course.notebooks")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass
class Outcome:
    """How one chapter ended: ``status`` is ``ok``, ``failed``, ``timeout`` or ``died``."""

    name: str
    status: str
    seconds: float
    detail: str = ""

    def line(self) -> str:
        text = f"{self.name:<28} {self.seconds:7.1f} s  {self.status}"
        return f"{text}: {self.detail}" if self.detail else text


def _cell_label(notebook, index: int | None) -> str:
    """'code cell 7 (`first line ...`)', counting code cells as Jupyter numbers them."""
    if index is None:
        return "kernel start-up"
    number = sum(c.cell_type == "code" for c in notebook.cells[: index + 1])
    first = next((ln.strip() for ln in notebook.cells[index].source.splitlines() if ln.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"code cell {number} (`{first}`)"


def execute(
    path: Path,
    *,
    timeout: int,
    startup_timeout: int = STARTUP_TIMEOUT,
    out_dir: Path | None = None,
    kernel: str | None = None,
) -> Outcome:
    """Run one notebook top to bottom in a fresh kernel; never raises for the notebook's
    own problems (a failing cell, a cell past ``timeout`` seconds, a kernel that dies).

    The executed copy goes to ``out_dir/<name>.ipynb`` and the kernel's own messages
    (TensorFlow's start-up notes, Jupyter's) to ``out_dir/<name>.log``.
    """
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    out_dir = Path(out_dir or EXECUTED)
    out_dir.mkdir(parents=True, exist_ok=True)
    kernel = kernel or _this_python_kernel()
    notebook = nbformat.read(path, as_version=4)
    current: dict[str, int | None] = {"cell": None}

    def on_cell_start(cell, cell_index, **_):
        current["cell"] = cell_index

    start = time.perf_counter()
    sockets = tempfile.mkdtemp(prefix="course-kernel-")
    client = _client_class()(
        notebook,
        km=ipc_kernel_manager(sockets, kernel_name=kernel, log=_QUIET),
        timeout=timeout,
        startup_timeout=startup_timeout,
        shutdown_kernel="immediate",
        log=_QUIET,
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_start=on_cell_start,
    )
    status, detail = "ok", ""
    log = out_dir / f"{path.stem}.log"
    try:
        with open(log, "w") as stream:
            client.execute(cleanup_kc=True, stdout=stream, stderr=stream)
    except Exception as error:
        if getattr(client, "_async_cleanup_kernel_future", None) is not None:
            # Ctrl-C or SIGTERM: nbclient caught the signal and stopped the kernel.
            raise KeyboardInterrupt from None
        where = _cell_label(notebook, current["cell"])
        if isinstance(error, CellTimeoutError):
            status = "timeout"
            detail = f"{where} ran past {timeout} s and was stopped (--timeout SECONDS)"
        elif isinstance(error, DeadKernelError):
            status = "died"
            detail = f"the kernel died in {where} (out of memory?); see {_shown(log)}"
        elif isinstance(error, CellExecutionError):
            status = "failed"
            detail = f"{where}: " + (str(error).strip().splitlines() or ["?"])[-1][:160]
        else:  # the kernel did not start or answer (RuntimeError), or nbclient broke
            status = "died"
            reason = " ".join(str(error).split())[:120] or type(error).__name__
            detail = f"the kernel stopped answering in {where} ({reason}); see {_shown(log)}"
    finally:
        # nbclient registers a clean-up at exit that fails (AssertionError) once it has
        # already cleaned up after a dead kernel: the clean-up has been done here.
        atexit.unregister(client._cleanup_kernel)
        shutil.rmtree(sockets, ignore_errors=True)
    nbformat.write(notebook, out_dir / path.name)
    return Outcome(path.stem, status, time.perf_counter() - start, detail)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def run(timeout: int | None = None, only: list[str] | None = None) -> int:
    """Execute every chapter (or those whose name starts with one of ``only``) in order,
    each in a fresh kernel; one line per chapter. A chapter that fails, runs past the
    per-cell timeout or loses its kernel is reported and the next one runs; the exit
    status is then 1."""
    if timeout is None:
        try:
            timeout = cell_timeout()
        except ValueError as error:  # helpers.errors.ConfigError: an unknown profile
            print(f"error: {error}", file=sys.stderr)
            return 2
    chosen = [p for p in chapter_notebooks() if not only or p.stem.startswith(tuple(only))]
    if not chosen:
        print(f"error: no chapter starts with {' or '.join(only or [])}.", file=sys.stderr)
        return 2
    outcomes = []
    for path in chosen:
        try:
            outcomes.append(execute(path, timeout=timeout))
        except KeyboardInterrupt:
            print(f"{path.stem}: interrupted; the chapters after it did not run.")
            return 130
        print(outcomes[-1].line(), flush=True)
    print(f"Executed notebooks are in {_shown(EXECUTED)}/.")
    bad = [o.name for o in outcomes if o.status != "ok"]
    if bad:
        print(f"{len(bad)} of {len(outcomes)} chapters did not finish: {', '.join(bad)}.")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["sync", "check", "run"])
    parser.add_argument(
        "chapters", nargs="*", help="sync, run: only chapters starting with these names"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        help="seconds one cell may run (run; default by profile: "
        + ", ".join(f"{k} {v}" for k, v in CELL_TIMEOUTS.items())
        + ")",
    )
    args = parser.parse_args(argv)
    if args.action == "sync":
        return sync(args.chapters)
    if args.action == "check":
        return check()
    return run(args.timeout, args.chapters)


if __name__ == "__main__":
    sys.exit(main())
