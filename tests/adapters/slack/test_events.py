"""Events Slack retries (X-Slack-Retry-Num) are answered once, even across workers."""

from __future__ import annotations

from tests.adapters.slack.fake_slack import TEAM


def mention(ts: str, question: str = "knife crime") -> dict:
    return {
        "type": "app_mention",
        "user": "U0ALICE",
        "text": f"<@U0BOT> {question}",
        "ts": ts,
        "channel": "C0GENERAL",
        "team": TEAM,
    }


def test_retried_event_is_processed_once(slack):
    """The same event_id delivered again (a retry) gets 200 and no second answer."""
    first = slack.event(mention("1700000100.000100"), event_id="Ev-ONE")
    retried = slack.event(mention("1700000100.000100"), event_id="Ev-ONE", retry=1)
    other = slack.event(mention("1700000200.000200"), event_id="Ev-TWO")

    assert [first.status, retried.status, other.status] == [200, 200, 200]
    posts = slack.fake.wait_for("chat.postMessage", 2)
    assert sorted(p.body["thread_ts"] for p in posts) == ["1700000100.000100", "1700000200.000200"]


def test_event_claimed_by_another_worker_is_skipped(slack):
    """A second bot process on the same database does not answer an event the first took."""
    from store.platform_state import PlatformState
    from tests.adapters.slack.conftest import NOW

    assert PlatformState(slack.store.engine, "slack").claim("event:Ev-THREE", NOW)

    slack.event(mention("1700000300.000300"), event_id="Ev-THREE")
    slack.event(mention("1700000400.000400"), event_id="Ev-FOUR")

    posts = slack.fake.wait_for("chat.postMessage", 1)
    assert posts[0].body["thread_ts"] == "1700000400.000400"
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


def test_retry_after_a_worker_died_mid_work_is_answered(slack):
    """An event claimed by a worker that died before answering is answered on Slack's retry."""
    from datetime import timedelta

    from store.platform_state import PlatformState
    from tests.adapters.slack.conftest import NOW

    dead_worker = PlatformState(slack.store.engine, "slack")
    assert dead_worker.begin("event:Ev-DIED", NOW - timedelta(seconds=61))  # never finished

    retried = slack.event(mention("1700000500.000500"), event_id="Ev-DIED", retry=1)

    assert retried.status == 200
    [post] = slack.fake.wait_for("chat.postMessage", 1)
    assert post.body["thread_ts"] == "1700000500.000500"


def wait_until_finished(slack, key: str) -> None:
    """The listener marks the event done just after answering, in its own thread."""
    import time

    from sqlalchemy import text

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with slack.store.engine.connect() as connection:
            query = text("SELECT 1 FROM platform_claims WHERE key = :key")
            if connection.execute(query, {"key": "done:" + key}).first():
                return
        time.sleep(0.02)  # polling for the listener thread, not asserting timing
    raise AssertionError(f"{key} was never marked done")


def test_retry_of_a_finished_event_changes_nothing_even_after_the_lease(slack):
    """Once answered, the event's retries (however late) get 200 and no second answer."""
    from datetime import timedelta

    from tests.adapters.slack.conftest import NOW

    slack.event(mention("1700000600.000600"), event_id="Ev-DONE")
    slack.fake.wait_for("chat.postMessage", 1)
    wait_until_finished(slack, "event:Ev-DONE")
    slack.clock.at = NOW + timedelta(minutes=5)

    late = slack.event(mention("1700000600.000600"), event_id="Ev-DONE", retry=2)
    slack.event(mention("1700000700.000700"), event_id="Ev-NEXT")

    assert late.status == 200
    posts = slack.fake.wait_for("chat.postMessage", 2)
    assert sorted(p.body["thread_ts"] for p in posts) == ["1700000600.000600", "1700000700.000700"]
