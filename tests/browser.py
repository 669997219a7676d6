"""Headless Chromium for the tests that use a real browser (the VIA application, the site).

:func:`chrome` starts one, or skips the calling test with the reason. Where Chromium or its
driver is missing and the tests run in CI as root on Debian, it installs Debian's
``chromium`` and ``chromium-driver`` first (once per session, a few minutes at most); set
``COURSE_INSTALL_BROWSER=0`` to never install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

_INSTALL_TRIED = {"done": False}


def _binaries() -> tuple[str | None, str | None]:
    browser = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    return browser, shutil.which("chromedriver")


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
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="the Python package selenium is not installed"
    )
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    browser, driver = _binaries()
    if not (browser and driver):
        why = _install()
        browser, driver = _binaries()
        if not (browser and driver):
            pytest.skip(f"no Chromium with chromedriver on this machine: {why}")
    options = Options()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--allow-file-access-from-files",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    if download_dir is not None:
        download_dir.mkdir(parents=True, exist_ok=True)
        options.add_experimental_option(
            "prefs",
            {
                "download.default_directory": str(download_dir),
                "profile.default_content_setting_values.automatic_downloads": 1,
            },
        )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))
