"""What the chat adapters remember in the database: posted messages by key, and claimed work.

`posted_messages` maps a notification key (e.g. `submission:42`) to the message posted for it, so
a later notification with `replace` becomes an edit. `platform_claims` records one-time work by a
unique key: a Slack event id (Slack retries an event it thinks was missed). `begin` claims an
event with a short lease and `finish` marks it done once its work has committed, so an event is
processed at least once and applied once: a retry of a finished event changes nothing, a retry
of one whose worker died mid-work (lease run out, never finished) is processed again. Rows are
keyed by platform, so every adapter shares the two tables. (Outbox deliveries are not claimed
here: the outbox row carries its own lease, see `store.outbox`.) A claim only has to outlive the
platform's retries, so the scheduler's sweep deletes claims older than `CLAIMS_KEPT`
(`forget_old_claims`); without it the table grows by two rows for every event, for ever.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from store.tables import PlatformClaimRow, PostedMessageRow

MAX_KEY = 255
CLAIMS_KEPT = timedelta(days=2)  # Slack retries for about an hour; a day or two is plenty
# Slack's first retry comes about a minute after a missed event: a claim older than this whose
# work never finished belongs to a worker that died, and the retry may take it over.
EVENT_LEASE = timedelta(seconds=30)
DONE_PREFIX = "done:"

_posted = PostedMessageRow.__table__  # type: ignore[attr-defined]
_claims = PlatformClaimRow.__table__  # type: ignore[attr-defined]


def forget_old_claims(engine: Engine, now: datetime, kept: timedelta = CLAIMS_KEPT) -> int:
    """Delete every platform's claims taken before `now - kept`; returns how many.

    Safe while workers run: a claim that old is of an event no platform will send again, so
    forgetting it can't let a retry through twice.
    """
    with engine.begin() as connection:
        result = connection.execute(delete(_claims).where(_claims.c.claimed_at < now - kept))
    return int(result.rowcount or 0)


class PlatformState:
    """The posted-message map and the claims of one platform, on the bot's database engine."""

    def __init__(self, engine: Engine, platform: str) -> None:
        """Bind to the engine (the store's, already migrated) and the platform's name."""
        self._engine = engine
        self._platform = platform

    def claim(self, key: str, at: datetime) -> bool:
        """Claim one-time work; True only for the first caller ever with this key."""
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(_claims).values(
                        platform=self._platform, key=key[:MAX_KEY], claimed_at=at
                    )
                )
        except IntegrityError:
            return False
        return True

    def begin(self, key: str, at: datetime, lease: timedelta = EVENT_LEASE) -> bool:
        """Claim work to apply once: True when new, or unfinished and its lease ran out."""
        if self._exists(DONE_PREFIX + key):
            return False
        if self.claim(key, at):
            return True
        with self._engine.begin() as connection:
            taken = connection.execute(
                update(_claims)
                .where(
                    _claims.c.platform == self._platform,
                    _claims.c.key == key[:MAX_KEY],
                    _claims.c.claimed_at <= at - lease,
                )
                .values(claimed_at=at)
            )
        return bool(taken.rowcount) and not self._exists(DONE_PREFIX + key)

    def finish(self, key: str, at: datetime) -> None:
        """Mark claimed work done (after its work committed); retries are then skipped."""
        self.claim(DONE_PREFIX + key, at)

    def _exists(self, key: str) -> bool:
        with self._engine.connect() as connection:
            found = connection.execute(
                select(_claims.c.key).where(
                    _claims.c.platform == self._platform, _claims.c.key == key[:MAX_KEY]
                )
            ).first()
        return found is not None

    def message_for(self, workspace_id: str, key: str) -> tuple[str, str] | None:
        """The (channel, message id) posted earlier for `key`, or None."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(_posted.c.channel, _posted.c.message_id).where(
                    _posted.c.platform == self._platform,
                    _posted.c.workspace_id == workspace_id,
                    _posted.c.key == key[:MAX_KEY],
                )
            ).first()
        return (str(row[0]), str(row[1])) if row else None

    def remember_message(
        self, workspace_id: str, key: str, channel: str, message_id: str, at: datetime
    ) -> None:
        """Record (or move) the message posted for `key`."""
        where = (
            (_posted.c.platform == self._platform)
            & (_posted.c.workspace_id == workspace_id)
            & (_posted.c.key == key[:MAX_KEY])
        )
        values = {"channel": channel, "message_id": message_id, "posted_at": at}
        with self._engine.begin() as connection:
            changed = connection.execute(update(_posted).where(where).values(values))
            if not changed.rowcount:
                connection.execute(
                    insert(_posted).values(
                        platform=self._platform,
                        workspace_id=workspace_id,
                        key=key[:MAX_KEY],
                        **values,
                    )
                )
