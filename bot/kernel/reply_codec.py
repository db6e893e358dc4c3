"""Turn a `Reply` into plain JSON values and back, so a notification can wait in the outbox.

The encoding is lossless for every block of `bot.kernel.replies`:
`reply_from_json(reply_to_json(r)) == r` for any reply, whatever its text
holds (the JSON it gives survives `json.dumps`/`json.loads`).
A practice on a card is written as `bot.bankfile.practice_record` writes it, so an outbox row
reads like a bank file entry. Decoding checks shapes and raises `ReplyDecodeError` (a
`ValueError`) on anything it did not write, rather than building a half-valid reply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from bot.bankfile.write import practice_record
from bot.kernel.domain import (
    OPTIONAL_TEXT_FIELDS,
    Effectiveness,
    Focus,
    LinkedTo,
    Practice,
    Visibility,
)
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Block,
    Buttons,
    CardDetail,
    Choice,
    Choices,
    FieldKind,
    Form,
    FormField,
    Paragraph,
    PracticeCard,
    Reply,
    Span,
)

FORMAT = 1
"""Version of the encoding, stored with each reply so a later release can read older rows."""

_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


class ReplyDecodeError(ValueError):
    """The data is not a reply this codec wrote."""


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """Encode a reply as JSON-ready values (dicts, lists, strings, numbers, booleans, None)."""
    encoded: dict[str, Any] = {
        "format": FORMAT,
        "private": reply.private,
        "replace": reply.replace,
        "blocks": [_block_to_json(block) for block in reply.blocks],
    }
    # Written only when set, so rows of replies without them read exactly as before.
    if reply.continues_in_private:
        encoded["continues_in_private"] = True
    if reply.share_action:
        encoded["share_action"] = reply.share_action
    return encoded


def reply_from_json(data: object) -> Reply:
    """Rebuild the reply `reply_to_json` encoded; raise `ReplyDecodeError` on anything else."""
    top = _mapping(data, "reply")
    if top.get("format") != FORMAT:
        raise ReplyDecodeError(f"unknown reply format {top.get('format')!r}")
    blocks = _list(top.get("blocks"), "reply.blocks")
    return Reply(
        blocks=tuple(_block_from_json(block, f"block {n}") for n, block in enumerate(blocks)),
        private=_bool(top, "private", "reply"),
        replace=_bool(top, "replace", "reply"),
        # Rows written before these two existed lack them: they read as the defaults.
        continues_in_private=_bool(top, "continues_in_private", "reply")
        if "continues_in_private" in top
        else False,
        share_action=_str(top, "share_action", "reply") if "share_action" in top else "",
    )


def _block_to_json(block: Block) -> dict[str, Any]:
    """Encode one block, tagged with its kind."""
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "spans": [_span_to_json(span) for span in block.spans]}
    if isinstance(block, PracticeCard):
        return {
            "type": "practice_card",
            "practice": practice_record(block.practice),
            "detail": block.detail.value,
            "rank": block.rank,
        }
    if isinstance(block, Buttons):
        return {
            "type": "buttons",
            "actions": [
                {"id": a.id, "label": a.label, "style": a.style.value} for a in block.actions
            ],
        }
    if isinstance(block, Choices):
        return {
            "type": "choices",
            "prompt": block.prompt,
            "options": [{"action": c.action, "label": c.label} for c in block.options],
        }
    if isinstance(block, Form):
        return {
            "type": "form",
            "id": block.id,
            "title": block.title,
            "submit_label": block.submit_label,
            "fields": [_field_to_json(f) for f in block.fields],
        }
    raise TypeError(f"cannot encode block {type(block).__name__}")


def _span_to_json(span: Span) -> dict[str, Any]:
    return {"text": span.text, "bold": span.bold, "italic": span.italic, "link": span.link}


def _field_to_json(form_field: FormField) -> dict[str, Any]:
    return {
        "name": form_field.name,
        "label": form_field.label,
        "kind": form_field.kind.value,
        "required": form_field.required,
        "options": [[value, label] for value, label in form_field.options],
        "default": form_field.default,
        "max_length": form_field.max_length,
    }


def _block_from_json(data: object, where: str) -> Block:
    """Decode one block by its `type` tag."""
    block = _mapping(data, where)
    kind = block.get("type")
    decoder = _BLOCK_DECODERS.get(kind) if isinstance(kind, str) else None
    if decoder is None:
        raise ReplyDecodeError(f"{where}: unknown block type {kind!r}")
    return decoder(block, f"{where} ({kind})")


def _paragraph(block: Mapping[str, Any], where: str) -> Paragraph:
    spans = _list(block.get("spans"), f"{where}.spans")
    return Paragraph(tuple(_span(item, f"{where} span {n}") for n, item in enumerate(spans)))


def _span(data: object, where: str) -> Span:
    span = _mapping(data, where)
    return Span(
        text=_str(span, "text", where),
        bold=_bool(span, "bold", where),
        italic=_bool(span, "italic", where),
        link=_optional_str(span, "link", where),
    )


def _practice_card(block: Mapping[str, Any], where: str) -> PracticeCard:
    rank = block.get("rank")
    if rank is not None and (not isinstance(rank, int) or isinstance(rank, bool)):
        raise ReplyDecodeError(f"{where}: rank must be a whole number or null")
    return PracticeCard(
        practice=_practice(_mapping(block.get("practice"), f"{where}.practice"), where),
        detail=_enum(CardDetail, block.get("detail"), f"{where}.detail"),
        rank=rank,
    )


def _buttons(block: Mapping[str, Any], where: str) -> Buttons:
    actions = []
    for n, item in enumerate(_list(block.get("actions"), f"{where}.actions")):
        action = _mapping(item, f"{where} action {n}")
        actions.append(
            Action(
                id=_str(action, "id", where),
                label=_str(action, "label", where),
                style=_enum(ActionStyle, action.get("style"), f"{where} action {n} style"),
            )
        )
    return Buttons(tuple(actions))


def _choices(block: Mapping[str, Any], where: str) -> Choices:
    options = []
    for n, item in enumerate(_list(block.get("options"), f"{where}.options")):
        option = _mapping(item, f"{where} option {n}")
        options.append(
            Choice(action=_str(option, "action", where), label=_str(option, "label", where))
        )
    return Choices(prompt=_str(block, "prompt", where), options=tuple(options))


def _form(block: Mapping[str, Any], where: str) -> Form:
    fields = [
        _form_field(item, f"{where} field {n}")
        for n, item in enumerate(_list(block.get("fields"), f"{where}.fields"))
    ]
    return Form(
        id=_str(block, "id", where),
        title=_str(block, "title", where),
        fields=tuple(fields),
        submit_label=_str(block, "submit_label", where),
    )


def _form_field(data: object, where: str) -> FormField:
    form_field = _mapping(data, where)
    options = []
    for item in _list(form_field.get("options"), f"{where}.options"):
        pair = _list(item, f"{where} option")
        if len(pair) != 2 or not all(isinstance(part, str) for part in pair):
            raise ReplyDecodeError(f"{where}: an option must be a [value, label] pair of text")
        options.append((pair[0], pair[1]))
    max_length = form_field.get("max_length")
    if not isinstance(max_length, int) or isinstance(max_length, bool):
        raise ReplyDecodeError(f"{where}: max_length must be a whole number")
    return FormField(
        name=_str(form_field, "name", where),
        label=_str(form_field, "label", where),
        kind=_enum(FieldKind, form_field.get("kind"), f"{where}.kind"),
        required=_bool(form_field, "required", where),
        options=tuple(options),
        default=_str(form_field, "default", where),
        max_length=max_length,
    )


_BLOCK_DECODERS: dict[str, Callable[[Mapping[str, Any], str], Block]] = {
    "paragraph": _paragraph,
    "practice_card": _practice_card,
    "buttons": _buttons,
    "choices": _choices,
    "form": _form,
}


def _practice(record: Mapping[str, Any], where: str) -> Practice:
    """Rebuild a practice from `practice_record` output, field by field and without cleaning.

    The bank file validator is not used on purpose: it trims and rejects text, while a card in
    the outbox must come back exactly as it went in.
    """
    try:
        version = record["version"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise ReplyDecodeError(f"{where}: practice version must be a whole number")
        return Practice(
            ref=_str(record, "ref", where),
            title=_str(record, "title", where),
            summary=_str(record, "summary", where),
            effectiveness=_enum(Effectiveness, record["effectiveness"], f"{where} effectiveness"),
            focus=_enums(Focus, record["focus"], f"{where} focus"),
            topics=_texts(record["topics"], f"{where} topics"),
            partners=_texts(record["partners"], f"{where} partners"),
            start_date=_parsed(record["start_date"], date.fromisoformat, f"{where} start_date"),
            end_date=_parsed(record["end_date"], date.fromisoformat, f"{where} end_date"),
            links=_texts(record["links"], f"{where} links"),
            linked_to=_enums(LinkedTo, record["linked_to"], f"{where} linked_to"),
            visibility=_enum(Visibility, record["visibility"], f"{where} visibility"),
            added_at=_timestamp(record["added_at"], f"{where} added_at"),
            updated_at=_timestamp(record["updated_at"], f"{where} updated_at"),
            reviewed_at=_timestamp(record["reviewed_at"], f"{where} reviewed_at"),
            archived_at=_timestamp(record["archived_at"], f"{where} archived_at"),
            version=version,
            **{name: _optional_str(record, name, where) for name in OPTIONAL_TEXT_FIELDS},
        )
    except KeyError as missing:
        raise ReplyDecodeError(f"{where}: practice lacks {missing}") from None


def _timestamp(value: object, where: str) -> datetime | None:
    return _parsed(value, datetime.fromisoformat, where)


def _parsed(value: object, parse: Callable[[str], _T], where: str) -> _T | None:
    """Parse an ISO date or timestamp written as text; None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReplyDecodeError(f"{where}: expected ISO text, found {type(value).__name__}")
    try:
        return parse(value)
    except ValueError:
        raise ReplyDecodeError(f"{where}: {value[:40]!r} is not an ISO date or time") from None


def _texts(value: object, where: str) -> tuple[str, ...]:
    items = _list(value, where)
    if not all(isinstance(item, str) for item in items):
        raise ReplyDecodeError(f"{where}: expected a list of text")
    return tuple(items)


def _enums(kind: type[_E], value: object, where: str) -> tuple[_E, ...]:
    return tuple(_enum(kind, item, where) for item in _list(value, where))


def _enum(kind: type[_E], value: object, where: str) -> _E:
    if not isinstance(value, str):
        raise ReplyDecodeError(f"{where}: expected text, found {type(value).__name__}")
    try:
        return kind(value)
    except ValueError:
        raise ReplyDecodeError(f"{where}: {value!r} is not a {kind.__name__}") from None


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ReplyDecodeError(f"{where}: expected an object, found {type(value).__name__}")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise ReplyDecodeError(f"{where}: expected a list, found {type(value).__name__}")
    return list(value)


def _str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ReplyDecodeError(f"{where}: {key} must be text, found {type(value).__name__}")
    return value


def _optional_str(data: Mapping[str, Any], key: str, where: str) -> str | None:
    if data.get(key) is None:
        return None
    return _str(data, key, where)


def _bool(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ReplyDecodeError(f"{where}: {key} must be true or false")
    return value
