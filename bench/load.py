"""Load benchmark: signed slash commands against the real `web` process, and bulk delivery.

Not a test. It starts the Procfile's web process (`practicebank run slack --no-sweeps`, gunicorn,
two web workers that verify, spool and ack, beside its two inbox work processes) on PostgreSQL
with a synthetic bank (`bench.synthetic`, 10k by default) against the
fake Slack in this process, then sends signed `/practice <query>` requests from this (second)
process on threads at each concurrency level, steady and right after a publication (a practice
added, so every worker rebuilds its index on the next search). It prints ack p50/p95/p99,
throughput, time to the answer (the `response_url` post reaching the fake), and the highest
concurrency at which every request was acked within 3 s. Then delivery: `--reminders` reminder
notifications and, queued after them, one moderation card, drained at the fake's rate limit
(`--rate` posts a second, 429 `Retry-After: 1` beyond it): time to drain, 429s, and how long the
card waited.

    python -m bench.load --bank 10000 --levels 1,10,50,100,500

The client is Python threads on a shared 2-core machine: at 500 its own scheduling adds to the
figures, so they are upper bounds on what the server needs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import load_demo_bank
from bench.synthetic import synthetic_bank
from bot.kernel.domain import format_ref
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import Reply
from bot.kernel.replies import text as said
from practicebank.bootstrap import open_store

SECRET = "bench-signing-secret"  # noqa: S105 - signs requests to our own local server
TEAM = "T0PUBLIC"
ACK_DEADLINE = 3.0
QUERIES = ("knife crime", "domestic abuse", "burglary", "youth diversion", "antisocial behaviour")


@dataclass
class Level:
    """What one concurrency level measured."""

    concurrency: int
    sent: int
    acked: int
    acks: list[float]
    answers: list[float]
    seconds: float


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def schema_url(base: str) -> tuple[str, str]:
    """A fresh schema on the PostgreSQL at `base`, and the URL whose search_path is it."""
    url = make_url(base).set(drivername="postgresql+psycopg")
    schema = f"pb_bench_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    with_path = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return with_path.render_as_string(hide_password=False), schema


def drop_schema(base: str, schema: str) -> None:
    admin = create_engine(make_url(base).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def fill(database_url: str, size: int) -> None:
    store = open_store(database_url)
    with store.uow_factory() as uow:
        uow.practices.upsert_many(synthetic_bank(load_demo_bank(), size))
        uow.commit()
    store.engine.dispose()


def publish(database_url: str, number: int) -> None:
    """One more practice in the bank: every worker's next search rebuilds its index."""
    store = open_store(database_url)
    demo = load_demo_bank()
    with store.uow_factory() as uow:
        uow.practices.upsert_many([replace(demo[0], ref=format_ref(number))])
        uow.commit()
    store.engine.dispose()


def start_web(fake: Any, database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PRACTICEBANK_"))},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
    }
    process = subprocess.Popen(  # noqa: S603 - our own entry point, fixed arguments
        [str(Path(sys.executable).parent / "practicebank"), "run", "slack", "--no-sweeps"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the web process did not start listening")


def command(fake: Any, query: str, name: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "team_id": TEAM,
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": "U0BENCH",
            "user_name": "bench",
            "command": "/practice",
            "text": query,
            "api_app_id": "A-APP",
            "response_url": fake.response_url(name),
            "trigger_id": "1.2.trigger",
        }
    )
    stamp = str(int(time.time()))
    signature = str(SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body))
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature,
    }
    return body.encode(), headers


def run_level(fake: Any, url: str, concurrency: int, total: int, tag: str) -> Level:
    """`total` requests from `concurrency` threads at once; acks and answers timed."""
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    lock = threading.Lock()
    acked = 0
    start = threading.Barrier(concurrency)

    def one(n: int) -> None:
        nonlocal acked
        name = f"{tag}-{n}"
        body, headers = command(fake, QUERIES[n % len(QUERIES)], name)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - 127.0.0.1
        began = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1
                response.read()
                ok = response.status == 200
        except (urllib.error.URLError, OSError):
            ok = False
        took = time.monotonic() - began
        with lock:
            sent_at[name] = began
            if ok:
                acks.append(took)
                if took <= ACK_DEADLINE:
                    acked += 1

    def worker(first: int) -> None:
        start.wait()
        for n in range(first, total, concurrency):
            one(n)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    seconds = time.monotonic() - began
    deadline = time.monotonic() + 120
    answers: list[float] = []
    while time.monotonic() < deadline:
        arrived = {c.method: c.at for c in fake.calls if c.method.startswith(f"respond/{tag}-")}
        if len(arrived) >= len(acks):
            break
        time.sleep(0.2)
    for method, at in arrived.items():
        name = method.removeprefix("respond/")
        if name in sent_at:
            answers.append(at - sent_at[name])
    return Level(concurrency, total, acked, acks, answers, seconds)


def show(title: str, levels: list[Level]) -> None:
    print(f"\n{title}")
    print(
        f"{'conc':>5} {'sent':>5} {'acked<3s':>8} {'ack p50':>8} {'p95':>8} {'p99':>8}"
        f" {'req/s':>7} {'answer p50':>10} {'p95':>8} {'answered':>8}"
    )
    for level in levels:
        ms = [a * 1000 for a in level.acks]
        print(
            f"{level.concurrency:>5} {level.sent:>5} {level.acked:>8} "
            f"{percentile(ms, 0.5):>7.1f}ms {percentile(ms, 0.95):>6.1f}ms "
            f"{percentile(ms, 0.99):>6.1f}ms {len(level.acks) / level.seconds:>7.1f} "
            f"{percentile(level.answers, 0.5):>9.2f}s {percentile(level.answers, 0.95):>7.2f}s "
            f"{len(level.answers):>8}"
        )
    good = [lv.concurrency for lv in levels if lv.acked == lv.sent]
    print(f"highest concurrency with every request acked within 3 s: {max(good, default=0)}")


def delivery(fake: Any, database_url: str, reminders: int, rate: int) -> None:
    """`reminders` bulk notifications, then one moderation card: drain time and card wait."""
    fake.rate_limit("chat.postMessage", rate)
    before = len(fake.delivered())
    store = open_store(database_url)
    with store.uow_factory() as uow:
        for n in range(reminders):
            uow.outbox.add(
                Notification(
                    "slack",
                    TEAM,
                    Audience.PERSON,
                    f"U{n:05d}",
                    Reply((said(f"Is practice {n} still running?"),)),
                    key=f"reminder:{n}",
                )
            )
        uow.commit()
    queued = time.monotonic()
    with store.uow_factory() as uow:
        uow.outbox.add(
            Notification(
                "slack",
                TEAM,
                Audience.CHANNEL,
                "C0MOD",
                Reply((said("New submission to review"),)),
                key="submission:1",
            )
        )
        uow.commit()
    card_queued = time.monotonic()
    store.engine.dispose()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and len(fake.delivered()) - before < reminders + 1:
        time.sleep(0.2)
    posted = fake.delivered()[before:]
    card = [c.at for c in posted if c.body.get("channel") == "C0MOD"]
    last = max((c.at for c in posted), default=queued)
    limited = [
        c for c in fake.calls_to("chat.postMessage") if c.answer.get("error") == "ratelimited"
    ]
    print(f"\ndelivery at the fake's limit of {rate} posts/s:")
    print(f"  {len(posted)} of {reminders + 1} posted in {last - queued:.1f} s")
    print(f"  ({(len(posted)) / max(last - queued, 1e-9):.1f}/s), 429 answers: {len(limited)}")
    if card:
        print(f"  moderation card queued after them went out {card[0] - card_queued:.2f} s later")
    else:
        print("  moderation card: not delivered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bank", type=int, default=10_000)
    parser.add_argument("--levels", default="1,10,50,100,500")
    parser.add_argument("--per-level", type=int, default=0, help="requests a level (2×conc)")
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=50, help="the fake's posts a second")
    parser.add_argument(
        "--database",
        default=os.environ.get("TEST_DATABASE_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    fake = importlib.import_module("tests.adapters.slack.fake_slack").FakeSlack().start()
    database_url, schema = schema_url(args.database)
    port = free_port()
    web = None
    try:
        began = time.monotonic()
        fill(database_url, args.bank)
        print(f"bank of {args.bank} practices loaded in {time.monotonic() - began:.1f} s")
        web = start_web(fake, database_url, port)
        url = f"http://127.0.0.1:{port}/slack/events"
        run_level(fake, url, 2, 4, "warm")  # each worker builds its index once
        steady = [
            run_level(fake, url, c, args.per_level or max(20, 2 * c), f"s{c}") for c in levels
        ]
        show(f"steady, {args.bank} practices, 2 workers:", steady)
        after = []
        for number, c in enumerate(levels, start=args.bank + 1):
            publish(database_url, number)
            after.append(run_level(fake, url, c, args.per_level or max(20, 2 * c), f"p{c}"))
        show("right after a publication (index rebuilt by the next search):", after)
        delivery(fake, database_url, args.reminders, args.rate)
    finally:
        if web is not None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=60)
        fake.stop()
        drop_schema(args.database, schema)


if __name__ == "__main__":
    main()
