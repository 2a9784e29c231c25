"""Question packs: the format, the loader and the validator.

A pack is a folder under ``content/`` holding ``pack.toml`` (id, title,
version) and one TOML file per topic.  Every problem found is reported with
the file, the question id and the field, so an editor can fix it at once.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.errors import ContentError, Problem

Level = Literal["junior", "mid", "senior"]
Kind = Literal["choice", "truefalse", "open"]
LEVELS: tuple[Level, ...] = ("junior", "mid", "senior")
KINDS: tuple[Kind, ...] = ("choice", "truefalse", "open")
LETTERS = "ABCDE"

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1)]
# Official documentation only: Flask, Pallets projects, and extension docs.
Url = Annotated[str, Field(pattern=r"^https://[^\s]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class KeyPoint(_Strict):
    """One idea an open answer should cover, and the phrases that show it.

    ``required``: an interviewer would not accept an answer without this point.
    ``contradicts``: phrases of the classic wrong claims about it (removed APIs,
    unsafe advice); an answer that makes one fails the point and the question.
    """

    point: Text
    phrases: list[Text] = Field(min_length=1)
    required: bool = False
    contradicts: list[Text] = Field(default_factory=list)


class _Code(_Strict):
    """Code run against the installed Flask: ``setup``, then (for a check, or a claim ``with_code``) the
    question's code, then ``run``, in one namespace; ``run`` must assign ``result``.  With ``server`` the
    setup and code run inside a real WSGI server's process instead, and ``run`` talks to it over HTTP:
    it gets ``http(method, path, headers=...)`` and ``base_url`` (see bot/content/checks.py)."""

    field: ClassVar[str]  # where it sits in a question, for messages
    setup: str = ""
    run: Text
    server: Literal["gunicorn", "waitress"] | None = None
    server_options: dict[str, str | int | bool] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options_need_server(self) -> _Code:
        _need(self.server is not None or not self.server_options,
              f"{self.field}.server_options", f"only a {self.field} with `server` takes server options")
        return self


class Check(_Code):
    """A machine check of the answer key, run by the test suite against the installed Flask.

    ``setup`` (hidden from players), the question's ``code`` and ``run`` are
    executed in that order in one namespace; ``run`` must assign ``result``.
    For a choice question ``values`` holds the result each option stands for;
    for a true/false question ``result`` must equal the answer.  With ``server``
    the setup and code run inside that server's process instead, and ``run``
    talks to it over real HTTP.
    """

    field = "check"
    values: list[Any] | None = None


class Claim(_Code):
    """A sentence of a question's prose pinned by running code, for what no answer key covers.

    ``says`` quotes the explanation or the model answer (the linter checks that it is there, so
    rewording the prose without the claim fails); the question's ``code`` runs only ``with_code``;
    ``result`` must equal ``expect``.
    """

    field = "claim"
    says: Text
    with_code: bool = False
    expect: Any


class Question(_Strict):
    id: Slug
    level: Level
    kind: Kind
    prompt: Text
    code: str | None = None
    choices: list[Text] | None = None
    answer: str | bool | None = None
    model_answer: str | None = None
    key_points: list[KeyPoint] | None = None
    explanation: Text
    references: list[Url] = Field(min_length=1)
    tags: list[Slug] = Field(default_factory=list)
    check: Check | None = None
    claims: list[Claim] = Field(default_factory=list)

    @model_validator(mode="after")
    def _kind_fields(self) -> Question:
        if self.kind == "choice":
            _need(self.choices is not None and 3 <= len(self.choices) <= 5,
                  "choices", "a choice question needs 3 to 5 choices")
            assert self.choices is not None
            _need(len({c.casefold() for c in self.choices}) == len(self.choices),
                  "choices", "choices must be distinct")
            _need(isinstance(self.answer, str) and len(self.answer) == 1
                  and self.answer in LETTERS[: len(self.choices)],
                  "answer", f"must be one letter from A to {LETTERS[len(self.choices) - 1]}")
            if self.check is not None:
                _need(self.check.values is not None and len(self.check.values) == len(self.choices),
                      "check.values", "needs one value per choice")
        elif self.kind == "truefalse":
            _need(isinstance(self.answer, bool), "answer", "must be true or false")
            _need(self.choices is None, "choices", "a true/false question has no choices")
        else:
            _need(bool(self.model_answer), "model_answer", "an open question needs a model answer")
            _need(self.key_points is not None and 2 <= len(self.key_points) <= 6,
                  "key_points", "an open question needs 2 to 6 key points")
            _need(self.answer is None and self.choices is None,
                  "answer", "an open question has no answer letter or choices")
        if self.kind != "open":
            _need(self.model_answer is None and self.key_points is None,
                  "model_answer", "only open questions have a model answer and key points")
        return self

    @property
    def correct_index(self) -> int | None:
        """Index of the right option (choice), 0/1 for true/false, else None."""
        if self.kind == "choice":
            assert isinstance(self.answer, str)
            return LETTERS.index(self.answer)
        if self.kind == "truefalse":
            return 0 if self.answer is True else 1
        return None

    @property
    def options(self) -> tuple[str, ...]:
        """The answer buttons a player sees."""
        if self.kind == "choice":
            assert self.choices is not None
            return tuple(self.choices)
        if self.kind == "truefalse":
            return ("True", "False")
        return ()


def _need(ok: bool, field: str, message: str) -> None:
    if not ok:
        raise ValueError(f"[{field}] {message}")


class TopicFile(_Strict):
    topic: Slug
    title: Text
    questions: list[dict[str, Any]] = Field(min_length=1)


class Misconception(_Strict):
    """A claim that is false wherever an answer makes it about the pack's subject.

    Matched in every open answer like a ``contradicts`` phrase, and shown with ``claim``, the
    correction.  It is not applied to a question whose own text (prompt, code, model answer, key
    points) names one of its phrases: that question is about it, and its own ``contradicts`` decide.
    ``group`` joins related entries (the removed APIs): a question that names two or more of a
    group is about that group, and none of it applies there.
    """

    claim: Text
    phrases: tuple[Text, ...] = Field(min_length=1)  # a tuple: entries are hashed (grading caches by them)
    group: Slug | None = None


class PackMeta(_Strict):
    id: Slug
    title: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    description: str = ""
    language: str = "en"
    misconceptions: tuple[Misconception, ...] = ()


@dataclass(frozen=True, slots=True)
class LoadedQuestion:
    """A validated question with where it came from."""

    pack: str
    topic: str
    topic_title: str
    file: str
    q: Question
    misconceptions: tuple[Misconception, ...] = ()  # the pack's, shared by its questions

    @property
    def id(self) -> str:
        return self.q.id


@dataclass(frozen=True, slots=True)
class Pack:
    meta: PackMeta
    path: Path
    questions: tuple[LoadedQuestion, ...]

    @property
    def topics(self) -> dict[str, str]:
        return {q.topic: q.topic_title for q in self.questions}


class Library:
    """Every loaded pack, with questions indexed by id."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = tuple(packs)
        self.questions = tuple(q for p in self.packs for q in p.questions)
        self._index = {q.id: q for q in self.questions}
        topics: dict[str, str] = {}
        for p in self.packs:
            topics.update(p.topics)
        self._topics = MappingProxyType(topics)
        self.topic_ids = frozenset(topics)  # for command parsing, at every command

    def get(self, question_id: str) -> LoadedQuestion | None:
        return self._index.get(question_id)

    def topics(self) -> Mapping[str, str]:
        """Topic id -> title, over all packs (read-only; worked out once)."""
        return self._topics

    def select(self, *, packs: Sequence[str] = (), topics: Sequence[str] = (),
               levels: Sequence[str] = ()) -> list[LoadedQuestion]:
        """Questions matching the filters; an empty filter matches everything."""
        return [q for q in self.questions
                if (not packs or q.pack in packs)
                and (not topics or q.topic in topics)
                and (not levels or q.q.level in levels)]


def _field_from_loc(loc: Iterable[int | str]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        else:
            parts.append(item)
    return ".".join(parts)


def _problems_from(err: ValidationError, file: str, qid: str | None) -> list[Problem]:
    out = []
    for e in err.errors():
        msg = str(e["msg"])
        field = _field_from_loc(e["loc"]) or None
        m = re.match(r"(?:Value error, )?\[([^\]]+)\] (.*)", msg)
        if m:
            field, msg = m.group(1), m.group(2)
        elif e["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see content/schema.json)"
        out.append(Problem(file, qid, field, msg))
    return out


# A question's table header on a line of its own (a string that swallows one still parses).
_QUESTION_HEADER = re.compile(r"(?m)^[ \t]*\[\[[ \t]*questions[ \t]*\]\][ \t]*(?:#.*)?$")


def _read_toml(path: Path, rel: str, problems: list[Problem]) -> tuple[dict[str, Any], str] | None:
    """The file's table and its text, or None (a problem appended)."""
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text), text
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(rel, None, None, f"not valid TOML: {exc}"))
        return None
    except IsADirectoryError:
        problems.append(Problem(rel, None, None, "is a folder; a pack holds .toml files, one per topic"))
        return None
    except OSError as exc:  # unreadable: permissions, a dangling link
        problems.append(Problem(rel, None, None, f"cannot be read ({exc.strerror or exc})"))
        return None


def load_pack(path: Path, problems: list[Problem], root: Path | None = None) -> Pack | None:
    """Load one pack folder, appending every problem found to ``problems``."""
    base = root or path.parent

    def rel(p: Path) -> str:
        try:
            return str(p.relative_to(base.parent if root is None else base))
        except ValueError:
            return str(p)

    meta_path = path / "pack.toml"
    read = _read_toml(meta_path, rel(meta_path), problems) if meta_path.exists() else None
    if not meta_path.exists():
        problems.append(Problem(rel(meta_path), None, None, "missing pack.toml (id, title, version)"))
    if read is None:
        return None
    try:
        meta = PackMeta.model_validate(read[0])
    except ValidationError as err:
        problems.extend(_problems_from(err, rel(meta_path), None))
        return None
    loaded: list[LoadedQuestion] = []
    for f in sorted(path.glob("*.toml")):
        if f.name == "pack.toml":
            continue
        read = _read_toml(f, rel(f), problems)
        if read is None:
            continue
        data, text = read
        try:
            topic = TopicFile.model_validate(data)
        except ValidationError as err:
            problems.extend(_problems_from(err, rel(f), None))
            continue
        headers = len(_QUESTION_HEADER.findall(text))
        if headers != len(topic.questions):  # still valid TOML: a string ran on over the next question
            problems.append(Problem(rel(f), None, "questions", (
                f"{headers} [[questions]] headers but {len(topic.questions)} questions read: a string runs on "
                f"over a question (look for an unclosed or early-closed quote before the first one missing)")))
        for i, rawq in enumerate(topic.questions):
            qid = rawq.get("id") if isinstance(rawq.get("id"), str) else f"#{i + 1}"
            try:
                q = Question.model_validate(rawq)
            except ValidationError as err:
                problems.extend(_problems_from(err, rel(f), qid))
                continue
            loaded.append(LoadedQuestion(meta.id, topic.topic, topic.title, rel(f), q, meta.misconceptions))
    seen: dict[str, str] = {}
    for lq in loaded:
        if lq.id in seen:
            problems.append(Problem(lq.file, lq.id, "id", f"duplicate id (also in {seen[lq.id]})"))
        seen.setdefault(lq.id, lq.file)
    return Pack(meta, path, tuple(loaded))


def load_library(content_dir: Path, *, strict: bool = True) -> tuple[Library, list[Problem]]:
    """Load every pack under ``content_dir``; raise ContentError if ``strict`` and anything is wrong."""
    problems: list[Problem] = []
    packs: list[Pack] = []
    if not content_dir.is_dir():
        problems.append(Problem(str(content_dir), None, None, "content folder not found"))
    else:
        for d in sorted(p for p in content_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
            pack = load_pack(d, problems, root=content_dir.parent)
            if pack is not None:
                packs.append(pack)
        ids: dict[str, str] = {}
        for pack in packs:
            for q in pack.questions:
                if q.id in ids and ids[q.id] != pack.meta.id:
                    problems.append(Problem(q.file, q.id, "id", f"id also used by pack {ids[q.id]!r}"))
                ids.setdefault(q.id, pack.meta.id)
    if strict and problems:
        raise ContentError(problems)
    return Library(tuple(packs)), problems


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    by_topic: dict[str, int]
    by_level: dict[str, int]
    by_kind: dict[str, int]
    with_code: int
    with_check: int
    claims: int = 0  # prose claims pinned by code (``Question.claims``)


def count(library: Library) -> Counts:
    qs = library.questions
    return Counts(
        total=len(qs),
        by_topic=dict(sorted(Counter(q.topic for q in qs).items())),
        by_level={lv: sum(1 for q in qs if q.q.level == lv) for lv in LEVELS},
        by_kind={k: sum(1 for q in qs if q.q.kind == k) for k in KINDS},
        with_code=sum(1 for q in qs if q.q.code),
        with_check=sum(1 for q in qs if q.q.check is not None),
        claims=sum(len(q.q.claims) for q in qs),
    )


def json_schema() -> str:
    """The JSON Schema of a topic file, for editors (exported to content/schema.json)."""
    topic = TopicFile.model_json_schema()
    question = Question.model_json_schema()
    topic["properties"]["questions"]["items"] = {"$ref": "#/$defs/Question"}
    topic.setdefault("$defs", {}).update(question.pop("$defs", {}))
    topic["$defs"]["Question"] = question
    topic["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    topic["title"] = "Drillbot topic file"
    return json.dumps(topic, indent=2, sort_keys=True) + "\n"
