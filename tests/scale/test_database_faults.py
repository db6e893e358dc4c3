"""The database stalling or going away under real processes: acked, told to retry, recovered.

`practicebank run slack` (the Procfile's web process) talks to PostgreSQL through a proxy
(`tests.support.db_proxy`) that the test makes stall (connections open, no byte passed) or drop
(every connection reset, new ones too). Meanwhile a signed slash command is still acknowledged
within Slack's 3-second deadline, the person is told "try again in a moment" on the
`response_url` the fake Slack records, the process does not die, and once the proxy forwards
again the next command is answered normally without a restart. A process *started* while the
database is unusable exits with one `practicebank:` line and a non-zero status, and never
listens on its port.
"""

from __future__ import annotations

import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.slack.conftest import command_body, signed_headers
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_http_server import fill_with_demo, web_command
from tests.scale.conftest import Start, process_env, wait_until
from tests.support.db_proxy import DatabaseProxy

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

SLACK_ACK_DEADLINE_S = 3.0  # Slack shows the person an error when a request is not acked by then
TRY_AGAIN = "Please try again in a moment."
ANSWER_WAIT_S = 60.0  # generous: the bot's own deadlines (pool, connect, answer) add up to ~20 s
FULL_ANSWER = "11 practices for “crime” (showing 1–5 of 11)."


@pytest.fixture
def proxy(database_url: str) -> Iterator[DatabaseProxy]:
    """A forwarding proxy in front of the test's PostgreSQL."""
    server = DatabaseProxy.to(database_url).start()
    yield server
    server.stop()


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_web(start: Start, fake: FakeSlack, url: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start the Procfile's web process on `url`; return it and its events URL once listening."""
    env = process_env(fake, url, WEB_CONCURRENCY="2")
    process = start(web_command()[1:], env)
    port = int(env["PORT"])
    wait_until(lambda: listening(port) or process.poll() is not None, 120, "the web process")
    assert process.poll() is None, "the web process did not start"
    return process, f"http://127.0.0.1:{port}/slack/events"


def acked_command(events: str, fake: FakeSlack, query: str, name: str) -> None:
    """Send `/practice <query>` as Slack would; it must be acked with a 200 within the deadline."""
    body = command_body(query, response_url=fake.response_url(name))
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
        events, data=body.encode(), headers=signed_headers(body), method="POST"
    )
    with urllib.request.urlopen(request, timeout=SLACK_ACK_DEADLINE_S) as response:  # noqa: S310
        assert response.status == 200


def answer_to(fake: FakeSlack, name: str) -> str:
    """The text the person was answered on the response URL `name`."""
    return str(fake.wait_for(f"respond/{name}", timeout=ANSWER_WAIT_S)[0].body.get("text"))


@pytest.mark.parametrize("fault", ["stall", "drop"])
def test_web_acks_says_try_again_and_recovers_while_the_database_misbehaves(
    start: Start, fake: FakeSlack, database_url: str, proxy: DatabaseProxy, fault: str
):
    """Stalled or gone: acked in time, "try again in a moment", then answered once it is back."""
    fill_with_demo(database_url)
    process, events = start_web(start, fake, proxy.url_for(database_url))
    acked_command(events, fake, "crime", "before")
    assert answer_to(fake, "before") == FULL_ANSWER

    proxy.stall() if fault == "stall" else proxy.drop()
    for n in range(3):  # one after another: a fresh connection, then the pool's others
        acked_command(events, fake, "share", f"during-{n}")
    for n in range(3):
        assert TRY_AGAIN in answer_to(fake, f"during-{n}")
    assert process.poll() is None, "the web process died while the database was away"

    proxy.forward()
    acked_command(events, fake, "crime", "after")
    assert answer_to(fake, "after") == FULL_ANSWER
    assert process.poll() is None


@pytest.mark.parametrize("command", [["run", "slack", "--no-sweeps"], ["run", "scheduler"]])
def test_a_process_started_against_a_gone_database_exits_with_one_line_before_listening(
    start: Start,
    fake: FakeSlack,
    database_url: str,
    proxy: DatabaseProxy,
    tmp_path: Path,
    command: list[str],
):
    """Dropping database: one `practicebank:` line, status 1, the port never bound."""
    proxy.drop()
    env = process_env(fake, proxy.url_for(database_url))
    process = start(command, env)
    assert process.wait(timeout=60) == 1
    lines = (tmp_path / "stderr-0.log").read_text().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("practicebank: Cannot use the database at postgresql+psycopg://")
    assert proxy.accepted >= 1  # it did try our database, and was reset
    assert not listening(int(env["PORT"]))
    assert not listening(int(env["HEALTH_PORT"]))
