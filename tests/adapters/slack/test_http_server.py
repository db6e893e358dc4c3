"""The HTTP server as the Procfile starts it (gunicorn), answering a signed slash command."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from adapters.slack.server import MAX_BODY_BYTES
from practicebank.bootstrap import load_demo_bank_if_empty, open_store
from tests.adapters.slack.conftest import SECRET, command_body, signed_headers
from tests.practicebank.conftest import DEMO_COUNT

ROOT = Path(__file__).resolve().parents[3]


def web_command() -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return shlex.split(line.removeprefix("web:"))
    raise AssertionError("the Procfile has no web process")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(url: str, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 - http://127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local server
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def fill_with_demo(database_url: str) -> None:
    """Load the demo bank, as an operator would import a bank before going live."""
    store = open_store(database_url)
    try:
        load_demo_bank_if_empty(store.uow_factory)
    finally:
        store.engine.dispose()


def practices_in(database_url: str) -> int:
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            return uow.practices.count()
    finally:
        store.engine.dispose()


@pytest.fixture
def start_web_pids() -> dict[int, int]:
    """The gunicorn master's pid of each web process a test started, by port."""
    return {}


@pytest.fixture
def start_web(fake, tmp_path, start_web_pids):
    """Start `practicebank run slack ...` (the Procfile's web process plus `extra`) on a free port.

    `dotenv` names settings to put in `.env` in its working folder instead of the environment.
    Returns the events URL; the process is stopped at the end of the test.
    """
    started = []
    servers = start_web_pids

    def start(
        *extra: str,
        dotenv: dict[str, str] | None = None,
        fill: bool = True,
        workers: int = 1,
        database: str | None = None,
    ) -> str:
        port = free_port()
        database = database or f"sqlite:///{tmp_path / 'web.db'}"
        if fill:
            fill_with_demo(database)
        env = {
            **{
                k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PRACTICEBANK_"))
            },
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": database,
        }
        for name in dotenv or {}:
            env.pop(name, None)
        (tmp_path / ".env").write_text(
            "".join(f"{name}={value}\n" for name, value in (dotenv or {}).items())
        )
        process = subprocess.Popen(
            [*web_command(), *extra],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        started.append(process)
        servers[port] = process.pid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode()[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)  # waiting for the server to listen, not asserting timing
        return f"http://127.0.0.1:{port}/slack/events"

    yield start
    for process in started:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        process.stderr.close()


@pytest.fixture
def web_server(start_web):
    return start_web()


def test_procfile_web_process_answers_a_signed_slash_command(web_server, fake):
    """`/practice crime` to the Procfile's server: 200, then knife-crime cards."""
    body = command_body("crime", response_url=fake.response_url("web"))

    status = post(web_server, body, signed_headers(body))

    assert status == 200
    answer = fake.wait_for("respond/web", timeout=30)[0].body
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "11 practices for “crime” (showing 1–5 of 11)."
    cards = [b["text"]["text"].split("`")[1] for b in answer["blocks"][1:] if "`PB" in str(b)]
    assert cards == ["PB010", "PB058", "PB017", "PB061", "PB029"]
    buttons = [
        e["action_id"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "slack:post:more:1:0" in buttons


def test_procfile_web_process_refuses_a_forged_request(web_server, fake):
    """The real server answers 401 to a request signed with another secret."""
    body = command_body("crime", response_url=fake.response_url("web"))

    status = post(web_server, body, signed_headers(body, secret="forged"))

    assert status == 401


def test_run_slack_leaves_an_empty_database_empty(start_web, fake, tmp_path):
    """`practicebank run slack` on an empty database serves it without loading the demo bank."""
    url = start_web(fill=False)
    body = command_body("knife crime", response_url=fake.response_url("empty"))

    assert post(url, body, signed_headers(body)) == 200
    answer = fake.wait_for("respond/empty", timeout=30)[0].body  # the bot is built and serving
    assert answer["text"].startswith("No practices found for “knife crime”.")
    assert practices_in(f"sqlite:///{tmp_path / 'web.db'}") == 0


def test_run_slack_with_demo_loads_the_demo_bank_into_an_empty_database(start_web, fake, tmp_path):
    """`practicebank run slack --demo` fills an empty database with the demo bank first."""
    url = start_web("--demo", fill=False)
    body = command_body("knife crime", response_url=fake.response_url("demo"))

    assert post(url, body, signed_headers(body)) == 200
    answer = fake.wait_for("respond/demo", timeout=30)[0].body
    assert answer["text"] == "2 practices for “knife crime”."
    assert practices_in(f"sqlite:///{tmp_path / 'web.db'}") == DEMO_COUNT


def test_run_slack_reads_the_bot_token_from_dotenv(start_web, fake):
    """SLACK_BOT_TOKEN only in `.env` in the working folder is the token sent to Slack."""
    start_web(dotenv={"SLACK_BOT_TOKEN": "xoxb-from-dotenv"})

    called = fake.wait_for("auth.test", timeout=30)[0]

    assert called.headers["Authorization"] == "Bearer xoxb-from-dotenv"


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local server
            return int(response.status), response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.headers["Content-Type"], error.read().decode()


def test_web_process_answers_healthz_and_metrics_beside_slack_events(web_server, fake):
    """`GET /healthz` is 200 JSON (database ok, at head) and `/metrics` is Prometheus text."""
    import json

    base = web_server.removesuffix("/slack/events")
    body = command_body("knife crime", response_url=fake.response_url("cmd"))
    assert post(web_server, body, signed_headers(body)) == 200
    fake.wait_for("respond/cmd", timeout=30)  # the work runs after the ack

    status, kind, health = get(f"{base}/healthz")
    assert (status, kind) == (200, "application/json")
    report = json.loads(health)
    assert (report["status"], report["database"], report["migrations"]) == ("ok", "ok", "at head")
    assert report["outbox_depth"] == 0

    status, kind, metrics = get(f"{base}/metrics")
    assert status == 200 and kind.startswith("text/plain")
    assert "practicebank_outbox_depth 0.0" in metrics
    assert 'practicebank_requests_total{kind="command"} 1.0' in metrics


def raw_status(url: str, head: bytes, body: bytes = b"") -> int:
    """Send one raw HTTP/1.1 request and return the status code of the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(head + body)
        line = connection.makefile("rb").readline()
    return int(line.split()[1])


def test_the_real_server_refuses_an_oversized_request_and_still_acks_the_next(web_server):
    """Gunicorn behind the Procfile: 413 for a 2 MiB declared body, then a normal command is 200."""
    path = urlsplit(web_server).path
    big = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {2 * MAX_BODY_BYTES}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
    ).encode()
    malformed = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 12abc\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    body = command_body("burglary")
    signed = signed_headers(body)
    normal = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {len(body)}\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in signed.items())
        + "Connection: close\r\n\r\n"
    ).encode()

    assert raw_status(web_server, big) == 413
    assert raw_status(web_server, malformed) == 400  # gunicorn refuses it before we see it
    assert raw_status(web_server, normal, body.encode()) == 200


def children_of(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux scheduling policies")
def test_work_processes_yield_the_cpu_to_the_web_workers(start_web, start_web_pids):
    """Web workers run at normal priority; the inbox work processes at SCHED_IDLE and nice 10.

    SCHED_IDLE is what makes a waking web worker preempt a busy search at once (nice alone
    only shares the CPU less unevenly), so a burst of requests is acked while searches run.
    """
    url = start_web(workers=2)
    master = start_web_pids[int(urlsplit(url).port or 0)]
    policies: dict[int, list[int]] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the work processes are forked once a worker answers
        policies = {}
        for child in children_of(master):
            with contextlib.suppress(OSError):
                policies.setdefault(os.sched_getscheduler(child), []).append(
                    os.getpriority(os.PRIO_PROCESS, child)
                )
        if len(policies.get(os.SCHED_IDLE, [])) == 2:
            break
        time.sleep(0.1)  # waiting for the processes to start, not asserting timing

    assert policies == {os.SCHED_OTHER: [0, 0], os.SCHED_IDLE: [10, 10]}
