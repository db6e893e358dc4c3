"""Load benchmark: signed slash commands against the real `web` process, and bulk delivery.

Not a test. First the floor: the same client and requests against bare gunicorn with the web
process's workers and threads (`bench.bare_app`, answering 200 and nothing else), so what the
sender, gunicorn and this machine cost on their own is printed beside what the bot costs. Then
it starts the Procfile's web process (`practicebank run slack --no-sweeps`, gunicorn, two web
workers that verify, spool and ack, beside its two inbox work processes) on PostgreSQL with a
synthetic bank (`bench.synthetic`, 10k by default) against the fake Slack in this process, and
sends signed `/practice <query>` requests from a second process at each concurrency level,
steady and right after a publication (a practice added, which every worker applies on its next
search). Each level is run `--repeat` times (2×conc requests each, the answers awaited before
the next run) and the samples pooled; a level's steady runs and its after-publication runs are
measured back to back, so both see the same machine. It prints ack p50/p95/p99, throughput, time
to the answer (the `response_url` post reaching the fake), and the highest concurrency at which
every request was acked within 3 s. Then delivery: `--reminders` reminder notifications and,
queued after them, one moderation card, drained at the fake's rate limit (`--rate` posts a
second, 429 `Retry-After: 1` beyond it): time to drain, 429s, and how long the card waited.

    python -m bench.load --bank 10000 --levels 1,10,50,100,500

The client is a separate process (`client_process`, spawned before anything is timed, in a
scheduling group of its own) that does nothing but send: asyncio, raw HTTP/1.1 over a new
connection per request, requests signed beforehand by the main process. An ack is the time from
opening the connection to reading the status line; the headers and body are then read and the
socket closed, as an HTTP client does. The fake Slack (receiving every answer) stays in the main
process, so neither its work nor a GIL shared with it is inside the ack times. "server" columns
are the web process's own time per request (gunicorn's access log `%(D)s`): what the ack costs
inside the server.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import multiprocessing
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
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
CLIENT_TIMEOUT = 30.0  # a request not answered by then counts as not acked
EVENTS = "/slack/events"
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
    server: list[float]  # the web process's own time for each request (its access log)


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


def start_web(
    fake: Any, database_url: str, port: int, log: Path, extra: dict[str, str]
) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PRACTICEBANK_"))},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        **extra,
    }
    with log.open("wb") as access:  # gunicorn's access log goes to its standard output
        process = subprocess.Popen(  # noqa: S603 - our own entry point, fixed arguments
            [str(Path(sys.executable).parent / "practicebank"), "run", "slack", "--no-sweeps"],
            env=env,
            stdout=access,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    wait_listening(port)
    return process


def start_floor(port: int, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    """Bare gunicorn (`bench.bare_app`) with the web process's workers and threads."""
    from adapters.slack.settings import DEFAULT_THREADS

    workers = extra.get("WEB_CONCURRENCY", "2")
    threads = extra.get("SLACK_THREADS", str(DEFAULT_THREADS))
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(  # noqa: S603 - gunicorn from this environment, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--worker-class", "gthread", "--workers", workers, "--threads", threads),
            *("--bind", f"127.0.0.1:{port}", "bench.bare_app:app"),
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_listening(port)
    return process


def wait_listening(port: int) -> None:
    """Return once something accepts connections on `port` (two minutes at most)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing started listening on port {port}")


def command(fake: Any, query: str, name: str, port: int) -> bytes:
    """One signed `/practice <query>` as the raw HTTP/1.1 request Slack would send."""
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
    ).encode()
    stamp = str(int(time.time()))
    signature = str(SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body))
    head = (
        f"POST {EVENTS} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Slack-Request-Timestamp: {stamp}\r\n"
        f"X-Slack-Signature: {signature}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


Sent = tuple[str, float, float, int]
"""One request as the client saw it: name, sent at, status line read at (monotonic), status."""


def client_process(jobs: Connection) -> None:
    """The sending process: each job is `(port, concurrency, requests)`, answered with `Sent`s.

    It does nothing else (no fake, no signing, no database): see the module docstring.
    """
    os.setsid()  # a scheduling group of its own (autogroup): its clock reads are not delayed
    while True:
        job = jobs.recv()
        if job is None:
            return
        port, concurrency, requests = job
        jobs.send(asyncio.run(send_all(port, concurrency, requests)))


async def send_all(port: int, concurrency: int, requests: list[tuple[str, bytes]]) -> list[Sent]:
    """Send `requests` over `concurrency` connections at a time, each on a new connection."""
    pending = iter(requests)
    sent: list[Sent] = []

    async def sender() -> None:
        for name, raw in pending:
            sent.append(await send_one(port, name, raw))

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return sent


async def send_one(port: int, name: str, raw: bytes) -> Sent:
    """Connect, write the request, time the status line; then read the rest and close."""
    began = time.monotonic()
    status = 0
    writer = None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), timeout=CLIENT_TIMEOUT
        )
        writer.write(raw)
        line = await asyncio.wait_for(reader.readline(), timeout=CLIENT_TIMEOUT)
        acked = time.monotonic()
        status = int(line.split()[1]) if line.startswith(b"HTTP/1.") else 0
        await asyncio.wait_for(read_rest(reader), timeout=CLIENT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, IndexError):
        acked = time.monotonic()
    finally:
        if writer is not None:
            writer.close()
    return name, began, acked, status


async def read_rest(reader: asyncio.StreamReader) -> None:
    """The headers and the `Content-Length` body, as an HTTP client does, not waiting for EOF.

    Waiting for the server's close instead would hold gunicorn's main thread, which lingers
    on each closed connection until the client's own close arrives (`util.close_graceful`).
    """
    length = 0
    while (header := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = header.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)


class Client:
    """The sending process, started once (before the timed sections) and fed a level at a time."""

    def __init__(self) -> None:
        self._jobs, theirs = multiprocessing.get_context("spawn").Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=client_process, args=(theirs,), daemon=True
        )
        self._process.start()

    def send(self, port: int, concurrency: int, requests: list[tuple[str, bytes]]) -> list[Sent]:
        self._jobs.send((port, concurrency, requests))
        return list(self._jobs.recv())

    def stop(self) -> None:
        self._jobs.send(None)
        self._process.join(timeout=10)


class ServerLog:
    """The web process's access log (gunicorn, last field `%(D)s`): its own time per request."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._read = 0

    def times(self) -> list[float]:
        """Seconds each `POST /slack/events` logged since the last call took inside the server."""
        with self._path.open("rb") as log:
            log.seek(self._read)
            lines = log.read().splitlines(keepends=True)
        whole = [line for line in lines if line.endswith(b"\n")]
        self._read += sum(len(line) for line in whole)
        marker = f'"POST {EVENTS} '.encode()
        return [int(line.split()[-1]) / 1e6 for line in whole if marker in line]


def run_level(
    fake: Any, client: Client, server: ServerLog, port: int, concurrency: int, total: int, tag: str
) -> Level:
    """`total` requests, `concurrency` at a time, from the client process; acks, answers timed."""
    requests = [
        (f"{tag}-{n}", command(fake, QUERIES[n % len(QUERIES)], f"{tag}-{n}", port))
        for n in range(total)
    ]
    sent = client.send(port, concurrency, requests)
    began = min(s[1] for s in sent)
    seconds = max(s[2] for s in sent) - began
    acks = [acked - at for _, at, acked, status in sent if status == 200]
    in_time = sum(1 for a in acks if a <= ACK_DEADLINE)
    sent_at = {name: at for name, at, _, status in sent if status == 200}
    deadline = time.monotonic() + 120
    arrived: dict[str, float] = {}
    while time.monotonic() < deadline:
        arrived = {c.method: c.at for c in fake.calls if c.method.startswith(f"respond/{tag}-")}
        if len(arrived) >= len(acks):
            break
        time.sleep(0.2)
    answers = [
        at - sent_at[name]
        for method, at in arrived.items()
        if (name := method.removeprefix("respond/")) in sent_at
    ]
    return Level(concurrency, total, in_time, acks, answers, seconds, server.times())


def pooled(runs: list[Level]) -> Level:
    """Several runs of one level as one: every sample kept, so p95 rests on more than 2×conc."""
    return Level(
        runs[0].concurrency,
        sum(r.sent for r in runs),
        sum(r.acked for r in runs),
        [a for r in runs for a in r.acks],
        [a for r in runs for a in r.answers],
        sum(r.seconds for r in runs),
        [t for r in runs for t in r.server],
    )


def floor_level(fake: Any, client: Client, port: int, concurrency: int, total: int) -> Level:
    """The same signed requests against the bare gunicorn: acks only (it answers nothing)."""
    requests = [
        (f"f-{n}", command(fake, QUERIES[n % len(QUERIES)], f"f-{n}", port)) for n in range(total)
    ]
    sent = client.send(port, concurrency, requests)
    began = min(s[1] for s in sent)
    acks = [acked - at for _, at, acked, status in sent if status == 200]
    in_time = sum(1 for a in acks if a <= ACK_DEADLINE)
    return Level(concurrency, total, in_time, acks, [], max(s[2] for s in sent) - began, [])


def show_floor(levels: list[Level]) -> None:
    print(f"\nfloor: bare gunicorn answering 200, same settings (load average {load()})")
    print(
        f"{'conc':>5} {'sent':>5} {'acked<3s':>8} {'ack p50':>8} {'p95':>8} {'p99':>8} {'req/s':>7}"
    )
    for level in levels:
        ms = [a * 1000 for a in level.acks]
        print(
            f"{level.concurrency:>5} {level.sent:>5} {level.acked:>8} "
            f"{percentile(ms, 0.5):>6.1f}ms {percentile(ms, 0.95):>6.1f}ms "
            f"{percentile(ms, 0.99):>6.1f}ms {len(level.acks) / max(level.seconds, 1e-9):>7.1f}"
        )


def load() -> str:
    """The machine's load average (1, 5, 15 minutes), to print beside every figure."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def show(title: str, levels: list[Level]) -> None:
    print(f"\n{title} (load average {load()})")
    print(
        f"{'conc':>5} {'sent':>5} {'acked<3s':>8} {'ack p50':>8} {'p95':>8} {'p99':>8}"
        f" {'server p50':>10} {'p95':>7} {'req/s':>7} {'answer p50':>10} {'p95':>7}"
        f" {'answered':>8}"
    )
    for level in levels:
        ms = [a * 1000 for a in level.acks]
        inside = [a * 1000 for a in level.server]
        print(
            f"{level.concurrency:>5} {level.sent:>5} {level.acked:>8} "
            f"{percentile(ms, 0.5):>6.1f}ms {percentile(ms, 0.95):>6.1f}ms "
            f"{percentile(ms, 0.99):>6.1f}ms "
            f"{percentile(inside, 0.5):>8.1f}ms {percentile(inside, 0.95):>5.1f}ms "
            f"{len(level.acks) / max(level.seconds, 1e-9):>7.1f} "
            f"{percentile(level.answers, 0.5):>9.2f}s {percentile(level.answers, 0.95):>6.2f}s "
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
    parser.add_argument("--repeat", type=int, default=3, help="runs of each level, pooled")
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=50, help="the fake's posts a second")
    parser.add_argument(
        "--database",
        default=os.environ.get("TEST_DATABASE_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument(
        "--web-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the web process (e.g. SLACK_THREADS=4); may be repeated",
    )
    args = parser.parse_args()
    extra = dict(pair.split("=", 1) for pair in args.web_env)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    print(f"load average at the start: {load()}")
    client = Client()  # the sending process, up before anything is timed
    fake = importlib.import_module("tests.adapters.slack.fake_slack").FakeSlack().start()
    database_url, schema = schema_url(args.database)
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    server = ServerLog(folder / "access.log")
    web = None

    def total(concurrency: int) -> int:
        return args.per_level or max(20, 2 * concurrency)

    try:
        floor_port = free_port()
        floor = start_floor(floor_port, extra)
        try:
            floor_level(fake, client, floor_port, 10, 10)  # its workers' first requests
            show_floor(
                [
                    pooled(
                        [
                            floor_level(fake, client, floor_port, c, total(c))
                            for _ in range(args.repeat)
                        ]
                    )
                    for c in levels
                ]
            )
        finally:
            os.killpg(floor.pid, signal.SIGTERM)
            floor.wait(timeout=60)
        began = time.monotonic()
        fill(database_url, args.bank)
        print(f"bank of {args.bank} practices loaded in {time.monotonic() - began:.1f} s")
        web = start_web(fake, database_url, port, folder / "access.log", extra)
        # Both work processes build their search index before anything is timed.
        run_level(fake, client, server, port, 10, 10, "warm")

        def level(concurrency: int, tag: str) -> Level:
            return run_level(fake, client, server, port, concurrency, total(concurrency), tag)

        # Each level is measured steady and then right after publications, before the next
        # level: both see the same machine (a 500-level backlog leaves PostgreSQL vacuuming).
        steady: list[Level] = []
        after: list[Level] = []
        published = args.bank
        for n, c in enumerate(levels):
            steady.append(pooled([level(c, f"s{n}x{c}r{r}") for r in range(args.repeat)]))
            runs = []
            for r in range(args.repeat):
                published += 1
                publish(database_url, published)
                runs.append(level(c, f"p{n}x{c}r{r}"))
            after.append(pooled(runs))
        show(f"steady, {args.bank} practices, 2 workers", steady)
        show("right after a publication (each worker applies it on its next search)", after)
        delivery(fake, database_url, args.reminders, args.rate)
        print(f"\nload average at the end: {load()}")
    finally:
        client.stop()
        if web is not None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=60)
        fake.stop()
        drop_schema(args.database, schema)
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
