"""A web worker that only acks (the work processes search) never builds the search index.

Building it holds the GIL for seconds at a large bank, and every ack in that worker waits behind
it; the index would also sit in memory for nothing. What such a worker does answer itself — a
modal submission, whose ack may carry the next view — never searches, so the index is not needed.
"""

from __future__ import annotations

import json
import time

from practicebank.bootstrap import PracticeBank
from tests.adapters.slack.conftest import MODERATION_CHANNEL, MODERATOR, make_world
from tests.adapters.slack.test_moderation import (
    initial_values,
    posted_card,
    submit_for_moderation,
    view_submission,
)


def core_of(world) -> PracticeBank:
    assert world.process is not None and world.process.bank is not None
    return world.process.bank


def test_an_ack_only_worker_decides_a_modal_without_building_the_index(fake, tmp_path):
    """Approve through the modal in a worker built with `searches=False`: published, no build."""
    world = make_world(fake, f"sqlite:///{tmp_path / 'ack.db'}", searches=False)
    try:
        submission = submit_for_moderation(world)
        posted_card(world)
        world.click(f"mod:approve:{submission.id}", user=MODERATOR, channel=MODERATION_CHANNEL)
        view = fake.wait_for("views.open")[0].body["view"]

        response = world.interact(view_submission(view, MODERATOR, initial_values(view)))

        assert (response.status, response.body) == (200, "")
        world.bot.loop.run_once()
        assert "Approved by moira" in json.dumps(fake.wait_for("chat.update")[0].body["blocks"])
        service = core_of(world).search_service
        assert (service.builds, service.ready) == (0, False)
    finally:
        world.store.engine.dispose()


def test_a_searching_worker_builds_its_index_in_the_background_at_start(fake, tmp_path):
    """The control: the default worker (it searches) has its index built without being asked."""
    world = make_world(fake, f"sqlite:///{tmp_path / 'search.db'}")
    try:
        service = core_of(world).search_service
        deadline = time.monotonic() + 30
        while not service.ready and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (service.builds, service.ready) == (1, True)
    finally:
        world.store.engine.dispose()
