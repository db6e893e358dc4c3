"""The console adapter's wiring: a `ConsoleSession` transcript harness and the `run_console` loop.

`ConsoleSession` is real adapter code, not a test double: push a line, pop what the terminal would
print (errbot's `push`/`pop`), so whole conversations read as transcripts in tests. `run_console`
drives one session from a text stream until end of input or `quit`.
"""

from __future__ import annotations

import io
from collections import deque
from typing import Protocol, TextIO

from adapters.console.inbound import LocalAnswer, Nothing, on_line
from adapters.console.render import ShownButton, render_reply
from bot.events import Actor, Event, Place
from bot.replies import Reply

PROMPT = "> "
GREETING = (
    "Practice bank: type what you are looking for (for example: knife crime diversion), "
    "`help` for more, `quit` to leave."
)
CONSOLE_PLATFORM = "console"
CONSOLE_WORKSPACE = "local"


class Handler(Protocol):
    """What the console needs from the core: `bot.core.PracticeBank` is one."""

    def handle(self, event: Event) -> list[Reply]:
        """Answer one event with replies."""
        ...


def console_place(workspace_id: str = CONSOLE_WORKSPACE) -> Place:
    """Return the place of a terminal conversation: a direct conversation with the bot."""
    return Place(CONSOLE_PLATFORM, workspace_id, "console", is_direct=True)


class ConsoleSession:
    """One person's conversation at the terminal: lines in, rendered replies out.

    The buttons shown last stay pressable by number or label until a later reply shows new ones,
    so a person can open "Details" of result 1, then of result 2, without searching again.
    """

    def __init__(self, bank: Handler, actor: Actor, place: Place | None = None) -> None:
        """Start a session for `actor`; nothing is sent to the core until the first line."""
        self._bank = bank
        self.actor = actor
        self.place = place or console_place(actor.workspace_id)
        self._unread: deque[str] = deque()
        self.transcript: list[str] = []
        self.buttons: tuple[ShownButton, ...] = ()
        self.closed = False

    def push(self, line: str) -> list[str]:
        """Handle one typed line; returns what the terminal prints for it (also kept for `pop`)."""
        self.transcript.append(PROMPT + line)
        inbound = on_line(line, self.actor, self.place, self.buttons)
        if isinstance(inbound, Nothing):
            return []
        if isinstance(inbound, LocalAnswer):
            self.closed = self.closed or inbound.quit
            return self._print([inbound.text])
        outputs: list[str] = []
        shown: list[ShownButton] = []
        for reply in self._bank.handle(inbound):
            rendered = render_reply(reply, first_number=len(shown) + 1)
            shown.extend(rendered.buttons)
            outputs.append(rendered.text)
        if shown:
            self.buttons = tuple(shown)
        return self._print(outputs)

    def pop(self) -> str:
        """Return the oldest printed output not yet popped; raise LookupError when there is none."""
        if not self._unread:
            raise LookupError("the bot printed nothing more")
        return self._unread.popleft()

    def _print(self, outputs: list[str]) -> list[str]:
        self._unread.extend(outputs)
        self.transcript.extend(outputs)
        return outputs


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_console(
    bank: Handler,
    stdin: TextIO,
    stdout: TextIO,
    actor: Actor,
    place: Place | None = None,
) -> None:
    """Converse on `stdin`/`stdout` until end of input or `quit`.

    The prompt is shown only when input is a terminal, so piped input gives a clean transcript.
    Bytes that are not UTF-8 are replaced rather than ending the session.
    """
    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(errors="replace")
    interactive = _is_terminal(stdin)
    session = ConsoleSession(bank, actor, place)
    stdout.write(GREETING + "\n")
    while not session.closed:
        if interactive:
            stdout.write(PROMPT)
        stdout.flush()
        line = stdin.readline()
        if not line:
            break
        for output in session.push(line.rstrip("\r\n")):
            stdout.write(output + "\n\n")
    stdout.flush()
