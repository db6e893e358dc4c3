"""App Home: opening the Home tab publishes the person's page; its buttons answer in the DM."""

from __future__ import annotations

import json
from typing import Any

from tests.adapters.slack.conftest import DEFAULT_TRIGGER, MODERATOR
from tests.adapters.slack.fake_slack import TEAM
from tests.adapters.slack.test_moderation import submit_for_moderation


def home_opened(user: str, tab: str = "home") -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user}",
        "tab": tab,
        "event_ts": "1700000700.000100",
    }


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def actions(*buttons: tuple[str, str, str | None]) -> dict[str, Any]:
    elements = []
    for action_id, label, style in buttons:
        element: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "text": {"type": "plain_text", "text": label, "emoji": True},
        }
        if style:
            element["style"] = style
        elements.append(element)
    return {"type": "actions", "elements": elements}


def home_click(action_id: str, user: str = "U0ALICE") -> dict[str, Any]:
    """A button pressed on the Home tab: a view container, no channel and no response_url."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": user, "username": user.removeprefix("U0").lower(), "team_id": TEAM},
        "api_app_id": "A-APP",
        "trigger_id": DEFAULT_TRIGGER,
        "container": {"type": "view", "view_id": "V-HOME"},
        "view": {"id": "V-HOME", "type": "home", "blocks": []},
        "actions": [{"action_id": action_id, "block_id": "b1", "type": "button"}],
    }


INTRO = section(
    "*Practice bank*: what police forces and partners tried against crime and harm, and "
    "whether it worked. Search with */practice* and a few words."
)
SHARE = actions(("share", "Share a practice", "primary"))


def published_home(slack, user: str, event_id: str) -> dict[str, Any]:
    published = len(slack.fake.calls_to("views.publish"))
    slack.event(home_opened(user), event_id=event_id)
    call = slack.fake.wait_for("views.publish", published + 1)[-1]
    assert call.body["user_id"] == user
    assert call.body["view"]["type"] == "home"
    return call.body["view"]


def test_home_tab_shows_recent_practices_and_the_persons_submissions(slack):
    """views.publish: intro, Share button, five newest practices, the person's submission."""
    submit_for_moderation(slack)

    view = published_home(slack, "U0ALICE", "Ev-HOME-1")

    blocks = view["blocks"]
    assert blocks[:4] == [
        INTRO,
        SHARE,
        section("*Recently published*"),
        section(
            "*Walk and talks with young Somalian community members* · `PB063`\nWorking with "
            "a local charity and Somalian community leaders who volunteered, police met young "
            "Somalian people in public places to talk about issues that mattered to them and "
            "improve engagement."
        ),
    ]
    shown = [b["elements"][0]["action_id"] for b in blocks if b["type"] == "actions"][1:]
    assert shown == ["show:PB063", "show:PB062", "show:PB061", "show:PB060", "show:PB059"]
    assert blocks[-2:] == [
        section("*Your drafts and submissions*"),
        section("*S-0001* “Bike marking at &lt;!channel&gt; stations”: with the moderators."),
    ]
    assert "<!channel>" not in json.dumps(blocks)


def test_moderator_home_tab_adds_the_pending_queue(slack):
    """A moderator's page ends with the queue, each submission with an Open button."""
    submit_for_moderation(slack)

    blocks = published_home(slack, MODERATOR, "Ev-HOME-2")["blocks"]

    assert blocks[-6:] == [
        section("*Your drafts and submissions*"),
        section("None yet. Press Share a practice to add yours."),
        section("*Waiting for moderation*"),
        section("*1 submission waiting*, oldest first."),
        section("S-0001 “Bike marking at &lt;!channel&gt; stations” from Alice: waiting just now."),
        actions(("mod:open:1", "Open S-0001: Bike marking at <!channel> stations", None)),
    ]


def test_non_moderator_home_has_no_queue(slack):
    """Someone who does not moderate never sees the queue on their page."""
    submit_for_moderation(slack)

    blocks = published_home(slack, "U0EVE", "Ev-HOME-3")["blocks"]

    assert section("*Waiting for moderation*") not in blocks
    assert blocks[-1] == section("None yet. Press Share a practice to add yours.")


def test_messages_tab_publishes_nothing(slack):
    """Opening the Messages tab (not Home) leaves the Home view alone."""
    slack.event(home_opened("U0ALICE", tab="messages"), event_id="Ev-HOME-4")
    published_home(slack, "U0EVE", "Ev-HOME-5")  # dispatched after, and awaited

    assert [c.body["user_id"] for c in slack.fake.calls_to("views.publish")] == ["U0EVE"]


def test_share_button_on_the_home_tab_starts_sharing_in_the_dm(slack):
    """*Share a practice* on Home opens the DM and asks the first question there."""
    response = slack.interact(home_click("share"))

    assert response.status == 200
    assert slack.fake.wait_for("conversations.open")[0].body == {"users": "U0ALICE"}
    first = slack.fake.wait_for("chat.postMessage")[0].body
    assert first["channel"] == "DU0ALICE"
    assert "What is the practice called?" in first["text"]
    assert slack.fake.calls_to("chat.postEphemeral") == []


def test_details_button_on_the_home_tab_answers_in_the_dm(slack):
    """*Details* on Home posts the full practice in the person's DM."""
    slack.interact(home_click("show:PB017"))

    call = slack.fake.wait_for("chat.postMessage")[0].body
    assert call["channel"] == "DU0ALICE"
    assert call["blocks"][0] == section("*Habitual knife carrier index* · `PB017`")
