"""pytest set-up for the whole repository: nbval's kernels talk over Unix sockets.

``make test`` executes every notebook with nbval, which starts each kernel the way
Jupyter does by default: TCP on 127.0.0.1, with five ports that the test process picks
and frees again a moment before the kernel takes them, so another process on a busy
machine can take one first and the kernel dies at start-up (jupyter_client issue 487).
Unix sockets in a private folder have no such window; ``scripts/notebooks.py`` (``make
course``) starts its kernels the same way (``ipc_kernel_manager`` there). Windows has no
Unix sockets for ZeroMQ: TCP stays there.

(The hang that ``make course`` met in chapter 3 was another matter, an asyncio wait in
nbclient that a widget's message could strand; nbval's blocking client does not have
it. See ``_repoll_shell`` in scripts/notebooks.py.)
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


def _ipc_manager(base):
    class IpcKernelManager(base):
        """``base`` whose kernel's sockets are files in a folder of its own."""

        def __init__(self, **kwargs):
            folder = Path(tempfile.mkdtemp(prefix="course-kernel-"))
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(folder / "kernel"))
            kwargs.setdefault("connection_file", str(folder / "kernel.json"))
            super().__init__(**kwargs)
            self._socket_folder = folder

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            # shutdown_kernel calls this one (cleanup_resources is its sync wrapper)
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(self._socket_folder, ignore_errors=True)

    return IpcKernelManager


def pytest_configure(config):
    if sys.platform == "win32" or not config.pluginmanager.hasplugin("nbval"):
        return
    import nbval.kernel

    if not getattr(nbval.kernel.KernelManager, "_course_ipc", False):
        nbval.kernel.KernelManager = _ipc_manager(nbval.kernel.KernelManager)
        nbval.kernel.KernelManager._course_ipc = True
