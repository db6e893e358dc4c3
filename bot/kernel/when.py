"""How moments, days and ages read in messages: UTC, unambiguous, and short.

Times are stored in UTC and shown in UTC with the zone named, because moderators and contributors
may sit in different places and a bare "09:30" would be read in their own zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def format_moment(at: datetime) -> str:
    """A moment for people, e.g. `1 Mar 2025 09:30 UTC`."""
    moment = at.astimezone(UTC) if at.tzinfo else at
    return f"{moment.day} {moment:%b %Y %H:%M} UTC"


def format_day(day: date) -> str:
    """A calendar day for people, e.g. `31 May 2025`."""
    return f"{day.day} {day:%b %Y}"


def format_age(age: timedelta) -> str:
    """How long something has waited, in the largest whole unit: `3 days`, `5 hours`, `1 minute`."""
    seconds = max(int(age.total_seconds()), 0)
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
    return "just now"


def format_interval(interval: timedelta) -> str:
    """A follow-up interval in words: `12 months` for a year, else months or days."""
    days = interval.days
    if 360 <= days <= 370:
        return "12 months"
    if days >= 28:
        months = round(days / 30.4)
        return f"{months} month" if months == 1 else f"{months} months"
    return f"{days} day" if days == 1 else f"{days} days"
