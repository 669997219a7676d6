"""The data check: every image/mask pair examined before training, one table of findings.

The most frequent failure in U-Net projects is a mask in the wrong format: 0/255 where
0/1 was expected, palette PNGs, colour masks, JPEG-compressed masks with in-between
values, label images where class masks were expected, pairs that differ in size. A
check that stopped at the first such file would teach them one run at a time; this one
reads every pair once and lists them all, with what the course does or what to do.

=========================  ================================================================
:func:`check_folders`      examine two folders; returns a :class:`DataCheck`
:class:`DataCheck`         the findings table (:data:`FINDING_COLUMNS`), ``passed``,
                           ``verdict()``, and ``table()`` (also ``print(result)``)
:func:`stop_on_blocking`   one :class:`~helpers.errors.DataError` naming every blocking
                           finding (what ``train`` calls before anything is written)
:data:`FINDINGS`           every kind of finding, and whether it blocks
=========================  ================================================================

From a terminal: ``python -m helpers check --images DIR --masks DIR [--report CSV]``
(exit status 2 when a finding blocks training). ``python -m helpers train``
(:func:`helpers.runs.train_on_folder`) runs the same check first and stops on the
blocking findings, naming them all at once.

What a mask may hold
--------------------
The labels come from ``classes.json`` in the masks folder when there is one (written by
``via2masks --attribute`` and the importers of :mod:`helpers.importers`), else from
the ``num_classes`` of the run, else 0/1. A 0/255 mask (0/65535 for 16 bits) is read
as 0/1, the course's one rule (:func:`helpers.conventions.mask_labels`) -- unless
``classes.json`` declares ``"ignore": 255``: then 255 marks pixels to leave out (what
the importers write for Labelme's ``__ignore__`` and for ``--ignore LABEL``), which no
count of the check includes, as :mod:`helpers.metrics` leaves them out with
``ignore=255``.

Blocking findings: unpaired names, two files of one name, unreadable files, an
unreadable ``classes.json``, an image and mask of different sizes (after EXIF
orientation), values that are neither 0/1, 0/255 nor declared labels (for a
JPEG-compressed mask, the in-between pixels are counted), colour masks, a folder mixing
encodings (0/255 masks, whose 255 is read as label 1, with class masks of labels 2 and
up; 0/1 with 0/255 is fine), instance label images whose values are not classes the
run takes.
Warnings: 0/255 read as 0/1, palette PNGs read by index, empty and all-object masks,
a class in fewer than 3 images or under 0.1 % of the object pixels, instance label
images with values a run takes as classes, constant and saturated images, 8-bit and
16-bit files in one folder.

The implementation is in private modules: ``_read`` (one file's facts), ``_rules``
(findings from the facts) and ``_folders`` (the pairs, the table).

Example
-------
>>> import numpy as np, tempfile
>>> from pathlib import Path
>>> from PIL import Image
>>> root = Path(tempfile.mkdtemp())
>>> for folder in ("images", "masks"):
...     (root / folder).mkdir()
>>> ramp = np.arange(64, dtype=np.uint8).reshape(8, 8)
>>> for name in ("a", "b", "c"):
...     Image.fromarray(ramp).save(root / f"images/{name}.png")
...     Image.fromarray(np.eye(8, dtype=np.uint8)).save(root / f"masks/{name}.png")
>>> Image.fromarray(np.eye(8, dtype=np.uint8) * 255).save(root / "masks/c.png")  # 0/255
>>> result = check_folders(root / "images", root / "masks")
>>> result.passed, result.findings[["file", "kind"]].values.tolist()
(True, [['masks/c.png', '0/255']])
>>> Image.fromarray(np.eye(6, dtype=np.uint8)).save(root / "masks/b.png")  # too small
>>> print(check_folders(root / "images", root / "masks").verdict())  # doctest: +ELLIPSIS
Verdict: 3 pair(s) checked; 1 blocking finding(s), 1 warning(s): training would stop; ...
"""

from ._folders import FINDING_COLUMNS, DataCheck, check_folders, stop_on_blocking
from ._rules import BLOCKING, FINDINGS, WARNING

__all__ = [
    "BLOCKING",
    "FINDINGS",
    "FINDING_COLUMNS",
    "WARNING",
    "DataCheck",
    "check_folders",
    "stop_on_blocking",
]
