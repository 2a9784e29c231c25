"""The quiz engine: the components every adapter calls, over one shared core.  Knows no platform.

Each component's public methods are async, run their queries on the database
thread in one transaction each, and return platform-neutral views
(``bot.views``)::

    engine.practice.ask(member)            engine.rounds.answer(member, round_id, choice=1)
    engine.schedules.set(place, ...)       engine.boards.leaderboard(member, "week")
    engine.members.forget(member)          engine.reports.add(member, question_id, reason)
    engine.disputes.file(member, round_id)     engine.recaps.post_due(channel_id)
    engine.reminders.set(member, closing=True) engine.communities.set(place, points={"mid": 5})
    engine.live.start(member, place, options)  engine.live.tick()
    engine.interviews.start(member, place, "mid")  engine.interviews.answer(member, text)
"""

from __future__ import annotations

from datetime import timedelta

from bot import wording
from bot.boards.boards import Boards
from bot.clock import Clock
from bot.config import Settings
from bot.content import LEVELS, Library
from bot.content.reports import Reports
from bot.core import Core
from bot.members.communities import Communities
from bot.members.members import Members
from bot.practice.drills import Practice
from bot.reminders.reminders import Reminders
from bot.rounds.disputes import Disputes
from bot.rounds.lifecycle import Rounds
from bot.rounds.recap import Recaps
from bot.rounds.schedules import Schedules
from bot.sessions.interviews import Interviews
from bot.sessions.live import LiveSessions
from bot.storage.db import Database
from bot.views import Help


class Engine:
    """Holds the components; what they share lives in ``core``."""

    def __init__(self, *, db: Database, library: Library, settings: Settings, clock: Clock) -> None:
        self.core = Core(db=db, library=library, settings=settings, clock=clock)
        self.members = Members(self.core)
        self.practice = Practice(self.core)
        self.schedules = Schedules(self.core)
        self.rounds = Rounds(self.core, self.schedules, grace=timedelta(minutes=settings.rounds.grace_minutes),
                             sweep=timedelta(seconds=settings.rounds.sweep_seconds))
        self.recaps = Recaps(self.core, self.schedules, self.rounds)
        self.reminders = Reminders(self.core, self.rounds)
        self.communities = Communities(self.core)
        self.boards = Boards(self.core)
        self.reports = Reports(self.core)
        self.disputes = Disputes(self.core)
        self.live = LiveSessions(self.core)
        self.interviews = Interviews(self.core)

    @property
    def library(self) -> Library:
        return self.core.library

    @property
    def clock(self) -> Clock:
        return self.core.clock

    @property
    def settings(self) -> Settings:
        return self.core.settings

    def help(self) -> Help:
        return Help(wording.HELP, tuple(sorted(self.core.library.topics())), LEVELS)
