"""A member's stats: what they answered, how well, per topic, streaks and reviews due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.practice.cards import reviews_due, topic_accuracy
from bot.storage.models import Account, Answer, Channel, PracticeAnswer, Score, Streak
from bot.views import Stats, TopicStat


def member_stats(s: Session, *, account_id: int, community_id: int, now: datetime) -> Stats:
    per_topic = topic_accuracy(s, account_id)
    daily = int(s.execute(select(func.count()).select_from(Answer)
                          .where(Answer.account_id == account_id)).scalar_one())
    practice = int(s.execute(select(func.count()).select_from(PracticeAnswer)
                             .where(PracticeAnswer.account_id == account_id)).scalar_one())
    points = s.execute(select(Score.points).where(Score.community_id == community_id, Score.period == "all",
                                                  Score.account_id == account_id)).scalar_one_or_none()
    cur, best = s.execute(select(func.coalesce(func.max(Streak.current), 0), func.coalesce(func.max(Streak.best), 0))
                          .join(Channel, Channel.id == Streak.channel_id)
                          .where(Streak.account_id == account_id, Channel.community_id == community_id)).one()
    name = s.execute(select(Account.display_name).where(Account.id == account_id)).scalar_one()
    topics = tuple(TopicStat(t, n, c) for t, (n, c) in sorted(per_topic.items()))
    return Stats(name=name, answered=daily + practice, correct=sum(t.correct for t in topics),
                 daily_answered=daily, practice_answered=practice, points=int(points or 0),
                 current_streak=int(cur), best_streak=int(best),
                 reviews_due=reviews_due(s, account_id, now), topics=topics)
