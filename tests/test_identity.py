"""Members become accounts on first sight; many at once share one transaction."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.members.identity import Member
from bot.runtime.builder import App
from bot.storage.models import Account
from tests.conftest import PG_URL, make_app, member


def count_commits(app: App) -> list[int]:
    commits: list[int] = []
    event.listen(app.db.engine, "commit", lambda conn: commits.append(1))
    return commits


async def test_members_seen_together_are_created_in_one_transaction(app: App) -> None:
    commits = count_commits(app)
    people = [member(f"m{i}") for i in range(120)]
    ids = await asyncio.gather(*(app.engine.members.resolve(m) for m in people))
    assert len({i.account_id for i in ids}) == 120
    assert len(commits) == 1
    with app.db.session() as s:
        rows = {e: i for e, i in s.execute(select(Account.external_id, Account.id))}
    assert [rows[m.user] for m in people] == [i.account_id for i in ids]  # each got its own row back
    again = await asyncio.gather(*(app.engine.members.resolve(m) for m in people))
    assert again == ids and len(commits) == 1  # known now: from memory, no transaction


async def test_a_restart_finds_existing_accounts_and_takes_new_names(app: App, db_url: str, clock: Any) -> None:
    first = await asyncio.gather(*(app.engine.members.resolve(member(n)) for n in ("ann", "bob")))
    app.close()
    restarted = make_app(db_url, clock)
    try:
        renamed = Member("console", "local", "ann", "Ann B.")
        resolve = restarted.engine.members.resolve
        again = await asyncio.gather(resolve(renamed), resolve(member("bob")), resolve(member("cid")))
        assert [i.account_id for i in again[:2]] == [i.account_id for i in first]
        assert again[2].account_id not in {i.account_id for i in first}
        with restarted.db.session() as s:
            assert s.execute(select(Account.display_name).where(Account.external_id == "ann")).scalar() == "Ann B."
            assert s.execute(select(func.count()).select_from(Account)).scalar() == 3
    finally:
        restarted.close()


async def test_the_same_member_twice_in_one_batch_is_one_account(app: App) -> None:
    a, b = await asyncio.gather(app.engine.members.resolve(member("ann")), app.engine.members.resolve(member("ann")))
    assert a == b


@pytest.mark.skipif(not PG_URL, reason="SQLite writers are serialised: the race needs PostgreSQL")
async def test_an_account_created_by_another_process_meanwhile_is_reused(app: App) -> None:
    fired: list[int] = []

    def other_process_first(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO accounts") and not fired:
            fired.append(0)  # first: the other process's own INSERT passes through here too
            with app.db.engine.connect() as other, other.begin():
                fired[0] = other.exec_driver_sql(
                    "INSERT INTO accounts (platform, external_id, display_name) VALUES ('console', 'ann', 'ann')"
                    " RETURNING id").scalar_one()

    event.listen(app.db.engine, "before_cursor_execute", other_process_first)
    try:
        resolve = app.engine.members.resolve
        ann, bob = await asyncio.gather(resolve(member("ann")), resolve(member("bob")))
    finally:
        event.remove(app.db.engine, "before_cursor_execute", other_process_first)
    assert fired and ann.account_id == fired[0]
    assert bob.account_id != ann.account_id
