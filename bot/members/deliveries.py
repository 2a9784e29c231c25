"""Messages the bot sends on its own (weekly recaps, reminders), each claimed once across processes.

A sender first claims the delivery's key; only the process that gets it sends.  The claim
holds a lease: if that process dies before it marks the delivery sent, another process may
take it over once the lease has passed (the platform's idempotency key covers a request that
went out just before the crash).  A failed send is given back to be tried again.

The functions here are synchronous and run inside one transaction on the database thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from bot.storage.models import Delivery
from bot.storage.upsert import insert_for

KEEP = timedelta(days=60)  # claims older than this are forgotten (their moment will not come again)


def claim(s: Session, key: str, *, owner: str, now: datetime, until: datetime) -> bool:
    """True if this process may send ``key`` now: first to claim it, or taking over a dead or failed claim."""
    conn = s.connection()
    table = Delivery.__table__
    got = conn.execute(insert_for(conn.dialect.name, table)
                       .values(key=key, state="sending", owner=owner, lease_until=until, attempts=1, created_at=now)
                       .on_conflict_do_nothing().returning(table.c.key)).scalar_one_or_none()
    if got is not None:
        return True
    res = s.execute(update(Delivery).where(
        Delivery.key == key, Delivery.state.in_(("sending", "failed")),
        or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now))
        .values(state="sending", owner=owner, lease_until=until, attempts=Delivery.attempts + 1))
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


def done(s: Session, key: str | list[str], *, state: str = "sent") -> None:
    """The delivery (or deliveries) went out (``sent``) or had nothing to say (``skipped``): never again."""
    keys = [key] if isinstance(key, str) else key
    if keys:
        s.execute(update(Delivery).where(Delivery.key.in_(keys)).values(state=state, lease_until=None))


def failed(s: Session, key: str, *, retry_at: datetime, wait: Callable[[int], timedelta] | None = None,
           give_up_after: int = 5) -> None:
    """The send failed: another try after ``retry_at`` (plus ``wait(attempts)``), up to ``give_up_after`` tries."""
    row = s.get(Delivery, key, with_for_update=True)
    if row is None:
        return
    row.state = "failed" if row.attempts < give_up_after else "given-up"
    row.lease_until = retry_at + (wait(row.attempts) if wait is not None else timedelta(0))


def sent(s: Session, key: str) -> bool:
    """Whether ``key`` was delivered (or deliberately skipped)."""
    row = s.get(Delivery, key)
    return row is not None and row.state in ("sent", "skipped")


def prune(s: Session, now: datetime) -> None:
    s.execute(delete(Delivery).where(Delivery.created_at < now - KEEP))
