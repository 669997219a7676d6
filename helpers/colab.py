"""Your own data on Google Colab: upload it, or read it from Google Drive, and keep the results.

A Colab runtime forgets everything when it ends. The chapters on your own data (10 and 11)
call these functions in a cell that acts only on Colab:

* :func:`upload_data` asks for files in the browser (a ``.zip`` of images and a VIA JSON or
  CSV, or the files themselves) and lays them out as an images folder plus a VIA file;
* :func:`mount_drive` connects Google Drive, so that a folder there can be read and a
  run folder written there survives the runtime;
* :func:`download_folder` zips a folder (a run's model and metrics) and downloads it.

Only :func:`unpack_uploads` does real work, and it runs anywhere (the tests call it
directly, and with a stand-in ``google.colab`` module).

Example
-------
>>> import io, tempfile, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as archive:
...     archive.writestr("scans/a.png", b"...png bytes...")
...     archive.writestr("scans/via.json", b"{}")
>>> data = unpack_uploads({"scans.zip": buffer.getvalue()}, tempfile.mkdtemp())
>>> sorted(p.name for p in data.images.iterdir()), data.via.name
(['a.png'], 'via.json')
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from helpers.errors import DataError
from helpers.files import write_bytes

__all__ = [
    "UploadedData",
    "download_folder",
    "in_colab",
    "mount_drive",
    "unpack_uploads",
    "upload_data",
]

#: Where uploads land on Colab, and where Google Drive is mounted.
UPLOAD_DIR = Path("/content/my_data")
DRIVE_MOUNT = Path("/content/drive")

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
_ANNOTATION_EXTENSIONS = (".json", ".csv")


@dataclass(frozen=True)
class UploadedData:
    """What the upload held: ``images`` (a folder), ``via`` (the VIA file, or ``None``)."""

    images: Path
    via: Path | None


def in_colab() -> bool:
    """Whether this runs in a Google Colab runtime."""
    return "google.colab" in sys.modules


def _kind(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _IMAGE_EXTENSIONS:
        return "image"
    if suffix in _ANNOTATION_EXTENSIONS:
        return "annotations"
    return "other"


def _members(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The files of one upload: the upload itself, or the files inside a zip."""
    if not name.lower().endswith(".zip"):
        return [(name, data)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
        return [
            (info.filename, archive.read(info))
            for info in entries
            # macOS adds __MACOSX/ and ._name copies: they are not the learner's files
            if not info.filename.startswith("__MACOSX/")
            and not PurePosixPath(info.filename).name.startswith("._")
        ]
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise DataError(
            f"{name} is not a readable zip file ({error}). Make the zip again (on most systems: "
            "right-click the folder, then Compress or Send to > Compressed folder) and upload it "
            "again."
        ) from None


def unpack_uploads(
    uploads: Mapping[str, bytes],
    dest: str | os.PathLike,
    *,
    require_via: bool = False,
    overwrite: bool = False,
) -> UploadedData:
    """Lay uploaded files out as ``dest/images/`` plus the VIA file in ``dest``.

    Parameters
    ----------
    uploads : mapping of str to bytes
        ``{file name: content}``, as ``google.colab.files.upload()`` returns it. Each is a
        ``.zip`` (its folders do not matter), an image or a VIA ``.json`` / ``.csv``.
    dest : path
        The folder to fill.
    require_via : bool
        An upload without a VIA file is an error (the chapters that convert annotations).
    overwrite : bool
        Replace files of the same name already there (an upload made again).

    Returns
    -------
    UploadedData
        ``images``: the folder of images; ``via``: the one annotation file, or ``None``.

    Raises
    ------
    DataError
        A zip that cannot be read, an upload with no image, two images of the same name,
        two annotation files (the message lists them), or no annotation file where
        ``require_via`` is true.
    FileExistsRefusedError
        A file of the same name is already there and ``overwrite`` is false.
    """
    dest = Path(dest)
    images, annotations, others = {}, {}, []
    for upload, data in uploads.items():
        for member, content in _members(upload, data):
            base = PurePosixPath(member.replace("\\", "/")).name  # never a path outside dest
            kind = _kind(base)
            where = f"{upload}:{member}" if member != upload else upload
            if kind == "image":
                if base in images:
                    raise DataError(
                        f"two images are called {base} ({images[base][0]} and {where}); "
                        "rename one, since masks are matched to images by name."
                    )
                images[base] = (where, content)
            elif kind == "annotations":
                annotations[base] = (where, content)
            else:
                others.append(where)
    if not images:
        found = ", ".join([where for where, _ in annotations.values()] + others) or "nothing"
        raise DataError(
            f"the upload holds no image ({', '.join(_IMAGE_EXTENSIONS)}); it holds: {found}. "
            "Upload a zip of your images folder and your VIA file."
        )
    if len(annotations) > 1:
        raise DataError(
            f"the upload holds {len(annotations)} annotation files "
            f"({', '.join(sorted(annotations))}); "
            "keep only the VIA export you want to use and upload again."
        )
    if require_via and not annotations:
        raise DataError(
            f"the upload holds {len(images)} images but no VIA file (.json or .csv): "
            "export your annotations from VIA (Annotation > Export Annotations (as json)) "
            "and upload them with the images."
        )
    if others:
        print(f"Left aside (neither an image nor a VIA file): {', '.join(others)}")
    for base, (_, content) in images.items():
        write_bytes(dest / "images" / base, content, overwrite=overwrite)
    via = None
    for base, (_, content) in annotations.items():
        via = write_bytes(dest / base, content, overwrite=overwrite)
    return UploadedData(images=dest / "images", via=via)


def upload_data(
    dest: str | os.PathLike = UPLOAD_DIR, *, require_via: bool = False, overwrite: bool = True
) -> UploadedData:
    """Ask for files in the browser (Colab only) and unpack them with :func:`unpack_uploads`.

    An upload made again replaces the files of the same name (``overwrite=False`` refuses).

    Raises
    ------
    DataError
        Outside Colab, or when the upload is not usable (see :func:`unpack_uploads`).
    """
    if not in_colab():
        raise DataError(
            "upload_data works in Google Colab only; locally, point the chapter at your folders."
        )
    from google.colab import files  # the Colab runtime's own module

    uploads = files.upload()
    if not uploads:
        raise DataError("nothing was uploaded: run the cell again and choose your zip or files.")
    return unpack_uploads(uploads, dest, require_via=require_via, overwrite=overwrite)


def mount_drive(folder: str = "unet-course") -> Path:
    """Mount Google Drive (Colab asks for permission) and return ``MyDrive/<folder>``, created.

    Write run folders there: they stay in your Drive after the runtime ends.

    Raises
    ------
    DataError
        Outside Colab.
    """
    if not in_colab():
        raise DataError(
            "mount_drive works in Google Colab only; locally, your files are already on disk."
        )
    from google.colab import drive

    drive.mount(str(DRIVE_MOUNT))
    path = DRIVE_MOUNT / "MyDrive" / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


def download_folder(folder: str | os.PathLike) -> Path:
    """Zip ``folder`` next to itself and send the zip to the browser (Colab only).

    Returns the zip's path (outside Colab it is made and not sent).
    """
    folder = Path(folder)
    archive = Path(shutil.make_archive(str(folder), "zip", root_dir=folder))
    if in_colab():
        from google.colab import files

        files.download(str(archive))
    return archive
