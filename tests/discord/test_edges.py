"""Discord's limits and markup: autocomplete within limits, escaped content, the answer form, permissions."""

from __future__ import annotations

import shutil
from pathlib import Path

import discord

from bot import wording
from bot.members.identity import Member
from tests.conftest import CONTENT, SAMPLE
from tests.discord.conftest import ANN, BOB, Bot, BotFactory, stop_bot
from tests.discord.fake_discord import FakeDiscord, buttons, opt, sub, user
from tests.discord.test_daily import channel, post_now, right_label


async def test_topic_autocomplete_stays_within_discords_limits_with_many_topics(make_bot: BotFactory) -> None:
    bot = await make_bot(content=CONTENT)
    topics = sorted(bot.app.engine.library.topics())
    assert len(topics) > 10
    typed = ""
    for t in topics:  # type every topic one after another, as a member building a long list would
        sent = await bot.fake.autocomplete("flask-admin", sub("schedule", opt("time", "09:00"), opt("timezone", "UTC"),
                                                             opt("topics", typed, focused=True)), who=ANN, admin=True)
        body = await bot.fake.callback(sent)
        assert bot.fake.callbacks[sent.id][0].status in (200, 204), body  # the fake refuses what Discord would
        choices = body["data"]["choices"]
        assert len(choices) <= 25
        for c in choices:
            assert len(c["name"]) <= 100 and len(c["value"]) <= 100
            parts = c["value"].split(",")
            assert len(parts) == len(set(parts)), c["value"]  # never requests,requests
        typed = f"{typed},{t}" if typed else t
        if len(typed) + 1 + max(map(len, topics)) <= 100:
            assert choices, typed  # while one more topic fits, there is something to pick
    sent = await bot.fake.autocomplete("flask-admin", sub("schedule", opt("time", "09:00"), opt("timezone", "UTC"),
                                                         opt("topics", "requests,req", focused=True)), who=ANN,
                                       admin=True)
    values = [c["value"] for c in (await bot.fake.callback(sent))["data"]["choices"]]
    assert "requests,requests" not in values


async def test_the_reveal_shows_how_many_chose_each_option(bot: Bot) -> None:
    post = await post_now(bot)
    right, wrong = right_label(bot, post)
    ids = buttons(post)
    for who, label in ((ANN, right), (BOB, right), (user(7010, "Cy"), wrong)):
        await bot.reply_to(await bot.fake.click(post, ids[label], who=who))
    [(round_id, _)] = await bot.app.engine.rounds.open_ids()
    await bot.app.service.engine.rounds.close(round_id)
    ch = channel(bot.fake)
    reveal = bot.fake.sent("PATCH", rf"/channels/{ch}/messages/{post['id']}")[-1].body
    fields = {f["name"]: f["value"] for f in reveal["embeds"][0]["fields"]}
    letters = [chr(65 + i) for i in range(len(ids) - 1)]  # every button but "Report a problem"
    expected = " · ".join(f"{x} {2 if x == right else 1 if x == wrong else 0}{' ✓' if x == right else ''}"
                          for x in letters)
    assert fields["Chosen"] == expected, fields
    [summary] = [r for r in bot.fake.sent("POST", r"/channels/\d+/messages") if r.path != f"/channels/{ch}/messages"]
    assert f"Chosen: {expected}" in summary.body["embeds"][0]["description"]


async def test_markdown_in_content_is_escaped_outside_code(make_bot: BotFactory, tmp_path: Path) -> None:
    pack = tmp_path / "packs"
    shutil.copytree(SAMPLE, pack)
    toml = pack / "sample" / "example.toml"
    toml.write_text(toml.read_text().replace(
        'prompt = "A client requests `/projects` (no trailing slash). What does Flask answer?"',
        'prompt = "With __name__ as the import name, a client requests `/projects` (no trailing slash) with '
        '*args in a_b or c_d. What does Flask answer?"'))
    bot = await make_bot(content=pack)
    q = await bot.say("flask-quiz", opt("topic", "example"), opt("level", "junior"))
    text = q["data"]["embeds"][0]["description"]
    assert r"With \_\_name\_\_ as the import name" in text  # not underlined "name"
    assert r"\*args in a\_b or c\_d" in text  # no italics between the underscores or after the star
    assert "`/projects`" in text  # inline code as written
    assert "app = Flask(__name__)" in text  # and the code block untouched
    reply = await bot.click(q, "A")
    assert "Right answer: **A 308 redirect to /projects/**" in reply["data"]["embeds"][0]["description"]


def components_of(modal: dict, kind: int) -> list[dict]:  # type: ignore[type-arg]
    """Every component of a type in a modal (top level, in rows or in labels)."""
    out, stack = [], list(modal["components"])
    while stack:
        c = stack.pop()
        if c.get("type") == kind:
            out.append(c)
        stack += c.get("components") or []
        if "component" in c:
            stack.append(c["component"])
    return out


async def test_the_answer_form_shows_the_question_and_as_much_code_as_fits(make_bot: BotFactory,
                                                                          tmp_path: Path) -> None:
    pack = tmp_path / "packs"
    shutil.copytree(SAMPLE, pack)
    toml = pack / "sample" / "example.toml"
    code = "\n".join(f"value_{i} = compute({i})  # step {i} of a long example" for i in range(200))
    head, tail = toml.read_text().split('id = "example-open-factory"', 1)
    toml.write_text(head + f"id = \"example-open-factory\"\ncode = '''\n{code}\n'''" + tail)
    bot = await make_bot(content=pack)
    q = await bot.say("flask-quiz", opt("topic", "example"), opt("level", "mid"))
    while q["data"]["embeds"][0]["footer"]["text"] != "example-open-factory":
        await bot.click(q, "False")
        q = await bot.say("flask-quiz", opt("topic", "example"), opt("level", "mid"))
    opened = await bot.fake.click(q["message"], buttons(q["data"])["Answer"], who=ANN)
    modal = (await bot.fake.callback(opened))["data"]
    [shown] = components_of(modal, 10)  # a text display above the box
    text = shown["content"]
    assert text.startswith("Explain the application factory pattern") and len(text) <= 4000
    assert "value_0 = compute(0)" in text and "value_199" not in text  # as much code as fits
    assert text.count("```") == 2 and text.endswith("…\n```")  # the code block closed
    [label] = components_of(modal, 18)
    assert len(label["label"]) <= 45 and label["component"]["custom_id"] == "text"
    sent = await bot.fake.submit(modal, {"text": "A create_app factory builds the app so tests pass another "
                                                 "config; extensions bind with init_app."}, who=ANN)
    assert (await bot.reply_to(sent))["data"]["embeds"][0]["title"] == wording.COVERS


async def test_setting_a_schedule_says_which_channel_permissions_the_bot_lacks(make_bot: BotFactory) -> None:
    bot = await make_bot(threads=True)
    allowed = discord.Permissions(view_channel=True, send_messages=True, read_message_history=True,
                                  create_public_threads=True)  # no Embed Links, no Send Messages in Threads
    reply = await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", "UTC")), admin=True,
                          app_permissions=allowed.value)
    fields = {f["name"]: f["value"] for f in reply["data"]["embeds"][0].get("fields", [])}
    assert "Embed Links" in fields["Note"] and "Send Messages in Threads" in fields["Note"]
    assert "View Channel" not in fields["Note"] and "Create Public Threads" not in fields["Note"]
    assert await bot.app.engine.schedules.active()  # saved all the same: the admin can fix the channel
    everything = await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", "UTC")),
                               admin=True)
    assert "Note" not in {f["name"] for f in everything["data"]["embeds"][0].get("fields", [])}


async def test_without_threads_thread_permissions_are_not_asked_for(make_bot: BotFactory) -> None:
    bot = await make_bot(threads=False)
    allowed = discord.Permissions(view_channel=True, send_messages=True, embed_links=True,
                                  read_message_history=True)
    reply = await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", "UTC")), admin=True,
                          app_permissions=allowed.value)
    assert "Note" not in {f["name"] for f in reply["data"]["embeds"][0].get("fields", [])}
    bare = await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", "UTC")), admin=True,
                         app_permissions=discord.Permissions(view_channel=True).value)
    note = {f["name"]: f["value"] for f in bare["data"]["embeds"][0]["fields"]}["Note"]
    assert "Send Messages, Embed Links, Read Message History" in note and "Threads" not in note


def many_topics(root: Path, n: int) -> Path:
    """A pack of ``n`` topics, one true/false question each."""
    pack = root / "many"
    pack.mkdir(parents=True)
    (pack / "pack.toml").write_text('id = "many"\ntitle = "Many topics"\nversion = "0.1.0"\n')
    for i in range(n):
        (pack / f"topic{i:02d}.toml").write_text(f'''topic = "topic{i:02d}"
title = "Topic number {i}"

[[questions]]
id = "topic{i:02d}-signed"
level = "mid"
kind = "truefalse"
prompt = "Flask's default session cookie is encrypted, so the browser cannot read it (variant {i})."
answer = false
explanation = \'\'\'
The default session is signed with the secret key, not encrypted: the client can decode
and read it, but cannot change it without the signature check failing.
\'\'\'
references = ["https://flask.palletsprojects.com/en/stable/quickstart/#sessions"]
''')
    return root


async def test_stats_with_more_than_25_topics_go_on_in_a_second_embed(make_bot: BotFactory, tmp_path: Path) -> None:
    bot = await make_bot(content=many_topics(tmp_path / "packs", 40))
    me = Member("discord", str(bot.fake.guilds[0]["id"]), ANN["id"], "Ann")
    for i in range(40):
        await bot.app.engine.practice.answer(me, f"topic{i:02d}-signed", choice=i % 2, text=None)
    reply = await bot.say("flask-stats")
    embeds = reply["data"]["embeds"]
    assert len(embeds) == 2 and embeds[0]["title"] == "Stats for Ann"
    names = [f["name"] for e in embeds for f in e["fields"]]
    assert len(embeds[0]["fields"]) == 25 and len(names) == 40 and sorted(names) == sorted(
        f"topic{i:02d}" for i in range(40))
    total = sum(len(e.get("title", "")) + len(e.get("description", "")) + len(e.get("footer", {}).get("text", ""))
                + sum(len(f["name"]) + len(f["value"]) for f in e["fields"]) for e in embeds)
    assert total <= 6000


def welcomes(fake: FakeDiscord, channel_id: str) -> list[dict]:  # type: ignore[type-arg]
    return [r.body for r in fake.sent("POST", rf"/channels/{channel_id}/messages")
            if r.status == 200 and r.body["embeds"] and r.body["embeds"][0]["title"] == "Hello, I am drillbot"]


async def test_a_server_that_adds_the_bot_is_welcomed_once_across_a_restart(make_bot: BotFactory,
                                                                           fake: FakeDiscord) -> None:
    bot = await make_bot()
    g = await fake.add_guild(system_channel=1)
    system = g["channels"][1]["id"]
    [hello] = await fake.wait_for(lambda: welcomes(fake, system))
    text = hello["embeds"][0]["description"]
    assert "/flask-quiz" in text and "/flask-admin schedule" in text and hello["allowed_mentions"] == {"parse": []}
    assert welcomes(fake, g["channels"][0]["id"]) == []  # in the system channel only
    assert not welcomes(fake, str(fake.guilds[0]["channels"][0]["id"]))  # servers it was in already: nothing
    await stop_bot(bot)
    await make_bot()  # a restart: the servers come again with READY, and the server re-adds the bot
    await fake.add_guild(gid=int(g["id"]), system_channel=1)
    await fake.add_guild(system_channel=None)  # another server, no system channel: its first channel
    other = fake.guilds[-1]["channels"][0]["id"]
    await fake.wait_for(lambda: welcomes(fake, other))
    assert len(welcomes(fake, system)) == 1  # said once, ever


async def test_no_welcome_where_the_bot_may_not_post(make_bot: BotFactory, fake: FakeDiscord) -> None:
    await make_bot()
    g = await fake.add_guild(bot_permissions=1024)  # View Channel only
    await fake.add_guild()
    await fake.wait_for(lambda: welcomes(fake, fake.guilds[-1]["channels"][0]["id"]))
    assert all(welcomes(fake, c["id"]) == [] for c in g["channels"])
