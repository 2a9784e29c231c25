"""Who and where: communities, channels and accounts, created on first sight."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import Account, Channel, Community
from bot.storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class Member:
    """A person as an adapter sees them: platform, community and user ids, display name."""

    platform: str
    community: str
    user: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Place:
    """A channel as an adapter sees it."""

    platform: str
    community: str
    channel: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Ids:
    community_id: int
    timezone: str
    account_id: int | None = None
    channel_id: int | None = None


def _get_or_create(s: Session, model: type, lookup: dict[str, object], extra: dict[str, object]) -> object:
    row = s.execute(select(model).filter_by(**lookup)).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with s.begin_nested():
            row = model(**lookup, **extra)
            s.add(row)
    except IntegrityError:  # created by another process in the meantime
        row = s.execute(select(model).filter_by(**lookup)).scalar_one()
    return row


def community(s: Session, platform: str, external_id: str, *, timezone: str, name: str = "") -> Community:
    row = _get_or_create(s, Community, {"platform": platform, "external_id": external_id},
                         {"timezone": timezone, "name": name})
    assert isinstance(row, Community)
    return row


def channel(s: Session, place: Place, *, timezone: str) -> tuple[Community, Channel]:
    comm = community(s, place.platform, place.community, timezone=timezone)
    row = _get_or_create(s, Channel, {"community_id": comm.id, "external_id": place.channel},
                         {"name": place.name})
    assert isinstance(row, Channel)
    if place.name and row.name != place.name:
        row.name = place.name
    return comm, row


def account(s: Session, member: Member) -> Account:
    row = _get_or_create(s, Account, {"platform": member.platform, "external_id": member.user},
                         {"display_name": member.name or member.user})
    assert isinstance(row, Account)
    if member.name and row.display_name != member.name:
        row.display_name = member.name
    return row


def resolve_many(s: Session, members: list[Member], *, timezone: str) -> list[Ids]:
    """Ids for many members in one transaction: a query for the accounts already known, one
    insert for the new ones (a row another process added meanwhile is kept) and a query for
    their ids, one update for the changed display names.  Rows, not ORM objects: a crowd of
    new members costs a few statements, not an object (and its bookkeeping) each."""
    comms = {key: community(s, *key, timezone=timezone) for key in {(m.platform, m.community) for m in members}}
    wanted = {(m.platform, m.user): m for m in members}
    conn = s.connection()

    def known(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
        found: dict[tuple[str, str], tuple[int, str]] = {}
        unique = set(keys)
        for platform in sorted({p for p, _ in unique}):
            users = sorted(u for p, u in unique if p == platform)
            found.update(((platform, user), (account_id, name)) for account_id, user, name in conn.execute(
                _KNOWN, {"platform": platform, "users": users}))
        return found

    accounts = known(wanted)
    missing = [m for key, m in wanted.items() if key not in accounts]
    if missing:
        conn.execute(insert_for(conn.dialect.name, Account.__table__).on_conflict_do_nothing(), [
            {"platform": m.platform, "external_id": m.user, "display_name": m.name or m.user} for m in missing])
        accounts.update(known((m.platform, m.user) for m in missing))
    renamed = [{"account_id": accounts[key][0], "name": m.name} for key, m in wanted.items()
               if m.name and accounts[key][1] != m.name]
    if renamed:
        conn.execute(_RENAME, renamed)
    out = []
    for m in members:
        comm = comms[(m.platform, m.community)]
        out.append(Ids(community_id=comm.id, timezone=comm.timezone, account_id=accounts[(m.platform, m.user)][0]))
    return out


_KNOWN = (select(Account.id, Account.external_id, Account.display_name)
          .where(Account.platform == bindparam("platform"),
                 Account.external_id.in_(bindparam("users", expanding=True))))
_RENAME = update(Account).where(Account.id == bindparam("account_id")).values(display_name=bindparam("name"))


class IdCache:
    """Database ids of known communities and accounts, so the answer path skips lookups.

    Filled only with ids from committed transactions (``remember``), never from one that
    might still roll back.
    """

    def __init__(self) -> None:
        self._communities: dict[tuple[str, str], tuple[int, str]] = {}
        self._accounts: dict[tuple[str, str], tuple[int, str]] = {}

    def remember(self, member: Member, ids: Ids) -> None:
        self._communities[(member.platform, member.community)] = (ids.community_id, ids.timezone)
        if ids.account_id is not None:
            self._accounts[(member.platform, member.user)] = (ids.account_id, member.name or member.user)

    def peek(self, member: Member) -> Ids | None:
        """Ids from memory only; None when the member (or a changed display name) needs the database."""
        comm = self._communities.get((member.platform, member.community))
        acc = self._accounts.get((member.platform, member.user))
        if comm is None or acc is None or (member.name and acc[1] != member.name):
            return None
        return Ids(community_id=comm[0], timezone=comm[1], account_id=acc[0])

    def forget(self, member: Member) -> None:
        self._accounts.pop((member.platform, member.user), None)

    def clear(self) -> None:
        self._communities.clear()
        self._accounts.clear()
