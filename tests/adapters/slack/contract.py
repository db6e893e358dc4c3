"""What Slack refuses in a message, modal or Home view, checked the way Slack checks it.

First slack_sdk's own models (`Block.parse_all`, `View(**view)`, then `to_dict()`, which runs
`validate_json()` on every nested object), then the documented limits the models leave out:
blocks per message (50) and per view (100), text per block and element, option counts,
`plain_text_input` lengths, unique block ids, empty texts, and the ~12,000 characters of text
across one message's blocks (`msg_blocks_too_long`). Lengths are counted in UTF-16 code units,
as Slack's JavaScript clients count them. Each check answers a list of problems (empty: fine).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_BLOCKS_TEXT = 12_000  # "about 12,000": chat.postMessage / chat.update → msg_blocks_too_long
MESSAGE_TEXT = 40_000  # the top-level `text` argument → msg_too_long
PRIVATE_METADATA = 3000
CALLBACK_ID = 255

# (block or element type, attribute) → the longest text Slack takes there.
TEXT_LIMITS: dict[tuple[str, str], int] = {
    ("section", "text"): 3000,
    ("section", "fields"): 2000,
    ("header", "text"): 150,
    ("context", "elements"): 3000,
    ("input", "label"): 2000,
    ("input", "hint"): 2000,
    ("button", "text"): 75,
    ("option", "text"): 75,
    ("option", "description"): 75,
    ("static_select", "placeholder"): 150,
    ("multi_static_select", "placeholder"): 150,
    ("plain_text_input", "placeholder"): 150,
    ("modal", "title"): 24,
    ("modal", "submit"): 24,
    ("modal", "close"): 24,
}
ELEMENT_COUNTS = {"actions": 25, "context": 10}
OPTION_COUNTS = {
    "static_select": 100,
    "multi_static_select": 100,
    "checkboxes": 10,
    "radio_buttons": 10,
    "overflow": 5,
}
INPUT_VALUE = 3000  # plain_text_input: max_length and initial_value
OPTION_VALUE = 150
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255


def units(value: str) -> int:
    """Length as Slack counts it: UTF-16 code units."""
    return len(value.encode("utf-16-le")) // 2


def text_of(obj: object) -> str:
    """The string of a text object (`{"type": "mrkdwn", "text": …}`) or a bare string."""
    if isinstance(obj, dict):
        value = obj.get("text")
        return value if isinstance(value, str) else ""
    return obj if isinstance(obj, str) else ""


def all_texts(value: object) -> Iterator[str]:
    """Every `text` string anywhere inside blocks: what Slack totals for `msg_blocks_too_long`."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from all_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_texts(item)


def _model_problems(blocks: list[Any]) -> list[str]:
    try:
        for block in Block.parse_all(blocks):
            block.to_dict()  # validate_json() on the block and everything inside it
    except (SlackObjectFormationError, TypeError, KeyError, AttributeError) as error:
        return [f"slack_sdk: {error}"]
    return []


def _check_text(kind: str, attribute: str, obj: object, where: str) -> list[str]:
    if obj is None:
        return []
    shown = text_of(obj)
    problems = []
    if not shown:
        problems.append(f"{where}: {kind}.{attribute} must be more than 0 characters")
    limit = TEXT_LIMITS.get((kind, attribute))
    if limit is not None and units(shown) > limit:
        problems.append(f"{where}: {kind}.{attribute} is {units(shown)} > {limit} characters")
    return problems


def _check_option(option: Any, where: str) -> list[str]:
    if not isinstance(option, dict):
        return [f"{where}: option is not an object"]
    problems = _check_text("option", "text", option.get("text"), where)
    if option.get("description") is not None:
        problems += _check_text("option", "description", option.get("description"), where)
    value = option.get("value")
    if not isinstance(value, str) or not value or units(value) > OPTION_VALUE:
        problems.append(f"{where}: option value must be 1–{OPTION_VALUE} characters")
    return problems


def _check_element(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: element is not an object"]
    kind = str(element.get("type", ""))
    problems: list[str] = []
    action_id = element.get("action_id")
    if isinstance(action_id, str) and units(action_id) > ACTION_ID:
        problems.append(f"{where}: action_id longer than {ACTION_ID}")
    if kind == "button":
        problems += _check_text("button", "text", element.get("text"), where)
        value = element.get("value")
        if isinstance(value, str) and units(value) > BUTTON_VALUE:
            problems.append(f"{where}: button value longer than {BUTTON_VALUE}")
    if kind in OPTION_COUNTS:
        options = element.get("options") or []
        if not options or len(options) > OPTION_COUNTS[kind]:
            problems.append(f"{where}: {kind} needs 1–{OPTION_COUNTS[kind]} options")
        for option in options:
            problems += _check_option(option, where)
        for key in ("initial_option",):
            if element.get(key) is not None and element[key] not in options:
                problems.append(f"{where}: {key} is not one of the options")
        for initial in element.get("initial_options") or []:
            if initial not in options:
                problems.append(f"{where}: initial_options holds an option not in options")
    if kind in ("static_select", "multi_static_select", "plain_text_input"):
        problems += _check_text(kind, "placeholder", element.get("placeholder"), where)
    if kind == "plain_text_input":
        maximum = element.get("max_length")
        if maximum is not None and (not isinstance(maximum, int) or not 0 < maximum <= 3000):
            problems.append(f"{where}: plain_text_input max_length must be 1–{INPUT_VALUE}")
        initial = element.get("initial_value")
        if isinstance(initial, str):
            cap = maximum if isinstance(maximum, int) else INPUT_VALUE
            if units(initial) > min(cap, INPUT_VALUE):
                problems.append(f"{where}: initial_value longer than max_length")
    return problems


def _check_block(block: Any, index: int) -> list[str]:
    where = f"blocks[{index}]"
    if not isinstance(block, dict):
        return [f"{where}: not an object"]
    kind = str(block.get("type", ""))
    problems: list[str] = []
    block_id = block.get("block_id")
    if isinstance(block_id, str) and units(block_id) > BLOCK_ID:
        problems.append(f"{where}: block_id longer than {BLOCK_ID}")
    if kind in ("section", "header"):
        if kind == "header" or block.get("text") is not None:
            problems += _check_text(kind, "text", block.get("text"), where)
        for item in block.get("fields") or []:
            problems += _check_text(kind, "fields", item, where)
        if block.get("accessory") is not None:
            problems += _check_element(block["accessory"], where)
    elif kind in ELEMENT_COUNTS:
        elements = block.get("elements") or []
        if not elements or len(elements) > ELEMENT_COUNTS[kind]:
            problems.append(f"{where}: {kind} needs 1–{ELEMENT_COUNTS[kind]} elements")
        seen: set[str] = set()
        for element in elements:
            if kind == "context":
                if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
                    problems += _check_text("context", "elements", element, where)
                continue
            problems += _check_element(element, where)
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if isinstance(action_id, str):
                if action_id in seen:
                    problems.append(f"{where}: action_id {action_id!r} repeats in the block")
                seen.add(action_id)
    elif kind == "input":
        problems += _check_text("input", "label", block.get("label"), where)
        if block.get("hint") is not None:
            problems += _check_text("input", "hint", block.get("hint"), where)
        problems += _check_element(block.get("element"), where)
    return problems


def _blocks_problems(blocks: Any, most: int, *, inputs_allowed: bool) -> list[str]:
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    problems = []
    if len(blocks) > most:
        problems.append(f"{len(blocks)} blocks; at most {most}")
    problems += _model_problems(blocks)
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        problems += _check_block(block, index)
        if isinstance(block, dict):
            block_id = block.get("block_id")
            if isinstance(block_id, str):
                if block_id in block_ids:
                    problems.append(f"blocks[{index}]: block_id {block_id!r} repeats")
                block_ids.add(block_id)
            if block.get("type") == "input" and not inputs_allowed:
                problems.append(f"blocks[{index}]: input blocks belong in modals")
    return problems


def message_refusal(body: dict[str, Any]) -> tuple[str, list[str]] | None:
    """Why Slack refuses a message's `text`/`blocks` (error code, details), or None."""
    text = body.get("text")
    blocks = body.get("blocks")
    if blocks in (None, "", []):
        if not isinstance(text, str) or not text:
            return "no_text", ["a message needs text or blocks"]
        if units(text) > MESSAGE_TEXT:
            return "msg_too_long", [f"text is {units(text)} characters"]
        return None
    problems = _blocks_problems(blocks, MESSAGE_BLOCKS, inputs_allowed=False)
    if problems:
        return "invalid_blocks", problems
    total = sum(units(t) for t in all_texts(blocks))
    if total > MESSAGE_BLOCKS_TEXT:
        return "msg_blocks_too_long", [f"{total} characters of text in blocks"]
    if isinstance(text, str) and units(text) > MESSAGE_TEXT:
        return "msg_too_long", [f"text is {units(text)} characters"]
    return None


def view_refusal(view: Any) -> list[str]:
    """Why Slack refuses a modal or Home view (`invalid_arguments`); empty when it is fine."""
    if not isinstance(view, dict):
        return ["view must be an object"]
    problems: list[str] = []
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError, KeyError, AttributeError) as error:
        problems.append(f"slack_sdk: {error}")
    kind = view.get("type")
    if kind == "modal":
        for attribute in ("title", "submit", "close"):
            if view.get(attribute) is not None or attribute == "title":
                problems += _check_text("modal", attribute, view.get(attribute), "view")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view["blocks"])
        if has_input and view.get("submit") is None:
            problems.append("view: a modal with inputs needs a submit button")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and units(metadata) > PRIVATE_METADATA:
        problems.append(f"view: private_metadata longer than {PRIVATE_METADATA}")
    callback_id = view.get("callback_id")
    if isinstance(callback_id, str) and units(callback_id) > CALLBACK_ID:
        problems.append(f"view: callback_id longer than {CALLBACK_ID}")
    problems += _blocks_problems(view.get("blocks"), VIEW_BLOCKS, inputs_allowed=True)
    return problems


def action_errors_refusal(answer: dict[str, Any], view: dict[str, Any] | None) -> list[str]:
    """Why Slack would refuse a `response_action: errors` ack: errors must name input blocks."""
    errors = answer.get("errors")
    if not isinstance(errors, dict) or not errors:
        return ["errors must be a non-empty object"]
    input_ids = {
        b.get("block_id")
        for b in (view or {}).get("blocks", [])
        if isinstance(b, dict) and b.get("type") == "input"
    }
    return [f"errors names {k!r}, not an input block" for k in errors if k not in input_ids]
