"""Train, validation and test sets: which files go where, the same way every time.

A recipe on top of :mod:`helpers.io` (which finds and reads the pairs): the course splits
by file stem, never by array position, so a split names its files, survives a reordered
folder, and is checked for leakage (no stem in two parts).

=====================  =============================================================
:func:`split_stems`    train / validation / test stems, fixed by the seed, no overlap
:func:`select_pairs`   the image/mask pairs of some stems (one part of a split)
=====================  =============================================================

Example
-------
>>> from helpers import splits
>>> split = splits.split_stems([f"img{i:02d}" for i in range(20)], seed=42)
>>> [len(split[part]) for part in ("train", "val", "test")]
[14, 3, 3]
>>> set(split["train"]) & set(split["test"])
set()
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from helpers.errors import ConfigError, DataError

__all__ = ["select_pairs", "split_stems"]

_PathLike = str | os.PathLike
_Pair = tuple[Path, Path]


def _shorten(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def split_stems(
    stems: Iterable[str],
    *,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 42,
) -> dict[str, list[str]]:
    """Train, validation and test stems, without overlap.

    Every stem lands in exactly one part. The split depends only on the set of stems and
    the seed (not on their order), so it is the same in every chapter and every run.

    Parameters
    ----------
    stems : iterable of str
        Distinct names (as :func:`helpers.io.load_folder` returns them).
    val_fraction, test_fraction : float
        Shares of the stems, rounded. With 3 stems or more, a positive fraction gives
        at least one stem; training always keeps at least one.
    seed : int

    Returns
    -------
    dict with keys ``"train"``, ``"val"``, ``"test"``: lists of stems, each sorted

    Raises
    ------
    DataError
        When a stem is repeated.
    ConfigError
        When the fractions are outside [0, 1) or add up to 1 or more.
    """
    stems = sorted(stems)
    if len(set(stems)) != len(stems):
        doubles = sorted({s for s in stems if stems.count(s) > 1})
        raise DataError(
            f"Stems must be distinct; repeated: {_shorten(doubles)}. Rename the files so "
            "that no two share a name without extension."
        )
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ConfigError(
            "val_fraction and test_fraction must each be in [0, 1) and add up to less than 1; "
            f"got {val_fraction} and {test_fraction}."
        )
    count = len(stems)

    def share(fraction: float) -> int:
        wanted = int(round(fraction * count))
        return max(wanted, 1) if fraction > 0 and count >= 3 else wanted

    n_test, n_val = share(test_fraction), share(val_fraction)
    while count and n_test + n_val > count - 1:  # keep one for training
        if n_val >= n_test:
            n_val -= 1
        else:
            n_test -= 1
    order = np.random.default_rng(seed).permutation(count)
    shuffled = [stems[i] for i in order]
    return {
        "train": sorted(shuffled[n_test + n_val :]),
        "val": sorted(shuffled[n_test : n_test + n_val]),
        "test": sorted(shuffled[:n_test]),
    }


def select_pairs(pairs: Iterable[tuple[_PathLike, _PathLike]], stems: Iterable[str]) -> list[_Pair]:
    """The pairs whose image stem is in ``stems`` (``split_stems(...)["train"]``, say), in order.

    Raises
    ------
    DataError
        When a stem has no pair.
    """
    pairs = [(Path(image), Path(mask)) for image, mask in pairs]
    wanted = set(stems)
    missing = sorted(wanted - {image.stem for image, _ in pairs})
    if missing:
        raise DataError(f"No image/mask pair for: {_shorten(missing)}.")
    return [pair for pair in pairs if pair[0].stem in wanted]
