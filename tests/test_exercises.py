"""Every exercise of every chapter: the reference is correct, each typical mistake gets its
own message, and garbage answers get feedback, never a traceback."""

import re

import numpy as np
import pytest

from helpers import exercises
from helpers.exercises import Exercise, Mistake, Wrong, call, describe

ALL = exercises.all_exercises()


def _context(exercise: Exercise) -> dict:
    return exercise.context() if exercise.context else {}


def _answer(exercise: Exercise, answer, context: dict):
    """A mistake's answer as the learner would give it.

    A value exercise's answer is built from the context.
    """
    return answer if exercise.answer_is_function else answer(**context)


def _raises(*args, **kwargs):
    raise RuntimeError("boom")


GARBAGE = {
    "a string": "my answer",
    "a number": 3,
    "an array of the wrong shape": np.zeros((2, 3, 4)),
    "a list": [1, 2, 3],
    "a function that raises": _raises,
    "a function that returns a string": lambda *args, **kwargs: "yes",
    "a function that returns an array of the wrong shape": lambda *a, **k: np.zeros((7, 1)),
    "a function that returns a list of floats": lambda *a, **k: [0.123456, 0.5, 0.75],
}

#: A float inside square brackets ("[0.1235, 0.5", "[[0.]"), a NumPy repr or a line break:
#: what a message shows when it prints a raw array or list of numbers.
RAW_NUMBERS = re.compile(r"\[[^\]\[]*\d\.(?:\d|[\],\s])|array\(|\n")


def test_every_exercise_is_found_with_its_chapter():
    assert all(name.startswith("ch") and "." in name for name in ALL)


@pytest.mark.parametrize("name", sorted(ALL))
def test_the_reference_solution_is_correct(name):
    exercise = ALL[name]
    context = _context(exercise)
    result = exercise.feedback(exercise.reference_answer(**context), **context)
    assert result.status == "correct", result.message


@pytest.mark.parametrize("name", sorted(ALL))
def test_each_exercise_names_at_least_two_typical_mistakes_and_hints(name):
    exercise = ALL[name]
    assert len(exercise.mistakes) >= 2 and exercise.hints
    assert "def " in exercise.solution_source()


@pytest.mark.parametrize(
    ("name", "index"), [(n, i) for n in sorted(ALL) for i in range(len(ALL[n].mistakes))]
)
def test_each_typical_mistake_gets_its_own_message(name, index):
    exercise = ALL[name]
    context = _context(exercise)
    mistake = exercise.mistakes[index]
    result = exercise.feedback(_answer(exercise, mistake.answer, context), **context)
    assert result.status == "wrong", result.message
    assert mistake.says.lower() in result.message.lower(), result.message


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("garbage", sorted(GARBAGE))
def test_garbage_answers_get_feedback_not_a_traceback(name, garbage):
    exercise = ALL[name]
    result = exercise.feedback(GARBAGE[garbage], **_context(exercise))
    assert result.status in {"wrong", "unanswered"}, result.message
    assert result.message
    assert not RAW_NUMBERS.search(result.message), result.message


@pytest.mark.parametrize("name", sorted(ALL))
def test_no_message_prints_a_raw_list_of_numbers(name):
    exercise = ALL[name]
    context = _context(exercise)
    answers = [_answer(exercise, m.answer, context) for m in exercise.mistakes]
    answers.append(exercise.reference_answer(**context))
    for answer in answers:
        message = exercise.feedback(answer, **context).message
        assert not RAW_NUMBERS.search(message), message


@pytest.mark.parametrize("name", sorted(n for n in ALL if ALL[n].context))
@pytest.mark.parametrize("switch", ["off", "on"])
def test_a_check_without_its_data_says_how_to_call_it(name, switch, monkeypatch):
    exercise = ALL[name]
    monkeypatch.setenv("COURSE_SOLUTIONS", "1" if switch == "on" else "")
    answer = None if switch == "on" else exercise.reference_answer(**_context(exercise))
    result = exercise.feedback(answer)
    assert result.status == "wrong", result.message
    assert f"exercises.{name.split('.')[1]}.check(" in result.message, result.message
    for name_of_data in _context(exercise):
        assert f"{name_of_data}=" in result.message, result.message
    assert "TypeError" not in result.message and "missing" not in result.message


@pytest.mark.parametrize("name", sorted(ALL))
def test_the_blank_skeleton_is_unanswered_and_the_switch_fills_it(name, monkeypatch):
    exercise = ALL[name]
    context = _context(exercise)
    monkeypatch.delenv("COURSE_SOLUTIONS", raising=False)
    for blank in (None, ...):
        assert exercise.feedback(blank, **context).status == "unanswered"
    if exercise.answer_is_function:
        assert exercise.feedback(lambda *a, **k: None, **context).status == "unanswered"
    monkeypatch.setenv("COURSE_SOLUTIONS", "1")
    assert exercise.feedback(None, **context).status == "correct"
    if exercise.answer_is_function:  # the skeleton `def ...: ...` as given
        assert exercise.feedback(lambda *a, **k: None, **context).status == "correct"


# The machinery itself, on a toy exercise -------------------------------------------------


def _double_checker(answer):
    for x in (1, 5, -3):
        got = call(answer, x)
        if got == x:
            raise Wrong(f"double({x}) gave {got}, the number itself: multiply it by 2.")
        if got != 2 * x:
            raise Wrong(f"double({x}) gave {got!r}; it should be {2 * x}.")
    return "double(x) is 2 * x."


def _double(x):
    return 2 * x


TOY = Exercise(
    title="double a number",
    expects="a function double(x) -> number",
    checker=_double_checker,
    reference=_double,
    hints=("Multiply.", "Use `*`."),
    mistakes=(Mistake(lambda x: x, "the number itself"), Mistake(lambda x: x + 2, "should be")),
)


def test_check_prints_one_line_and_returns_the_feedback(capsys):
    result = TOY.check(_double)
    assert result.correct and capsys.readouterr().out.startswith("✅ Correct.")
    assert TOY.check(lambda x: x + 2).status == "wrong"
    assert "double(1) gave 3" in capsys.readouterr().out


def test_a_function_that_raises_is_named_in_the_feedback():
    def double(x):
        return x / "two"

    result = TOY.feedback(double)
    assert result.status == "wrong" and "double raised TypeError" in result.message


def test_a_function_with_the_wrong_parameters_is_named_with_what_it_should_take():
    def double():
        return 2

    result = TOY.feedback(double)
    assert result.status == "wrong"
    assert "double() cannot take the 1 argument" in result.message
    assert TOY.expects in result.message


def test_call_keeps_the_learners_exception_for_the_checker():
    def divide(x):
        return x / 0

    with pytest.raises(Wrong) as caught:
        call(divide, 1)
    assert isinstance(caught.value.error, ZeroDivisionError)


def test_a_misspelt_keyword_names_the_keywords_the_check_takes():
    def checker(answer, *, table):
        return "fine"

    toy = Exercise(**{**TOY.__dict__, "checker": checker, "usage": "check(x, table=table)"})
    result = toy.feedback(_double, tabel=1)
    assert result.status == "wrong" and "`tabel`" in result.message
    assert "`table`" in result.message and "check(x, table=table)" in result.message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (np.zeros((7, 1)), "an array of shape (7, 1)"),
        (np.float32(0.25), "the number 0.25"),
        (3, "the number 3"),
        ("x" * 100, "the text 'xxx"),
        ([0.1, 0.2, 0.3], "a list of 3 items"),
        (np.bool_(True), "the yes/no value True"),
        (object(), "an object"),
    ],
)
def test_describe_names_a_value_in_a_few_words(value, words):
    assert describe(value).startswith(words)
    assert len(describe(value)) < 60


def test_hints_come_one_at_a_time_and_the_solution_is_the_reference_source(capsys):
    toy = Exercise(**{**TOY.__dict__, "_hints_given": [0]})
    toy.hint()
    toy.hint()
    toy.hint()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("💡 Hint 1/2: Multiply.") and out[1].startswith("💡 Hint 2/2")
    assert out[2].startswith("💡 Hint 2/2")
    toy.solution()
    assert "def _double(x):\n    return 2 * x" in capsys.readouterr().out


def test_show_solutions_switch_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_SOLUTIONS", "1")
    try:
        exercises.show_solutions(False)
        assert TOY.feedback(None).status == "unanswered"
        exercises.show_solutions(True)
        assert TOY.feedback(None).status == "correct"
    finally:
        exercises._core._SWITCH["on"] = None
