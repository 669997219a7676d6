"""Finding images and masks in folders and pairing them by file stem."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from helpers.errors import DataError

#: File extensions read as images or masks; matched case-insensitively (``.PNG``, ``.Tif``).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")

#: What every function here takes as a file or folder: a ``str`` or any ``os.PathLike``
#: (a :class:`pathlib.Path`).
PathLike = str | os.PathLike


# --------------------------------------------------------------------------------------
# Finding and pairing files
# --------------------------------------------------------------------------------------


def _folder(folder: PathLike, what: str) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(
            f"The {what} folder {folder} does not exist (or is not a folder). "
            "Check the path, or create it and put the files there."
        )
    return folder


def list_images(folder: PathLike) -> list[Path]:
    """The image files in ``folder`` (not its sub-folders), sorted by stem.

    Files whose extension (any case) is in :data:`IMAGE_EXTENSIONS` count; hidden files
    (name starting with ``.``, such as macOS ``._cell.png``) and other files do not.

    Raises
    ------
    DataError
        When ``folder`` does not exist.
    """
    folder = _folder(folder, "image")
    found = [
        path
        for path in folder.iterdir()
        if not path.name.startswith(".")
        and path.suffix.lower() in IMAGE_EXTENSIONS
        and path.is_file()
    ]
    return sorted(found, key=lambda path: (path.stem, path.name))


def _shorten(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _by_stem(paths: list[Path], folder: Path, strip: str = "") -> dict[str, Path]:
    by_stem: dict[str, list[Path]] = {}
    for path in paths:
        stem = path.stem
        if strip and stem.endswith(strip):
            stem = stem[: -len(strip)]
        by_stem.setdefault(stem, []).append(path)
    doubles = {stem: found for stem, found in by_stem.items() if len(found) > 1}
    if doubles:
        listed = _shorten([" and ".join(p.name for p in found) for found in doubles.values()])
        raise DataError(
            f"{folder} holds several files for the same name: {listed}. "
            "Pairs are matched by the name without its extension, so keep one file per name "
            "(delete or rename the others)."
        )
    return {stem: found[0] for stem, found in by_stem.items()}


def pair_images_and_masks(
    image_dir: PathLike, mask_dir: PathLike, *, mask_suffix: str = ""
) -> list[tuple[Path, Path]]:
    """Image/mask pairs matched by file stem, sorted by stem.

    ``images/a.b.jpg`` pairs with ``masks/a.b.png``: only the name without its
    extension counts, never the position in a listing.

    Parameters
    ----------
    image_dir, mask_dir : str or path
        Folders of images and of masks.
    mask_suffix : str
        Extra ending of the mask names: with ``mask_suffix="_mask"``,
        ``images/a.png`` pairs with ``masks/a_mask.png``.

    Returns
    -------
    list of (Path, Path)
        ``(image_path, mask_path)`` in the order of the image stems.

    Raises
    ------
    DataError
        When a folder is missing or has no images, when an image has no mask or a mask no
        image (all of them are listed), or when one folder holds two files of the same
        stem (``a.png`` and ``a.jpg``).
    """
    image_dir, mask_dir = _folder(image_dir, "image"), _folder(mask_dir, "mask")
    images = _by_stem(list_images(image_dir), image_dir)
    masks = _by_stem(list_images(mask_dir), mask_dir, strip=mask_suffix)
    if not images:
        raise DataError(
            f"No images found in {image_dir} (looked for {', '.join(IMAGE_EXTENSIONS)} "
            "in any case). Check the folder."
        )
    no_mask = sorted(set(images) - set(masks))
    no_image = sorted(set(masks) - set(images))
    if no_mask or no_image:
        lines = [f"Images and masks do not pair up by file name ({image_dir} and {mask_dir})."]
        if no_mask:
            names = [images[stem].name for stem in no_mask]
            lines.append(f"{len(no_mask)} image(s) without a mask: {_shorten(names)}.")
        if no_image:
            names = [masks[stem].name for stem in no_image]
            lines.append(f"{len(no_image)} mask(s) without an image: {_shorten(names)}.")
        lines.append(_pairing_hint(list(images), [p.stem for p in list_images(mask_dir)]))
        raise DataError(" ".join(lines))
    return [(images[stem], masks[stem]) for stem in sorted(images)]


def _pairing_hint(image_stems: list[str], mask_stems: list[str]) -> str:
    """A guess at why names differ: a common mask ending, or upper/lower case."""
    for image_stem in image_stems:
        longer = [m for m in mask_stems if m.startswith(image_stem) and m != image_stem]
        if len(longer) == 1:
            suffix = longer[0][len(image_stem) :]
            if all(stem + suffix in mask_stems for stem in image_stems):
                return (
                    f"The masks seem to be named with the ending {suffix!r}: "
                    f"pass mask_suffix={suffix!r}."
                )
            break
    if {s.lower() for s in image_stems} == {s.lower() for s in mask_stems}:
        return "The names differ only in upper/lower case: rename the files so they match exactly."
    return (
        "Every image needs a mask with the same name (the extension may differ, e.g. "
        "images/cell_01.tif and masks/cell_01.png): add the missing files or remove the extra ones."
    )


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


# EXIF orientation tag (0x0112) -> the array operation that shows the image upright.
# Pillow's ImageOps.exif_transpose does this for the images Pillow can hold; this table
# is for 16-bit colour images, which Pillow cannot hold (a test checks it against Pillow).
def as_pairs(pairs: Iterable[tuple[PathLike, PathLike]]) -> list[tuple[Path, Path]]:
    """``pairs`` as a list of (image path, mask path), each a :class:`pathlib.Path`.

    Parameters
    ----------
    pairs : iterable of (image_path, mask_path)
        As :func:`pair_images_and_masks` gives them; any path-like.

    Returns
    -------
    list of (Path, Path)

    Raises
    ------
    DataError
        When there are no pairs.
    """
    pairs = [(Path(image), Path(mask)) for image, mask in pairs]
    if not pairs:
        raise DataError(
            "No image/mask pairs were given: check the folders (see pair_images_and_masks)."
        )
    return pairs
