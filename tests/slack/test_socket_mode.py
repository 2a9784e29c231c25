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
