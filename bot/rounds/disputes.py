"""Disputed daily grades: a member asks the community's admins to look at a typed answer again.

A dispute is a row in the maintainers' queue (``reports``, kind "dispute") with the
answer's text, so the pack's maintainers see where the grader is weak whatever the
admins decide.  Granting one makes the answer correct and gives it the points of its
level on the boards it already counts on (streaks are not rewritten); the member is told.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import wording
from bot.boards import scoreboard
from bot.boards.points import community_points, period_keys
from bot.core import Core
from bot.errors import NotFound, UserError
from bot.members.identity import Ids, Member, Place
from bot.practice import state
from bot.storage.models import Account, Answer, Report, Round
from bot.views import Notice


@dataclass(frozen=True, slots=True)
class Decision:
    """What the admin is shown, and what the member who disputed is told (privately)."""

    notice: Notice
    member: str  # the member's platform user id
    message: str


class Disputes:
    """Members dispute a daily open answer's grade; the community's admins grant or decline it."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def file(self, member: Member, round_id: int) -> Notice:
        """Send the member's typed answer to this round to the admins of its community."""
        now = self.core.clock.now()

        def work(s: Session, ids: Ids) -> str:
            row = s.execute(select(Answer, Round.question_id).join(Round, Round.id == Answer.round_id).where(
                Answer.round_id == round_id, Answer.account_id == ids.account_id)).one_or_none()
            if row is None or row[0].community_id != ids.community_id:
                raise NotFound(wording.NOTHING_TO_DISPUTE)
            answer, question_id = row
            if answer.text is None or answer.correct:
                raise UserError(wording.DISPUTE_ONLY_WRONG_TYPED)
            if s.execute(select(Report.id).where(Report.answer_id == answer.id, Report.kind == "dispute")).first():
                raise UserError(wording.ALREADY_DISPUTED)
            s.add(Report(account_id=ids.account_id, question_id=question_id, kind="dispute", reason="dispute",
                         answer_text=answer.text, answer_id=answer.id, community_id=ids.community_id,
                         created_at=now))
            return question_id
        # No answer found may mean a stale account id (forget-me in another process): see ``Core.with_ids``.
        qid = await self.core.with_ids(member, lambda ids: self.core.tx(lambda s: work(s, ids)), also=(NotFound,))
        return Notice(wording.DISPUTED.format(qid=qid))

    async def pending(self, place: Place) -> Notice:
        """The open disputes of the place's community, for its admins."""
        def work(s: Session) -> list[tuple[int, str, str, str]]:
            comm, _ch = self.core.channel(s, place)
            return [(r.id, name, r.question_id, r.answer_text or "") for r, name in s.execute(
                select(Report, Account.display_name).join(Account, Account.id == Report.account_id)
                .where(Report.community_id == comm.id, Report.kind == "dispute", Report.status == "open")
                .order_by(Report.created_at, Report.id))]
        rows = await self.core.tx(work)
        if not rows:
            return Notice(wording.NO_DISPUTES)
        lines = [wording.DISPUTE_LINE.format(id=i, name=name, qid=qid, text=text[:300]) for i, name, qid, text in rows]
        return Notice("\n".join([wording.DISPUTES_HEADER, *lines]))

    async def decide(self, place: Place, dispute_id: int, *, grant: bool) -> Decision:
        """Grant (points and boards updated) or decline a dispute of the place's community."""
        scoring = self.core.settings.scoring
        now = self.core.clock.now()

        def work(s: Session) -> Decision:
            comm, _ch = self.core.channel(s, place)
            rep = s.get(Report, dispute_id)
            if rep is None or rep.kind != "dispute" or rep.community_id != comm.id or rep.answer_id is None:
                raise NotFound(wording.NO_SUCH_DISPUTE.format(id=dispute_id))
            if rep.status != "open":
                raise UserError(wording.DISPUTE_DECIDED.format(id=dispute_id, status=rep.status))
            answer = s.get(Answer, rep.answer_id)
            member = s.get(Account, rep.account_id) if rep.account_id is not None else None
            lq = self.core.library.get(rep.question_id)
            if answer is None or member is None or lq is None:
                raise NotFound(wording.NO_SUCH_DISPUTE.format(id=dispute_id))
            rep.status, rep.resolved_at = ("granted" if grant else "declined"), now
            if not grant:
                return Decision(Notice(wording.DISPUTE_DECLINED.format(id=dispute_id)), member.external_id,
                                wording.YOUR_DISPUTE_DECLINED.format(qid=rep.question_id))
            points = community_points(lq.q.level, True, comm.points, scoring)
            answer.correct, answer.points = True, points
            state.bump(s.connection(), [member.id])  # the member's accuracy per topic moved
            scoreboard.regrade(s.connection(), community_id=comm.id, account_id=member.id,
                               periods=period_keys(answer.answered_at, comm.timezone), points=points, when=now)
            return Decision(Notice(wording.DISPUTE_GRANTED.format(id=dispute_id, points=points)),
                            member.external_id, wording.YOUR_DISPUTE_GRANTED.format(qid=rep.question_id, points=points))
        return await self.core.tx(work)
