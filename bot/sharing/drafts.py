"""Persistence of a person's open sharing draft and its conversation.

The `Conversation` (where the dialogue stands) and the draft `Submission` (the answers) are
loaded, saved, opened and withdrawn together. Nothing here knows which worker runs it: `save` is
a compare-and-set on the conversation's revision and the submission's, so whichever worker
receives an answer applies it, and of two applying one answer at once (a retry, a double send)
the second raises `DraftMoved` and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.kernel.events import Actor
from bot.kernel.ports import UnitOfWork
from bot.kernel.records import Conversation, Submission, SubmissionState
from bot.kernel.replies import Reply, text
from bot.sharing.dialogue import Draft, first_step

SHARE_KIND = "share"
UPDATE_KIND = "update"
KINDS = frozenset({SHARE_KIND, UPDATE_KIND})
EDITABLE_STATES = frozenset({SubmissionState.DRAFT, SubmissionState.CHANGES_REQUESTED})
# Keys older versions kept in the conversation's data: `instance` named the process that last
# touched it (a restart then forced a resume offer, which broke with two workers).
_RETIRED_KEYS = frozenset({"instance"})


@dataclass(frozen=True)
class OpenDraft:
    """A person's sharing conversation with its submission, and the dialogue state they hold."""

    conversation: Conversation
    submission: Submission

    @property
    def draft(self) -> Draft:
        """The pure dialogue state; answers come from the submission, their one home."""
        data = self.conversation.data
        history = data.get("history")
        return Draft(
            step=self.conversation.step,
            answers=dict(self.submission.answers),
            history=tuple(h for h in history if isinstance(h, str))
            if isinstance(history, list)
            else (),
            editing=data.get("editing") is True,
            before_cancel=str(data.get("before_cancel") or ""),
            filled=tuple(f for f in filled if isinstance(f, str))
            if isinstance(filled := data.get("filled"), list)
            else (),
        )

    @property
    def ref(self) -> str:
        """What the review card shows as the practice's ref: the target or the submission id."""
        return self.submission.target_ref or self.submission.ref


def load(uow: UnitOfWork, conversation: Conversation) -> OpenDraft | None:
    """The conversation's submission if it is still the person's and still editable."""
    submission_id = conversation.data.get("submission_id")
    if not isinstance(submission_id, int) or isinstance(submission_id, bool):
        return None
    submission = uow.submissions.get_own(conversation.actor_key, submission_id)
    if submission is None or submission.state not in EDITABLE_STATES:
        return None
    return OpenDraft(conversation, submission)


def find(uow: UnitOfWork, actor_key: str) -> OpenDraft | Conversation | None:
    """The person's open sharing draft; another dialogue's conversation; or None.

    A sharing conversation whose submission closed meanwhile is forgotten here.
    """
    conversation = uow.conversations.get(actor_key)
    if conversation is None:
        return None
    if conversation.kind not in KINDS:
        return conversation
    found = load(uow, conversation)
    if found is None:
        uow.conversations.delete(actor_key)
    return found


class DraftMoved(Exception):
    """The draft changed elsewhere since it was loaded (another worker applied an answer first).

    Raised out of the unit of work, so that nothing of the losing move is committed.
    """


def save(
    uow: UnitOfWork,
    open_draft: OpenDraft,
    draft: Draft,
    now: datetime,
    **data: Any,
) -> OpenDraft:
    """Write the dialogue state and, if they changed, the answers; `DraftMoved` if it moved on."""
    previous = open_draft.conversation
    conversation = replace(
        previous,
        step=draft.step,
        data={
            **{k: v for k, v in previous.data.items() if k not in _RETIRED_KEYS},
            "history": list(draft.history),
            "editing": draft.editing,
            "before_cancel": draft.before_cancel,
            "filled": list(draft.filled),
            "warned": False,
            **data,
        },
        updated_at=now,
    )
    if not uow.conversations.save(conversation, expected_revision=previous.revision):
        raise DraftMoved(previous.actor_key)
    conversation = replace(conversation, revision=previous.revision + 1)
    submission = open_draft.submission
    if dict(draft.answers) != submission.answers:
        saved = uow.submissions.save(
            replace(submission, answers=dict(draft.answers), updated_at=now),
            expected_revision=submission.revision,
        )
        if saved is None:
            raise DraftMoved(previous.actor_key)
        submission = saved
    return OpenDraft(conversation, submission)


def conflict() -> Reply:
    """The answer when `save` (or a submit) finds the draft changed elsewhere meanwhile."""
    return Reply(
        (
            text(
                "This draft was changed elsewhere in the meantime, so I did not save that. "
                "Type share to see where it stands."
            ),
        )
    )


def withdraw(uow: UnitOfWork, open_draft: OpenDraft, now: datetime) -> bool:
    """Discard a draft: its submission is withdrawn (kept for the record), its dialogue deleted.

    False when the submission changed meanwhile (another worker or sweeper withdrew or submitted
    it first): then nothing is written, so only one of them tells the person.
    """
    submission = open_draft.submission
    withdrawn = uow.submissions.save(
        replace(submission, state=SubmissionState.WITHDRAWN, updated_at=now),
        expected_revision=submission.revision,
    )
    if withdrawn is None:
        return False
    uow.conversations.delete(open_draft.conversation.actor_key)
    return True


def new_conversation(
    actor_key: str, kind: str, draft: Draft, submission_id: int, now: datetime, **data: Any
) -> Conversation:
    """A sharing conversation for `submission_id`, standing where `draft` stands."""
    return Conversation(
        actor_key=actor_key,
        kind=kind,
        step=draft.step,
        data={
            "submission_id": submission_id,
            "history": list(draft.history),
            "editing": draft.editing,
            "before_cancel": draft.before_cancel,
            "filled": list(draft.filled),
            **data,
        },
        updated_at=now,
    )


def new_draft(
    uow: UnitOfWork,
    actor: Actor,
    now: datetime,
    answers: dict[str, Any],
    *,
    target_ref: str | None = None,
    call_id: int | None = None,
) -> OpenDraft:
    """Open a draft submission and its conversation at the dialogue's first step.

    Raises `DraftExists` (from the store) when the person already has a draft: one open draft per
    person is the database's rule, so of two `share` racing on two workers one loses here.
    """
    submission = uow.submissions.add(
        Submission(
            id=0,
            contributor_key=actor.key,
            contributor_name=actor.display_name or actor.user_id,
            platform=actor.platform,
            workspace_id=actor.workspace_id,
            state=SubmissionState.DRAFT,
            answers=answers,
            target_ref=target_ref,
            call_id=call_id,
            created_at=now,
            updated_at=now,
        )
    )
    return _attach(uow, submission, now)


def adopt(uow: UnitOfWork, actor_key: str, now: datetime) -> OpenDraft | None:
    """The person's draft that has no conversation (lost to an older bug), given one again.

    The unique index keeps a person to one draft, so a draft without its dialogue would block
    every later `share`; it is picked up where its answers stand instead.
    """
    drafts = [s for s in uow.submissions.open_for(actor_key) if s.state is SubmissionState.DRAFT]
    return _attach(uow, drafts[-1], now) if drafts else None


def _attach(uow: UnitOfWork, submission: Submission, now: datetime) -> OpenDraft:
    """Start the conversation of a draft submission at the dialogue's first step for its answers."""
    draft = first_step(submission.answers)
    kind = UPDATE_KIND if submission.target_ref else SHARE_KIND
    conversation = new_conversation(submission.contributor_key, kind, draft, submission.id, now)
    uow.conversations.save(conversation)
    stored = uow.conversations.get(submission.contributor_key)
    return OpenDraft(stored or conversation, submission)
