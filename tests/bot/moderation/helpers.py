"""Builders shared by the moderation, publication, follow-up, call and report tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core import PracticeBank
from bot.kernel.events import Actor, Click, Command, FormSubmit, Place, Text
from bot.kernel.ports import WorkspaceSettings
from bot.kernel.records import Audience, Notification, Submission, SubmissionState
from bot.kernel.replies import Buttons, Form, Reply
from bot.kernel.settings import CoreSettings
from tests.support.bank import ALICE, fill_bank
from tests.support.memory import FixedClock, MemoryUnitOfWorkFactory
from tests.support.moderation import SAMPLE_ANSWERS

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
WORKSPACE = WorkspaceSettings(
    "slack",
    "T-PUBLIC",
    moderation_channel="C-MOD",
    moderator_ids=("U-MOIRA",),
    moderator_roles=("Practice Moderators",),
)
MOIRA = Actor("slack", "T-PUBLIC", "U-MOIRA", "Moira")
RAJ = Actor("slack", "T-PUBLIC", "U-RAJ", "Raj", roles=("practice moderators",))
EVE = Actor("slack", "T-PUBLIC", "U-EVE", "Eve")
OUTSIDER = Actor("slack", "T-OTHER", "U-MOIRA", "Moira elsewhere")
PLACE = Place("slack", "T-PUBLIC", "C-MOD")

ANSWERS: dict[str, Any] = SAMPLE_ANSWERS


@dataclass
class World:
    """A core over in-memory storage with the demo bank and a configured workspace."""

    bank: PracticeBank
    uows: MemoryUnitOfWorkFactory
    clock: FixedClock


def make_world(
    settings: CoreSettings | None = None,
    workspace: WorkspaceSettings = WORKSPACE,
    factory: type[MemoryUnitOfWorkFactory] = MemoryUnitOfWorkFactory,
) -> World:
    clock = FixedClock(NOW)
    uows = factory(clock=clock)
    fill_bank(uows, restricted=False)
    with uows() as uow:
        uow.workspaces.save(workspace)
        uow.commit()
    return World(PracticeBank(uows, clock, settings=settings), uows, clock)


def add_submission(
    world: World,
    answers: dict[str, Any] | None = None,
    *,
    contributor: Actor = ALICE,
    target_ref: str | None = None,
    call_id: int | None = None,
    state: SubmissionState = SubmissionState.SUBMITTED,
) -> Submission:
    with world.uows() as uow:
        submission = uow.submissions.add(
            Submission(
                id=0,
                contributor_key=contributor.key,
                contributor_name=contributor.display_name,
                platform=contributor.platform,
                workspace_id=contributor.workspace_id,
                state=state,
                answers=dict(ANSWERS if answers is None else answers),
                target_ref=target_ref,
                call_id=call_id,
                created_at=world.clock.now(),
                submitted_at=world.clock.now(),
            )
        )
        uow.commit()
    return submission


def click(world: World, actor: Actor, action: str) -> list[Reply]:
    return world.bank.handle(Click(actor, PLACE, action))


def send_form(world: World, actor: Actor, form: str, values: dict[str, str]) -> Reply:
    replies = world.bank.handle(FormSubmit(actor, PLACE, form, values))
    assert len(replies) == 1
    return replies[0]


def say(world: World, actor: Actor, line: str) -> Reply:
    replies = world.bank.handle(Text(actor, PLACE, line))
    assert len(replies) == 1
    return replies[0]


def command(world: World, actor: Actor, name: str, rest: str) -> Reply:
    replies = world.bank.handle(Command(actor, PLACE, name, rest))
    assert len(replies) == 1
    return replies[0]


def form_of(reply: Reply) -> Form:
    forms = [b for b in reply.blocks if isinstance(b, Form)]
    assert len(forms) == 1
    return forms[0]


def outbox(world: World) -> list[Notification]:
    with world.uows() as uow:
        return uow.outbox.all()


def to_person(world: World, user_id: str) -> list[Notification]:
    return [n for n in outbox(world) if n.audience is Audience.PERSON and n.recipient == user_id]


def to_channel(world: World) -> list[Notification]:
    return [n for n in outbox(world) if n.audience is Audience.CHANNEL]


def has_buttons(reply: Reply) -> bool:
    return any(isinstance(b, Buttons) for b in reply.blocks)
