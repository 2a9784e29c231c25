"""The one parser of the custom ids the bot puts on buttons and forms.

A custom id comes back from Discord as the member's client sent it, so it is input like any
other: a forged one may carry letters for a round id, an 80-digit number, a choice the
question never had.  Everything is validated here, once, into typed values; the handlers
never call ``int()`` on a piece of a custom id.

Custom ids (Discord allows 100 characters):
  drill:a:r:<round>:<n>     answer a daily round with option n
  drill:a:p:<question>:<n>  answer a practice question with option n
  drill:o:r:<round>         open question: the "Answer" button that opens a form
  drill:o:p:<question>
  drill:rep:<question>      report a problem with the question
  drill:rt:<question>:<r>   rate a practice answer: again|hard|good|easy, or right ("I was right")
  drill:dsp:<round>         dispute the grade of one's daily answer
  drill:f:o:<r|p>:<ref>:<nonce>   a submitted answer form
  drill:f:rep:<question>:<nonce>  a submitted report form
  drill:lv:j:<session>      join a live quiz (its lobby)
  drill:lv:s:<session>      start it now (the starter or an admin)
  drill:lv:x:<session>      stop it (the starter or an admin)
  drill:lv:a:<session>:<index>:<n>  answer live question <index> (0..29) with option n
  drill:iv:o:<guild>:<session>:<index>  a mock interview's "Answer" (opens the form) for question <index> (0..11)
  drill:iv:k:<guild>:<session>:<index>  skip interview question <index>
  drill:iv:x:<guild>:<session>          stop the interview
  drill:f:iv:<guild>:<session>:<index>:<nonce>  a submitted interview answer form

Interview buttons sit in a direct message, where Discord names no server: they carry the guild
the interview was started in (``Member`` needs it), checked by the handlers against the guilds
the bot is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_ROUND_ID = 2**63 - 1  # a database BIGINT; larger numbers are never ours
MAX_CHOICE = 4  # choices have 2..5 options (the engine checks the question's own count)
_ROUND = re.compile(r"[1-9][0-9]{0,18}")
_QUESTION = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_NONCE = re.compile(r"[0-9a-f]{1,32}")


@dataclass(frozen=True, slots=True)
class Ref:
    """What a button is about: a daily round (by id) or a practice question (by id)."""

    round_id: int | None = None
    question_id: str | None = None

    @property
    def daily(self) -> bool:
        return self.round_id is not None

    def encode(self) -> str:
        return f"r:{self.round_id}" if self.round_id is not None else f"p:{self.question_id}"


@dataclass(frozen=True, slots=True)
class AnswerClick:
    ref: Ref
    choice: int


@dataclass(frozen=True, slots=True)
class OpenClick:
    ref: Ref


@dataclass(frozen=True, slots=True)
class ReportClick:
    question_id: str


@dataclass(frozen=True, slots=True)
class AnswerForm:
    ref: Ref


@dataclass(frozen=True, slots=True)
class ReportForm:
    question_id: str


@dataclass(frozen=True, slots=True)
class RateClick:
    question_id: str
    rating: str


@dataclass(frozen=True, slots=True)
class DisputeClick:
    round_id: int


@dataclass(frozen=True, slots=True)
class LiveClick:
    """A live quiz's lobby or question button: ``action`` is join, start or stop."""

    session_id: int
    action: str


@dataclass(frozen=True, slots=True)
class LiveAnswer:
    session_id: int
    index: int
    choice: int


@dataclass(frozen=True, slots=True)
class InterviewClick:
    """A mock interview's button: ``action`` is answer (open the form), skip or stop (``index`` None)."""

    guild: int
    session_id: int
    action: str
    index: int | None = None


@dataclass(frozen=True, slots=True)
class InterviewForm:
    """A submitted interview answer form, for question ``index`` of ``session_id``."""

    guild: int
    session_id: int
    index: int


LIVE_ACTIONS = {"j": "join", "s": "start", "x": "stop"}
INTERVIEW_ACTIONS = {"o": "answer", "k": "skip"}
MAX_INTERVIEW_INDEX = 11  # an interview has at most 12 questions
MAX_INDEX = 29  # a live quiz has at most 30 questions
_INDEX = re.compile(r"0|[1-9][0-9]?")
RATINGS = ("again", "hard", "good", "easy", "right")
Parsed = (AnswerClick | OpenClick | ReportClick | AnswerForm | ReportForm | RateClick | DisputeClick | LiveClick
          | LiveAnswer | InterviewClick | InterviewForm)


def round_id(text: str) -> int | None:
    """A round id: 1..2**63-1 in plain ASCII digits, else None."""
    if not _ROUND.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ROUND_ID else None


def interview_index(text: str) -> int | None:
    """A question's place in an interview: 0..11 without leading zeros, else None."""
    return int(text) if _INDEX.fullmatch(text) and int(text) <= MAX_INTERVIEW_INDEX else None


def _interview(guild: str, session: str, index: str | None) -> tuple[int, int, int | None] | None:
    """(guild, session, index) when every part is valid (``index`` None: none expected)."""
    g, sid = round_id(guild), round_id(session)
    i = interview_index(index) if index is not None else None
    if g is None or sid is None or (index is not None and i is None):
        return None
    return g, sid, i


def question_id(text: str) -> str | None:
    return text if _QUESTION.fullmatch(text) else None


def ref(mode: str, text: str) -> Ref | None:
    if mode == "r":
        rid = round_id(text)
        return Ref(round_id=rid) if rid is not None else None
    if mode == "p":
        qid = question_id(text)
        return Ref(question_id=qid) if qid is not None else None
    return None


def parse(custom_id: str) -> Parsed | None:
    """The typed meaning of a custom id, or None when it is not one the bot could have made."""
    if not isinstance(custom_id, str) or len(custom_id) > 100:
        return None
    parts = custom_id.split(":")
    if len(parts) < 3 or parts[0] != "drill":
        return None
    kind, rest = parts[1], parts[2:]
    match kind, rest:
        case "a", [mode, text, n] if len(n) == 1 and "0" <= n <= str(MAX_CHOICE):
            r = ref(mode, text)
            return AnswerClick(r, int(n)) if r is not None else None
        case "o", [mode, text]:
            r = ref(mode, text)
            return OpenClick(r) if r is not None else None
        case "rep", [text]:
            qid = question_id(text)
            return ReportClick(qid) if qid is not None else None
        case "rt", [text, rating] if rating in RATINGS:
            qid = question_id(text)
            return RateClick(qid, rating) if qid is not None else None
        case "dsp", [text]:
            rid = round_id(text)
            return DisputeClick(rid) if rid is not None else None
        case "f", ["o", mode, text, nonce] if _NONCE.fullmatch(nonce):
            r = ref(mode, text)
            return AnswerForm(r) if r is not None else None
        case "lv", [action, text] if action in LIVE_ACTIONS:
            sid = round_id(text)
            return LiveClick(sid, LIVE_ACTIONS[action]) if sid is not None else None
        case "lv", ["a", text, index, n] if _INDEX.fullmatch(index) and int(index) <= MAX_INDEX and len(n) == 1 \
                and "0" <= n <= str(MAX_CHOICE):
            sid = round_id(text)
            return LiveAnswer(sid, int(index), int(n)) if sid is not None else None
        case "iv", [action, guild, session, index] if action in INTERVIEW_ACTIONS:
            found = _interview(guild, session, index)
            return InterviewClick(found[0], found[1], INTERVIEW_ACTIONS[action], found[2]) if found else None
        case "iv", ["x", guild, session]:
            found = _interview(guild, session, None)
            return InterviewClick(found[0], found[1], "stop") if found else None
        case "f", ["iv", guild, session, index, nonce] if _NONCE.fullmatch(nonce):
            found = _interview(guild, session, index)
            return InterviewForm(found[0], found[1], found[2]) if found and found[2] is not None else None
        case "f", ["rep", text, nonce] if _NONCE.fullmatch(nonce):
            qid = question_id(text)
            return ReportForm(qid) if qid is not None else None
    return None
