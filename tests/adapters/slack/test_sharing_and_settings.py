"""Sharing moves to the DM; settings come from the environment and `.env`; the manifest is sane."""

from __future__ import annotations

from pathlib import Path

import pytest

from practicebank.bootstrap import slack_settings
from practicebank.settings import SettingsError, load_settings, settings_from

ROOT = Path(__file__).resolve().parents[3]


def test_share_command_in_a_channel_continues_in_the_dm(slack):
    """`/practice share` in a channel says so privately and asks the first question in the DM."""
    slack.command("share")

    moved = slack.fake.wait_for("respond/cmd")[0].body
    assert moved["text"] == (
        "I've sent you a direct message to share your practice there, one question at a time."
    )
    assert slack.fake.wait_for("conversations.open")[0].body == {"users": "U0ALICE"}
    first = slack.fake.wait_for("chat.postMessage")[0].body
    assert first["channel"] == "DU0ALICE"


def test_typed_answer_in_the_dm_moves_the_dialogue_on(slack):
    """After `share`, a title typed in the DM is taken as the answer; the next question follows."""
    slack.command("share")
    slack.fake.wait_for("chat.postMessage")
    asked = len(slack.fake.calls_to("chat.postMessage"))

    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": "Bike marking at railway stations",
            "ts": "1700000500.000500",
            "channel": "DU0ALICE",
        },
        event_id="Ev-ANSWER",
    )

    later = slack.fake.wait_for("chat.postMessage", asked + 1)[-1].body
    assert later["channel"] == "DU0ALICE"
    assert later["text"] != slack.fake.calls_to("chat.postMessage")[0].body["text"]


def test_environment_wins_over_dotenv(tmp_path, monkeypatch):
    """`.env` supplies what the environment lacks; the environment wins where both set a name."""
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-file\nSLACK_SIGNING_SECRET=file-secret\nPORT=8080\n")
    for name in ("SLACK_SIGNING_SECRET", "PORT", "SLACK_API_URL", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-env")

    settings = slack_settings(load_settings(env_file=dotenv))

    assert (settings.bot_token, settings.signing_secret, settings.port) == (
        "xoxb-env",
        "file-secret",
        8080,
    )
    assert settings.api_url == "https://slack.com/api/"
    assert settings.socket_mode is False


def test_app_token_selects_socket_mode_and_api_url_gets_its_slash():
    """SLACK_APP_TOKEN means Socket Mode; a GovSlack API URL is taken with a trailing slash."""
    settings = slack_settings(
        settings_from(
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_APP_TOKEN": "xapp-1",
                "SLACK_API_URL": "https://slack-gov.com/api",
            }
        )
    )

    assert settings.socket_mode is True
    assert settings.api_url == "https://slack-gov.com/api/"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "x"}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s", "PORT": "eighty"}, "PORT must be"),
        (
            {"SLACK_BOT_TOKEN": "x", "SLACK_APP_TOKEN": "a", "SLACK_POLICE_ONLY": "maybe"},
            "SLACK_POLICE_ONLY must be true or false",
        ),
        (
            {"SLACK_BOT_TOKEN": "x", "SLACK_APP_TOKEN": "a", "SLACK_API_URL": "ftp://x"},
            "SLACK_API_URL must be",
        ),
    ],
)
def test_bad_settings_are_refused_with_a_readable_message(values, message):
    """A missing token or a malformed value names the variable to fix."""
    with pytest.raises(SettingsError, match=message):
        slack_settings(settings_from(values))


def test_moderation_settings_from_the_environment_are_saved_for_the_workspace(slack):
    """SLACK_MODERATION_CHANNEL and SLACK_MODERATORS configure the installed workspace."""
    with slack.store.uow_factory() as uow:
        settings = uow.workspaces.get("slack", "T0PUBLIC")

    assert settings is not None
    assert (settings.moderation_channel, settings.moderator_ids) == ("C0MOD", ("U0MOIRA",))


def test_manifest_asks_only_for_the_scopes_the_bot_uses():
    """The app manifest requests exactly the bot scopes the adapter's calls need."""
    lines = (ROOT / "slack" / "manifest.yml").read_text().splitlines()
    start = lines.index("    bot:") + 1
    scopes = []
    for line in lines[start:]:
        if not line.startswith("      - "):
            break
        scopes.append(line.removeprefix("      - ").split("#")[0].strip())

    assert scopes == ["commands", "chat:write", "im:write", "im:history", "app_mentions:read"]


def test_manifest_subscribes_to_the_events_the_adapter_listens_to():
    """Home tab, mentions and DMs: exactly the bot events the adapter registers listeners for."""
    lines = (ROOT / "slack" / "manifest.yml").read_text().splitlines()
    start = lines.index("    bot_events:") + 1
    events = []
    for line in lines[start:]:
        if not line.startswith("      - "):
            break
        events.append(line.removeprefix("      - ").split("#")[0].strip())

    assert events == ["app_home_opened", "app_mention", "message.im"]
    assert "home_tab_enabled: true" in lines[lines.index("  app_home:") + 1]
