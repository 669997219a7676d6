"""Safe file writing: atomic, and never over an existing file unless asked.

Every module that writes (masks, datasets, predictions, CSVs) goes through here, so
an interrupted run leaves either the old file or the new one, never half a file, and
nothing already on disk is replaced without ``overwrite=True``.

Example
-------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = write_bytes(folder / "a.txt", b"hello")
>>> (folder / "a.txt").read_bytes()
b'hello'
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np

from helpers.errors import FileExistsRefusedError, PixelTypeError

__all__ = ["check_writable", "png_bytes", "write_bytes", "write_png", "write_text"]


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def check_writable(path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """The path as a ``Path``; raises :class:`FileExistsRefusedError` if it exists and
    ``overwrite`` is false.

    Raises
    ------
    FileExistsRefusedError
        When ``path`` exists and ``overwrite`` is false.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsRefusedError(
            f"{path} already exists and was left as it is. "
            "Pass overwrite=True (or --overwrite on the command line) to replace it, "
            "or choose another output folder."
        )
    return path


def write_bytes(path: str | os.PathLike, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename).

    Parent folders are created. Returns the path written.
    """
    path = check_writable(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike, text: str, *, overwrite: bool = False) -> Path:
    """:func:`write_bytes` for UTF-8 text."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def png_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 (H, W), (H, W, 3) or (H, W, 4) array, or a uint16 (H, W) array, as PNG.

    The encoding is deterministic for a given Pillow build: the same array gives the
    same bytes.

    Raises
    ------
    PixelTypeError
        For pixels that are not uint8 or uint16 (the message says how to convert).
    """
    from PIL import Image

    array = np.asarray(array)
    if array.dtype not in (np.uint8, np.uint16):
        raise PixelTypeError(
            f"PNG needs uint8 or uint16 pixels, got {array.dtype}. Scale float values to "
            "0..255 and convert with .astype(np.uint8) (or to 0..65535 and np.uint16)."
        )
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def write_png(path: str | os.PathLike, array: np.ndarray, *, overwrite: bool = False) -> Path:
    """Write an image array as PNG, atomically (see :func:`png_bytes`, :func:`write_bytes`)."""
    return write_bytes(path, png_bytes(array), overwrite=overwrite)
