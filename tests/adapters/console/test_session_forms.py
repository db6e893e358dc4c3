"""A reply's form, asked in the session field by field, then sent to the core as a FormSubmit.

The core here is a recording stand-in for `PracticeBank` (the `Handler` port): it answers with
scripted replies and keeps the events it got, so the exact `FormSubmit` the terminal sent can be
checked. The real core's forms run in the issue's transcript test.
"""

from __future__ import annotations

import pytest

from adapters.console.app import FORM_CANCELLED, ConsoleSession
from bot.kernel.events import Actor, Click, Event, FormSubmit, Text
from bot.kernel.replies import Action, Buttons, FieldKind, Form, FormField, Reply, text

MO = Actor("console", "local", "mo", "mo")

CHANGES = Form(
    "mod:changes:1",
    "Request changes to S-0001",
    (
        FormField("note", "Note to the contributor", FieldKind.LONG_TEXT, required=True),
        FormField(
            "effectiveness",
            "Effectiveness",
            FieldKind.CHOICE,
            options=(("worked", "Worked"), ("promising", "Promising")),
            default="promising",
        ),
    ),
)


class RecordingCore:
    """Answers each event with the next scripted replies and records every event."""

    def __init__(self, *answers: list[Reply]) -> None:
        self.answers = list(answers)
        self.events: list[Event] = []

    def handle(self, event: Event) -> list[Reply]:
        self.events.append(event)
        return self.answers.pop(0) if self.answers else [Reply((text("ok"),))]


@pytest.fixture
def core() -> RecordingCore:
    return RecordingCore(
        [
            Reply(
                (text("S-0001 from alice."), Buttons((Action("mod:changes:1", "Request changes"),)))
            )
        ],
        [Reply((text("Say what should change."), CHANGES))],
        [Reply((text("Changes requested; alice was told."),))],
    )


@pytest.fixture
def session(core) -> ConsoleSession:
    session = ConsoleSession(core, MO)
    session.push("queue")
    return session


def test_a_form_in_a_reply_starts_with_its_intro_and_first_question(session):
    """The reply's text, then the form's title and its first field are printed."""
    assert session.push("1") == [
        "Say what should change.",
        "Request changes to S-0001 (2 questions; an empty line keeps the value in [brackets], "
        "`/cancel` leaves the form)",
        "(1/2) Note to the contributor (required):",
    ]


def test_answering_every_field_sends_one_form_submit(session, core):
    """The last answer sends the form id and the values, then prints the core's answer."""
    session.push("1")
    assert session.push("Please add the evaluation.") == [
        "(2/2) Effectiveness (pick one) [Promising]:\n   [1] Worked\n   [2] Promising"
    ]
    assert session.push("") == ["Changes requested; alice was told."]
    assert core.events[-1] == FormSubmit(
        MO,
        session.place,
        "mod:changes:1",
        {"note": "Please add the evaluation.", "effectiveness": "promising"},
    )


def test_a_required_field_is_asked_again_on_an_empty_line(session, core):
    """An empty answer to a required field repeats the question with the reason."""
    session.push("1")
    assert session.push("") == [
        "Note to the contributor is required: please type an answer.\n"
        "(1/2) Note to the contributor (required):"
    ]
    assert len(core.events) == 2


def test_numbers_inside_a_form_pick_choices_not_buttons(session, core):
    """While a form is open, `1` answers its choice instead of pressing the old button."""
    session.push("1")
    session.push("note")
    session.push("1")
    assert core.events[-1] == FormSubmit(
        MO, session.place, "mod:changes:1", {"note": "note", "effectiveness": "worked"}
    )


def test_cancel_sends_nothing_and_lines_are_read_as_usual_again(session, core):
    """`/cancel` leaves the form without a FormSubmit; the next line is a normal one."""
    session.push("1")
    assert session.push("/cancel") == [FORM_CANCELLED]
    assert session.form is None
    session.push("knife")
    assert [type(e) for e in core.events] == [Text, Click, Text]


def test_buttons_shown_before_the_form_stay_pressable_after_it(session, core):
    """After the form, the earlier reply's buttons can still be pressed by number."""
    session.push("1")
    session.push("/cancel")
    session.push("1")
    assert core.events[-1] == Click(MO, session.place, "mod:changes:1")


@pytest.mark.parametrize(
    "note",
    [
        "@everyone",
        "<!channel>",
        "'; DROP TABLE reviews; --",
        "🔪 جرائم",
        "*x* <b>",
        "a\x1b[2J\x07b",
    ],
)
def test_hostile_answers_reach_the_core_as_typed(session, core, note):
    """A note is passed on exactly as typed; the core and renderers deal with it."""
    session.push("1")
    session.push(note)
    session.push("")
    assert isinstance(core.events[-1], FormSubmit)
    assert core.events[-1].values["note"] == note


def test_a_form_without_fields_is_sent_at_once():
    """A form with nothing to ask is submitted straight away."""
    core = RecordingCore([Reply((Form("confirm:1", "Confirm", ()),))], [Reply((text("Done."),))])
    session = ConsoleSession(core, MO)
    assert session.push("go") == ["Done."]
    assert core.events[-1] == FormSubmit(MO, session.place, "confirm:1", {})
