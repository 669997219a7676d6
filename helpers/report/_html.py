"""The report's HTML: one self-contained page (inline CSS, a small inline script, figures as
base64 PNG), so that it opens from a USB stick with no network."""

from __future__ import annotations

import math
from html import escape

import pandas as pd

#: The sections of every report, by id, in order, with their headings.
SECTIONS = {
    "findings": "Findings",
    "run": "The run",
    "curves": "Learning curves",
    "pixels": "Pixel scores",
    "thresholds": "IoU and Dice against the threshold",
    "objects": "Object scores",
    "overlays": "Worst, median and best images",
}

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 1.5em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child, table.facts td, table.facts th { text-align: left; }
thead th { background: #f2f2f2; }
table.sortable thead th { cursor: pointer; }
table.sortable thead th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable thead th[aria-sort="descending"]::after { content: " \\25BC"; }
.scroll { max-height: 28em; overflow: auto; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
.note { color: #555; font-size: 0.92em; }
ul.findings li { margin: 0.3em 0; }
code { background: #f4f4f4; padding: 0 0.2em; }
.row { display: flex; flex-wrap: wrap; gap: 0 2em; align-items: flex-start; }
"""

_SCRIPT = """
(function () {
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (header, column) {
      header.title = "click to sort";
      header.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-value");
          var y = b.cells[column].getAttribute("data-value");
          var nx = parseFloat(x), ny = parseFloat(y);
          var order = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""


def value_text(value) -> tuple[str, str]:
    """(``data-value``, shown text) of a cell: full precision for sorting and checking,
    4 decimals to read; ``Infinity`` and ``NaN`` spelled as JavaScript reads them."""
    if isinstance(value, bool):
        return str(value), "yes" if value else "no"
    if isinstance(value, int):
        return str(value), str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN", "n/a"
        if math.isinf(value):
            return ("Infinity" if value > 0 else "-Infinity"), "inf"
        return repr(value), f"{value:.4f}"
    return str(value), str(value)


def paragraph(text: str, *, note: bool = False) -> str:
    """A paragraph of plain text (escaped)."""
    return f"<p{' class=note' if note else ''}>{escape(text)}</p>"


def figure(data: str, alt: str) -> str:
    """An ``<img>`` of a base64 PNG."""
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def side_by_side(*parts: str) -> str:
    """Pieces of HTML next to each other (wrapping on a narrow screen)."""
    return '<div class="row">' + "".join(f"<div>{part}</div>" for part in parts) + "</div>"


def facts_table(rows) -> str:
    """A two-column table of (what, value) pairs."""
    body = "".join(
        f"<tr><th>{escape(str(key))}</th><td>{escape(str(value))}</td></tr>" for key, value in rows
    )
    return f'<table class="facts">{body}</table>'


def frame_table(frame: pd.DataFrame, *, table_id: str = "", sortable: bool = False) -> str:
    """A DataFrame as a table: the index as the first column, numbers in ``data-value``."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in [frame.index.name or "", *frame.columns])
    rows = []
    for key, *values in frame.itertuples(name=None):  # each column keeps its dtype
        cells = [f'<th data-value="{escape(str(key))}">{escape(str(key))}</th>']
        for column, value in zip(frame.columns, values, strict=True):
            value = value.item() if hasattr(value, "item") else value
            data, shown = value_text(value)
            cells.append(
                f'<td data-column="{escape(str(column))}" data-value="{escape(data)}">'
                f"{escape(shown)}</td>"
            )
        rows.append(f'<tr data-key="{escape(str(key))}">{"".join(cells)}</tr>')
    classes = ' class="sortable"' if sortable else ""
    ident = f' id="{escape(table_id)}"' if table_id else ""
    body = "".join(rows)
    return f"<table{ident}{classes}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, subtitle: str, sections: dict[str, str]) -> str:
    """The whole page: every section of :data:`SECTIONS`, in order, with its content."""
    parts = [
        f'<section id="{key}"><h2>{escape(heading)}</h2>{sections[key]}</section>'
        for key, heading in SECTIONS.items()
    ]
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><p class=note>{escape(subtitle)}</p>"
        f"{''.join(parts)}<script>{_SCRIPT}</script></body></html>\n"
    )
