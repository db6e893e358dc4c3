"""Two sweepers over the same due reminders (two bot processes): each reminder is sent once."""

from __future__ import annotations

import threading

from bot.followup import sweep_reminders
from bot.settings import CoreSettings
from bot.workflow import Reminder, ReminderState
from tests.bot.moderation_helpers import NOW
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
