"""Sharing a practice: the guided dialogue that gathers a submission and hands it to moderators.

`Sharing` serves `bot.core`; `start_share`, `moderation_card`, `practice_from_answers` and
`sweep_stale_drafts` are for the moderation, follow-up and scheduling code that leads into or
out of a submission.
"""

from bot.sharing.answers import answers_from_practice, practice_from_answers
from bot.sharing.render import moderation_card, share_button
from bot.sharing.service import Sharing, start_share
from bot.sharing.sweep import sweep_stale_drafts

__all__ = [
    "Sharing",
    "answers_from_practice",
    "moderation_card",
    "practice_from_answers",
    "share_button",
    "start_share",
    "sweep_stale_drafts",
]
