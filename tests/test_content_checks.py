"""Every machine check in the pack, run against the installed Flask: a wrong answer key fails here."""

from __future__ import annotations

import dataclasses
from importlib.metadata import version

import pytest

from bot.content import Claim, Library, LoadedQuestion, load_library
from bot.content.checks import run_check, run_claim
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


CLAIMS = [(lq, i) for lq in LIBRARY.questions for i in range(len(lq.q.claims))]


def test_there_are_claims() -> None:
    assert len(CLAIMS) >= 8


@pytest.mark.parametrize(("lq", "index"), CLAIMS, ids=[f"{lq.id}-claim{i}" for lq, i in CLAIMS])
def test_a_claim_in_the_prose_holds_on_flask(lq: LoadedQuestion, index: int) -> None:
    result = run_claim(lq, index)
    assert result.ok, f"{lq.file}: {lq.id}: {result.detail}"


def _claiming(lq: LoadedQuestion, **claim: object) -> LoadedQuestion:
    return dataclasses.replace(lq, q=lq.q.model_copy(update={"claims": [Claim.model_validate(claim)]}))


def test_a_claim_the_code_contradicts_fails_and_says_what_flask_did() -> None:
    library, _ = load_library(SAMPLE)
    lq = library.get("example-trailing-slash")
    assert lq is not None
    run = "result = client.get('/projects').status_code"
    assert run_claim(_claiming(lq, says="redirects", with_code=True, run=run, expect=308), 0).ok
    bad = run_claim(_claiming(lq, says="redirects", with_code=True, run=run, expect=301), 0)
    assert not bad.ok and "gave 308" in bad.detail and "says 301" in bad.detail
    # without the question's code there is no app to ask: the claim fails, it does not pass by default
    assert not run_claim(_claiming(lq, says="redirects", run=run, expect=308), 0).ok
    assert not run_claim(_claiming(lq, says="redirects", run="x = 1", expect=1), 0).ok  # no `result`


def test_a_claim_runs_under_a_real_server() -> None:
    library, _ = load_library(SAMPLE)
    lq = library.get("example-trailing-slash")
    assert lq is not None
    setup = ("import os\nfrom flask import Flask\napp = Flask(__name__)\n"
             "@app.get('/')\ndef i():\n    return str(os.getpid())\n")
    run = "import os\nresult = http('GET', '/').body.decode() != str(os.getpid())"
    assert run_claim(_claiming(lq, says="redirects", setup=setup, run=run, expect=True, server="gunicorn"), 0).ok


def test_the_linter_wants_a_claim_quoted_from_the_prose() -> None:
    from bot.content.lint import lint

    library, _ = load_library(SAMPLE)
    lq = library.get("example-trailing-slash")
    assert lq is not None
    quoted = _claiming(lq, says=" ".join(lq.q.explanation.split()[:6]).upper(), run="result = 1", expect=1)
    invented = _claiming(lq, says="Flask never redirects", run="result = 1", expect=1)
    for changed, bad in ((quoted, False), (invented, True)):
        lib = Library([dataclasses.replace(pack, questions=tuple(changed if q.id == lq.id else q
                                                                 for q in pack.questions))
                       for pack in library.packs])
        found = [p for p in lint(lib) if (p.field or "").startswith("claims[0]")]
        assert bool(found) is bad, found
