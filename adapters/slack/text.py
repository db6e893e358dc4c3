"""Slack text rules: decoding what Slack delivers, escaping what we send, cutting to Slack's limits.

Slack delivers typed text *formatted* (`&amp;`, `<mailto:a@b.uk|a@b.uk>`, `<https://x|x>`, `<@U1>`,
`<#C1|name>`, `<!here>`); `decode` turns it back into what the person typed before the core sees
it, and `escape` encodes it once on the way out. Slack gives `&`, `<` and `>` meaning
(`<!channel>`, `<@U123>`, `<!subteam^S1>`, links), so escaping those three is what keeps a
practice title or a typed note from pinging a channel.
Plain `@here` typed as text does nothing in Block Kit. Limits are counted in UTF-16 code units,
the strictest reading of Slack's "characters", so an emoji-heavy text is never rejected.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"

# Block Kit limits (https://api.slack.com/reference/block-kit).
SECTION_TEXT = 3000
CONTEXT_TEXT = 3000
BUTTON_TEXT = 75
ACTION_ID = 255
OPTION_TEXT = 75
OPTION_VALUE = 150
MODAL_TITLE = 24
MODAL_BUTTON = 24
INPUT_LABEL = 2000
INPUT_VALUE = 3000
PRIVATE_METADATA = 3000
ERROR_TEXT = 2000  # one field's message in `response_action: errors`
MESSAGE_TEXT = 3000  # the notification fallback; Slack allows more but truncates it anyway
MAX_BLOCKS = 50
MODAL_MAX_BLOCKS = 100
MAX_SELECT_OPTIONS = 100
MAX_CHECKBOX_OPTIONS = 10

MESSAGE_BLOCKS_TEXT = 12_000  # text across all blocks of one message (`msg_blocks_too_long`)

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_MARKUP = re.compile(r"<([^<>]*)>")
_SCHEME = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)


def _entities(value: str) -> str:
    """Slack escapes exactly these three; `&amp;` last, so `&amp;lt;` stays `&lt;` as typed."""
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _unwrap(match: re.Match[str]) -> str:
    """One `<…>` of Slack's message formatting as the person typed it."""
    inside = match.group(1)
    target, _, label = inside.partition("|")
    label = _entities(label)
    if target.startswith("@"):  # <@U123> or <@U123|sam>: a harmless name, no ping
        return "@" + (label or target[1:])
    if target.startswith("#"):  # <#C123|general>
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
        word = target[1:].split("^", 1)[0]
        if word in ("here", "channel", "everyone"):
            return "@" + word
        return label or "@" + word
    url = _entities(target)
    shown = url.removeprefix("mailto:") if url.lower().startswith("mailto:") else url
    if not label or label in (shown, url) or _SCHEME.sub("", url).rstrip("/") == label.rstrip("/"):
        return shown  # autolinked text (`www.x.uk` arrives as <http://www.x.uk|www.x.uk>)
    return f"{label} ({shown})"  # a link with its own words: both kept


def decode(value: str) -> str:
    """What the person typed, from Slack's formatted text.

    Links and addresses are unwrapped, mentions become plain names (`@U123`, `#general`,
    `@here`), and `&amp; &lt; &gt;` are decoded.
    """
    parts = []
    last = 0
    for match in _MARKUP.finditer(value):
        parts.append(_entities(value[last : match.start()]))
        parts.append(_unwrap(match))
        last = match.end()
    parts.append(_entities(value[last:]))
    return "".join(parts)


def units(value: str) -> int:
    """Length as Slack may count it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(value.encode("utf-16-le")) // 2


def cut(value: str, limit: int) -> str:
    """Cut `value` to at most `limit` units, ending with "…" when anything was cut.

    A cut never leaves half an `&amp;` entity, so escaped text stays well formed.
    """
    if units(value) <= limit:
        return value
    kept = value
    while kept and units(kept) > limit - 1:
        # Drop a bounded chunk at a time: cheap even for a 100 kB text.
        excess = units(kept) - (limit - 1)
        kept = kept[: len(kept) - max(1, excess // 2)]
    kept = _PARTIAL_ENTITY.sub("", kept)
    return kept + ELLIPSIS


def clean(value: str) -> str:
    """Drop control characters (except newlines and tabs): they mean nothing in a chat message."""
    return "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def escape(value: str) -> str:
    """Escape user text for mrkdwn: `&`, `<`, `>` become entities, controls are removed."""
    return clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def one_line(value: str) -> str:
    """Collapse white space (labels, titles and options are single lines in Slack)."""
    return " ".join(clean(value).split())


def plain(value: str, limit: int) -> dict[str, object]:
    """A `plain_text` object holding `value` on one line, cut to `limit`."""
    return {"type": "plain_text", "text": cut(one_line(value), limit) or " ", "emoji": True}


def mrkdwn(value: str, limit: int = SECTION_TEXT) -> dict[str, object]:
    """A `mrkdwn` text object holding already-escaped `value`, cut to `limit`."""
    return {"type": "mrkdwn", "text": cut(value, limit) or " "}
