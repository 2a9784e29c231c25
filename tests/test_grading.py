"""Grading: exact for options, tolerant for typed answers."""

from __future__ import annotations

import pytest

from bot.content import load_library
from bot.errors import BadAnswer
from bot.grading import grade_choice, grade_open, open_threshold, parse_choice, phrase_in, words
from tests.conftest import SAMPLE

LIB, _ = load_library(SAMPLE)


def q(qid: str):  # type: ignore[no-untyped-def]
    lq = LIB.get(qid)
    assert lq is not None
    return lq.q


def test_choice_is_exact() -> None:
    question = q("example-trailing-slash")
    assert grade_choice(question, 1).correct
    assert not grade_choice(question, 0).correct
    with pytest.raises(BadAnswer):
        grade_choice(question, 4)


@pytest.mark.parametrize(("typed", "index"), [("b", 1), ("B)", 1), (" B. ", 1), ("a", 0), ("E", None),
                                              ("A 308 redirect to /projects/", 1), ("maybe", None)])
def test_parse_choice(typed: str, index: int | None) -> None:
    assert parse_choice(q("example-trailing-slash"), typed) == index


@pytest.mark.parametrize(("typed", "index"), [("true", 0), ("False", 1), ("b", 1), ("yes", 0)])
def test_parse_true_false(typed: str, index: int) -> None:
    assert parse_choice(q("example-session-signed"), typed) == index


@pytest.mark.parametrize(("phrase", "text", "hit"), [
    ("init_app", "then call ext.init_app(app)", True),
    ("init_app", "INIT-APP later", True),
    ("create_app", "a createapp function", True),
    ("signed", "the cookie is sigend", True),  # swapped letters
    ("signed", "the cookie is signd", True),  # one letter missing
    ("sign", "it is signed", True),  # prefix of a longer word
    ("test config", "a separate test configuration", True),
    ("test config", "config for the test", False),  # order matters
    ("app", "happy", False),  # short words must match whole
    ("secret key", "the secret is key", False),
])
def test_phrase_matching(phrase: str, text: str, hit: bool) -> None:
    assert phrase_in(phrase, words(text)) is hit


def test_open_answer_reports_covered_and_missed_points() -> None:
    question = q("example-open-factory")
    g = grade_open(question, "You write a create_app FACTORY function; every extension is bound with init_app.")
    assert g.covered == ("The app is created inside a function such as create_app",
                         "Extensions are bound later with init_app")
    assert g.missed == ("Each test or environment gets its own app and configuration",)
    assert g.correct  # 2 of 3 is two thirds
    poor = grade_open(question, "It uses init_app.")
    assert not poor.correct and len(poor.missed) == 2


def test_model_answer_gets_full_marks() -> None:
    question = q("example-open-factory")
    assert question.model_answer is not None
    g = grade_open(question, question.model_answer)
    assert g.correct and g.missed == ()


@pytest.mark.parametrize(("points", "needed"), [(2, 2), (3, 2), (4, 3), (5, 4), (6, 4)])
def test_open_threshold(points: int, needed: int) -> None:
    assert open_threshold(points) == needed
