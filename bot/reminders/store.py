"""What is due to be sent: reviews reminders at members' hours, closing reminders for open rounds.

Synchronous; runs inside one transaction on the database thread.  Each returned reminder has
already been claimed (``bot.members.deliveries``), so only this process sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.members import deliveries
from bot.practice.cards import reviews_due
from bot.storage.models import Account, Answer, Channel, Community, Delivery, Reminder, Round

CLOSING_AHEAD = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Due:
    key: str
    kind: str  # "reviews" | "closing"
    platform: str
    community: str  # external ids
    user: str
    channel: str = ""
    channel_name: str = ""
    count: int = 0
    closes_at: datetime | None = None


def claim_due(s: Session, *, now: datetime, owner: str, until: datetime, limit: int = 500) -> list[Due]:
    """Reminders due now that this process claimed (others' claims are left alone), at most ``limit``.

    The limit keeps one minute's transaction short (the database thread also serves answers);
    what is left is claimed by the next minutes' ticks, still within the hour it is due in.
    """
    out: list[Due] = []
    # Keys already claimed lately, read at once: a quiet minute costs a few queries, not one per member.
    # Only a new key, or a claim whose process died (its lease passed), is worth trying to claim.
    settled = {key for key, state, lease in s.execute(
        select(Delivery.key, Delivery.state, Delivery.lease_until)
        .where(Delivery.key.like("remind:%"), Delivery.created_at > now - timedelta(days=2)))
        if state not in ("sending", "failed") or (lease is not None and lease > now)}
    opted = s.execute(
        select(Reminder, Account.external_id, Community.platform, Community.external_id)
        .join(Account, Account.id == Reminder.account_id).join(Community, Community.id == Reminder.community_id)
        .where(Reminder.reviews_hour.is_not(None))).all()
    for rem, user, platform, community in opted:
        local = now.astimezone(ZoneInfo(rem.timezone))
        if local.hour != rem.reviews_hour:
            continue
        key = f"remind:reviews:{rem.account_id}:{rem.community_id}:{local.date().isoformat()}"
        if key in settled:
            continue
        if len(out) >= limit:
            return out
        n = reviews_due(s, rem.account_id, now)
        if n and deliveries.claim(s, key, owner=owner, now=now, until=until):
            out.append(Due(key, "reviews", platform, community, user, count=n))
    closing = s.execute(
        select(Round.id, Round.opened_at, Round.closes_at, Channel.external_id, Channel.name, Community.id,
               Community.platform, Community.external_id)
        .join(Channel, Channel.id == Round.channel_id).join(Community, Community.id == Channel.community_id)
        .where(Round.closed_at.is_(None), Round.post_state == "posted", Round.closes_at > now,
               Round.closes_at <= now + CLOSING_AHEAD)).all()
    for rid, opened, closes, channel, name, community_id, platform, community in closing:
        if closes - opened <= CLOSING_AHEAD:
            continue  # a window of an hour or less: the question itself is the reminder
        waiting = s.execute(
            select(Reminder.account_id, Account.external_id).join(Account, Account.id == Reminder.account_id)
            .outerjoin(Answer, and_(Answer.round_id == rid, Answer.account_id == Reminder.account_id))
            .where(Reminder.community_id == community_id, Reminder.closing.is_(True), Answer.id.is_(None))).all()
        for account_id, user in waiting:
            key = f"remind:closing:{account_id}:{rid}"
            if key in settled:
                continue
            if len(out) >= limit:
                return out
            if deliveries.claim(s, key, owner=owner, now=now, until=until):
                out.append(Due(key, "closing", platform, community, user, channel, name, closes_at=closes))
    return out
