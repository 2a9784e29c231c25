"""Random sequences of rounds and answers keep the invariants (hypothesis)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.errors import UserError
from bot.members.identity import Place
from bot.storage.models import Answer, Score, ScoreBucket
from tests.conftest import PG_URL, START, FakePoster, _reset_postgres, make_app, member

CHANNELS = ("alpha", "beta")
PEOPLE = ("ann", "bob", "cy", "dee")

op = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(CHANNELS)),
    st.tuples(st.just("answer"), st.sampled_from(CHANNELS), st.sampled_from(PEOPLE), st.integers(0, 3)),
    st.tuples(st.just("close"), st.sampled_from(CHANNELS)),
    st.tuples(st.just("wait"), st.integers(1, 60 * 60 * 30)),
)


async def play(ops: list[tuple[object, ...]], url: str) -> None:
    clock = FakeClock(START)
    app = make_app(url, clock)
    poster = FakePoster()
    app.service.add_poster(poster)
    engine = app.engine
    try:
        for step in ops:
            kind = step[0]
            if kind == "open":
                with contextlib.suppress(UserError):  # a round may already be open there
                    await app.engine.rounds.post_now(Place("console", "local", str(step[1])))
            elif kind == "answer":
                _, ch, who, pick = step
                rid = await engine.rounds.current(Place("console", "local", str(ch)))
                if rid is None:
                    continue
                _p, _r, card = await engine.rounds.card(rid)
                try:
                    if card.kind == "open":
                        await engine.rounds.answer(member(str(who)), rid, text="create_app init_app" if pick else "")
                    else:
                        await engine.rounds.answer(member(str(who)), rid, choice=int(str(pick)) % len(card.options))
                except UserError:
                    pass
            elif kind == "close":
                rid = await engine.rounds.current(Place("console", "local", str(step[1])))
                if rid is not None:
                    await app.engine.rounds.close(rid)
            else:
                clock.advance(seconds=int(str(step[1])))
                for rid in await engine.rounds.overdue():
                    await app.engine.rounds.close(rid)
        check_invariants(app)
        await check_boards(app)
    finally:
        app.close()


def check_invariants(app) -> None:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        dupes = s.execute(select(Answer.round_id, Answer.account_id, func.count()).group_by(
            Answer.round_id, Answer.account_id).having(func.count() > 1)).all()
        assert dupes == []
        sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        for a in s.execute(select(Answer)).scalars():
            acc = sums[(a.community_id, a.account_id)]
            acc[0] += a.points
            acc[1] += 1
            acc[2] += int(a.correct)
        alltime = {(r.community_id, r.account_id): [r.points, r.answered, r.correct]
                   for r in s.execute(select(Score).where(Score.period == "all")).scalars()}
        assert alltime == dict(sums)
        histogram: dict[tuple[int, str, int], int] = defaultdict(int)
        for r in s.execute(select(Score)).scalars():
            histogram[(r.community_id, r.period, r.points)] += 1
        buckets = {(b.community_id, b.period, b.points): b.members
                   for b in s.execute(select(ScoreBucket)).scalars() if b.members}
        assert buckets == dict(histogram)
        for prefix in ("w", "m"):  # every answer lands in exactly one week and one month
            per: dict[tuple[int, int], int] = defaultdict(int)
            for r in s.execute(select(Score).where(Score.period.startswith(prefix))).scalars():
                per[(r.community_id, r.account_id)] += r.points
            assert {k: v[0] for k, v in sums.items()} == dict(per) | {k: 0 for k in sums if k not in per}


async def check_boards(app) -> None:  # type: ignore[no-untyped-def]
    for who in PEOPLE:
        for period in ("week", "month", "all"):
            board = await app.engine.boards.leaderboard(member(who), period)
            keys = [(-r.points, r.rank) for r in board.rows]
            assert keys == sorted(keys)
            assert [r.rank for r in board.rows] == list(range(1, len(board.rows) + 1))
            if period == "all":
                stats = await app.engine.boards.stats(member(who))
                mine = board.me.points if board.me else 0
                assert stats.points == mine
                assert stats.daily_answered == (board.me.answered if board.me else 0)


@settings(max_examples=int(os.environ.get("DRILLBOT_HYPOTHESIS_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, min_size=1, max_size=40))
def test_random_rounds_keep_invariants(ops: list[tuple[object, ...]]) -> None:
    if PG_URL:
        _reset_postgres(PG_URL)
        asyncio.run(play(ops, PG_URL))
        return
    with tempfile.TemporaryDirectory() as d:
        asyncio.run(play(ops, f"sqlite:///{Path(d) / 'p.db'}"))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab-_.:/@=+, 1Z\t\"'\\é#", max_size=16))
def test_command_words_split_as_a_shell_splits_them(text: str) -> None:
    """The fast path for plain words gives what shlex gives; quotes and the rest still go to shlex."""
    import shlex

    from bot.runtime.commands import split_words
    text = text.strip()
    try:
        expected = shlex.split(text)
    except ValueError:  # unbalanced quotes: split at whitespace
        expected = text.split()
    assert split_words(text) == expected


_FORM_TEXT = st.lists(st.one_of(st.sampled_from(["payload", "payload=", "pay%6Coad", "pay+load", "&", "=", "%", "+",
                                                 "%7B%7D", "{}", "%7B%22type%22%3A%22x%22%7D", "text=hi", ";", "%zz"]),
                                st.text(max_size=6)), max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(_FORM_TEXT)
def test_the_slack_form_check_reads_payload_as_parse_qs_does(text: str) -> None:
    """Reading only the ``payload`` field gives what parsing the whole form gave."""
    from urllib.parse import parse_qs

    from adapters.slack.verify import _payloads
    form = parse_qs(text, keep_blank_values=True)
    assert _payloads(text) == (bool(form), form.get("payload", []))
