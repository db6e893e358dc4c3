"""Inbound events: what an adapter hands the core after translating a platform payload.

They are small frozen dataclasses so that every adapter speaks the same contract and a test can
build one by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Workspace:
    """One chat workspace: a Slack team, a Discord guild, the console's `local`.

    Everything that belongs to a workspace (its settings, submissions, calls, reminders and
    searches) is stored with it, and the repositories take it, so a handler cannot forget to keep
    one workspace's records from another's.
    """

    platform: str
    id: str

    @property
    def key(self) -> str:
        """Readable identity across platforms, e.g. `slack:T123` (for logs and keys)."""
        return f"{self.platform}:{self.id}"

    @classmethod
    def of(cls, workspace: Workspace | str, workspace_id: str | None = None) -> Workspace:
        """The value itself, or one built from the older `(platform, workspace_id)` pair."""
        if isinstance(workspace, Workspace):
            return workspace
        return cls(workspace, workspace_id or "")


@dataclass(frozen=True)
class Actor:
    """The person acting, as the platform identifies them.

    `roles` are the platform roles or user groups the adapter can see; whether they make the actor a
    moderator is decided in the core from workspace settings, never by the adapter.
    """

    platform: str
    workspace_id: str
    user_id: str
    display_name: str = ""
    roles: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Stable identity across platforms, used to own drafts and searches."""
        return f"{self.platform}:{self.workspace_id}:{self.user_id}"

    @property
    def workspace(self) -> Workspace:
        """The workspace the person is acting in."""
        return Workspace(self.platform, self.workspace_id)


@dataclass(frozen=True)
class Place:
    """Where the event happened: a channel, a direct message or a terminal."""

    platform: str
    workspace_id: str
    channel_id: str
    is_direct: bool = False

    @property
    def workspace(self) -> Workspace:
        """The workspace the channel or direct message is in."""
        return Workspace(self.platform, self.workspace_id)


@dataclass(frozen=True)
class Command:
    """A command such as `/practice knife crime`: `name` is the verb, `text` the rest."""

    actor: Actor
    place: Place
    name: str
    text: str = ""


@dataclass(frozen=True)
class Text:
    """Plain text sent to the bot: a question, or an answer inside a conversation."""

    actor: Actor
    place: Place
    text: str


@dataclass(frozen=True)
class Click:
    """A button or choice picked; `action` is the id the core gave it (`bot.kernel.actions`)."""

    actor: Actor
    place: Place
    action: str
    value: str = ""


@dataclass(frozen=True)
class FormSubmit:
    """A form (modal) sent back with its field values."""

    actor: Actor
    place: Place
    form: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Arrival:
    """The person opened a new session with the bot (a terminal started): a chance to re-orient.

    Only an adapter that knows the person themselves restarted sends it (the console); chat
    platforms never do, since a restart of the bot's own processes is invisible to people.
    """

    actor: Actor
    place: Place


Event = Command | Text | Click | FormSubmit | Arrival
