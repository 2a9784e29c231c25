"""Every machine check in the pack, run against the installed Flask: a wrong answer key fails here."""

from __future__ import annotations

import dataclasses
from importlib.metadata import version

import pytest

from bot.content import LoadedQuestion, load_library
from bot.content.checks import run_check
from tests.conftest import CONTENT, SAMPLE

LIBRARY, _ = load_library(CONTENT, strict=False)
CHECKED = [q for q in LIBRARY.questions if q.q.check is not None]


def test_flask_is_the_pinned_series() -> None:
    assert version("flask").startswith("3.1.")


def test_there_are_checks() -> None:
    assert len(CHECKED) >= 50


@pytest.mark.parametrize("lq", CHECKED, ids=[q.id for q in CHECKED])
def test_answer_key_matches_flask(lq: LoadedQuestion) -> None:
    result = run_check(lq)
    assert result.ok, f"{lq.file}: {lq.id}: {result.detail}"


def _with_answer(lq: LoadedQuestion, answer: object) -> LoadedQuestion:
    q = lq.q.model_copy(update={"answer": answer})
    return dataclasses.replace(lq, q=q)


def test_a_wrong_answer_key_fails() -> None:
    library, _ = load_library(SAMPLE)
    lq = library.get("example-trailing-slash")
    assert lq is not None and run_check(lq).ok
    bad = run_check(_with_answer(lq, "A"))
    assert not bad.ok and "308" in bad.detail


@pytest.mark.parametrize("lq", [q for q in CHECKED if q.q.kind == "truefalse"][:5],
                         ids=lambda q: q.id)
def test_flipped_true_false_key_fails(lq: LoadedQuestion) -> None:
    assert not run_check(_with_answer(lq, not lq.q.answer)).ok


def test_the_checker_without_arguments_runs_the_bundled_packs(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    # It looked in bot/ for a content folder and ran nothing ("0 checks run"), however broken the packs.
    from bot.content import checks

    monkeypatch.setattr(checks, "bundled_content", lambda: SAMPLE)
    assert checks.main([]) == 0
    assert "1 checks run, 0 failed" in capsys.readouterr().out
