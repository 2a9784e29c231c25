"""The reminders component: members opt in (off by default), the scheduler's tick sends what is due.

"Reviews due" goes once a day at the member's chosen hour in their zone, only when they have
reviews due; "the daily question closes in 1 h" goes once per round to members who opted in and
have not answered.  Each is claimed in the database before it is sent, so a restart or a second
process never sends it twice; each carries a button that stops it (``stop``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol, runtime_checkable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import wording
from bot.config import check_timezone
from bot.core import Core
from bot.errors import UserError
from bot.members import deliveries
from bot.members.identity import Ids, Member, Place
from bot.reminders.store import Due, claim_due
from bot.rounds.lifecycle import Rounds
from bot.storage.models import Account, Community, Reminder
from bot.views import Notice, ReminderNote

log = logging.getLogger(__name__)
KINDS = ("reviews", "closing")


@runtime_checkable
class ReminderSender(Protocol):
    """What a platform's Poster adds to send reminders privately (a direct message)."""

    async def remind(self, place: Place, user: str, note: ReminderNote) -> None:
        """Send ``note`` to ``user`` privately, with a button that stops this kind of reminder."""
        ...


class Reminders:
    """Members' reminder opt-ins, and sending what is due (called by the scheduler every minute)."""

    def __init__(self, core: Core, rounds: Rounds) -> None:
        self.core = core
        self.rounds = rounds
        self.per_tick = 500  # claimed per minute at most (one short transaction); the rest next minute

    async def show(self, member: Member) -> Notice:
        ids = await self.core.resolve(member)
        row = await self.core.tx(lambda s: _copy(s.get(Reminder, (ids.account_id, ids.community_id))))
        return _state(row)

    async def set(self, member: Member, *, reviews_hour: int | None = None, reviews_off: bool = False,
                  timezone: str | None = None, closing: bool | None = None) -> Notice:
        """Turn reminders on or off; what is not given is kept.  Bad values raise UserError."""
        if reviews_hour is not None and not 0 <= reviews_hour <= 23:
            raise UserError(wording.REMIND_BAD_HOUR.format(value=str(reviews_hour)))
        if timezone is not None:
            try:
                timezone = check_timezone(timezone)
            except ValueError as exc:
                raise UserError(str(exc)) from None
        now = self.core.clock.now()

        def work(s: Session, ids: Ids) -> tuple[int | None, str, bool] | None:
            row = s.get(Reminder, (ids.account_id, ids.community_id))
            if row is None:
                row = Reminder(account_id=ids.account_id, community_id=ids.community_id, reviews_hour=None,
                               timezone=ids.timezone, closing=False)
                s.add(row)
            if reviews_hour is not None:
                row.reviews_hour = reviews_hour
            if reviews_off:
                row.reviews_hour = None
            if timezone is not None:
                row.timezone = timezone
            if closing is not None:
                row.closing = closing
            row.updated_at = now
            s.flush()
            return _copy(row)
        # A stale account id (forget-me in another process) fails the insert: once more with fresh ids.
        return _state(await self.core.with_ids(member, lambda ids: self.core.tx(lambda s: work(s, ids))))

    async def stop(self, member: Member, kind: str) -> Notice:
        """The stop button under a reminder: that kind is off from now on."""
        if kind not in KINDS:
            raise UserError(wording.BAD_BUTTON)
        now = self.core.clock.now()

        def work(s: Session) -> None:
            # Looked up, never created: a stop button is clickable (or forgeable) by anyone.
            row = s.execute(select(Reminder).join(Account, Account.id == Reminder.account_id)
                            .join(Community, Community.id == Reminder.community_id)
                            .where(Account.platform == member.platform, Account.external_id == member.user,
                                   Community.platform == member.platform,
                                   Community.external_id == member.community)).scalar_one_or_none()
            if row is None:
                return
            if kind == "reviews":
                row.reviews_hour = None
            else:
                row.closing = False
            row.updated_at = now
            if row.reviews_hour is None and not row.closing:
                s.execute(delete(Reminder).where(Reminder.account_id == row.account_id,
                                                 Reminder.community_id == row.community_id))
        await self.core.tx(work)
        return Notice(wording.REMIND_STOPPED[kind].format(cmd=wording.COMMAND))

    async def tick(self) -> int:
        """Send every reminder due now (claimed first); returns how many this process sent."""
        now = self.core.clock.now()
        platforms = {p for p, poster in self.rounds.posters.items() if isinstance(poster, ReminderSender)}
        if not platforms:
            return 0
        due = await self.core.tx(lambda s: [d for d in claim_due(
            s, now=now, owner=self.rounds.process, until=now + self.rounds.lease, limit=self.per_tick)
            if d.platform in platforms])
        if not due:
            return 0
        sent = await asyncio.gather(*(self._send(d) for d in due))
        ok = [d.key for d, went in zip(due, sent, strict=True) if went]
        dropped = [d.key for d, went in zip(due, sent, strict=True) if not went]

        def mark(s: Session) -> None:
            deliveries.done(s, ok)
            deliveries.done(s, dropped, state="skipped")
        await self.core.tx(mark)  # one write for the whole minute's reminders
        return len(ok)

    async def _send(self, d: Due) -> bool:
        poster = self.rounds.posters[d.platform]
        assert isinstance(poster, ReminderSender)
        if d.kind == "reviews":
            text = wording.REMIND_REVIEWS.format(n=d.count, cmd=wording.COMMAND)
        else:
            text = wording.REMIND_CLOSING.format(channel=f"#{d.channel_name or d.channel}")
        note = ReminderNote(d.kind, text, d.community, d.channel, d.closes_at, d.channel_name or d.channel)
        try:
            await poster.remind(Place(d.platform, d.community, d.channel, d.channel_name), d.user, note)
        except Exception as exc:  # they may not take direct messages: a reminder is not worth retrying
            log.warning("%s: could not remind %s (%s)", d.key, d.user, exc or type(exc).__name__)
            return False
        return True


def _copy(row: Reminder | None) -> tuple[int | None, str, bool] | None:
    return None if row is None else (row.reviews_hour, row.timezone, row.closing)


def _state(row: tuple[int | None, str, bool] | None) -> Notice:
    hour, tz, closing = row if row is not None else (None, "", False)
    reviews = wording.REMIND_REVIEWS_AT.format(hour=hour, timezone=tz) if hour is not None else wording.REMIND_OFF
    return Notice(wording.REMIND_STATE.format(reviews=reviews, closing=wording.REMIND_ON if closing
                                              else wording.REMIND_OFF))
