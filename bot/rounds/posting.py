"""Posting a round so that it lands exactly once: idempotency keys, attempts, leases and claims.

A round's post may be tried by several processes over its window (after a crash, a 503,
a 429 storm).  Every try carries the round's stable key (Discord's ``nonce``, Slack's
message ``metadata``), and a try that may follow one that reached the platform looks for
the round's marker in the channel before posting again.  Rows are claimed with a lease:
the process that opened or claimed a round holds it while it works (its sweep renews the
lease); once the lease has passed, any process's sweep may claim the round and retry.

The functions here are synchronous and run inside one transaction on the database thread.
"""

from __future__ import annotations

import os
import socket
import uuid
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.errors import DrillError
from bot.storage.models import Channel, Community, Round

# States in which a round still waits for its post to land (see ``Round.post_state``).
UNPOSTED = ("pending", "posting", "failed")
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(minutes=10)


class PostAborted(DrillError):
    """The round closed, or another process took it over, before its request went out."""


def process_id() -> str:
    """Who holds a lease: host, pid and a random tail (a pid is reused after a restart)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def round_key(round_id: int, slot: str) -> str:
    """The round's idempotency key: the same on every try, by any process (<= 25 characters)."""
    return f"drill-{round_id}-{zlib.crc32(slot.encode()):08x}"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at posting a round, as the platform's Poster sees it.

    ``maybe_sent``: an earlier try may have reached the platform, so look for the round's
    marker before posting.  ``sending()`` is awaited right before the post request goes out
    (it raises ``PostAborted`` when the round must not be posted any more); ``posted(ref)``
    as soon as the message exists, before any thread or other follow-up request.
    """

    round_id: int
    key: str
    since: datetime
    maybe_sent: bool
    sending: Callable[[], Awaitable[None]]
    posted: Callable[[str], Awaitable[None]]


def backoff(attempts: int) -> timedelta:
    """How long a failed post waits before the next try: 30 s, 1, 2, 4, 8, then every 10 min."""
    wait: timedelta = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 10))
    return min(wait, LAST_RETRY)


def mark_sending(s: Session, round_id: int, owner: str) -> bool:
    """The post request is about to go out: 'posting' from now on.  False if it must not."""
    res = s.execute(update(Round).where(Round.id == round_id, Round.closed_at.is_(None),
                                        Round.post_owner == owner, Round.post_state.in_(UNPOSTED))
                    .values(post_state="posting", post_attempts=Round.post_attempts + 1))
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


def mark_posted(s: Session, round_id: int, ref: str | None) -> bool:
    """The message exists: store its reference.  Returns True if the round closed meanwhile."""
    rnd = s.get(Round, round_id, with_for_update=True)
    if rnd is None:
        return False
    rnd.post_state = "posted"
    if ref is not None:
        rnd.message_ref = ref
    rnd.post_lease_until = None
    return rnd.closed_at is not None


def mark_failed(s: Session, round_id: int, now: datetime) -> timedelta | None:
    """A try failed for a reason that may pass: let anyone retry after a backoff."""
    rnd = s.get(Round, round_id, with_for_update=True)
    if rnd is None or rnd.closed_at is not None or rnd.post_state not in UNPOSTED:
        return None
    rnd.post_failures += 1
    wait = backoff(rnd.post_failures)
    rnd.post_state, rnd.post_owner, rnd.post_lease_until = "failed", None, now + wait
    return wait


def renew(s: Session, round_ids: list[int], owner: str, until: datetime) -> None:
    """This process still works on these rounds: keep other processes' sweeps off them."""
    s.execute(update(Round).where(Round.id.in_(round_ids), Round.post_owner == owner,
                                  Round.closed_at.is_(None), Round.post_state.in_(UNPOSTED))
              .values(post_lease_until=until))


@dataclass(frozen=True, slots=True)
class Stale:
    round_id: int
    maybe_sent: bool


def claim_stale(s: Session, *, now: datetime, owner: str, until: datetime, platforms: tuple[str, ...],
                at_start: bool = False, limit: int = 500) -> list[Stale]:
    """Claim open, unposted rounds whose lease has passed (of any process) for this one to retry.

    ``FOR UPDATE SKIP LOCKED`` on PostgreSQL: two sweeps running at once claim different
    rows, never the same one (SQLite has one writer at a time anyway).  ``at_start``: a
    failed round (no owner) is retried now, without waiting out its backoff.
    """
    if not platforms:
        return []
    free = or_(Round.post_lease_until.is_(None), Round.post_lease_until <= now)
    if at_start:
        free = or_(free, Round.post_owner.is_(None))
    rows = s.execute(
        select(Round.id, Round.post_state, Round.post_attempts)
        .join(Channel, Channel.id == Round.channel_id).join(Community, Community.id == Channel.community_id)
        .where(Round.closed_at.is_(None), Round.closes_at > now, Round.post_state.in_(UNPOSTED), free,
               Community.platform.in_(platforms))
        .order_by(Round.closes_at, Round.id).limit(limit)
        .with_for_update(skip_locked=True, of=Round)).all()
    if not rows:
        return []
    s.execute(update(Round).where(Round.id.in_([r.id for r in rows]))
              .values(post_owner=owner, post_lease_until=until))
    return [Stale(r.id, r.post_state == "posting" or r.post_attempts > 0) for r in rows]
