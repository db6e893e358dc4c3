"""Shared test data and builders: the demo bank plus a restricted practice, actors and places."""

from __future__ import annotations

from bot.bankfile.demo import load_demo_practices
from bot.core import PracticeBank
from bot.kernel.domain import Effectiveness, Focus, Practice, Visibility
from bot.kernel.events import Actor, Place
from bot.kernel.ports import UnitOfWorkFactory, WorkspaceSettings
from bot.kernel.replies import Buttons, PracticeCard, Reply
from tests.support.memory import FixedClock, MemoryUnitOfWorkFactory

# Only police-only workspaces may see it; "knife" finds it there (and only there).
RESTRICTED = Practice(
    ref="PB900",
    title="Covert knife test purchase tactics",
    summary="Officers run covert knife test purchases at retailers; the method is police only.",
    effectiveness=Effectiveness.PROMISING,
    focus=(Focus.PREVENTION,),
    organisation="Example Constabulary",
    visibility=Visibility.RESTRICTED,
)

ALICE = Actor("slack", "T-PUBLIC", "U-ALICE", "Alice")
ALICE_PLACE = Place("slack", "T-PUBLIC", "C-GENERAL")
PC_BOB = Actor("slack", "T-POLICE", "U-BOB", "Bob")
PC_BOB_PLACE = Place("slack", "T-POLICE", "C-OPS")
POLICE_ONLY = WorkspaceSettings("slack", "T-POLICE", police_only=True)


def practice_record(**fields: object) -> dict[str, object]:
    """A minimal valid bank-file practice record (the required fields), changed by `fields`."""
    record: dict[str, object] = {
        "ref": "PB001",
        "title": "Title",
        "summary": "Summary.",
        "effectiveness": "worked",
        "focus": ["prevention"],
    }
    record.update(fields)
    return record


def fill_bank(uow_factory: UnitOfWorkFactory, *, restricted: bool = True) -> None:
    """Load the shipped demo bank (and the restricted practice) and mark T-POLICE police-only."""
    with uow_factory() as uow:
        uow.practices.upsert_many([*load_demo_practices(), *([RESTRICTED] if restricted else [])])
        uow.workspaces.save(POLICE_ONLY)
        uow.commit()


def memory_bank() -> tuple[PracticeBank, MemoryUnitOfWorkFactory, FixedClock]:
    """A core over in-memory storage holding the demo bank plus the restricted practice."""
    uows = MemoryUnitOfWorkFactory()
    fill_bank(uows)
    clock = FixedClock()
    return PracticeBank(uows, clock), uows, clock


def card_refs(reply: Reply) -> list[str]:
    """The refs of the practice cards in a reply, in order."""
    return [b.practice.ref for b in reply.blocks if isinstance(b, PracticeCard)]


def button_ids(reply: Reply) -> list[str]:
    """Every button's action id in a reply, in order."""
    return [a.id for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]


def button_labels(reply: Reply) -> list[str]:
    """Every button's label in a reply, in order."""
    return [a.label for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]
