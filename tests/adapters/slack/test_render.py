"""Slack's rendering: full cards as labelled sections, long answers split, views within limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from adapters.slack.render import render_card_full, render_home, render_modal
from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from bot.kernel.replies import Form, FormField, PracticeCard, Reply, text
from tests.adapters.slack.contract import view_refusal

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


def test_a_long_answer_takes_several_sections_and_nothing_is_cut():
    """A 3000-character answer of `&` (15,000 once escaped) is shown whole over sections."""
    practice = replace(PRACTICE, learning="&" * 3000)
    blocks = render_card_full(practice)

    shown = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    learning = [t for t in shown if "&amp;" in t]
    assert len(learning) > 1
    assert "".join(learning).removeprefix("*Learning*\n") == "&amp;" * 3000
    assert all(len(t) <= 3000 for t in learning)


def test_a_modal_keeps_its_inputs_whatever_its_notes_hold():
    """Notes of 200 paragraphs above a form: the view holds 100 blocks, the inputs all there."""
    form = Form("f:1", "A form", tuple(FormField(f"f{n}", f"Field {n}") for n in range(5)))
    notes = Reply(tuple(text(f"Note {n}") for n in range(200)))

    view = render_modal(form, {"channel": "C1"}, notes)

    assert view_refusal(view) == []
    assert [b.get("block_id") for b in view["blocks"][-5:]] == ["f0", "f1", "f2", "f3", "f4"]
    assert view["blocks"][-6]["elements"][0]["text"] == "… (more than fits here)"


def test_a_home_page_of_many_cards_fits_the_home_tab():
    """A Home page with 80 practice cards is published within Slack's 100 blocks."""
    view = render_home(Reply(tuple(PracticeCard(PRACTICE, rank=n) for n in range(80))))

    assert view_refusal(view) == []
    assert len(view["blocks"]) == 100
