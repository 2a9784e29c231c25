"""Grading: exact for choice and true/false, key-point matching for open answers.

Open answers are compared word by word after normalisation (case and
punctuation ignored).  A key point is covered when one of its phrases appears
in the answer as consecutive words, where each word may carry a small typo
(one edit or swap of neighbours for words of 5+ letters, two for 9+) and a phrase word of 4+
letters also matches longer words it starts (``sign`` matches ``signed``).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content import Question
from bot.errors import BadAnswer

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words; punctuation and underscores separate words."""
    return _WORD.findall(text.casefold())


class Answer:
    """A typed answer prepared for matching many phrases against it."""

    def __init__(self, text: str) -> None:
        self.words = words(text)
        self._vocab = sorted(set(self.words))
        self._known = set(self._vocab)
        self._cache: dict[str, frozenset[str]] = {}

    def matches(self, want: str) -> frozenset[str]:
        """The answer's distinct words that ``want`` matches (exact, prefix or small typo)."""
        hit = self._cache.get(want)
        if hit is not None:
            return hit
        found = {want} if want in self._known else set()
        if len(want) >= 4:
            i = bisect.bisect_left(self._vocab, want)
            while i < len(self._vocab) and self._vocab[i].startswith(want):
                found.add(self._vocab[i])
                i += 1
        if len(want) >= 5:
            allowed = 2 if len(want) >= 9 else 1
            found.update(w for w, _score, _i in process.extract(
                want, self._vocab, scorer=OSA.distance, score_cutoff=allowed, limit=None))
        result = self._cache[want] = frozenset(found)
        return result

    def has(self, phrase: str) -> bool:
        """True when ``phrase`` occurs as consecutive (fuzzy) words."""
        want = words(phrase)
        if not want:
            return False
        if len(want) > 1 and self.matches("".join(want)):  # "create_app" typed as "createapp"
            return True
        sets = [self.matches(w) for w in want]
        if not all(sets):
            return False
        n = len(want)
        return any(all(self.words[i + k] in sets[k] for k in range(n))
                   for i in range(len(self.words) - n + 1) if self.words[i] in sets[0])


def phrase_in(phrase: str, answer_words: list[str]) -> bool:
    """True when ``phrase`` occurs in ``answer_words`` as consecutive (fuzzy) words."""
    return Answer(" ".join(answer_words)).has(phrase)


@dataclass(frozen=True, slots=True)
class Grade:
    """The outcome of one answer: right or wrong, and for open answers which points were hit."""

    correct: bool
    choice: int | None = None
    covered: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()


def open_threshold(total_points: int) -> int:
    """Key points needed for an open answer to count as correct: two thirds, rounded up."""
    return -(-2 * total_points // 3)


def grade_choice(question: Question, choice: int) -> Grade:
    """Grade a button press or a letter; raise BadAnswer for an option that does not exist."""
    if not 0 <= choice < len(question.options):
        raise BadAnswer(f"choose one of {', '.join(letters(question))}")
    return Grade(correct=choice == question.correct_index, choice=choice)


def grade_open(question: Question, text: str) -> Grade:
    """Grade a typed answer against the question's key points."""
    assert question.key_points is not None
    answer = Answer(text)
    covered: list[str] = []
    missed: list[str] = []
    for kp in question.key_points:
        hit = any(answer.has(p) for p in kp.phrases)
        (covered if hit else missed).append(kp.point)
    ok = len(covered) >= open_threshold(len(question.key_points))
    return Grade(correct=ok, covered=tuple(covered), missed=tuple(missed))


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
