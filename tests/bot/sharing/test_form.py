"""The compact sharing form: five long answers at once, feeding the same draft as the dialogue."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core import PracticeBank
from bot.kernel import actions
from bot.kernel.actions import ShareForm
from bot.kernel.events import Actor, Click, Command, FormSubmit, Text
from bot.kernel.records import Conversation, SubmissionState
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Buttons,
    FieldKind,
    Form,
    FormField,
    Paragraph,
    Reply,
)
from bot.sharing.validate import CONTROL_REASON
from tests.support.bank import ALICE, ALICE_PLACE, button_ids, button_labels, memory_bank
from tests.support.hostile import HOSTILE_ANSWERS

BOB = Actor("slack", "T-PUBLIC", "U-BOB2", "Bob")

VALUES = {
    "title": "Doorstep letters against repeat burglary",
    "summary": "Letters to the neighbours of burgled homes within two days.",
    "aim": "Repeat burglary on two estates; the aim was fewer repeat victims.",
    "description": "PCSOs delivered letters\n\nwith crime prevention advice.",
    "learning": "Deliver quickly: the risk is highest in the first week.",
}
FOCUS_QUESTION = (
    "Where does it intervene? Pick one or more, then press Done.  (5/21)\n"
    "You can also type them, e.g. prevention, diversion."
)


def form_with(errors: dict[str, str] | None = None, **defaults: str) -> Form:
    """The sharing form as the core sends it, with these defaults (and refusals per field)."""
    form = _form_with(**defaults)
    fields = tuple(replace(f, error=(errors or {}).get(f.name, "")) for f in form.fields)
    return replace(form, fields=fields)


def _form_with(**defaults: str) -> Form:
    return Form(
        "share:form",
        "Share a practice",
        (
            FormField(
                "title",
                "Title",
                FieldKind.TEXT,
                True,
                default=defaults.get("title", ""),
                max_length=200,
            ),
            FormField(
                "summary",
                "Summary",
                FieldKind.LONG_TEXT,
                True,
                default=defaults.get("summary", ""),
                max_length=300,
            ),
            FormField(
                "aim",
                "Problem and aim",
                FieldKind.LONG_TEXT,
                True,
                default=defaults.get("aim", ""),
                max_length=3000,
            ),
            FormField(
                "description",
                "What was done",
                FieldKind.LONG_TEXT,
                True,
                default=defaults.get("description", ""),
                max_length=3000,
            ),
            FormField(
                "learning",
                "Learning",
                FieldKind.LONG_TEXT,
                True,
                default=defaults.get("learning", ""),
                max_length=3000,
            ),
        ),
        "Continue",
    )


INTRO = (
    "The long answers in one form: title, summary, problem and aim, what was done, and "
    "learning. I'll ask the rest (focus, effectiveness, contact…) one at a time after."
)


@pytest.fixture
def world():
    return memory_bank()


@pytest.fixture
def bank(world) -> PracticeBank:
    return world[0]


@pytest.fixture
def uows(world):
    return world[1]


def one(replies: list[Reply]) -> Reply:
    assert len(replies) == 1
    return replies[0]


def say(bank: PracticeBank, line: str, actor: Actor = ALICE) -> Reply:
    return one(bank.handle(Text(actor, ALICE_PLACE, line)))


def click(bank: PracticeBank, action: str, actor: Actor = ALICE) -> Reply:
    return one(bank.handle(Click(actor, ALICE_PLACE, action)))


def send(bank: PracticeBank, values: dict[str, object], actor: Actor = ALICE) -> Reply:
    return one(bank.handle(FormSubmit(actor, ALICE_PLACE, "share:form", values)))  # type: ignore[arg-type]


def forms(reply: Reply) -> list[Form]:
    return [b for b in reply.blocks if isinstance(b, Form)]


def conversation(uows, actor: Actor = ALICE) -> Conversation | None:
    return uows.state.conversations.get(actor.key)


def submissions(uows) -> list:
    return sorted(uows.state.submissions.values(), key=lambda s: s.id)


# --- asking for the form --------------------------------------------------------------------------


def test_share_form_action_id_round_trips():
    """`share:form` decodes to the form action and encodes back to the same id."""
    assert actions.decode("share:form") == ShareForm()
    assert actions.encode_share(ShareForm()) == "share:form"
    assert actions.is_share_action(ShareForm())


@pytest.mark.parametrize("line", ["share form", "SHARE  Form", "/practice share form"])
def test_typed_share_form_answers_with_the_empty_form_and_opens_no_draft(bank, uows, line):
    """`share form` answers with the form (and a button to open it); no draft exists yet."""
    reply = say(bank, line)
    assert reply.blocks == (
        Paragraph(reply.blocks[0].spans),
        Buttons((Action("share:form", "Open the form", ActionStyle.PRIMARY),)),
        form_with(),
    )
    assert reply.plain == INTRO
    assert submissions(uows) == []


def test_slash_command_share_form_answers_with_the_form(bank):
    """`/practice share form` as a platform command answers with the same form."""
    reply = one(bank.handle(Command(ALICE, ALICE_PLACE, "practice", "share form")))
    assert forms(reply) == [form_with()]


def test_the_dialogue_start_offers_the_form_button_which_answers_with_the_form(bank):
    """The first message of sharing offers *Fill in a form instead*; pressing it gives the form."""
    start = say(bank, "share")
    assert button_labels(start)[0] == "Fill in a form instead"
    assert button_ids(start)[0] == "share:form"
    assert forms(click(bank, "share:form")) == [form_with()]


def test_share_form_with_a_draft_in_progress_is_prefilled_from_it(bank):
    """A draft's answers so far fill the form, so it continues that draft."""
    say(bank, "share")
    say(bank, VALUES["title"])
    assert forms(say(bank, "share form")) == [form_with(title=VALUES["title"])]


def test_typed_share_form_mid_draft_is_not_taken_as_an_answer(bank, uows):
    """`share form` typed at the title question gives the form; the title stays unanswered."""
    say(bank, "share")
    assert forms(say(bank, "share form")) == [form_with()]
    assert conversation(uows).step == "title"
    assert submissions(uows)[0].answers == {}


# --- sending it ---------------------------------------------------------------------------------


def test_sent_form_opens_one_draft_and_asks_the_focus_next(bank, uows):
    """Without a draft, the form opens one with its answers and the dialogue asks the focus."""
    reply = send(bank, VALUES)
    assert reply.plain == "Thanks, those answers are saved in your draft.\n" + FOCUS_QUESTION
    (draft,) = submissions(uows)
    assert draft.state is SubmissionState.DRAFT
    assert draft.contributor_key == ALICE.key
    assert draft.answers == VALUES
    found = conversation(uows)
    assert found.step == "focus"
    assert found.data["history"] == ["title", "summary", "aim", "description"]
    assert found.data["filled"] == ["title", "summary", "aim", "description", "learning"]


def test_sent_form_fills_the_open_draft_rather_than_a_second_one(bank, uows):
    """With a draft open at the title, the form fills that same draft."""
    say(bank, "share")
    send(bank, VALUES)
    (draft,) = submissions(uows)
    assert draft.id == 1
    assert draft.answers == VALUES
    assert conversation(uows).step == "focus"


def test_replayed_form_changes_nothing_more(bank, uows):
    """The same form sent twice (a double click) leaves one draft at the same question."""
    first = send(bank, VALUES)
    again = send(bank, VALUES)
    assert again == first
    assert len(submissions(uows)) == 1
    assert conversation(uows).step == "focus"


def test_first_pass_passes_by_the_learning_the_form_answered(bank, uows):
    """After effectiveness and evaluation the dialogue asks the organisation, not learning."""
    send(bank, VALUES)
    click(bank, "share:pick:prevention")
    click(bank, "share:done")
    click(bank, "share:pick:promising")
    reply = click(bank, "share:skip")
    assert conversation(uows).step == "organisation"
    assert reply.plain.startswith("Which force or organisation ran it?")


def test_back_from_the_focus_reopens_what_was_done(bank, uows):
    """`back` after the form reopens its last answer, which then leads to the focus again."""
    send(bank, VALUES)
    reply = say(bank, "back")
    assert conversation(uows).step == "description"
    assert "Current answer: PCSOs delivered letters" in reply.plain
    say(bank, "PCSOs delivered letters door to door.")
    assert conversation(uows).step == "focus"


def test_form_sent_later_in_the_dialogue_keeps_its_place(bank, uows):
    """A draft already at the organisation question stays there; the form's answers replace."""
    say(bank, "share")
    for line in ("Old title", "Old summary.", "Old aim.", "Old description."):
        say(bank, line)
    click(bank, "share:pick:diversion")
    click(bank, "share:done")
    click(bank, "share:pick:worked")
    say(bank, "Evaluated by the university.")
    say(bank, "Old learning.")
    assert conversation(uows).step == "organisation"
    send(bank, VALUES)
    assert conversation(uows).step == "organisation"
    answers = submissions(uows)[0].answers
    assert {k: answers[k] for k in VALUES} == VALUES
    assert answers["focus"] == ["diversion"]


def test_form_sent_at_the_review_returns_to_the_review(bank, uows):
    """A complete draft sent through the form again goes back to its review card."""
    send(bank, VALUES)
    click(bank, "share:pick:prevention")
    click(bank, "share:done")
    click(bank, "share:pick:promising")
    click(bank, "share:skip")
    for line in ("Example Police", "Pat Lee", "pat.lee@example.police.uk"):
        say(bank, line)
    while conversation(uows).step not in ("visibility", "review"):
        say(bank, "skip")
    click(bank, "share:pick:public")
    assert conversation(uows).step == "review"
    reply = send(bank, {**VALUES, "title": "A better title"})
    assert conversation(uows).step == "review"
    assert "Please check your practice" in reply.plain


def test_whole_path_from_form_to_submission(bank, uows):
    """Form, then the remaining questions, then submit: the moderators get every answer."""
    send(bank, VALUES)
    click(bank, "share:pick:prevention")
    click(bank, "share:done")
    click(bank, "share:pick:promising")
    click(bank, "share:skip")
    for line in ("Example Police", "Pat Lee", "pat.lee@example.police.uk"):
        say(bank, line)
    while conversation(uows).step != "visibility":
        say(bank, "skip")
    click(bank, "share:pick:public")
    reply = click(bank, "share:submit")
    assert reply.plain.startswith("Thanks — S-0001 is with the moderators.")
    (sent,) = submissions(uows)
    assert sent.state is SubmissionState.SUBMITTED
    assert {k: sent.answers[k] for k in VALUES} == VALUES


# --- refusals -----------------------------------------------------------------------------------


def test_refused_form_comes_back_with_reasons_and_what_was_typed(bank, uows):
    """Two bad fields: the reasons are listed and the form returns with every value kept."""
    typed = {**VALUES, "title": "   ", "summary": "y" * 301}
    reply = send(bank, typed)
    assert reply.plain == (
        "Please check these answers: nothing you typed is lost.\n"
        "Title: That answer is empty.\n"
        "Summary: That is 301 characters long; this answer can be at most 300. "
        "Please shorten it."
    )
    errors = {
        "title": "That answer is empty.",
        "summary": (
            "That is 301 characters long; this answer can be at most 300. Please shorten it."
        ),
    }
    assert forms(reply) == [form_with(errors, **{**VALUES, "title": "", "summary": "y" * 300})]
    assert submissions(uows) == []
    assert conversation(uows) is None


def test_refused_form_leaves_the_open_draft_untouched(bank, uows):
    """A refused form changes nothing in the draft in progress."""
    say(bank, "share")
    say(bank, "Kept title")
    send(bank, {**VALUES, "learning": ""})
    assert submissions(uows)[0].answers == {"title": "Kept title"}
    assert conversation(uows).step == "summary"


@pytest.mark.parametrize("values", [{}, {"title": None, "summary": 7, "aim": ["x"]}])
def test_missing_or_non_text_values_are_refused_as_empty(bank, uows, values):
    """Absent or non-text values (a forged payload) read as empty answers, never a crash."""
    reply = send(bank, values)
    assert reply.plain.count("That answer is empty.") == 5
    empty = dict.fromkeys(
        ("title", "summary", "aim", "description", "learning"), "That answer is empty."
    )
    assert forms(reply) == [form_with(empty)]
    assert submissions(uows) == []


@pytest.mark.parametrize("hostile", HOSTILE_ANSWERS)
def test_hostile_title_is_refused_or_kept_exactly_as_the_dialogue_would(bank, uows, hostile):
    """Each hostile title meets the dialogue's own rule; what is kept is stored as typed."""
    reply = send(bank, {**VALUES, "title": hostile})
    stripped = " ".join(hostile.split())
    if not stripped:
        assert reply.plain.splitlines()[1] == "Title: That answer is empty."
        assert forms(reply)[0].fields[0].default == ""
    elif len(stripped) > 200:
        assert reply.plain.splitlines()[1].startswith("Title: That is 100,000 characters long")
        assert forms(reply)[0].fields[0].default == "x" * 200
    elif "\x07" in hostile:
        assert reply.plain.splitlines()[1] == f"Title: {CONTROL_REASON}"
        assert forms(reply)[0].fields[0].default == "bell and [2J escape"
    else:
        assert submissions(uows)[0].answers["title"] == stripped
        assert conversation(uows).step == "focus"
        return
    assert submissions(uows) == []


@pytest.mark.parametrize("hostile", HOSTILE_ANSWERS[3:])
def test_hostile_long_answers_are_stored_as_typed(bank, uows, hostile):
    """Emoji, right-to-left text, SQL and mention markup in every long field are kept verbatim."""
    values = {name: hostile for name in ("summary", "aim", "description", "learning")}
    send(bank, {**VALUES, **values})
    answers = submissions(uows)[0].answers
    assert [answers[name] for name in values] == [hostile] * 4


# --- whose draft --------------------------------------------------------------------------------


def test_form_from_another_person_never_reaches_someone_elses_draft(bank, uows):
    """Bob's form opens Bob's own draft; Alice's draft keeps her answers."""
    say(bank, "share")
    say(bank, "Alice's title")
    send(bank, VALUES, actor=BOB)
    alice, bob = submissions(uows)
    assert (alice.contributor_key, alice.answers) == (ALICE.key, {"title": "Alice's title"})
    assert (bob.contributor_key, bob.answers) == (BOB.key, VALUES)
    assert conversation(uows).step == "summary"
    assert conversation(uows, BOB).step == "focus"


def test_form_while_in_another_dialogue_is_refused_politely(bank, uows):
    """A person busy with another dialogue (not sharing) gets told so, and nothing is stored."""
    with uows() as uow:
        uow.conversations.save(Conversation(ALICE.key, "other", "x", {}, None))
        uow.commit()
    assert send(bank, VALUES).plain == (
        "You are in the middle of something else with me; finish that first."
    )
    assert say(bank, "share form").plain == (
        "You are in the middle of something else with me; finish that first."
    )
    assert submissions(uows) == []
