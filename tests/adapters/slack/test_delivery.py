"""Slack delivery through the shared loop: posts, DMs, edits, 429 Retry-After, back-off, leases."""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.records import Audience, Notification
from bot.kernel.replies import Reply, text
from tests.adapters.slack.conftest import MODERATION_CHANNEL, NOW
from tests.adapters.slack.fake_slack import TEAM


def queue(
    slack,
    reply_text="Hello <!here> & co",
    *,
    audience=Audience.CHANNEL,
    recipient=MODERATION_CHANNEL,
    key="",
    replace=False,
) -> int:
    with slack.store.uow_factory() as uow:
        stored = uow.outbox.add(
            Notification(
                "slack",
                TEAM,
                audience,
                recipient,
                Reply((text(reply_text),), private=False),
                key=key,
                replace=replace,
                created_at=NOW,
            )
        )
        uow.commit()
    assert stored.id is not None
    return stored.id


def stored(slack, notification_id):
    with slack.store.uow_factory() as uow:
        return next(n for n in uow.outbox.all() if n.id == notification_id)


def pending_at(slack, moment):
    with slack.store.uow_factory() as uow:
        return [n.id for n in uow.outbox.pending("slack", moment)]


def test_channel_notification_is_posted_escaped_and_marked_delivered(slack):
    """A channel notification becomes chat.postMessage with escaped text, then is delivered."""
    notification_id = queue(slack)

    outcome = slack.bot.loop.run_once()

    assert outcome.delivered == [notification_id]
    call = slack.fake.wait_for("chat.postMessage")[0]
    assert call.body == {
        "channel": MODERATION_CHANNEL,
        "text": "Hello &lt;!here&gt; &amp; co",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "Hello &lt;!here&gt; &amp; co"}}
        ],
    }
    assert stored(slack, notification_id).delivered_at is not None


def test_person_notification_opens_the_dm_first(slack):
    """A notification for a person opens the DM (conversations.open) and posts there."""
    queue(slack, "Your practice was published.", audience=Audience.PERSON, recipient="U0ALICE")

    slack.bot.loop.run_once()

    assert slack.fake.wait_for("conversations.open")[0].body == {"users": "U0ALICE"}
    assert slack.fake.wait_for("chat.postMessage")[0].body["channel"] == "DU0ALICE"


def test_replace_edits_the_message_posted_for_the_same_key(slack):
    """A `replace` notification edits the earlier message of its key with chat.update."""
    queue(slack, "Waiting", key="submission:7")
    slack.bot.loop.run_once()

    queue(slack, "Approved", key="submission:7", replace=True)
    slack.bot.loop.run_once()

    update = slack.fake.wait_for("chat.update")[0].body
    assert update == {
        "channel": MODERATION_CHANNEL,
        "ts": "1700000000.000001",
        "text": "Approved",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Approved"}}],
    }
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


def test_429_is_retried_after_retry_after(slack):
    """A 429 reschedules the notification for `Retry-After` seconds later, then it is sent."""
    notification_id = queue(slack)
    slack.fake.fail_next(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, **{"Retry-After": "30"}
    )

    first = slack.bot.loop.run_once()

    assert first.retrying == [notification_id]
    failed = stored(slack, notification_id)
    assert (failed.attempts, failed.last_error, failed.delivered_at) == (1, "429 ratelimited", None)
    assert pending_at(slack, NOW + timedelta(seconds=29)) == []
    assert pending_at(slack, NOW + timedelta(seconds=30)) == [notification_id]

    slack.clock.at = NOW + timedelta(seconds=30)
    second = slack.bot.loop.run_once()

    assert second.delivered == [notification_id]
    assert len(slack.fake.calls_to("chat.postMessage")) == 2


def test_server_error_is_retried_with_back_off(slack):
    """Another failure (HTTP 500) is retried after the first back-off: 1 to 2 s, with jitter."""
    notification_id = queue(slack)
    slack.fake.fail_next("chat.postMessage", 500, {"ok": False, "error": "fatal_error"})

    outcome = slack.bot.loop.run_once()

    assert outcome.retrying == [notification_id]
    assert stored(slack, notification_id).last_error == "fatal_error"
    assert pending_at(slack, NOW + timedelta(seconds=0.99)) == []
    assert pending_at(slack, NOW + timedelta(seconds=2)) == [notification_id]


def test_permanent_error_gives_up_at_once(slack):
    """`not_in_channel` cannot heal by waiting: the notification is given up and recorded."""
    notification_id = queue(slack)
    slack.fake.fail_next("chat.postMessage", 200, {"ok": False, "error": "not_in_channel"})

    outcome = slack.bot.loop.run_once()

    assert outcome.given_up == [notification_id]
    assert stored(slack, notification_id).last_error == "not_in_channel"
    assert pending_at(slack, NOW + timedelta(days=365)) == []


def test_a_notification_leased_by_another_worker_is_not_sent_twice(slack):
    """While another worker's lease holds, this one leaves the notification alone."""
    queue(slack)
    with slack.store.uow_factory() as uow:
        uow.outbox.lease("slack", "other-worker", NOW, NOW + timedelta(seconds=60))
        uow.commit()

    outcome = slack.bot.loop.run_once()

    assert outcome.delivered == []
    assert slack.fake.calls_to("chat.postMessage") == []


def test_a_lease_left_by_a_dead_worker_is_taken_over_when_it_runs_out(slack):
    """A worker that died mid-send strands its notification only until the lease expires."""
    notification_id = queue(slack)
    with slack.store.uow_factory() as uow:
        uow.outbox.lease("slack", "dead-worker", NOW, NOW + timedelta(seconds=60))
        uow.commit()

    slack.clock.at = NOW + timedelta(seconds=60)
    outcome = slack.bot.loop.run_once()

    assert outcome.delivered == [notification_id]
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
