"""Sharing a practice through the core: the guided dialogue, its persistence, submit and revise."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core import SOMETHING_WRONG, PracticeBank
from bot.kernel.events import Actor, Click, Command, Place, Text
from bot.kernel.ports import WorkspaceSettings
from bot.kernel.records import (
    Audience,
    CallForPractice,
    Decision,
    Notification,
    Review,
    SubmissionState,
)
from bot.kernel.replies import ActionStyle, Choices, PracticeCard, Reply
from bot.sharing import moderation_card, start_share, sweep_stale_drafts
from tests.support.bank import ALICE, ALICE_PLACE, button_ids, button_labels, memory_bank
from tests.support.hostile import HOSTILE_ANSWERS

BOB = Actor("slack", "T-PUBLIC", "U-BOB2", "Bob")
MODERATED = WorkspaceSettings("slack", "T-PUBLIC", moderation_channel="C-MOD")

TYPED = {
    "title": "Doorstep letters against repeat burglary",
    "summary": "Letters to the neighbours of burgled homes within two days.",
    "aim": "Repeat burglary on two estates; the aim was fewer repeat victims.",
    "description": "PCSOs delivered letters with crime prevention advice.",
    "focus": "prevention, location",
    "effectiveness": "promising",
    "learning": "Deliver quickly: the risk is highest in the first week.",
    "organisation": "Example Police",
    "contact_name": "Pat Lee",
    "contact_email": "pat.lee@example.police.uk",
    "visibility": "no",
}
STORED = {
    **TYPED,
    "focus": ["prevention", "location"],
    "visibility": "public",
}


@pytest.fixture
def world():
    bank, uows, clock = memory_bank()
    with uows() as uow:
        uow.workspaces.save(MODERATED)
        uow.commit()
    return bank, uows, clock


@pytest.fixture
def bank(world) -> PracticeBank:
    return world[0]


@pytest.fixture
def uows(world):
    return world[1]


@pytest.fixture
def clock(world):
    return world[2]


def say(bank: PracticeBank, line: str, actor: Actor = ALICE) -> Reply:
    replies = bank.handle(Text(actor, ALICE_PLACE, line))
    assert len(replies) == 1
    return replies[0]


def click(bank: PracticeBank, action: str, actor: Actor = ALICE) -> Reply:
    replies = bank.handle(Click(actor, ALICE_PLACE, action))
    assert len(replies) == 1
    return replies[0]


# Read straight from the fake's committed state: opening a unit of work copies all of it.
def conversation(uows, actor: Actor = ALICE):
    return uows.state.conversations.get(actor.key)


def step(uows, actor: Actor = ALICE) -> str | None:
    found = conversation(uows, actor)
    return found.step if found else None


def submission(uows, submission_id: int = 1):
    return uows.state.submissions.get(submission_id)


def outbox(uows) -> list[Notification]:
    with uows() as uow:
        return uow.outbox.all()


def fill(bank, uows, actor: Actor = ALICE, **answers: str) -> Reply:
    """Start sharing and answer every question (skipping optional ones) up to the review."""
    typed = {**TYPED, **answers}
    reply = say(bank, "share", actor)
    while step(uows, actor) != "review":
        reply = say(bank, typed.get(step(uows, actor) or "", "skip"), actor)
    return reply


# --- starting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["share", "SHARE", "/practice share"])
def test_share_asks_the_title_first(bank, uows, line):
    """`share` introduces the dialogue, offers the form, and asks the title (back, cancel)."""
    reply = say(bank, line)
    assert reply.plain == (
        "Let's share your practice. I'll ask one question at a time; your answers are saved as "
        "you go.\n"
        "At any point type back, skip, cancel or help. Lines starting with / are commands, not "
        "answers.\n"
        "What is the practice called? A short title, as you would like it listed.  (1/21)"
    )
    assert button_ids(reply) == ["share:form", "share:back", "share:cancel"]
    assert submission(uows).state is SubmissionState.DRAFT


def test_share_command_and_button_start_the_same_dialogue(bank, uows):
    """The slash command and the share button start sharing too."""
    command = bank.handle(Command(ALICE, ALICE_PLACE, "practice", "share"))[0]
    assert step(uows) == "title"
    click(bank, "share:cancel")
    click(bank, "share:cancel:yes")
    assert click(bank, "share") == command


def test_help_and_empty_search_offer_the_share_button(bank):
    """Help and a search that finds nothing both carry the share button."""
    assert "share" in button_ids(say(bank, "help"))
    assert button_ids(say(bank, "zzqxv")) == ["share"]


# --- the whole dialogue -------------------------------------------------------------------------


def test_whole_dialogue_with_back_skip_invalid_email_edit_and_submit(bank, uows):
    """A contributor goes back, skips, mistypes the email, edits from review and submits."""
    say(bank, "share")
    say(bank, "Doorstep letters")
    say(bank, "back")
    assert step(uows) == "title"
    say(bank, TYPED["title"])
    for field in ("summary", "aim", "description"):
        say(bank, TYPED[field])
    click(bank, "share:pick:prevention")
    click(bank, "share:pick:location")
    click(bank, "share:done")
    click(bank, "share:pick:promising")
    assert say(bank, "skip").plain.startswith("What should others know")  # evaluation skipped
    for field in ("learning", "organisation", "contact_name"):
        say(bank, TYPED[field])
    refused = say(bank, "pat.lee@")
    assert refused.plain.splitlines()[0] == (
        "That doesn't look like an email address. Please give one such as name@force.police.uk."
    )
    assert step(uows) == "contact_email"
    say(bank, "pat@example.org")
    say(bank, "knife crime, ASB")  # topics
    while step(uows) != "visibility":
        say(bank, "skip")
    review = click(bank, "share:pick:public")
    assert [type(b).__name__ for b in review.blocks] == [
        "Paragraph",
        "PracticeCard",
        "Choices",
        "Buttons",
        "Paragraph",
    ]
    assert button_ids(review) == ["share:submit", "share:cancel"]
    edit = say(bank, "edit contact email")
    assert "Current answer: pat@example.org" in edit.plain
    say(bank, TYPED["contact_email"])
    assert step(uows) == "review"
    thanks = say(bank, "submit")
    assert thanks.plain == (
        "Thanks — S-0001 is with the moderators.\nI'll tell you here when they have looked at it."
    )
    stored = submission(uows)
    assert stored.state is SubmissionState.SUBMITTED
    assert stored.answers == {**STORED, "topics": ["knife crime", "ASB"]}
    assert stored.submitted_at is not None
    assert conversation(uows) is None
    assert outbox(uows) == [
        Notification(
            platform="slack",
            workspace_id="T-PUBLIC",
            audience=Audience.CHANNEL,
            recipient="C-MOD",
            reply=moderation_card(stored),
            key="submission:1",
            id=1,
            created_at=stored.submitted_at,
        )
    ]


def test_review_card_shows_the_answers_as_a_practice(bank, uows):
    """The review's card is the practice the answers describe, under the submission id."""
    review = fill(bank, uows)
    card = next(b for b in review.blocks if isinstance(b, PracticeCard))
    assert (card.practice.ref, card.practice.title, card.practice.contact_email) == (
        "S-0001",
        TYPED["title"],
        TYPED["contact_email"],
    )
    choices = next(b for b in review.blocks if isinstance(b, Choices))
    assert choices.options[0].action == "share:edit:title"


def test_moderation_card_has_the_three_decisions(bank, uows):
    """The moderators' card carries Approve, Request changes and Reject for the submission."""
    fill(bank, uows)
    say(bank, "submit")
    card = outbox(uows)[0].reply
    assert card.private is False
    assert card.plain == "Submission S-0001 from Alice."
    assert button_ids(card) == ["mod:approve:1", "mod:changes:1", "mod:reject:1"]
    assert button_labels(card) == ["Approve", "Request changes", "Reject"]


def test_every_answer_is_saved_at_once(bank, uows):
    """The draft submission and the conversation are written after each answer."""
    say(bank, "share")
    say(bank, TYPED["title"])
    assert submission(uows).answers == {"title": TYPED["title"]}
    assert step(uows) == "summary"


def test_help_explains_the_commands_and_asks_again(bank, uows):
    """Help inside the dialogue lists its commands and repeats the question."""
    say(bank, "share")
    reply = say(bank, "help")
    assert reply.plain.splitlines()[1] == (
        "Type back for the previous question, skip to leave an optional one out, cancel to "
        "discard the draft (I ask first), help for this."
    )
    assert reply.plain.endswith("(1/21)")
    assert step(uows) == "title"


def test_skip_of_a_required_question_is_refused(bank, uows):
    """Skip on the title says it is required and asks again."""
    say(bank, "share")
    assert say(bank, "skip").plain.splitlines()[0] == "Title is required, so it can't be skipped."


def test_worked_requires_an_evaluation(bank, uows):
    """After "worked", skipping the evaluation is refused."""
    say(bank, "share")
    while step(uows) != "effectiveness":
        say(bank, TYPED[step(uows)])
    say(bank, "Worked")
    refused = say(bank, "skip")
    assert refused.plain.splitlines()[0] == (
        "You said it worked, so the evaluation can't be skipped."
    )
    assert step(uows) == "evaluation"


def test_sensitive_tactics_mark_the_submission_restricted(bank, uows):
    """Yes to the police-tactics question restricts it, on the review and the moderators' card."""
    review = fill(bank, uows, visibility="yes")
    assert "Marked police only: restricted to police workspaces." in review.plain
    say(bank, "submit")
    assert submission(uows).answers["visibility"] == "restricted"
    assert "Marked police only by the contributor (restricted)." in outbox(uows)[0].reply.plain


# --- cancel -------------------------------------------------------------------------------------


def test_cancel_asks_first_and_no_keeps_the_draft(bank, uows):
    """Cancel asks to confirm; No returns to the same question with the draft intact."""
    say(bank, "share")
    say(bank, TYPED["title"])
    asking = say(bank, "cancel")
    assert asking.plain == "Discard this draft? Your answers will be deleted."
    assert button_ids(asking) == ["share:cancel:yes", "share:cancel:no"]
    kept = click(bank, "share:cancel:no")
    assert kept.plain.splitlines()[:2] == [
        "Carrying on.",
        "Sum it up in a sentence or two: what was done, for whom, and why.  (2/21)",
    ]
    assert submission(uows).state is SubmissionState.DRAFT


def test_cancel_confirmed_withdraws_the_draft(bank, uows):
    """Confirming withdraws the submission and forgets the conversation."""
    say(bank, "share")
    say(bank, TYPED["title"])
    say(bank, "cancel")
    reply = say(bank, "yes")
    assert reply.plain == (
        f"Draft “{TYPED['title']}” discarded.\nType share whenever you want to start again."
    )
    assert submission(uows).state is SubmissionState.WITHDRAWN
    assert conversation(uows) is None


def test_after_cancel_text_is_a_search_again(bank, uows):
    """Once the draft is gone, text is read as a search."""
    say(bank, "share")
    click(bank, "share:cancel")
    click(bank, "share:cancel:yes")
    assert say(bank, "burglary").plain.startswith("3 practices for “burglary”")


# --- resuming -----------------------------------------------------------------------------------


def test_after_a_restart_the_next_answer_is_recorded(bank, uows, clock):
    """A new core (a restart, another worker) takes the next answer as an answer: no offer."""
    say(bank, "share")
    say(bank, TYPED["title"])
    restarted = PracticeBank(uows, clock)
    asked = say(restarted, TYPED["summary"])
    assert asked.plain.startswith("What problem did it tackle")
    assert submission(uows).answers == {"title": TYPED["title"], "summary": TYPED["summary"]}
    assert step(uows) == "aim"


def test_resume_after_an_hours_pause(bank, uows, clock):
    """After an idle hour a line is answered as usual, the offer follows once and stays open."""
    say(bank, "share")
    say(bank, TYPED["title"])
    clock.at += timedelta(hours=2)
    first = bank.handle(Text(ALICE, ALICE_PLACE, "hello"))
    assert len(first) == 2
    assert first[1].plain == (
        f"You were in the middle of your draft “{TYPED['title']}”. Continue where you left off, "
        "or discard it?"
    )
    assert button_ids(first[1]) == ["share:resume", "share:discard"]
    again = bank.handle(Text(ALICE, ALICE_PLACE, "hello again"))
    assert [button_ids(r) for r in again if "share:resume" in button_ids(r)] == []
    assert submission(uows).answers == {"title": TYPED["title"]}  # neither line was an answer
    resumed = say(bank, "continue")
    assert resumed.plain.splitlines() == [
        "Welcome back. Here is where you were:",
        "Sum it up in a sentence or two: what was done, for whom, and why.  (2/21)",
        "Up to 300 characters.",
    ]
    say(bank, TYPED["summary"])
    assert step(uows) == "aim"


def test_discard_from_the_offer(bank, uows, clock):
    """Typing discard at the offer withdraws the draft."""
    say(bank, "share")
    say(bank, TYPED["title"])
    clock.at += timedelta(hours=2)
    PracticeBank(uows, clock).handle(Text(ALICE, ALICE_PLACE, "hi"))
    click(PracticeBank(uows, clock), "share:discard")
    assert submission(uows).state is SubmissionState.WITHDRAWN
    assert conversation(uows) is None


def test_one_open_draft_per_person(bank, uows):
    """A second `share` offers the draft in progress instead of starting another."""
    say(bank, "share")
    say(bank, TYPED["title"])
    again = say(bank, "share")
    assert button_ids(again) == ["share:resume", "share:discard"]
    with uows() as uow:
        assert len(uow.submissions.open_for(ALICE.key)) == 1
    assert click(bank, "share:resume").plain.splitlines()[1].startswith("Sum it up")


def test_a_slash_line_mid_draft_is_a_command(bank, uows):
    """`/practice <words>` searches without touching the draft."""
    say(bank, "share")
    reply = say(bank, "/practice burglary")
    assert reply.plain.startswith("3 practices for “burglary”")
    assert (step(uows), submission(uows).answers) == ("title", {})


# --- stale drafts -------------------------------------------------------------------------------


def test_stale_draft_is_warned_once_then_discarded(bank, uows, clock):
    """At 23 idle days the person is warned once; at 30 the draft is discarded and they are told."""
    say(bank, "share")
    say(bank, TYPED["title"])
    start = clock.at
    for days in (10, 23.1, 24, 25):
        with uows() as uow:
            sweep_stale_drafts(uow, start + timedelta(days=days))
            uow.commit()
    notes = outbox(uows)
    assert len(notes) == 1
    assert (notes[0].audience, notes[0].recipient, notes[0].key) == (
        Audience.PERSON,
        "U-ALICE",
        "draft:1",
    )
    assert notes[0].reply.plain == (
        f"Your draft “{TYPED['title']}” (S-0001) has waited 23 days for an answer. It will be "
        "discarded on 2025-03-31 unless you continue it."
    )
    assert button_ids(notes[0].reply) == ["share:resume", "share:discard"]
    assert submission(uows).state is SubmissionState.DRAFT
    with uows() as uow:
        sweep_stale_drafts(uow, start + timedelta(days=30, minutes=1))
        uow.commit()
    assert submission(uows).state is SubmissionState.WITHDRAWN
    assert conversation(uows) is None
    assert outbox(uows)[1].reply.plain == (
        f"Your draft “{TYPED['title']}” (S-0001) was discarded after 30 days without an answer. "
        "Type share whenever you want to start again."
    )


def test_an_answer_after_the_warning_restarts_the_count(bank, uows, clock):
    """Continuing a warned draft keeps it past the 30th day."""
    say(bank, "share")
    start = clock.at
    with uows() as uow:
        sweep_stale_drafts(uow, start + timedelta(days=24))
        uow.commit()
    clock.at = start + timedelta(days=25)
    click(bank, "share:resume")
    say(bank, TYPED["title"])
    with uows() as uow:
        sweep_stale_drafts(uow, start + timedelta(days=31))
        uow.commit()
    assert submission(uows).state is SubmissionState.DRAFT
    assert len(outbox(uows)) == 1


# --- similar titles and updates -----------------------------------------------------------------


def test_similar_titles_are_shown_once_before_submitting(bank, uows):
    """A title like a published practice's shows it, with update and submit-anyway buttons."""
    fill(bank, uows, title="Nudging burglary down")
    similar = say(bank, "submit")
    assert similar.plain.startswith("Is yours one of these?")
    assert [b.practice.ref for b in similar.blocks if isinstance(b, PracticeCard)] == ["PB032"]
    assert button_ids(similar) == ["share:update:PB032", "share:submit"]
    assert submission(uows).state is SubmissionState.DRAFT
    assert click(bank, "share:submit").plain.startswith("Thanks — S-0001")
    assert submission(uows).state is SubmissionState.SUBMITTED


def test_update_instead_keeps_the_answers_and_shows_moderators_each_change_old_to_new(bank, uows):
    """Update instead turns the draft into an update of that practice; its card shows who
    proposes it (not the original contributor) and each changed field as old → new."""
    fill(bank, uows, title="Nudging burglary down")
    say(bank, "submit")
    converted = click(bank, "share:update:PB032")
    assert converted.plain.startswith("Your draft is now an update of PB032")
    assert step(uows) == "review"
    say(bank, "submit")
    stored = submission(uows)
    assert (stored.state, stored.target_ref, stored.answers["title"]) == (
        SubmissionState.SUBMITTED,
        "PB032",
        "Nudging burglary down",
    )
    card = outbox(uows)[0].reply.plain.splitlines()
    assert card[:3] == [
        "Submission S-0001 from Alice: an update of PB032, proposed by someone other than its "
        "original contributor.",
        "Changes to PB032 (old → new):",
        "• Title: Nudging down burglary → Nudging burglary down",
    ]


def test_update_of_a_practice_is_prefilled(bank, uows):
    """share:update:<ref> pre-fills from the practice and asks what the bank lacks."""
    reply = click(bank, "share:update:PB032")
    assert reply.plain.splitlines()[0] == (
        "Updating PB032: I've filled in what the bank holds. Change what is out of date, then "
        "submit."
    )
    stored = submission(uows)
    assert (stored.target_ref, stored.answers["title"], step(uows)) == (
        "PB032",
        "Nudging down burglary",
        "aim",
    )
    assert conversation(uows).kind == "update"


def test_an_update_waits_for_the_draft_in_progress(bank, uows):
    """Starting an update with a draft open offers that draft, and the update for afterwards."""
    say(bank, "share")
    say(bank, TYPED["title"])
    reply = click(bank, "share:update:PB032")
    assert button_ids(reply) == ["share:resume", "share:discard", "share:update:PB032"]
    assert reply.plain.splitlines()[1] == (
        "One draft at a time: finish or discard this one, then press Update PB032"
    )
    click(bank, "share:discard")
    click(bank, "share:update:PB032")
    assert submission(uows, 2).target_ref == "PB032"


def test_update_of_an_unknown_or_hidden_practice(bank, uows):
    """An unknown ref, or a restricted one the person may not see, cannot be updated."""
    assert click(bank, "share:update:PB900").plain == "No practice PB900 in the bank to update."
    assert click(bank, "share:update:PB999").plain == "No practice PB999 in the bank to update."
    assert submission(uows) is None


# --- submitting ---------------------------------------------------------------------------------


def test_without_a_moderation_channel_the_submission_waits_in_the_queue(world):
    """No channel configured: the submission is recorded and the contributor told about queue."""
    bank, uows, _ = world
    with uows() as uow:
        uow.workspaces.save(WorkspaceSettings("slack", "T-PUBLIC"))
        uow.commit()
    fill(bank, uows)
    reply = say(bank, "submit")
    assert reply.plain.splitlines()[1] == (
        "No moderation channel is set up for this workspace yet, so it waits in the moderators' "
        "queue: they see it with queue."
    )
    assert submission(uows).state is SubmissionState.SUBMITTED
    assert outbox(uows) == []


def test_replayed_submit_does_not_submit_twice(bank, uows):
    """Pressing submit again after submitting changes nothing."""
    fill(bank, uows)
    click(bank, "share:submit")
    stored = submission(uows)
    replay = click(bank, "share:submit")
    assert replay.plain == "You have no draft in progress. Type share to share a practice."
    assert submission(uows) == stored
    assert len(outbox(uows)) == 1


def test_incomplete_submit_asks_for_what_is_missing(bank, uows):
    """A submit button pressed early asks the first missing answer."""
    say(bank, "share")
    say(bank, TYPED["title"])
    reply = click(bank, "share:submit")
    assert reply.plain.splitlines()[0].startswith("Before submitting, I still need: summary,")
    assert step(uows) == "summary"
    assert submission(uows).state is SubmissionState.DRAFT


def test_answering_a_call(bank, uows, clock):
    """A draft started for a call records it, and the moderators' card says so."""
    with uows() as uow:
        call = uow.calls.add(
            CallForPractice(
                0,
                "slack",
                "T-PUBLIC",
                "Knife crime",
                "Diversion",
                clock.at.date(),
                "slack:T-PUBLIC:U-MOD",
                clock.at,
            )
        )
        reply = start_share(uow, ALICE, clock, call_id=call.id)
        uow.commit()
    assert reply[0].plain.splitlines()[1] == "This answers the call for practice on Knife crime."
    assert submission(uows).call_id == call.id
    while step(uows) != "review":
        say(bank, TYPED.get(step(uows), "skip"))
    say(bank, "submit")
    assert outbox(uows)[0].reply.plain == (
        f"Submission S-0001 from Alice, answering call for practice #{call.id}."
    )


# --- revising after changes were requested ------------------------------------------------------


def request_changes(uows, clock, note: str = "Please add the evaluation results.") -> None:
    """What the moderators' side does: changes requested, with a note in the audit trail."""
    with uows() as uow:
        stored = uow.submissions.get(ALICE.workspace, 1)
        uow.submissions.save(
            replace(stored, state=SubmissionState.CHANGES_REQUESTED),
            expected_revision=stored.revision,
        )
        uow.reviews.add(
            Review(0, 1, "slack:T-PUBLIC:U-MOD", "Mo", Decision.REQUEST_CHANGES, note, clock.at)
        )
        uow.commit()


def test_revise_reopens_the_review_and_resubmits(bank, uows, clock):
    """The contributor revises at the review, edits and submits again: a new moderators' card."""
    fill(bank, uows)
    say(bank, "submit")
    request_changes(uows, clock)
    reply = click(bank, "share:revise:1")
    assert reply.plain.splitlines()[:2] == [
        "Revising S-0001.",
        "The moderators asked: Please add the evaluation results.",
    ]
    assert step(uows) == "review"
    say(bank, "edit evaluation")
    say(bank, "Repeat burglary fell by a third against matched estates.")
    say(bank, "submit")  # the title was checked for similar practices the first time
    stored = submission(uows)
    assert stored.state is SubmissionState.SUBMITTED
    assert stored.answers["evaluation"] == (
        "Repeat burglary fell by a third against matched estates."
    )
    assert [n.key for n in outbox(uows)] == ["submission:1", "submission:1"]
    with uows() as uow:
        [requested] = uow.reviews.for_submission(1)
    assert outbox(uows)[1].reply == moderation_card(stored, requested)


def resubmit(bank, uows, clock, note: str = "Please add the evaluation results.") -> Reply:
    """Submit, have changes requested with `note`, revise one answer and submit again."""
    fill(bank, uows)
    say(bank, "submit")
    request_changes(uows, clock, note)
    click(bank, "share:revise:1")
    say(bank, "edit evaluation")
    say(bank, "Repeat burglary fell by a third against matched estates.")
    return say(bank, "submit")


def test_resubmission_card_says_so_and_quotes_the_earlier_note(bank, uows, clock):
    """The moderators' card of a resubmission names it so and shows the note it answers."""
    resubmit(bank, uows, clock)
    first, again = outbox(uows)
    assert first.reply.plain == "Submission S-0001 from Alice."
    assert again.reply.plain == (
        "Submission S-0001 from Alice, resubmitted after changes were requested.\n"
        "Changes requested by Mo at 1 Mar 2025 09:30 UTC: Please add the evaluation results."
    )
    assert button_ids(again.reply) == ["mod:approve:1", "mod:changes:1", "mod:reject:1"]


@pytest.mark.parametrize("note", HOSTILE_ANSWERS[1:])
def test_resubmission_card_quotes_hostile_notes_verbatim(bank, uows, clock, note):
    """Whatever the earlier note holds, the card carries it as text for the renderer to escape."""
    resubmit(bank, uows, clock, note)
    quoted = outbox(uows)[1].reply.blocks[1]
    assert quoted.spans[-1].text == note
    assert quoted.spans[-1].italic is True


def test_cancel_while_revising_withdraws(bank, uows, clock):
    """Cancelling a revision withdraws the submission."""
    fill(bank, uows)
    say(bank, "submit")
    request_changes(uows, clock)
    click(bank, "share:revise:1")
    click(bank, "share:cancel")
    click(bank, "share:cancel:yes")
    assert submission(uows).state is SubmissionState.WITHDRAWN


def test_revise_is_refused_unless_changes_were_requested(bank, uows):
    """A submission with the moderators cannot be revised yet."""
    fill(bank, uows)
    say(bank, "submit")
    assert click(bank, "share:revise:1").plain == (
        "S-0001 is with the moderators; you can revise it if they ask for changes."
    )
    assert conversation(uows) is None


# --- other people's buttons ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "share:submit",
        "share:cancel:yes",
        "share:discard",
        "share:pick:worked",
        "share:skip",
        "share:back",
        "share:edit:title",
        "share:resume",
    ],
)
def test_someone_elses_click_does_nothing_to_the_draft(bank, uows, action):
    """Bob pressing buttons of Alice's dialogue acts on his own (absent) draft, not hers."""
    fill(bank, uows)
    before = (submission(uows), conversation(uows))
    reply = click(bank, action, actor=BOB)
    assert reply.plain == "You have no draft in progress. Type share to share a practice."
    assert (submission(uows), conversation(uows)) == before
    assert outbox(uows) == []


def test_someone_else_cannot_revise(bank, uows, clock):
    """Only the contributor can revise their submission."""
    fill(bank, uows)
    say(bank, "submit")
    request_changes(uows, clock)
    assert click(bank, "share:revise:1", actor=BOB).plain == (
        "There is no submission of yours with that number to revise."
    )
    assert conversation(uows, BOB) is None


def test_two_people_share_at_once(bank, uows):
    """Each person's answers go to their own draft."""
    say(bank, "share")
    say(bank, "share", actor=BOB)
    say(bank, "Alice's practice")
    say(bank, "Bob's practice", actor=BOB)
    assert (submission(uows, 1).answers, submission(uows, 2).answers) == (
        {"title": "Alice's practice"},
        {"title": "Bob's practice"},
    )


# --- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", HOSTILE_ANSWERS, ids=range(len(HOSTILE_ANSWERS)))
@pytest.mark.parametrize("where", ["title", "contact_email", "focus", "review", "confirm", "offer"])
def test_hostile_input_at_each_kind_of_step(bank, uows, clock, raw, where):
    """Hostile text at a question, the review, the confirmation or the offer: no crash."""
    if where in ("review", "confirm", "offer"):
        fill(bank, uows)
    else:
        say(bank, "share")
        while step(uows) != where:
            say(bank, TYPED.get(step(uows), "skip"))
    if where == "confirm":
        say(bank, "cancel")
    target = PracticeBank(uows, clock) if where == "offer" else bank
    before = submission(uows)
    reply = say(bank if where != "offer" else target, raw)
    assert reply != SOMETHING_WRONG
    assert reply.blocks
    after = submission(uows)
    assert after.state is SubmissionState.DRAFT
    if where in ("review", "confirm", "offer"):
        assert after.answers == before.answers
    else:
        stored = after.answers.get(where)
        assert stored is None or stored == " ".join(raw.split())
    if raw == HOSTILE_ANSWERS[-1] and where == "title":
        assert after.answers["title"] == HOSTILE_ANSWERS[-1]


def test_place_does_not_matter(bank, uows):
    """The draft belongs to the person, not the channel: a DM continues it."""
    say(bank, "share")
    dm = Place("slack", "T-PUBLIC", "D-ALICE", is_direct=True)
    bank.handle(Text(ALICE, dm, TYPED["title"]))
    assert step(uows) == "summary"


def test_submit_button_is_primary(bank, uows):
    """Submit stands out on the review."""
    review = fill(bank, uows)
    buttons = [a for b in review.blocks if hasattr(b, "actions") for a in b.actions]
    assert [(a.label, a.style) for a in buttons] == [
        ("Submit", ActionStyle.PRIMARY),
        ("Cancel", ActionStyle.DANGER),
    ]
