"""A TCP proxy on 127.0.0.1 between the bot and its database, to make the database misbehave.

Real processes are pointed at the proxy's port instead of PostgreSQL's; the test then switches
the proxy between four behaviours, each one a way a real database goes wrong:

- `forward()`: bytes pass both ways (the database is fine).
- `stall()`: connections stay open and new ones are accepted, but no byte is passed on either
  way: a frozen server or a half-dead network path. Nothing errors; a client without a deadline
  of its own waits for ever.
- `drop()`: every open connection is reset and every new one is reset as soon as it is accepted:
  the database is gone (restarted, failed over, unreachable).
- `forward()` again restores service; connections that were stalled carry on where they were.

The proxy never reads the PostgreSQL protocol: it moves bytes, so what the bot sees is exactly
what a real network fault would show it.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading

from sqlalchemy.engine import make_url

FORWARD, STALL, DROP = "forward", "stall", "drop"
_CHUNK = 65536
_POLL_S = 0.05  # how often a pump looks at the mode: a stall starts within this


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a vanished server's host would answer."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class DatabaseProxy:
    """Forward 127.0.0.1:`port` to `upstream` (host, port) until told to stall or drop."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.mode = FORWARD
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closing = False

    @classmethod
    def to(cls, database_url: str) -> DatabaseProxy:
        """A proxy in front of the server named by a PostgreSQL `database_url`."""
        url = make_url(database_url)
        return cls((url.host or "127.0.0.1", int(url.port or 5432)))

    def url_for(self, database_url: str) -> str:
        """`database_url` pointed at this proxy (same database, user, options)."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    def start(self) -> DatabaseProxy:
        """Accept connections on a background thread."""
        threading.Thread(target=self._accept, name="db-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the listener and every connection."""
        self._closing = True
        self._listener.close()
        self._reset_all()

    def forward(self) -> None:
        """Pass bytes again (restore)."""
        self.mode = FORWARD

    def stall(self) -> None:
        """Keep every connection open but pass nothing on, either way."""
        self.mode = STALL

    def drop(self) -> None:
        """Reset every open connection, and each new one as soon as it is accepted."""
        self.mode = DROP
        self._reset_all()

    def _reset_all(self) -> None:
        with self._lock:
            doomed, self._open = self._open, set()
        for sock in doomed:
            _reset(sock)

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.mode == DROP:
                _reset(client)
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        # A stalled proxy still accepts, but connects upstream only once bytes may flow: the
        # client's handshake waits exactly as it would behind a frozen server.
        while self.mode == STALL and not self._closing:
            select.select([], [], [], _POLL_S)
        if self.mode == DROP or self._closing:
            _reset(client)
            return
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _reset(client)
            return
        server.settimeout(None)
        with self._lock:
            self._open |= {client, server}
        threading.Thread(target=self._pump, args=(server, client), daemon=True).start()
        self._pump(client, server)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        """Copy `source` to `sink` while forwarding; hold bytes back while stalled."""
        try:
            while True:
                if self.mode == STALL:
                    select.select([], [], [], _POLL_S)
                    continue
                readable, _, _ = select.select([source], [], [], _POLL_S)
                if not readable or self.mode == STALL:
                    continue
                data = source.recv(_CHUNK)
                if not data:
                    break
                sink.sendall(data)
        except (OSError, ValueError):
            pass
        for sock in (source, sink):
            with self._lock:
                known = sock in self._open
                self._open.discard(sock)
            if known:
                _reset(sock)
