"""Fuzzing the Discord adapter through the fake Discord: every command option (read from the
command tree), custom ids and form values, from this guild, another guild and direct messages.

Properties: every interaction is answered within 3 s; nothing reaches the log at ERROR; a refused
input changes no row; nothing done from another guild or a DM is stored anywhere.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from discord import app_commands
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from adapters.discord.commands import COMMANDS
from bot import wording
from bot.storage.models import Answer, Community, Score
from tests.discord.conftest import ANN, BOB, Bot
from tests.discord.fake_discord import JSON, opt, sub
from tests.discord.test_daily import post_now
from tests.fuzz import REPLY_WITHIN, fuzz_settings, json_value, member_text, no_errors, row_counts

REFUSALS = {wording.BAD_OPTIONS, wording.BAD_BUTTON, wording.GUILD_ONLY, wording.NOT_ADMIN, wording.BAD_REQUEST,
            wording.ROUND_OTHER_COMMUNITY}


def leaves() -> list[tuple[str, str | None, list[app_commands.Parameter]]]:
    """(command, subcommand, parameters) for every command the bot registers."""
    out: list[tuple[str, str | None, list[app_commands.Parameter]]] = []
    for cmd in COMMANDS:
        if isinstance(cmd, app_commands.Group):
            out += [(cmd.name, c.name, list(c.parameters)) for c in cmd.commands
                    if isinstance(c, app_commands.Command)]
        else:
            out.append((cmd.name, None, list(cmd.parameters)))
    return out


LEAVES = leaves()
KINDS = [3, 4, 5, 10]  # string, integer, boolean, number


@st.composite
def invocation(draw: st.DrawFn) -> tuple[str, list[JSON], dict[str, Any]]:
    name, subname, params = draw(st.sampled_from(LEAVES))
    options = []
    for p in draw(st.lists(st.sampled_from(params), unique_by=lambda p: p.name)) if params else []:
        declared = p.type.value
        values = [member_text, json_value]
        if p.choices:
            values.append(st.sampled_from([c.value for c in p.choices]))
        value = draw(st.one_of(*values))
        options.append(opt(p.name, value, draw(st.sampled_from([declared, declared, *KINDS]))))
    if draw(st.booleans()):  # an option the command never had
        options.append(opt(draw(st.text(min_size=1, max_size=10)), draw(json_value)))
    where = draw(st.sampled_from([{}, {"guild": 1}, {"dm": True}]))
    where["admin"] = draw(st.booleans())
    return name, ([sub(subname, *options)] if subname else options), where


def reply_text(reply: JSON) -> str:
    return str(reply["data"].get("content") or "") if reply.get("data") else ""


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.INFO)
    return caplog.records


async def count(bot: Bot, model: type, *where: object) -> int:
    return int(await bot.app.engine.core.tx(
        lambda s: s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()))


async def guild_b_and_dm_left_no_trace(bot: Bot) -> None:
    b = str(bot.fake.guilds[1]["id"])
    assert await count(bot, Community, Community.external_id.like("dm-%")) == 0
    ids = await bot.app.engine.core.tx(lambda s: s.execute(
        select(Community.id).where(Community.external_id == b)).scalars().all())
    for cid in ids:
        assert await count(bot, Score, Score.community_id == cid) == 0
        assert await count(bot, Answer, Answer.community_id == cid) == 0


@fuzz_settings
@given(call=invocation())
async def test_fuzz_every_command_option(bot: Bot, records: list[logging.LogRecord],
                                         call: tuple[str, list[JSON], dict[str, Any]]) -> None:
    name, options, where = call
    before = await row_counts(bot.app)
    sent = await bot.fake.slash(name, *options, who=ANN, **where)
    first = await bot.fake.callback(sent, timeout=REPLY_WITHIN)  # answered within Discord's deadline
    assert first["type"] in (4, 5, 9)
    reply = await bot.reply_to(sent)
    if reply_text(reply) in REFUSALS or where.get("dm"):
        assert await row_counts(bot.app) == before, (name, options, where, reply_text(reply))
    no_errors(records)
    await guild_b_and_dm_left_no_trace(bot)


id_piece = st.one_of(st.sampled_from(["drill", "a", "o", "r", "p", "f", "rep", "1", "0", "4", "more-junior-choice"]),
                     member_text.map(lambda t: t[:30]))


@st.composite
def custom_ids(draw: st.DrawFn, valid: list[str]) -> str:
    if valid and draw(st.booleans()):
        return draw(st.sampled_from(valid))
    return "drill:" + ":".join(draw(st.lists(id_piece, max_size=5)))


@fuzz_settings
@given(data=st.data())
async def test_fuzz_custom_ids_and_form_values(bot: Bot, records: list[logging.LogRecord], data: st.DataObject) -> None:
    if not bot.fake.messages:
        await post_now(bot)
    post = next(m for m in bot.fake.messages.values() if m.get("components"))
    valid = [c["custom_id"] for row in post["components"] for c in row["components"]]
    custom_id = data.draw(custom_ids(valid))[:100]
    where = data.draw(st.sampled_from([{}, {"guild": 1}, {"dm": True}]))
    who = data.draw(st.sampled_from([ANN, BOB]))
    before = await row_counts(bot.app)
    message = {**post, "components": [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "A", "custom_id": custom_id}]}]}
    if data.draw(st.booleans()):
        sent = await bot.fake.click(message, custom_id, who=who, **where)
    else:
        form = {"custom_id": custom_id, "components": [{"type": 1, "components": [{"type": 4, "custom_id": "text"}]}]}
        sent = await bot.fake.submit(form, {"text": data.draw(member_text)}, who=who, **where)
    body = await bot.fake.callback(sent, timeout=REPLY_WITHIN)  # answered within Discord's deadline
    text = str((body.get("data") or {}).get("content") or "")
    if text in REFUSALS or where.get("dm"):
        assert await row_counts(bot.app) == before, (custom_id, where, text)
    no_errors(records)
    await guild_b_and_dm_left_no_trace(bot)
