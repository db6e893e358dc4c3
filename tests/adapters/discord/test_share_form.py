"""The compact sharing form on Discord: *Fill in a form instead* opens a five-input modal."""

from __future__ import annotations

from tests.adapters.discord.fake_discord import dm_channel_id
from tests.adapters.discord.harness import (
    ALICE_ID,
    click,
    modal_submit,
    play,
    sent_message,
    slash,
)

ALICE_DM = dm_channel_id(ALICE_ID)
TYPED = {
    "title": "Bike marking at @everyone stations",
    "summary": "Free cycle marking at stations, <@&123> welcome.",
    "aim": "Cycle theft at commuter stations; the aim was fewer thefts.",
    "description": "Officers marked and registered bikes\n\nat three stations.",
    "learning": "Pair marking with secure racks.",
}


def _text_input(name: str, label: str, style: int, max_length: int) -> dict:
    component = {
        "type": 4,
        "style": style,
        "label": None,
        "custom_id": name,
        "required": True,
        "max_length": max_length,
    }
    return {"type": 18, "label": label, "component": component}


FIVE_INPUTS = [
    _text_input("title", "Title", 1, 200),
    _text_input("summary", "Summary", 2, 300),
    _text_input("aim", "Problem and aim", 2, 3000),
    _text_input("description", "What was done", 2, 3000),
    _text_input("learning", "Learning", 2, 3000),
]


async def _open_form(fake):
    """`/practice share` in the guild, then *Fill in a form instead* on the first DM question."""
    payload = slash("share")
    await fake.interact(payload)
    await fake.callback(payload["id"])
    dm_messages = f"channels/{ALICE_DM}/messages"
    await fake.wait_for(lambda r: len(fake.calls("POST", dm_messages)) == 1)
    first = sent_message(fake.calls("POST", dm_messages)[0], channel_id=ALICE_DM)
    press = click(first, "share:form", direct=True)
    await fake.interact(press)
    return (await fake.callback(press["id"])).body


def test_form_button_opens_a_five_input_modal_and_its_submission_asks_the_focus(world):
    """The button opens a modal of five text inputs; sending it asks the next question."""

    async def steps(fake, client):
        modal = await _open_form(fake)
        sent = modal_submit(modal["data"], TYPED, direct=True)
        await fake.interact(sent)
        return modal, (await fake.callback(sent["id"])).body

    modal, answer = play(world, steps)
    assert modal["type"] == 9
    assert modal["data"]["title"] == "Share a practice"
    assert modal["data"]["custom_id"].startswith("dc:form:")
    assert modal["data"]["components"] == FIVE_INPUTS
    assert answer["type"] == 4
    assert answer["data"]["content"] == (
        "Thanks, those answers are saved in your draft.\n"
        "**Where does it intervene? Pick one or more, then press Done.**  (5/21)\n"
        "*You can also type them, e.g. prevention, diversion.*"
    )
    buttons = [c["custom_id"] for row in answer["data"]["components"] for c in row["components"]]
    assert buttons == [
        "share:pick:prevention",
        "share:pick:diversion",
        "share:pick:reoffending",
        "share:pick:organisational",
        "share:pick:location",
        "share:done",
        "share:back",
        "share:cancel",
    ]
    assert answer["data"]["allowed_mentions"] == {"parse": []}


def test_refused_form_offers_the_form_again_with_what_was_typed(world):
    """An empty title: the reasons come back with a button reopening the modal, values kept."""

    async def steps(fake, client):
        modal = await _open_form(fake)
        sent = modal_submit(modal["data"], {**TYPED, "title": "  "}, direct=True)
        await fake.interact(sent)
        recorded = await fake.callback(sent["id"])
        refused = recorded.body
        (reopen,) = [
            c["custom_id"]
            for row in refused["data"]["components"]
            for c in row["components"]
            if c["custom_id"].startswith("dc:open:")
        ]
        press = click(sent_message(recorded, channel_id=ALICE_DM), reopen, direct=True)
        await fake.interact(press)
        return refused, (await fake.callback(press["id"])).body

    refused, again = play(world, steps)
    assert refused["data"]["content"] == (
        "**Please check these answers**: nothing you typed is lost.\n"
        "**Title**: *That answer is empty.*"
    )
    assert again["type"] == 9
    defaults = {
        c["component"]["custom_id"]: c["component"].get("value")
        for c in again["data"]["components"]
    }
    assert defaults == {"title": None, **{k: v for k, v in TYPED.items() if k != "title"}}
