"""Where a pipeline keeps its decoded pairs: in memory within a budget, else in a cache
file when the disk has room, else nowhere (every epoch streams from the files)."""

from __future__ import annotations

import os
from pathlib import Path

from helpers.errors import ConfigError
from helpers.io import PathLike

__all__ = [
    "CACHE_CHOICES",
    "MAX_MEMORY_BUDGET",
    "cache_file",
    "choose_cache",
    "default_memory_budget",
]

#: The in-memory cache's default ceiling: a quarter of the machine's memory, at most 2 GiB.
MAX_MEMORY_BUDGET = 2 * 2**30

#: The values of ``from_files(cache=...)``.
CACHE_CHOICES = ("auto", "memory", "file", "none")


def default_memory_budget() -> int:
    """Bytes the in-memory cache of :func:`from_files` may take by default: a quarter of
    the machine's memory, at most :data:`MAX_MEMORY_BUDGET` (2 GiB; Colab has 12 GiB)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # Windows: no sysconf
        return MAX_MEMORY_BUDGET // 2
    return int(min(MAX_MEMORY_BUDGET, total // 4))


def cache_file(folder: PathLike | None) -> str:
    """A fresh cache file prefix in ``folder`` (default: the temp dir), deleted at exit."""
    import atexit
    import shutil
    import tempfile

    parent = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    where = Path(tempfile.mkdtemp(prefix=".tfdata-cache-", dir=parent))
    atexit.register(shutil.rmtree, where, ignore_errors=True)
    return str(where / "pairs")


def choose_cache(cache: str, need: int, budget: int, folder: PathLike | None) -> str:
    """Where ``need`` bytes of decoded pairs are kept: ``cache`` itself unless it is
    ``"auto"``, then ``"memory"`` within ``budget``, else ``"file"`` when the disk under
    ``folder`` (default: the temp dir) has ``need`` and 1 GiB to spare, else ``"none"``.

    Raises
    ------
    ConfigError
        When ``cache`` is not one of :data:`CACHE_CHOICES`.
    """
    import shutil
    import tempfile

    if cache not in CACHE_CHOICES:
        raise ConfigError(f"cache must be one of {', '.join(CACHE_CHOICES)}; got {cache!r}.")
    if cache != "auto":
        return cache
    if need <= budget:
        return "memory"
    parent = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    try:
        free = shutil.disk_usage(parent).free
    except OSError:
        return "none"
    return "file" if need + 2**30 <= free else "none"
