"""A psycopg connection that gives up on a silent server, so no thread waits on it for ever.

`statement_timeout` is enforced by the server: it only helps while the server answers. When the
server process freezes, or the network path to it holds the connection open but carries nothing,
a plain psycopg connection waits on its socket indefinitely (TCP keepalives are answered by
whatever holds the path open). Every wait of this connection (a query, a commit, the pool's
pre-ping) has a deadline instead; past it the connection is closed, which SQLAlchemy sees as a
disconnect: the connection is dropped from the pool and the caller gets an `OperationalError`,
which the core turns into "try again in a moment". Connecting has libpq's own `connect_timeout`.
Work allowed to take long (a migration, which also lifts `statement_timeout`) runs `unbounded`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait for the server ends after `deadline_s` seconds."""

    deadline_s: float | None = 7.0

    @classmethod
    def open(cls, deadline_s: float, *args: Any, **kwargs: Any) -> DeadlineConnection:
        """Connect (as `psycopg.connect`) with `deadline_s` on every later round trip."""
        connection = cls.connect(*args, **kwargs)
        connection.deadline_s = deadline_s
        return connection

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        """Consume a protocol generator; close the connection if the server stays silent."""
        if timeout is not None or self.deadline_s is None:  # the caller's own deadline, or none
            return super().wait(gen, interval=interval, timeout=timeout)
        try:
            return super().wait(gen, interval=interval, timeout=self.deadline_s)
        except errors._WaitTimeout:  # psycopg's own signal for an expired wait
            self.close()  # mid-protocol: the connection can't be reused
            raise psycopg.OperationalError(
                f"no answer from the database within {self.deadline_s} s"
            ) from None


@contextmanager
def unbounded(dbapi_connection: Any) -> Iterator[None]:
    """Wait for the server as long as it takes on this connection, then restore its deadline.

    For work that lifts `statement_timeout` on purpose (migrations rewriting a big table); any
    other driver connection is left as it is.
    """
    if not isinstance(dbapi_connection, DeadlineConnection):
        yield
        return
    saved, dbapi_connection.deadline_s = dbapi_connection.deadline_s, None
    try:
        yield
    finally:
        dbapi_connection.deadline_s = saved
