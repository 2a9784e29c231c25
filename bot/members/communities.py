"""Community settings admins change from chat: points per level, the boards' time zone, live-quiz rules.

Both start from bot.toml (``[scoring]``, ``[leaderboard] timezone``); a community's own
values, once set, are stored on its row and win.  Points are read with every batch of
answers and the zone with every board, so a change counts from the next answer or board
in every process.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import wording
from bot.boards.points import LEVEL_NAMES, parse_points
from bot.config import check_timezone
from bot.core import Core
from bot.errors import UserError
from bot.members.identity import Place
from bot.sessions.rules import LiveRules, check_rule, own_rules, parse_rules, rules_text
from bot.views import Notice


class Communities:
    """Per-community settings, falling back to bot.toml."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def show(self, place: Place) -> Notice:
        def work(s: Session) -> tuple[str, str, str]:
            comm, _ch = self.core.channel(s, place)
            return comm.points, comm.timezone, comm.live_rules
        return self._view(*await self.core.tx(work))

    async def set(self, place: Place, *, points: dict[str, int] | None = None, reset_points: bool = False,
                  timezone: str | None = None, live: dict[str, str] | None = None,
                  reset_live: bool = False) -> Notice:
        """Admins: change points per level (any of junior, mid, senior) and/or the boards' zone."""
        for level, n in (points or {}).items():
            if level not in LEVEL_NAMES:
                raise UserError(wording.LEVELS_ARE.format(levels=", ".join(LEVEL_NAMES)))
            if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 1000:
                raise UserError(wording.BAD_POINTS)
        if timezone is not None:
            try:
                timezone = check_timezone(timezone)
            except ValueError as exc:
                raise UserError(str(exc)) from None
        rules = {key: check_rule(key, value) for key, value in (live or {}).items()}

        def work(s: Session) -> tuple[str, str, str]:
            comm, _ch = self.core.channel(s, place)
            own = {} if reset_points else dict(parse_points(comm.points))
            own.update(points or {})
            comm.points = ",".join(f"{lv}={own[lv]}" for lv in LEVEL_NAMES if lv in own)
            if timezone is not None:
                comm.timezone = timezone
            if rules or reset_live:
                mine = {} if reset_live else own_rules(comm.live_rules)
                comm.live_rules = rules_text({**mine, **rules})
            return comm.points, comm.timezone, comm.live_rules
        return self._view(*await self.core.tx(work))

    def _view(self, points: str, zone: str, live_rules: str) -> Notice:
        own = dict(parse_points(points))
        table = self.core.settings.scoring
        shown = " · ".join(f"{lv} {own.get(lv, getattr(table, lv))}" for lv in LEVEL_NAMES)
        source = wording.POINTS_OWN if own else wording.POINTS_DEFAULT
        live = parse_rules(live_rules, LiveRules())
        live_line = wording.LIVE_RULES.format(
            who="admins" if live.who_may_start == "admins" else "anyone", channel=live.per_channel,
            community=live.per_community, cooldown=live.cooldown_seconds,
            source=wording.POINTS_OWN if own_rules(live_rules) else wording.POINTS_DEFAULT)
        return Notice(wording.COMMUNITY_SETTINGS.format(points=shown, source=source, timezone=zone) + "\n" + live_line)
