"""Moderators' decisions: forms, approve / request changes / reject, refusals, hostile notes."""

from __future__ import annotations

import logging

import pytest

from bot.kernel.records import Decision, SubmissionState
from bot.kernel.replies import FieldKind, PracticeCard
from tests.bot.moderation.helpers import (
    EVE,
    MOIRA,
    OUTSIDER,
    RAJ,
    add_submission,
    click,
    form_of,
    has_buttons,
    make_world,
    outbox,
    say,
    send_form,
    to_channel,
    to_person,
)
from tests.support.bank import ALICE, button_ids

APPROVE = {"effectiveness": "promising", "focus": "prevention", "topics": "cycle theft"}
HOSTILE_NOTES = [
    "@everyone <!channel> please fix",
    "<script>alert(1)</script> *bold* _x_ `code`",
    "'; DROP TABLE reviews; --",
    "مرحبا — please add the evaluation 🚲👍🏽",
]


@pytest.fixture
def world():
    return make_world()


def stored(world, submission_id):
    with world.uows() as uow:
        return uow.submissions.get(MOIRA.workspace, submission_id), uow.reviews.for_submission(
            submission_id
        )


# --- forms --------------------------------------------------------------------------------------


def test_approve_click_answers_with_a_form_of_the_same_id(world):
    """A moderator's Approve click answers with the approval form, id `mod:approve:<id>`."""
    submission = add_submission(world)
    [reply] = click(world, MOIRA, f"mod:approve:{submission.id}")
    form = form_of(reply)
    assert form.id == f"mod:approve:{submission.id}"
    assert form.title == "Approve S-0001"
    assert [f.name for f in form.fields] == [
        "effectiveness",
        "focus",
        "topics",
        "linked_to",
        "note",
    ]


def test_approve_form_is_prefilled_with_the_contributors_values(world):
    """The rating, focus and topics default to what the contributor gave."""
    submission = add_submission(world)
    form = form_of(click(world, MOIRA, f"mod:approve:{submission.id}")[0])
    defaults = {f.name: f.default for f in form.fields}
    assert defaults == {
        "effectiveness": "promising",
        "focus": "prevention",
        "topics": "cycle theft",
        "linked_to": "",
        "note": "",
    }
    linked = next(f for f in form.fields if f.name == "linked_to")
    assert linked.kind is FieldKind.MULTI_CHOICE
    assert [label for _, label in linked.options] == [
        "HMICFRS",
        "Smarter practice",
        "Tilley award",
        "Police STAR fund",
    ]


@pytest.mark.parametrize(("word", "title"), [("changes", "Request changes"), ("reject", "Reject")])
def test_changes_and_reject_forms_require_a_note(world, word, title):
    """Request changes and Reject ask only for a note, which is required."""
    submission = add_submission(world)
    form = form_of(click(world, MOIRA, f"mod:{word}:{submission.id}")[0])
    assert form.title == f"{title} S-0001"
    assert [(f.name, f.kind, f.required) for f in form.fields] == [
        ("note", FieldKind.LONG_TEXT, True)
    ]


# --- approve ------------------------------------------------------------------------------------


def test_approval_publishes_the_next_ref_with_the_moderators_values(world):
    """Approving creates PB064 with the moderator's rating, focus, topics and recognitions."""
    submission = add_submission(world)
    reply = send_form(
        world,
        MOIRA,
        f"mod:approve:{submission.id}",
        {
            "effectiveness": "worked",
            "focus": "prevention,location",
            "topics": "cycle theft; ; Transport ;cycle THEFT",
            "linked_to": "tilley_award,hmicfrs",
            "note": "",
        },
    )
    assert reply.plain == "Approved S-0001: published as PB064 (Worked). The contributor was told."
    with world.uows() as uow:
        practice = uow.practices.get("PB064")
    assert practice is not None
    assert (practice.title, practice.effectiveness.value, practice.version) == (
        "Bike marking at railway stations",
        "worked",
        1,
    )
    assert [f.value for f in practice.focus] == ["prevention", "location"]
    assert practice.topics == ("cycle theft", "Transport")
    assert [link.value for link in practice.linked_to] == ["tilley_award", "hmicfrs"]
    assert practice.added_at == practice.updated_at == world.clock.now()


def test_approval_marks_the_submission_published_and_records_the_review(world):
    """The submission is published with its ref and one review holds who decided and when."""
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:approve:{submission.id}", {**APPROVE, "note": "Good one"})
    saved, reviews = stored(world, submission.id)
    assert (saved.state, saved.published_ref) == (SubmissionState.PUBLISHED, "PB064")
    assert [(r.moderator_key, r.moderator_name, r.decision, r.note, r.at) for r in reviews] == [
        ("slack:T-PUBLIC:U-MOIRA", "Moira", Decision.APPROVE, "Good one", world.clock.now())
    ]


def test_approval_tells_the_contributor_with_the_card(world):
    """The contributor gets a direct message naming the ref, with the note and the card."""
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:approve:{submission.id}", {**APPROVE, "note": "Thanks!"})
    [message] = to_person(world, "U-ALICE")
    assert message.reply.plain == (
        "Your practice “Bike marking at railway stations” was approved and is now in the bank "
        "as PB064.\nNote from the moderators: Thanks!"
    )
    cards = [b.practice.ref for b in message.reply.blocks if isinstance(b, PracticeCard)]
    assert cards == ["PB064"]
    assert (message.platform, message.workspace_id, message.key) == (
        "slack",
        "T-PUBLIC",
        "submission:1",
    )


def test_approval_replaces_the_moderation_card_without_buttons(world):
    """The moderation card is replaced (same key) with the outcome and no buttons."""
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    [card] = to_channel(world)
    assert (card.recipient, card.key, card.replace) == ("C-MOD", "submission:1", True)
    assert not has_buttons(card.reply)
    assert card.reply.plain.endswith(
        "Approved by Moira at 1 Mar 2025 09:30 UTC: published as PB064."
    )


def test_approved_practice_is_searchable_at_once(world):
    """A search right after approval finds the new practice."""
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    reply = say(world, ALICE, "bike marking railway stations")
    assert next(b.practice.ref for b in reply.blocks if isinstance(b, PracticeCard)) == "PB064"


def test_a_moderator_by_role_may_decide(world):
    """A moderator recognised by platform role (any capitalisation) can approve."""
    submission = add_submission(world)
    reply = send_form(world, RAJ, f"mod:approve:{submission.id}", APPROVE)
    assert reply.plain.startswith("Approved S-0001")


# --- request changes and reject -----------------------------------------------------------------


def test_request_changes_sends_the_note_with_a_revise_button(world):
    """Request changes moves the submission back and sends the note with a Revise button."""
    submission = add_submission(world)
    note = "Please add how you evaluated it."
    reply = send_form(world, MOIRA, f"mod:changes:{submission.id}", {"note": note})
    assert reply.plain == "Changes requested on S-0001. The contributor was sent your note."
    saved, _ = stored(world, submission.id)
    assert saved.state is SubmissionState.CHANGES_REQUESTED
    [message] = to_person(world, "U-ALICE")
    assert note in message.reply.plain.splitlines()
    assert button_ids(message.reply) == ["share:revise:1"]


def test_rejection_sends_the_note_and_never_reaches_search(world):
    """A rejected submission is told to its contributor and is not in the bank."""
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:reject:{submission.id}", {"note": "Out of scope."})
    saved, reviews = stored(world, submission.id)
    assert (saved.state, saved.published_ref) == (SubmissionState.REJECTED, None)
    assert [r.decision for r in reviews] == [Decision.REJECT]
    [message] = to_person(world, "U-ALICE")
    assert message.reply.plain == (
        "Your submission S-0001 “Bike marking at railway stations” was not accepted for the "
        "bank.\nNote from the moderators: Out of scope."
    )
    with world.uows() as uow:
        assert uow.practices.count() == 63  # the demo bank only
    [card] = to_channel(world)
    assert card.reply.plain.endswith("Note: Out of scope.")


# --- races, replays and stale clicks ------------------------------------------------------------


def test_second_moderator_is_told_who_decided_and_when(world):
    """After one decision, another moderator's form submission is refused with who and when."""
    submission = add_submission(world)
    form_id = f"mod:approve:{submission.id}"
    click(world, MOIRA, form_id)
    click(world, RAJ, f"mod:reject:{submission.id}")
    send_form(world, MOIRA, form_id, APPROVE)
    world.clock.at = world.clock.at.replace(minute=45)
    reply = send_form(world, RAJ, f"mod:reject:{submission.id}", {"note": "No."})
    assert reply.plain == (
        "Already decided by Moira at 1 Mar 2025 09:30 UTC (approved): S-0001 is not waiting "
        "for a decision any more."
    )
    _, reviews = stored(world, submission.id)
    assert len(reviews) == 1
    assert len(outbox(world)) == 2  # the contributor's message and the card update


def test_stale_click_on_a_decided_submission_says_who_decided(world):
    """Clicking a decision button of an already decided submission shows no form."""
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:changes:{submission.id}", {"note": "Add dates."})
    [reply] = click(world, RAJ, f"mod:approve:{submission.id}")
    assert reply.plain.startswith("Already decided by Moira at 1 Mar 2025 09:30 UTC (changes")
    assert not [b for b in reply.blocks if b.__class__.__name__ == "Form"]


def test_replayed_approval_publishes_once(world):
    """The same form submission delivered twice publishes one practice and one review."""
    submission = add_submission(world)
    first = send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    second = send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    assert first.plain.startswith("Approved")
    assert second.plain.startswith("Already decided by Moira")
    with world.uows() as uow:
        assert uow.practices.count() == 64
        assert len(uow.reviews.for_submission(submission.id)) == 1
        assert len(uow.reminders.for_practice("PB064")) == 1


def test_decision_of_a_submission_still_in_draft_is_refused(world):
    """A submission not submitted (a draft being revised) cannot be decided."""
    submission = add_submission(world, state=SubmissionState.DRAFT)
    [reply] = click(world, MOIRA, f"mod:approve:{submission.id}")
    assert reply.plain == "S-0001 is not waiting for a decision: it is draft."


def test_unknown_submission_is_named(world):
    """A click for a submission that does not exist says so."""
    [reply] = click(world, MOIRA, "mod:approve:99")
    assert reply.plain == (
        "There is no submission S-0099 in this workspace. Type `queue` to see pending ones."
    )


@pytest.mark.parametrize(
    "forged", ["mod:approve:abc", "mod:approve:0", "mod:approve:-1", "mod:approve:1:2", "mod:x:1"]
)
def test_forged_decision_ids_are_stale_buttons(world, forged):
    """Malformed moderation ids are answered as buttons that no longer work."""
    add_submission(world)
    [reply] = click(world, MOIRA, forged)
    assert reply.plain == "That button no longer works. Type what you are looking for, or `help`."


# --- who may decide -----------------------------------------------------------------------------


def test_non_moderator_click_is_refused_and_logged(world, caplog):
    """Anyone else gets a polite refusal and the attempt is logged with their key."""
    submission = add_submission(world)
    with caplog.at_level(logging.WARNING, logger="bot.moderation.decisions"):
        [reply] = click(world, EVE, f"mod:approve:{submission.id}")
    assert reply.plain.startswith("Only this workspace's practice bank moderators can do that.")
    assert "slack:T-PUBLIC:U-EVE" in caplog.text
    assert "mod:approve:1" in caplog.text


def test_non_moderator_form_submission_changes_nothing(world):
    """A forged form submission from a non-moderator publishes nothing."""
    submission = add_submission(world)
    reply = send_form(world, EVE, f"mod:approve:{submission.id}", APPROVE)
    assert reply.plain.startswith("Only this workspace's practice bank moderators")
    saved, reviews = stored(world, submission.id)
    assert (saved.state, reviews, outbox(world)) == (SubmissionState.SUBMITTED, [], [])


def test_moderator_of_another_workspace_is_refused(world):
    """The same user id in another workspace is not a moderator here."""
    submission = add_submission(world)
    [reply] = click(world, OUTSIDER, f"mod:approve:{submission.id}")
    assert reply.plain.startswith("Only this workspace's practice bank moderators")


def test_contributor_cannot_approve_their_own_submission_without_being_moderator(world):
    """The contributor clicking Approve is refused like anyone else."""
    submission = add_submission(world)
    [reply] = click(world, ALICE, f"mod:approve:{submission.id}")
    assert reply.plain.startswith("Only this workspace's practice bank moderators")


# --- validation ---------------------------------------------------------------------------------


def test_unknown_rating_is_a_clear_error_and_saves_nothing(world):
    """An unknown rating is named in the error and the form comes back."""
    submission = add_submission(world)
    reply = send_form(
        world, MOIRA, f"mod:approve:{submission.id}", {**APPROVE, "effectiveness": "amazing"}
    )
    assert reply.plain == "That decision was not saved:\n• “amazing” is not a rating."
    assert form_of(reply).id == "mod:approve:1"
    saved, reviews = stored(world, submission.id)
    assert (saved.state, reviews) == (SubmissionState.SUBMITTED, [])


def test_unknown_focus_and_scheme_are_errors(world):
    """Unknown focus and recognition values are each reported."""
    submission = add_submission(world)
    reply = send_form(
        world,
        MOIRA,
        f"mod:approve:{submission.id}",
        {**APPROVE, "focus": "prevention,magic", "linked_to": "nobel"},
    )
    assert "• “magic” is not a focus." in reply.plain.splitlines()
    assert any(
        line.startswith("• “nobel” is not a recognition scheme")
        for line in reply.plain.splitlines()
    )


def test_approval_without_focus_is_refused(world):
    """At least one focus is needed."""
    submission = add_submission(world)
    reply = send_form(world, MOIRA, f"mod:approve:{submission.id}", {**APPROVE, "focus": ""})
    assert reply.plain == "That decision was not saved:\n• Pick at least one focus."


def test_labels_are_accepted_as_well_as_values(world):
    """A form that sends labels (e.g. “Didn't work”) is read too."""
    submission = add_submission(world)
    send_form(
        world,
        MOIRA,
        f"mod:approve:{submission.id}",
        {**APPROVE, "effectiveness": "Didn't work", "linked_to": "Police STAR fund"},
    )
    with world.uows() as uow:
        practice = uow.practices.get("PB064")
    assert (practice.effectiveness.value, [x.value for x in practice.linked_to]) == (
        "didnt_work",
        ["police_star_fund"],
    )


@pytest.mark.parametrize("note", ["", "   ", "\x00\x07\x1b[31m"[:3]])
def test_request_changes_needs_a_note(world, note):
    """Empty, blank or control-only notes are refused for Request changes."""
    submission = add_submission(world)
    reply = send_form(world, MOIRA, f"mod:changes:{submission.id}", {"note": note})
    assert reply.plain == (
        "That decision was not saved:\n• A note is required: tell the contributor what to change."
    )


def test_reject_needs_a_note(world):
    """A rejection without a note is refused with its own reason."""
    submission = add_submission(world)
    reply = send_form(world, MOIRA, f"mod:reject:{submission.id}", {})
    assert reply.plain == (
        "That decision was not saved:\n• A note is required: tell the contributor why it is not "
        "accepted."
    )


def test_a_100_kb_note_is_refused(world):
    """A note over the limit is refused with its length; nothing is saved."""
    submission = add_submission(world)
    reply = send_form(world, MOIRA, f"mod:reject:{submission.id}", {"note": "x" * 100_000})
    assert reply.plain == (
        "That decision was not saved:\n• The note is 100,000 characters; keep it to 2,000."
    )
    assert len(form_of(reply).fields[0].default) == 2000
    assert stored(world, submission.id)[1] == []


@pytest.mark.parametrize("note", HOSTILE_NOTES)
def test_hostile_notes_are_stored_and_sent_verbatim(world, note):
    """Mentions, markup, SQL, right-to-left text and emoji are kept as typed."""
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:changes:{submission.id}", {"note": note})
    _, reviews = stored(world, submission.id)
    assert reviews[0].note == note
    [message] = to_person(world, "U-ALICE")
    assert note in message.reply.plain.splitlines()


def test_control_characters_are_removed_from_notes(world):
    """Terminal escapes and NULs are dropped; line breaks are kept."""
    submission = add_submission(world)
    send_form(
        world, MOIRA, f"mod:changes:{submission.id}", {"note": "Add\x00 dates\x1b[2J\r\nthanks"}
    )
    _, reviews = stored(world, submission.id)
    assert reviews[0].note == "Add dates[2J\nthanks"


def test_hostile_topics_are_bounded(world):
    """A topic over 100 characters is refused; emoji and other scripts are fine."""
    submission = add_submission(world)
    topics = "🚲; سرقة; " + "y" * 101
    reply = send_form(world, MOIRA, f"mod:approve:{submission.id}", {**APPROVE, "topics": topics})
    assert reply.plain.endswith("is 101 characters; keep each topic to 100.")


def test_the_approve_form_takes_a_topic_as_long_as_the_dialogue_does(world):
    """A 100-character topic, which the sharing dialogue accepts, is approved as it is."""
    submission = add_submission(world)
    topic = "t" * 100
    reply = send_form(world, MOIRA, f"mod:approve:{submission.id}", {**APPROVE, "topics": topic})
    assert reply.plain.startswith("Approved")


@pytest.mark.parametrize("typed", ["cycle theft, transport", "cycle theft; transport"])
def test_moderators_separate_topics_as_contributors_do(world, typed):
    """The approve form takes `,` or `;` between topics, like the sharing dialogue's lists."""
    submission = add_submission(world)
    values = {**APPROVE, "topics": typed}
    assert send_form(world, MOIRA, f"mod:approve:{submission.id}", values).plain.startswith(
        "Approved S-0001"
    )
    with world.uows() as uow:
        practice = uow.practices.get("PB064")
    assert practice is not None
    assert practice.topics == ("cycle theft", "transport")
