"""Grading: exact for choice and true/false, key-point matching for open answers.

An open answer is compared with each key point's phrases (``bot.grading.match``:
stems, small typos, compounds, one extra word, negation).  A point is covered
when a phrase occurs and is not negated; it is *contradicted* when the answer
denies it, or makes one of the point's ``contradicts`` claims (the classic
wrong answers) without dismissing it.  An answer is correct when nothing is
contradicted, every ``required`` point is covered, and at least two thirds of
all points are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.content import Misconception, Question
from bot.errors import BadAnswer
from bot.grading.match import Answer, Match
from bot.grading.text import words

__all__ = ["Answer", "Grade", "grade_choice", "grade_open", "letters", "open_threshold", "parse_choice",
           "phrase_in", "words"]


def phrase_in(phrase: str, answer_words: list[str]) -> bool:
    """True when ``phrase`` occurs in ``answer_words`` (and is not negated there)."""
    return Answer(" ".join(answer_words)).has(phrase)


@dataclass(frozen=True, slots=True)
class Grade:
    """The outcome of one answer: right or wrong, and for open answers which points were hit."""

    correct: bool
    choice: int | None = None
    covered: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    contradicted: tuple[str, ...] = ()  # "point (you wrote: '...')"


_DEVELOPMENT = frozenset({"development", "debug", "debugger", "local", "locally", "production", "test", "tests",
                          "testing"})


def _about_development(point: str) -> bool:
    """True when a key point is itself about where something runs ("never in production")."""
    return not _DEVELOPMENT.isdisjoint(words(point))


def open_threshold(total_points: int) -> int:
    """Key points needed for an open answer to count as correct: two thirds, rounded up."""
    return -(-2 * total_points // 3)


def grade_choice(question: Question, choice: int) -> Grade:
    """Grade a button press or a letter; raise BadAnswer for an option that does not exist."""
    if not 0 <= choice < len(question.options):
        raise BadAnswer(f"choose one of {', '.join(letters(question))}")
    return Grade(correct=choice == question.correct_index, choice=choice)


def grade_open(question: Question, text: str, misconceptions: tuple[Misconception, ...] = ()) -> Grade:
    """Grade a typed answer against the question's key points and the pack's ``misconceptions``."""
    assert question.key_points is not None
    answer = Answer(text)
    covered: list[str] = []
    missed: list[str] = []
    contradicted: list[str] = []
    required_missing = False
    for kp in question.key_points:
        wrong = next((m for m in (answer.find(p, typos=False) for p in kp.contradicts)
                      if m is not None and not answer.dismissed(m)), None)
        if wrong is not None:
            contradicted.append(f"{kp.point} (you wrote: '{wrong.words}')")
            required_missing |= kp.required
        elif _shown(answer, kp.phrases, kp.point):
            covered.append(kp.point)
        else:
            missed.append(kp.point)
            required_missing |= kp.required
    for mc in _applying(question, misconceptions):
        m = _made(answer, mc.phrases)
        if m is not None:
            contradicted.append(f"{mc.claim} (you wrote: '{m.words}')")
    ok = (not contradicted and not required_missing
          and len(covered) >= open_threshold(len(question.key_points)))
    return Grade(correct=ok, covered=tuple(covered), missed=tuple(missed), contradicted=tuple(contradicted))


def _shown(answer: Answer, phrases: Sequence[str], point: str) -> bool:
    """Some phrase of the point occurs and is not negated (or is negated only as "not in development"
    on a point about development); stops at the first such phrase."""
    about_dev: bool | None = None
    for p in phrases:
        m = answer.find(p)
        if m is None:
            continue
        if not m.negated:
            return True
        if m.confined:
            if about_dev is None:
                about_dev = _about_development(point)
            if about_dev:
                return True
    return False


def _made(answer: Answer, phrases: Sequence[str]) -> Match | None:
    """The first of ``phrases`` the answer asserts (matches, without typos, and does not dismiss), or None."""
    for p in phrases:
        m = answer.find(p, typos=False) if answer.may_name(p) else None
        if m is not None and not answer.dismissed(m):
            return m
    return None


# By the question's text and the misconceptions' identity (a pack's tuple lives as long as the pack;
# it is kept in the value so its id is not reused): hashing the entries at every answer costs more.
_APPLYING: dict[tuple[str, str, str, int], tuple[tuple[Misconception, ...], tuple[Misconception, ...]]] = {}


def _applying(question: Question, misconceptions: tuple[Misconception, ...]) -> tuple[Misconception, ...]:
    """The misconceptions that count as wrong claims on ``question``: those it does not name itself,
    and none of a group it names two or more of (a question about removals may hear removed APIs named)."""
    if not misconceptions:
        return ()
    key = (question.id, question.prompt, question.model_answer or "", id(misconceptions))
    entry = _APPLYING.get(key)
    if entry is None or entry[0] is not misconceptions:
        kps = question.key_points or []
        # What the question says is on topic, and what it lists as wrong itself: a misconception named
        # in either is the question's own business; only the first makes a group's other members on topic
        # (listing two removed APIs as contradictions is no question about removals).
        said = Answer("\n".join([question.prompt, question.code or "", question.model_answer or ""]
                                + [kp.point for kp in kps] + [p for kp in kps for p in kp.phrases]))
        refused = Answer("\n".join(p for kp in kps for p in kp.contradicts))

        def names(a: Answer, mc: Misconception) -> bool:
            return any(a.may_name(p) and a.find(p) is not None for p in mc.phrases)
        on_topic = {mc for mc in misconceptions if names(said, mc)}
        named = on_topic | {mc for mc in misconceptions if names(refused, mc)}
        crowded = {g for g, n in Counter(mc.group for mc in on_topic if mc.group).items() if n >= 2}
        entry = _APPLYING[key] = (misconceptions, tuple(mc for mc in misconceptions
                                                        if mc not in named and mc.group not in crowded))
    return entry[1]


def letters(question: Question) -> list[str]:
    """The letters a member can type for this question's options."""
    return [chr(ord("A") + i) for i in range(len(question.options))]


def parse_choice(question: Question, text: str) -> int | None:
    """Turn typed input into an option index: a letter, 'true'/'false', or the option's text."""
    t = text.strip().casefold().rstrip(".)")
    if len(t) == 1 and t.upper() in letters(question):
        return ord(t.upper()) - ord("A")
    if question.kind == "truefalse" and t in {"true", "false", "t", "f", "yes", "no"}:
        return 0 if t in {"true", "t", "yes"} else 1
    for i, option in enumerate(question.options):
        if option.casefold() == t:
            return i
    return None
