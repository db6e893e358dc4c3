"""Races on reminders: two sweepers send each once; two moderators decide a retirement once."""

from __future__ import annotations

import threading

from bot.core import PracticeBank
from bot.followup.service import sweep_reminders
from bot.kernel.events import Click
from bot.kernel.records import Reminder, ReminderState
from bot.kernel.settings import CoreSettings
from tests.bot.moderation.helpers import MOIRA, NOW, PLACE, RAJ, WORKSPACE
from tests.support.bank import ALICE, fill_bank
from tests.support.memory import FixedClock


def test_two_sweepers_send_each_due_reminder_once(uow_factory):
    """Ten due reminders, two sweepers at once: ten messages in all, every reminder sent."""
    fill_bank(uow_factory, restricted=False)
    with uow_factory() as uow:
        for number in range(1, 11):
            uow.reminders.add(Reminder(0, f"PB{number:03d}", ALICE.key, "slack", "T-PUBLIC", NOW))
        uow.commit()
    start = threading.Barrier(2)
    sent = []

    def sweep():
        start.wait()
        sent.append(sweep_reminders(uow_factory, FixedClock(NOW), CoreSettings()))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 10
    with uow_factory() as uow:
        assert len(uow.outbox.all()) == 10
        states = {r.state for n in range(1, 11) for r in uow.reminders.for_practice(f"PB{n:03d}")}
    assert states == {ReminderState.SENT}


def test_confirm_and_keep_at_once_decide_the_retirement_once(uow_factory):
    """Two moderators answer one retirement request at once (Confirm vs Keep it): one wins."""
    fill_bank(uow_factory, restricted=False)
    with uow_factory() as uow:
        uow.workspaces.save(WORKSPACE)
        reminder = uow.reminders.add(
            Reminder(
                0, "PB001", ALICE.key, "slack", "T-PUBLIC", NOW, ReminderState.RETIREMENT_REQUESTED
            )
        )
        uow.commit()
    bank = PracticeBank(uow_factory, FixedClock(NOW))
    start = threading.Barrier(2)
    replies: dict[str, str] = {}

    def decide(actor, word):
        start.wait()
        [reply] = bank.handle(Click(actor, PLACE, f"mod:{word}:{reminder.id}"))
        replies[word] = reply.plain

    threads = [
        threading.Thread(target=decide, args=(MOIRA, "retire")),
        threading.Thread(target=decide, args=(RAJ, "keep")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [word for word, plain in replies.items() if plain.startswith(("Retired", "Kept"))]
    assert len(won) == 1
    with uow_factory() as uow:
        archived = uow.practices.get("PB001").archived_at is not None
        booked = [r for r in uow.reminders.for_practice("PB001") if r.id != reminder.id]
        assert len(uow.outbox.all()) == 2  # the contributor and the moderation channel, once
    assert (archived, len(booked)) == ((True, 0) if won == ["retire"] else (False, 1))
