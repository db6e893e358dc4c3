"""Timing rules of the core that operators may change: when follow-ups fall due, nudge and escalate.

One frozen value is built by the composition root (from environment variables such as
`REMINDER_INTERVAL_DAYS`) and passed into `PracticeBank` and the reminder sweep; the defaults are
the practice bank's own rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

DEFAULT_REMINDER_INTERVAL = timedelta(days=365)
DEFAULT_NUDGE_AFTER = timedelta(days=14)
DEFAULT_ESCALATE_AFTER = timedelta(days=14)
# Searches are kept this long for paging and the gaps report, then pruned.
DEFAULT_SEARCH_RECORD_AGE = timedelta(days=90)
DEFAULT_DRAFT_RESUME_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class CoreSettings:
    """How long after publication (or a review) a follow-up is due, and how long to wait for it.

    `nudge_after` counts from the reminder being sent, `escalate_after` from the nudge.
    `search_record_age` is how long a recorded search is kept (`SEARCH_RECORD_DAYS`).
    `draft_resume_after` is the pause in a sharing dialogue after which the next line is met with
    "continue or discard?" rather than read as an answer.
    """

    reminder_interval: timedelta = DEFAULT_REMINDER_INTERVAL
    nudge_after: timedelta = DEFAULT_NUDGE_AFTER
    escalate_after: timedelta = DEFAULT_ESCALATE_AFTER
    search_record_age: timedelta = DEFAULT_SEARCH_RECORD_AGE
    draft_resume_after: timedelta = DEFAULT_DRAFT_RESUME_AFTER
