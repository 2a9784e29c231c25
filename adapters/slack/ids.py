"""The one parser of what Slack sends the listeners: ids, action values and the modal's metadata.

A request that passed the signature check is Slack's, but its fields are still only as good
as what the member's client put in them: a button value is whatever the message said, and a
forged message can say anything.  Each field is validated here, once, into typed values;
anything else raises ``BadRequest`` (a refusal, never a traceback).

Action values the bot writes (``adapters.slack.render``):
  choice buttons   "<ref>|<n>"    ref: a round id (daily) or a question id (practice)
  "Answer" button  "<ref>"
  interview        buttons "<session>|<index>" (Skip, Stop) and "<session>" (Continue); the question
                   modal's metadata {"s": <session>, "i": <index>, "c": "<channel>"}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot import wording
from bot.errors import UserError
from bot.members.identity import Member

PLATFORM = "slack"
MAX_ROUND_ID = 2**63 - 1
MAX_CHOICE = 4
_ROUND = re.compile(r"[1-9][0-9]{0,18}")
_QUESTION = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_SLACK_ID = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,40}")  # team, user, channel ids: T0..., U0..., C0...
_TRIGGER = re.compile(r"[0-9A-Za-z._-]{1,200}")


class BadRequest(UserError):
    """A field Slack delivered is missing or not one the bot could have produced."""

    def __init__(self, what: str) -> None:
        super().__init__(wording.BAD_REQUEST)
        self.what = what


@dataclass(frozen=True, slots=True)
class Ref:
    """A daily round (by id) or a practice question (by id)."""

    round_id: int | None = None
    question_id: str | None = None


@dataclass(frozen=True, slots=True)
class Meta:
    """The answer modal's private metadata: what it answers and where to reply."""

    ref: Ref
    url: str
    channel: str


def _str(body: Any, key: str) -> str:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        raise BadRequest(key)
    return value


def slack_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _SLACK_ID.fullmatch(value):
        raise BadRequest(what)
    return value


def trigger(body: Any) -> str:
    value = _str(body, "trigger_id")
    if not _TRIGGER.fullmatch(value):
        raise BadRequest("trigger_id")
    return value


def member(body: Any) -> Member:
    """Who sent a slash command (flat fields) or an interactive payload (``user`` object)."""
    if not isinstance(body, dict):
        raise BadRequest("body")
    user = body.get("user")
    if isinstance(user, dict):
        team_obj = body.get("team")
        team = user.get("team_id") or (team_obj.get("id") if isinstance(team_obj, dict) else None)
        name = user.get("username") or user.get("name") or ""
        return Member(PLATFORM, slack_id(team, "team_id"), slack_id(user.get("id"), "user.id"),
                      name if isinstance(name, str) else "")
    name = body.get("user_name", "")
    return Member(PLATFORM, slack_id(body.get("team_id"), "team_id"), slack_id(body.get("user_id"), "user_id"),
                  name if isinstance(name, str) else "")


def channel_of(body: Any) -> str | None:
    """The channel an interactive payload came from, if Slack says (Home tab clicks have none)."""
    ch = body.get("channel") if isinstance(body, dict) else None
    value = ch.get("id") if isinstance(ch, dict) else None
    if value is None:
        container = body.get("container") if isinstance(body, dict) else None
        value = container.get("channel_id") if isinstance(container, dict) else None
    return value if isinstance(value, str) and _SLACK_ID.fullmatch(value) else None


def ref(text: Any, *, daily: bool) -> Ref:
    if not isinstance(text, str):
        raise BadRequest("value")
    if daily:
        if not _ROUND.fullmatch(text) or int(text) > MAX_ROUND_ID:
            raise BadRequest("value")
        return Ref(round_id=int(text))
    if not _QUESTION.fullmatch(text):
        raise BadRequest("value")
    return Ref(question_id=text)


def choice_value(action: Any, *, daily: bool) -> tuple[Ref, int]:
    """A choice button's value: the ref and the option index."""
    value = _str(action, "value")
    head, sep, index = value.rpartition("|")
    if not sep or len(index) != 1 or not "0" <= index <= str(MAX_CHOICE):
        raise BadRequest("value")
    return ref(head, daily=daily), int(index)


def open_value(action: Any, *, daily: bool) -> Ref:
    return ref(_str(action, "value"), daily=daily)


def encode(r: Ref) -> str:
    return str(r.round_id) if r.round_id is not None else str(r.question_id)


def meta(view: Any) -> Meta:
    """The modal's private metadata as ``render.answer_modal`` wrote it."""
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise BadRequest("private_metadata")
    url, channel = data.get("url", ""), data.get("channel", "")
    if not isinstance(url, str) or not isinstance(channel, str):
        raise BadRequest("private_metadata")
    return Meta(ref(data.get("ref"), daily=data.get("mode") == "daily"), url, channel)


@dataclass(frozen=True, slots=True)
class InterviewMeta:
    """The interview modal's private metadata: the question it shows, and the channel it was opened from."""

    session_id: int
    index: int
    channel: str


_AT = re.compile(r"([1-9][0-9]{0,18})\|([0-9]{1,2})")
MAX_INDEX = 99


def _session(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ROUND_ID:
        raise BadRequest("private_metadata")
    return value


def interview_meta(view: Any) -> InterviewMeta:
    """What ``interview_render.meta`` wrote into the modal; anything else is a ``BadRequest``."""
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    try:
        data = json.loads(raw) if isinstance(raw, str) and len(raw) <= 3000 else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or set(data) != {"s", "i", "c"}:
        raise BadRequest("private_metadata")
    index, channel = data["i"], data["c"]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= MAX_INDEX:
        raise BadRequest("private_metadata")
    if not isinstance(channel, str) or (channel and not _SLACK_ID.fullmatch(channel)):
        raise BadRequest("private_metadata")
    return InterviewMeta(_session(data["s"]), index, channel)


def interview_at(action: Any) -> tuple[int, int]:
    """A Skip or Stop button's (session id, question index)."""
    m = _AT.fullmatch(_str(action, "value"))
    if m is None or int(m[1]) > MAX_ROUND_ID:
        raise BadRequest("value")
    return int(m[1]), int(m[2])


def interview_session(action: Any) -> int:
    """A Continue button's session id."""
    value = _str(action, "value")
    if not _ROUND.fullmatch(value) or int(value) > MAX_ROUND_ID:
        raise BadRequest("value")
    return int(value)
