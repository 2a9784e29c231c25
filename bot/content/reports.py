"""Members' reports about questions, queued for the pack's maintainers.

The same queue holds "I was right" overrules of the grader and disputed daily
grades, so maintainers see where questions and the grader are weak;
`drillbot reports` lists it and marks entries fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import wording
from bot.core import Core
from bot.errors import NotFound, UserError
from bot.members.identity import Member
from bot.storage.models import Account, Report
from bot.views import Notice


class Reports:
    """The report queue: what members say is wrong with a question."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def add(self, member: Member, question_id: str, reason: str) -> Notice:
        """Store a member's report about ``question_id``."""
        if self.core.library.get(question_id) is None:
            raise NotFound(wording.NO_SUCH_QUESTION.format(qid=wording.shown(question_id)))
        if not reason.strip():
            raise UserError(wording.REPORT_REASON)
        self.core.limits.take("reports", member)
        now = self.core.clock.now()
        await self.core.with_ids(member, lambda ids: self.core.tx(lambda s: s.add(Report(
            account_id=ids.account_id, question_id=question_id, reason=reason.strip()[:2000], created_at=now))))
        return Notice(wording.REPORTED.format(qid=question_id))


@dataclass(frozen=True, slots=True)
class Queued:
    """One entry of the maintainers' queue, as `drillbot reports` lists it."""

    id: int
    kind: str
    status: str
    question_id: str
    reason: str
    answer_text: str | None
    reporter: str
    created_at: datetime


def queue(s: Session, *, everything: bool = False, kind: str | None = None) -> list[Queued]:
    """Reports, overrules and disputes, oldest first; only the open ones unless ``everything``."""
    q = (select(Report, Account.platform, Account.display_name).outerjoin(Account, Account.id == Report.account_id)
         .order_by(Report.created_at, Report.id))
    if not everything:
        q = q.where(Report.status == "open")
    if kind is not None:
        q = q.where(Report.kind == kind)
    return [Queued(r.id, r.kind, r.status, r.question_id, r.reason, r.answer_text,
                   f"{name} ({platform})" if name else "(deleted member)", r.created_at)
            for r, platform, name in s.execute(q)]


def resolve(s: Session, report_id: int, *, status: str, now: datetime) -> bool:
    """Mark a queue entry done (``fixed``); False when there is no such open entry."""
    rep = s.get(Report, report_id)
    if rep is None or rep.status != "open":
        return False
    rep.status, rep.resolved_at = status, now
    return True
