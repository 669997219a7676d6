"""scripts/notebooks.py run: chapters never hang, and every way a chapter can end is one line.

``make course`` once sat forever in chapter 3 (in 6 of 20 runs here): the kernel idle, the
runner waiting for a reply that had arrived but that nothing read. nbclient answers the
Output widget of ``ipywidgets.interact`` with a message on the shell socket while it waits
on that socket; jupyter_client sends it through a plain socket shadowing the asyncio one,
and a reply arriving just then no longer wakes the wait (``_repoll_shell`` in the runner
explains and fixes it). The runner also stops a cell after a limit sized to the profile,
and its kernels talk over Unix sockets (no TCP ports to race for). The stress test runs
chapter 3 through the runner's own ``execute`` many times, several at once as on a busy
CI machine; each run has its own timeout, so a hang fails the test instead of blocking it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebook_runner", ROOT / "scripts" / "notebooks.py")
runner = importlib.util.module_from_spec(_spec)
sys.modules["notebook_runner"] = runner  # dataclasses look their module up
_spec.loader.exec_module(runner)

CH03 = ROOT / "notebooks" / "ch03_environment_setup.ipynb"
#: How many times the stress test runs chapter 3 (COURSE_RUNNER_RUNS to change it). The
#: hang met 6 of 20 runs before the fix: 9 runs miss it with a chance of 0.7**9, 4 %; the
#: mechanism itself is tested without a kernel (the first test). 30 runs took 180 s.
RUNS = int(os.environ.get("COURSE_RUNNER_RUNS", "9"))
AT_ONCE = 3


@pytest.fixture
def quick(monkeypatch):
    """The quick profile in this process and in the kernels it starts."""
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")


def test_a_reply_that_arrives_while_the_client_sends_is_read(tmp_path):
    """The mechanism of the hang, without a kernel: a reply reaches the client's socket,
    then the client sends (as nbclient's Output widget does) before its event loop looks
    again. Unpatched, the reply waits for the poll's whole timeout (the cell timeout in
    nbclient: an hour before); with ``_repoll_shell`` it is read at the next step."""
    import asyncio
    from queue import Empty

    import zmq
    import zmq.asyncio
    from jupyter_client.channels import AsyncZMQSocketChannel
    from jupyter_client.session import Session

    async def reply_seconds(patched: bool) -> float:
        address = f"ipc://{tmp_path}/shell-{patched}"
        kernel = zmq.Context.instance().socket(zmq.ROUTER)
        kernel.bind(address)
        socket = zmq.asyncio.Context.instance().socket(zmq.DEALER)
        socket.connect(address)
        session = Session()
        channel = AsyncZMQSocketChannel(socket, session)
        if patched:
            runner._repoll_shell(channel, step=0.2)
        try:
            channel.send(session.msg("execute_request"))
            request = kernel.recv_multipart()
            waiting = asyncio.ensure_future(channel.get_msg(timeout=4))
            await asyncio.sleep(0.05)  # the client now waits for the reply
            kernel.send_multipart(request)  # the reply arrives ...
            time.sleep(0.05)  # ... while the event loop is busy elsewhere,
            channel.send(session.msg("comm_msg"))  # and the client sends a message
            start = time.perf_counter()
            try:
                await waiting
            except Empty:
                return float("inf")
            return time.perf_counter() - start
        finally:
            socket.close(0)
            kernel.close(0)

    patched = asyncio.run(reply_seconds(True))
    unpatched = asyncio.run(reply_seconds(False))
    print(f"reply read after {patched:.2f} s with _repoll_shell, {unpatched:.2f} s without")
    assert patched < 1.0


def _notebook(tmp_path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path = tmp_path / "chXX_test.ipynb"
    nbformat.write(notebook, path)
    return path


def test_chapter_3_runs_many_times_without_a_hang(quick, tmp_path):
    kernel = runner._this_python_kernel()

    def once(index: int):
        return runner.execute(
            CH03,
            timeout=120,
            startup_timeout=90,
            kernel=kernel,
            out_dir=tmp_path / f"run{index:02d}",
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(AT_ONCE) as pool:
        outcomes = list(pool.map(once, range(RUNS)))
    seconds = time.perf_counter() - start
    bad = [f"run {i}: {o.line()}" for i, o in enumerate(outcomes) if o.status != "ok"]
    assert not bad, "\n".join(bad)
    slowest = max(o.seconds for o in outcomes)
    print(f"{RUNS} runs of chapter 3, {AT_ONCE} at once: {seconds:.0f} s, slowest {slowest:.1f} s")
    executed = nbformat.read(tmp_path / "run00" / CH03.name, as_version=4)
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")


def test_a_cell_past_the_timeout_is_named_and_the_kernel_stopped(quick, tmp_path):
    path = _notebook(tmp_path, "x = 1", "import time\ntime.sleep(60)", "y = 2")
    start = time.perf_counter()
    outcome = runner.execute(path, timeout=3, out_dir=tmp_path / "out")
    assert time.perf_counter() - start < 45
    assert outcome.status == "timeout"
    assert "code cell 2 (`import time`) ran past 3 s" in outcome.line()
    assert len(outcome.line().splitlines()) == 1


def test_a_kernel_that_dies_is_one_line_naming_the_cell(quick, tmp_path):
    path = _notebook(tmp_path, "x = 1", "import os\nos._exit(1)", "y = 2")
    outcome = runner.execute(path, timeout=60, out_dir=tmp_path / "out")
    assert outcome.status == "died"
    line = outcome.line()
    assert "chXX_test" in line and "the kernel died in code cell 2 (`import os`)" in line
    assert len(line.splitlines()) == 1


def test_a_failing_cell_is_named_and_the_run_goes_on_and_exits_1(
    quick, tmp_path, monkeypatch, capsys
):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, sources in [
        ("ch01_a", ["import os\nos._exit(1)"]),
        ("ch02_b", ["1 / 0"]),
        ("ch03_c", ["print('fine')"]),
    ]:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(s) for s in sources]
        nbformat.write(notebook, folder / f"{name}.ipynb")
    monkeypatch.setattr(runner, "NOTEBOOKS", folder)
    monkeypatch.setattr(runner, "EXECUTED", tmp_path / "executed")
    assert runner.run(timeout=60) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "ch01_a" in lines[0] and "died" in lines[0]
    assert "ch02_b" in lines[1] and "failed" in lines[1] and "ZeroDivisionError" in lines[1]
    assert "ch03_c" in lines[2] and lines[2].rstrip().endswith("ok")
    assert "2 of 3 chapters did not finish: ch01_a, ch02_b." in out
    assert (tmp_path / "executed" / "ch03_c.ipynb").exists()


def test_cell_timeout_follows_the_profile(monkeypatch):
    assert runner.cell_timeout("quick") < runner.cell_timeout("cpu") <= runner.cell_timeout("full")
    assert runner.cell_timeout("quick") <= 600  # minutes, not an hour
    monkeypatch.setenv("COURSE_PROFILE", "bogus")
    assert runner.run(None, ["ch03"]) == 2
