"""Run a parsed command for a member in a place; returns the view to show them."""

from __future__ import annotations

from bot import wording
from bot.boards.points import Period
from bot.config import DAYS
from bot.content.present import question_card
from bot.errors import NotAllowed, UserError
from bot.members.identity import Member, Place
from bot.runtime import commands as c
from bot.runtime.service import Service
from bot.sessions.interview import DEFAULT_LENGTH, DEFAULT_MINUTES
from bot.sessions.rules import LiveOptions
from bot.sessions.views import InterviewHistory, InterviewOver, InterviewQuestion, Lobby
from bot.views import Help, Leaderboard, Notice, QuestionCard, ScheduleView, Stats, Summary

View = (QuestionCard | Leaderboard | Stats | Help | ScheduleView | Notice | Summary | Lobby | InterviewQuestion
        | InterviewOver | InterviewHistory)


def _admin(is_admin: bool) -> None:
    if not is_admin:
        raise NotAllowed(wording.NOT_ADMIN)


async def run(service: Service, cmd: c.Command, *, member: Member, place: Place, is_admin: bool) -> View:
    engine = service.engine
    match cmd:
        case c.Practice(question_id=str(qid)):
            return practice_card(service, qid)
        case c.Practice(topic=topic, level=level):
            return await engine.practice.ask(member, topic=topic, level=level)
        case c.Daily():
            _admin(is_admin)
            opened = await service.engine.rounds.post_now(place)
            return opened.card
        case c.Board(period=period):
            p: Period = "month" if period == "month" else "all" if period == "all" else "week"
            return await engine.boards.leaderboard(member, p)
        case c.ShowStats():
            return await engine.boards.stats(member)
        case c.ShowHelp():
            return engine.help()
        case c.ShowSchedule():
            view = await engine.schedules.get(place)
            return view if view is not None else Notice(wording.NO_SCHEDULE, ok=False)
        case c.SetSchedule():
            _admin(is_admin)
            # What the command leaves out is kept from the channel's schedule (or defaults).
            old = await engine.schedules.get(place)
            time_of_day = cmd.time_of_day or (old.time_of_day if old else None)
            timezone = cmd.timezone or (old.timezone if old else None)
            if time_of_day is None or timezone is None:
                raise UserError(wording.SCHEDULE_NEEDS_TIME)
            view = await engine.schedules.set(
                place, time_of_day=time_of_day, timezone=timezone,
                days=cmd.days if cmd.days is not None else old.days if old else DAYS,
                window_minutes=cmd.window_minutes or (old.window_minutes if old else None),
                topics=cmd.topics if cmd.topics is not None else old.topics if old else (),
                levels=cmd.levels if cmd.levels is not None else old.levels if old else (), by=member)
            await service.rebuild()
            return view
        case c.PauseSchedule(paused=paused):
            _admin(is_admin)
            notice = await engine.schedules.pause(place, paused)
            await service.rebuild()
            return notice
        case c.Remind(show=True):
            return await engine.reminders.show(member)
        case c.Remind():
            return await engine.reminders.set(member, reviews_hour=cmd.reviews_hour, reviews_off=cmd.reviews_off,
                                              timezone=cmd.timezone, closing=cmd.closing)
        case c.CommunitySettings() if cmd.show:
            return await engine.communities.show(place)
        case c.CommunitySettings():
            _admin(is_admin)
            return await engine.communities.set(place, points=dict(cmd.points), reset_points=cmd.reset_points,
                                                timezone=cmd.timezone, live=dict(cmd.live), reset_live=cmd.reset_live)
        case c.ScheduleRecap(on=on):
            _admin(is_admin)
            return await engine.recaps.enable(place, on)
        case c.RemoveSchedule():
            _admin(is_admin)
            notice = await engine.schedules.remove(place)
            await service.rebuild()
            return notice
        case c.CloseRound():
            _admin(is_admin)
            round_id = await engine.rounds.current(place)
            if round_id is None:
                raise UserError(wording.NO_OPEN_ROUND_HERE)
            closed = await service.engine.rounds.close(round_id)
            if closed is None:
                raise UserError(wording.ROUND_ALREADY_CLOSED)
            return closed.summary
        case c.ForgetMe():
            return await engine.members.forget(member)
        case c.ModelGrading(on=on):
            _admin(is_admin)
            return await engine.members.model_grading(place, on)
        case c.ShowDisputes():
            _admin(is_admin)
            return await engine.disputes.pending(place)
        case c.DecideDispute(dispute_id=n, grant=grant):
            _admin(is_admin)
            decision = await engine.disputes.decide(place, n, grant=grant)
            await engine.rounds.tell(place, decision.member, decision.message)
            return decision.notice
        case c.Live() if place.platform not in engine.live.sinks:
            raise UserError(wording.LIVE_NOT_HERE)  # this platform's adapter does not deliver sessions yet
        case c.Live(stop=True):
            session_id = await engine.live.current(place)
            if session_id is None:
                raise UserError(wording.LIVE_NONE_HERE)
            await engine.live.stop(member, session_id, is_admin=is_admin)
            return Notice(wording.LIVE_STOPPED)
        case c.Live():
            defaults = LiveOptions()
            return await engine.live.start(member, place, LiveOptions(
                count=cmd.count or defaults.count, topics=cmd.topics, levels=cmd.levels,
                seconds=cmd.seconds or defaults.seconds), is_admin=is_admin)
        case c.Interview() if place.platform not in engine.interviews.sinks:
            raise UserError(wording.INTERVIEW_NOT_HERE)  # this platform's adapter does not run interviews yet
        case c.Interview(action="history"):
            return await engine.interviews.history(member)
        case c.Interview(action="stop"):
            return await engine.interviews.stop(member)
        case c.Interview(action="skip"):
            return await engine.interviews.skip(member)
        case c.Interview(action="answer", text=text):
            return await engine.interviews.answer(member, text)
        case c.Interview(level=level, length=length, minutes=minutes):
            return await engine.interviews.start(
                member, place, level, length=DEFAULT_LENGTH if length is None else length,
                minutes=DEFAULT_MINUTES if minutes is None else minutes)
        case c.ReportQuestion(question_id=qid, reason=reason):
            return await engine.reports.add(member, qid, reason)
    raise UserError(wording.UNKNOWN_COMMAND_SHORT)


def practice_card(service: Service, question_id: str) -> QuestionCard:
    """One question by id, as a practice card (``/flask-quiz <question-id>``)."""
    lq = service.engine.library.get(question_id)
    if lq is None:
        raise UserError(wording.NO_SUCH_QUESTION.format(qid=question_id))
    return question_card(lq, mode="practice", reason=wording.REASON["chosen"])
