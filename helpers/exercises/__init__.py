"""Exercises with instant feedback, one module per chapter (``helpers.exercises.ch04``, ...).

In a notebook::

    from helpers.exercises import ch04 as exercises

    def my_iou(y_true, y_pred):
        ...  # your code

    exercises.iou.check(my_iou)   # prints ✅ Correct ... or ❌ what is wrong
    exercises.iou.hint()          # one hint at a time
    exercises.iou.solution()      # the reference solution

``COURSE_SOLUTIONS=1`` (or :func:`show_solutions`) checks every unanswered exercise with
its reference solution. An instructor adds an exercise by adding an :class:`Exercise` to
the chapter's module (its checker, reference, hints and typical mistakes); the tests find
it through :func:`all_exercises` and check the reference, each mistake's message and
garbage answers.
"""

from __future__ import annotations

import importlib
import pkgutil

from helpers.exercises._core import (
    Exercise,
    Feedback,
    Mistake,
    Wrong,
    call,
    describe,
    show_solutions,
    solutions_shown,
)

__all__ = [
    "Exercise",
    "Feedback",
    "Mistake",
    "Wrong",
    "all_exercises",
    "call",
    "describe",
    "show_solutions",
    "solutions_shown",
]


def all_exercises() -> dict[str, Exercise]:
    """Every exercise of every chapter module, as ``{"ch04.iou": Exercise, ...}``."""
    found = {}
    for module_info in pkgutil.iter_modules(__path__):
        if not module_info.name.startswith("ch"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for name in getattr(module, "__all__", []):
            item = getattr(module, name)
            if isinstance(item, Exercise):
                found[f"{module_info.name}.{name}"] = item
    return found
