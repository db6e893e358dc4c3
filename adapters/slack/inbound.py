"""Turns Slack payloads (slash commands, clicks, modal submissions, messages) into core events.

One `on_<payload>` function per payload type; Bolt's listener registry (`SlackAdapter.register`)
is the dispatch table that picks it by the payload's type, so a new Slack feature is a new
listener and a new function here. Payloads come from Slack but are read defensively: a missing
or odd field gives an empty string, never an exception. Typed text (commands, mentions, DMs)
arrives in Slack's message formatting and is decoded to what the person typed
(`adapters.slack.text.decode`); modal values arrive as typed and are taken as they are. Where each
event happened (`Source`) is kept beside the event, because the answer goes back to the same
place: an ephemeral reply through the `response_url`, a thread, a direct message, or the message
a button sat on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.render import INPUT_ACTION
from adapters.slack.text import decode
from bot.kernel.events import Actor, Click, Command, Event, FormSubmit, Place, Text

PLATFORM = "slack"

_LEADING_MENTIONS = re.compile(r"^(?:\s*<@[A-Z0-9]+(?:\|[^>]*)?>)+")


@dataclass(frozen=True)
class Source:
    """Where a Slack event came from, to answer in the same place.

    `message_ts` is the message a button sat on (for `chat.update`); `thread_ts` the thread to
    answer in; `ephemeral` says the button sat on an ephemeral message (updatable only through
    `response_url`).
    """

    channel: str = ""
    user: str = ""
    response_url: str = ""
    trigger_id: str = ""
    message_ts: str = ""
    thread_ts: str = ""
    ephemeral: bool = False
    is_direct: bool = False


@dataclass(frozen=True)
class Inbound:
    """A core event and where it came from."""

    event: Event
    source: Source


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def is_direct_channel(channel_id: str, channel_type: str = "") -> bool:
    """Direct-message channel ids start with D; events also say `channel_type: im`."""
    return channel_type in ("im", "directmessage") or channel_id.startswith("D")


def actor_of(team_id: str, user: Mapping[str, Any] | str, name: str = "") -> Actor:
    """The acting person: Slack user id, their name if the payload gives one."""
    if isinstance(user, Mapping):
        user_id = _text(user.get("id"))
        name = name or _text(user.get("name")) or _text(user.get("username"))
        team_id = team_id or _text(user.get("team_id"))
    else:
        user_id = user
    return Actor(PLATFORM, team_id, user_id, display_name=name)


def _team(body: Mapping[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, Mapping):
        return _text(team.get("id"))
    return _text(team) or _text(body.get("team_id"))


def on_command(body: Mapping[str, Any]) -> Inbound:
    """`/practice knife crime` → `Command(name="practice", text="knife crime")`."""
    channel = _text(body.get("channel_id"))
    direct = is_direct_channel(channel, _text(body.get("channel_name")))
    team = _text(body.get("team_id"))
    user = _text(body.get("user_id"))
    actor = actor_of(team, user, _text(body.get("user_name")))
    place = Place(PLATFORM, team, channel, is_direct=direct)
    name = _text(body.get("command")).lstrip("/") or "practice"
    source = Source(
        channel=channel,
        user=user,
        response_url=_text(body.get("response_url")),
        trigger_id=_text(body.get("trigger_id")),
        is_direct=direct,
    )
    return Inbound(Command(actor, place, name, decode(_text(body.get("text")))), source)


def clicked_action(action: Mapping[str, Any]) -> str:
    """The core action id of a block action: a button's id, or the option picked in a select."""
    selected = _dict(action.get("selected_option"))
    if selected:
        return _text(selected.get("value"))
    return _text(action.get("action_id"))


def on_block_actions(body: Mapping[str, Any]) -> Inbound:
    """A button press or a select pick → `Click(action=<the core's action id>)`."""
    actions = body.get("actions")
    first = _dict(actions[0]) if isinstance(actions, list) and actions else {}
    container = _dict(body.get("container"))
    channel_info = _dict(body.get("channel"))
    channel = _text(channel_info.get("id")) or _text(container.get("channel_id"))
    message = _dict(body.get("message"))
    direct = is_direct_channel(channel, _text(channel_info.get("name")))
    team = _team(body)
    actor = actor_of(team, _dict(body.get("user")))
    source = Source(
        channel=channel,
        user=actor.user_id,
        response_url=_text(body.get("response_url")),
        trigger_id=_text(body.get("trigger_id")),
        message_ts=_text(container.get("message_ts")) or _text(message.get("ts")),
        thread_ts=_text(message.get("thread_ts")),
        ephemeral=bool(container.get("is_ephemeral")),
        is_direct=direct,
    )
    place = Place(PLATFORM, team, channel, is_direct=direct)
    return Inbound(Click(actor, place, clicked_action(first), _text(first.get("value"))), source)


def field_value(state: Mapping[str, Any]) -> str:
    """A modal input's value as the core takes it: text, one option, or options joined by commas."""
    kind = _text(state.get("type"))
    if kind in ("static_select", "radio_buttons"):
        return _text(_dict(state.get("selected_option")).get("value"))
    if kind in ("checkboxes", "multi_static_select"):
        options = state.get("selected_options")
        picked = options if isinstance(options, list) else []
        return ",".join(v for v in (_text(_dict(o).get("value")) for o in picked) if v)
    return _text(state.get("value"))


def view_metadata(view: Mapping[str, Any]) -> dict[str, str]:
    """The `private_metadata` we put on a modal (where it was opened), or {} if unreadable."""
    try:
        data = json.loads(_text(view.get("private_metadata")) or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def on_view_submission(body: Mapping[str, Any]) -> Inbound:
    """A submitted modal → `FormSubmit(form=callback_id, values={block id: value})`."""
    view = _dict(body.get("view"))
    team = _team(body)
    actor = actor_of(team, _dict(body.get("user")))
    metadata = view_metadata(view)
    channel = metadata.get("channel", "")
    direct = is_direct_channel(channel)
    values: dict[str, str] = {}
    for block_id, inputs in _dict(_dict(view.get("state")).get("values")).items():
        values[str(block_id)] = field_value(_dict(_dict(inputs).get(INPUT_ACTION)))
    place = Place(PLATFORM, team, channel, is_direct=direct)
    source = Source(
        channel=channel,
        user=actor.user_id,
        response_url=metadata.get("response_url", ""),
        is_direct=direct,
    )
    return Inbound(FormSubmit(actor, place, _text(view.get("callback_id")), values), source)


def without_mentions(text: str) -> str:
    """The question in `<@U0BOT> knife crime`, decoded; the mentions addressing it removed.

    A mention inside the question stays, as a harmless `@U123`.
    """
    return " ".join(decode(_LEADING_MENTIONS.sub(" ", text)).split())


def _message_event(body: Mapping[str, Any], text: str) -> Inbound:
    event = _dict(body.get("event"))
    team = _team(body) or _text(event.get("team"))
    channel = _text(event.get("channel"))
    direct = is_direct_channel(channel, _text(event.get("channel_type")))
    user = _text(event.get("user"))
    actor = actor_of(team, user)
    # In a channel the answer starts a thread under the mention; in a DM it is a plain message,
    # unless the person wrote inside a thread, where it stays.
    thread = _text(event.get("thread_ts"))
    source = Source(
        channel=channel,
        user=user,
        thread_ts=thread if direct else thread or _text(event.get("ts")),
        is_direct=direct,
    )
    return Inbound(Text(actor, Place(PLATFORM, team, channel, is_direct=direct), text), source)


def on_app_mention(body: Mapping[str, Any]) -> Inbound:
    """`@Practice bank knife crime` in a channel → `Text("knife crime")`, answered in a thread."""
    return _message_event(body, without_mentions(_text(_dict(body.get("event")).get("text"))))


def on_direct_message(body: Mapping[str, Any]) -> Inbound:
    """A message typed in the bot's DM → `Text`, the way sharing answers and questions arrive."""
    return _message_event(body, decode(_text(_dict(body.get("event")).get("text"))))


READ_SUBTYPES = frozenset({"", "file_share", "thread_broadcast"})
"""Message subtypes that carry what a person typed: plain, with a file, a thread reply also sent
to the channel. Others (`bot_message`, `message_changed`, `message_deleted`, joins…) are not
someone answering the bot: an edit of an answer already taken changes nothing."""


def is_typed_by_person(event: Mapping[str, Any]) -> bool:
    """Whether a `message` event is a person writing to the bot (not a bot, an edit, a join)."""
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    return _text(event.get("subtype")) in READ_SUBTYPES and bool(_text(event.get("user")))
