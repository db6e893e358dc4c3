"""The scheduler forgets event claims once no platform will retry the event (`CLAIMS_KEPT`).

Real claims (a Slack event begun and finished, a Discord direct message begun) on SQLite and
PostgreSQL: the sweep deletes those older than two days, of every platform, keeps the recent
ones (a retry of a recent finished event is still skipped), and is one of the sweeps every
sweeping process runs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.kernel.settings import CoreSettings
from practicebank.bootstrap import Store, start_sweeps
from practicebank.scheduler import SWEEP_JOB_ID, claims_sweep, run_sweeps_once
from store.platform_state import CLAIMS_KEPT, PlatformState
from store.repositories import SqlUnitOfWorkFactory
from tests.support.memory import FixedClock

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
OLD = NOW - CLAIMS_KEPT - timedelta(minutes=1)
RECENT = NOW - CLAIMS_KEPT + timedelta(minutes=1)


def claim_keys(engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT platform, key FROM platform_claims")).all()
    return {f"{platform}/{key}" for platform, key in rows}


def test_claims_older_than_any_retry_are_forgotten_and_recent_ones_kept(engine):
    slack, discord = PlatformState(engine, "slack"), PlatformState(engine, "discord")
    assert slack.begin("event:Ev-old", OLD)
    slack.finish("event:Ev-old", OLD)
    assert discord.begin("dm:1", OLD)
    assert slack.begin("event:Ev-new", RECENT)
    slack.finish("event:Ev-new", RECENT)

    [outcome] = run_sweeps_once([claims_sweep(engine, FixedClock(NOW))])

    assert outcome.ok
    assert outcome.result == 3
    assert claim_keys(engine) == {"slack/event:Ev-new", "slack/done:event:Ev-new"}
    assert not slack.begin("event:Ev-new", NOW)  # a late retry of recent work: still skipped
    [again] = run_sweeps_once([claims_sweep(engine, FixedClock(NOW))])
    assert again.result == 0


def test_every_sweeping_process_prunes_claims(engine):
    """`start_sweeps` (run scheduler, or a process that sweeps itself) includes the claims sweep."""
    store = Store(engine, SqlUnitOfWorkFactory(engine))
    scheduler = start_sweeps(store, FixedClock(NOW), CoreSettings(), 3600)
    try:
        names = [sweep.name for sweep in scheduler.get_job(SWEEP_JOB_ID).args[0]]
    finally:
        scheduler.shutdown(wait=True)
    assert "old claims" in names
