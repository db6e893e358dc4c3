"""Filling in a core form at the terminal, field by field."""

from __future__ import annotations

import pytest

from adapters.console.forms import (
    AskAgain,
    Cancelled,
    Completed,
    FormFill,
    NextField,
    render_field_prompt,
    render_form_intro,
)
from bot.kernel.replies import FieldKind, Form, FormField

RATING = FormField(
    "effectiveness",
    "Effectiveness",
    FieldKind.CHOICE,
    required=True,
    options=(
        ("worked", "Worked"),
        ("promising", "Promising"),
        ("untested", "Untested – new or innovative"),
        ("didnt_work", "Didn't work"),
    ),
    default="promising",
)
FOCUS = FormField(
    "focus",
    "Focus",
    FieldKind.MULTI_CHOICE,
    required=True,
    options=(("prevention", "Prevention"), ("diversion", "Diversion"), ("location", "Location")),
)
LINKED = FormField(
    "linked_to",
    "Linked to",
    FieldKind.MULTI_CHOICE,
    options=(("hmicfrs", "HMICFRS"), ("tilley_award", "Tilley award")),
    default="hmicfrs",
)
NOTE = FormField(
    "note", "Note to the contributor", FieldKind.LONG_TEXT, required=True, max_length=20
)
COMMENT = FormField("comment", "Comment")

APPROVE = Form("mod:approve:1", "Approve S-0001", (RATING, FOCUS, LINKED, NOTE, COMMENT))


def filled(*lines: str) -> tuple[FormFill, list[object]]:
    fill = FormFill(APPROVE)
    return fill, [fill.answer(line) for line in lines]


def test_intro_names_the_form_and_how_to_answer():
    """The intro says the title, how many questions, and how defaults and /cancel work."""
    assert render_form_intro(APPROVE) == (
        "Approve S-0001 (5 questions; an empty line keeps the value in [brackets], "
        "`/cancel` leaves the form)"
    )


def test_choice_prompt_numbers_options_and_shows_the_default_label():
    """A choice field lists numbered options and shows its default by label."""
    assert render_field_prompt(RATING, 1, 5) == (
        "(1/5) Effectiveness (required, pick one) [Promising]:\n"
        "   [1] Worked\n"
        "   [2] Promising\n"
        "   [3] Untested – new or innovative\n"
        "   [4] Didn't work"
    )


def test_multi_choice_prompt_explains_commas_and_shows_default_labels():
    """A several-choices field says how to pick several and shows its defaults by label."""
    field = FormField(
        "focus",
        "Focus",
        FieldKind.MULTI_CHOICE,
        options=FOCUS.options,
        default="location,prevention",
    )
    assert render_field_prompt(field, 2, 5).splitlines()[0] == (
        "(2/5) Focus (one or more, e.g. 1,3) [Location, Prevention]:"
    )


def test_text_prompt_without_default_or_requirement_is_just_the_label():
    """An optional text field with no default is asked by its label alone."""
    assert render_field_prompt(COMMENT, 5, 5) == "(5/5) Comment:"


def test_whole_form_completes_with_values_a_modal_would_send():
    """Numbers, labels and defaults become option values; several joined by commas."""
    fill, steps = filled("", "3, prevention", "", "Please add dates.", "")
    assert steps[:4] == [NextField()] * 4
    assert steps[4] == Completed(
        {
            "effectiveness": "promising",
            "focus": "location,prevention",
            "linked_to": "hmicfrs",
            "note": "Please add dates.",
            "comment": "",
        }
    )
    assert fill.done


@pytest.mark.parametrize("typed", ["1", "worked", "WORKED", "  Worked "])
def test_a_choice_is_taken_by_number_label_or_value(typed):
    """One choice may be typed as its number, its label or its value, in any case."""
    fill = FormFill(APPROVE)
    fill.answer(typed)
    assert fill.values["effectiveness"] == "worked"


def test_label_with_spaces_and_dashes_is_a_choice():
    """A long label typed out in full picks its option."""
    fill = FormFill(APPROVE)
    fill.answer("untested – new or innovative")
    assert fill.values["effectiveness"] == "untested"


@pytest.mark.parametrize("typed", ["0", "5", "best", "1,2", "٣"])
def test_a_choice_that_is_not_one_is_asked_again(typed):
    """A number out of range, an unknown word, or several for one choice is asked again."""
    fill = FormFill(APPROVE)
    assert fill.answer(typed) == AskAgain("Type a number from 1 to 4, or the name of a choice.")
    assert fill.index == 0


def test_required_field_without_default_is_insisted_on():
    """An empty line on a required field with no default asks again, saying it is required."""
    fill, steps = filled("", "")
    assert steps[1] == AskAgain("Focus is required: please type an answer.")
    assert fill.field is FOCUS


def test_unknown_part_of_a_multi_choice_is_named():
    """In a several-choices answer, the part that is not a choice is quoted back."""
    _, steps = filled("", "1, bogus")
    assert steps[1] == AskAgain(
        "“bogus” is not a choice. Type a number from 1 to 3, or the name of a choice "
        "(several: separate them with commas)."
    )


def test_multi_choice_repeats_are_kept_once_in_order():
    """Picking the same option twice keeps it once, in the order first typed."""
    fill, _ = filled("", "2,1,2,diversion")
    assert fill.values["focus"] == "diversion,prevention"


def test_none_clears_an_optional_multi_choice_default():
    """`none` (or `-`) sends no choice for an optional field even when it has a default."""
    fill, _ = filled("", "1", "none")
    assert fill.values["linked_to"] == ""


def test_none_is_refused_for_a_required_multi_choice():
    """`none` cannot answer a required several-choices field."""
    _, steps = filled("", "-")
    assert steps[1] == AskAgain("Focus is required: pick at least one.")


def test_text_over_the_limit_is_asked_again():
    """Text longer than the field takes is refused with its length and the limit."""
    _, steps = filled("", "1", "", "x" * 100_000)
    assert steps[3] == AskAgain(
        "That is 100,000 characters; Note to the contributor takes at most 20. Please shorten it."
    )


def test_cancel_leaves_the_form_at_any_field():
    """`/cancel` abandons the form, whatever field is being asked."""
    _, steps = filled("", "/CANCEL")
    assert steps == [NextField(), Cancelled()]


@pytest.mark.parametrize(
    "typed",
    ["@everyone", "<!channel>", "'; DROP TABLE reviews; --", "🔪 جرائم", "*bold* <b>x</b>"],
)
def test_hostile_text_is_kept_as_typed(typed):
    """Text answers travel to the core as typed; escaping is for whoever renders them."""
    fill, _ = filled("", "1", "", typed[:20])
    assert fill.values["note"] == typed[:20]


def test_control_characters_in_labels_are_not_printed():
    """A label or option carrying escape sequences is printed without them."""
    field = FormField(
        "x", "Pick\x1b[2J", FieldKind.CHOICE, options=(("a", "A\x07\u202e"),), default="a"
    )
    assert render_field_prompt(field, 1, 1) == "(1/1) Pick (pick one) [A]:\n   [1] A"
