"""What a bioimage.io package says about its model: name, authors, licence, citations.

Given on the command line (``--name``, ``--author``, ``--license``, ``--cite``), in a YAML
file (``--metadata FILE.yaml``, the same fields), or as :class:`Metadata` in Python; checked
against the bioimage.io specification before anything is exported, so that a field the
specification refuses stops the export with one line that names it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from helpers.errors import ExportError

#: The licence of a package when none is given: the BioImage Model Zoo's usual one.
DEFAULT_LICENSE = "CC-BY-4.0"

#: The citation of a package when none is given: the U-Net paper.
UNET_PAPER = {
    "text": (
        "Ronneberger, O., Fischer, P., Brox, T. (2015). U-Net: Convolutional Networks for "
        "Biomedical Image Segmentation. MICCAI 2015, LNCS 9351, 234-241."
    ),
    "doi": "10.1007/978-3-319-24574-4_28",
}

#: The command-line option that sets each field (for the messages).
OPTIONS = {
    "name": "--name",
    "description": "--metadata key description",
    "authors": "--author",
    "license": "--license",
    "cite": "--cite",
    "tags": "--metadata key tags",
    "class_names": "--metadata key class_names",
}

_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_AUTHOR = re.compile(r"^\s*(?P<name>[^<>]*?)\s*(?:<(?P<email>[^<>]+)>)?\s*$")


@dataclass(frozen=True)
class Metadata:
    """The metadata of an exported bioimage.io package (every field optional).

    Attributes
    ----------
    name : str or None
        The model's name (letters, digits, spaces and ``_+-()``, 5 to 128 characters);
        default: ``U-Net <run folder name>``.
    description : str or None
        One or two sentences (at most 1024 characters); default: made from the run.
    authors : tuple of str or dict
        ``"Name <email>"`` or ``"Name"``, or mappings with ``name`` and optionally
        ``email``, ``affiliation``, ``orcid``, ``github_user``.
    license : str or None
        An SPDX licence identifier (``MIT``, ``CC-BY-4.0`` ...); default
        :data:`DEFAULT_LICENSE`.
    cite : tuple of str or dict
        ``"Text DOI-or-URL"`` (the DOI or URL last), or mappings with ``text`` and
        ``doi`` or ``url``; default: the U-Net paper (:data:`UNET_PAPER`).
    tags : tuple of str
        Added to the package's own tags (``unet``, ``segmentation``, ...).
    class_names : tuple of str
        A name per output channel (one per class, the background first); default:
        ``foreground`` for one channel, ``background, class_1, ...`` for several.
    """

    name: str | None = None
    description: str | None = None
    authors: tuple = ()
    license: str | None = None
    cite: tuple = ()
    tags: tuple = ()
    class_names: tuple = field(default=())

    def merged(self, other: Metadata) -> Metadata:
        """These fields, with those that ``other`` sets replacing them."""
        given = {
            f.name: getattr(other, f.name)
            for f in fields(other)
            if getattr(other, f.name) not in (None, ())
        }
        return replace(self, **given)


def _refuse(key: str, what: str) -> ExportError:
    return ExportError(f"metadata field {key!r} ({OPTIONS[key]}): {what}")


def _strings(key: str, value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (str, dict)):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(value)
    raise _refuse(key, f"give a text or a list, not {type(value).__name__}.")


def read_metadata(path: str | os.PathLike) -> Metadata:
    """The metadata in a YAML file: the keys of :class:`Metadata`, e.g.::

        name: Mitochondria U-Net
        authors: ["Ada Lovelace <ada@example.org>"]
        license: MIT
        cite:
          - text: Our paper (2026)
            doi: 10.1234/abcd

    Raises
    ------
    ExportError
        When the file cannot be read, is not a YAML mapping, or has a key that is not a
        field (the message names it).
    """
    import yaml

    path = Path(path)
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ExportError(
            f"--metadata {path} cannot be read as YAML ({' '.join(str(error).split())}): "
            "check the path and the file."
        ) from error
    if content is None:
        return Metadata()
    if not isinstance(content, dict):
        raise ExportError(
            f"--metadata {path} holds a YAML {type(content).__name__}, not a mapping of "
            f"fields: write one 'key: value' per line ({', '.join(OPTIONS)})."
        )
    unknown = sorted(set(content) - set(OPTIONS))
    if unknown:
        raise ExportError(
            f"--metadata {path}: {unknown[0]!r} is not a metadata field; use {', '.join(OPTIONS)}."
        )
    values = {}
    for key, value in content.items():
        if key in ("authors", "cite", "tags", "class_names"):
            values[key] = _strings(key, value)
        elif value is not None:
            values[key] = str(value)
    return Metadata(**values)


def parse_author(text: str) -> dict:
    """``"Name <email>"`` or ``"Name"`` as ``{"name": ..., "email": ...}``.

    Raises
    ------
    ExportError
        When there is no name.

    Example
    -------
    >>> parse_author("Ada Lovelace <ada@example.org>")
    {'name': 'Ada Lovelace', 'email': 'ada@example.org'}
    >>> parse_author("Ada Lovelace")
    {'name': 'Ada Lovelace'}
    """
    found = _AUTHOR.match(text)
    if not found or not found["name"]:
        raise _refuse("authors", f"{text!r} is not 'Name <email>' or 'Name'.")
    author = {"name": found["name"]}
    if found["email"]:
        author["email"] = found["email"].strip()
    return author


def parse_cite(text: str) -> dict:
    """``"Text DOI-or-URL"`` as ``{"text": ..., "doi": ...}`` (or ``"url"``).

    The DOI (``10.xxxx/...``, ``doi:10...`` or ``https://doi.org/10...``) or the URL
    comes last, after the text.

    Raises
    ------
    ExportError
        When the text does not end with a DOI or a URL, or has no text before it.

    Example
    -------
    >>> parse_cite("Our paper (2026) https://doi.org/10.1234/abcd")
    {'text': 'Our paper (2026)', 'doi': '10.1234/abcd'}
    >>> parse_cite("Lab protocol, https://example.org/protocol")
    {'text': 'Lab protocol', 'url': 'https://example.org/protocol'}
    """
    head, _, last = text.strip().rpartition(" ")
    head = head.strip().rstrip(",;:|").strip()
    doi = _DOI.match(last)
    if doi and head:
        return {"text": head, "doi": doi[1]}
    if re.match(r"^https?://\S+$", last) and head:
        return {"text": head, "url": last}
    raise _refuse(
        "cite",
        f"{text!r} needs a text and then a DOI (10.xxxx/...) or a URL (https://...), "
        "e.g. 'Our paper (2026) 10.1234/abcd'.",
    )


def _spec_message(key: str, error) -> str:
    """One short line from a pydantic ValidationError about ``key``."""
    first = error.errors()[0]
    if key == "license":
        return (
            f"{first.get('input')!r} is not an SPDX licence identifier the bioimage.io "
            "specification knows; use one of https://spdx.org/licenses, e.g. MIT or "
            "CC-BY-4.0."
        )
    where = ".".join(str(part) for part in first.get("loc", ()) if not isinstance(part, int))
    message = " ".join(str(first.get("msg", error)).split())
    if len(message) > 160:
        message = message[:157] + "..."
    value = first.get("input")
    shown = f" ({value!r})" if isinstance(value, str) else ""
    return f"{where + ': ' if where else ''}{message}{shown}."


def spec_fields(metadata: Metadata, *, default_name: str) -> dict:
    """The metadata as the bioimage.io specification's objects, checked by it.

    Returns ``name``, ``description`` (None: made from the run), ``authors`` (list of
    ``Author``), ``license``, ``cite`` (list of ``CiteEntry``) and ``tags``.

    Raises
    ------
    ExportError
        For the first field the specification refuses, naming it and its option.
    """
    import typing

    import pydantic
    from bioimageio.spec.generic.v0_3 import GenericModelDescrBase
    from bioimageio.spec.model import v0_5

    def checked(key, make):
        try:
            return make()
        except pydantic.ValidationError as error:
            raise _refuse(key, _spec_message(key, error)) from error

    name_field = GenericModelDescrBase.model_fields["name"]
    name_rule = pydantic.TypeAdapter(typing.Annotated[(str, *name_field.metadata)])
    name = checked("name", lambda: name_rule.validate_python(metadata.name or default_name))
    if metadata.description is not None and len(metadata.description) > 1024:
        raise _refuse("description", "at most 1024 characters, please (one or two sentences).")
    authors = [
        checked(
            "authors", lambda a=a: v0_5.Author(**(parse_author(a) if isinstance(a, str) else a))
        )
        for a in metadata.authors
    ]
    cites = [
        checked("cite", lambda c=c: v0_5.CiteEntry(**(parse_cite(c) if isinstance(c, str) else c)))
        for c in (metadata.cite or (UNET_PAPER,))
    ]
    license_id = checked("license", lambda: v0_5.LicenseId(metadata.license or DEFAULT_LICENSE))
    return {
        "name": name,
        "description": metadata.description,
        "authors": authors,
        "license": license_id,
        "cite": cites,
        "tags": [str(tag) for tag in metadata.tags],
    }


def channel_names(metadata: Metadata, settings: dict, num_classes: int) -> list[str]:
    """A name per output channel: ``metadata.class_names``, else ``run.json``'s
    ``class_names``, else ``foreground`` (one channel) or ``background, class_1, ...``.

    For one channel, two names (the background's and the object's) are accepted too: the
    channel is named after the second.

    Raises
    ------
    ExportError
        When the number of names does not fit the model's output.
    """
    names = [str(n) for n in (metadata.class_names or settings.get("class_names") or ())]
    if not names:
        return (
            ["foreground"]
            if num_classes == 1
            else ["background", *(f"class_{k}" for k in range(1, num_classes))]
        )
    if num_classes == 1 and len(names) in (1, 2):
        return names[-1:]
    if len(names) != num_classes:
        raise _refuse(
            "class_names",
            f"{len(names)} names for a model with {num_classes} output channels: give one "
            "per class, the background first.",
        )
    return names
