"""Discord UI objects: buttons and selects that survive restarts, and core forms as modals.

Buttons and select menus are `discord.ui.DynamicItem`s: the core's action id *is* the `custom_id`,
and the item classes are registered once in `setup_hook`, so a click on a message posted before a
restart is still recognised and answered (a plain view would be forgotten with the process).
Their callbacks only hand the click to the client's `InteractionHandler`.

A modal's `custom_id` is `dc:form:` and the core's form id, and its values are read from the
submission's own data (`modal_values`): nothing about an open modal is kept in memory, so one
opened before a restart and sent after it still reaches the core (see `InteractionHandler`).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord

from adapters.discord.render import (
    ADAPTER_PREFIX,
    BUTTON_LABEL_MAX,
    CHOICE_PREFIX,
    CUSTOM_ID_MAX,
    SELECT_LABEL_MAX,
    ButtonSpec,
    Component,
    SelectSpec,
    shorten,
)
from bot.kernel.replies import FieldKind, Form, FormField

log = logging.getLogger(__name__)

MODAL_TITLE_MAX = 45
MODAL_INPUTS_MAX = 5
LABEL_TEXT_MAX = 45
TEXT_INPUT_MAX = 4000
FORM_PREFIX = "dc:form:"


class ComponentHandler(Protocol):
    """What the UI objects hand their interactions to (`adapters.discord.interactions`)."""

    async def on_click(self, interaction: discord.Interaction[Any], action: str) -> None:
        """A button carrying a core action id, or an adapter button, was pressed."""
        ...


def handler_of(interaction: discord.Interaction[Any]) -> ComponentHandler:
    """The handler of the client this interaction arrived on."""
    handler: ComponentHandler = interaction.client.practice_handler
    return handler


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"(?P<action>(?!" + re.escape(CHOICE_PREFIX) + r")[^\n]{1,100})"),
):
    """A button whose custom id is an action id (a core one, or an adapter one under `dc:`)."""

    def __init__(
        self, action: str, label: str = "", style: discord.ButtonStyle | None = None
    ) -> None:
        """Wrap a button sending `action` back when clicked."""
        super().__init__(
            discord.ui.Button(
                label=label or None,
                style=style or discord.ButtonStyle.secondary,
                custom_id=action,
            )
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        """Rebuild the button from the clicked message: the custom id is all the state."""
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the click to the handler."""
        await handler_of(interaction).on_click(interaction, self.action)


class ChoiceSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=re.compile(re.escape(CHOICE_PREFIX) + r"(?P<number>[0-9]{1,2})"),
):
    """A select menu whose options' values are action ids; picking one is a click on it."""

    def __init__(
        self, custom_id: str, placeholder: str = "", options: tuple[Any, ...] = ()
    ) -> None:
        """Wrap a select menu of (label, action id) options."""
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=custom_id,
            placeholder=placeholder or None,
            options=[discord.SelectOption(label=label, value=value) for label, value in options]
            or [discord.SelectOption(label="-", value="-")],
        )
        super().__init__(select)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ChoiceSelect:
        """Rebuild the menu from the message it was picked on."""
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """The picked option's value is the action id."""
        data: dict[str, Any] = dict(interaction.data or {})
        values = [v for v in data.get("values", []) if isinstance(v, str)]
        # An empty pick still needs an answer, or Discord tells the person it failed.
        await handler_of(interaction).on_click(interaction, values[0] if values else "dc:none")


def build_view(components: list[Component]) -> discord.ui.View | None:
    """A view of the given buttons and menus (None when there are none); never times out."""
    if not components:
        return None
    view = discord.ui.View(timeout=None)
    for component in components:
        if isinstance(component, ButtonSpec):
            view.add_item(ActionButton(component.custom_id, component.label, component.style))
        elif isinstance(component, SelectSpec):
            select = ChoiceSelect(component.custom_id, component.placeholder, component.options)
            view.add_item(select)
    return view


def _input(field: FormField) -> discord.ui.Item[Any]:
    """One modal input for a form field: a text input, or a select menu for the choice kinds."""
    if field.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
        defaults = {v.strip() for v in field.default.split(",") if v.strip()}
        options = [
            discord.SelectOption(
                label=shorten(label, SELECT_LABEL_MAX), value=value, default=value in defaults
            )
            for value, label in field.options[:25]
        ]
        several = field.kind is FieldKind.MULTI_CHOICE
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=field.name,
            options=options,
            min_values=1 if field.required else 0,
            max_values=len(options) if several else 1,
            required=field.required,
        )
        return discord.ui.Label(text=shorten(field.label, LABEL_TEXT_MAX), component=select)
    long = field.kind is FieldKind.LONG_TEXT or field.max_length > 300
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        custom_id=field.name,
        style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
        default=field.default[: min(field.max_length, TEXT_INPUT_MAX)] or None,
        required=field.required,
        max_length=min(field.max_length, TEXT_INPUT_MAX),
    )
    return discord.ui.Label(text=shorten(field.label, LABEL_TEXT_MAX), component=text)


class FormModal(discord.ui.Modal):
    """A core `Form` as a Discord modal: its custom id is `dc:form:` and the form's id.

    Discord allows five inputs per modal: a longer form shows its first five (the core's forms
    are at most five long). Choices are select menus inside the modal. Two people filling the
    same form at once cannot mix: each submission arrives on its sender's own interaction.
    """

    def __init__(self, form: Form) -> None:
        """Build the modal's inputs from the form's fields."""
        custom_id = FORM_PREFIX + form.id
        if len(custom_id) > CUSTOM_ID_MAX:  # the core's ids are short; never send a bad modal
            log.error("form id %r too long for a Discord custom id", form.id[:100])
            custom_id = FORM_PREFIX + "unknown"
        super().__init__(
            title=shorten(form.title, MODAL_TITLE_MAX) or "Form", custom_id=custom_id, timeout=None
        )
        self.form = form
        for field in form.fields[:MODAL_INPUTS_MAX]:
            self.add_item(_input(field))


def modal_values(data: dict[str, Any]) -> dict[str, str]:
    """The values of a modal submission's data, as the core expects them.

    Text inputs give their value; select menus their picked values joined by commas. Both the
    label layout (type 18, one `component`) and the older action rows (type 1) are read.
    """
    values: dict[str, str] = {}
    for row in data.get("components") or []:
        if not isinstance(row, dict):
            continue
        inner = row.get("components") or [row.get("component")]
        for item in inner:
            if not isinstance(item, dict) or not isinstance(item.get("custom_id"), str):
                continue
            if isinstance(item.get("values"), list):
                picked = [str(v) for v in item["values"]]
                values[item["custom_id"]] = ",".join(picked)
            elif isinstance(item.get("value"), str):
                values[item["custom_id"]] = item["value"]
    return values


def is_adapter_action(action: str) -> bool:
    """Whether a custom id is one the adapter answers itself rather than the core."""
    return action.startswith(ADAPTER_PREFIX)


__all__ = [
    "BUTTON_LABEL_MAX",
    "ActionButton",
    "ChoiceSelect",
    "FormModal",
    "build_view",
    "is_adapter_action",
    "modal_values",
]
