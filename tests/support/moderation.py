"""A submitted practice waiting for moderators, as the sharing dialogue leaves it; shared by the
core's moderation tests and the Slack and Discord adapters' moderation tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.kernel.notices import tell_moderators
from bot.kernel.ports import UnitOfWorkFactory
from bot.kernel.records import Submission, SubmissionState
from bot.moderation.decisions import moderation_card

SAMPLE_ANSWERS: dict[str, Any] = {
    "title": "Bike marking at railway stations",
    "summary": "Free cycle marking sessions at stations to deter bicycle theft.",
    "effectiveness": "promising",
    "focus": ["prevention"],
    "topics": ["cycle theft"],
    "organisation": "Example Transport Police",
    "description": "Officers marked and registered bikes at commuter stations.",
    "learning": "Pair marking with secure racks.",
    "contact_name": "Alice",
    "contact_email": "alice@example.org",
}


def queue_for_moderation(
    uow_factory: UnitOfWorkFactory,
    now: datetime,
    *,
    platform: str,
    workspace_id: str,
    contributor_id: str,
    answers: dict[str, Any] | None = None,
) -> Submission:
    """Store a submitted practice by Alice and queue its card for the moderation channel."""
    with uow_factory() as uow:
        submission = uow.submissions.add(
            Submission(
                id=0,
                contributor_key=f"{platform}:{workspace_id}:{contributor_id}",
                contributor_name="Alice",
                platform=platform,
                workspace_id=workspace_id,
                state=SubmissionState.SUBMITTED,
                answers=dict(SAMPLE_ANSWERS if answers is None else answers),
                created_at=now,
                submitted_at=now,
            )
        )
        settings = uow.workspaces.get(platform, workspace_id)
        tell_moderators(
            uow,
            settings,
            reply=moderation_card(submission),
            key=f"submission:{submission.id}",
            now=now,
        )
        uow.commit()
    return submission
