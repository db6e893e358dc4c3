"""The home page: recent practices with the reader's rights, own submissions, moderators' queue."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands.home import Home
from bot.kernel.events import Actor
from bot.kernel.ports import WorkspaceSettings
from bot.kernel.records import Submission, SubmissionState
from bot.kernel.replies import PracticeCard, Reply
from tests.support.bank import ALICE, PC_BOB, button_ids, memory_bank

MO = Actor("slack", "T-PUBLIC", "U-MO", "Mo")
AT = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
HOSTILE_TITLE = "<!channel> 🚓 '; DROP TABLE submissions; -- \u202eعنوان\x07"


def home_for(actor: Actor, *submissions: Submission, moderators: tuple[str, ...] = ()) -> Reply:
    _bank, uows, clock = memory_bank()
    with uows() as uow:
        if moderators:
            uow.workspaces.save(WorkspaceSettings("slack", "T-PUBLIC", moderator_ids=moderators))
        for submission in submissions:
            uow.submissions.add(submission)
        uow.commit()
    return Home(uows, clock).for_actor(actor)


def submission(state: SubmissionState, title: str = "Bike marking", **extra) -> Submission:
    return Submission(
        id=0,
        contributor_key=ALICE.key,
        contributor_name="Alice",
        platform="slack",
        workspace_id="T-PUBLIC",
        state=state,
        answers={"title": title, "summary": "Marking bikes."},
        created_at=AT,
        submitted_at=AT,
        **extra,
    )


def refs(reply: Reply) -> list[str]:
    return [b.practice.ref for b in reply.blocks if isinstance(b, PracticeCard)]


def test_home_starts_with_the_share_button_and_the_newest_practices():
    """Share first, then the five practices with the highest refs (none has a date)."""
    reply = home_for(ALICE)

    assert button_ids(reply)[0] == "share"
    assert refs(reply) == ["PB063", "PB062", "PB061", "PB060", "PB059"]
    assert reply.plain.endswith("None yet. Press Share a practice to add yours.")


def test_restricted_practices_only_reach_police_only_workspaces():
    """The restricted PB900 tops a police officer's page and is absent from a public one."""
    assert refs(home_for(PC_BOB))[0] == "PB900"
    assert "PB900" not in refs(home_for(ALICE))


def test_own_submissions_show_their_state_and_revise_when_asked():
    """Each submission of the person reads with its state; changes requested gets Revise."""
    reply = home_for(
        ALICE,
        submission(SubmissionState.SUBMITTED, "First"),
        submission(SubmissionState.CHANGES_REQUESTED, "Second"),
        submission(SubmissionState.PUBLISHED, "Third", published_ref="PB064"),
    )

    lines = reply.plain.splitlines()
    assert lines[-4:] == [
        "Your drafts and submissions",
        "S-0003 “Third”: published as PB064.",
        "S-0002 “Second”: changes requested.",
        "S-0001 “First”: with the moderators.",
    ]
    assert button_ids(reply)[-1] == "share:revise:2"


def test_other_peoples_submissions_are_not_shown():
    """Mo's page does not list Alice's submission."""
    reply = home_for(MO, submission(SubmissionState.SUBMITTED))

    assert "S-0001" not in reply.plain


def test_moderators_see_the_queue_and_others_do_not():
    """The queue section is added for a moderator only, with an Open button per submission."""
    pending = submission(SubmissionState.SUBMITTED, HOSTILE_TITLE)

    for_mo = home_for(MO, pending, moderators=("U-MO",))
    for_alice = home_for(ALICE, pending, moderators=("U-MO",))

    assert "Waiting for moderation" in for_mo.plain.splitlines()
    assert button_ids(for_mo)[-1] == "mod:open:1"
    assert "Waiting for moderation" not in for_alice.plain
    # User text travels unescaped in the neutral reply; the renderers escape it.
    assert HOSTILE_TITLE in for_alice.plain


def test_a_huge_title_is_shortened_on_the_home_page():
    """A 100 kB title does not flood the page."""
    reply = home_for(ALICE, submission(SubmissionState.DRAFT, "x" * 100_000))

    assert len(reply.plain) < 5_000
    assert "draft, not sent yet." in reply.plain
