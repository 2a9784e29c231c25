"""Who a Slack member is: users.info, cached, for admin rights and the name boards show."""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.members.identity import Member

log = logging.getLogger(__name__)
NAME_TTL = 3600.0  # seconds a display name is trusted (a rename shows within the hour)


def display_name(user: dict[str, Any]) -> str:
    """What Slack shows for a member: the profile's display name, else the real name, else the legacy name."""
    raw = user.get("profile")
    profile: dict[str, Any] = raw if isinstance(raw, dict) else {}
    for value in (profile.get("display_name"), user.get("real_name"), profile.get("real_name"), user.get("name")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


class People:
    """users.info answers, cached per workspace and member."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    async def info(self, client: AsyncWebClient, member: Member, *, max_age: float) -> dict[str, Any]:
        """The member's users.info ``user`` object, at most ``max_age`` seconds old; raises when Slack fails."""
        key = (member.community, member.user)
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < max_age:
            return hit[1]
        user = (await client.users_info(user=member.user))["user"]
        if not isinstance(user, dict):
            raise ValueError("users.info without a user")
        self._cache[key] = (time.monotonic(), user)
        if len(self._cache) > 50_000:
            self._cache.pop(next(iter(self._cache)))
        return user

    def known_name(self, member: Member) -> Member | None:
        """The member under the name Slack shows, from a users.info answer cached here within the
        hour; None when there is none (``adapters.slack.names`` then looks it up later)."""
        hit = self._cache.get((member.community, member.user))
        if hit is None or time.monotonic() - hit[0] >= NAME_TTL:
            return None
        name = display_name(hit[1])
        return dataclasses.replace(member, name=name) if name else member

    async def named(self, client: AsyncWebClient, member: Member) -> Member:
        """The member under the name Slack shows (the legacy username when users.info fails)."""
        try:
            name = display_name(await self.info(client, member, max_age=NAME_TTL))
        except Exception as exc:  # Slack down or rate limited: the name can wait, the answer cannot
            log.warning("slack: users.info for %s failed; using the name in the payload: %s", member.user, exc)
            return member
        return dataclasses.replace(member, name=name) if name else member
