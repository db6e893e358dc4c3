"""Column types that behave the same on SQLite and PostgreSQL: UTC timestamps and JSON lists.

SQLite has no time zones, so timestamps are stored there as naive UTC and handed back as aware UTC;
PostgreSQL stores `timestamptz`. JSON is `jsonb` on PostgreSQL and JSON text on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    Naive values are taken to be UTC already (the domain promises UTC); aware values in another
    zone are converted, so the same instant is stored whatever zone the caller used.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC; drop the zone on SQLite, which cannot keep it."""
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Hand back an aware UTC datetime whatever the backend returned."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type() -> TypeEngine[Any]:
    """JSON column type: `jsonb` on PostgreSQL, JSON text elsewhere."""
    return JSON().with_variant(JSONB(), "postgresql")
