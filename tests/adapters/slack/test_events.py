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
