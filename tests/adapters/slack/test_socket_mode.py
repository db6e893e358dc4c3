"""Socket Mode offline: apps.connections.open gives a fake websocket; a slash command arrives as
an envelope, is acked with its envelope_id and answered through response_url as in HTTP mode."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest

from adapters.slack.server import socket_mode_handler
from practicebank.bootstrap import slack_settings
from practicebank.settings import settings_from
from tests.adapters.slack.conftest import command_body, make_world
from tests.adapters.slack.fake_socket import FakeSocketMode


@pytest.fixture
def socket_server() -> Iterator[FakeSocketMode]:
    server = FakeSocketMode().start()
    yield server
    server.stop()
    assert server.refusals == [], f"Slack would have refused these acks: {server.refusals}"


def test_slash_command_over_socket_mode_is_acked_and_answered(fake, socket_server, tmp_path):
    """hello, then a `/practice crime` envelope: ack with its id, cards via response_url."""
    fake.websocket_url = socket_server.url
    env = {"SLACK_APP_TOKEN": "xapp-test", "SLACK_SIGNING_SECRET": ""}
    world = make_world(fake, f"sqlite:///{tmp_path / 'socket.db'}", env)
    settings = slack_settings(
        settings_from(
            {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_APP_TOKEN": "xapp-test",
                "SLACK_API_URL": fake.url,
            }
        )
    )
    handler = socket_mode_handler(world.bot, settings)
    handler.connect()  # type: ignore[no-untyped-call]
    try:
        opened = fake.wait_for("apps.connections.open")[0]
        assert opened.headers["Authorization"] == "Bearer xapp-test"
        payload = dict(
            parse_qsl(
                command_body(
                    "serious violence focus:diversion", response_url=fake.response_url("ws")
                )
            )
        )
        socket_server.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": payload,
            }
        )

        ack = socket_server.wait_for_ack("env-1")
        answer = fake.wait_for("respond/ws")[0].body
    finally:
        handler.close()  # type: ignore[no-untyped-call]
        world.store.engine.dispose()

    assert ack == {"envelope_id": "env-1"}
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "3 practices for “serious violence focus:diversion”."
    buttons = [
        e["action_id"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons[:3] == ["show:PB017", "show:PB009", "show:PB002"]
    assert "slack:post:more:1:0" in buttons
