"""The load benchmark's short form, for CI: 50 signed slash commands at once, every one answered.

The Procfile's web process (two gunicorn workers) on PostgreSQL with a small synthetic bank
(`bench.synthetic`) gets 50 `/practice <query>` requests from 50 threads released together,
steady and again right after a publication (a new practice, which every worker's next search
must see). Every request must get its HTTP 200 and every person exactly one answer on their
`response_url`, as the fake Slack counts them; after the publication the new practice is found.
Correctness only: how fast is `bench/load.py`'s business (figures in the README).
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from bench.common import load_demo_bank
from bench.synthetic import synthetic_bank
from bot.kernel.domain import format_ref
from practicebank.bootstrap import open_store
from tests.adapters.slack.conftest import command_body, signed_headers
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_http_server import web_command
from tests.scale.conftest import Start, process_env, wait_until
from tests.scale.test_database_faults import listening

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

BANK = 500
CONCURRENT = 50
QUERIES = ("knife crime", "domestic abuse", "burglary", "youth diversion", "antisocial behaviour")
PUBLISHED_TITLE = "Zephyrtown lantern patrols for the night-time economy"


def fill(database_url: str) -> None:
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            uow.practices.upsert_many(synthetic_bank(load_demo_bank(), BANK))
            uow.commit()
    finally:
        store.engine.dispose()


def publish(database_url: str) -> None:
    """A practice is added while the web process serves: a publication."""
    store = open_store(database_url)
    try:
        practice = replace(load_demo_bank()[0], ref=format_ref(BANK + 1), title=PUBLISHED_TITLE)
        with store.uow_factory() as uow:
            uow.practices.upsert_many([practice])
            uow.commit()
    finally:
        store.engine.dispose()


def burst(events: str, fake: FakeSlack, tag: str, queries: list[str]) -> list[int]:
    """Send one signed command per query from as many threads, all released at once."""
    go = threading.Barrier(len(queries))

    def one(n: int) -> int:
        body = command_body(
            queries[n], user=f"U{n:04d}", response_url=fake.response_url(f"{tag}-{n}")
        )
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
            events, data=body.encode(), headers=signed_headers(body), method="POST"
        )
        go.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        return list(pool.map(one, range(len(queries))))


def answers(fake: FakeSlack, tag: str) -> Counter[str]:
    prefix = f"respond/{tag}-"
    return Counter(c.method.removeprefix(prefix) for c in fake.calls if c.method.startswith(prefix))


def answered(fake: FakeSlack, tag: str, count: int) -> dict[str, str]:
    """Wait for an answer to each of `count` requests; each must come exactly once."""
    wait_until(lambda: len(answers(fake, tag)) >= count, 180, f"{count} answers to {tag}")
    counted = answers(fake, tag)
    assert counted == Counter({str(n): 1 for n in range(count)})
    prefix = f"respond/{tag}-"
    return {
        c.method.removeprefix(prefix): str(c.body)
        for c in fake.calls
        if c.method.startswith(prefix)
    }


def test_fifty_concurrent_commands_are_each_acked_and_answered_also_after_a_publication(
    start: Start, fake: FakeSlack, database_url: str
):
    fill(database_url)
    env = process_env(fake, database_url, WEB_CONCURRENCY="2")
    process = start(web_command()[1:], env)
    port = int(env["PORT"])
    wait_until(lambda: listening(port) or process.poll() is not None, 120, "the web process")
    events = f"http://127.0.0.1:{port}/slack/events"

    steady = [QUERIES[n % len(QUERIES)] for n in range(CONCURRENT)]
    assert burst(events, fake, "steady", steady) == [200] * CONCURRENT
    for n, body in answered(fake, "steady", CONCURRENT).items():
        assert f"for “{steady[int(n)]}”" in body, body[:300]

    publish(database_url)
    after = [
        ("zephyrtown lantern" if n % 2 else QUERIES[n % len(QUERIES)]) for n in range(CONCURRENT)
    ]
    assert burst(events, fake, "published", after) == [200] * CONCURRENT
    for n, body in answered(fake, "published", CONCURRENT).items():
        if after[int(n)] == "zephyrtown lantern":
            assert PUBLISHED_TITLE in body, body[:300]  # every worker sees the publication
        else:
            assert f"for “{after[int(n)]}”" in body, body[:300]
    assert process.poll() is None
