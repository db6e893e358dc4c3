"""Moderators teach search from chat: `glossary add TERM = MEANING`, or *Teach search* on a gap.

The glossary is the bank's, shared by every workspace as the practices are, so a term taught in
one workspace is searched with everywhere. Each stored term keeps who taught it (their actor key,
which names their platform and workspace) and when: that row is the audit trail, and `glossary`
shows it to moderators. Re-teaching a term replaces its meaning; the reply says what it replaced
and who had taught that. The store moves the bank version token with every glossary write, and
every worker's search index cache watches that token, so the next search in any worker uses the
new meaning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.kernel import actions
from bot.kernel.access import is_moderator
from bot.kernel.actions import AddGlossaryTerm
from bot.kernel.events import Actor
from bot.kernel.notices import user_id_of
from bot.kernel.ports import GlossaryEntry, UnitOfWorkFactory
from bot.kernel.replies import Block, FieldKind, Form, FormField, Reply, bold, say, text
from bot.kernel.text import clean_text
from bot.kernel.when import format_day
from bot.moderation.decisions import refuse_non_moderator
from bot.search.glossary import (
    MEANING_MAX_CHARS,
    TERM_MAX_CHARS,
    load_shipped_glossary,
    read_entry,
    term_key,
)
from bot.search.query import parse_query

log = logging.getLogger(__name__)

USAGE = (
    "To teach search a word: `glossary add TERM = MEANING`, for example "
    "`glossary add ocg = organised crime group`; separate alternative meanings with `;`. "
    "Type `glossary` to see the terms taught so far."
)
# Enough to read in chat; the rest is a count (the CLI's `glossary list` prints them all).
LISTED = 30


class Teaching:
    """The `glossary` verb and the *Teach search* form, for moderators only."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        """Keep the storage (the store stamps each entry with its own clock)."""
        self._uow_factory = uow_factory

    def handle_command(self, actor: Actor, rest: str) -> Reply | None:
        """Run `glossary`, `glossary list` or `glossary add T = M`; None for other words.

        "glossary" may start an ordinary search ("glossary of terms"), so anything that is not
        a sub-command is handed back to be searched.
        """
        word, _, argument = rest.strip().partition(" ")
        match word.casefold():
            case "" | "list" if not argument:
                return self.list_terms(actor)
            case "add":
                term, equals, meaning = argument.partition("=")
                if not equals:
                    return self._guarded(actor, say(USAGE))
                return self.teach(actor, {"term": term, "meaning": meaning})
            case _:
                return None

    def open_form(self, actor: Actor, search_id: int) -> Reply:
        """The *Teach search* form for a gap, its words prefilled as the term."""
        with self._uow_factory() as uow:
            if not is_moderator(actor, uow.workspaces.get(actor.workspace)):
                return refuse_non_moderator(actor, "teach search")
            record = uow.searches.in_workspace(actor.workspace, search_id)
        if record is None:
            return say("That search is no longer recorded here. " + USAGE)
        # Inline filters are not words to teach: `knife rating:worked` teaches "knife".
        words = " ".join(parse_query(record.text).text.split()).lower()
        return Reply(
            (
                Form(
                    actions.encode(AddGlossaryTerm()),
                    "Teach search a term",
                    (
                        FormField(
                            "term",
                            "Term people search for",
                            required=True,
                            default=words[:TERM_MAX_CHARS],
                            max_length=TERM_MAX_CHARS,
                        ),
                        FormField(
                            "meaning",
                            "What it means (alternatives separated by ;)",
                            FieldKind.LONG_TEXT,
                            required=True,
                            max_length=MEANING_MAX_CHARS,
                        ),
                    ),
                    submit_label="Teach search",
                ),
            )
        )

    def teach(self, actor: Actor, values: Mapping[str, str]) -> Reply:
        """Add (or replace) a glossary term from typed or form values, after checking them."""
        with self._uow_factory() as uow:
            if not is_moderator(actor, uow.workspaces.get(actor.workspace)):
                return refuse_non_moderator(actor, "glossary add")
            entry = read_entry(values.get("term", ""), values.get("meaning", ""), actor.key)
            if isinstance(entry, str):
                return say(f"Nothing was added. {entry}", USAGE)
            previous = _stored(uow.glossary.list_all(), entry.term)
            uow.glossary.add(entry)
            uow.commit()
        log.info("glossary term %r taught by %s", entry.term, actor.key)
        blocks: list[Block] = [
            text(
                "Search now reads ",
                bold(entry.term),
                f" as also meaning “{entry.expansion}”, in every workspace, from the next search.",
            )
        ]
        if previous is not None:
            blocks.append(text(f"It replaces “{previous.expansion}”{_taught(previous)}."))
        else:
            shipped = load_shipped_glossary().expansions(entry.term)
            if shipped:
                blocks.append(text(f"It replaces the shipped meaning “{'; '.join(shipped)}”."))
        return Reply(tuple(blocks))

    def list_terms(self, actor: Actor) -> Reply:
        """The terms moderators taught, with who taught each and when."""
        with self._uow_factory() as uow:
            if not is_moderator(actor, uow.workspaces.get(actor.workspace)):
                return refuse_non_moderator(actor, "glossary")
            entries = uow.glossary.list_all()
        if not entries:
            return say("No terms have been taught yet; search uses the shipped glossary.", USAGE)
        blocks: list[Block] = [text(bold(f"Terms taught to search ({len(entries)})"), ":")]
        blocks.extend(
            text(bold(entry.term), f" = {entry.expansion}{_taught(entry)}")
            for entry in entries[:LISTED]
        )
        if len(entries) > LISTED:
            blocks.append(text(f"…and {len(entries) - LISTED} more."))
        blocks.append(text(USAGE))
        return Reply(tuple(blocks))

    def _guarded(self, actor: Actor, reply: Reply) -> Reply:
        """The reply for a moderator; anyone else is refused."""
        with self._uow_factory() as uow:
            settings = uow.workspaces.get(actor.workspace)
        return reply if is_moderator(actor, settings) else refuse_non_moderator(actor, "glossary")


def _stored(entries: list[GlossaryEntry], term: str) -> GlossaryEntry | None:
    key = term_key(term)
    return next((e for e in entries if term_key(e.term) == key), None)


def _taught(entry: GlossaryEntry) -> str:
    """` (taught by alice on 3 Jan 2026)`: the audit trail of one stored entry."""
    who = "the command line" if entry.added_by == "cli" else user_id_of(entry.added_by)
    when = f" on {format_day(entry.added_at.date())}" if entry.added_at else ""
    return f" (taught by {clean_text(who)}{when})"
