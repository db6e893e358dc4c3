"""The one outbox delivery loop: leases notifications, asks a platform's `send`, records outcomes.

It lives in the core's kernel (standard library and the Outbox port only) because every adapter
shares it and each supplies just `send(notification) -> SendOutcome`; the composition root wires
it, and adapters may import it (they may not import `practicebank`). Tests drive `run_once` with
the in-memory store and a frozen clock.

Guarantees: a notification is never lost, and it is sent twice only when a process dies between
the platform accepting it and our commit of "delivered", at most once per such death (its lease
then runs out after `lease_for` and another loop sends it again). How:

- The lease lives on the outbox row (`Outbox.lease`), taken in one unit of work with the pick, and
  expires after a short time, so a crash strands nothing for longer than the lease.
- Every failure of any kind is an attempt, recorded with exponential back-off and jitter; a 429's
  `Retry-After` is honoured for the row and pauses this loop for the platform; a permanent error
  is given up at once and reported (logged, `given_up`, `on_outcome`). Transient failures give up
  after `MAX_ATTEMPTS` (about a day of retries), so a broken row cannot retry forever.
- Highest priority first (`priority_of`): moderation cards and decisions before bulk reminders.
- No fixed pace: after a pass that sent something the next starts at once; only an empty outbox
  or a rate limit makes the loop wait.
- `stop` (SIGTERM) lets the notification being sent finish and releases the rest of the batch
  (lease cleared, no attempt counted) so another process takes them straight away.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum

from bot.kernel.ports import Clock, UnitOfWorkFactory
from bot.kernel.records import Notification

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_BATCH = 20
DEFAULT_IDLE_SECONDS = 5.0
MAX_ATTEMPTS = 30
FIRST_BACKOFF = timedelta(seconds=2)
LONGEST_BACKOFF = timedelta(hours=1)
LONGEST_RETRY_AFTER = timedelta(hours=1)
# Stop sending from a batch when its lease has less than this left: another loop may take it.
# (At most a quarter of the lease: a margin as long as the lease would release every batch
# unsent, and a loop with `OUTBOX_LEASE_SECONDS=5` would never deliver anything.)
LEASE_MARGIN = timedelta(seconds=5)

INTERACTIVE = 10  # moderation cards, decisions: a person is waiting for them
NORMAL = 5
BULK = 0  # reminders, draft warnings, announcements: nobody waits on one in particular
_BULK_KEYS = ("reminder:", "retire:", "draft:", "call:", "digest:")


def priority_of(notification: Notification) -> int:
    """How soon the notification should go out compared with others (higher first).

    Decided from its key, which the core sets per kind: `submission:` (moderation card, decision
    notices) is interactive; reminders, draft warnings and announcements are bulk.
    """
    if notification.key.startswith("submission:"):
        return INTERACTIVE
    if notification.key.startswith(_BULK_KEYS):
        return BULK
    return NORMAL


class Result(Enum):
    """What the platform made of one send."""

    DELIVERED = "delivered"
    RETRY_AFTER = "retry_after"  # rate limited: try again after the wait the platform asked
    PERMANENT = "permanent"  # cannot heal by waiting (channel gone, bot not invited)
    TRANSIENT = "transient"  # 5xx, timeout, connection reset: worth another try


@dataclass(frozen=True)
class SendOutcome:
    """One platform `send` answer; build it with the class methods."""

    result: Result
    error: str = ""
    retry_after: float = 0.0

    @classmethod
    def delivered(cls) -> SendOutcome:
        """The platform accepted the message."""
        return cls(Result.DELIVERED)

    @classmethod
    def rate_limited(cls, seconds: float, error: str = "429 ratelimited") -> SendOutcome:
        """The platform asked us to wait `seconds` (its `Retry-After`)."""
        return cls(Result.RETRY_AFTER, error, max(0.0, seconds))

    @classmethod
    def permanent(cls, error: str) -> SendOutcome:
        """An error no retry can cure."""
        return cls(Result.PERMANENT, error)

    @classmethod
    def transient(cls, error: str) -> SendOutcome:
        """An error worth another try later."""
        return cls(Result.TRANSIENT, error)


Send = Callable[[Notification], SendOutcome]
OnOutcome = Callable[[Notification, SendOutcome], None]


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """Wait after the `attempts`-th failure: doubling from 2 s, at most an hour, with jitter.

    The jitter (between half and all of the doubled wait) keeps many loops that failed together
    (a platform outage) from all retrying in the same second.
    """
    doubled: timedelta = FIRST_BACKOFF * (2 ** min(max(0, attempts - 1), 20))
    return min(doubled, LONGEST_BACKOFF) * (0.5 + rng.random() / 2)


@dataclass
class PassReport:
    """What one `run_once` did, by notification id, and how long the loop should pause."""

    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    given_up: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    pause_seconds: float = 0.0

    @property
    def handled(self) -> int:
        """How many notifications were sent or attempted."""
        return len(self.delivered) + len(self.retrying) + len(self.given_up)


class DeliveryLoop:
    """Delivers one platform's outbox through its `send`; `run_once` is one pass."""

    def __init__(
        self,
        platform: str,
        send: Send,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        batch: int = DEFAULT_BATCH,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        rng: random.Random | None = None,
        on_outcome: OnOutcome | None = None,
        on_error: Callable[[], None] | None = None,
    ) -> None:
        """Bind the platform's `send`, the store and the clock; nothing runs until `start`."""
        self.platform = platform
        self.owner = f"{platform}-{uuid.uuid4().hex[:16]}"  # names this loop's leases only
        self._send = send
        self._uow_factory = uow_factory
        self._clock = clock
        self._lease_for = timedelta(seconds=max(1.0, lease_seconds))
        self._margin = min(LEASE_MARGIN, self._lease_for / 4)
        self._batch = max(1, batch)
        self._idle = idle_seconds
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._on_outcome = on_outcome or (lambda _n, _o: None)
        self._on_error = on_error or (lambda: None)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one pass ---------------------------------------------------------------------------

    def run_once(self) -> PassReport:
        """Lease a batch, send each in priority order, record every outcome; never sleeps."""
        report = PassReport()
        now = self._clock.now()
        with self._uow_factory() as uow:
            batch = uow.outbox.lease(
                self.platform, self.owner, now, now + self._lease_for, limit=self._batch
            )
            uow.commit()
        lease_ends = now + self._lease_for
        for position, notification in enumerate(batch):
            assert notification.id is not None  # noqa: S101 - stored notifications have ids
            late = self._clock.now() > lease_ends - self._margin
            if self._stopping.is_set() or late or report.pause_seconds:
                self._release([n.id for n in batch[position:] if n.id is not None])
                report.released.extend(n.id for n in batch[position:] if n.id is not None)
                break
            outcome = self._attempt(notification)
            self._record(notification, outcome, report)
        return report

    def _attempt(self, notification: Notification) -> SendOutcome:
        try:
            return self._send(notification)
        except Exception as error:  # a bug or an unclassified failure is still an attempt
            log.exception("delivery: send raised for notification %s", notification.id)
            return SendOutcome.transient(f"{type(error).__name__}: {error}"[:500])

    def _record(self, notification: Notification, outcome: SendOutcome, report: PassReport) -> None:
        assert notification.id is not None  # noqa: S101 - checked by the caller
        now = self._clock.now()
        attempts = notification.attempts + 1
        retry_at = None
        if outcome.result is Result.RETRY_AFTER:
            wait = min(timedelta(seconds=outcome.retry_after), LONGEST_RETRY_AFTER)
            retry_at = now + wait
            report.pause_seconds = max(report.pause_seconds, wait.total_seconds())
        elif outcome.result is Result.TRANSIENT and attempts < MAX_ATTEMPTS:
            retry_at = now + backoff(attempts, self._rng)
        with self._uow_factory() as uow:
            if outcome.result is Result.DELIVERED:
                uow.outbox.mark_delivered(notification.id, now)
            else:
                uow.outbox.mark_failed(notification.id, outcome.error, retry_at, owner=self.owner)
            uow.commit()
        if outcome.result is Result.DELIVERED:
            report.delivered.append(notification.id)
        elif retry_at is not None:
            report.retrying.append(notification.id)
        else:
            report.given_up.append(notification.id)
            log.error(
                "delivery given_up platform=%s notification=%s attempts=%d error=%s",
                self.platform,
                notification.id,
                attempts,
                outcome.error[:200],
            )
        self._on_outcome(notification, outcome)

    def _release(self, ids: list[int]) -> None:
        if not ids:
            return
        with self._uow_factory() as uow:
            uow.outbox.release(self.owner, ids)
            uow.commit()

    # --- the thread -------------------------------------------------------------------------

    def wake(self) -> None:
        """Deliver now (the core may just have queued something, e.g. after a decision)."""
        self._wake.set()

    def start(self) -> None:
        """Start delivering in a daemon thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"{self.platform}-delivery", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the notification being sent, release the rest of the batch, end the thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        """Whether the thread is delivering."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                report = self.run_once()
            except Exception:  # the loop must outlive a bad database minute
                log.exception("delivery pass failed platform=%s; retrying soon", self.platform)
                self._on_error()
                report = PassReport(pause_seconds=min(self._idle, 1.0))
            if report.pause_seconds:
                # A rate limit: new work must not wake us early into another 429.
                self._stopping.wait(report.pause_seconds)
            elif not report.handled:
                self._wake.wait(self._idle)
                self._wake.clear()
            # else: go straight on, draining as fast as the platform lets us
