"""The exercise object: ``check(answer)``, ``hint()``, ``solution()``.

Each chapter's exercises live in ``helpers/exercises/chNN.py`` as module-level
:class:`Exercise` objects; the notebook imports the module and calls them.

Nothing a learner types can make :meth:`Exercise.check` raise: a wrong type, a wrong
shape or a function that raises is feedback, like a wrong number. ``check`` prints one
line and returns a :class:`Feedback`, whose ``status`` is ``"correct"``, ``"wrong"`` or
``"unanswered"`` (the skeleton as given: ``...``, ``None``, or a function that returns
``None``). An unanswered exercise never fails a notebook run.

With the solutions switch on (``COURSE_SOLUTIONS=1`` in the environment, or
:func:`show_solutions`), an unanswered exercise is checked with its reference solution
instead, so a whole notebook can be run with every answer filled in.
"""

from __future__ import annotations

import inspect
import numbers
import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Exercise",
    "Feedback",
    "Mistake",
    "Wrong",
    "call",
    "describe",
    "show_solutions",
    "solutions_shown",
]

_SWITCH = {"on": None}  # None: follow the environment variable


def show_solutions(on: bool = True) -> None:
    """Fill every unanswered exercise with its reference solution (``on=False`` undoes it)."""
    _SWITCH["on"] = bool(on)


def solutions_shown() -> bool:
    """Whether unanswered exercises are checked with their reference solution."""
    if _SWITCH["on"] is not None:
        return _SWITCH["on"]
    return os.environ.get("COURSE_SOLUTIONS", "").strip().lower() in {"1", "true", "yes", "on"}


class Wrong(Exception):
    """Raised by a checker: the message tells the learner what is wrong, in plain words.

    Parameters
    ----------
    message : str
        What is wrong and what to do, in one or two sentences.
    error : Exception, optional
        The exception the learner's function raised, when :func:`call` turned one into
        feedback: a checker may catch the ``Wrong`` and say more about a known failure
        (a ``ZeroDivisionError`` on an empty case, say).
    """

    def __init__(self, message: str, *, error: BaseException | None = None) -> None:
        super().__init__(message)
        self.error = error


class _Unanswered(Exception):
    """Raised by :func:`call` when the learner's function still returns ``None``."""


class _BadArguments(Wrong):
    """Raised by :func:`call` when the learner's function cannot take the check's arguments."""


@dataclass(frozen=True)
class Feedback:
    """The outcome of one check: ``status`` is ``"correct"``, ``"wrong"`` or ``"unanswered"``."""

    status: str
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        mark = {"correct": "✅", "wrong": "❌", "unanswered": "⏳"}[self.status]
        return f"{mark} {self.message}"

    def _ipython_display_(self) -> None:
        """``check`` has printed the message already: show nothing more in a notebook."""


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and a fragment of the specific message it must get (tests)."""

    answer: Any
    says: str


def describe(value: Any, *, limit: int = 40) -> str:
    """A few words on what ``value`` is, for feedback: never a raw list of numbers.

    Parameters
    ----------
    value : object
        Whatever a learner's answer or function gave.
    limit : int
        Longest piece of text quoted.

    Returns
    -------
    str
        For example ``"the number 0.123"``, ``"the text 'yes'"``, ``"an array of shape
        (7, 1)"``, ``"a list of 3 items"``.
    """
    if isinstance(value, (bool, np.bool_)):
        return f"the yes/no value {bool(value)}"
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, (str, bytes)):
        try:
            shape = tuple(int(n) if n is not None else None for n in shape)
        except TypeError:
            shape = None
        if shape == ():
            try:
                return describe(value.item(), limit=limit)
            except Exception:
                return _a(type(value).__name__)
        if shape is not None:
            return f"an array of shape {shape}"
    if isinstance(value, numbers.Integral):
        return f"the number {int(value)}"
    if isinstance(value, numbers.Real):
        return f"the number {float(value):.4g}"
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 3] + "..."
        return f"the text {text!r}"
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        kind = type(value).__name__
        return f"a {kind} of {len(value)} item{'' if len(value) == 1 else 's'}"
    return _a(type(value).__name__)


def _a(word: str) -> str:
    """``"a list"``, ``"an object"``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _arguments_fit(function: Any, args: tuple, kwargs: dict) -> bool:
    """Whether ``function`` can be called with these arguments (True when unknown)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return True
    try:
        signature.bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's function; its failures become feedback, not tracebacks.

    Raises
    ------
    Wrong
        When ``function`` is not callable, cannot take the arguments, or raises (the
        exception it raised is the ``Wrong``'s ``error``).
    """
    if not callable(function):
        raise Wrong(f"expected a function, got {type(function).__name__}: define it with `def`.")
    name = getattr(function, "__name__", "your function")
    if not _arguments_fit(function, args, kwargs):
        count = len(args) + len(kwargs)
        raise _BadArguments(
            f"{name}{_parameters(function)} cannot take the {count} argument"
            f"{'' if count == 1 else 's'} the check gives it."
        )
    try:
        result = function(*args, **kwargs)
    except Exception as error:  # the learner's code: any failure is feedback
        raise Wrong(f"{name} raised {type(error).__name__}: {error}", error=error) from None
    if result is None or result is Ellipsis:
        raise _Unanswered(
            "your function returns None: replace `...` with your code and end it with `return`."
        )
    return result


def _parameters(function: Any) -> str:
    """``"(a, b)"``: the parameters of ``function`` as written, or ``""`` when unknown."""
    try:
        return str(inspect.signature(function))
    except (TypeError, ValueError):
        return ""


def _is_blank(answer: Any) -> bool:
    return answer is None or answer is Ellipsis


def _keywords(function: Callable[..., Any], *, skip_first: bool) -> tuple[list, list]:
    """(every keyword ``function`` takes, those without a default), after its first."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return [], []
    if skip_first:
        parameters = parameters[1:]
    usable = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    names = [p.name for p in parameters if p.kind in usable]
    required = [p.name for p in parameters if p.kind in usable and p.default is p.empty]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        names.append("**")
    return names, required


@dataclass(frozen=True)
class Exercise:
    """One exercise.

    Parameters
    ----------
    title : str
        A few words, shown with hints and solutions.
    expects : str
        What the answer is, e.g. ``"a function iou(y_true, y_pred) -> float"``; quoted
        when an answer is of the wrong kind.
    checker : callable
        ``checker(answer, **context) -> str``: returns one line on what the correct answer
        means, or raises :class:`Wrong` with what is wrong. Use :func:`call` to run a
        learner's function.
    reference : callable
        The reference solution; ``solution()`` shows its source. For a function exercise
        it *is* the answer; for a value exercise (``answer_is_function=False``) the answer
        is ``reference(**context)``.
    hints : tuple of str
        Shown one at a time by ``hint()``, ``hint(2)``, ...
    mistakes : tuple of Mistake
        Typical wrong answers and the message each must get (the tests check them). For a
        value exercise, each mistake's answer is a function of the context, like
        ``reference``.
    context : callable, optional
        Builds a small example context (the keyword arguments ``check`` gets in the
        notebook) so the tests can check a value exercise without the notebook.
    usage : str
        How the notebook calls the check, e.g.
        ``"exercises.worst_image.check(worst_image, table=table)"``: quoted when the check
        is called without the data it needs (or with a misspelt keyword).
    """

    title: str
    expects: str
    checker: Callable[..., str]
    reference: Callable[..., Any]
    hints: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    answer_is_function: bool = True
    context: Callable[[], dict] | None = None
    usage: str = ""
    _hints_given: list = field(default_factory=lambda: [0], repr=False, compare=False)

    def reference_answer(self, **context: Any) -> Any:
        """The reference solution as an answer (what the solutions switch fills in)."""
        return self.reference if self.answer_is_function else self.reference(**context)

    def feedback(self, answer: Any, **context: Any) -> Feedback:
        """Like :meth:`check`, without printing."""
        if _is_blank(answer):
            if solutions_shown():
                return self._reference_feedback(context)
            return Feedback(
                "unanswered",
                f"Not answered yet: {self.expects}. `.hint()` helps, `.solution()` shows one.",
            )
        names, required = _keywords(self.checker, skip_first=True)
        problem = self._context_problem(context, names, required)
        if problem:
            return Feedback("wrong", problem)
        try:
            return Feedback("correct", "Correct. " + self.checker(answer, **context))
        except _BadArguments as wrong:
            return Feedback("wrong", f"{wrong} It should be {self.expects}.")
        except Wrong as wrong:
            return Feedback("wrong", str(wrong))
        except _Unanswered as blank:  # the skeleton function, still returning None
            if solutions_shown():
                return self._reference_feedback(context)
            return Feedback("unanswered", f"Not answered yet: {blank}")
        except Exception as error:  # an answer of a shape or type no checker foresaw
            return Feedback(
                "wrong",
                f"your answer could not be checked ({type(error).__name__}: {error}); "
                f"expected {self.expects}.",
            )

    def _usage(self, names: list) -> str:
        if self.usage:
            return self.usage
        given = "".join(f", {name}=..." for name in names if name != "**")
        return f"check(answer{given})"

    def _context_problem(self, context: dict, names: list, required: list) -> str:
        """What is wrong with the keyword arguments given to ``check``, or ``""``."""
        unknown = [name for name in context if name not in names and "**" not in names]
        if unknown:
            takes = ", ".join(f"`{name}`" for name in names) or "no other arguments"
            return (
                f"this check does not know `{unknown[0]}`; it takes {takes}: "
                f"`{self._usage(names)}`."
            )
        missing = [name for name in required if name not in context]
        if missing:
            listed = " and ".join(f"`{name}`" for name in missing)
            return f"this check needs {listed} too: `{self._usage(names)}`."
        return ""

    def _reference_feedback(self, context: dict) -> Feedback:
        """The solutions switch: check the reference solution in place of a blank answer."""
        if not self.answer_is_function:
            names, required = _keywords(self.reference, skip_first=False)
            problem = self._context_problem(context, names, required)
            if problem:
                return Feedback("wrong", problem)
        try:
            answer = self.reference_answer(**context)
        except Exception as error:
            return Feedback("wrong", f"the reference solution needs the chapter's data: {error}")
        if _is_blank(answer):
            return Feedback("wrong", "the reference solution gave no answer for this data.")
        return self.feedback(answer, **context)

    def check(self, answer: Any = None, **context: Any) -> Feedback:
        """Check ``answer`` and print what is right or wrong with it. Never raises."""
        result = self.feedback(answer, **context)
        print(result)
        return result

    def hint(self, number: int | None = None) -> None:
        """Print the next hint (or hint ``number``, counting from 1)."""
        if not self.hints:
            print(f"💡 No hint for «{self.title}»: try `.solution()`.")
            return
        if number is None:
            number = min(self._hints_given[0] + 1, len(self.hints))
        number = max(1, min(int(number), len(self.hints)))
        self._hints_given[0] = max(self._hints_given[0], number)
        more = " (`.hint()` again for the next)" if number < len(self.hints) else ""
        print(f"💡 Hint {number}/{len(self.hints)}: {self.hints[number - 1]}{more}")

    def solution_source(self) -> str:
        """The reference solution's source code."""
        return textwrap.dedent(inspect.getsource(self.reference)).strip()

    def solution(self) -> None:
        """Print the reference solution."""
        print(f"# One solution to «{self.title}»\n{self.solution_source()}")
