"""Moderators teach search from chat: `glossary add TERM = MEANING`, or *Teach search* on a gap.

The glossary is the bank's, shared by every workspace as the practices are, so a term taught in
one workspace is searched with everywhere. Each stored term keeps who taught it (their actor key,
which names their platform and workspace) and when: that row is the audit trail, and `glossary`
shows it to moderators. Re-teaching a term replaces its meaning; the reply says what it replaced
and who had taught that. The store moves the bank version token with every glossary write, and
every worker's search index cache watches that token, so the next search in any worker uses the
new meaning.

Decisions. Teaching a term the package ships (`asb`) is allowed, since a moderator may know
better locally, but the reply warns that it replaces the shipped meaning and quotes it, and
says how to undo it. `glossary remove TERM` takes a taught term back, everywhere, from the next
search; a shipped term then reads with its shipped meaning again (the reply says so). A shipped
term that was never taught cannot be removed: it is part of the package, and the reply says to
teach it another meaning instead. Every teach and removal is kept in the store's audit trail,
never edited, so a replaced or removed meaning stays readable: `glossary history [TERM]`.
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
from bot.kernel.text import clean_text, has_controls
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
    "Type `glossary` to see the terms taught so far, `glossary remove TERM` to take one back "
    "and `glossary history` for who changed what."
)
REMOVE_USAGE = (
    "Name the taught term, for example `glossary remove ocg` (a term is plain text of "
    f"1–{TERM_MAX_CHARS} characters); `glossary` lists the terms taught so far."
)
# Enough to read in chat; the rest is a count (the CLI's `glossary list` prints them all).
LISTED = 30
# Lines of the audit trail shown by `glossary history`.
HISTORY_SHOWN = 20


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
            case "remove" | "delete" | "forget":
                return self.remove(actor, argument)
            case "history":
                return self.history(actor, argument)
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
        shipped = load_shipped_glossary().expansions(entry.term)
        if shipped:
            blocks.append(
                text(
                    bold("Note"),
                    f": {entry.term} is a term search ships with, meaning “{'; '.join(shipped)}”;"
                    " this replaces that meaning. To go back to it, type ",
                    bold(f"glossary remove {entry.term}"),
                    ".",
                )
            )
        return Reply(tuple(blocks))

    def remove(self, actor: Actor, typed: str) -> Reply:
        """Take a taught term back (`glossary remove TERM`), recording who did it and when."""
        with self._uow_factory() as uow:
            if not is_moderator(actor, uow.workspaces.get(actor.workspace)):
                return refuse_non_moderator(actor, "glossary remove")
            term = _typed_term(typed)
            if term is None:
                return say(f"Nothing was removed. {REMOVE_USAGE}")
            removed = uow.glossary.remove(term, actor.key)
            uow.commit()
        shipped = load_shipped_glossary().expansions(term)
        if removed is None:
            if shipped:
                return say(
                    text(
                        bold(term),
                        f" is a term search ships with (“{'; '.join(shipped)}”), not one taught "
                        "here, so it cannot be removed; teach it another meaning with ",
                        bold(f"glossary add {term} = …"),
                        " instead.",
                    )
                )
            return say(
                text("No taught term ", bold(term), ": nothing was removed."),
                "Type `glossary` to see the terms taught so far.",
            )
        log.info("glossary term %r removed by %s", removed.term, actor.key)
        blocks: list[Block] = [
            text(
                "Search no longer reads ",
                bold(removed.term),
                f" as “{removed.expansion}”{_taught(removed)}, in every workspace, "
                "from the next search.",
            )
        ]
        if shipped:
            blocks.append(text(f"It has its shipped meaning again: “{'; '.join(shipped)}”."))
        return Reply(tuple(blocks))

    def history(self, actor: Actor, typed: str) -> Reply:
        """The audit trail of the taught glossary (of one term, if named), newest first."""
        with self._uow_factory() as uow:
            if not is_moderator(actor, uow.workspaces.get(actor.workspace)):
                return refuse_non_moderator(actor, "glossary history")
            term = _typed_term(typed) if typed.strip() else None
            if typed.strip() and term is None:
                return say(f"That is not a glossary term. {REMOVE_USAGE}")
            changes = uow.glossary.changes(term, HISTORY_SHOWN)
        named = f" of {term}" if term else ""
        if not changes:
            return say(f"No changes{named} to the taught glossary yet.", USAGE)
        blocks: list[Block] = [text(bold(f"Glossary changes{named}"), ", newest first:")]
        blocks.extend(
            text(
                bold(change.term),
                f" {change.kind.value} “{change.expansion}” by {_who(change.by)} "
                f"on {format_day(change.at.date())}",
            )
            for change in changes
        )
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


def _typed_term(typed: str) -> str | None:
    """A term as typed after `glossary remove`, as it is stored; None when it cannot be one."""
    if has_controls(typed):
        return None
    term = " ".join(typed.split()).lower()
    if not term or len(term) > TERM_MAX_CHARS or not any(ch.isalnum() for ch in term):
        return None
    return term


def _who(actor_key: str) -> str:
    """Who made a glossary change, as moderators read it."""
    return clean_text("the command line" if actor_key == "cli" else user_id_of(actor_key))


def _taught(entry: GlossaryEntry) -> str:
    """` (taught by alice on 3 Jan 2026)`: the audit trail of one stored entry."""
    when = f" on {format_day(entry.added_at.date())}" if entry.added_at else ""
    return f" (taught by {_who(entry.added_by)}{when})"
