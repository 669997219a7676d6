"""What the course's trained models score, per run profile: the ranges a learner should see.

Every trained-model number that a chapter prints is looked up here by a key such as
``"ch07.test_iou"``, and printed with the range that its run profile gives
(:func:`report`)::

    test IoU 0.893 (expected for the 'cpu' profile: 0.86 to 0.92)

The ranges come from runs of the chapters on the course's reference machine (2 CPU
cores; ``full`` run there in float32 too), widened by what changes from run to run and
machine to machine (thread scheduling, library versions, a GPU's float16): see the
README's results table. A ``quick`` range only says that the smoke run worked (2 epochs
at 64 px learn little).

Outside its range, a value is a finding: :func:`report` says so in one line and, when
``$COURSE_CHECK_EXPECTED`` is set (``make course`` and ``make test`` set it), raises
:class:`~helpers.errors.ExpectationError`, so that the course's own runs check their
results. A learner's run never stops for it.

Example
-------
>>> line = report("example.score", 0.5, profile="cpu", check=False)
score 0.500 (expected for the 'cpu' profile: 0.40 to 0.60)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from helpers.errors import ConfigError, ExpectationError

__all__ = ["CHECK_ENV", "EXPECTED", "Expectation", "expected_range", "report"]

#: Set (to anything but "" or "0") to make :func:`report` raise outside a range.
CHECK_ENV = "COURSE_CHECK_EXPECTED"


@dataclass(frozen=True)
class Expectation:
    """One trained-model result and the range of each profile.

    Attributes
    ----------
    label : str
        What is printed before the value, e.g. ``"test IoU"``.
    ranges : dict of str to (float, float)
        Profile name -> (lowest, highest) value expected, inclusive.
    digits : int
        Decimals printed.
    """

    label: str
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    digits: int = 3


#: Every expected result, by key ``"chNN.name"`` (one block per chapter).
EXPECTED: dict[str, Expectation] = {
    "example.score": Expectation("score", {"quick": (0.0, 1.0), "cpu": (0.4, 0.6)}),
    # chapter 7
    # chapter 8
    # chapter 11
    "ch11.best_val_loss": Expectation(
        "best validation loss", {"quick": (0.5, 1.3), "cpu": (0.25, 0.5)}
    ),
    "ch11.one_image_iou": Expectation("lesion IoU", {"quick": (0.0, 0.85), "cpu": (0.7, 0.95)}),
    "ch11.lesion_iou": Expectation("mean lesion IoU", {"quick": (0.0, 0.8), "cpu": (0.72, 0.95)}),
    "ch11.lesion_precision": Expectation(
        "mean precision", {"quick": (0.3, 1.0), "cpu": (0.7, 0.98)}
    ),
    "ch11.lesion_recall": Expectation("mean recall", {"quick": (0.05, 0.9), "cpu": (0.88, 1.0)}),
    "ch11.test_iou_all": Expectation(
        "mean lesion IoU, all test images", {"quick": (0.0, 0.8), "cpu": (0.75, 0.96)}
    ),
    "ch11.plain_without_iou": Expectation(
        "plain run without the two settings: lesion IoU", {"quick": (0.0, 0.5), "cpu": (0.55, 0.92)}
    ),
    "ch11.plain_without_precision": Expectation(
        "plain run without the two settings: precision", {"quick": (0.0, 0.6), "cpu": (0.55, 0.95)}
    ),
    "ch11.plain_without_recall": Expectation(
        "plain run without the two settings: recall", {"quick": (0.1, 1.0), "cpu": (0.85, 1.0)}
    ),
    "ch11.plain_with_iou": Expectation(
        "plain run with both settings: lesion IoU", {"quick": (0.0, 0.8), "cpu": (0.72, 0.95)}
    ),
    "ch11.plain_with_precision": Expectation(
        "plain run with both settings: precision", {"quick": (0.3, 1.0), "cpu": (0.72, 0.98)}
    ),
    "ch11.plain_with_recall": Expectation(
        "plain run with both settings: recall", {"quick": (0.05, 0.9), "cpu": (0.85, 1.0)}
    ),
    "ch11.transfer_scratch_5": Expectation(
        "5 labelled images, from scratch: lesion IoU", {"quick": (0.0, 0.5), "cpu": (0.4, 0.9)}
    ),
    "ch11.transfer_frozen_5": Expectation(
        "5 labelled images, chapter 7's encoder frozen: lesion IoU",
        {"quick": (0.0, 0.5), "cpu": (0.4, 0.9)},
    ),
    "ch11.transfer_unfrozen_5": Expectation(
        "5 labelled images, then unfrozen: lesion IoU", {"quick": (0.0, 0.5), "cpu": (0.4, 0.9)}
    ),
    "ch11.transfer_scratch_10": Expectation(
        "10 labelled images, from scratch: lesion IoU", {"quick": (0.0, 0.5), "cpu": (0.25, 0.85)}
    ),
    "ch11.transfer_frozen_10": Expectation(
        "10 labelled images, chapter 7's encoder frozen: lesion IoU",
        {"quick": (0.0, 0.5), "cpu": (0.4, 0.9)},
    ),
    "ch11.transfer_unfrozen_10": Expectation(
        "10 labelled images, then unfrozen: lesion IoU", {"quick": (0.0, 0.5), "cpu": (0.4, 0.9)}
    ),
    "ch11.transfer_scratch_all": Expectation(
        "all labelled images, from scratch: lesion IoU", {"quick": (0.0, 0.5), "cpu": (0.3, 0.9)}
    ),
    "ch11.transfer_frozen_all": Expectation(
        "all labelled images, chapter 7's encoder frozen: lesion IoU",
        {"quick": (0.0, 0.5), "cpu": (0.4, 0.9)},
    ),
    "ch11.transfer_unfrozen_all": Expectation(
        "all labelled images, then unfrozen: lesion IoU", {"quick": (0.0, 0.5), "cpu": (0.4, 0.9)}
    ),
    # chapter 12
    # chapter 13
}


def expected_range(key: str, profile: str | None = None) -> tuple[float, float] | None:
    """The (lowest, highest) value expected for ``key`` in ``profile`` (default: the
    current one), or None when no range is known for that profile.

    Raises
    ------
    ConfigError
        For a key that is not in :data:`EXPECTED`.
    """
    from helpers import config

    if key not in EXPECTED:
        raise ConfigError(f"No expected range named {key!r}: add it to helpers.expected.")
    return EXPECTED[key].ranges.get(config.profile_name(profile))


def _checking(check: bool | None) -> bool:
    if check is not None:
        return check
    return os.environ.get(CHECK_ENV, "").strip() not in ("", "0")


def report(key: str, value: float, *, profile: str | None = None, check: bool | None = None) -> str:
    """Print ``value`` with the range expected for this profile; return the line.

    Parameters
    ----------
    key : str
        A key of :data:`EXPECTED`.
    value : float
    profile : str, optional
        The run profile (default: the current one, :func:`helpers.config.profile_name`).
    check : bool, optional
        Raise when ``value`` is outside the range (default: when ``$COURSE_CHECK_EXPECTED``
        is set, as in ``make course`` and ``make test``); otherwise an out-of-range value
        is one more line that says what to look at.

    Raises
    ------
    ExpectationError
        When checking and ``value`` is outside the range (or not a number).
    ConfigError
        For a key that is not in :data:`EXPECTED`.
    """
    from helpers import config

    name = config.profile_name(profile)
    found = expected_range(key, name)
    entry = EXPECTED[key]
    shown = f"{entry.label} {value:.{entry.digits}f}"
    if found is None:
        line = f"{shown} (no range recorded for the {name!r} profile)"
        print(line)
        return line
    low, high = found
    line = (
        f"{shown} (expected for the {name!r} profile: "
        f"{low:.{entry.digits - 1}f} to {high:.{entry.digits - 1}f})"
    )
    print(line)
    inside = low <= value <= high  # False for NaN
    if not inside:
        why = (
            f"{entry.label} {value} is outside the range expected for the {name!r} profile "
            f"({low} to {high}, key {key!r})"
        )
        if _checking(check):
            raise ExpectationError(
                f"{why}: something in the course changed its results; compare with the "
                "README's results table, and update helpers.expected if the change is meant."
            )
        print(
            f"  Note: {why}. A different library version or a GPU can move results a little; "
            "far outside, check that the earlier cells ran in order in this profile."
        )
    return line
