"""The quality report of a trained model: one self-contained HTML page a reviewer can trust.

:func:`report` (``python -m helpers report --run DIR --out report.html``) predicts the
test images of a run folder once (:func:`helpers.evaluation.evaluate_files`, the pass of
``python -m helpers evaluate``) and writes one HTML file that opens anywhere, offline:
figures are embedded as base64 PNG, the styles and the small script that sorts the
per-image table are inline, and nothing refers to a network address. Its sections:

==============  ====================================================================
findings        plain-language findings: each a rule of :data:`RULES` on the numbers
                (:class:`Facts`), said only when its condition holds
run             data folders, images per split, ``run.json``'s settings, training time
                and kept epoch ("not recorded" for older runs), versions, machine, date
curves          the learning curves, the kept epoch marked
pixels          IoU, Dice, precision, recall, HD95: mean, median, worst; per class and
                the confusion matrix for several classes; the per-image table (sortable)
thresholds      mean IoU and Dice against the threshold (0.05 to 0.95), the best marked
                and its gain over the threshold used
objects         object counts true and predicted, F1 and AP against the matching IoU
                (0.5 to 0.95), recall by object size (terciles of the true areas)
overlays        the worst, the median and the best image, false positives and false
                negatives in two colours of the Okabe-Ito palette, with a legend
==============  ====================================================================

The implementation is in private modules: ``_facts`` (the numbers), ``_findings`` (the
rules), ``_figures``, ``_html`` (the page), ``_sections`` and ``_build`` (:func:`report`).

Example
-------
(Not run by ``--doctest-modules``: it needs a trained run; ``tests/test_report.py`` runs
it on small ones and opens the pages in headless Chromium.)

>>> from helpers import report                                    # doctest: +SKIP
>>> shown = report.report("outputs/ch07/cpu", "outputs/ch12/cpu/report.html")  # doctest: +SKIP
>>> shown.findings                                                # doctest: +SKIP
"""

from ._build import Report, report
from ._facts import Facts, facts_of
from ._findings import RULES, findings
from ._html import SECTIONS

__all__ = [
    "RULES",
    "SECTIONS",
    "Facts",
    "Report",
    "facts_of",
    "findings",
    "report",
]
