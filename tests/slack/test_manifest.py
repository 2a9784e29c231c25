"""The manifest asks for every scope and event the code uses (a missing scope fails only in production)."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.slack import oauth

ROOT = Path(__file__).resolve().parents[2]
SLACK = ROOT / "adapters" / "slack"
# Each Web API method and event the adapter uses, and the bot scope Slack wants for it (None: no scope).
METHOD_SCOPES = {"chat.postMessage": "chat:write", "chat.update": "chat:write", "chat.postEphemeral": "chat:write",
                 "conversations.history": "channels:history", "users.info": "users:read", "views.open": None,
                 "views.publish": None, "views.update": None, "auth.test": None}
EVENT_SCOPES = {"app_home_opened": None, "app_uninstalled": None, "tokens_revoked": None,
                "member_joined_channel": "channels:read"}


def manifest_list(section: str) -> set[str]:
    """The items of a YAML list in the manifest (``scopes: bot:`` or ``bot_events:``), comments dropped."""
    text = (SLACK / "manifest.yaml").read_text()
    block = re.search(rf"^(\s*){section}:\n((?:\1\s+- .*\n)+)", text, re.MULTILINE)
    assert block, section
    return {line.split("#")[0].strip().removeprefix("- ").strip() for line in block.group(2).splitlines()}


def used(pattern: str) -> set[str]:
    return {m for f in SLACK.glob("*.py") for m in re.findall(pattern, f.read_text())}


def test_every_method_and_event_used_has_its_scope_in_the_manifest() -> None:
    methods = used(r'api_call\(\s*"([a-z]+\.[a-zA-Z.]+)"') | used(r'_call\(place, "([a-z]+\.[a-zA-Z.]+)"') | {
        m.replace("_", ".", 1) for m in used(r"client\.((?:chat|conversations|users|views)_[a-zA-Z]+)\(")}
    methods = {re.sub(r"_(\w)", lambda x: x.group(1).upper(), m) for m in methods}  # chat.post_ephemeral -> ...
    assert {"chat.postMessage", "conversations.history", "users.info", "chat.postEphemeral"} <= methods
    unknown = methods - METHOD_SCOPES.keys()
    assert not unknown, f"add the scope these need to METHOD_SCOPES and the manifest: {unknown}"
    events = used(r'\.event\("([a-z_]+)"\)')
    assert "member_joined_channel" in events and events <= EVENT_SCOPES.keys()
    scopes = manifest_list("bot")
    needed = {METHOD_SCOPES[m] for m in methods} | {EVENT_SCOPES[e] for e in events}
    assert needed - {None} <= scopes
    assert events <= manifest_list("bot_events")


def test_oauth_installs_ask_for_the_manifests_scopes() -> None:
    assert set(oauth.SCOPES) == manifest_list("bot")
