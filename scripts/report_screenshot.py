"""A screenshot of a quality report (``python -m helpers report``), for the README.

Opens the report in headless Chromium (``scripts/chromium.py``), checks that the page
logged no error, and saves the top of the page (or the whole page with ``--height 0``)
as a PNG::

    python scripts/report_screenshot.py outputs/ch12/cpu/report.html \\
        notebooks/figures/report_screenshot.png --height 2400

Needs Chromium and its driver and the Python package ``selenium`` (see
``scripts/chromium.py``).
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path

from chromium import headless_chromium


def screenshot(page: Path, out: Path, *, width: int = 1200, height: int = 2400) -> Path:
    """Save the top ``height`` CSS pixels of ``page`` (0: all of it) as ``out``, 1:1."""
    driver = headless_chromium(width=width, height=900, device_scale_factor=1)
    try:
        driver.get(page.resolve().as_uri())
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        if errors:
            raise SystemExit(f"{page}: the browser logged errors: {errors}")
        total = int(driver.execute_script("return document.body.scrollHeight"))
        clip = {"x": 0, "y": 0, "width": width, "height": min(height or total, total), "scale": 1}
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
    finally:
        driver.quit()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(shot["data"]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="the report's HTML file")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--width", type=int, default=1200, help="CSS pixels (default 1200)")
    parser.add_argument(
        "--height", type=int, default=2400, help="CSS pixels from the top (0: the whole page)"
    )
    args = parser.parse_args(argv)
    written = screenshot(args.report, args.out, width=args.width, height=args.height)
    print(f"Screenshot of {args.report} in {written}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
