"""pytest set-up for the whole repository: nbval's kernels talk over Unix sockets.

``make test`` executes every notebook with nbval, which starts each kernel the way
Jupyter does by default: TCP on 127.0.0.1, with five ports that the test process picks
and frees again a moment before the kernel takes them, so another process on a busy
machine can take one first and the kernel dies at start-up (jupyter_client issue 487).
Unix sockets in a private folder have no such window; ``scripts/notebooks.py`` (``make
course``) starts its kernels the same way (``ipc_kernel_manager`` there). Windows has no
Unix sockets for ZeroMQ: TCP stays there. Every nbval kernel starts without the tests'
``MPLBACKEND=Agg`` (``_kernel_env``), so that its figures are drawn inline.

(The hang that ``make course`` met in chapter 3 was another matter, an asyncio wait in
nbclient that a widget's message could strand; nbval's blocking client does not have
it. See ``_repoll_shell`` in scripts/notebooks.py.)

``--keep-executed DIR`` writes each notebook as nbval ran it, outputs included, to
``DIR/<name>.ipynb``: ``make test`` builds the course site from those copies, so every
chapter is executed once, not once for the site and once more for the tests.

With pytest-xdist (``make test`` runs ``-n 2 --dist loadfile``) each file goes whole to
one worker (its module fixtures set up once, a notebook in one kernel), and the chapters
that use chapter 6's split or chapter 7's trained model go, in order, to the same worker
(``pytest_xdist_make_scheduler`` below; xdist's ``loadgroup`` marks would say the same,
but pytest 9.2 no longer lets xdist rename node ids, so they are ignored: xdist issue 1386).
The longest files are handed out first (:data:`SLOW_FIRST`).
"""

from __future__ import annotations

import os

# As ``import helpers`` and the CLI do, before any test module imports TensorFlow: its C++
# notes (and the tracebacks it logs for errors that reach Python anyway) stay off stderr,
# whichever test file happens to import TensorFlow first.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import shutil
import sys
import tempfile
from pathlib import Path

#: Chapters that read what an earlier chapter wrote to ``outputs/`` (chapter 6's split,
#: chapter 7's model through ``runs.chapter7_model``): one worker runs them in this order.
CHAINED_CHAPTERS = ("ch06_", "ch07_", "ch08_", "ch11_", "ch12_")

#: The files that take longest in ``make test``, longest first (seconds on the 2-core
#: machine, both workers busy, 2026-12-02, before the quick profile ran its steps eagerly:
#: the chained chapters 336, then 123, 86, 82, 70, 62, 57, 49, 49, 40, 37). The workers
#: are handed these first and the many short files after them, so that neither is left
#: alone with a long file at the end (xdist's own order, most tests first, sent the
#: two-test distributed file last: 93 s with one worker idle).
SLOW_FIRST = (
    "chained chapters",
    "tests/test_export.py",
    "tests/test_training.py",
    "tests/test_cli_classes.py",
    "tests/test_distributed.py",
    "tests/test_notebook_runner.py",
    "tests/test_cli_model.py",
    "tests/test_inference.py",
    "tests/test_runs.py",
    "tests/test_mixed_precision.py",
    "tests/test_colab_setup_cell.py",
)


def _scope(nodeid: str) -> str:
    """What one worker runs whole: the file, or "chained chapters" for those notebooks."""
    path = nodeid.split("::", 1)[0]
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".ipynb") and name.startswith(CHAINED_CHAPTERS):
        return "chained chapters"
    return path


def _kernel_env() -> dict:
    """The environment of an nbval kernel: this process's, without ``MPLBACKEND``.

    ``tests/conftest.py`` sets ``MPLBACKEND=Agg`` for the tests; a kernel that inherited it
    would draw nothing on ``plt.show()``, and the executed copies (the course site) would
    have no figures. Without it the kernel draws inline, as in Jupyter.
    """
    return {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}


def _course_manager(base, *, ipc: bool):
    class CourseKernelManager(base):
        """``base`` that starts its kernel with :func:`_kernel_env` and, with ``ipc``,
        whose kernel's sockets are files in a folder of its own."""

        def __init__(self, **kwargs):
            self._socket_folder = None
            if ipc:
                folder = Path(tempfile.mkdtemp(prefix="course-kernel-"))
                kwargs.setdefault("transport", "ipc")
                kwargs.setdefault("ip", str(folder / "kernel"))
                kwargs.setdefault("connection_file", str(folder / "kernel.json"))
                self._socket_folder = folder
            super().__init__(**kwargs)

        def start_kernel(self, **kwargs):
            kwargs.setdefault("env", _kernel_env())
            return super().start_kernel(**kwargs)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            # shutdown_kernel calls this one (cleanup_resources is its sync wrapper)
            await super()._async_cleanup_resources(restart=restart)
            if not restart and self._socket_folder is not None:
                shutil.rmtree(self._socket_folder, ignore_errors=True)

    return CourseKernelManager


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("nbval"):
        return
    import nbval.kernel

    if not getattr(nbval.kernel.KernelManager, "_course", False):
        manager = _course_manager(nbval.kernel.KernelManager, ipc=sys.platform != "win32")
        manager._course = True
        nbval.kernel.KernelManager = manager


def pytest_addoption(parser):
    parser.addoption(
        "--keep-executed",
        metavar="DIR",
        help="write each notebook as nbval executed it (with its outputs) to DIR",
    )


def pytest_collection_modifyitems(config, items):
    """On an xdist worker: the :data:`SLOW_FIRST` files first, the rest in their order
    (every worker sorts alike, so their collections stay equal)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    rank = {scope: index for index, scope in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(_scope(item.nodeid), len(rank)))  # stable


def pytest_runtest_teardown(item, nextitem):
    """After each nbval cell: put its outputs into the notebook; after the last, write it."""
    folder = item.config.getoption("--keep-executed", default=None)
    outputs = getattr(item, "test_outputs", None)
    notebook = getattr(item.parent, "nb", None)
    if not folder or notebook is None or not hasattr(item, "cell"):
        return
    count = item.cell_num + 1  # nbval numbers every code cell from 0, skipped ones too
    item.cell.outputs = list(outputs or [])
    item.cell.execution_count = count
    for output in item.cell.outputs:
        if output.get("output_type") == "execute_result":
            output["execution_count"] = count
    if nextitem is None or nextitem.parent is not item.parent:
        import nbformat

        target = Path(folder) / Path(str(item.parent.path)).name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, str(target))


try:  # pytest-xdist (requirements-dev.txt); without it pytest would refuse its hook's name
    import xdist  # noqa: F401
except ImportError:
    pass
else:

    def pytest_xdist_make_scheduler(config, log):
        """With ``--dist loadfile``: a file to each worker, and the chained chapters to one,
        handed out in the order of the collection (:func:`pytest_collection_modifyitems`)."""
        if config.getvalue("dist") != "loadfile":
            return None
        from xdist.scheduler import LoadFileScheduling

        class ChainedChapters(LoadFileScheduling):
            def _split_scope(self, nodeid: str) -> str:
                return _scope(nodeid)

        config.option.loadscopereorder = False  # the collection's order: SLOW_FIRST first
        return ChainedChapters(config, log)
