"""The mock interview on Discord: /flask-interview, the questions by DM with Answer / Skip / Stop, the
answer form, the scorecard (at the end, on Stop, when the time runs out), history, DMs closed, restarts
and forged buttons, through the fake Discord with the real discord.py."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.discord import ids
from adapters.discord import interview as render_iv
from bot import wording
from bot.clock import FakeClock
from bot.members.identity import Place
from bot.sessions.interview import Result, Scorecard, StudyItem
from bot.sessions.views import InterviewOver
from bot.storage.models import Community, LiveSession, Score, SessionAnswer
from tests.conftest import CONTENT
from tests.discord.conftest import ANN, BOB, Bot, BotFactory, stop_bot
from tests.discord.fake_discord import JSON, FakeDiscord, buttons, embeds_invalid, opt

EPHEMERAL = 64
QUESTION = "Interview · question"
SCORECARD = "Interview scorecard"


@pytest.fixture
async def bot(make_bot: BotFactory) -> Bot:
    return await make_bot(content=CONTENT)  # enough open questions at every level


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def no_errors(logs: pytest.LogCaptureFixture) -> None:
    """Nothing a member did (or forged) reached the log at ERROR."""
    bad = [f"{r.name}: {r.getMessage()}" for r in logs.records if r.levelno >= logging.ERROR]
    assert not bad, bad


def dms(fake: FakeDiscord, who: JSON) -> list[JSON]:
    """Messages the bot posted in its DM channel with ``who``, oldest first."""
    return [m for m in fake.messages.values() if fake.dms.get(m["channel_id"]) == who["id"]]


def title(message: JSON) -> str:
    return str(message["embeds"][0].get("title", "")) if message.get("embeds") else ""


def disabled(fake: FakeDiscord, message: JSON) -> bool:
    """Every button of the message, as Discord now holds it, is disabled."""
    rows = fake.messages[message["id"]]["components"]
    return bool(rows) and all(c.get("disabled") for row in rows for c in row["components"])


async def count(bot: Bot, model: type, *where: Any) -> int:
    return int(await bot.app.engine.core.tx(
        lambda s: s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()))


def model_answer(bot: Bot, question: JSON) -> str:
    lq = bot.app.engine.library.get(question["embeds"][0]["footer"]["text"])
    assert lq is not None
    return lq.q.model_answer or "ABCDE"[lq.q.correct_index or 0]


async def start(bot: Bot, *options: JSON, who: JSON = ANN) -> tuple[str, JSON]:
    """Ann runs /flask-interview: (the private reply's text, the first question in her DMs)."""
    reply = await bot.say("flask-interview", *options, who=who)
    assert reply["data"]["flags"] & EPHEMERAL
    question = await bot.fake.wait_for(lambda: [m for m in dms(bot.fake, who) if title(m).startswith(QUESTION)])
    return str(reply["data"]["content"]), question[-1]


async def follow_up(bot: Bot, token: str) -> JSON:
    """The message a follow-up on interaction ``token`` created (the next question or the scorecard)."""
    recs = await bot.fake.wait_for(lambda: bot.fake.sent("POST", r"/webhooks/\d+/" + token))
    assert recs[0].status == 200, recs[0].response
    msg: JSON = recs[0].response
    return msg


async def answer(bot: Bot, question: JSON, text: str, *, who: JSON = ANN, dm: bool = True) -> tuple[JSON, JSON | None]:
    """Press Answer, fill the form and send it: (the form's callback, the message that followed, if any)."""
    fake = bot.fake
    opened = await fake.callback(await fake.click(question, buttons(question)["Answer"], who=who, dm=dm))
    assert opened["type"] == 9, opened  # the form
    return await submit(bot, opened["data"], question, text, who=who, dm=dm)


async def submit(bot: Bot, form: JSON, question: JSON, text: str, *, who: JSON = ANN,
                 dm: bool = True) -> tuple[JSON, JSON | None]:
    sent = await bot.fake.submit(form, {"text": text}, who=who, dm=dm, message=question)
    done = await bot.fake.callback(sent)
    return done, (await follow_up(bot, sent.token) if done["type"] in (6, 7) else None)


async def press(bot: Bot, message: JSON, label: str, *, who: JSON = ANN, dm: bool = True) -> tuple[JSON, JSON | None]:
    """Press Skip or Stop: (the callback, the message that followed, if any)."""
    sent = await bot.fake.click(message, buttons(message)[label], who=who, dm=dm)
    done = await bot.fake.callback(sent)
    return done, (await follow_up(bot, sent.token) if done["type"] == 7 else None)


def refusal(done: JSON) -> str:
    assert done["type"] == 4 and done["data"]["flags"] & EPHEMERAL, done
    return str(done["data"]["content"])


async def test_a_full_interview_in_dms_ends_with_the_scorecard(bot: Bot, clock: FakeClock,
                                                              logs: pytest.LogCaptureFixture) -> None:
    fake = bot.fake
    text, q = await start(bot, opt("level", "senior"), opt("length", 4, 4), opt("minutes", 30, 4))
    dm_channel = q["channel_id"]
    ends = int((clock.now() + timedelta(minutes=30)).timestamp())
    assert text == wording.INTERVIEW_IN_DMS.format(link=f"https://discord.com/channels/@me/{dm_channel}",
                                                   when=f"<t:{ends}:R>")
    assert title(q) == "Interview · question 1 of 4 · senior" and list(buttons(q)) == ["Answer", "Skip", "Stop"]
    fields = {f["name"]: f["value"] for f in q["embeds"][0]["fields"]}
    assert f"<t:{ends}:R>" in fields["Ends"] and fields["Note"] == wording.INTERVIEW_HINT_FORM
    # The form shows the question above the box and names the question it is for.
    opened = await fake.callback(await fake.click(q, buttons(q)["Answer"], who=ANN, dm=True))
    form = opened["data"]
    assert form["title"] == "Interview · question 1 of 4" and form["custom_id"].startswith("drill:f:iv:")
    shown = [c["content"] for c in form["components"] if c["type"] == 10]
    assert shown and shown[0].startswith(q["embeds"][0]["description"][:20])

    seen = [q["embeds"][0]["footer"]["text"]]
    done, step = await submit(bot, form, q, model_answer(bot, q))
    previous = q
    while step is not None and title(step).startswith(QUESTION):
        assert done["type"] == 7 and disabled(fake, previous)  # the answered question loses its buttons
        assert not step["flags"] & EPHEMERAL and "Correct" not in str(step)  # no feedback in between
        assert title(step) == f"Interview · question {len(seen) + 1} of 4 · senior"
        seen.append(step["embeds"][0]["footer"]["text"])
        clock.advance(minutes=2)
        previous = step
        done, step = await answer(bot, step, model_answer(bot, step))
    assert step is not None and disabled(fake, previous)
    assert title(step) == "Interview scorecard · senior"
    card = step["embeds"][0]
    assert card["description"].startswith(wording.INTERVIEW_OVER["finished"])
    assert "Score " in card["description"] and "/100 at senior" in card["description"]
    question_fields = [f for e in step["embeds"] for f in e.get("fields", []) if f["name"][:1] in "✓✗–"]
    assert len(question_fields) == 4 == len(set(seen))
    assert any(f["name"] == wording.INTERVIEW_BY_TOPIC for f in card["fields"])
    assert await count(bot, SessionAnswer) == 4 and await count(bot, Score) == 0  # no daily boards
    assert await count(bot, LiveSession, LiveSession.state == "finished") == 1
    # The old buttons now answer politely.
    later, _ = await press(bot, previous, "Skip")
    assert refusal(later).startswith("That interview is over.")
    no_errors(logs)


async def test_time_runs_out_the_scorecard_comes_by_dm_and_unanswered_count_as_missed(
        bot: Bot, clock: FakeClock, logs: pytest.LogCaptureFixture) -> None:
    fake = bot.fake
    _text, q1 = await start(bot, opt("length", 3, 4), opt("minutes", 5, 4))
    _done, q2 = await answer(bot, q1, model_answer(bot, q1))
    assert q2 is not None and title(q2).startswith("Interview · question 2 of 3")
    assert await bot.app.engine.interviews.tick() == []  # time left
    clock.advance(minutes=5, seconds=1)
    [over] = await bot.app.engine.interviews.tick()
    assert over.reason == "time" and over.answered == 1
    cards = await fake.wait_for(lambda: [m for m in dms(fake, ANN) if title(m).startswith(SCORECARD)])
    card = cards[0]["embeds"][0]
    assert card["description"].startswith(wording.INTERVIEW_OVER["time"])
    names = [f["name"] for f in card["fields"] if f["name"][:1] in "✓✗–"]
    assert len(names) == 3 and all(wording.INTERVIEW_NOT_ANSWERED in n for n in names[1:])
    assert any(f["name"].startswith(wording.INTERVIEW_STUDY) for f in card["fields"])
    # Question 2's buttons were disabled with the scorecard, and a click on them (a stale client) is refused.
    shown = fake.messages[q2["id"]]["components"]
    assert shown and all(c.get("disabled") for row in shown for c in row["components"])
    late = await fake.callback(await fake.click(q2, buttons(q2)["Answer"], who=ANN, dm=True))
    assert refusal(late).startswith("That interview is over.")
    assert await count(bot, Score) == 0
    no_errors(logs)


async def test_a_restart_in_the_middle_the_old_dm_buttons_go_on(make_bot: BotFactory) -> None:
    first = await make_bot(content=CONTENT)
    _text, q1 = await start(first, opt("length", 3, 4))
    _done, q2 = await answer(first, q1, model_answer(first, q1))
    assert q2 is not None
    await stop_bot(first)

    second = await make_bot(content=CONTENT)  # a new process over the same database
    done, q3 = await answer(second, q2, model_answer(second, q2))  # the DM sent before the restart
    assert done["type"] == 7 and q3 is not None and title(q3).startswith("Interview · question 3 of 3")
    _done, card = await press(second, q3, "Skip")
    assert card is not None and title(card).startswith(SCORECARD)
    names = [f["name"] for f in card["embeds"][0]["fields"] if f["name"][:1] in "✓✗–"]
    assert len(names) == 3 and wording.INTERVIEW_NOT_ANSWERED in names[2]
    assert await count(second, SessionAnswer) == 3


async def test_a_stale_or_replayed_form_stores_nothing_and_says_the_interview_moved_on(
        bot: Bot, logs: pytest.LogCaptureFixture) -> None:
    fake = bot.fake
    _text, q1 = await start(bot, opt("length", 3, 4))
    # The form opened twice (two devices): the first one sent counts, the second is stale.
    forms = [(await fake.callback(await fake.click(q1, buttons(q1)["Answer"], who=ANN, dm=True)))["data"]
             for _ in range(2)]
    assert forms[0]["custom_id"] != forms[1]["custom_id"]
    _done, q2 = await submit(bot, forms[0], q1, model_answer(bot, q1))
    assert q2 is not None
    stale, _ = await submit(bot, forms[1], q1, "a second answer to the first question")
    assert refusal(stale) == wording.INTERVIEW_MOVED_ON.format(n=2, total=3)
    # The same delivery twice (a gateway replay): answered once.
    form2 = (await fake.callback(await fake.click(q2, buttons(q2)["Answer"], who=ANN, dm=True)))["data"]
    sent = await fake.submit(form2, {"text": model_answer(bot, q2)}, who=ANN, dm=True, message=q2)
    await fake.interact(5, sent.payload["data"], who=ANN, dm=True, message=q2, iid=sent.id, token=sent.token)
    assert (await fake.callback(sent))["type"] == 7
    q3 = await follow_up(bot, sent.token)
    assert len(fake.callbacks[sent.id]) == 1
    # Skip on an old question is refused too; the running one's Skip moves on.
    old, _ = await press(bot, q1, "Skip")
    assert refusal(old) == wording.INTERVIEW_MOVED_ON.format(n=3, total=3)
    assert await count(bot, SessionAnswer) == 2
    # Engine refusals of the answer itself are private replies; the question stays open.
    empty, _ = await answer(bot, q3, "   ")
    assert refusal(empty) == wording.INTERVIEW_EMPTY_BUTTONS
    lq = bot.app.engine.library.get(q3["embeds"][0]["footer"]["text"])
    assert lq is not None
    if lq.q.kind == "open":  # (the code-reading question may be a choice one, answered with a letter)
        bare, _ = await answer(bot, q3, "B")
        assert refusal(bare) == wording.OPEN_WANTS_SENTENCES
        terms = "--debug, FLASK_DEBUG, arbitrary code, run code, never in production, werkzeug, pin"
        keywords, _ = await answer(bot, q3, terms)
        assert refusal(keywords) == wording.KEYWORDS_ONLY
    else:
        worded, _ = await answer(bot, q3, "I would say the second one")
        assert "letter" in refusal(worded)
    assert not disabled(fake, q3) and await count(bot, SessionAnswer) == 2
    no_errors(logs)


async def test_a_slow_last_answer_is_deferred_and_still_disables_its_question(
        bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.discord import interview_flow
    monkeypatch.setattr(interview_flow, "DEFER_AFTER", 0.0)  # as if grading took longer than 2 s
    fake = bot.fake
    _text, q1 = await start(bot, opt("length", 2, 4))
    done, q2 = await answer(bot, q1, model_answer(bot, q1))
    assert done["type"] == 6  # "updating the message", within Discord's 3 s
    assert q2 is not None and title(q2).startswith("Interview · question 2 of 2")
    await fake.wait_for(lambda: disabled(fake, q1))  # edited through the interaction's @original
    done, card = await answer(bot, q2, model_answer(bot, q2))
    assert done["type"] == 6 and card is not None and title(card).startswith(SCORECARD)
    await fake.wait_for(lambda: disabled(fake, q2))


async def test_stop_the_button_and_the_command_and_an_old_stop_button(bot: Bot) -> None:
    fake = bot.fake
    _text, q1 = await start(bot, opt("length", 3, 4))
    done, card = await press(bot, q1, "Stop")
    assert done["type"] == 7 and disabled(fake, q1)
    assert card is not None and card["embeds"][0]["description"].startswith(wording.INTERVIEW_OVER["stopped"])
    none = await bot.say("flask-interview", opt("stop", True, 5))
    assert none["data"]["content"] == wording.INTERVIEW_NONE_RUNNING.format(
        start="`/flask-interview`", history="`/flask-interview history:True`")
    # A new interview; the first one's Stop button (a copy still showing it) must not end it.
    _text, fresh = await start(bot, opt("length", 2, 4))
    assert buttons(fresh)["Stop"] != buttons(q1)["Stop"]
    copy = fake._new_message(q1["channel_id"], {"embeds": q1["embeds"], "components": [{"type": 1, "components": [
        {"type": 2, "style": 4, "label": "Stop", "custom_id": buttons(q1)["Stop"]}]}]})
    old, _ = await press(bot, copy, "Stop")
    assert refusal(old).startswith("That interview is over.")
    assert await count(bot, LiveSession, LiveSession.state == "open") == 1  # the new one runs on
    stopped = await bot.say("flask-interview", opt("stop", True, 5))
    assert stopped["data"]["flags"] & EPHEMERAL
    assert stopped["data"]["embeds"][0]["description"].startswith(wording.INTERVIEW_OVER["stopped"])
    assert await count(bot, LiveSession, LiveSession.state == "open") == 0
    await fake.wait_for(lambda: disabled(fake, fresh))  # stopped from the channel: the DM's buttons go too


async def test_history_lists_past_scorecards(bot: Bot) -> None:
    empty = await bot.say("flask-interview", opt("history", True, 5), who=BOB)
    assert empty["data"]["embeds"][0]["description"] == wording.INTERVIEW_NO_HISTORY.format(
        name="Bob", start="`/flask-interview`")
    _text, q1 = await start(bot, opt("level", "junior"), opt("length", 2, 4))
    _done, q2 = await answer(bot, q1, model_answer(bot, q1))
    assert q2 is not None
    await press(bot, q2, "Skip")
    shown = await bot.say("flask-interview", opt("history", True, 5))
    e = shown["data"]["embeds"][0]
    assert e["title"] == "Interviews of Ann" and shown["data"]["flags"] & EPHEMERAL
    [line] = e["description"].splitlines()
    assert line.startswith("<t:") and " · junior · **" in line and line.endswith("1 of 2 answered")


async def test_the_command_during_an_interview_sends_its_question_again(bot: Bot) -> None:
    fake = bot.fake
    _text, q1 = await start(bot, opt("length", 3, 4))
    _done, q2 = await answer(bot, q1, model_answer(bot, q1))
    assert q2 is not None
    again = await bot.say("flask-interview", opt("level", "junior"))
    assert again["data"]["content"].startswith("Your interview is still running: question 2 of 3 is in your "
                                               "direct messages again: https://discord.com/channels/@me/")
    resent = [m for m in dms(fake, ANN) if title(m).startswith(QUESTION)][-1]
    assert title(resent) == title(q2) and resent["id"] != q2["id"]
    assert await count(bot, LiveSession) == 1
    done, q3 = await answer(bot, resent, model_answer(bot, resent))  # the copy works like the original
    assert done["type"] == 7 and q3 is not None and title(q3).startswith("Interview · question 3 of 3")


async def test_dms_closed_the_interview_runs_in_private_replies(
        bot: Bot, clock: FakeClock, logs: pytest.LogCaptureFixture) -> None:
    fake = bot.fake
    fake.no_dms.add(ANN["id"])
    sent = await fake.slash("flask-interview", opt("length", 3, 4), opt("minutes", 5, 4), who=ANN)
    assert (await fake.callback(sent))["type"] == 5  # deferred, privately
    q1 = await follow_up(bot, sent.token)
    assert q1["flags"] & EPHEMERAL and q1["content"].startswith("I cannot send you direct messages")
    assert "`/flask-interview history:True`" in q1["content"]
    assert title(q1) == "Interview · question 1 of 3 · mid" and list(buttons(q1)) == ["Answer", "Skip", "Stop"]
    done, q2 = await answer(bot, q1, model_answer(bot, q1), dm=False)
    assert done["type"] == 7 and disabled(fake, q1)
    assert q2 is not None and q2["flags"] & EPHEMERAL and title(q2).startswith("Interview · question 2 of 3")
    clock.advance(minutes=6)
    [over] = await bot.app.engine.interviews.tick()  # the scorecard cannot go by DM: logged, not an error
    assert over.reason == "time"
    await fake.wait_for(lambda: [r for r in fake.sent("POST", r"/channels/\d+/messages") if r.status == 403])
    assert any("DMs closed" in r.getMessage() for r in logs.records if r.levelno == logging.INFO)
    assert not [m for m in dms(fake, ANN) if title(m).startswith(SCORECARD)]
    no_errors(logs)


async def test_forged_interview_buttons_and_forms_get_a_private_refusal(
        bot: Bot, logs: pytest.LogCaptureFixture) -> None:
    g = bot.fake.guilds[0]["id"]
    assert ids.parse(f"drill:iv:o:{g}:12:11") == ids.InterviewClick(int(g), 12, "answer", 11)
    assert ids.parse(f"drill:iv:x:{g}:12") == ids.InterviewClick(int(g), 12, "stop")
    assert ids.parse(f"drill:f:iv:{g}:12:3:ab12") == ids.InterviewForm(int(g), 12, 3)
    for forged in (f"drill:iv:o:{g}:12:12", f"drill:iv:o:{g}:12:01", f"drill:iv:o:{g}:x:0", "drill:iv:o:x:1:0",
                   f"drill:iv:k:{g}:{'9' * 30}:0", f"drill:iv:x:{g}:12:0", f"drill:iv:q:{g}:12:0",
                   f"drill:iv:o:{g}:0:0", f"drill:f:iv:{g}:12:3:XYZ", f"drill:f:iv:{g}:12:ab12"):
        assert ids.parse(forged) is None, forged
    _text, q1 = await start(bot, opt("length", 3, 4))
    sid = buttons(q1)["Stop"].split(":")[-1]

    async def click(custom_id: str, who: JSON = ANN) -> str:
        msg = bot.fake._message_shape(q1["channel_id"], {"components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "X", "custom_id": custom_id}]}]})
        return refusal(await bot.fake.callback(await bot.fake.click(msg, custom_id, who=who, dm=True)))

    assert await click(f"drill:iv:o:{g}:{sid}:x") == wording.BAD_BUTTON
    assert await click(f"drill:iv:k:{g}:{'9' * 40}:0") == wording.BAD_BUTTON
    assert await click(f"drill:iv:o:{g}:{sid}:5") == wording.INTERVIEW_MOVED_ON.format(n=1, total=3)  # wrong index
    assert await click(f"drill:iv:k:{g}:{sid}:2") == wording.INTERVIEW_MOVED_ON.format(n=1, total=3)
    assert await click(f"drill:iv:o:999:{sid}:0") == wording.BAD_BUTTON  # a guild the bot is not in
    assert (await click(f"drill:iv:o:{g}:{sid}:0", who=BOB)).startswith("That interview is over.")  # not Bob's
    assert (await click(f"drill:iv:k:{g}:{sid}:0", who=BOB)).startswith("That interview is over.")
    assert (await click(f"drill:iv:x:{g}:{int(sid) + 1}")).startswith("That interview is over.")
    form = {"custom_id": f"drill:f:iv:{g}:{sid}:7:ab12", "components": [
        {"type": 18, "component": {"type": 4, "custom_id": "text", "value": ""}}]}
    for custom_id, expected in ((f"drill:f:iv:{g}:{sid}:7:ab12", wording.INTERVIEW_MOVED_ON.format(n=1, total=3)),
                                (f"drill:f:iv:{g}:x:0:ab12", wording.BAD_BUTTON),
                                (f"drill:f:iv:999:{sid}:0:ab12", wording.BAD_BUTTON)):
        sent = await bot.fake.submit({**form, "custom_id": custom_id}, {"text": "an answer"}, who=ANN, dm=True)
        assert refusal(await bot.fake.callback(sent)) == expected
    assert await count(bot, SessionAnswer) == 0
    assert await count(bot, Community, Community.external_id == "999") == 0
    # Another guild's interview button pressed in this one's channel.
    other = bot.fake._message_shape("1", {"components": [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "X", "custom_id": f"drill:iv:o:{g}:{sid}:0"}]}]})
    elsewhere = await bot.fake.callback(await bot.fake.click(other, f"drill:iv:o:{g}:{sid}:0", who=ANN, guild=1))
    assert refusal(elsewhere) == wording.BAD_BUTTON
    assert not [r for r in logs.records if r.levelno >= logging.WARNING and "Traceback" in r.getMessage()]
    no_errors(logs)


def long_scorecard(n: int = 12, repeat: int = 8) -> InterviewOver:
    """Twelve questions with long prompts, many long points and long docs links."""
    point = "explains in detail why " + "the application context and the request context differ " * repeat
    results = tuple(
        Result(f"q-{i}", f"topic-{i % 4}", f"Question {i}: " + "a long prompt about Flask " * 30,
               answered=i % 3 != 0, covered=tuple(f"{i}.{k} {point}" for k in range(3)),
               missed=tuple(f"{i}.{k} {point}" for k in range(6)), contradicted=(f"{i} {point}",),
               references=(f"https://flask.palletsprojects.com/en/stable/{'appcontext/' * 6}#q{i}",))
        for i in range(n))
    study = tuple(StudyItem(p, r.question_id, r.references) for r in results for p in r.missed)
    card = Scorecard("senior", results, tuple((f"topic-{t}", "needs work") for t in range(4)), study, 31,
                     "not yet", -12)
    return InterviewOver(7, Place("discord", "1", "2", "chan"), ANN["id"], "Ann", "time", 8, card, late=True)


def test_a_twelve_question_scorecard_fits_discords_embed_limits() -> None:
    ev = long_scorecard()
    embeds = render_iv.scorecard(ev)
    payload = {"embeds": [e.to_dict() for e in embeds]}
    assert embeds_invalid(payload) == "", embeds_invalid(payload)
    assert render_iv.size(embeds) <= 6000 and len(embeds) <= 10
    fields = [f for e in payload["embeds"] for f in e.get("fields", [])]
    assert all(len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024 for f in fields)
    names = [f["name"] for f in fields]
    assert sum(1 for x in names if x[:1] in "✓✗–") == 12  # every question has its field
    assert all(f["value"].endswith("…") for f in fields if f["name"][:1] in "✓✗–")  # clipped at a line
    assert wording.INTERVIEW_BY_TOPIC in names and names[-1].startswith(wording.INTERVIEW_STUDY)
    study = "\n".join(f["value"] for f in fields if f["name"].startswith(wording.INTERVIEW_STUDY))
    assert f"{wording.DOCS}: https://flask.palletsprojects.com/" in study
    head = payload["embeds"][0]
    assert head["title"] == "Interview scorecard · senior"
    assert "(-12 since your last senior interview)" in head["description"] and wording.INTERVIEW_LATE in \
        head["description"]
    assert all(f["value"][:2] in ("✓ ", "✗ ") for f in fields if f["name"][:1] in "✓✗–")  # a point, not just "…"
    # A short one (six questions of ordinary points) is shown whole.
    short = render_iv.scorecard(long_scorecard(6, repeat=0))
    values = "\n".join(f.value or "" for e in short for f in e.fields)
    assert "…" not in values and values.count("✗ contradicted") == 6 and values.count(f"{wording.DOCS}: ") == 6


async def test_a_long_scorecard_crosses_the_wire_by_dm(bot: Bot, logs: pytest.LogCaptureFixture) -> None:
    ev = long_scorecard()
    await bot.runner.poster.deliver_interview(ev)
    [msg] = [m for m in dms(bot.fake, ANN) if title(m).startswith(SCORECARD)]
    assert embeds_invalid(msg) == "" and len(msg["embeds"]) >= 1
    bot.fake.no_dms.add(BOB["id"])
    await bot.runner.poster.deliver_interview(InterviewOver(8, ev.place, BOB["id"], "Bob", "time", 0, ev.card))
    assert any("DMs closed" in r.getMessage() for r in logs.records if r.levelno == logging.INFO)
    no_errors(logs)


async def test_a_twelve_question_interview_skipped_through_ends_with_a_scorecard_discord_accepts(bot: Bot) -> None:
    _text, q = await start(bot, opt("level", "senior"), opt("length", 12, 4), opt("minutes", 90, 4))
    for n in range(2, 14):
        done, step = await press(bot, q, "Skip")
        assert done["type"] == 7 and step is not None  # the fake refuses embeds over Discord's limits (50035)
        if n <= 12:
            assert title(step) == f"Interview · question {n} of 12 · senior"
            q = step
    assert title(step).startswith(SCORECARD)
    fields = [f for e in step["embeds"] for f in e.get("fields", [])]
    assert sum(1 for f in fields if f["name"][:1] in "✓✗–") == 12
    assert all(wording.INTERVIEW_NOT_ANSWERED in f["name"] for f in fields if f["name"][:1] in "✓✗–")
    assert embeds_invalid(step) == "" and await count(bot, SessionAnswer) == 12


async def test_flask_interview_is_registered_with_its_options(bot: Bot) -> None:
    cmd = next(c for c in bot.fake.commands["global"] if c["name"] == "flask-interview")
    opts = {o["name"]: o for o in cmd["options"]}
    assert list(opts) == ["level", "length", "minutes", "history", "stop"]
    assert [c["value"] for c in opts["level"]["choices"]] == ["junior", "mid", "senior"]
    assert (opts["length"]["min_value"], opts["length"]["max_value"]) == (2, 12)
    assert (opts["minutes"]["min_value"], opts["minutes"]["max_value"]) == (5, 90)
    in_dm = await bot.say("flask-interview", dm=True)
    assert in_dm["data"]["content"] == wording.GUILD_ONLY
