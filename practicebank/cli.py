"""The `practicebank` command: chat in the terminal, import/export the bank, search, migrate, run.

This module only parses arguments and calls the composition root (`practicebank.bootstrap`).
It imports the composition root, the store, the settings and what only some commands use (the
bank-file reader, the query parser) once a command runs, so `practicebank --help` (and a
mistyped flag) answers without loading the ORM, Slack or Discord. `search` and `show` read a
bank already at head without the ORM at all (`_read_bank`).
Every command reads the settings once (environment, then `.env`; `--database-url` wins), brings
the database to head on first use and turns expected failures (bad settings, bad files,
unreachable databases, bad flags) into one clear line on standard error and a non-zero exit,
never a traceback. Set `PRACTICEBANK_DEBUG=1` to see tracebacks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from bot.kernel.domain import Effectiveness, Focus, LinkedTo
from bot.kernel.ports import UnitOfWork
from bot.kernel.text import is_blank
from bot.search.glossary import load_shipped_glossary, read_entry, term_key
from bot.search.model import PARTIAL_HEADING, SearchFilters, SearchResult

if TYPE_CHECKING:
    from practicebank.bootstrap import Store
    from practicebank.settings import Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOTHING_FOUND = 1  # like grep: a search or show that finds nothing is not a success

MAX_LIMIT = 50
MAX_QUERY_CHARS = 1000


class CliError(Exception):
    """An expected failure, reported as one line and a non-zero exit."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def _say(message: str, stream: TextIO | None = None) -> None:
    print(message, file=stream or sys.stderr)


def _count(number: int) -> str:
    """`1 practice`, `2 practices`."""
    return f"{number} practice" if number == 1 else f"{number:,} practices"


def _verb(number: int) -> str:
    """`1 practice matches`, `2 practices match`."""
    return "matches" if number == 1 else "match"


def _open_store(args: argparse.Namespace) -> Store:
    """Open and migrate the database, saying on standard error which one it is."""
    from practicebank.bootstrap import open_store

    settings = args.settings
    store = open_store(
        settings.database, statement_timeout_ms=settings.database_statement_timeout_ms
    )
    args.open_stores.append(store)  # closed by `main` when the command ends
    _say(f"Practice bank database: {store.location}")
    return store


@contextlib.contextmanager
def _read_bank(args: argparse.Namespace) -> Iterator[tuple[UnitOfWork, str]]:
    """Read the bank for `search` and `show`, without loading the ORM where that is possible.

    A database already at this release's schema is read with the driver alone
    (`store.bank_reader`), which saves most of a second on every command; one that is
    missing, older or newer is opened as every other command opens it (created or migrated,
    or refused with a one-line reason). Yields a unit of work that only reads, and the
    database's location as `_open_store` prints it.
    """
    from store.bank_reader import open_bank_reader

    settings = args.settings
    reader = open_bank_reader(
        settings.database, statement_timeout_ms=settings.database_statement_timeout_ms
    )
    if reader is None:
        store = _open_store(args)
        with store.uow_factory() as uow:
            yield uow, store.location
        return
    _say(f"Practice bank database: {reader.location}")
    with reader:
        # It has the reads search and show make (practices and glossary), and no other part.
        yield cast("UnitOfWork", reader), reader.location


def _progress_bar(label: str) -> Callable[[int, int], None] | None:
    """A one-line progress bar on standard error, only on a terminal (quiet in pipes and CI)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total < 2000:
            return
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}{end}")
        sys.stderr.flush()

    return show


def _load_demo(store: Store) -> None:
    from practicebank import bootstrap

    loaded = bootstrap.load_demo_bank_if_empty(store.uow_factory)
    if loaded:
        _say(f"The bank was empty: loaded the demo bank ({loaded} practices).")


def cmd_chat(args: argparse.Namespace) -> int:
    """Talk to the bot in the terminal, on the same core the chat platforms use.

    Unless `--no-scheduler`, the reminder sweep runs in the background meanwhile; the person's
    notifications (and, for a moderator, the moderation channel) print after each line.
    """
    from practicebank import bootstrap
    from practicebank.settings import parse_sweep_seconds

    try:
        sweep_seconds = (
            parse_sweep_seconds(args.sweep_seconds)
            if args.sweep_seconds is not None
            else args.settings.reminder_sweep_seconds
        )
    except ValueError as problem:
        raise CliError(str(problem), EXIT_USAGE) from problem
    as_of = _as_of(args.as_of) if args.as_of else None
    store = _open_store(args)
    if not args.no_demo:
        _load_demo(store)
    if as_of is not None:
        _say(f"The clock starts at {as_of.isoformat()} (--as-of) and runs on from there.")
    with _logs_out_of_the_conversation(args.log_file):
        bootstrap.run_chat(
            store,
            args.settings,
            sys.stdin,
            sys.stdout,
            user=args.user or args.settings.user or "you",
            moderator=args.moderator,
            police_only=args.police_only,
            sweep_seconds=None if args.no_scheduler else sweep_seconds,
            as_of=as_of,
        )
    return EXIT_OK


def _as_of(raw: str) -> date:
    """The `--as-of` day: an ISO date such as 2026-03-03."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as problem:
        raise CliError(
            f"--as-of takes a day like 2026-03-03, not {raw[:40]!r}", EXIT_USAGE
        ) from problem


@contextlib.contextmanager
def _logs_out_of_the_conversation(log_file: str | None) -> Iterator[None]:
    """Keep log lines out of the chat for as long as it runs: to `--log-file`, else stderr.

    With `--log-file` the file takes every line and the other handlers are silenced. Without
    it, on a terminal (where standard error shows among the conversation) only errors are
    written: a warning such as a refused moderator command is already answered in the chat.
    Piped, standard error stays separate from the transcript and keeps the usual level.
    """
    root = logging.getLogger()
    before = [(handler, handler.level) for handler in root.handlers]
    added: logging.Handler | None = None
    if log_file:
        added = logging.FileHandler(log_file, encoding="utf-8")
        added.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for handler, _ in before:
            handler.setLevel(logging.CRITICAL + 1)
        root.addHandler(added)
    elif sys.stderr.isatty() and sys.stdout.isatty():
        for handler, level in before:
            handler.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        for handler, level in before:
            handler.setLevel(level)
        if added is not None:
            root.removeHandler(added)
            added.close()


def cmd_import(args: argparse.Namespace) -> int:
    """Import a JSON or CSV file: idempotent on ref, all-or-nothing per file.

    The report counts practices added, updated (their stored row rewritten) and unchanged.
    """
    from bot.bankfile import BankFileError, read_bank_file

    path = Path(args.file)
    try:
        practices = read_bank_file(path, progress=_progress_bar("Checking"))
    except BankFileError as problem:
        _say(f"Nothing was imported from {path}:\n{problem}")
        return EXIT_FAILED
    with _open_store(args).uow_factory() as uow:
        outcome = uow.practices.upsert_many(practices)
        uow.commit()
    # "updated" counts the rows rewritten; a practice identical to the stored one is
    # "unchanged" and was not written at all (so a re-import of the same file writes nothing).
    _say(
        f"Imported {_count(len(practices))} from {path.name}: {outcome.added} added, "
        f"{outcome.updated - outcome.unchanged} updated, {outcome.unchanged} unchanged."
    )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Write the whole bank as JSON or CSV, in a form `import` takes back unchanged."""
    from bot.bankfile import write_bank

    with _open_store(args).uow_factory() as uow:
        practices = uow.practices.list_all()
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as stream:
            write_bank(practices, args.format, stream)
        _say(f"Exported {_count(len(practices))} to {args.output}.")
    else:
        write_bank(practices, args.format, sys.stdout)
    return EXIT_OK


def _filters_from_flags(args: argparse.Namespace) -> SearchFilters:
    """Structured filters from the command-line flags, with the same aliases as inline filters."""
    from bot.search.query import parse_filter_value

    return SearchFilters(
        effectiveness=frozenset(
            parse_filter_value("effectiveness", v, Effectiveness) for v in args.effectiveness
        ),
        focus=frozenset(parse_filter_value("focus", v, Focus) for v in args.focus),
        topics=frozenset(args.topic),
        linked_to=frozenset(parse_filter_value("linked_to", v, LinkedTo) for v in args.linked_to),
        organisation=args.organisation,
    )


def _result_as_json(result: SearchResult) -> str:
    """The hits in the order the chat shows them: full matches, then partial ones (`match`)."""
    rows = [
        {
            "ref": hit.practice.ref,
            "title": hit.practice.title,
            "effectiveness": hit.practice.effectiveness.value,
            "focus": [f.value for f in hit.practice.focus],
            "organisation": hit.practice.organisation,
            "summary": hit.practice.summary,
            "score": round(hit.score, 4),
            "match": hit.match,
        }
        for hit in result.hits
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2)


def _result_as_text(result: SearchResult, *, bank_is_empty: bool = False) -> str:
    """The hits as the chat words them: full matches, then the closest practices under a heading.

    The count line says when more matched than are listed, and how to see them.
    """
    full_shown = sum(1 for hit in result.hits if hit.match == "full")
    if result.total and full_shown < result.total:
        first = (
            f"{_count(result.total)} {_verb(result.total)}; showing the first "
            f"{full_shown} — use --limit to see more."
        )
    elif result.total:
        first = f"{_count(result.total)} {_verb(result.total)}."
    elif result.partial_total:
        first = "No practice matches exactly."
    else:
        first = "No practice matches."
        if bank_is_empty:
            first += " The bank is empty: load practices with `practicebank import FILE`."
    lines = [first]
    previous = "full"
    for number, hit in enumerate(result.hits, start=result.offset + 1):
        if hit.match == "partial" and (previous == "full" or number == result.offset + 1):
            lines.append(f"{PARTIAL_HEADING}:")
        previous = hit.match
        p = hit.practice
        focus = ", ".join(f.label for f in p.focus)
        lines.append(f"{number:>3}. {p.ref}  {p.title}  [{p.effectiveness.label}; {focus}]")
    if result.did_you_mean:
        lines.append(f"Did you mean: {result.did_you_mean}?")
    if result.without_filters:
        count = result.without_filters
        lines.append(f"{_count(count)} {_verb(count)} without the filters.")
    lines.extend(result.notices)
    return "\n".join(lines)


def cmd_search(args: argparse.Namespace) -> int:
    """Search the bank from the shell; `--json` prints a machine-readable list, best first."""
    try:
        filters = _filters_from_flags(args)
    except ValueError as problem:
        raise CliError(str(problem), EXIT_USAGE) from problem
    if not 1 <= args.limit <= MAX_LIMIT:
        raise CliError(f"--limit must be between 1 and {MAX_LIMIT}", EXIT_USAGE)
    text = " ".join(args.query)
    _check_query_text(text, filters)
    from bot.search.index_cache import SearchService

    service = SearchService()
    with _read_bank(args) as (uow, location):
        cache = _index_cache(args, location)
        with contextlib.suppress(OSError):
            service.restore(cache.read_bytes(), uow)
        result = service.searcher(uow).search(
            text, filters, include_restricted=args.include_restricted, limit=args.limit
        )
        if service.builds or service.applied:
            _save_index(cache, service.snapshot())
        empty = not result.total and not uow.practices.count()
    print(_result_as_json(result) if args.json else _result_as_text(result, bank_is_empty=empty))
    return EXIT_OK if result.hits else EXIT_NOTHING_FOUND


def _index_cache(args: argparse.Namespace, location: str) -> Path:
    """Where `search` keeps the bank's index between runs: one file per database, user-only.

    In the practicebank data folder ($XDG_DATA_HOME or ~/.local/share, as the settings read it:
    only the settings module reads the environment), under index-cache/, named by a hash of the
    database's location. So a large bank is not re-indexed for every query: the next run loads
    it and applies only the practices changed since (`SearchService.restore`). Deleting the
    folder is always safe.
    """
    import hashlib

    base = Path(args.settings.xdg_data_home or Path.home() / ".local" / "share")
    digest = hashlib.sha256(location.encode()).hexdigest()[:16]
    return base / "practicebank" / "index-cache" / f"index-{digest}.pickle"


def _save_index(path: Path, data: bytes | None) -> None:
    """Write the cache atomically (a rename), readable by the user only; a failure is ignored."""
    if data is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.chmod(0o600)
        partial.replace(path)


def _check_query_text(text: str, filters: SearchFilters) -> None:
    """Refuse what is surely a mistake on a command line.

    That is: nothing to search (blank, or only invisible characters such as zero-width spaces,
    which the search ignores), control characters (a pasted binary or escape sequence), or more
    text than a query (the chat trims instead, since a person there cannot see an exit code).
    """
    if is_blank(text) and filters.is_empty:
        raise CliError("say what to search for, e.g. practicebank search knife crime", EXIT_USAGE)
    if len(text) > MAX_QUERY_CHARS:
        raise CliError(
            f"the query is {len(text):,} characters long; keep it under {MAX_QUERY_CHARS:,}",
            EXIT_USAGE,
        )
    if _has_control_characters(text):
        raise CliError("the query holds control characters; type it as plain text", EXIT_USAGE)


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def cmd_show(args: argparse.Namespace) -> int:
    """Print one practice in full by its ref; exit 1 when there is no such practice."""
    from bot.bankfile import practice_record
    from bot.commands.reading import normalise_ref

    # The same references the chat accepts (`pb46`, `PB 46`), so both read `PB046`.
    ref = normalise_ref(args.ref) or args.ref.strip()
    with _read_bank(args) as (uow, _):
        practice = uow.practices.get(ref)
    if practice is None or (practice.is_restricted and not args.include_restricted):
        _say(f"No practice {args.ref.strip()[:20]!r} in the bank. Try: practicebank search WORDS")
        return EXIT_NOTHING_FOUND
    if args.json:
        print(json.dumps(practice_record(practice), ensure_ascii=False, indent=2))
    else:
        for name, value in practice_record(practice).items():
            if value not in (None, [], ""):
                shown = "; ".join(map(str, value)) if isinstance(value, list) else value
                print(f"{name}: {shown}")
    return EXIT_OK


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Bring the database to the newest schema (the Procfile's release step)."""
    store = _open_store(args)
    _say(f"Database {store.location} is at the newest schema.")
    return EXIT_OK


def cmd_glossary_add(args: argparse.Namespace) -> int:
    """Teach search a term (acronym, synonym) without a release.

    The term and meaning are read by the core's one check (`read_entry`), as in chat, so both
    accept and refuse the same entries in the same words.
    """
    entry = read_entry(args.term, args.expansion, "cli")
    if isinstance(entry, str):
        raise CliError(entry, EXIT_USAGE)
    with _open_store(args).uow_factory() as uow:
        uow.glossary.add(entry)
        uow.commit()
    _say(f"Search now reads “{entry.term}” as also meaning “{entry.expansion}”.")
    return EXIT_OK


def cmd_glossary_list(args: argparse.Namespace) -> int:
    """List every term search knows by term: taught ones with who taught them, then `(shipped)`.

    A taught term that replaces a shipped one is listed once, as taught.
    """
    with _open_store(args).uow_factory() as uow:
        stored = uow.glossary.list_all()
    glossary = load_shipped_glossary().merged(stored)
    for entry in sorted(glossary, key=lambda e: (e.added_by == "shipped", term_key(e.term))):
        print(f"{entry.term}\t{entry.expansion}\t({entry.added_by})")
    return EXIT_OK


def _run_slack(args: argparse.Namespace) -> int:
    """Serve Slack: Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT (see the README)."""
    from practicebank import bootstrap

    bootstrap.slack_settings(args.settings)  # refuse missing tokens before touching the database
    store = _open_store(args)
    if args.demo:
        _load_demo(store)
    bootstrap.run_slack(args.settings, store, sweeps=not args.no_sweeps)
    return EXIT_OK


def _run_discord(args: argparse.Namespace) -> int:
    """Serve Discord over the gateway with DISCORD_TOKEN (see the README)."""
    from practicebank import bootstrap

    bootstrap.discord_config(args.settings)  # refuse a missing token before the database
    store = _open_store(args)
    if args.demo:
        _load_demo(store)
    bootstrap.run_discord(args.settings, store, sweeps=not args.no_sweeps)
    return EXIT_OK


def _run_scheduler(args: argparse.Namespace) -> int:
    """Only sweep reminders and idle drafts (the Procfile's scheduler; see the README)."""
    from practicebank import bootstrap

    bootstrap.run_scheduler(args.settings, _open_store(args))
    return EXIT_OK


# `practicebank run <platform>`: one entry per chat platform.
RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "slack": _run_slack,
    "discord": _run_discord,
    "scheduler": _run_scheduler,
}


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot on a chat platform until stopped; its log is one redacted JSON line per event."""
    from practicebank.observe import configure_logging
    from practicebank.read_settings import log_level

    configure_logging(log_level())
    return RUNNERS[args.platform](args)


def cmd_config(args: argparse.Namespace) -> int:
    """Print the effective settings, one per line, secrets masked, with where each came from."""
    for line in args.settings.lines():
        print(line)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="practicebank", description="A crime-reduction practice bank in team chat."
    )
    parser.add_argument(
        "--database-url",
        help="database to use (default: $DATABASE_URL or .env, else a local SQLite file)",
    )
    parser.set_defaults(reads_only=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", help="your name in the conversation (default: $USER)")
    chat.add_argument("--moderator", action="store_true", help="act as a moderator")
    chat.add_argument(
        "--police-only", action="store_true", help="treat this terminal as a police-only workspace"
    )
    chat.add_argument("--no-demo", action="store_true", help="don't load the demo bank when empty")
    chat.add_argument(
        "--no-scheduler",
        action="store_true",
        help="don't sweep reminders and idle drafts in the background (another process does)",
    )
    chat.add_argument(
        "--sweep-seconds",
        metavar="SECONDS",
        help="how often to sweep (default: $REMINDER_SWEEP_SECONDS, else 60)",
    )
    chat.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="start the clock on this day (try the 12-month follow-up: restart a year later)",
    )
    chat.add_argument("--log-file", metavar="PATH", help="write log lines to this file")
    chat.set_defaults(run=cmd_chat)

    imp = commands.add_parser("import", help="import practices from a JSON or CSV file")
    imp.add_argument("file")
    imp.set_defaults(run=cmd_import)

    exp = commands.add_parser("export", help="export the bank as JSON or CSV")
    exp.add_argument("--format", choices=("json", "csv"), default="json")
    exp.add_argument("--output", "-o", help="file to write (default: standard output)")
    exp.set_defaults(run=cmd_export)

    search = commands.add_parser("search", help="search the bank")
    search.add_argument(
        "query", nargs="*", help="words, typos welcome; inline filters like focus:diversion"
    )
    search.add_argument("--focus", action="append", default=[], help="prevention, diversion, …")
    search.add_argument(
        "--effectiveness", "--rating", action="append", default=[], help="worked, promising, …"
    )
    search.add_argument("--topic", action="append", default=[])
    search.add_argument("--linked-to", action="append", default=[])
    search.add_argument("--organisation")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--include-restricted", action="store_true")
    search.add_argument("--json", action="store_true", help="print JSON, best first")
    search.set_defaults(run=cmd_search, reads_only=True)

    show = commands.add_parser("show", help="print one practice in full")
    show.add_argument("ref", help="its reference, e.g. PB046")
    show.add_argument("--include-restricted", action="store_true")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=cmd_show, reads_only=True)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="migrate to the newest schema").set_defaults(
        run=cmd_db_upgrade
    )

    glossary = commands.add_parser("glossary", help="search glossary terms added at run time")
    glossary_commands = glossary.add_subparsers(dest="glossary_command", required=True)
    add = glossary_commands.add_parser("add", help="add or replace a term")
    add.add_argument("term")
    add.add_argument("expansion")
    add.set_defaults(run=cmd_glossary_add)
    glossary_commands.add_parser("list", help="list taught and shipped terms").set_defaults(
        run=cmd_glossary_list
    )

    run_bot = commands.add_parser("run", help="run the bot on a chat platform")
    run_bot.add_argument("platform", choices=sorted(RUNNERS))
    run_bot.add_argument(
        "--demo",
        action="store_true",
        help="load the demo bank into an empty database first (for trying the bot out)",
    )
    run_bot.add_argument(
        "--no-sweeps",
        action="store_true",
        help="leave reminders and idle drafts to `practicebank run scheduler`",
    )
    run_bot.set_defaults(run=cmd_run)

    config = commands.add_parser(
        "config", help="print the effective settings and where each came from"
    )
    config.set_defaults(run=cmd_config)
    return parser


def _full_settings(database_url: str | None) -> Settings:
    from practicebank.settings import load_settings

    return load_settings(database_url=database_url)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    args = build_parser().parse_args(argv)  # --help and usage errors end here, imports unpaid
    from practicebank.read_settings import SettingsError, debug_enabled, log_level, read_settings
    from store.engine import DatabaseUnavailable

    logging.basicConfig(level=log_level())
    run: Callable[[argparse.Namespace], int] = args.run
    args.open_stores = []
    try:
        # `search` and `show` read only where the bank is, sparing pydantic's import (a third
        # of a second); see `practicebank.read_settings`.
        quick = read_settings(database_url=args.database_url) if args.reads_only else None
        args.settings = quick or _full_settings(args.database_url)
        code = run(args)
        sys.stdout.flush()  # a closed pipe shows here, where it is caught, not at exit
        return code
    except CliError as problem:
        _say(f"practicebank: {problem}")
        return problem.code
    except SettingsError as problem:
        _say(f"practicebank: {problem}")
        return EXIT_USAGE
    except DatabaseUnavailable as problem:
        _say(f"practicebank: {problem}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `practicebank export | head`: the reader has all it wanted. Point stdout at devnull so
        # the interpreter's final flush does not complain, and end quietly like other tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as problem:  # the last line of defence: one readable line, not a traceback
        if debug_enabled():
            raise
        _say(f"practicebank: unexpected error: {problem.__class__.__name__}: {problem}")
        return EXIT_FAILED
    finally:
        # Close the connections now, not whenever the engine is collected (`main` may run
        # many times in one process, and a PostgreSQL server counts every open connection).
        for store in args.open_stores:
            store.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
