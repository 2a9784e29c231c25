"""Daily rounds, answers, streaks, boards and practice, through the engine's public API."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.errors import BadAnswer, NotFound, RoundClosed, UserError
from bot.members.identity import Member, Place
from bot.rounds.lifecycle import OpenedRound
from bot.runtime.builder import App
from bot.storage.models import Answer, Report, Score
from bot.views import Feedback
from tests.conftest import PG_URL, PLACE, FakePoster, member


def right_choice(app: App, question_id: str) -> int:
    lq = app.engine.library.get(question_id)
    assert lq is not None and lq.q.correct_index is not None
    return lq.q.correct_index


async def answer_right(app: App, who: str, round_id: int, question_id: str) -> None:
    lq = app.engine.library.get(question_id)
    assert lq is not None
    if lq.q.kind == "open":
        assert lq.q.model_answer
        await app.engine.rounds.answer(member(who), round_id, text=lq.q.model_answer)
    else:
        await app.engine.rounds.answer(member(who), round_id, choice=right_choice(app, question_id))


async def answer_wrong(app: App, who: str, round_id: int, question_id: str) -> None:
    lq = app.engine.library.get(question_id)
    assert lq is not None
    if lq.q.kind == "open":
        await app.engine.rounds.answer(member(who), round_id, text="no idea")
    else:
        await app.engine.rounds.answer(member(who), round_id, choice=(right_choice(app, question_id) + 1) % 2)


Given = tuple[int | None, str | None]  # (choice, text) for rounds.answer


def _choices(app: App, opened: OpenedRound) -> tuple[Given, Given]:
    """A right and a wrong answer to the round's question."""
    lq = app.engine.library.get(opened.card.question_id)
    assert lq is not None
    if lq.q.kind == "open":
        return (None, lq.q.model_answer), (None, "no idea")
    right = right_choice(app, lq.q.id)
    return (right, None), ((right + 1) % 2, None)


async def test_one_answer_per_member_and_answers_are_final(app: App, poster: FakePoster) -> None:
    opened = await app.engine.rounds.post_now(PLACE)
    right, wrong = _choices(app, opened)
    first = await app.engine.rounds.answer(member("ann"), opened.round_id, choice=right[0], text=right[1])
    # The reply to the first may have been lost (a crash after the commit): a second try shows the
    # feedback of the answer stored, whatever it says this time.
    again = await app.engine.rounds.answer(member("ann"), opened.round_id, choice=wrong[0], text=wrong[1])
    assert again == first and again.correct
    with app.db.session() as s:
        rows = s.execute(select(Answer).where(Answer.round_id == opened.round_id)).scalars().all()
    assert len(rows) == 1 and rows[0].correct


async def test_database_rejects_a_second_answer_even_without_the_engine(app: App, poster: FakePoster) -> None:
    from sqlalchemy.exc import IntegrityError

    opened = await app.engine.rounds.post_now(PLACE)
    await answer_right(app, "ann", opened.round_id, opened.card.question_id)
    with app.db.session() as s:
        first = s.execute(select(Answer)).scalar_one()
        s.add(Answer(round_id=first.round_id, account_id=first.account_id, community_id=first.community_id,
                     topic="x", choice=0, correct=False, points=0, answered_at=first.answered_at))
        with pytest.raises(IntegrityError):
            s.commit()


async def test_closed_or_expired_round_refuses_answers(app: App, poster: FakePoster, clock: FakeClock) -> None:
    opened = await app.engine.rounds.post_now(PLACE)
    clock.advance(minutes=app.config.settings.rounds.window_minutes)
    with pytest.raises(RoundClosed):
        await answer_right(app, "ann", opened.round_id, opened.card.question_id)
    await app.engine.rounds.close(opened.round_id)
    with pytest.raises(RoundClosed):
        await answer_right(app, "bob", opened.round_id, opened.card.question_id)


async def test_bad_choice_is_a_clear_error(app: App, poster: FakePoster) -> None:
    opened = await app.engine.rounds.post_now(PLACE)
    lq = app.engine.library.get(opened.card.question_id)
    assert lq is not None
    if lq.q.kind == "open":
        with pytest.raises(UserError, match="Type your answer"):
            await app.engine.rounds.answer(member("ann"), opened.round_id, text="  ")
    else:
        with pytest.raises(BadAnswer, match="choose one of"):
            await app.engine.rounds.answer(member("ann"), opened.round_id, choice=7)


async def test_summary_counts_first_correct_and_streaks(app: App, poster: FakePoster, clock: FakeClock) -> None:
    opened = await app.engine.rounds.post_now(PLACE)
    qid = opened.card.question_id
    await answer_right(app, "ann", opened.round_id, qid)
    clock.advance(seconds=5)
    await answer_wrong(app, "bob", opened.round_id, qid)
    clock.advance(seconds=5)
    await answer_right(app, "cy", opened.round_id, qid)
    closed = await app.engine.rounds.close(opened.round_id)
    assert closed is not None
    sm = closed.summary
    assert (sm.answered, sm.correct, sm.percent_correct) == (3, 2, 67)
    assert sm.first_correct == ("ann", "cy")
    assert {(c.name, c.before, c.after) for c in sm.streaks} == {("ann", 0, 1), ("cy", 0, 1)}
    assert poster.summaries and poster.summaries[-1][1] == sm
    assert await app.engine.rounds.close(opened.round_id) is None  # closing twice does nothing


async def test_missed_round_breaks_streak_best_is_kept(app: App, poster: FakePoster, clock: FakeClock) -> None:
    for _ in range(2):
        opened = await app.engine.rounds.post_now(PLACE)
        await answer_right(app, "ann", opened.round_id, opened.card.question_id)
        await app.engine.rounds.close(opened.round_id)
        clock.advance(days=1)
    opened = await app.engine.rounds.post_now(PLACE)  # ann misses this one
    closed = await app.engine.rounds.close(opened.round_id)
    assert closed is not None
    assert [(c.name, c.before, c.after) for c in closed.summary.streaks] == [("ann", 2, 0)]
    st = await app.engine.boards.stats(member("ann"))
    assert (st.current_streak, st.best_streak) == (0, 2)


async def test_leaderboard_ties_and_own_rank_outside_top(db_url: str, clock: FakeClock) -> None:
    from bot.config import LeaderboardSection, Settings
    from tests.conftest import make_app

    app = make_app(db_url, clock, settings=Settings(leaderboard=LeaderboardSection(size=2)))
    try:
        app.service.add_poster(FakePoster())
        opened = await app.engine.rounds.post_now(PLACE)
        qid = opened.card.question_id
        for who in ("dee", "ann", "bob"):  # all right: the earliest reaches the points first
            await answer_right(app, who, opened.round_id, qid)
            clock.advance(seconds=1)
        await answer_wrong(app, "zed", opened.round_id, qid)
        board = await app.engine.boards.leaderboard(member("zed"), "week")
        assert [r.name for r in board.rows] == ["dee", "ann"]
        assert board.rows[0].points == board.rows[1].points > 0
        assert board.me is not None and (board.me.rank, board.me.name, board.me.points) == (4, "zed", 0)
        bob = await app.engine.boards.leaderboard(member("bob"), "all")
        assert bob.me is not None and bob.me.rank == 3
    finally:
        app.close()


async def test_week_board_resets_on_monday_in_community_timezone(app: App, poster: FakePoster,
                                                                 clock: FakeClock) -> None:
    opened = await app.engine.rounds.post_now(PLACE)
    await answer_right(app, "ann", opened.round_id, opened.card.question_id)
    await app.engine.rounds.close(opened.round_id)
    clock.advance(days=7)
    week = await app.engine.boards.leaderboard(member("ann"), "week")
    month = await app.engine.boards.leaderboard(member("ann"), "month")
    alltime = await app.engine.boards.leaderboard(member("ann"), "all")
    assert week.rows == () and week.me is None
    assert [r.name for r in month.rows] == ["ann"] and [r.name for r in alltime.rows] == ["ann"]


async def test_practice_earns_no_points_and_due_reviews_come_first(app: App, clock: FakeClock) -> None:
    ann = member("ann")
    first = await app.engine.practice.ask(ann)
    assert first.reason == "New question"
    lq = app.engine.library.get(first.question_id)
    assert lq is not None
    if lq.q.kind == "open":
        fb = await app.engine.practice.answer(ann, first.question_id, text="nothing useful")
    else:
        wrong = ((lq.q.correct_index or 0) + 1) % len(lq.q.options)
        fb = await app.engine.practice.answer(ann, first.question_id, choice=wrong)
    assert not fb.correct and fb.points == 0 and fb.next_review is not None
    clock.set(fb.next_review + timedelta(seconds=1))
    again = await app.engine.practice.ask(ann)
    assert (again.question_id, again.reason) == (first.question_id, "Due for review")
    with app.db.session() as s:
        assert s.execute(select(Score)).first() is None
    st = await app.engine.boards.stats(ann)
    assert (st.practice_answered, st.points, st.reviews_due) == (1, 0, 1)


async def test_practice_filters_and_unknown_topic(app: App) -> None:
    card = await app.engine.practice.ask(member("ann"), topic="more", level="senior")
    assert card.question_id == "more-senior-choice"
    with pytest.raises(UserError, match="Unknown topic"):
        await app.engine.practice.ask(member("ann"), topic="nope")


async def test_weak_topics_come_back_more_often() -> None:
    from bot.practice.cards import weight

    assert weight(10, 2) > weight(10, 9) > 1.0
    assert weight(0, 0) == 1.5


async def test_no_repeats_until_pool_used_and_low_pool_warning(app: App, poster: FakePoster,
                                                               clock: FakeClock) -> None:
    seen = []
    pool = len(app.engine.library.questions)
    for _ in range(pool):
        opened = await app.engine.rounds.post_now(PLACE)
        seen.append(opened.card.question_id)
        assert "unseen question" in opened.card.warning  # the sample pack is far below 10
        await app.engine.rounds.close(opened.round_id)
        clock.advance(days=1)
    assert sorted(seen) == sorted(q.id for q in app.engine.library.questions)
    opened = await app.engine.rounds.post_now(PLACE)  # pool used up: questions start again
    assert opened.card.question_id in seen


async def test_topics_rotate(full_app: App, clock: FakeClock) -> None:
    full_app.service.add_poster(FakePoster())
    topics = []
    for _ in range(6):
        opened = await full_app.service.engine.rounds.post_now(PLACE)
        topics.append(opened.card.topic)
        await full_app.service.engine.rounds.close(opened.round_id)
        clock.advance(days=1)
    assert len(set(topics)) == 6


async def test_forget_me_deletes_everything(app: App, poster: FakePoster) -> None:
    opened = await app.engine.rounds.post_now(PLACE)
    await answer_right(app, "ann", opened.round_id, opened.card.question_id)
    await answer_right(app, "bob", opened.round_id, opened.card.question_id)
    card = await app.engine.practice.ask(member("ann"))
    await app.engine.practice.answer(member("ann"), card.question_id, text="x", choice=0)
    await app.engine.reports.add(member("ann"), card.question_id, "typo in option B")
    await app.engine.rounds.close(opened.round_id)
    notice = await app.engine.members.forget(member("ann"))
    assert "deleted" in notice.text
    board = await app.engine.boards.leaderboard(member("bob"), "all")
    assert [r.name for r in board.rows] == ["bob"]
    from bot.storage.models import ScoreBucket
    with app.db.session() as s:
        on_boards = sum(b.members for b in s.execute(select(ScoreBucket)).scalars())
    assert on_boards == 3  # bob on the week, month and all-time boards; ann gone from all three
    st = await app.engine.boards.stats(member("ann"))  # a fresh, empty account
    assert (st.answered, st.points, st.best_streak, st.reviews_due) == (0, 0, 0, 0)
    assert "nothing" in (await app.engine.members.forget(member("carl"))).text


async def test_report_is_stored(app: App) -> None:
    from bot.storage.models import Report

    notice = await app.engine.reports.add(member("ann"), "more-junior-choice", "option B is misleading")
    assert "more-junior-choice" in notice.text
    with app.db.session() as s:
        r = s.execute(select(Report)).scalar_one()
    assert (r.question_id, r.reason) == ("more-junior-choice", "option B is misleading")
    with pytest.raises(UserError):
        await app.engine.reports.add(member("ann"), "no-such-question", "x")


async def test_one_open_round_per_channel(app: App, poster: FakePoster) -> None:
    await app.engine.rounds.post_now(PLACE)
    with pytest.raises(UserError, match="already open"):
        await app.engine.rounds.post_now(PLACE)
    other = await app.engine.rounds.post_now(Place("console", "local", "other"))
    assert other.card.round_id is not None


async def test_communities_keep_separate_boards(app: App, poster: FakePoster) -> None:
    a = Place("console", "team-a", "c")
    b = Place("console", "team-b", "c")
    ra = await app.engine.rounds.post_now(a)
    await app.engine.rounds.post_now(b)
    lq = app.engine.library.get(ra.card.question_id)
    assert lq is not None
    ann_a = member("ann", community="team-a")
    if lq.q.kind == "open":
        await app.engine.rounds.answer(ann_a, ra.round_id, text=lq.q.model_answer)
    else:
        await app.engine.rounds.answer(ann_a, ra.round_id, choice=lq.q.correct_index)
    board_b = await app.engine.boards.leaderboard(member("ann", community="team-b"), "all")
    assert board_b.rows == ()
    board_a = await app.engine.boards.leaderboard(ann_a, "all")
    assert [r.name for r in board_a.rows] == ["ann"]


async def test_a_platform_delivery_is_claimed_once(app: App) -> None:
    assert await app.engine.members.claim("discord", "interaction-1")
    assert not await app.engine.members.claim("discord", "interaction-1")
    assert await app.engine.members.claim("slack", "interaction-1")  # ids are per platform


async def test_claims_in_one_batch_count_a_repeat_once(app: App) -> None:
    """Claims that arrive together share one statement: a repeat within it loses to the first."""
    claim = app.engine.members.claim
    got = await asyncio.gather(claim("slack", "e1"), claim("slack", "e2"), claim("slack", "e1"),
                               claim("discord", "e1"), claim("slack", "e2"))
    assert got == [True, True, False, True, False]
    assert not any(await asyncio.gather(claim("slack", "e1"), claim("discord", "e1")))


@pytest.mark.skipif(not PG_URL, reason="SQLite writers are serialised: the race needs PostgreSQL")
async def test_an_answer_stored_by_another_process_first_is_refused_cleanly(app: App, poster: FakePoster) -> None:
    """Another process inserts between this batch's duplicate check and its insert."""
    from sqlalchemy import event

    opened = await app.engine.rounds.post_now(PLACE)
    lq = app.engine.library.get(opened.card.question_id)
    assert lq is not None
    ann = await app.engine.members.resolve(member("ann"))
    await app.engine.members.resolve(member("bob"))
    fired = []
    wrong = ((lq.q.correct_index or 0) + 1) % max(len(lq.q.options), 1)

    def other_process_first(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO answers") and not fired:
            fired.append(True)
            with app.db.engine.connect() as other, other.begin():
                other.exec_driver_sql(
                    "INSERT INTO answers (round_id, account_id, community_id, topic, choice, text, correct, points,"
                    " answered_at) VALUES (%(r)s, %(a)s, %(c)s, 'x', %(choice)s, %(text)s, false, 0, now())",
                    {"r": opened.round_id, "a": ann.account_id, "c": ann.community_id,
                     "choice": None if lq.q.kind == "open" else wrong, "text": "x" if lq.q.kind == "open" else None})

    event.listen(app.db.engine, "before_cursor_execute", other_process_first)
    try:
        choice = 0 if lq.q.kind != "open" else None
        text = None if lq.q.kind != "open" else "anything"
        results = await asyncio.gather(
            app.engine.rounds.answer(member("ann"), opened.round_id, choice=choice, text=text),
            app.engine.rounds.answer(member("bob"), opened.round_id, choice=choice, text=text),
            return_exceptions=True)
    finally:
        event.remove(app.db.engine, "before_cursor_execute", other_process_first)
    assert fired
    # Ann's answer lost the race: she sees the answer stored first (the other process's), not hers.
    assert isinstance(results[0], Feedback) and not results[0].correct and results[0].points == 0
    assert not isinstance(results[1], BaseException)


async def _practise(app: App, who: Member, qid: str, *, right: bool) -> Feedback:
    lq = app.engine.library.get(qid)
    assert lq is not None
    if lq.q.kind == "open":
        text = lq.q.model_answer if right else "No idea, sorry."
        return await app.engine.practice.answer(who, qid, text=text)
    assert lq.q.correct_index is not None
    pick = lq.q.correct_index if right else (lq.q.correct_index + 1) % len(lq.q.options)
    return await app.engine.practice.answer(who, qid, choice=pick)


async def test_a_correct_practice_answer_comes_back_in_hours_not_minutes(app: App, clock: FakeClock) -> None:
    fb = await _practise(app, member("ann"), "example-trailing-slash", right=True)
    assert fb.next_review is not None
    assert fb.next_review - clock.now() >= timedelta(hours=4)  # [practice] learning_steps = ["4h", "1d"]


async def test_the_members_own_rating_replaces_the_graders(app: App, clock: FakeClock) -> None:
    ann = member("ann")
    fb = await _practise(app, ann, "example-trailing-slash", right=True)
    assert fb.next_review is not None
    easy = await app.engine.practice.rate(ann, "example-trailing-slash", "Easy")
    again = await app.engine.practice.rate(ann, "example-trailing-slash", "again")  # replaces, not stacks
    assert easy.next_review is not None and again.next_review is not None
    assert easy.next_review > fb.next_review > again.next_review >= clock.now() + timedelta(hours=4)
    clock.set(again.next_review + timedelta(seconds=1))
    card = await app.engine.practice.ask(ann)
    assert (card.question_id, card.reason) == ("example-trailing-slash", "Due for review")


async def test_rating_needs_an_answer_and_a_real_rating(app: App) -> None:
    with pytest.raises(NotFound):
        await app.engine.practice.rate(member("ann"), "example-trailing-slash", "good")
    await _practise(app, member("ann"), "example-trailing-slash", right=False)
    with pytest.raises(UserError, match="again, hard, good or easy"):
        await app.engine.practice.rate(member("ann"), "example-trailing-slash", "meh")


async def test_i_was_right_counts_as_good_and_reaches_the_maintainers(app: App, clock: FakeClock) -> None:
    ann = member("ann")
    qid = "example-open-factory"
    typed = "A create_app function builds it; that's all I'd say."
    fb = await app.engine.practice.answer(ann, qid, text=typed)
    assert not fb.correct and fb.next_review is not None
    notice = await app.engine.practice.overrule(ann, qid)
    assert notice.next_review is not None and notice.next_review > fb.next_review
    with app.db.session() as s:
        report = s.execute(select(Report)).scalar_one()
        assert (report.kind, report.question_id, report.answer_text, report.status) == ("overrule", qid, typed, "open")
        assert s.execute(select(func.sum(Score.points))).scalar() is None  # never points


async def test_only_a_typed_answer_can_be_overruled(app: App) -> None:
    await _practise(app, member("ann"), "example-trailing-slash", right=False)
    with pytest.raises(NotFound):
        await app.engine.practice.overrule(member("ann"), "example-trailing-slash")


async def _open_daily_round(app: App, *, kind: str) -> int:
    """Post "now" rounds in PLACE until one asks a question of ``kind`` (the sample's mid questions)."""
    await app.engine.schedules.set(PLACE, time_of_day="09:00", timezone="UTC", topics=("example",), levels=("mid",))
    for _ in range(4):
        opened = await app.engine.rounds.post_now(PLACE)
        if opened.card.kind == kind:
            return opened.round_id
        await app.engine.rounds.close(opened.round_id)
    raise AssertionError(f"no {kind} question came up")


async def test_a_disputed_grade_granted_by_an_admin_moves_the_board(app: App, poster: FakePoster) -> None:
    from bot.runtime import commands, dispatch

    round_id = await _open_daily_round(app, kind="open")
    ann = member("ann")
    typed = "You build it in a create_app function."
    fb = await app.engine.rounds.answer(ann, round_id, text=typed)
    assert not fb.correct and fb.points == 0
    notice = await app.engine.disputes.file(ann, round_id)
    assert "admins" in notice.text
    with pytest.raises(UserError, match="already disputed"):
        await app.engine.disputes.file(ann, round_id)

    async def run(text: str, *, admin: bool = True) -> object:
        cmd = commands.parse(text, topics={"example", "more"}, levels=("junior", "mid", "senior"))
        return await dispatch.run(app.service, cmd, member=member("root"), place=PLACE, is_admin=admin)

    with pytest.raises(UserError, match="admins"):
        await run("disputes", admin=False)
    listing = await run("disputes")
    assert "#1 ann on example-open-factory" in listing.text and typed in listing.text  # type: ignore[attr-defined]
    granted = await run("grant 1")
    assert "granted" in granted.text and "+20 points" in granted.text  # type: ignore[attr-defined]
    assert poster.messages == [("ann", "Your disputed answer to example-open-factory was granted by an admin: it now "
                                       "counts as correct (+20 points).")]
    board = await app.engine.boards.leaderboard(ann, "all")
    assert board.me is not None and board.me.points == 20 and (board.me.correct, board.me.answered) == (1, 1)
    with pytest.raises(UserError, match="already granted"):
        await run("decline 1")
    with app.db.session() as s:
        assert s.execute(select(Report.kind, Report.status, Report.answer_text)).all() == [
            ("dispute", "granted", typed)]


async def test_only_a_wrong_typed_answer_of_ones_own_community_is_disputed(app: App, poster: FakePoster) -> None:
    round_id = await _open_daily_round(app, kind="truefalse")
    ann = member("ann")
    await app.engine.rounds.answer(ann, round_id, choice=0)
    with pytest.raises(UserError, match="typed answer"):
        await app.engine.disputes.file(ann, round_id)
    with pytest.raises(NotFound):
        await app.engine.disputes.file(member("bob"), round_id)  # no answer of bob's
    with pytest.raises(NotFound):
        await app.engine.disputes.decide(Place("console", "elsewhere", "daily"), 1, grant=True)
