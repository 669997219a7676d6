"""Headless Chromium for the tests that use a real browser (the VIA application, the site).

:func:`chrome` starts one, or skips the calling test with the reason. The browser is
started by ``scripts/chromium.py``, as ``scripts/via_screenshots.py`` starts it. Where
Chromium or its driver is missing and the tests run in CI as root on Debian, it installs
Debian's ``chromium`` and ``chromium-driver`` first (once per session, a few minutes at
most); set ``COURSE_INSTALL_BROWSER=0`` to never install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
if str(SCRIPTS) not in sys.path:  # the scripts are not a package: find chromium.py there
    sys.path.append(str(SCRIPTS))

from chromium import find_binaries, headless_chromium  # noqa: E402

_INSTALL_TRIED = {"done": False}


def _install() -> str:
    """Try to install Chromium from Debian's packages; returns why it could not, or ''."""
    if _INSTALL_TRIED["done"]:
        return "installing Chromium failed earlier in this run"
    _INSTALL_TRIED["done"] = True
    if os.environ.get("COURSE_INSTALL_BROWSER", "") == "0":
        return "COURSE_INSTALL_BROWSER=0"
    if not os.environ.get("CI") or not shutil.which("apt-get") or os.geteuid() != 0:
        return "install it with: apt-get install chromium chromium-driver (Debian)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"],
    ):
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=600, env=env)
        except (subprocess.SubprocessError, OSError) as error:
            return f"apt-get could not install it ({type(error).__name__})"
    return ""


def chrome(*, download_dir: Path | None = None, width: int = 1280, height: int = 900):
    """A headless Chromium WebDriver; skips the test when none can be had."""
    pytest.importorskip("selenium.webdriver", reason="the Python package selenium is not installed")
    browser, driver = find_binaries()
    if not (browser and driver):
        why = _install()
        browser, driver = find_binaries()
        if not (browser and driver):
            pytest.skip(f"no Chromium with chromedriver on this machine: {why}")
    return headless_chromium(width=width, height=height, download_dir=download_dir)
