"""Conversations: one per person, replaced on save, found when idle, gone when deleted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.kernel.records import Conversation
from tests.conftest import STORE_NOW
from tests.support.hostile import HOSTILE_TEXT

KEY = "slack:T1:U1"


def save(uow_factory, *conversations: Conversation) -> None:
    with uow_factory() as uow:
        for conversation in conversations:
            uow.conversations.save(conversation)
        uow.commit()


@pytest.mark.parametrize("value", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
def test_conversation_data_round_trips_hostile_text(any_uow_factory, value):
    """The dialogue's data (nested JSON with hostile keys and values) comes back exactly."""
    conversation = Conversation(
        KEY,
        "share",
        "title",
        {"answers": {"title": value, value: [value, 1, None, True]}, "history": ["title"]},
        STORE_NOW,
    )
    save(any_uow_factory, conversation)

    with any_uow_factory() as uow:
        assert uow.conversations.get(KEY) == conversation


def test_saving_again_replaces_the_persons_conversation(any_uow_factory):
    """A second save for the same person replaces the first, it does not add another."""
    save(any_uow_factory, Conversation(KEY, "share", "title", {"a": 1}, STORE_NOW))
    later = Conversation(KEY, "update", "summary", {"b": 2}, STORE_NOW + timedelta(minutes=5))
    save(any_uow_factory, later)

    stored = replace(later, revision=1)
    with any_uow_factory() as uow:
        assert uow.conversations.get(KEY) == stored
        assert uow.conversations.idle_since(STORE_NOW + timedelta(days=1)) == [stored]


def test_missing_updated_at_is_the_clock(any_uow_factory):
    """A conversation saved without updated_at is stamped with the unit of work's clock."""
    save(any_uow_factory, Conversation(KEY, "share", "title"))

    with any_uow_factory() as uow:
        stored = uow.conversations.get(KEY)

    assert stored == Conversation(KEY, "share", "title", {}, STORE_NOW)


def test_deleted_conversation_is_gone(any_uow_factory):
    """delete forgets the person's conversation; deleting again is harmless."""
    save(any_uow_factory, Conversation(KEY, "share", "title", {}, STORE_NOW))

    with any_uow_factory() as uow:
        uow.conversations.delete(KEY)
        uow.conversations.delete(KEY)
        uow.conversations.delete("nobody")
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.conversations.get(KEY) is None


def test_idle_since_finds_conversations_untouched_before_the_cut_off(any_uow_factory):
    """Only conversations last saved strictly before the cut-off count, longest idle first."""
    cut_off = STORE_NOW - timedelta(days=30)
    save(
        any_uow_factory,
        Conversation("k:1", "share", "a", {}, cut_off - timedelta(days=1)),
        Conversation("k:2", "share", "a", {}, cut_off),
        Conversation("k:3", "share", "a", {}, cut_off - timedelta(days=5)),
        Conversation("k:4", "share", "a", {}, STORE_NOW),
    )

    with any_uow_factory() as uow:
        idle = [c.actor_key for c in uow.conversations.idle_since(cut_off)]

    assert idle == ["k:3", "k:1"]


@pytest.mark.parametrize(
    ("key", "kind", "step"),
    [("", "share", "a"), ("k" * 256, "share", "a"), (KEY, "k" * 65, "a"), (KEY, "share", "")],
    ids=["empty key", "long key", "long kind", "empty step"],
)
def test_unstorable_keys_are_refused(uow_factory, key, kind, step):
    """Keys that do not fit their columns are refused alike on every SQL backend."""
    with uow_factory() as uow, pytest.raises(ValueError):
        uow.conversations.save(Conversation(key, kind, step))


@pytest.mark.parametrize("key", ["", "k\x00", "\ud800", "'; DROP TABLE conversations; --"])
def test_lookups_with_hostile_keys_find_nothing(uow_factory, key):
    """Getting or deleting with a key no one has answers None / does nothing, on any backend."""
    with uow_factory() as uow:
        uow.conversations.delete(key)
        assert uow.conversations.get(key) is None


def test_compare_and_set_applies_once(any_uow_factory):
    """Two saves expecting the same revision: the first wins, the second is refused and lost."""
    save(any_uow_factory, Conversation(KEY, "share", "title", {}, STORE_NOW))
    with any_uow_factory() as uow:
        loaded = uow.conversations.get(KEY)
    assert loaded is not None and loaded.revision == 0

    with any_uow_factory() as uow:
        won = uow.conversations.save(replace(loaded, step="summary"), expected_revision=0)
        uow.commit()
    with any_uow_factory() as uow:
        lost = uow.conversations.save(replace(loaded, step="aim"), expected_revision=0)
        uow.commit()

    assert (won, lost) == (True, False)
    with any_uow_factory() as uow:
        stored = uow.conversations.get(KEY)
    assert stored is not None and (stored.step, stored.revision) == ("summary", 1)


def test_compare_and_set_of_a_missing_conversation_is_refused(any_uow_factory):
    """A compare-and-set cannot create a conversation that is gone (discarded elsewhere)."""
    with any_uow_factory() as uow:
        assert not uow.conversations.save(
            Conversation(KEY, "share", "title", {}, STORE_NOW), expected_revision=0
        )
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.conversations.get(KEY) is None
