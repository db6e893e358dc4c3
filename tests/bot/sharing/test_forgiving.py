"""A dialogue that forgives: keep after back, a pause that does not swallow a search, refusals
that say what is accepted, "worked" that needs a measure, one rule for one focus or several,
one list separator, and dialogue words typed outside a draft."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import PracticeBank
from bot.kernel.actions import SubmitShare
from bot.kernel.events import Text
from bot.kernel.replies import Reply
from bot.kernel.settings import CoreSettings
from bot.sharing.dialogue import Answer, Draft, advance, read_move
from bot.sharing.questions import QUESTIONS, Kind
from bot.sharing.validate import read_date
from tests.support.bank import ALICE, ALICE_PLACE, button_ids, button_labels, memory_bank

TITLE = "Doorstep letters against repeat burglary"
TO_EFFECTIVENESS = (
    TITLE,
    "Letters to the neighbours of burgled homes within two days.",
    "Repeat burglary on two estates.",
    "PCSOs delivered letters with crime prevention advice.",
    "prevention",
)


@pytest.fixture
def world():
    return memory_bank()


def said(bank: PracticeBank, line: str) -> list[Reply]:
    return bank.handle(Text(ALICE, ALICE_PLACE, line))


def say(bank: PracticeBank, line: str) -> str:
    replies = said(bank, line)
    assert len(replies) == 1
    return replies[0].plain


def answers(uows) -> dict:
    with uows() as uow:
        (draft,) = uow.submissions.open_for(ALICE.key)
    return draft.answers


def step(uows) -> str | None:
    with uows() as uow:
        conversation = uow.conversations.get(ALICE.key)
    return conversation.step if conversation else None


# --- back, keep ----------------------------------------------------------------------------


def test_back_shows_the_current_answer_and_how_to_keep_it(world):
    """After back the question shows its answer and says keep keeps it."""
    bank, _, _ = world
    say(bank, "share")
    say(bank, TITLE)
    assert say(bank, "back").splitlines()[1:] == [
        f"Current answer: {TITLE}",
        "Type keep to keep it, or type a new answer.",
    ]


@pytest.mark.parametrize("word", ["next", "keep", "Keep", "", "   "])
def test_next_keep_or_an_empty_line_after_back_keeps_the_answer(world, word):
    """`next`, `keep` or an empty line after back keep the answer and ask the next question."""
    bank, uows, _ = world
    say(bank, "share")
    say(bank, TITLE)
    say(bank, "back")
    assert say(bank, word).startswith("Sum it up in a sentence or two")
    assert answers(uows) == {"title": TITLE}


def test_keep_with_no_answer_yet_says_what_the_question_takes(world):
    """`keep` on a required question never answered is refused with what it takes."""
    bank, uows, _ = world
    say(bank, "share")
    assert say(bank, "keep").splitlines()[0] == (
        "There is no answer to keep yet. Title takes a short title of up to 200 characters."
    )
    assert step(uows) == "title"


def test_keep_on_an_optional_question_with_no_answer_skips_it():
    """`next` on an optional question with nothing to keep leaves it out and moves on."""
    draft = Draft(step="region")
    assert advance(draft, read_move(draft, "next")).draft.step == "partners"


# --- the resume offer after a pause ----------------------------------------------------------


def test_a_search_after_a_pause_is_answered_and_the_offer_follows(world):
    """`burglary` after an idle hour is searched; the offer comes after, once, and stays."""
    bank, uows, clock = world
    say(bank, "share")
    say(bank, TITLE)
    clock.at += timedelta(hours=2)

    first = said(bank, "burglary")
    assert first[0].plain.startswith("3 practices for “burglary”")
    assert first[-1].plain.startswith(f"You were in the middle of your draft “{TITLE}”.")
    assert button_ids(first[-1]) == ["share:resume", "share:discard"]
    second = said(bank, "knife crime")
    assert all("share:resume" not in button_ids(r) for r in second)
    assert answers(uows) == {"title": TITLE}
    assert say(bank, "continue").startswith("Welcome back. Here is where you were:")


def test_a_dialogue_word_after_a_pause_carries_on(world):
    """`back` after an idle hour goes back in the draft rather than being searched."""
    bank, uows, clock = world
    say(bank, "share")
    say(bank, TITLE)
    clock.at += timedelta(hours=2)
    assert say(bank, "back").startswith("What is the practice called?")
    assert step(uows) == "title"


def test_the_pause_is_configurable(world):
    """`CoreSettings.draft_resume_after` sets the idle time before the offer."""
    _, uows, clock = world
    bank = PracticeBank(uows, clock, settings=CoreSettings(draft_resume_after=timedelta(days=1)))
    say(bank, "share")
    clock.at += timedelta(hours=5)
    assert say(bank, TITLE).startswith("Sum it up in a sentence or two")


# --- refusals say what is accepted ----------------------------------------------------------


def test_a_sentence_for_a_date_says_which_dates_are_accepted():
    """A date answered with a sentence: not a length, but what a date looks like."""
    outcome = advance(Draft(step="start_date"), Answer("It started in the spring of last year"))
    (notice,) = outcome.notices
    assert "a date like 2024-03 or March 2024" in notice
    assert "characters long" not in notice


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("March 2024", "2024-03-01"),
        ("mar 2024", "2024-03-01"),
        ("2024-03", "2024-03-01"),
        ("3/2024", "2024-03-01"),
        ("1st September 2024", "2024-09-01"),
        ("2024-03-15", "2024-03-15"),
        ("15/3/2024", "2024-03-15"),
    ],
)
def test_a_month_or_a_day_is_a_date(typed, stored):
    """Months (stored as their first day) and days are read as dates."""
    assert read_date(typed) == stored


@pytest.mark.parametrize(
    "question", [q for q in QUESTIONS if q.kind is Kind.TEXT], ids=lambda q: q.field
)
def test_every_question_says_what_it_accepts_when_an_answer_is_refused(question):
    """An empty answer to any free-text question is refused with what the question takes."""
    outcome = advance(Draft(step=question.field), Answer(" "))
    (notice,) = outcome.notices
    assert question.accepts in notice or "such as" in notice
    assert outcome.draft.step == question.field


@pytest.mark.parametrize("field", ["focus", "effectiveness", "visibility"])
def test_choice_questions_list_their_choices_when_refused(field):
    """A typed answer no choice matches is refused with the choices."""
    (notice,) = advance(Draft(step=field), Answer("something else")).notices
    assert notice.startswith("Please pick from: ")


# --- worked needs a measure ------------------------------------------------------------------


def _at_evaluation_after_worked() -> Draft:
    return Draft(step="evaluation", answers={"effectiveness": "worked"}, history=("focus",))


@pytest.mark.parametrize("vague", ["we think so", "It went really well.", "Everyone liked it"])
def test_worked_with_an_evaluation_that_measures_nothing_is_refused(vague):
    """`we think so` after "worked" is refused, saying how it could be measured."""
    outcome = advance(_at_evaluation_after_worked(), Answer(vague))
    assert outcome.draft.step == "evaluation"
    (notice,) = outcome.notices
    assert notice.startswith("You said it worked, so please say how that was measured")


@pytest.mark.parametrize(
    "measured",
    [
        "Repeat calls fell by 30%.",
        "Compared with similar estates, burglary was lower.",
        "A survey of residents before and after.",
        "Recorded crime data for the two years.",
    ],
)
def test_worked_with_a_measure_comparison_or_method_is_accepted(measured):
    """A figure, a comparison or a method is enough to move on."""
    assert advance(_at_evaluation_after_worked(), Answer(measured)).draft.step == "learning"


def test_an_evaluation_that_does_not_measure_is_fine_when_it_did_not_claim_worked():
    """Only "worked" needs the measure: a promising practice may say `we think so`."""
    draft = Draft(step="evaluation", answers={"effectiveness": "promising"})
    assert advance(draft, Answer("we think so")).draft.step == "learning"


def test_submitting_worked_with_a_vague_evaluation_reopens_it():
    """A vague evaluation kept through an edit is caught at submit, at the evaluation."""
    draft = Draft(step="review", answers={"effectiveness": "worked", "evaluation": "we think so"})
    outcome = advance(draft, SubmitShare())
    assert (outcome.draft.step, outcome.draft.editing) == ("evaluation", True)
    assert outcome.notices[0].startswith("You said it worked")


# --- multi-choice, one value or several ------------------------------------------------------


@pytest.mark.parametrize("typed", ["prevention", "prevention, diversion", "prevention; diversion"])
def test_one_typed_focus_value_moves_on_like_several(world, typed):
    """Typed focus moves on to the rating whether it names one value or several."""
    bank, uows, _ = world
    say(bank, "share")
    for line in TO_EFFECTIVENESS[:-1]:
        say(bank, line)
    assert say(bank, typed).startswith("As you see it, did it work?")
    assert answers(uows)["focus"][0] == "prevention"


def test_focus_buttons_look_like_boxes_to_tick(world):
    """The focus buttons show a box (☐) until ticked (✓), then Done moves on."""
    bank, _, _ = world
    say(bank, "share")
    for line in TO_EFFECTIVENESS[:-1]:
        asked = said(bank, line)[0]
    assert button_labels(asked)[:6] == [
        "☐ Prevention",
        "☐ Diversion",
        "☐ Reoffending",
        "☐ Organisational",
        "☐ Location",
        "Done",
    ]


# --- one list separator ----------------------------------------------------------------------


def test_topics_take_commas_and_semicolons_alike():
    """`knife crime; youth, gangs` gives three topics, and the hint says both work."""
    outcome = advance(Draft(step="topics"), Answer("knife crime; youth, gangs"))
    assert outcome.draft.answers["topics"] == ["knife crime", "youth", "gangs"]
    topics = next(q for q in QUESTIONS if q.field == "topics")
    assert "commas or semicolons" in topics.hint


# --- dialogue words outside a draft ----------------------------------------------------------


@pytest.mark.parametrize(
    "word", ["back", "skip", "edit title", "submit", "keep", "Done", "/back", "cancel"]
)
def test_dialogue_words_outside_a_draft_get_a_hint_and_no_search(world, word):
    """`back`, `edit title`... with no draft: a short hint, no search, nothing in the gaps."""
    bank, uows, _ = world
    reply = say(bank, word)
    assert reply.startswith(f"“{word.lstrip('/').casefold()}” works while you are sharing")
    assert "Type share to start one" in reply
    with uows() as uow:
        assert uow.searches.zero_result_texts(ALICE.workspace) == []
        assert uow.searches.latest_for(ALICE) is None


@pytest.mark.parametrize("word", ["approve", "reject", "request changes"])
def test_moderation_words_outside_a_card_point_to_the_buttons(world, word):
    """`approve` typed is not searched: the hint points to the card's buttons and `queue`."""
    bank, uows, _ = world
    reply = say(bank, word)
    assert reply.startswith(f"“{word}” is done with the buttons on a submission's card")
    with uows() as uow:
        assert uow.searches.latest_for(ALICE) is None


def test_a_search_starting_with_a_dialogue_word_is_still_a_search(world):
    """`back pain clinics` or `editing guidelines` are searches, not dialogue words."""
    bank, uows, _ = world
    said(bank, "skip hire theft")
    with uows() as uow:
        latest = uow.searches.latest_for(ALICE)
    assert latest is not None and latest.text == "skip hire theft"
