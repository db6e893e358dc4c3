"""A practice's history for moderators: `history PB046` lists every change, newest first.

Each line is one entry of the practice's append-only history (imports, publications, updates,
follow-up reviews, retirement): when (UTC), who, what and the version it left. Only moderators
may read it; a restricted practice's history only reaches a moderator who may see restricted
practices (a police-only workspace), and reads as unknown to anyone else, as `show` does.
"""

from __future__ import annotations

from bot.commands.reading import normalise_ref
from bot.kernel.access import is_moderator, may_see_restricted
from bot.kernel.events import Actor
from bot.kernel.notices import user_id_of
from bot.kernel.ports import UnitOfWorkFactory
from bot.kernel.records import IMPORT_ACTOR, PracticeEvent
from bot.kernel.replies import Block, Reply, bold, say, text
from bot.kernel.when import format_moment
from bot.moderation.decisions import refuse_non_moderator

# One message stays well inside Slack's and Discord's limits; older entries are counted instead.
HISTORY_SHOWN = 30
NOTE_CHARS = 200


def _who(event: PracticeEvent) -> str:
    """The person's name as recorded, else their user id; imports and the CLI by that word."""
    if event.actor_name.strip():
        return event.actor_name.strip()
    if ":" in event.actor_key:
        return user_id_of(event.actor_key)
    return event.actor_key or IMPORT_ACTOR


def history_line(event: PracticeEvent) -> str:
    """One entry: `14 Mar 2025 09:26 UTC · Moira · update published · version 3 · note`."""
    parts = [format_moment(event.at), _who(event), event.kind.label, f"version {event.version}"]
    note = " ".join(event.note.split())
    if note:
        parts.append(note if len(note) <= NOTE_CHARS else note[: NOTE_CHARS - 1] + "…")
    return " · ".join(parts)


class PracticeHistory:
    """The `history` command, for moderators only."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        """Keep the storage."""
        self._uow_factory = uow_factory

    def handle_history(self, actor: Actor, rest: str) -> Reply | None:
        """Answer `history PB046`; None when the words after `history` are not a ref (a search).

        `history` alone asks which practice; an unknown ref says so.
        """
        words = rest.strip()
        ref = normalise_ref(words) if words else None
        if words and ref is None:
            return None
        with self._uow_factory() as uow:
            workspace = uow.workspaces.get(actor.platform, actor.workspace_id)
            if not is_moderator(actor, workspace):
                return refuse_non_moderator(actor, f"history {words}")
            if ref is None:
                return say(
                    "Which practice? Type `history` and its ref, for example `history PB046`."
                )
            practice = uow.practices.get(ref)
            if practice is None or (
                practice.is_restricted and not may_see_restricted(actor, workspace)
            ):
                return say(f"There is no practice {ref} in the bank.")
            events = uow.practices.changes(practice.ref)
        title = f"History of {practice.ref} “{practice.title}”"
        if not events:
            return Reply((text(bold(title), ": no changes recorded yet."),))
        newest_first = sorted(events, key=lambda e: (e.at, e.id), reverse=True)
        blocks: list[Block] = [
            text(bold(title), f", version {practice.version}, newest first (times in UTC):")
        ]
        blocks.extend(text(history_line(event)) for event in newest_first[:HISTORY_SHOWN])
        if len(newest_first) > HISTORY_SHOWN:
            blocks.append(text(f"…and {len(newest_first) - HISTORY_SHOWN} earlier changes."))
        return Reply(tuple(blocks))
