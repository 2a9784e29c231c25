"""Key points of the pack's open questions: the model answer is a correct answer, so it makes no contradicted claim."""

from __future__ import annotations

import pytest

from bot.content import LoadedQuestion, load_library
from bot.grading import Answer
from tests.conftest import CONTENT

LIBRARY, _ = load_library(CONTENT, strict=False)
OPEN = [q for q in LIBRARY.questions if q.q.kind == "open"]


@pytest.mark.parametrize("lq", OPEN, ids=[q.id for q in OPEN])
def test_model_answer_makes_no_contradicted_claim(lq: LoadedQuestion) -> None:
    assert lq.q.model_answer is not None and lq.q.key_points is not None
    model = Answer(lq.q.model_answer)
    made = [c for kp in lq.q.key_points for c in kp.contradicts if model.has(c)]
    assert not made, f"{lq.file}: {lq.id}: the model answer matches contradicts phrases {made}"


def test_removed_apis_are_contradictions_not_phrases() -> None:
    """The reviewer findings: old APIs must never earn a key point."""
    stale = {"json_encoder", "json encoder", "jwt_required", ".env"}
    offenders = [(q.id, p) for q in OPEN for kp in q.q.key_points or () for p in kp.phrases if p.casefold() in stale]
    assert not offenders


@pytest.mark.parametrize(("qid", "wrong"), [
    ("security-open-api-auth", "Flask-JWT: JWT(app, authenticate, identity), @jwt_required() and current_identity"),
    ("rest-open-serialise-models", "Subclass JSONEncoder and assign it to app.json_encoder"),
    ("scenarios-works-with-flask-run-not-gunicorn", "Gunicorn needs FLASK_ENV=production set"),
])
def test_classic_wrong_answers_hit_a_contradiction(qid: str, wrong: str) -> None:
    lq = LIBRARY.get(qid)
    assert lq is not None and lq.q.key_points is not None
    answer = Answer(wrong)
    assert any(answer.has(c) for kp in lq.q.key_points for c in kp.contradicts)
    assert not any(answer.has(p) for kp in lq.q.key_points if kp.required for p in kp.phrases)
