"""The ack path's own limits: what it refuses before a signature is checked or a byte is spooled.

`InboxFront` is the real WSGI callable gunicorn serves, over a real inbox folder; Bolt behind it
is a recorder, since nothing refused here may reach it. `test_http_server` sends the same requests
to the Procfile's real gunicorn, so gunicorn's own parsing is part of the contract.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.inbox import Inbox, InboxWorker
from adapters.slack.server import MAX_BODY_BYTES, InboxFront
from tests.adapters.slack.conftest import SECRET, command_body, signed_headers


class Recorder:
    """Bolt's WSGI handler as far as these tests care: it must not be called."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: dict[str, Any], start_response: Any) -> list[bytes]:
        self.calls += 1
        start_response("200 OK", [])
        return [b""]


class Stream(io.BytesIO):
    """A request body that counts how much of it was read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def answer(
    tmp_path: Path, body: bytes, headers: dict[str, str], length: str | None
) -> tuple[str, bytes, Stream, Inbox, Recorder]:
    inbox = Inbox(tmp_path / "inbox")
    bolt = Recorder()
    front = InboxFront(
        bolt, InboxWorker(inbox, lambda _r: True, None, None, threads=1), SECRET, work_here=False
    )
    stream = Stream(body)
    environ: dict[str, Any] = {
        "PATH_INFO": "/slack/events",
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": headers.get("content-type", ""),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers.get("x-slack-request-timestamp", ""),
        "HTTP_X_SLACK_SIGNATURE": headers.get("x-slack-signature", ""),
        "wsgi.input": stream,
    }
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    statuses: list[str] = []
    out = b"".join(front(environ, lambda status, _headers: statuses.append(status)))
    return statuses[0], out, stream, inbox, bolt


def test_a_signed_command_within_the_cap_is_spooled_and_acked(tmp_path):
    """The control: a real command of ordinary size is acked 200 and lies in the inbox."""
    body = command_body("knife crime").encode()

    status, _, _, inbox, bolt = answer(
        tmp_path, body, signed_headers(body.decode()), str(len(body))
    )

    assert status == "200 OK"
    assert inbox.pending() == 1
    assert bolt.calls == 0


def test_a_declared_length_past_the_cap_is_refused_unread(tmp_path):
    """413 on the declared length alone: not a byte of the body is read, nothing is spooled."""
    body = b"x" * (MAX_BODY_BYTES + 1)

    status, out, stream, inbox, bolt = answer(tmp_path, body, {}, str(len(body)))

    assert status.startswith("413")
    assert out == b"request too large"
    assert stream.taken == 0
    assert inbox.pending() == 0
    assert bolt.calls == 0


def test_a_signed_body_past_the_cap_is_refused_although_its_signature_is_good(tmp_path):
    """Size is checked first: a correctly signed 1 MiB + 1 command is still 413, not spooled."""
    text = "a" * MAX_BODY_BYTES
    body = command_body(text).encode()

    status, _, _, inbox, _ = answer(tmp_path, body, signed_headers(body.decode()), str(len(body)))

    assert status.startswith("413")
    assert inbox.pending() == 0


def test_a_chunked_body_is_read_only_to_just_past_the_cap(tmp_path):
    """Without a Content-Length the body is read to one byte past the cap, then refused."""
    body = b"y" * (3 * MAX_BODY_BYTES)

    status, _, stream, inbox, _ = answer(tmp_path, body, {}, None)

    assert status.startswith("413")
    assert stream.taken == MAX_BODY_BYTES + 1
    assert inbox.pending() == 0


@pytest.mark.parametrize("length", ["-5", "12abc", "1e3", "٣٤", " + 7", "0x10"])
def test_a_malformed_content_length_is_a_bad_request(tmp_path, length):
    """Negative, non-decimal or non-ASCII digits: 400, nothing read, nothing spooled."""
    body = command_body("burglary").encode()

    status, out, stream, inbox, bolt = answer(tmp_path, body, signed_headers(body.decode()), length)

    assert status.startswith("400")
    assert out == b"bad Content-Length"
    assert stream.taken == 0
    assert inbox.pending() == 0
    assert bolt.calls == 0


@pytest.mark.parametrize("stamp", ["", "soon", "-1", "1e9", "١٧٠٠٠٠٠٠٠٠"])
def test_an_unsigned_or_badly_stamped_request_is_401_not_a_crash(tmp_path, stamp):
    """No timestamp, or one that is not a number: 401 like any unsigned request, not a 500."""
    body = command_body("burglary").encode()
    headers = {**signed_headers(body.decode()), "x-slack-request-timestamp": stamp}

    status, _, _, inbox, bolt = answer(tmp_path, body, headers, str(len(body)))

    assert status.startswith("401")
    assert inbox.pending() == 0
    assert bolt.calls == 0


def test_an_empty_body_is_refused_as_unsigned_and_spools_nothing(tmp_path):
    """Content-Length 0 (and no signature): 401, as any unsigned request."""
    status, _, _, inbox, _ = answer(tmp_path, b"", {}, "0")

    assert status.startswith("401")
    assert inbox.pending() == 0
