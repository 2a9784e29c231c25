"""Who and where: communities, channels and accounts, created on first sight."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import Account, Channel, Community


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


class IdCache:
    """Database ids of known communities and accounts, so the answer path skips lookups."""

    def __init__(self) -> None:
        self._communities: dict[tuple[str, str], tuple[int, str]] = {}
        self._accounts: dict[tuple[str, str], tuple[int, str]] = {}

    def resolve(self, s: Session, member: Member, *, timezone: str) -> Ids:
        ckey = (member.platform, member.community)
        cached_c = self._communities.get(ckey)
        if cached_c is None:
            comm = community(s, member.platform, member.community, timezone=timezone)
            cached_c = self._communities[ckey] = (comm.id, comm.timezone)
        akey = (member.platform, member.user)
        cached_a = self._accounts.get(akey)
        if cached_a is None or (member.name and cached_a[1] != member.name):
            acc = account(s, member)
            cached_a = self._accounts[akey] = (acc.id, acc.display_name)
        return Ids(community_id=cached_c[0], timezone=cached_c[1], account_id=cached_a[0])

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
