"""Members and admins talking to the bot through the fake Discord, driven by the real discord.py."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import wording
from bot.storage.models import PracticeAnswer, Report
from tests.discord.conftest import ANN, BOB, EVE, Bot
from tests.discord.fake_discord import buttons, opt, sub

EPHEMERAL = 64


def embed(reply: dict) -> dict:  # type: ignore[type-arg]
    return reply["data"]["embeds"][0]


async def test_bare_flask_quiz_gives_a_private_question_with_answer_buttons(bot: Bot) -> None:
    reply = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "senior"))
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert "What replaced `before_first_request`" in embed(reply)["description"]
    assert embed(reply)["footer"]["text"] == "more-senior-choice"
    assert list(buttons(reply["data"])) == ["A", "B", "C", "Report a problem"]

    bare = await bot.say("flask-quiz")
    assert bare["type"] == 4 and bare["data"]["flags"] & EPHEMERAL and embed(bare)["footer"]["text"]


async def test_click_gives_private_feedback_that_teaches(bot: Bot) -> None:
    q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"))
    wrong = await bot.click(q, "A")
    assert wrong["data"]["flags"] & EPHEMERAL
    assert embed(wrong)["title"] == "Not quite."
    text = embed(wrong)["description"]
    assert "You chose: Only POST" in text and "Right answer: **GET (plus HEAD" in text
    assert "Docs: https://flask.palletsprojects.com/en/stable/quickstart/#http-methods" in text


async def test_open_question_form_is_graded(bot: Bot) -> None:
    q = await bot.say("flask-quiz", opt("topic", "example"), opt("level", "mid"))
    while embed(q)["footer"]["text"] != "example-open-factory":  # the mid true/false question may come first
        await bot.click(q, "False")
        q = await bot.say("flask-quiz", opt("topic", "example"), opt("level", "mid"))
    assert list(buttons(q["data"])) == ["Answer", "Report a problem"]
    opened = await bot.fake.click(q["message"], buttons(q["data"])["Answer"], who=ANN)
    modal = await bot.fake.callback(opened)
    assert modal["type"] == 9 and modal["data"]["title"] == "Your answer"
    sent = await bot.fake.submit(modal["data"], {"text": "A create_app factory function builds the app, so "
                                                 "tests use a different config; extensions use init_app."}, who=ANN)
    reply = await bot.reply_to(sent)
    assert reply["data"]["flags"] & EPHEMERAL and embed(reply)["title"] == wording.COVERS
    assert wording.COVERS_CAVEAT in embed(reply)["description"]  # what a pass does not prove
    assert "✓" in embed(reply)["description"]


async def test_report_button_opens_a_form_and_stores_the_report(bot: Bot) -> None:
    q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"))
    opened = await bot.fake.click(q["message"], buttons(q["data"])["Report a problem"], who=BOB)
    modal = await bot.fake.callback(opened)
    assert modal["type"] == 9
    reply = await bot.reply_to(await bot.fake.submit(modal["data"], {"text": "Option B is misleading"}, who=BOB))
    assert "your report on more-junior-choice is saved" in reply["data"]["content"]
    with bot.app.db.session() as s:
        rows = s.execute(select(Report.question_id, Report.reason)).all()
    assert rows == [("more-junior-choice", "Option B is misleading")]


async def test_leaderboard_stats_help_and_forget_me(bot: Bot) -> None:
    board = await bot.say("flask-leaderboard", opt("period", "month"))
    assert board["data"]["flags"] & EPHEMERAL and embed(board)["title"].startswith("Leaderboard · ")
    stats = await bot.say("flask-stats")
    assert embed(stats)["title"] == "Stats for Ann"
    helped = await bot.say("flask-help")
    assert "/flask-admin" in embed(helped)["description"] and "Topics: example, more" in embed(helped)["description"]
    q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"))
    await bot.click(q, "B")
    forgot = await bot.say("flask-forget-me")
    assert forgot["data"]["content"].startswith("Done: your answers")
    again = await bot.say("flask-forget-me")
    assert again["data"]["content"] == "There was nothing stored about you."


async def test_a_non_admin_is_refused_admin_commands(bot: Bot) -> None:
    admin = next(c for c in bot.fake.commands["global"] if c["name"] == "flask-admin")
    assert str(admin["default_member_permissions"]) == "32"  # Manage Server
    for command in (sub("post-now"), sub("pause"), sub("show"),
                    sub("schedule", opt("time", "09:00"), opt("timezone", "UTC"))):
        reply = await bot.say("flask-admin", command, who=BOB, admin=False)
        assert reply["data"]["content"] == "Only admins can do that." and reply["data"]["flags"] & EPHEMERAL
    assert bot.fake.sent("POST", r"/channels/\d+/messages") == []
    assert await bot.app.engine.schedules.active() == []


async def test_bad_schedule_values_get_a_clear_private_reply(bot: Bot) -> None:
    bad_tz = await bot.say("flask-admin", sub("schedule", opt("time", "09:00"), opt("timezone", "Mars/Olympus")),
                           admin=True)
    assert "unknown time zone 'Mars/Olympus'" in bad_tz["data"]["content"] and bad_tz["data"]["flags"] & EPHEMERAL
    bad_time = await bot.say("flask-admin", sub("schedule", opt("time", "25:00"), opt("timezone", "UTC")),
                             admin=True)
    assert "'25:00' is not a time" in bad_time["data"]["content"]
    bad_day = await bot.say("flask-admin", sub("schedule", opt("time", "09:00"), opt("timezone", "UTC"),
                                               opt("days", "mon,funday")), admin=True)
    assert "'funday' is not a day" in bad_day["data"]["content"]


async def test_time_zone_and_topic_autocomplete(bot: Bot) -> None:
    sent = await bot.fake.autocomplete("flask-admin", sub("schedule", opt("time", "09:00"),
                                                         opt("timezone", "berl", focused=True)), who=ANN, admin=True)
    body = await bot.fake.callback(sent)
    assert body["type"] == 8 and {"name": "Europe/Berlin", "value": "Europe/Berlin"} in body["data"]["choices"]
    sent = await bot.fake.autocomplete("flask-quiz", opt("topic", "mo", focused=True), who=ANN)
    body = await bot.fake.callback(sent)
    assert [c["value"] for c in body["data"]["choices"]] == ["more"]


async def test_user_text_is_never_allowed_to_mention(bot: Bot) -> None:
    q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"), who=EVE)
    opened = await bot.fake.click(q["message"], buttons(q["data"])["Report a problem"], who=EVE)
    modal = await bot.fake.callback(opened)
    reply = await bot.reply_to(await bot.fake.submit(modal["data"], {"text": "@everyone look"}, who=EVE))
    assert reply["data"]["allowed_mentions"] == {"parse": []}
    stats = await bot.say("flask-stats", who=EVE)  # shows the member's chosen name
    assert embed(stats)["title"] == "Stats for @everyone" and stats["data"]["allowed_mentions"] == {"parse": []}


async def test_the_same_interaction_delivered_twice_counts_once(bot: Bot) -> None:
    q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"))
    custom_id = buttons(q["data"])["B"]
    first = await bot.fake.click(q["message"], custom_id, who=ANN)
    await bot.fake.callback(first)
    replay = await bot.fake.click(q["message"], custom_id, who=ANN, iid=first.id, token=first.token)
    second = await bot.fake.click(q["message"], custom_id, who=ANN)  # a later, distinct click counts
    await bot.fake.callback(second)
    assert len(bot.fake.callbacks[replay.id]) == 1  # the replay was not answered again
    with bot.app.db.session() as s:
        assert s.execute(select(func.count()).select_from(PracticeAnswer)).scalar_one() == 2


async def test_an_admin_shows_pauses_resumes_and_removes_the_schedule(bot: Bot) -> None:
    none = await bot.say("flask-admin", sub("show"), admin=True)
    assert none["data"]["content"] == "This channel has no daily schedule yet."
    await bot.say("flask-admin", sub("schedule", opt("time", "7:05"), opt("timezone", "America/New_York"),
                                     opt("window", 90, kind=4), opt("levels", "mid,senior")), admin=True)
    shown = await bot.say("flask-admin", sub("show"), admin=True)
    text = shown["data"]["embeds"][0]["description"]
    assert "07:05 America/New_York" in text and "90 min" in text and "levels: mid, senior" in text
    assert (await bot.say("flask-admin", sub("pause"), admin=True))["data"]["content"] == (
        "The daily question is paused in this channel.")
    assert await bot.app.engine.schedules.active() == []
    assert (await bot.say("flask-admin", sub("resume"), admin=True))["data"]["content"] == (
        "The daily question is back on in this channel.")
    assert len(await bot.app.engine.schedules.active()) == 1
    assert (await bot.say("flask-admin", sub("remove"), admin=True))["data"]["content"] == (
        "The schedule for this channel is removed.")
    assert sorted(j.id for j in bot.app.service.scheduler.get_jobs()) == ["reminders", "sessions", "sweep"]  # type: ignore[union-attr]


async def test_practice_feedback_lets_the_member_rate_it(bot: Bot) -> None:
    q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"))
    fb = await bot.click(q, "A")  # wrong
    assert list(buttons(fb["data"])) == ["Again", "Hard", "Good", "Easy"]  # no "I was right" on a choice
    rated = await bot.click(fb, "Easy")
    assert rated["data"]["flags"] & EPHEMERAL
    assert rated["data"]["content"].startswith("Noted: easy.") and "Next review of this question: <t:" in \
        rated["data"]["content"]


async def test_a_missed_open_practice_answer_can_be_overruled(bot: Bot) -> None:
    q = await bot.say("flask-quiz", opt("topic", "example"), opt("level", "mid"))
    while embed(q)["footer"]["text"] != "example-open-factory":
        await bot.click(q, "False")
        q = await bot.say("flask-quiz", opt("topic", "example"), opt("level", "mid"))
    opened = await bot.fake.click(q["message"], buttons(q["data"])["Answer"], who=ANN)
    modal = await bot.fake.callback(opened)
    fb = await bot.reply_to(await bot.fake.submit(modal["data"], {"text": "You make the app in a function."},
                                                  who=ANN))
    assert embed(fb)["title"] == "Not quite."
    assert list(buttons(fb["data"])) == ["Again", "Hard", "Good", "Easy", "I was right"]
    overruled = await bot.click(fb, "I was right")
    assert overruled["data"]["content"].startswith("Noted: you were right.")
    with bot.app.db.session() as s:
        rows = s.execute(select(Report.kind, Report.answer_text)).all()
    assert rows == [("overrule", "You make the app in a function.")]
