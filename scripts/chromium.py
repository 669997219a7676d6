"""Headless Chromium, started one way for the scripts and the tests that drive a browser.

``scripts/via_screenshots.py`` (chapter 10's screenshots of VIA) and ``tests/browser.py``
(the tests of the VIA application and of the site) both call :func:`headless_chromium`,
so the browser they see is the same: no sandbox, no GPU, files may read files (VIA loads
the images next to it), downloads land in a given folder without asking, and the
browser's console is kept for ``driver.get_log("browser")``.

Needs Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``) and
the Python package ``selenium``. Works offline.

Example (where Chromium is installed)::

    from chromium import headless_chromium
    driver = headless_chromium(width=1000, height=760, download_dir=Path("downloads"))
    try:
        driver.get(Path("page.html").resolve().as_uri())
    finally:
        driver.quit()
"""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["ARGUMENTS", "find_binaries", "headless_chromium"]

#: Command-line switches of every headless Chromium started here.
ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # root in a container (CI) has no sandbox to give
    "--disable-gpu",
    "--disable-dev-shm-usage",  # small /dev/shm in containers
    "--allow-file-access-from-files",  # a page opened from a file reads files next to it
)


def find_binaries() -> tuple[str | None, str | None]:
    """Paths of the browser (``chromium``, ``chromium-browser`` or ``google-chrome``) and
    of ``chromedriver`` on ``PATH``; ``None`` for each that is missing."""
    browser = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    return browser, shutil.which("chromedriver")


def headless_chromium(
    *,
    width: int = 1280,
    height: int = 900,
    download_dir: Path | None = None,
    device_scale_factor: float | None = None,
):
    """A headless Chromium WebDriver (selenium), with the options of the module docstring.

    Parameters
    ----------
    width, height : int
        Window size in CSS pixels (screenshots are this size).
    download_dir : Path, optional
        Folder (created if missing) where downloads are saved without a dialog.
    device_scale_factor : float, optional
        Device pixels per CSS pixel (``1`` makes screenshots the same size on every
        screen); default: Chromium's own.

    Returns
    -------
    selenium.webdriver.Chrome
        Call ``.quit()`` when done.

    Raises
    ------
    ImportError
        The Python package ``selenium`` is not installed.
    FileNotFoundError
        ``chromedriver`` is not on ``PATH``.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    browser, driver = find_binaries()
    if driver is None:
        raise FileNotFoundError(
            "chromedriver is not on PATH: install Chromium and its driver "
            "(Debian: apt-get install chromium chromium-driver)."
        )
    options = Options()
    if browser is not None:
        options.binary_location = browser
    for argument in (*ARGUMENTS, f"--window-size={width},{height}"):
        options.add_argument(argument)
    if device_scale_factor is not None:
        options.add_argument(f"--force-device-scale-factor={device_scale_factor:g}")
    if download_dir is not None:
        Path(download_dir).mkdir(parents=True, exist_ok=True)
        options.add_experimental_option(
            "prefs",
            {
                "download.default_directory": str(download_dir),
                "profile.default_content_setting_values.automatic_downloads": 1,
            },
        )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))
