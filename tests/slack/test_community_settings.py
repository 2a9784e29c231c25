"""Admins set the community's points and boards' zone by `/flask-quiz settings`."""

from __future__ import annotations

from tests.slack.conftest import ADMIN, Workspace, new_user


async def test_settings_by_text(workspace: Workspace) -> None:
    assert "(the bot's defaults)" in (await workspace.say(new_user(), "settings")).text
    assert "Only admins" in (await workspace.say(new_user(), "settings points junior=1")).text
    changed = await workspace.say(ADMIN, "settings points senior=50 junior=5")
    assert changed.text.startswith("Points per right daily answer: junior 5 · mid 20 · senior 50 (set here).")
    zoned = await workspace.say(ADMIN, "settings timezone America/Sao_Paulo")
    assert "junior 5 · mid 20 · senior 50" in zoned.text and "in America/Sao_Paulo." in zoned.text
    assert "give points as junior=10" in (await workspace.say(ADMIN, "settings points junior=ten")).text
    assert "Usage: settings" in (await workspace.say(ADMIN, "settings colour blue")).text
    reset = await workspace.say(ADMIN, "settings points default")
    assert "junior 10 · mid 20 · senior 30 (the bot's defaults)" in reset.text
