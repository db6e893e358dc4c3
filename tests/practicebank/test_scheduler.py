"""The sweep job on a real APScheduler BackgroundScheduler: start-up run, on demand, errors."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.kernel.records import Audience, Reminder, ReminderState
from bot.kernel.settings import CoreSettings
from practicebank.scheduler import (
    DEFAULT_SWEEP_SECONDS,
    SWEEP_JOB_ID,
    Sweep,
    SweepOutcome,
    core_sweeps,
    parse_sweep_seconds,
    run_sweeps_once,
    start_scheduler,
)
from practicebank.settings import settings_from
from tests.support.bank import fill_bank
from tests.support.memory import FixedClock

WAIT = 10.0  # seconds: a bound on waiting for the scheduler thread, never a sleep


class Runs:
    """Counts job runs the scheduler reports, and lets a test wait for the n-th one."""

    def __init__(self) -> None:
        self.executed: list[JobExecutionEvent] = []
        self.errors: list[JobExecutionEvent] = []
        self._changed = threading.Condition()

    def listen(self, event: JobExecutionEvent) -> None:
        with self._changed:
            (self.errors if event.exception else self.executed).append(event)
            self._changed.notify_all()

    def wait_for(self, count: int) -> bool:
        with self._changed:
            return self._changed.wait_for(
                lambda: len(self.executed) + len(self.errors) >= count, timeout=WAIT
            )


@pytest.fixture
def runs() -> Runs:
    return Runs()


@pytest.fixture
def scheduler(runs: Runs) -> Iterator[BackgroundScheduler]:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_listener(runs.listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    yield scheduler
    if scheduler.running:
        scheduler.shutdown(wait=True)


def counting(name: str, calls: list[str]) -> Sweep:
    return Sweep(name, lambda: calls.append(name) or len(calls))


def failing(name: str) -> Sweep:
    def run() -> None:
        raise RuntimeError("database went away")

    return Sweep(name, run)


def test_first_sweep_runs_at_start_up(scheduler, runs):
    """Starting the scheduler sweeps at once: overdue reminders go out without waiting a period."""
    calls: list[str] = []
    start_scheduler(
        [counting("reminders", calls), counting("drafts", calls)],
        every_seconds=3600,
        scheduler=scheduler,
    )
    assert runs.wait_for(1)
    assert calls == ["reminders", "drafts"]
    assert runs.executed[0].retval == [
        SweepOutcome("reminders", result=1),
        SweepOutcome("drafts", result=2),
    ]


def test_job_is_an_interval_that_coalesces_and_never_overlaps(scheduler):
    """The job sweeps every period, folds missed runs into one and runs one at a time."""
    start_scheduler([], every_seconds=90, scheduler=scheduler)
    job = scheduler.get_job(SWEEP_JOB_ID)
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(seconds=90)
    assert job.coalesce is True
    assert job.max_instances == 1
    assert str(scheduler.timezone) == "UTC"


def test_a_later_run_can_be_brought_forward(scheduler, runs):
    """Moving the job's next run to now makes the running scheduler sweep again."""
    calls: list[str] = []
    start_scheduler([counting("reminders", calls)], every_seconds=3600, scheduler=scheduler)
    assert runs.wait_for(1)
    scheduler.modify_job(SWEEP_JOB_ID, next_run_time=datetime.now(UTC))
    assert runs.wait_for(2)
    assert calls == ["reminders", "reminders"]


def test_a_failing_sweep_is_logged_and_the_others_still_run(scheduler, runs, caplog):
    """One sweep raising does not stop the next sweep, nor mark the job as failed."""
    calls: list[str] = []
    caplog.set_level(logging.ERROR, logger="practicebank.scheduler")
    start_scheduler(
        [failing("reminders"), counting("drafts", calls)], every_seconds=3600, scheduler=scheduler
    )
    assert runs.wait_for(1)
    assert runs.errors == []
    assert calls == ["drafts"]
    assert runs.executed[0].retval[0] == SweepOutcome(
        "reminders", error="RuntimeError: database went away"
    )
    assert "sweep reminders failed" in caplog.text


def test_the_scheduler_keeps_sweeping_after_a_failure(scheduler, runs):
    """After a run whose sweep failed, the next run still happens."""
    start_scheduler([failing("reminders")], every_seconds=3600, scheduler=scheduler)
    assert runs.wait_for(1)
    scheduler.modify_job(SWEEP_JOB_ID, next_run_time=datetime.now(UTC))
    assert runs.wait_for(2)
    assert scheduler.running
    assert [e.retval[0].ok for e in runs.executed] == [False, False]


def test_run_sweeps_once_reports_each_sweep():
    """Sweeping by hand runs every sweep in order and says how each went."""
    calls: list[str] = []
    outcomes = run_sweeps_once([counting("a", calls), failing("b"), counting("c", calls)])
    assert [(o.name, o.ok) for o in outcomes] == [("a", True), ("b", False), ("c", True)]
    assert calls == ["a", "c"]


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [(None, DEFAULT_SWEEP_SECONDS), ("", 60.0), ("  ", 60.0), ("5", 5.0), ("2.5", 2.5), (30, 30.0)],
)
def test_sweep_period_is_read_in_seconds(raw, seconds):
    """A period is a number of seconds; blank means the default minute."""
    assert parse_sweep_seconds(raw) == seconds


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("soon", "the sweep period must be a number of seconds, not 'soon'"),
        ("0", "the sweep period must be between 1 and 86400 seconds, not 0"),
        ("-5", "the sweep period must be between 1 and 86400 seconds, not -5"),
        ("1e9", "the sweep period must be between 1 and 86400 seconds, not 1e+09"),
        ("nan", "the sweep period must be between 1 and 86400 seconds, not nan"),
        (
            "'; DROP TABLE reminders; --",
            'the sweep period must be a number of seconds, not "\'; DROP TABLE reminders; --"',
        ),
    ],
)
def test_bad_sweep_periods_are_refused_clearly(raw, message):
    """Nonsense, zero, negative, huge or NaN periods are refused with a readable reason."""
    with pytest.raises(ValueError) as refused:
        parse_sweep_seconds(raw)
    assert str(refused.value) == message


def test_sweep_period_comes_from_the_environment():
    """REMINDER_SWEEP_SECONDS sets the period; without it, a minute."""
    assert settings_from({"REMINDER_SWEEP_SECONDS": "15"}).reminder_sweep_seconds == 15.0
    assert settings_from({}).reminder_sweep_seconds == DEFAULT_SWEEP_SECONDS


# --- the core's sweeps on the real store ---------------------------------------------------------


def _due_reminder(uow_factory, clock: FixedClock) -> None:
    fill_bank(uow_factory)
    with uow_factory() as uow:
        uow.reminders.add(
            Reminder(
                id=0,
                practice_ref="PB046",
                contributor_key="console:local:alice",
                platform="console",
                workspace_id="local",
                due_at=clock.at - timedelta(days=3),
            )
        )
        uow.commit()


def test_overdue_reminder_is_sent_at_start_up(scheduler, runs, uow_factory):
    """A reminder that fell due while the bot was down is queued for its contributor at once."""
    clock = FixedClock()
    _due_reminder(uow_factory, clock)
    start_scheduler(
        core_sweeps(uow_factory, clock, CoreSettings()), every_seconds=3600, scheduler=scheduler
    )
    assert runs.wait_for(1)
    assert [o.ok for o in runs.executed[0].retval] == [True, True, True]
    with uow_factory() as uow:
        [notification] = uow.outbox.all()
        [reminder] = uow.reminders.for_practice("PB046")
    assert (notification.audience, notification.recipient) == (Audience.PERSON, "alice")
    assert notification.key == f"reminder:{reminder.id}"
    assert (reminder.state, reminder.sent_at) == (ReminderState.SENT, clock.at)


def test_sweeping_again_does_not_send_the_reminder_twice(scheduler, runs, uow_factory):
    """A second run finds the reminder already claimed and queues nothing more."""
    clock = FixedClock()
    _due_reminder(uow_factory, clock)
    start_scheduler(
        core_sweeps(uow_factory, clock, CoreSettings()), every_seconds=3600, scheduler=scheduler
    )
    assert runs.wait_for(1)
    scheduler.modify_job(SWEEP_JOB_ID, next_run_time=datetime.now(UTC))
    assert runs.wait_for(2)
    assert [run.retval[0].result for run in runs.executed] == [1, 0]
    with uow_factory() as uow:
        assert len(uow.outbox.all()) == 1
