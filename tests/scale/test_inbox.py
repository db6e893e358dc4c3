"""The inbox folder on its own: whole files, exclusive locks, orphans, claim keys, the journal."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from adapters.slack.inbox import Answers, Inbox, Request
from bot.kernel.replies import Reply, text


def test_a_spooled_file_is_worked_by_one_holder_at_a_time(tmp_path: Path):
    """`take` locks; a second `take` gets None until the first lets go; `done` deletes it."""
    inbox = Inbox(tmp_path / "inbox", orphan_age=0.0)
    path = inbox.put('{"type": "event_callback"}', {"content-type": "application/json"})

    first = inbox.take(path)
    assert first is not None
    assert inbox.take(path) is None  # held: another worker skips it
    first.release()
    second = inbox.take(path)
    assert second is not None
    assert second.request.body == '{"type": "event_callback"}'
    second.done()

    assert not path.exists()
    assert inbox.take(path) is None  # gone: nothing to do
    assert inbox.pending() == 0


def test_only_files_older_than_the_orphan_age_are_orphans(tmp_path: Path):
    """A fresh file is its writer's to hand over; an old one whose lock is free is anyone's."""
    inbox = Inbox(tmp_path / "inbox", orphan_age=60.0)
    old = inbox.put("old=1", {})
    os.utime(old, (time.time() - 120, time.time() - 120))
    inbox.put("new=1", {})

    assert list(inbox.orphans()) == [old]


def test_an_unreadable_file_is_set_aside_not_worked(tmp_path: Path):
    inbox = Inbox(tmp_path / "inbox", orphan_age=0.0)
    path = inbox.folder / "00000000000000000001-bad.json"
    path.write_text("not json")

    assert inbox.take(path) is None
    assert (inbox.folder / "failed" / path.name).exists()


def test_claim_keys_name_the_event_or_hash_the_signed_request():
    """Slack's retries of an event share its key; a command's key covers timestamp and body."""
    event = json.dumps({"type": "event_callback", "event_id": "Ev42"})
    json_headers = {"content-type": "application/json", "x-slack-request-timestamp": "1"}
    retried = json_headers | {"x-slack-request-timestamp": "2", "x-slack-retry-num": "1"}
    assert Request(event, json_headers).key == Request(event, retried).key == "event:Ev42"

    form = {"content-type": "application/x-www-form-urlencoded"}
    command = Request("command=%2Fpractice&text=knife", form | {"x-slack-request-timestamp": "1"})
    again = Request("command=%2Fpractice&text=knife", form | {"x-slack-request-timestamp": "2"})
    assert command.key.startswith("request:")
    assert command.key == Request(command.body, dict(command.headers)).key
    assert command.key != again.key  # the same words typed twice are two requests


def test_a_replay_gets_the_recorded_answer_and_the_core_is_not_asked_again(tmp_path: Path):
    """The journal: the first try records what the core said; the replay reads it back."""
    path = tmp_path / ".request.json.answers"
    asked: list[str] = []

    def core() -> list[Reply]:
        asked.append("asked")
        return [Reply((text("What is the practice called?"),))]

    first = Answers(path).ask(core)
    replayed = Answers(path).ask(core)

    assert asked == ["asked"]
    assert replayed == first


def test_a_file_being_written_is_never_swept_as_a_leftover(tmp_path: Path):
    """Temporary files (a request or answers mid-write) are left alone, even at orphan age 0."""
    inbox = Inbox(tmp_path / "inbox", orphan_age=0.0)
    writing = inbox.folder / ".00000000000000000002-abcd.tmp"
    writing.write_text("{")
    answers = inbox.folder / ".gone.json.answers"
    answers.write_text("[]")
    old = time.time() - 3600
    os.utime(answers, (old, old))

    list(inbox.orphans())

    assert writing.exists()  # a web worker is about to rename it into place
    assert not answers.exists()  # its request finished long ago
