"""Turns a terminal line into a core event, or into an answer the terminal gives by itself.

A line is `Text` for the core to read (verbs, refs and `/practice …` included); a bare number or a
button's exact label presses one of the buttons shown last, as a `Click` (a label ending in a
count, a filter's `Diversion (2)`, is pressed by its words alone too: nobody types the count).
Pressing a number that was never shown, and `quit`, are settled here without bothering the core.

Inside a conversation (the sharing dialogue: the core marks its replies `continues_in_private`)
a number that is no button is told how to answer the question above, not to "type a search"; and
a number longer than any button's (`BUTTON_DIGITS`: a year, a cost) is never a press there, so it
goes to the question as typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from adapters.console.render import ShownButton
from bot.kernel.events import Actor, Click, Event, Place, Text

QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit"})
_BUTTON_NUMBER = re.compile(r"\[?([0-9]{1,9})\]?")
# No reply shows more than 25 buttons (Discord's cap), so a button number has at most 2 digits.
BUTTON_DIGITS = 2
_COUNTED_LABEL = re.compile(r"(.*\S) \([0-9]+\)")


@dataclass(frozen=True)
class LocalAnswer:
    """Something the terminal answers itself: a bad button number, or leaving."""

    text: str
    quit: bool = False


@dataclass(frozen=True)
class Nothing:
    """A blank line: nothing to do, nothing to print."""


Inbound = Event | LocalAnswer | Nothing


def _press(
    number: int, buttons: Sequence[ShownButton], in_dialogue: bool
) -> ShownButton | LocalAnswer:
    """Find the button with this number, or say why it cannot be pressed."""
    for button in buttons:
        if button.number == number:
            return button
    otherwise = "type your answer to the question above" if in_dialogue else "type a search"
    if not buttons:
        if in_dialogue:
            return LocalAnswer(f"There is no button {number} to press: {otherwise}.")
        return LocalAnswer(
            f"There is no button {number} to press. Type what you are looking for, or `help`."
        )
    if len(buttons) == 1:
        # "pick 1–1" reads like a typo: with one button, name it.
        return LocalAnswer(
            f"There is no button {number}. There is only one button: type "
            f"{buttons[0].number}, or {otherwise}."
        )
    return LocalAnswer(
        f"There is no button {number}: pick {buttons[0].number}–{buttons[-1].number}, "
        f"or {otherwise}."
    )


def on_line(
    line: str,
    actor: Actor,
    place: Place,
    buttons: Sequence[ShownButton],
    in_dialogue: bool = False,
) -> Inbound:
    """Turn one line typed at the terminal into a core event (or a local answer).

    `in_dialogue` says the last answer of the core was a conversation's question (see above).
    """
    stripped = line.strip()
    if not stripped:
        return Nothing()
    if stripped.casefold() in QUIT_WORDS:
        return LocalAnswer("Goodbye.", quit=True)
    number = _BUTTON_NUMBER.fullmatch(stripped)
    if number and not (in_dialogue and len(number.group(1)) > BUTTON_DIGITS):
        pressed = _press(int(number.group(1)), buttons, in_dialogue)
        if isinstance(pressed, LocalAnswer):
            return pressed
        return Click(actor, place, pressed.action)
    folded = " ".join(stripped.split()).casefold()
    for button in buttons:
        counted = _COUNTED_LABEL.fullmatch(button.label)
        words = counted.group(1) if counted else button.label
        if folded in (button.label.casefold(), words.casefold()):
            return Click(actor, place, button.action)
    return Text(actor, place, line)
