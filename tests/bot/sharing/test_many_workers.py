"""Sharing with several workers on one database (SQLite file, PostgreSQL): nothing twice.

Each `PracticeBank` here is one worker: its own core over the same store. Answers alternate
between them, `share` arrives twenty times at once, and two sweepers run the draft clean-up at
the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.core import SOMETHING_WRONG, PracticeBank
from bot.kernel.events import Actor, Command, Text
from bot.kernel.ports import WorkspaceSettings
from bot.kernel.records import SubmissionState
from bot.kernel.replies import Reply
from bot.sharing import sweep_stale_drafts
from bot.sharing.dialogue import Answer, advance
from bot.sharing.drafts import DraftMoved, OpenDraft, find, save
from tests.support.bank import ALICE, ALICE_PLACE, button_ids
from tests.support.memory import FixedClock

ANSWERS = (
    ("title", "Doorstep letters against repeat burglary"),
    ("summary", "Letters to the neighbours of burgled homes within two days."),
    ("aim", "Repeat burglary on two estates; the aim was fewer repeat victims."),
    ("description", "PCSOs delivered letters with crime prevention advice."),
    ("focus", "prevention; location"),
    ("effectiveness", "worked"),
    ("evaluation", "Repeat burglary fell by a third against matched estates."),
    ("learning", "Deliver quickly: the risk is highest in the first week."),
    ("organisation", "Example Police"),
    ("contact_name", "Pat Lee"),
    ("contact_email", "pat.lee@example.police.uk"),
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def workers(uow_factory, clock) -> list[PracticeBank]:
    with uow_factory() as uow:
        uow.workspaces.save(WorkspaceSettings("slack", "T-PUBLIC", moderation_channel="C-MOD"))
        uow.commit()
    return [PracticeBank(uow_factory, clock) for _ in range(2)]


def _at_once(count: int, work: Callable[[int], list[Reply]]) -> list[list[Reply]]:
    """Run `work(i)` in `count` threads released together; their replies, in thread order."""
    barrier = threading.Barrier(count)
    results: list[list[Reply]] = [[] for _ in range(count)]

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
def test_two_workers_alternating_answers_record_every_answer_once(workers, uow_factory):
    """Alice's answers land on two workers in turn: each is recorded, no resume offer."""
    replies = workers[0].handle(Text(ALICE, ALICE_PLACE, "share"))
    for index, (_, typed) in enumerate(ANSWERS):
        replies += workers[(index + 1) % 2].handle(Text(ALICE, ALICE_PLACE, typed))

    assert all("share:resume" not in button_ids(r) for r in replies)
    assert replies[-1].plain.startswith("Which crime or harm areas does it concern?")
    with uow_factory() as uow:
        (draft,) = uow.submissions.open_for(ALICE.key)
        conversation = uow.conversations.get(ALICE.key)
    assert draft.answers["title"] == ANSWERS[0][1]
    assert draft.answers["focus"] == ["prevention", "location"]
    assert draft.answers["contact_email"] == "pat.lee@example.police.uk"
    assert set(draft.answers) == {name for name, _ in ANSWERS}
    assert conversation is not None and conversation.step == "topics"


@pytest.mark.postgres
def test_an_answer_applied_from_a_stale_read_writes_nothing(workers, uow_factory, clock):
    """The worker that loses the race for one answer saves nothing: the answer counts once."""
    workers[0].handle(Text(ALICE, ALICE_PLACE, "share"))
    with uow_factory() as uow:
        stale = find(uow, ALICE.key)
    assert isinstance(stale, OpenDraft)

    summary = ANSWERS[1][1]
    workers[1].handle(Text(ALICE, ALICE_PLACE, ANSWERS[0][1]))  # another worker took it first
    with pytest.raises(DraftMoved), uow_factory() as uow:
        save(uow, stale, advance(stale.draft, Answer(summary)).draft, clock.now())
        uow.commit()

    with uow_factory() as uow:
        (draft,) = uow.submissions.open_for(ALICE.key)
        conversation = uow.conversations.get(ALICE.key)
    assert draft.answers == {"title": ANSWERS[0][1]}
    assert conversation is not None and conversation.step == "summary"


@pytest.mark.postgres
def test_twenty_concurrent_shares_make_exactly_one_draft(uow_factory, clock):
    """Twenty `share` from one person at once: one draft; the others hear one is in progress."""
    banks = [PracticeBank(uow_factory, clock) for _ in range(20)]

    results = _at_once(20, lambda i: banks[i].handle(Command(ALICE, ALICE_PLACE, "share", "")))

    with uow_factory() as uow:
        drafts = [
            s for s in uow.submissions.open_for(ALICE.key) if s.state is SubmissionState.DRAFT
        ]
    assert len(drafts) == 1
    firsts = [r for r in results if r and r[0].plain.startswith("Let's share your practice.")]
    assert len(firsts) == 1
    others = [r[0] for r in results if r not in firsts]
    assert len(others) == 19
    assert all(reply != SOMETHING_WRONG for reply in others)
    assert all(
        reply.plain.startswith("You were in the middle of")
        or reply.plain.startswith("You already have a draft in progress")
        for reply in others
    )


@pytest.mark.postgres
def test_two_sweepers_send_each_draft_warning_once(uow_factory, clock):
    """Two sweeping processes at once, two drafts due a warning: one warning each."""
    people = [ALICE, Actor("slack", "T-PUBLIC", "U-BOB", "Bob")]
    bank = PracticeBank(uow_factory, clock)
    for person in people:
        bank.handle(Text(person, ALICE_PLACE, "share"))
        bank.handle(Text(person, ALICE_PLACE, ANSWERS[0][1]))
    now = clock.now() + timedelta(days=24)

    def sweep(_: int) -> list[Reply]:
        with uow_factory() as uow:
            sweep_stale_drafts(uow, now)
            uow.commit()
        return []

    _at_once(2, sweep)

    with uow_factory() as uow:
        notes = uow.outbox.all()
    assert sorted(n.key for n in notes) == ["draft:1", "draft:2"]
    assert all("has waited 24 days for an answer" in n.reply.plain for n in notes)


@pytest.mark.postgres
def test_two_sweepers_discard_a_stale_draft_and_tell_once(uow_factory, clock):
    """At 30 idle days two sweepers at once withdraw the draft and send one notice."""
    bank = PracticeBank(uow_factory, clock)
    bank.handle(Text(ALICE, ALICE_PLACE, "share"))
    now = clock.now() + timedelta(days=31)

    def sweep(_: int) -> list[Reply]:
        with uow_factory() as uow:
            sweep_stale_drafts(uow, now)
            uow.commit()
        return []

    _at_once(2, sweep)

    with uow_factory() as uow:
        notes = uow.outbox.all()
        submission = uow.submissions.get(ALICE.workspace, 1)
    assert [n.key for n in notes] == ["draft:1"]
    assert submission is not None and submission.state is SubmissionState.WITHDRAWN
