"""The sharing dialogue's pure rules: reading answers, moving between steps, and hostile input."""

from __future__ import annotations

import pytest

from bot.kernel import actions
from bot.kernel.actions import (
    CancelShare,
    EditAnswer,
    FinishChoices,
    PickAnswer,
    PreviousQuestion,
    ReviseSubmission,
    ShareHelp,
    SkipQuestion,
    StartShare,
    SubmitShare,
    UpdatePractice,
)
from bot.kernel.domain import Focus
from bot.sharing.answers import answers_from_practice, practice_from_answers
from bot.sharing.dialogue import (
    CONFIRM_CANCEL,
    REVIEW,
    Answer,
    Draft,
    Effect,
    advance,
    first_step,
    read_move,
)
from bot.sharing.questions import BY_FIELD, ORDER, QUESTIONS, Kind, missing, read_answer
from bot.sharing.similar import similar_practices
from bot.sharing.validate import Invalid, parse_date
from tests.support.hostile import HOSTILE_ANSWERS

COMPLETE = {
    "title": "Doorstep letters against repeat burglary",
    "summary": "Letters to neighbours of burgled homes.",
    "aim": "Repeat burglary in two estates.",
    "description": "PCSOs delivered letters within 48 hours.",
    "focus": ["prevention", "location"],
    "effectiveness": "promising",
    "learning": "Deliver quickly.",
    "organisation": "Example Police",
    "contact_name": "Pat Lee",
    "contact_email": "pat.lee@example.police.uk",
    "visibility": "public",
}


def at(step: str, **answers) -> Draft:
    return Draft(step=step, answers={**COMPLETE, **answers})


# --- reading typed text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "move"),
    [
        ("back", PreviousQuestion()),
        (" BACK ", PreviousQuestion()),
        ("skip", SkipQuestion()),
        ("cancel", CancelShare()),
        ("help", ShareHelp()),
        ("back in 2019 we started", Answer("back in 2019 we started")),
        ("submit again later", Answer("submit again later")),
        ("edit the leaflet", Answer("edit the leaflet")),
    ],
)
def test_commands_are_whole_messages(raw, move):
    """A command is the whole message; an answer starting with a command word stays an answer."""
    assert read_move(Draft(step="title"), raw) == move


def test_submit_and_edit_are_read_at_the_review():
    """At the review, `submit` and `edit <field>` are commands."""
    assert read_move(Draft(step=REVIEW), "Submit") == SubmitShare()
    assert read_move(Draft(step=REVIEW), "edit contact email") == EditAnswer("contact email")


@pytest.mark.parametrize("raw", ["submit", " Submit ", "SEND"])
def test_submit_typed_at_a_question_is_the_command_not_the_answer(raw):
    """`submit` alone at a free-text question submits (or says what is missing), never answers."""
    move = read_move(Draft(step="title"), raw)
    outcome = advance(Draft(step="title"), move)
    assert "title" not in outcome.draft.answers
    assert outcome.notices[0].startswith("I read “")
    assert outcome.notices[1].startswith("Before submitting, I still need: title, summary")


def test_submit_at_an_optional_question_of_a_complete_draft_submits():
    """With every required answer given, `submit` at a later question sends the draft."""
    draft = Draft(step="region", answers=COMPLETE)
    outcome = advance(draft, read_move(draft, "submit"))
    assert outcome.effect is Effect.SUBMIT
    assert "region" not in outcome.draft.answers


def test_edit_a_field_typed_at_a_question_opens_that_field():
    """`edit title` at the summary question reopens the title instead of becoming the summary."""
    draft = Draft(step="summary", answers={"title": "Old"}, history=("title",))
    outcome = advance(draft, read_move(draft, "edit title"))
    assert (outcome.draft.step, outcome.draft.editing) == ("title", True)
    assert outcome.draft.answers == {"title": "Old"}
    assert 'type it in quotes: "edit title"' in outcome.notices[0]


@pytest.mark.parametrize("raw", ["done", "edit", "Done"])
def test_a_word_meaning_nothing_here_is_asked_about_not_stored(raw):
    """`done` at a question without choices, or `edit` alone, is neither stored nor acted on."""
    draft = Draft(step="title")
    outcome = advance(draft, read_move(draft, raw))
    assert outcome.draft == draft
    assert outcome.notices == (
        f"“{raw.casefold()}” is a dialogue word, so I didn't take it as your answer. "
        f'To give “{raw.casefold()}” as your answer, type it in quotes: "{raw.casefold()}".',
    )


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ('"submit"', "submit"),
        ("“Submit”", "Submit"),
        ("'back'", "back"),
        ('"edit title"', "edit title"),
        ('"Operation Sceptre"', '"Operation Sceptre"'),
        ('"', '"'),
    ],
)
def test_a_quoted_dialogue_word_is_the_answer(raw, title):
    """Quotes make a dialogue word a literal answer; other quoted answers keep their quotes."""
    draft = Draft(step="title")
    outcome = advance(draft, read_move(draft, raw))
    assert outcome.draft.answers == {"title": title}
    assert outcome.draft.step == "summary"


def test_yes_and_no_answer_the_cancel_confirmation():
    """At the confirmation, yes and no confirm or decline."""
    assert read_move(Draft(step=CONFIRM_CANCEL), "yes") == CancelShare(confirmed=True)
    assert read_move(Draft(step=CONFIRM_CANCEL), "No") == CancelShare(confirmed=False)


def test_done_finishes_a_multi_choice():
    """`done` finishes picking focus options."""
    assert read_move(Draft(step="focus"), "done") == FinishChoices()


# --- moving -------------------------------------------------------------------------------------


def test_an_answer_moves_to_the_next_question_and_remembers_the_way_back():
    """Answering the title stores it and asks the summary; back returns to the title."""
    outcome = advance(Draft(step="title"), Answer("  Doorstep   letters "))
    assert outcome.draft == Draft(
        step="summary", answers={"title": "Doorstep letters"}, history=("title",)
    )
    assert advance(outcome.draft, PreviousQuestion()).draft.step == "title"


def test_back_at_the_first_question_says_so():
    """There is nothing before the first question."""
    outcome = advance(Draft(step="title"), PreviousQuestion())
    assert (outcome.draft.step, outcome.notices) == ("title", ("This is the first question.",))


def test_required_questions_cannot_be_skipped():
    """Skipping a required question is refused with the reason."""
    outcome = advance(Draft(step="learning"), SkipQuestion())
    assert outcome.draft.step == "learning"
    assert outcome.notices == ("Learning is required, so it can't be skipped.",)


def test_optional_questions_can_be_skipped():
    """Skipping an optional question clears it and moves on."""
    outcome = advance(Draft(step="region", answers={"region": "Kent"}), SkipQuestion())
    assert (outcome.draft.step, outcome.draft.answers) == ("partners", {})


def test_worked_makes_the_evaluation_required():
    """Claiming it worked asks for the evaluation and refuses to skip it."""
    after = advance(Draft(step="effectiveness"), PickAnswer("worked")).draft
    assert after.step == "evaluation"
    refused = advance(after, SkipQuestion())
    assert refused.draft.step == "evaluation"
    assert refused.notices == ("You said it worked, so the evaluation can't be skipped.",)


def test_evaluation_is_optional_otherwise():
    """With any other rating the evaluation can be skipped."""
    after = advance(Draft(step="effectiveness"), PickAnswer("didnt_work")).draft
    assert advance(after, SkipQuestion()).draft.step == "learning"


def test_changing_the_rating_to_worked_from_review_asks_for_the_evaluation():
    """An edit that makes the evaluation required asks it before returning to the review."""
    editing = advance(at(REVIEW), EditAnswer("rating")).draft
    after = advance(editing, Answer("worked")).draft
    assert (after.step, after.editing) == ("evaluation", True)
    back_at_review = advance(after, Answer("Before/after counts.")).draft
    assert (back_at_review.step, back_at_review.editing) == (REVIEW, False)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("promising", "promising"),
        ("2", "promising"),
        ("Didn't work", "didnt_work"),
        ("untested", "untested"),
        ("WORKED", "worked"),
    ],
)
def test_choices_are_read_by_number_value_or_label(typed, value):
    """Effectiveness can be typed as a number, a value or a label."""
    assert advance(Draft(step="effectiveness"), Answer(typed)).draft.answers == {
        "effectiveness": value
    }


def test_multi_choice_buttons_toggle_and_done_moves_on():
    """Focus buttons toggle options; Done needs one and moves on."""
    draft = Draft(step="focus")
    assert advance(draft, FinishChoices()).notices == ("Pick at least one first.",)
    draft = advance(draft, PickAnswer("location")).draft
    draft = advance(draft, PickAnswer("prevention")).draft
    draft = advance(draft, PickAnswer("location")).draft
    assert draft.answers == {"focus": ["prevention"]}
    assert advance(draft, FinishChoices()).draft.step == "effectiveness"


def test_multi_choice_can_be_typed():
    """Typed focus options are stored in the table's order."""
    outcome = advance(Draft(step="focus"), Answer("location and 1"))
    assert outcome.draft.answers == {"focus": ["prevention", "location"]}


def test_a_stale_choice_button_is_refused():
    """A choice button from another question does not answer this one."""
    outcome = advance(Draft(step="title"), PickAnswer("worked"))
    assert outcome.notices == ("That button belongs to an earlier question.",)
    assert outcome.draft == Draft(step="title")


def test_sensitive_tactics_mark_the_practice_restricted():
    """Yes to the police-tactics question stores restricted visibility."""
    outcome = advance(Draft(step="visibility"), Answer("yes"))
    assert outcome.draft.answers == {"visibility": "restricted"}
    assert practice_from_answers(outcome.draft.answers, "S-0001").is_restricted


def test_cancel_asks_and_no_returns_to_the_question():
    """Cancel asks to confirm; declining returns to where the person was."""
    asking = advance(Draft(step="summary"), CancelShare()).draft
    assert (asking.step, asking.before_cancel) == (CONFIRM_CANCEL, "summary")
    declined = advance(asking, CancelShare(confirmed=False))
    assert (declined.draft.step, declined.notices) == ("summary", ("Carrying on.",))
    assert advance(asking, CancelShare(confirmed=True)).effect is Effect.DISCARD


def test_other_text_at_the_confirmation_asks_again():
    """Anything but yes or no at the confirmation repeats the question."""
    asking = advance(Draft(step="summary"), CancelShare()).draft
    outcome = advance(asking, Answer("maybe"))
    assert outcome.draft == asking
    assert outcome.notices == ("Please answer yes to discard the draft, or no to keep going.",)


def test_help_keeps_the_step():
    """Help explains and stays on the question."""
    outcome = advance(Draft(step="summary"), ShareHelp())
    assert (outcome.draft, outcome.effect) == (Draft(step="summary"), Effect.HELP)


def test_edit_from_review_returns_to_review():
    """An edited answer goes back to the review."""
    editing = advance(at(REVIEW), EditAnswer("email")).draft
    assert (editing.step, editing.editing) == ("contact_email", True)
    done = advance(editing, Answer("new@example.org")).draft
    assert (done.step, done.answers["contact_email"]) == (REVIEW, "new@example.org")


def test_back_while_editing_returns_to_review_unchanged():
    """Back from an edit leaves the answer as it was."""
    editing = advance(at(REVIEW), EditAnswer("summary")).draft
    assert advance(editing, PreviousQuestion()).draft == at(REVIEW)


def test_editing_an_unknown_field_lists_the_fields():
    """`edit` of something that is not a field says which fields exist."""
    outcome = advance(at(REVIEW), EditAnswer("x" * 500))
    assert outcome.draft == at(REVIEW)
    assert outcome.notices[0].startswith(f"I don't know “{'x' * 40}” to edit. Type edit and one")


def test_submit_asks_for_what_is_missing():
    """Submitting an incomplete draft asks the first missing question."""
    outcome = advance(Draft(step=REVIEW, answers={"title": "T"}), SubmitShare())
    assert outcome.effect is Effect.NONE
    assert outcome.draft.step == "summary"
    assert outcome.notices[0].startswith("Before submitting, I still need: summary, problem")


def test_submit_of_a_complete_draft():
    """A complete draft is submitted."""
    assert advance(at(REVIEW), SubmitShare()).effect is Effect.SUBMIT


def test_the_last_question_leads_to_the_review():
    """After the police-tactics question comes the review."""
    draft = Draft(
        step="visibility", answers={k: v for k, v in COMPLETE.items() if k != "visibility"}
    )
    assert advance(draft, Answer("no")).draft.step == REVIEW


def test_end_date_before_start_is_refused():
    """An end date before the start date is refused with both dates."""
    outcome = advance(at("end_date", start_date="2024-05-01"), Answer("1/1/2024"))
    assert outcome.notices == ("The end date 2024-01-01 is before the start date 2024-05-01.",)
    assert "end_date" not in outcome.draft.answers


def test_an_update_starts_at_the_first_missing_answer_or_the_review():
    """A pre-filled update asks what is missing first, else goes straight to the review."""
    assert first_step(COMPLETE) == Draft(step=REVIEW, answers=COMPLETE)
    partial = {k: v for k, v in COMPLETE.items() if k != "learning"}
    assert first_step(partial) == Draft(step="learning", answers=partial, editing=True)
    assert first_step({}) == Draft(step="title")


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "reason"),
    [
        ("title", "   ", "That answer is empty."),
        ("title", "t" * 201, "That is 201 characters long; this answer can be at most 200."),
        ("summary", "s" * 301, "That is 301 characters long; this answer can be at most 300."),
        ("contact_email", "pat@", "That doesn't look like an email address."),
        ("contact_email", "pat lee@example.org", "That doesn't look like an email address."),
        ("links", "javascript:alert(1)", "Links must be web addresses starting with http://"),
        ("links", "ftp://example.org/x", "Links must be web addresses starting with http://"),
        ("start_date", "31/02/2024", "I can't read that as a date."),
        ("start_date", "yesterday", "I can't read that as a date."),
        ("start_date", "1/1/1066", "Please give a date between 1900 and 2100."),
        ("title", "a\x00b", "That answer contains control characters"),
    ],
)
def test_invalid_answers_say_why(field, raw, reason):
    """Each kind of bad answer is refused with a reason the person can act on."""
    value = read_answer(BY_FIELD[field], raw)
    assert isinstance(value, Invalid)
    assert value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        ("start_date", "2024-03-01", "2024-03-01"),
        ("start_date", "1/3/2024", "2024-03-01"),
        (
            "links",
            "https://a.example/x, http://b.example",
            ["https://a.example/x", "http://b.example"],
        ),
        ("topics", "knife crime; ASB, knife crime\nYouth", ["knife crime", "ASB", "Youth"]),
        ("description", "Line one  \r\n\r\n\r\n\tLine two", "Line one\n\nLine two"),
        ("contact_email", " pat.lee@example.police.uk ", "pat.lee@example.police.uk"),
    ],
)
def test_valid_answers_are_normalised(field, raw, value):
    """Dates become ISO, lists are split and deduplicated, text is tidied."""
    assert read_answer(BY_FIELD[field], raw) == value


def test_day_first_dates():
    """1/3/2024 is the first of March, as people write it in the UK."""
    assert parse_date("1/3/2024").isoformat() == "2024-03-01"


@pytest.mark.parametrize("field", ORDER)
@pytest.mark.parametrize("raw", HOSTILE_ANSWERS, ids=range(len(HOSTILE_ANSWERS)))
def test_hostile_input_at_every_question(field, raw):
    """Every question answers hostile text with a stored value or a reason, never a crash."""
    outcome = advance(Draft(step=field, answers=dict(COMPLETE)), Answer(raw))
    stored = outcome.draft.answers.get(field)
    if outcome.notices:
        assert outcome.draft.step == field
        assert outcome.draft.answers == COMPLETE
    else:
        assert outcome.draft.step != field
        assert stored is not None
    if "\x07" in raw or raw == "" or len(raw) > 10_000:
        assert outcome.notices  # control characters, empty and huge answers are refused


def test_mentions_are_stored_as_text():
    """Mentions and markup are kept verbatim: renderers escape them."""
    raw = "<!channel> @everyone <b>hi</b>"
    assert advance(Draft(step="title"), Answer(raw)).draft.answers == {"title": raw}


def test_questions_table_is_consistent():
    """Choice questions have choices; the required set is the one the brief names."""
    assert all(bool(q.choices) == (q.kind is not Kind.TEXT) for q in QUESTIONS)
    assert missing({}) == [
        "title",
        "summary",
        "aim",
        "description",
        "focus",
        "effectiveness",
        "learning",
        "organisation",
        "contact_name",
        "contact_email",
        "visibility",
    ]


# --- answers and practices ----------------------------------------------------------------------


def test_answers_round_trip_through_a_practice():
    """A practice's answers rebuild the same practice fields."""
    answers = {**COMPLETE, "start_date": "2024-03-01", "links": ["https://a.example"]}
    practice = practice_from_answers(answers, "S-0007")
    assert answers_from_practice(practice) == answers


def test_damaged_answers_still_make_a_card():
    """Unknown or malformed stored values are dropped instead of failing."""
    practice = practice_from_answers(
        {"effectiveness": "magic", "focus": ["nope", "diversion"], "start_date": "2024-13-40"},
        "S-0001",
    )
    assert (practice.title, practice.effectiveness.value, practice.focus, practice.start_date) == (
        "(untitled)",
        "untested",
        (Focus.DIVERSION,),
        None,
    )


def test_similar_titles_ignore_word_order():
    """Titles with the same words in another order are similar; unrelated ones are not."""
    practices = [
        practice_from_answers({**COMPLETE, "title": t}, f"PB00{i}")
        for i, t in enumerate(["Nudging down burglary", "Victim feedback panel", "Jetski ASB"])
    ]
    assert [p.ref for p in similar_practices("Nudging burglary down", practices)] == ["PB000"]
    assert similar_practices("Operation Alpha", practices) == []


# --- action ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        StartShare(),
        SubmitShare(),
        CancelShare(),
        CancelShare(confirmed=True),
        CancelShare(confirmed=False),
        PickAnswer("didnt_work"),
        EditAnswer("contact_email"),
        UpdatePractice("PB012"),
        ReviseSubmission(42),
    ],
)
def test_sharing_action_ids_round_trip(action):
    """Every sharing action decodes back from its id."""
    assert actions.decode(actions.encode_share(action)) == action


@pytest.mark.parametrize(
    "raw",
    [
        "share:pick:",
        "share:pick:DROP TABLE",
        "share:edit:../../etc",
        "share:update:PB12x",
        "share:revise:0",
        "share:revise:-1",
        "share:revise:99999999999999999999",
        "share:cancel:maybe",
        "share:submit:1",
        "share:pick:" + "a" * 80,
    ],
)
def test_forged_sharing_ids_decode_to_nothing(raw):
    """Malformed sharing ids are unknown, never an exception."""
    assert actions.decode(raw) is None
