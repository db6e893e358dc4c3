"""Health, metrics and logs: /healthz says whether the database is usable, logs hide secrets."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from practicebank.observe import JsonLines, health, metrics_text, record_sweep
from store.engine import make_engine
from store.migrate import upgrade
from tests.conftest import STORE_NOW

SCRIPT = Path(sys.executable).parent / "practicebank"


def test_healthz_is_200_with_the_database_at_head(engine):
    """A migrated, reachable database: 200, migrations at head, the last sweep and the depth."""
    record_sweep(engine, STORE_NOW)

    status, body = health(engine)

    assert status == 200
    assert body == {
        "database": "ok",
        "migrations": "at head",
        "last_sweep": STORE_NOW.isoformat(),
        "outbox_depth": 0,
        "outbox_given_up": 0,
        "status": "ok",
    }


def test_healthz_is_503_when_migrations_are_behind(tmp_path):
    """A database an older release left behind is reported unhealthy, with its revision."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "0003")
        status, body = health(engine)
    finally:
        engine.dispose()

    assert status == 503
    assert body["migrations"].startswith("at 0003, head is ")
    assert body["status"] == "unhealthy"


def test_healthz_is_503_when_the_database_is_gone(tmp_path):
    """A database that stopped answering: 503 and `unreachable`, no exception."""
    engine = make_engine(f"sqlite:///{tmp_path / 'gone.db'}")
    upgrade(engine)
    engine.dispose()
    (tmp_path / "gone.db").unlink()
    (tmp_path / "gone.db").mkdir()  # a folder where the file was: nothing can open it
    try:
        status, body = health(engine)
    finally:
        engine.dispose()

    assert status == 503
    assert body["database"] == "unreachable"


def test_metrics_report_outbox_reminders_decisions_and_searches(engine):
    """The database gauges are in the Prometheus text, whichever process is scraped."""
    text = metrics_text(engine, None).decode()

    for name in (
        "practicebank_outbox_depth 0.0",
        "practicebank_outbox_oldest_age_seconds 0.0",
        "practicebank_reminders_due 0.0",
        "practicebank_reminders_sent_total 0.0",
        "practicebank_searches_total 0.0",
        "practicebank_zero_result_searches_total 0.0",
    ):
        assert name in text


def test_log_lines_are_json_and_never_show_tokens_secrets_or_contacts():
    """Whatever a module logs, the line is one JSON object with secrets and contacts masked."""
    record = logging.LogRecord(
        "adapters.slack",
        logging.WARNING,
        __file__,
        1,
        "auth failed for xoxb-1234-5678-abcdef, secret=%s, sig v0=%s, mail jo.bloggs@police.uk, "
        "call 01632 960 123, header Bearer abcdefghijklmnopqrstuvwx",
        ("s3cr3t-signing", "a" * 64),
        None,
    )

    line = JsonLines().format(record)

    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "warning"
    for leaked in ("xoxb-1234", "s3cr3t", "a" * 64, "jo.bloggs", "960 123", "abcdefghijklmnop"):
        assert leaked not in line
    assert entry["message"].startswith("auth failed for ****, secret=****")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DISCORD_", "PRACTICEBANK_", "DATABASE_"))
    }
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"), **values)
    return env


def test_scheduler_process_sweeps_answers_healthz_and_stops_on_sigterm(tmp_path):
    """`practicebank run scheduler` records its sweep, serves /healthz on HEALTH_PORT, exits 0."""
    port = free_port()
    env = clean_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'sched.db'}",
        HEALTH_PORT=str(port),
        REMINDER_SWEEP_SECONDS="1",
    )
    process = subprocess.Popen(
        [str(SCRIPT), "run", "scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as got:
                    body = json.loads(got.read())
                if body.get("last_sweep"):
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.1)  # polling for the process to come up, not asserting timing
        assert body is not None, process.stderr.read().decode() if process.poll() else "no answer"
        assert body["status"] == "ok" and body["last_sweep"]
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        process.stderr.close()
    assert code == 0


def test_every_process_refuses_an_unreachable_database_in_one_line_before_listening(tmp_path):
    """Against PostgreSQL on port 1, `run slack|discord|scheduler` exit 1 with one line, no port."""
    for platform in ("slack", "discord", "scheduler"):
        port = free_port()
        env = clean_env(
            tmp_path,
            DATABASE_URL="postgresql://postgres@127.0.0.1:1/nothing",
            PORT=str(port),
            HEALTH_PORT=str(port),
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET="s",
            DISCORD_TOKEN="t",
        )
        done = subprocess.run(
            [str(SCRIPT), "run", platform],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            timeout=60,
            check=False,
        )
        lines = done.stderr.decode().splitlines()
        assert done.returncode == 1, (platform, lines)
        assert len(lines) == 1 and lines[0].startswith("practicebank: Cannot use the database")
        with socket.socket() as probe:  # nobody listened on the port meanwhile: it is still free
            probe.bind(("127.0.0.1", port))
