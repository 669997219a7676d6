"""Reading VIA's CSV export ('Annotation > Export Annotations (as csv)').

VIA writes one row per region, with the region's JSON inside CSV cells::

    filename,file_size,file_attributes,region_count,region_id,region_shape_attributes,...
    a.png,1234,"{}",2,0,"{""name"":""rect"",""x"":1,""y"":2,...}","{""class"":""cell""}"
    a.png,1234,"{}",2,1,"{""name"":""circle"",""cx"":9,""cy"":9,""r"":2}","{""class"":""dust""}"
    b.png,5678,"{}",0,0,"{}","{}"

(the header ends with ``region_attributes``; the ``...`` are cut here to fit the page)

- the header starts with ``#filename`` in VIA 1.x and ``filename`` in VIA 2.x;
- the JSON cells are quoted, with each ``"`` doubled (standard CSV quoting);
- an image with no region still has one row: ``region_count`` 0 and ``"{}"``;
- ``region_id`` is the region's position in VIA's list (what VIA shows and what the
  quality report calls "region 2").

:func:`read_via_csv` turns such a file into the same :class:`~helpers.via.ViaProject`
that :func:`~helpers.via.load_via` makes of the JSON export of the same annotations,
so masks, quality report and classes come out identical. :func:`~helpers.via.load_via`
calls it for a file that looks like CSV; there is no need to call it directly.

A file that has been changed after VIA wrote it (rows lost, cells cut, re-saved by a
spreadsheet with another separator) stops with a :class:`~helpers.errors.ViaFormatError`
that names the line: a mask made from it could silently miss regions.

Example
-------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "v.csv").write_text(
...     'filename,file_size,file_attributes,region_count,region_id,region_shape_attributes,'
...     'region_attributes\\n'
...     'a.png,10,"{}",1,0,"{""name"":""rect"",""x"":1,""y"":2,""width"":3,""height"":4}","{}"\\n'
...     'b.png,20,"{}",0,0,"{}","{}"\\n')
>>> project = read_via_csv(folder / "v.csv")
>>> project.variant, [(i.filename, len(i.regions)) for i in project.images]
('VIA 2.x CSV export', [('a.png', 1), ('b.png', 0)])
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from helpers.errors import ViaEmptyError, ViaFormatError, ViaNotFoundError

from ._records import ViaImage, ViaProject, ViaRegion, read_size

#: The columns of VIA's CSV export, in VIA's order.
CSV_COLUMNS = (
    "filename",
    "file_size",
    "file_attributes",
    "region_count",
    "region_id",
    "region_shape_attributes",
    "region_attributes",
)

#: Said when a file was changed after VIA wrote it.
_AGAIN = (
    "Export the annotations again from VIA ('Annotation > Export Annotations (as json)', "
    "or '(as csv)') and pass that file unchanged: opening and saving a CSV in a "
    "spreadsheet can change it."
)

_SEPARATORS = (",", ";", "\t")


def _clean(names: list[str]) -> list[str]:
    """Column names without VIA 1.x's leading ``#``, spaces and letter case."""
    names = [name.strip().lower() for name in names]
    if names:
        names[0] = names[0].lstrip("\ufeff#").strip()
    return names


def _header_names(line: str, separator: str) -> list[str]:
    return _clean(next(csv.reader([line], delimiter=separator), []))


def looks_like_via_csv(text: str) -> bool:
    """Whether ``text`` starts like VIA's CSV export (a header starting ``filename,file_size``)."""
    first = text.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    return any(_header_names(first, sep)[:2] == ["filename", "file_size"] for sep in _SEPARATORS)


def _separator(path: Path, first_line: str) -> str:
    for separator in _SEPARATORS:
        if set(CSV_COLUMNS) <= set(_header_names(first_line, separator)):
            return separator
    shown = first_line.strip()[:120]
    raise ViaFormatError(
        f"{path} is a CSV file but not VIA's CSV export: its first line is {shown!r}, while "
        f"VIA's names the columns {','.join(CSV_COLUMNS)}. {_AGAIN}"
    )


def _json_cell(path: Path, line: int, column: str, text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise ViaFormatError(
            f"{path}, line {line}: the {column} cell is not valid JSON ({error.msg}): "
            f"{text[:80]!r}. {_AGAIN}"
        ) from None


def _whole_number(path: Path, line: int, column: str, text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0 or value != int(value):
        raise ViaFormatError(
            f"{path}, line {line}: {column} is {text!r}, not a whole number. {_AGAIN}"
        )
    return int(value)


def read_via_csv(path: str | os.PathLike, text: str | None = None) -> ViaProject:
    """Read VIA's CSV export (VIA 1.x or 2.x) as a :class:`~helpers.via.ViaProject`.

    Parameters
    ----------
    path : str or path-like
        The ``.csv`` file VIA wrote.
    text : str, optional
        The file's text, when it has been read already (as :func:`load_via` does).

    Returns
    -------
    ViaProject
        ``variant`` is ``"VIA 1.x CSV export"`` or ``"VIA 2.x CSV export"``; images in
        the order of their first row, regions in ``region_id`` order with
        ``index = region_id``; exactly what the JSON export of the same annotations gives.

    Raises
    ------
    ViaNotFoundError
        The file does not exist.
    ViaFormatError
        The header is not VIA's, or a row has been changed after VIA wrote it: a wrong
        number of cells, a cell that is not JSON, a ``region_count`` that does not match
        the rows of its image. The message names the line.
    ViaEmptyError
        The file lists no images.
    """
    path = Path(path)
    if text is None:
        if not path.is_file():
            raise ViaNotFoundError(
                f"VIA file {path} does not exist (or is a folder). Check the path, "
                "and that the file was exported from VIA."
            )
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    text = text.lstrip("\ufeff")
    first_line = text.lstrip(" \t\r\n").split("\n", 1)[0]
    separator = _separator(path, first_line)
    version = "1.x" if first_line.lstrip().startswith("#") else "2.x"

    reader = csv.reader(io.StringIO(text.lstrip(" \t\r\n"), newline=""), delimiter=separator)
    header = _clean(next(reader))
    where = {name: header.index(name) for name in CSV_COLUMNS}

    # Rows grouped by image (VIA's key is filename + size), in the order they come.
    records: dict[tuple[str, str], dict] = {}
    while True:
        line = reader.line_num + 1  # where the row starts (a quoted cell may span lines)
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            message = f"{path}, line {line}: not readable as CSV ({error}). {_AGAIN}"
            raise ViaFormatError(message) from None
        if not any(cell.strip() for cell in row):
            continue  # a blank line (a trailing newline, or one a spreadsheet added)
        if len(row) != len(header):
            raise ViaFormatError(
                f"{path}, line {line}: {len(row)} cells where the header has {len(header)}. "
                f"{_AGAIN}"
            )
        cell = {name: row[index] for name, index in where.items()}
        filename, size = cell["filename"], cell["file_size"].strip()
        count = _whole_number(path, line, "region_count", cell["region_count"])
        region_id = _whole_number(path, line, "region_id", cell["region_id"])
        record = records.setdefault(
            (filename, size),
            {
                "filename": filename,
                "size": size,
                "line": line,
                "count": count,
                "regions": {},
                "file_attributes": _json_cell(
                    path, line, "file_attributes", cell["file_attributes"]
                ),
            },
        )
        if count != record["count"]:
            raise ViaFormatError(
                f"{path}, line {line}: {filename!r} has region_count {count} here but "
                f"{record['count']} on line {record['line']}. {_AGAIN}"
            )
        shape = _json_cell(path, line, "region_shape_attributes", cell["region_shape_attributes"])
        attributes = _json_cell(path, line, "region_attributes", cell["region_attributes"])
        if count == 0:  # VIA's row for an image with no region: 0,0,"{}","{}"
            if shape or attributes:
                raise ViaFormatError(
                    f"{path}, line {line}: {filename!r} has region_count 0 but a region on "
                    f"this row. {_AGAIN}"
                )
            continue
        if region_id >= count or region_id in record["regions"]:
            problem = (
                f"region_id {region_id} is listed twice"
                if region_id < count
                else f"region_id {region_id} is not below its region_count {count}"
            )
            raise ViaFormatError(f"{path}, line {line}: for {filename!r}, {problem}. {_AGAIN}")
        record["regions"][region_id] = {"shape_attributes": shape, "region_attributes": attributes}

    if not records:
        raise ViaEmptyError(
            f"{path} is a VIA CSV export with no images in it. In VIA, add your images "
            "('Add Files'), draw regions on them, then export the annotations again."
        )
    images = []
    for record in records.values():
        found = record["regions"]
        if len(found) != record["count"]:
            missing = sorted(set(range(record["count"])) - set(found))
            raise ViaFormatError(
                f"{path}: {record['filename']!r} (line {record['line']}) has region_count "
                f"{record['count']} but no row for region(s) {missing}: the file is "
                f"incomplete. {_AGAIN}"
            )
        attributes = record["file_attributes"]
        images.append(
            ViaImage(
                filename=record["filename"],
                key=record["filename"] + record["size"],
                size=read_size(record["size"]),
                regions=[ViaRegion.from_dict(found[i], i) for i in range(record["count"])],
                file_attributes=attributes if isinstance(attributes, dict) else {},
            )
        )
    return ViaProject(path, f"VIA {version} CSV export", images)
