"""Nothing acked is lost: kill -9 of the web process after Slack got its 200, on PostgreSQL.

`practicebank run slack` (two gunicorn workers) spools each request in the inbox before the ack;
a slow fake Slack keeps every request's work in flight for a while after its ack. The whole
process group is killed with SIGKILL at a seeded random moment after an ack, then started again
on the same inbox folder, several times: the restarted workers find the orphaned files and work
them. A person answers the whole sharing dialogue in their DM (signed events, as Slack sends
them) and a moderator approves and rejects submissions through the cards' buttons and modals.
Every answer must be recorded once (each field holds what was typed for it), the dialogue must
finish, every decision must be whole (the practice published, its notices queued, its audit
written) and applied once, and the person and moderator must get their answers — a repeat of a
message is allowed only after a kill. `CRASH_SEED` replays a run's kill points.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.kernel.events import Workspace
from bot.kernel.records import SubmissionState
from practicebank.bootstrap import open_store, seed_workspace, slack_workspace_seed
from practicebank.settings import settings_from
from tests.adapters.slack.conftest import block_actions_payload, event_body, signed_headers
from tests.adapters.slack.fake_slack import TEAM, FakeSlack
from tests.adapters.slack.test_http_server import web_command
from tests.adapters.slack.test_moderation import initial_values, view_submission
from tests.adapters.slack.test_slack_formats_dialogue import ALICE, ALICE_DM, TYPED
from tests.scale.conftest import Start, process_env, wait_until
from tests.support.moderation import SAMPLE_ANSWERS, queue_for_moderation

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

SEED = int(os.environ.get("CRASH_SEED", "20251202"))
KILLS = 4
MODERATOR = "U0MOIRA"
MOD_CHANNEL = "C0MOD"


class Web:
    """The web process on one inbox folder: started, killed with SIGKILL, started again."""

    def __init__(self, start: Start, env: dict[str, str]) -> None:
        self._start = start
        self._env = env
        self.url = f"http://127.0.0.1:{env['PORT']}/slack/events"
        self.process: subprocess.Popen[bytes] | None = None

    def up(self) -> None:
        self.process = self._start(web_command()[1:], self._env)
        port = int(self._env["PORT"])
        wait_until(lambda: _listening(port), 60, "the web process to listen")

    def kill(self) -> None:
        assert self.process is not None
        assert self.process.poll() is None, "the web process died by itself"
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        wait_until(lambda: not _group_alive(self.process.pid), 30, "the killed workers to go")

    def post(self, raw: str, headers: dict[str, str]) -> int:
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
            self.url, data=raw.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def migrated_and_seeded(database_url: str, env: dict[str, str]) -> None:
    """The database as `release` and a first start leave it, before the workers start.

    Two web workers starting at once on an empty database race to insert the workspace's
    settings (a start-up check-then-insert outside this test's subject); seeding first
    keeps that race out of these runs.
    """
    store = open_store(database_url)
    try:
        seed_workspace(store.uow_factory, slack_workspace_seed(settings_from(env), TEAM))
    finally:
        store.engine.dispose()


def step_of(database_url: str) -> str | None:
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            conversation = uow.conversations.get(f"slack:{TEAM}:{ALICE}")
        return conversation.step if conversation else None
    finally:
        store.engine.dispose()


def spooled(folder: Path) -> int:
    return len(list(folder.glob("*.json")))


def test_kill_9_after_the_ack_mid_dialogue_loses_no_answer_and_records_each_once(
    start: Start, fake: FakeSlack, database_url: str, tmp_path: Path
):
    """Alice answers every question; four kills land after acks; each answer is taken once."""
    rng = random.Random(SEED)
    inbox = tmp_path / "inbox"
    env = process_env(fake, database_url, WEB_CONCURRENCY="2", SLACK_INBOX_DIR=str(inbox))
    migrated_and_seeded(database_url, env)
    fake.latency["chat.postMessage"] = 0.15  # the work outlives its ack
    web = Web(start, env)
    web.up()
    kill_at = set(rng.sample(range(1, 21), KILLS))
    steps: list[str | None] = []
    for n in range(45):  # 21 questions; the bound turns a stuck dialogue into a failure
        before = step_of(database_url)
        if n and before is None:
            break  # submitted: the dialogue is over
        steps.append(before)
        typed = "share" if n == 0 else "submit" if before == "review" else _answer(before)
        event = {
            "type": "message",
            "channel_type": "im",
            "user": ALICE,
            "text": typed,
            "ts": f"1700000600.{n:06d}",
            "channel": ALICE_DM,
        }
        raw = json.dumps(event_body(event, event_id=f"Ev-dialogue-{n}"))
        assert web.post(raw, signed_headers(raw) | {"content-type": "application/json"}) == 200
        if n in kill_at:
            time.sleep(rng.uniform(0.0, 0.3))  # somewhere in the work behind the ack
            web.kill()
            web.up()
        wait_until(
            lambda b=before: step_of(database_url) != b,
            60,
            f"answer {n} ({typed!r}) to be taken (seed {SEED})",
        )
    wait_until(lambda: spooled(inbox) == 0, 30, "the inbox to be worked empty")

    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            submitted = uow.submissions.list_by_state(
                Workspace("slack", TEAM), SubmissionState.SUBMITTED
            )
    finally:
        store.engine.dispose()
    assert len(submitted) == 1, f"seed {SEED}"
    recorded = submitted[0].answers
    assert recorded["title"] == TYPED["title"][0]
    assert recorded["summary"] == TYPED["summary"][0]
    assert recorded["aim"] == TYPED["aim"][0]
    assert recorded["learning"] == TYPED["learning"][0]
    assert recorded["contact_email"] == TYPED["contact_email"][0]
    assert recorded["links"] == [TYPED["links"][0]]
    asked = [s for s in steps if s]
    assert len(asked) == len(set(asked)), f"a question was taken twice: {asked} (seed {SEED})"
    told = [str(c.body.get("text", "")) for c in fake.delivered() if c.body["channel"] == ALICE_DM]
    assert any("is with the moderators" in t for t in told), "Alice was not told it was sent"


def _answer(step: str | None) -> str:
    """What Alice types for the question at `step` (as Slack delivers it), else "skip"."""
    return TYPED.get(step or "", ("skip", "skip"))[1]


SUBMISSIONS = 6
DECISION_KILLS = 4


def cards_posted(fake: FakeSlack) -> dict[str, str]:
    """The moderation cards posted, by submission title: their message ts."""
    cards: dict[str, str] = {}
    for call in fake.delivered():
        if call.body.get("channel") == MOD_CHANNEL and "ts" in call.answer:
            cards.setdefault(str(call.body.get("text", "")), str(call.answer["ts"]))
    return cards


def decided(database_url: str) -> dict[int, tuple[SubmissionState, str | None, list[str]]]:
    """Every submission's state, published ref and audit trail (its reviews' decisions)."""
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            found = {}
            for n in range(1, SUBMISSIONS + 1):
                submission = uow.submissions.get(Workspace("slack", TEAM), n)
                assert submission is not None
                reviews = [str(r.decision) for r in uow.reviews.for_submission(n)]
                found[n] = (submission.state, submission.published_ref, reviews)
            return found
    finally:
        store.engine.dispose()


def filled(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The modal submitted as a moderator would: what it offers, a reason where one is asked."""
    values = initial_values(view)
    for value in values.values():
        if value.get("type") == "plain_text_input" and not value.get("value"):
            value["value"] = "Not enough evidence yet."
    return values


def test_kill_9_mid_decision_leaves_each_decision_whole_and_applied_once(
    start: Start, fake: FakeSlack, database_url: str, tmp_path: Path
):
    """Moira approves or rejects six cards; kills land mid-decision; each applies once, whole."""
    rng = random.Random(SEED + 1)
    inbox = tmp_path / "inbox"
    env = process_env(
        fake,
        database_url,
        WEB_CONCURRENCY="2",
        SLACK_INBOX_DIR=str(inbox),
        SLACK_MODERATION_CHANNEL=MOD_CHANNEL,
        SLACK_MODERATORS=MODERATOR,
    )
    migrated_and_seeded(database_url, env)
    web = Web(start, env)
    web.up()
    store = open_store(database_url)
    try:

        def seeded() -> bool:  # the workers wrote the workspace's settings at start-up
            with store.uow_factory() as uow:
                settings = uow.workspaces.get("slack", TEAM)
                return settings is not None and settings.moderation_channel == MOD_CHANNEL

        wait_until(seeded, 60, "the workers to seed the workspace settings")
        for n in range(1, SUBMISSIONS + 1):
            queue_for_moderation(
                store.uow_factory,
                datetime.now(UTC),
                platform="slack",
                workspace_id=TEAM,
                contributor_id=ALICE,
                answers={**SAMPLE_ANSWERS, "title": f"Practice number {n}"},
            )
    finally:
        store.engine.dispose()
    wait_until(lambda: len(cards_posted(fake)) >= SUBMISSIONS, 60, "the cards to be posted")
    cards = cards_posted(fake)
    kill_at = set(rng.sample(range(1, SUBMISSIONS + 1), DECISION_KILLS))
    wanted: dict[int, str] = {}
    for n in range(1, SUBMISSIONS + 1):
        verb = rng.choice(("approve", "reject"))
        wanted[n] = verb
        ts = next(t for text, t in cards.items() if f"S-{n:04d}" in text)
        payload = block_actions_payload(
            f"mod:{verb}:{n}",
            user=MODERATOR,
            channel=MOD_CHANNEL,
            message_ts=ts,
            response_url=fake.response_url(f"click{n}"),
        )
        payload["trigger_id"] = fake.trigger()
        opened = len(fake.calls_to("views.open"))
        raw = urlencode({"payload": json.dumps(payload)})
        assert web.post(raw, signed_headers(raw)) == 200
        view = fake.wait_for("views.open", opened + 1, timeout=30)[-1].body["view"]
        name = f"decision{n}"
        fake.latency[f"respond/{name}"] = 0.3  # the moderator's answer outlives the ack
        meta = json.loads(view["private_metadata"])
        view["private_metadata"] = json.dumps({**meta, "response_url": fake.response_url(name)})
        submitted = urlencode(
            {"payload": json.dumps(view_submission(view, MODERATOR, filled(view)))}
        )
        if n not in kill_at:
            assert web.post(submitted, signed_headers(submitted)) == 200
        else:
            outcome: list[int] = []
            sender = threading.Thread(
                target=lambda out=outcome, raw=submitted: out.append(_post_or_fail(web, raw)),
                daemon=True,
            )
            sender.start()
            time.sleep(rng.uniform(0.0, 0.5))  # before the ack, or in its follow-up
            web.kill()
            sender.join(timeout=30)
            web.up()
            if outcome != [200]:  # Slack showed an error: the moderator presses Submit again
                again = urlencode(
                    {"payload": json.dumps(view_submission(view, MODERATOR, filled(view)))}
                )
                assert web.post(again, signed_headers(again)) == 200
        wait_until(
            lambda m=n: decided(database_url)[m][0] != SubmissionState.SUBMITTED,
            60,
            f"decision {n} to be applied (seed {SEED})",
        )
        wait_until(lambda m=name: bool(fake.calls_to(f"respond/{m}")), 60, f"{name}'s answer")
    wait_until(lambda: spooled(inbox) == 0, 30, "the inbox to be worked empty")

    outcome_of = decided(database_url)
    for n, verb in wanted.items():
        state, ref, reviews = outcome_of[n]
        if verb == "approve":
            assert state == SubmissionState.PUBLISHED and ref, f"S-{n:04d} (seed {SEED})"
            assert reviews == ["approve"], f"S-{n:04d} audit {reviews} (seed {SEED})"
        else:
            assert (state, ref) == (SubmissionState.REJECTED, None), f"S-{n:04d} (seed {SEED})"
            assert reviews == ["reject"], f"S-{n:04d} audit {reviews} (seed {SEED})"
    published = [outcome_of[n][1] for n in wanted if wanted[n] == "approve"]
    assert len(set(published)) == len(published)  # one practice per approval, never two
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            assert uow.practices.count() == len(published)
    finally:
        store.engine.dispose()
    wait_until(
        lambda: all(
            any(f"Practice number {n}" in str(c.body.get("text", "")) for c in _to_alice(fake))
            for n in wanted
        ),
        60,
        "Alice to be told every decision",
    )


def _to_alice(fake: FakeSlack) -> list[Any]:
    return [c for c in fake.delivered() if c.body.get("channel") == ALICE_DM]


def _post_or_fail(web: Web, raw: str) -> int:
    try:
        return web.post(raw, signed_headers(raw))
    except (urllib.error.URLError, OSError):
        return 0
