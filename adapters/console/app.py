"""The console adapter's wiring: a `ConsoleSession` transcript harness and the `run_console` loop.

`ConsoleSession` is real adapter code, not a test double: push a line, pop what the terminal would
print (errbot's `push`/`pop`), so whole conversations read as transcripts in tests. `run_console`
drives one session from a text stream until end of input or `quit`.

A reply's form is asked field by field (`adapters.console.forms`) before lines are read as usual
again. With a `ConsoleDelivery`, the session prints its person's notifications from the outbox
after every line (an empty line just checks) and before the first prompt: a terminal cannot be
written to while someone types, so mail waits for the next Enter.
"""

from __future__ import annotations

import io
from collections import deque
from typing import Protocol, TextIO

from adapters.console.delivery import ConsoleDelivery
from adapters.console.forms import (
    AskAgain,
    Cancelled,
    Completed,
    FormFill,
    NextField,
    render_form_intro,
)
from adapters.console.inbound import LocalAnswer, Nothing, on_line
from adapters.console.render import Rendered, ShownButton, render_notification, render_reply
from bot.kernel.events import Actor, Arrival, Event, FormSubmit, Place
from bot.kernel.replies import Form, Reply

PROMPT = "> "
CONTINUATION_PROMPT = ". "
# A line ending in a backslash goes on in the next line: they are joined (by line breaks) into one.
CONTINUATION = "\\"
# Linux's terminal line discipline holds 4,096 bytes per line, the newline included: what is typed
# or pasted past that is dropped, and a character cut in two reads as U+FFFD. A line read from a
# terminal that fills the buffer is therefore taken as cut (macOS cuts at 1,024, unnoticed here).
TTY_LINE_BYTES = 4095
LINE_TOO_LONG = (
    f"That line filled the terminal's limit of {TTY_LINE_BYTES:,} bytes, so its end was cut off; "
    "I did not use it. For a long answer, type or paste it in lines of up to 2,000 characters, "
    "ending each but the last with a backslash (\\): they are joined into one answer. "
    "Or start the chat with its input from a file (`< answers.txt`): piped lines are never cut."
)
GREETING = (
    "Practice bank: type what you are looking for (for example: knife crime diversion), "
    "`help` for more, `quit` to leave."
)
CONSOLE_PLATFORM = "console"
CONSOLE_WORKSPACE = "local"
FORM_CANCELLED = "You left the form; nothing was sent."


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
    Notifications count as replies: their buttons are numbered on from those of the reply printed
    just before them, or from 1 when they arrive on their own.
    """

    def __init__(
        self,
        bank: Handler,
        actor: Actor,
        place: Place | None = None,
        delivery: ConsoleDelivery | None = None,
    ) -> None:
        """Start a session for `actor`; nothing is sent to the core until the first line."""
        self._bank = bank
        self._delivery = delivery
        self.actor = actor
        self.place = place or console_place(actor.workspace_id)
        self._unread: deque[str] = deque()
        self.transcript: list[str] = []
        self.buttons: tuple[ShownButton, ...] = ()
        self.form: FormFill | None = None
        self._waiting_forms: deque[Form] = deque()
        self._numbered_this_line = False
        self.closed = False
        # Whether the core's last answer was a conversation's question (the sharing dialogue).
        self.in_dialogue = False

    def push(self, line: str) -> list[str]:
        """Handle one typed line; returns what the terminal prints for it (also kept for `pop`)."""
        self.transcript.append(PROMPT + line)
        self._numbered_this_line = False
        outputs = self._answer_form(line) if self.form else self._read_line(line)
        if not self.closed:
            outputs.extend(self._collect_mail())
        return self._print(outputs)

    def arrive(self) -> list[str]:
        """Tell the core the person has just started this terminal; print what it offers.

        A draft left open by the last session is offered (continue or discard) before the first
        line, so that line is not taken as an answer to a question no longer on the screen.
        """
        return self._ask_core(Arrival(self.actor, self.place))

    def check(self) -> list[str]:
        """Print the person's notifications now due (what the loop does before a prompt)."""
        self._numbered_this_line = False
        return self._print(self._collect_mail())

    def pop(self) -> str:
        """Return the oldest printed output not yet popped; raise LookupError when there is none."""
        if not self._unread:
            raise LookupError("the bot printed nothing more")
        return self._unread.popleft()

    def pop_all(self) -> list[str]:
        """Return every printed output not yet popped, oldest first (possibly none)."""
        outputs = list(self._unread)
        self._unread.clear()
        return outputs

    # --- lines -------------------------------------------------------------------------------

    def _read_line(self, line: str) -> list[str]:
        inbound = on_line(line, self.actor, self.place, self.buttons, self.in_dialogue)
        if isinstance(inbound, Nothing):
            return []
        if isinstance(inbound, LocalAnswer):
            self.closed = self.closed or inbound.quit
            return [inbound.text]
        return self._ask_core(inbound)

    def _answer_form(self, line: str) -> list[str]:
        fill = self.form
        assert fill is not None  # noqa: S101 - only called while a form is open
        step = fill.answer(line)
        match step:
            case AskAgain(reason=reason):
                return [f"{reason}\n{fill.prompt()}"]
            case NextField():
                return [fill.prompt()]
            case Cancelled():
                self.form = None
                return [FORM_CANCELLED, *self._next_form()]
            case Completed(values=values):
                self.form = None
                submitted = FormSubmit(self.actor, self.place, fill.form.id, values)
                return [*self._ask_core(submitted), *self._next_form()]

    def _ask_core(self, event: Event) -> list[str]:
        """Send an event to the core and render its replies, numbering their buttons afresh."""
        rendered: list[Rendered] = []
        replies = self._bank.handle(event)
        if replies:
            self.in_dialogue = any(reply.continues_in_private for reply in replies)
        for reply in replies:
            shown = sum(len(r.buttons) for r in rendered)
            rendered.append(render_reply(reply, first_number=shown + 1))
        buttons = tuple(b for r in rendered for b in r.buttons)
        if buttons:
            self.buttons = buttons
            self._numbered_this_line = True
        return self._show(rendered)

    # --- forms and mail ----------------------------------------------------------------------

    def _show(self, rendered: list[Rendered]) -> list[str]:
        """The texts to print, then the first question of a form they brought, if any."""
        outputs = [r.text for r in rendered if r.text]
        self._waiting_forms.extend(form for r in rendered for form in r.forms)
        if self.form is None:
            outputs.extend(self._next_form())
        return outputs

    def _next_form(self) -> list[str]:
        """Start the next waiting form: its title and first question (an empty one is sent)."""
        while self._waiting_forms:
            form = self._waiting_forms.popleft()
            if not form.fields:
                submitted = FormSubmit(self.actor, self.place, form.id, {})
                return self._ask_core(submitted)
            self.form = FormFill(form)
            return [render_form_intro(form), self.form.prompt()]
        return []

    def _collect_mail(self) -> list[str]:
        """Render the person's notifications now due; their buttons join the pressable ones."""
        if self._delivery is None:
            return []
        delivered = self._delivery.collect(self.actor)
        rendered: list[Rendered] = []
        for notification in delivered.notifications:
            kept = self.buttons if self._numbered_this_line else ()
            first = max((b.number for b in kept), default=0) + 1
            shown = render_notification(notification, delivered.moderation_channel, first)
            if shown.buttons:
                self.buttons = (*kept, *shown.buttons)
                self._numbered_this_line = True
            rendered.append(shown)
        return self._show(rendered)

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
    delivery: ConsoleDelivery | None = None,
) -> None:
    """Converse on `stdin`/`stdout` until end of input or `quit`.

    The prompt is shown only when input is a terminal, so piped input gives a clean transcript.
    Bytes that are not UTF-8 are replaced rather than ending the session. A line ending in a
    backslash continues on the next (`CONTINUATION`), so long and multi-paragraph answers can be
    typed; a terminal line that filled the terminal's buffer was cut, so it is refused with how
    to give long text instead of being sent with its end missing (`LINE_TOO_LONG`).
    """
    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(errors="replace")
    interactive = _is_terminal(stdin)
    session = ConsoleSession(bank, actor, place, delivery)
    stdout.write(GREETING + "\n")
    for output in [*session.arrive(), *session.check()]:
        stdout.write(output + "\n\n")
    pending: list[str] = []
    while not session.closed:
        if interactive:
            stdout.write(CONTINUATION_PROMPT if pending else PROMPT)
        stdout.flush()
        raw = stdin.readline()
        if not raw:
            break
        line = raw.rstrip("\r\n")
        if interactive and _cut_by_terminal(line):
            pending.clear()
            stdout.write(LINE_TOO_LONG + "\n\n")
            continue
        if line.endswith(CONTINUATION):
            pending.append(line.removesuffix(CONTINUATION))
            continue
        for output in session.push("\n".join([*pending, line])):
            stdout.write(output + "\n\n")
        pending.clear()
    if pending and not session.closed:  # input ended inside a continued answer: still send it
        for output in session.push("\n".join(pending)):
            stdout.write(output + "\n\n")
    stdout.flush()


def _cut_by_terminal(line: str) -> bool:
    """Whether a terminal line filled the line buffer (its end, if any, was dropped).

    A character cut in two decodes as U+FFFD, which is 3 bytes, so the decoded line may measure
    a byte or two more than the buffer held: at least the buffer's size means it was full.
    """
    return len(line.encode("utf-8", errors="replace")) >= TTY_LINE_BYTES
