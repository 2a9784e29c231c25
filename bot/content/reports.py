"""Members' reports about questions, queued for the pack's maintainers."""

from __future__ import annotations

from bot import wording
from bot.core import Core
from bot.errors import NotFound, UserError
from bot.members.identity import Member
from bot.storage.models import Report
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
        ids = await self.core.resolve(member)
        now = self.core.clock.now()
        await self.core.tx(lambda s: s.add(Report(account_id=ids.account_id, question_id=question_id,
                                                  reason=reason.strip()[:2000], created_at=now)))
        return Notice(wording.REPORTED.format(qid=question_id))
