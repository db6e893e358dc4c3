"""The web process with two gunicorn workers; one person's answers alternate between them.

Each answer is sent on a connection that the *other* worker accepted than the previous answer's
(the accepting worker is read from `/proc`: the server side of the connection is a socket only
that worker holds), so nothing a dialogue needs may live in one worker's memory. Every answer
must be recorded once, every question asked once, and "continue or discard?" never offered.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.settings import EVENTS_PATH
from bot.kernel.events import Workspace
from bot.kernel.records import SubmissionState
from practicebank.bootstrap import open_store
from tests.adapters.slack import test_http_server
from tests.adapters.slack.conftest import event_body, signed_headers
from tests.adapters.slack.fake_slack import TEAM, FakeSlack
from tests.adapters.slack.test_slack_formats_dialogue import ALICE, ALICE_DM, TYPED

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")

# The web process fixtures of the Procfile tests, shared (pytest finds fixtures by module name).
start_web = test_http_server.start_web
start_web_pids = test_http_server.start_web_pids

RESUME_OFFER = "Continue where you left off, or discard it?"


def workers_of(master: int) -> list[int]:
    """The gunicorn workers (children) of the master process."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if len(children) >= 2:
            return sorted(int(c) for c in children)
        time.sleep(0.05)  # waiting for gunicorn to fork, not asserting timing
    raise AssertionError("gunicorn did not start two workers")


def _server_socket_inode(port: int, client_port: int) -> str | None:
    """The inode of the server side of the connection from `client_port` to `port`."""
    wanted = (f"0100007F:{port:04X}", f"0100007F:{client_port:04X}")
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (fields[1], fields[2]) == wanted and fields[9] != "0":
            return fields[9]
    return None


def accepted_by(sock: socket.socket, port: int, workers: list[int]) -> int:
    """Which worker accepted this connection (holds its server-side socket)."""
    client_port = sock.getsockname()[1]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        inode = _server_socket_inode(port, client_port)
        for pid in workers if inode else ():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
                except OSError:
                    continue
        time.sleep(0.01)  # waiting for a worker to accept, not asserting timing
    raise AssertionError("no worker accepted the connection")


def connect_to_worker(port: int, worker: int, workers: list[int]) -> socket.socket:
    """A connection accepted by `worker` (others are closed unused, as a client may).

    The unwanted ones are held open until then: closing each at once let the worker that took
    it take the next one too (it is the one awake in accept), so `worker` could lose 200 times.
    """
    held: list[socket.socket] = []
    try:
        for _ in range(200):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            if accepted_by(sock, port, workers) == worker:
                return sock
            held.append(sock)
    finally:
        for sock in held:
            sock.close()
    raise AssertionError(f"worker {worker} never accepted a connection")


def post_event(sock: socket.socket, port: int, body: dict[str, Any]) -> int:
    raw = json.dumps(body)
    headers = signed_headers(raw) | {"content-type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.sock = sock
    try:
        connection.request("POST", EVENTS_PATH, raw.encode(), headers)
        response = connection.getresponse()
        response.read()
        return int(response.status)
    finally:
        connection.close()


def step_of(database_url: str) -> str | None:
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            conversation = uow.conversations.get(f"slack:{TEAM}:{ALICE}")
        return conversation.step if conversation else None
    finally:
        store.engine.dispose()


def test_two_web_workers_alternating_one_persons_answers_record_each_once(
    start_web, start_web_pids, fake: FakeSlack, database_url: str
):
    """Answers alternate between two workers: each is taken once, never "continue or discard?"."""
    url = start_web(workers=2, database=database_url)
    port = int(url.split(":")[2].split("/")[0])
    workers = workers_of(start_web_pids[port])
    asked: list[str | None] = []

    def say(text: str, n: int) -> dict[str, Any]:
        posted = len(fake.calls_to("chat.postMessage"))
        sock = connect_to_worker(port, workers[n % 2], workers)
        event = {
            "type": "message",
            "channel_type": "im",
            "user": ALICE,
            "text": text,
            "ts": f"1700000600.{n:06d}",
            "channel": ALICE_DM,
        }
        assert post_event(sock, port, event_body(event, event_id=f"Ev-{n}")) == 200
        return fake.wait_for("chat.postMessage", posted + 1, timeout=30)[-1].body

    say("share", 0)
    for n in range(1, 41):  # 21 questions; the bound turns a stuck dialogue into a failure
        step = step_of(database_url)
        if step == "review":
            break
        asked.append(step)
        say(TYPED.get(step or "", ("skip", "skip"))[1], n)
    assert step_of(database_url) == "review"
    say("submit", 50)

    assert len(asked) == len(set(asked)), f"a question was asked twice: {asked}"
    texts = [str(c.body.get("text", "")) for c in fake.calls_to("chat.postMessage")]
    assert not [t for t in texts if RESUME_OFFER in t or "discard it?" in t]
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            submitted = uow.submissions.list_by_state(
                Workspace("slack", TEAM), SubmissionState.SUBMITTED
            )
    finally:
        store.engine.dispose()
    assert len(submitted) == 1
    answers = submitted[0].answers
    assert answers["title"] == "Street triage & mental health"
    assert answers["contact_email"] == "sam.patel@northshire.police.uk"
    assert answers["links"] == ["https://northshire.police.uk/triage"]
