"""The database stalling or going away under real processes: acked, told to retry, recovered.

`practicebank run slack` (the Procfile's web process) talks to PostgreSQL through a proxy
(`tests.support.db_proxy`) that the test makes stall (connections open, no byte passed) or drop
(every connection reset, new ones too). Meanwhile a signed slash command is still acknowledged
within Slack's 3-second deadline, the person is told "try again in a moment" on the
`response_url` the fake Slack records, the process does not die, and once the proxy forwards
again the next command is answered normally without a restart. `practicebank run discord`
likewise answers or defers every interaction within the fake Discord's deadline and tells the
person to try again. A process *started* while the
database is unusable exits with one `practicebank:` line and a non-zero status, and never
listens on its port.
"""

from __future__ import annotations

import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.discord.fake_discord import APP_ID, GUILD_ID
from tests.adapters.discord.harness import MO, fake_on_thread, slash
from tests.adapters.discord.test_worker_process import Worker, worker_command, worker_env
from tests.adapters.slack.conftest import command_body, signed_headers
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_http_server import fill_with_demo, free_port, web_command
from tests.scale.conftest import Start, process_env, wait_until
from tests.support.db_proxy import DatabaseProxy

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

SLACK_ACK_DEADLINE_S = 3.0  # Slack shows the person an error when a request is not acked by then
TRY_AGAIN = "Please try again in a moment."
ANSWER_WAIT_S = 60.0  # generous: the bot's own deadlines (pool, connect, answer) add up to ~20 s
FULL_ANSWER = "11 practices for “crime” (showing 1–5 of 11)."
DISCORD_ANSWER = "**11 practices** for “crime” (showing 1–5 of 11)."


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


@pytest.mark.parametrize(
    ("command", "fault"),
    [
        (["run", "slack", "--no-sweeps"], "drop"),
        (["run", "slack", "--no-sweeps"], "stall"),
        (["run", "discord", "--no-sweeps"], "drop"),
        (["run", "scheduler"], "drop"),
    ],
)
def test_a_process_started_against_an_unusable_database_exits_with_one_line_before_listening(
    start: Start,
    fake: FakeSlack,
    database_url: str,
    proxy: DatabaseProxy,
    tmp_path: Path,
    command: list[str],
    fault: str,
):
    """Gone or stalled at start-up: one `practicebank:` line, status 1, no port ever bound."""
    proxy.stall() if fault == "stall" else proxy.drop()
    env = process_env(fake, proxy.url_for(database_url), DISCORD_TOKEN="fake-token")
    process = start(command, env)
    assert process.wait(timeout=60) == 1
    lines = (tmp_path / "stderr-0.log").read_text().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("practicebank: Cannot use the database at postgresql+psycopg://")
    assert proxy.accepted >= 1  # it did try our database, and was reset
    assert not listening(int(env["PORT"]))
    assert not listening(int(env["HEALTH_PORT"]))


def answered_interaction(worker: Worker, payload: dict[str, Any]) -> str:
    """Send an interaction; it must be answered or deferred in time; return what the person read.

    The fake Discord refuses (404, 10062) a first response after its 3-second deadline, so a
    200 callback is the deadline held. A deferral (type 5) is followed up on the webhook.
    """
    fake = worker.served.fake
    worker.served.call(fake.interact(payload))
    callback = worker.until(lambda: fake.callback(payload["id"], timeout=0.5), ANSWER_WAIT_S)
    assert callback.status == 200, callback.answer
    if callback.body["type"] != 5:
        return str(callback.body["data"]["content"])
    followup = worker.until(
        lambda: fake.wait_for(
            lambda r: r.method == "POST" and r.path == f"webhooks/{APP_ID}/{payload['token']}",
            timeout=0.5,
        ),
        ANSWER_WAIT_S,
    )
    return str(followup.body["content"])


@pytest.mark.parametrize("fault", ["stall", "drop"])
def test_discord_worker_defers_says_try_again_and_recovers_while_the_database_misbehaves(
    database_url: str, proxy: DatabaseProxy, tmp_path: Path, fault: str
):
    """Stalled or gone: every interaction answered in time, "try again", then served again."""
    fill_with_demo(database_url)
    with fake_on_thread() as served:
        env = worker_env(
            tmp_path,
            DATABASE_URL=proxy.url_for(database_url),
            DISCORD_TOKEN="fake-token",
            DISCORD_API_URL=served.fake.api_url,
            DISCORD_GATEWAY_URL=served.fake.gateway_url,
            DISCORD_GUILD_ID=GUILD_ID,
            HEALTH_PORT=str(free_port()),
        )
        stderr = tmp_path / "worker.stderr"
        with stderr.open("wb") as sink:
            process = subprocess.Popen(
                worker_command(), env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=sink
            )
        worker = Worker(process, served, stderr)
        try:
            worker.until(lambda: served.fake.wait_for_session(timeout=0.5))
            search = {"query": "crime"}
            assert DISCORD_ANSWER in answered_interaction(worker, slash("search", search))

            proxy.stall() if fault == "stall" else proxy.drop()
            for _ in range(2):
                assert TRY_AGAIN in answered_interaction(worker, slash("share"))
            # Someone the worker has not seen yet: what it would remember of them can't be read.
            assert TRY_AGAIN in answered_interaction(worker, slash("share", person=MO))
            assert process.poll() is None, "the worker died while the database was away"

            proxy.forward()
            assert DISCORD_ANSWER in answered_interaction(worker, slash("search", search))
            assert worker.stop() == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
