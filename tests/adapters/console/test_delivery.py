"""Outbox delivery to the terminal: each session prints its own person's mail, marked delivered."""

from __future__ import annotations

import io

import pytest

from adapters.console.app import GREETING, ConsoleSession, run_console
from adapters.console.delivery import ConsoleDelivery, deliver_console_notifications
from bot.core import PracticeBank
from bot.kernel.events import Actor
from bot.kernel.ports import WorkspaceSettings
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import Action, Buttons, Reply, text
from tests.support.bank import fill_bank
from tests.support.memory import FixedClock

ALICE = Actor("console", "local", "alice", "alice")
BOB = Actor("console", "local", "bob", "bob")
MO = Actor("console", "local", "mo", "mo")
CONSOLE = WorkspaceSettings("console", "local", moderation_channel="console", moderator_ids=("mo",))

PUBLISHED = Reply((text("Your practice PB064 is published."),))
QUEUE_CARD = Reply(
    (
        text("New submission S-0001 from alice."),
        Buttons((Action("show:PB046", "Open PB046"), Action("help", "Help"))),
    )
)


def _note(recipient: str, reply: Reply = PUBLISHED, **fields) -> Notification:
    audience = fields.pop("audience", Audience.PERSON)
    return Notification(
        fields.pop("platform", "console"),
        fields.pop("workspace_id", "local"),
        audience,
        recipient,
        reply,
        **fields,
    )


def _channel(reply: Reply = QUEUE_CARD, recipient: str = "console", **fields) -> Notification:
    return _note(recipient, reply, audience=Audience.CHANNEL, **fields)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def bank(uow_factory, clock) -> PracticeBank:
    fill_bank(uow_factory)
    with uow_factory() as uow:
        uow.workspaces.save(CONSOLE)
        uow.commit()
    return PracticeBank(uow_factory, clock)


@pytest.fixture
def queue(uow_factory):
    def add(*notifications: Notification) -> list[Notification]:
        with uow_factory() as uow:
            stored = [uow.outbox.add(n) for n in notifications]
            uow.commit()
        return stored

    return add


def session_for(actor: Actor, bank, uow_factory, clock) -> ConsoleSession:
    return ConsoleSession(bank, actor, delivery=ConsoleDelivery(uow_factory, clock))


@pytest.fixture
def alice(bank, uow_factory, clock) -> ConsoleSession:
    return session_for(ALICE, bank, uow_factory, clock)


@pytest.fixture
def mo(bank, uow_factory, clock) -> ConsoleSession:
    return session_for(MO, bank, uow_factory, clock)


def delivered(uow_factory) -> list[tuple[str, object]]:
    with uow_factory() as uow:
        return [(n.recipient, n.delivered_at) for n in uow.outbox.all()]


def test_a_message_for_the_person_is_printed_under_a_header(alice, queue):
    """A direct message to this terminal's user is printed like a reply, under its header."""
    queue(_note("alice"))
    assert alice.check() == ["── message for you ──\nYour practice PB064 is published."]


def test_printed_mail_is_marked_delivered_and_not_printed_again(alice, queue, uow_factory, clock):
    """Delivery is recorded with the clock's time; the next check prints nothing."""
    queue(_note("alice"))
    alice.check()
    assert delivered(uow_factory) == [("alice", clock.at)]
    assert alice.check() == []


def test_mail_for_someone_else_stays_queued(alice, queue, uow_factory, bank, clock):
    """Bob's message is not shown to alice and waits, undelivered, for bob's terminal."""
    queue(_note("bob"))
    assert alice.check() == []
    assert delivered(uow_factory) == [("bob", None)]
    bob = session_for(BOB, bank, uow_factory, clock)
    assert bob.check() == ["── message for you ──\nYour practice PB064 is published."]


def test_mail_arrives_after_a_typed_line(alice, queue):
    """After answering a line, the session prints the mail that came in meanwhile."""
    queue(_note("alice"))
    outputs = alice.push("show PB046")
    assert outputs[0].startswith("PB046 · Reducing theft of catalytic converters")
    assert outputs[1:] == ["── message for you ──\nYour practice PB064 is published."]


def test_an_empty_line_checks_for_mail(alice, queue):
    """Pressing Enter on an empty line prints waiting mail (and nothing else)."""
    assert alice.push("") == []
    queue(_note("alice"))
    assert alice.push("") == ["── message for you ──\nYour practice PB064 is published."]


def test_moderation_channel_posts_reach_a_moderator(mo, queue):
    """A moderator's terminal shows the moderation channel's posts, buttons numbered."""
    queue(_channel())
    assert mo.check() == [
        "── moderation channel ──\nNew submission S-0001 from alice.\n   [1] Open PB046  [2] Help"
    ]


def test_moderation_channel_posts_wait_for_a_moderator(alice, mo, queue, uow_factory):
    """A contributor's terminal leaves moderation posts queued; the moderator then gets them."""
    queue(_channel())
    assert alice.check() == []
    assert delivered(uow_factory) == [("console", None)]
    assert mo.check()[0].startswith("── moderation channel ──")


def test_an_update_of_an_earlier_post_says_so(mo, queue):
    """A notification that replaces an earlier message is marked as updated."""
    queue(_channel(Reply((text("S-0001 approved by mo."),)), replace=True, key="submission:1"))
    assert mo.check() == ["── moderation channel (updated) ──\nS-0001 approved by mo."]


def test_posts_to_another_channel_go_to_whoever_looks_first(alice, mo, queue):
    """An announcement in a channel other than moderation is shown to the first terminal."""
    queue(_channel(Reply((text("A call for practice is open."),)), recipient="general"))
    assert alice.check() == ["── channel general ──\nA call for practice is open."]
    assert mo.check() == []


@pytest.mark.parametrize(
    "fields",
    [{"workspace_id": "elsewhere"}, {"platform": "slack"}],
    ids=["other workspace", "other platform"],
)
def test_mail_for_another_workspace_or_platform_is_left_alone(alice, queue, uow_factory, fields):
    """A same-named user elsewhere does not get this terminal's mail, nor this one theirs."""
    queue(_note("alice", **fields))
    assert alice.check() == []
    assert delivered(uow_factory) == [("alice", None)]


def test_buttons_in_mail_are_pressable(mo, queue):
    """A button in a delivered notification is pressed by its number, like a reply's."""
    queue(_channel())
    mo.check()
    assert mo.push("1")[0].startswith("PB046 · Reducing theft of catalytic converters")


def test_buttons_in_mail_are_numbered_after_the_reply_printed_with_it(mo, queue):
    """Mail printed after a reply continues its numbering, so both stay pressable."""
    queue(_channel())
    reply, mail = mo.push("knife")
    assert reply.splitlines()[-3] == "   [2] Details PB058"
    assert reply.splitlines()[-1] == "   [3] Diversion (1)"
    assert mail.splitlines()[-1] == "   [4] Open PB046  [5] Help"
    assert mo.push("4")[0].startswith("PB046 · ")


def test_mail_arriving_on_its_own_numbers_its_buttons_from_one(mo, queue):
    """Mail printed on an empty line starts at 1 and replaces the older buttons."""
    mo.push("knife")
    queue(_channel())
    [mail] = mo.push("")
    assert mail.splitlines()[-1] == "   [1] Open PB046  [2] Help"
    assert [b.label for b in mo.buttons] == ["Open PB046", "Help"]


def test_buttons_in_mail_are_pressable_by_label(mo, queue):
    """A notification's button may be pressed by typing its label."""
    queue(_channel())
    mo.check()
    assert mo.push("open pb046")[0].startswith("PB046 · ")


def test_several_notifications_are_printed_oldest_first(alice, queue):
    """Queued mail comes out in the order it was written."""
    queue(_note("alice", Reply((text("first"),))), _note("alice", Reply((text("second"),))))
    assert alice.check() == ["── message for you ──\nfirst", "── message for you ──\nsecond"]


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ("\x1b]0;owned\x07\x1b[2Jcleared", "cleared"),
        ("\u202eevil\u202c", "evil"),
        ("<!channel> @everyone", "<!channel> @everyone"),
        ("🔪 جرائم السكاكين", "🔪 جرائم السكاكين"),
        ("x" * 100_000, "x" * 88),
    ],
    ids=["escapes", "bidi", "mentions", "emoji rtl", "100 kB"],
)
def test_hostile_mail_is_printed_safely(alice, queue, hostile, shown):
    """Escape sequences and bidi marks in a notification never reach the terminal."""
    queue(_note("alice", Reply((text(hostile),))))
    [mail] = alice.check()
    assert mail.splitlines()[1] == shown
    assert not any(ord(ch) < 32 and ch != "\n" for ch in mail)
    assert "\u202e" not in mail


def test_deliver_reports_the_moderation_channel(uow_factory, queue, clock, bank):
    """The delivery step returns the notifications taken and the channel they are named by."""
    [stored] = queue(_channel())
    result = deliver_console_notifications(uow_factory, clock, MO)
    assert [n.id for n in result.notifications] == [stored.id]
    assert result.moderation_channel == "console"


def test_run_console_prints_waiting_mail_before_the_first_prompt(bank, queue, uow_factory, clock):
    """Mail that waited while the terminal was closed is printed right after the greeting."""
    queue(_note("alice"))
    stdout = io.StringIO()
    run_console(
        bank, io.StringIO("quit\n"), stdout, ALICE, delivery=ConsoleDelivery(uow_factory, clock)
    )
    assert stdout.getvalue() == (
        f"{GREETING}\n── message for you ──\nYour practice PB064 is published.\n\nGoodbye.\n\n"
    )
