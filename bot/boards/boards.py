"""The boards component: leaderboards and a member's stats, read in the community's time zone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.boards import leaderboard, stats
from bot.boards.points import Period
from bot.core import Core
from bot.members.identity import Member
from bot.storage.models import Community
from bot.views import Leaderboard, Stats


class Boards:
    """Read-only views of points, streaks and accuracy."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def leaderboard(self, member: Member, period: Period = "week") -> Leaderboard:
        """Top N of the member's community for ``period``, plus the member's own row."""
        ids = await self.core.resolve(member)
        now = self.core.clock.now()

        def work(s: Session) -> Leaderboard:
            # The zone is read fresh (admins may change it; members' ids are cached with the old one).
            tz = s.execute(select(Community.timezone).where(Community.id == ids.community_id)).scalar_one()
            return leaderboard.board(s, community_id=ids.community_id, account_id=ids.account_id, period=period,
                                     now=now, tz=tz, size=self.core.settings.leaderboard.size)
        return await self.core.tx(work)

    async def stats(self, member: Member) -> Stats:
        """What the member answered, how well, per topic; streaks and reviews due."""
        now = self.core.clock.now()
        return await self.core.with_ids(member, lambda ids: self.core.tx(lambda s: stats.member_stats(
            s, account_id=ids.account_id or 0, community_id=ids.community_id, now=now)))
