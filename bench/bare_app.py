"""The load bench's floor: gunicorn answering every request 200 at once and doing nothing else.

`bench.load` sends the same signed requests to this app, under the same gunicorn settings as
the web process, before the bot itself: the difference between the two is what the bot's ack
path costs, and this floor is what the sender, gunicorn and the machine cost on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Read the body (as the bot does) and answer 200 with nothing."""
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]
