"""Fuzzing what is read from files and ids: bot.toml, pack files, and the adapters' id parsers.

Properties: bot.toml either loads or raises ConfigError whose every line names the file; a pack
folder always loads into problems (file named), never an exception; the id parsers return a
typed value or refuse, never raise anything else.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.discord import ids as discord_ids
from adapters.slack import ids as slack_ids
from bot.config import Settings, load_config
from bot.content import load_library
from bot.errors import ConfigError
from tests.fuzz import fuzz_settings, json_value, member_text

SECTIONS = {name: list(field.annotation.model_fields) if hasattr(field.annotation, "model_fields") else []
            for name, field in Settings.model_fields.items()}


def toml_value(v: Any) -> str:
    """A TOML literal for ``v`` (JSON strings are valid TOML basic strings)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v if not isinstance(x, dict | type(None))) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items() if x is not None) + "}"
    return json.dumps(str(v))


toml_scalar = st.one_of(st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
                        st.floats(allow_nan=False, allow_infinity=False), member_text.map(lambda t: t[:80]),
                        st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=8)), max_size=3),
                        st.sampled_from(["UTC", "Etc", "America", "09:30", "sqlite:///x.db", "nonsense", "content",
                                         "mon", "junior", "console"]))


@st.composite
def bot_toml(draw: st.DrawFn) -> str:
    lines = []
    for section in draw(st.lists(st.sampled_from([*SECTIONS, "nope"]), unique=True, max_size=4)):
        keys = [*SECTIONS.get(section, []), "bogus"]
        body = {k: draw(toml_scalar) for k in draw(st.lists(st.sampled_from(keys), unique=True, max_size=4))}
        if section == "schedules":
            lines.append("[[schedules]]")
            body = {k: draw(toml_scalar) for k in draw(st.lists(st.sampled_from(
                ["platform", "community", "channel", "time", "timezone", "days", "topics", "levels", "x"]),
                unique=True, max_size=9))}
        else:
            lines.append(f"[{section}]")
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


raw_bytes = st.one_of(bot_toml().map(str.encode), st.binary(max_size=200),
                      st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))


@fuzz_settings
@given(content=raw_bytes)
def test_fuzz_bot_toml(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        cfg = Path(d) / "bot.toml"
        cfg.write_bytes(content)
        try:
            load_config(cfg)
        except ConfigError as exc:
            lines = str(exc).splitlines()
            assert lines and all(line.startswith(str(cfg)) or line.startswith("--database")
                                 or line.startswith("DRILLBOT_DATABASE_URL") for line in lines), str(exc)


question = st.fixed_dictionaries({}, optional={
    "id": st.one_of(member_text, st.just("t-one"), st.just("t-one")), "level": st.sampled_from(["junior", "x", 3]),
    "kind": st.sampled_from(["choice", "truefalse", "open", "nope"]), "prompt": member_text,
    "choices": st.lists(st.text(max_size=10), max_size=6), "answer": st.one_of(st.sampled_from(["A", "E", "Z"]),
                                                                                st.booleans()),
    "explanation": member_text, "references": st.lists(member_text, max_size=2),
    "model_answer": member_text, "key_points": st.lists(st.fixed_dictionaries({"point": st.text(max_size=10)}),
                                                        max_size=2)})


@st.composite
def topic_file(draw: st.DrawFn) -> str:
    head = {k: draw(toml_scalar) for k in draw(st.lists(st.sampled_from(["topic", "title", "extra"]), unique=True))}
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in head.items()]
    for q in draw(st.lists(question, max_size=3)):
        lines.append("[[questions]]")
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in q.items()]
    return "\n".join(lines) + "\n"


@fuzz_settings
@given(files=st.lists(st.tuples(st.sampled_from(["a.toml", "b.toml", "pack.toml", "x.toml/", "c.txt"]),
                                st.one_of(topic_file().map(str.encode), st.binary(max_size=80))), max_size=4))
def test_fuzz_pack_files(files: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        pack = Path(d) / "content" / "p"
        pack.mkdir(parents=True)
        (pack / "pack.toml").write_text('id = "p"\ntitle = "P"\nversion = "1.0.0"\n')
        for name, body in files:
            if name.endswith("/"):
                (pack / name.rstrip("/")).mkdir(exist_ok=True)
            elif not (pack / name).is_dir():
                (pack / name).write_bytes(body)
        _library, problems = load_library(Path(d) / "content", strict=False)
        assert all(p.file and p.message for p in problems)


@fuzz_settings
@given(custom_id=st.one_of(member_text, st.lists(st.one_of(st.sampled_from(["drill", "a", "o", "r", "p", "f", "rep"]),
                                                           member_text), max_size=6).map(":".join)))
def test_fuzz_discord_custom_ids(custom_id: str) -> None:
    parsed = discord_ids.parse(custom_id)
    if isinstance(parsed, discord_ids.AnswerClick | discord_ids.OpenClick | discord_ids.AnswerForm):
        r = parsed.ref
        assert (r.round_id is not None and 0 < r.round_id <= discord_ids.MAX_ROUND_ID) or r.question_id


@fuzz_settings
@given(body=json_value, action=json_value, view=json_value, daily=st.booleans())
def test_fuzz_slack_parsers(body: Any, action: Any, view: Any, daily: bool) -> None:
    for parse in (lambda: slack_ids.member(body), lambda: slack_ids.trigger(body),
                  lambda: slack_ids.choice_value(action, daily=daily),
                  lambda: slack_ids.open_value(action, daily=daily),
                  lambda: slack_ids.meta(view), lambda: slack_ids.meta({"private_metadata": json.dumps(view)})):
        with contextlib.suppress(slack_ids.BadRequest):  # the only refusal allowed
            parse()
    assert slack_ids.channel_of(body) is None or isinstance(slack_ids.channel_of(body), str)
