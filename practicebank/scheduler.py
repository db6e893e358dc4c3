"""Runs the core's periodic sweeps (follow-up reminders, stale drafts) on an APScheduler job.

One interval job in a `BackgroundScheduler` (UTC) calls every sweep in turn. Its first run is at
start-up, so reminders that fell due while the bot was down go out at once; `coalesce` folds runs
missed while the process slept into one and `max_instances=1` keeps a slow sweep from overlapping
the next. Several bot processes may sweep the same database: the core claims each reminder
atomically, so that is safe. Beside the core's sweeps, `claims_sweep` prunes the adapters' old
event claims. A failing sweep is logged and the others still run; the job never
raises, so the scheduler keeps its schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from bot.followup.service import sweep_reminders
from bot.kernel.ports import Clock, UnitOfWorkFactory
from bot.kernel.settings import CoreSettings
from bot.sharing import sweep_stale_drafts
from practicebank.settings import DEFAULT_SWEEP_SECONDS, parse_sweep_seconds
from store.platform_state import forget_old_claims

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "practicebank-sweeps"


@dataclass(frozen=True)
class Sweep:
    """One periodic task of the core, named for the log."""

    name: str
    run: Callable[[], object]


@dataclass(frozen=True)
class SweepOutcome:
    """How one sweep went: what it returned, or the error that stopped it."""

    name: str
    result: object = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the sweep finished without an error."""
        return self.error is None


def core_sweeps(
    uow_factory: UnitOfWorkFactory, clock: Clock, settings: CoreSettings
) -> tuple[Sweep, ...]:
    """The core's periodic work, in order: follow-ups, idle drafts, then old searches.

    Due reminders are sent (with nudges and escalations); drafts left idle are warned at 23 days
    and discarded at 30; searches older than `settings.search_record_age` are pruned.
    """

    def reminders() -> int:
        return sweep_reminders(uow_factory, clock, settings)

    def stale_drafts() -> None:
        # The sharing sweep works inside the caller's unit of work; one per sweep keeps a bad
        # draft from holding back the reminders, which commit on their own.
        with uow_factory() as uow:
            sweep_stale_drafts(uow, clock.now())
            uow.commit()

    def old_searches() -> int:
        with uow_factory() as uow:
            pruned = uow.searches.prune(clock.now() - settings.search_record_age)
            uow.commit()
        return pruned

    return (
        Sweep("reminders", reminders),
        Sweep("stale drafts", stale_drafts),
        Sweep("old searches", old_searches),
    )


def claims_sweep(engine: Engine, clock: Clock) -> Sweep:
    """The adapters' housekeeping: forget event claims older than any platform retry.

    Slack event ids and Discord direct-message ids are claimed in `platform_claims` so that a
    retry is applied once (`store.platform_state`); past `CLAIMS_KEPT` nothing retries them.
    """
    return Sweep("old claims", lambda: forget_old_claims(engine, clock.now()))


def run_sweeps_once(sweeps: Sequence[Sweep]) -> list[SweepOutcome]:
    """Run every sweep once, in order; one failing is logged and does not stop the others.

    This is the scheduled job, and what an operator or a test calls to sweep right now.
    """
    outcomes: list[SweepOutcome] = []
    for sweep in sweeps:
        try:
            result = sweep.run()
        except Exception as error:  # a sweep's bug must not stop the schedule or the next sweep
            log.exception("sweep %s failed", sweep.name)
            outcomes.append(SweepOutcome(sweep.name, error=f"{type(error).__name__}: {error}"))
        else:
            log.debug("sweep %s done: %r", sweep.name, result)
            outcomes.append(SweepOutcome(sweep.name, result=result))
    return outcomes


def add_sweep_job(
    scheduler: BackgroundScheduler,
    sweeps: Sequence[Sweep],
    *,
    every_seconds: float = DEFAULT_SWEEP_SECONDS,
    first_run: datetime | None = None,
) -> None:
    """Schedule the sweeps every `every_seconds`, first at `first_run` (default: now)."""
    scheduler.add_job(
        run_sweeps_once,
        "interval",
        args=[tuple(sweeps)],
        seconds=parse_sweep_seconds(every_seconds),
        id=SWEEP_JOB_ID,
        name="practice bank sweeps",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
        next_run_time=first_run or datetime.now(UTC),
        replace_existing=True,
    )


def start_scheduler(
    sweeps: Sequence[Sweep],
    *,
    every_seconds: float = DEFAULT_SWEEP_SECONDS,
    scheduler: BackgroundScheduler | None = None,
) -> BackgroundScheduler:
    """Start a background scheduler sweeping every `every_seconds`, the first sweep right away.

    Pass your own (not yet started) `scheduler` to add listeners first; the caller shuts it down
    with `scheduler.shutdown()` when the process ends.
    """
    scheduler = scheduler or BackgroundScheduler(timezone=UTC)
    add_sweep_job(scheduler, sweeps, every_seconds=every_seconds)
    scheduler.start()
    return scheduler
