"""Action ids survive the round trip, and garbage (stale, forged, replayed ids) decodes to None."""

from __future__ import annotations

import pytest

from bot.kernel.actions import (
    MAX_ACTION_ID_LENGTH,
    ConfirmRetirement,
    DeclineRetirement,
    DropFilters,
    MoreResults,
    ShowHelp,
    ShowPractice,
    TrySuggestion,
    decode,
    encode,
)


@pytest.mark.parametrize(
    ("action", "encoded"),
    [
        (ShowPractice("PB046"), "show:PB046"),
        (ShowPractice("PB1234"), "show:PB1234"),
        (MoreResults(42, 5), "more:42:5"),
        (MoreResults(1, 0), "more:1:0"),
        (TrySuggestion(7), "suggest:7"),
        (DropFilters(9), "unfiltered:9"),
        (ShowHelp(), "help"),
        (ConfirmRetirement(7), "mod:retire:7"),
        (DeclineRetirement(7), "mod:keep:7"),
    ],
)
def test_encode_then_decode_gives_the_same_action(action, encoded):
    """Each action encodes to a stable id that decodes back to an equal action."""
    assert encode(action) == encoded
    assert decode(encoded) == action


def test_encoded_ids_fit_discord_custom_id_limit():
    """The longest ids we make stay within Discord's 100-character custom_id."""
    longest = encode(MoreResults(2**63 - 1, 10_000))
    assert len(longest) <= MAX_ACTION_ID_LENGTH == 100


@pytest.mark.parametrize(
    "raw",
    [
        None,
        42,
        b"show:PB046",
        "",
        "show",
        "show:",
        "show:pb046",
        "show:PB46",
        "show:PB046:extra",
        "show:PB046\n",
        "show:PB٠٤٦",
        "show:PB046' OR 1=1 --",
        "show:<!channel>",
        "more",
        "more:1",
        "more:1:2:3",
        "more:0:5",
        "more:-1:5",
        "more:1:-5",
        "more:01:5",
        "more:1:05",
        "more: 1:5",
        "more:1:5 ",
        "more:1:10001",
        "more:99999999999999999999:5",
        "more:abc:5",
        "more:1:5\x1b[31m",
        "more:١:٥",
        "suggest:",
        "suggest:0",
        "suggest:x",
        "unfiltered:-3",
        "help:me",
        "HELP",
        "mod:approve:S-0042",
        "mod:keep:0",
        "mod:keep:S-0042",
        "show:PB046" + "0" * 200,
        "x" * 100_000,
        "🙂:🙂",
        "‏show:PB046",
    ],
)
def test_decode_returns_none_for_garbage(raw):
    """Malformed, unknown, out-of-range or forged ids decode to None instead of raising."""
    assert decode(raw) is None
