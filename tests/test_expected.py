"""helpers.expected: the ranges the chapters print their trained-model results against."""

from __future__ import annotations

import math

import pytest

from helpers import config, expected
from helpers.errors import ConfigError, ExpectationError


def test_every_range_is_ordered_and_named_for_a_known_profile():
    for key, entry in expected.EXPECTED.items():
        assert entry.label, key
        for profile, (low, high) in entry.ranges.items():
            assert profile in config.PROFILES, (key, profile)
            assert low <= high, (key, profile)


def test_a_value_inside_its_range_prints_the_range(capsys):
    key, entry = next(iter(expected.EXPECTED.items()))
    low, high = entry.ranges["cpu"]
    assert expected.report(key, (low + high) / 2, profile="cpu", check=True) is None
    line = capsys.readouterr().out.strip()
    assert line.startswith(entry.label) and "expected for the 'cpu' profile" in line
    assert "\n" not in line


@pytest.mark.parametrize("offset", [-0.01, 0.01])
def test_a_value_outside_is_an_error_when_checking(offset):
    key, entry = next(iter(expected.EXPECTED.items()))
    low, high = entry.ranges["cpu"]
    value = low + offset if offset < 0 else high + offset
    with pytest.raises(ExpectationError, match=key):
        expected.report(key, value, profile="cpu", check=True)


def test_the_error_gives_the_value_as_printed_not_every_digit():
    key, entry = next(iter(expected.EXPECTED.items()))
    value = entry.ranges["cpu"][0] - 0.0123456789
    with pytest.raises(ExpectationError) as error:
        expected.report(key, value, profile="cpu", check=True)
    message = str(error.value)
    assert f" {value:.{entry.digits}f} is outside" in message and str(value) not in message


def test_a_value_outside_is_a_note_for_a_learner(capsys, monkeypatch):
    monkeypatch.delenv(expected.CHECK_ENV, raising=False)
    key, entry = next(iter(expected.EXPECTED.items()))
    expected.report(key, math.nan, profile="cpu")
    out = capsys.readouterr().out
    assert "Note:" in out and "outside the range" in out


def test_the_environment_variable_turns_checking_on(monkeypatch):
    key, entry = next(iter(expected.EXPECTED.items()))
    monkeypatch.setenv(expected.CHECK_ENV, "1")
    with pytest.raises(ExpectationError):
        expected.report(key, entry.ranges["cpu"][1] + 1, profile="cpu")


def test_an_unknown_key_says_where_to_add_it():
    with pytest.raises(ConfigError, match="helpers.expected"):
        expected.report("ch99.nothing", 0.5, profile="cpu")
