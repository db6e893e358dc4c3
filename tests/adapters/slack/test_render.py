"""Slack's full practice card: the core's rows as labelled sections under the facts line."""

from __future__ import annotations

from datetime import UTC, date, datetime

from adapters.slack.render import render_card_full
from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility

PRACTICE = Practice(
    ref="PB900",
    title="Knife crime diversion",
    summary="A summary.",
    effectiveness=Effectiveness.WORKED,
    focus=(Focus.DIVERSION,),
    topics=("Knife crime",),
    organisation="Example Police",
    region=" ",
    start_date=date(2021, 4, 1),
    learning="Start <small> & @here.",
    linked_to=(LinkedTo.TILLEY_AWARD,),
    visibility=Visibility.RESTRICTED,
    added_at=datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
    version=2,
)


def test_full_card_sections_follow_the_facts_line_in_the_cores_order():
    """Facts-line fields are not repeated; the other rows follow as sections, text escaped."""
    blocks = render_card_full(PRACTICE)
    assert blocks[1]["elements"][0]["text"] == (
        ":large_green_circle: *Worked* · Focus: Diversion · Example Police · :lock: police only"
    )
    assert [b["text"]["text"] for b in blocks[3:]] == [
        "*Topics*\nKnife crime",
        "*Started*\n2021-04-01",
        "*Learning*\nStart &lt;small&gt; &amp; @here.",
        "*Linked to*\nTilley award",
        "*Added*\n2024-01-02",
        "*Version*\n2",
    ]
