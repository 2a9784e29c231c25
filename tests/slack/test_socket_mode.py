"""Socket Mode specifics: the app token opens the connection, every envelope is acknowledged."""

from __future__ import annotations

import json

from tests.slack.conftest import Workspace, new_user
from tests.slack.fake_slack import command_body


async def test_socket_mode_connects_with_the_app_token_and_acks_envelopes(socket_workspace: Workspace) -> None:
    workspace = socket_workspace
    fake = workspace.fake
    (opened,) = fake.called("apps.connections.open")
    assert opened.token == "xapp-test"
    url = fake.response_url()
    ack = await fake.send_envelope("slash_commands", command_body(user=new_user(), response_url=url))
    assert ack["envelope_id"] and json.dumps(ack.get("payload", {})) in ("{}", '""', "null")
    reply = await workspace.reply(url)
    assert "Practice" in reply.text


def test_an_ack_that_finds_the_socket_closed_at_shutdown_is_a_warning_not_an_error() -> None:
    """slack-sdk logs ERROR with a traceback when Bolt acknowledges an envelope after the socket
    closed; while the runner is closing that is expected (Slack redelivers): one WARNING line."""
    import logging as lg

    from adapters.slack import closing

    seen: list[lg.LogRecord] = []

    class Keep(lg.Handler):
        def emit(self, record: lg.LogRecord) -> None:
            seen.append(record)

    logger = lg.getLogger(closing.LOGGER)
    keep, old = Keep(), logger.level
    logger.addHandler(keep)
    logger.setLevel(lg.INFO)
    try:
        for active in (False, True):
            closing.FILTER.active = active
            try:
                raise ConnectionResetError("Cannot write to closing transport")
            except ConnectionResetError as exc:
                logger.exception("Failed to run a request listener: %s, session: s_1", exc)
            logger.error("Failed to run a request listener: something else")
    finally:
        closing.FILTER.active = False
        logger.removeHandler(keep)
        logger.setLevel(old)
    assert [(r.levelname, r.exc_info is not None) for r in seen] == [
        ("ERROR", True), ("ERROR", False), ("WARNING", False), ("ERROR", False)]
    assert "Slack sends it again" in seen[2].getMessage()
