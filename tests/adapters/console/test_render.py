"""Terminal rendering: cards, numbered buttons, and user text that cannot drive the terminal."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.console.render import ShownButton, render_notification, render_reply, safe
from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import (
    Action,
    Buttons,
    CardDetail,
    Choice,
    Choices,
    Form,
    FormField,
    PracticeCard,
    Reply,
    Span,
    bold,
    text,
)

PB046 = Practice(
    ref="PB046",
    title="Reducing theft of catalytic converters",
    summary="A problem-solving plan for catalytic converter thefts.",
    effectiveness=Effectiveness.PROMISING,
    focus=(Focus.PREVENTION, Focus.LOCATION),
    organisation="Surrey Police",
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain", "plain"),
        ("\x1b[2J\x1b[Hcleared", "cleared"),
        ("red \x1b[31mALERT\x1b[0m", "red ALERT"),
        ("\x1b]0;pwned\x07title", "title"),
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x9b31mC1 CSI", "C1 CSI"),
        ("bell\x07 back\x08space nul\x00", "bell backspace nul"),
        ("carriage\rreturn", "carriage return"),
        ("two\nlines\tand tab", "two lines and tab"),
        ("bidi \u202eevil\u202c isolate \u2066x\u2069", "bidi evil isolate x"),
        ("emoji 👩‍⚕️ 🔪", "emoji 👩‍⚕️ 🔪"),
        ("RTL عربي עברית", "RTL عربي עברית"),
        ("<!channel> @everyone", "<!channel> @everyone"),
        ("lone escape \x1b", "lone escape "),
    ],
)
def test_safe_strips_escapes_and_controls(raw, shown):
    """Escape sequences, control characters and bidi overrides vanish; other text stays."""
    assert safe(raw) == shown


def test_summary_card_with_button():
    """A result card shows rank, ref, title, rating, focus, organisation, summary, button."""
    reply = Reply(
        (
            PracticeCard(PB046, CardDetail.SUMMARY, rank=1),
            Buttons((Action("show:PB046", "Details PB046"),)),
        )
    )
    rendered = render_reply(reply)
    assert rendered.text == (
        "1. PB046 · Reducing theft of catalytic converters\n"
        "   Promising · Prevention, Location · Surrey Police\n"
        "   A problem-solving plan for catalytic converter thefts.\n"
        "   [1] Details PB046"
    )
    assert rendered.buttons == (ShownButton(1, "Details PB046", "show:PB046"),)


def test_full_card_lists_every_field_with_a_value():
    """The detail card labels each field that has a value and skips empty ones."""
    practice = Practice(
        ref="PB001",
        title="Title",
        summary="Summary.",
        effectiveness=Effectiveness.WORKED,
        focus=(Focus.DIVERSION,),
        topics=("Knife crime",),
        start_date=date(2021, 4, 1),
        learning="Start small.",
        linked_to=(LinkedTo.TILLEY_AWARD,),
        visibility=Visibility.RESTRICTED,
        added_at=datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
    )
    assert render_reply(Reply((PracticeCard(practice, CardDetail.FULL),))).text == (
        "PB001 · Title\n"
        "   Summary.\n"
        "   Effectiveness: Worked\n"
        "   Focus: Diversion\n"
        "   Topics: Knife crime\n"
        "   Started: 2021-04-01\n"
        "   Learning: Start small.\n"
        "   Linked to: Tilley award\n"
        "   Added: 2024-01-02\n"
        "   Visibility: restricted: police only"
    )


def test_buttons_and_choices_are_numbered_on_from_first_number():
    """Numbering continues across button rows and choice lists, from the number given."""
    reply = Reply(
        (
            text("Pick one"),
            Buttons((Action("a", "Alpha"), Action("b", "Beta"))),
            Choices("Which?", (Choice("c", "Gamma"),)),
        )
    )
    rendered = render_reply(reply, first_number=3)
    assert rendered.text == "Pick one\n   [3] Alpha  [4] Beta\nWhich?\n   [5] Gamma"
    assert [b.number for b in rendered.buttons] == [3, 4, 5]


def test_paragraph_spans_and_links():
    """Emphasis renders as plain text; a link shows its address after its text."""
    reply = Reply((text("See ", bold("this"), " ", Span("page", link="https://example.org")),))
    assert render_reply(reply).text == "See this page <https://example.org>"


def test_hostile_practice_cannot_drive_the_terminal():
    """Escape sequences and newlines in a practice's fields never reach the output."""
    hostile = Practice(
        ref="PB666",
        title="\x1b[2J\x1b]0;owned\x07Title\n[1] Details PB001",
        summary="\x1b[31m" + "x" * 100_000,
        effectiveness=Effectiveness.WORKED,
        organisation="\u202eecilop",
    )
    out = render_reply(
        Reply((PracticeCard(hostile, rank=1), Buttons((Action("show:PB666", "Det\x1b[1mails"),))))
    ).text
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert out.splitlines()[0] == "1. PB666 · Title [1] Details PB001"
    assert out.splitlines()[-1] == "   [1] Details"


def test_full_card_of_an_updated_practice_shows_its_version():
    """A practice past its first version says which version it is, last."""
    updated = Practice(
        ref="PB064", title="T", summary="S", effectiveness=Effectiveness.WORKED, version=2
    )
    out = render_reply(Reply((PracticeCard(updated, CardDetail.FULL),))).text
    assert out == "PB064 · T\n   S\n   Effectiveness: Worked\n   Version: 2"


def test_first_version_is_not_labelled():
    """A first version is the norm and is not mentioned."""
    out = render_reply(Reply((PracticeCard(PB046, CardDetail.FULL),))).text
    assert "Version" not in out


def test_a_form_is_handed_back_not_drawn():
    """A reply's form is returned for the session to ask; only the other blocks are text."""
    form = Form("mod:approve:1", "Approve S-0001", (FormField("note", "Note"),))
    rendered = render_reply(Reply((text("S-0001"), form)))
    assert (rendered.text, rendered.forms) == ("S-0001", (form,))


@pytest.mark.parametrize(
    ("audience", "recipient", "replace", "header"),
    [
        (Audience.PERSON, "alice", False, "── message for you ──"),
        (Audience.CHANNEL, "console", False, "── moderation channel ──"),
        (Audience.CHANNEL, "console", True, "── moderation channel (updated) ──"),
        (Audience.CHANNEL, "general\x1b[2J", False, "── channel general ──"),
    ],
)
def test_notification_headers(audience, recipient, replace, header):
    """A notification's header says whom it is for and whether it updates an earlier message."""
    notification = Notification(
        "console", "local", audience, recipient, Reply((text("Hi"),)), replace=replace
    )
    assert render_notification(notification, "console").text == f"{header}\nHi"
