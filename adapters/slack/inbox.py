"""The Slack inbox: every request is written to a local folder before Slack is told "200".

Once Slack has its 200 it never sends the request again, so a worker that dies after the ack but
before the work committed would lose a person's dialogue answer or a moderator's click. The ack
path therefore writes the raw request (body and the few headers the work needs) to a file in the
inbox folder first — write to a temporary name, then rename, so a file is always whole; no fsync
and no database, so it costs tens of microseconds — and only then answers. The work takes the
file, does what the request asks, marks it done in the database and deletes the file.

Whoever works a file holds an exclusive, non-blocking `fcntl.flock` on it. The kernel drops the
lock when the process dies (kill -9 included), so a file older than `ORPHAN_AGE` whose lock is
free belongs to nobody: every worker takes such orphans at start-up and every few seconds and
works them again. Replaying is safe because the work is applied once: each request is claimed in
`platform_claims` under its event id (`event:<id>`, shared with Slack's own retries) or, for
slash commands and clicks that carry none, a hash of its timestamp and signed body
(`request:<sha256>`); a claim already marked done skips the work, and under the file's lock a
claim not yet done can only be a dead worker's (no lease needed). Beyond the claim, the dialogue's
compare-and-set on its step and the decisions' compare-and-set on the revision make a replay
whose first try committed (but died before marking it done) change nothing — except that a typed
dialogue answer carries nothing saying which question it answers, so a replay would take it as the
answer to the next one. Hence the answers journal: the core's replies to a spooled request are
written beside its file (`Answers`) the moment the core returns, and a replay posts those instead
of asking the core again. What remains is the sub-millisecond gap between the core's commit and
that write.

What is guaranteed: a request Slack got a 200 for is worked to the end at least once, and its
effects apply once, as long as the inbox folder survives — a process killed, a worker restarted,
a SIGTERM (which finishes the file in hand and leaves the queued ones for the next worker). A
machine that loses its disk loses what was spooled and not yet worked (seconds of requests at
most); without fsync so does an operating-system crash. On a platform that replaces the machine
at each deploy (a Heroku dyno's disk goes with it), SIGTERM drains: the worker stops taking new
requests only when gunicorn stops accepting them, works what it holds, and the few queued files
still on disk when the platform kills it are lost with the disk — run one worker per machine with
a persistent folder (`SLACK_INBOX_DIR`) where that matters. An answer can be sent twice only when
a worker dies after posting it and before marking the request done.

A request whose work raised is logged and deleted (retrying a bug every few seconds would repeat
its half-sent answers). One whose claim cannot be read (the database stalled or away) is worked
all the same and then deleted: the core, finding the database away too, answers "try again in a
moment" at once rather than the person waiting in silence for an outage to end (the issue's
rule). Without the claim a replay is not recognised: a request whose first try committed but
whose file outlived it is answered "try again" once more during an outage, or, should the
database come back between the claim and the core, applied again — the same narrow window as a
death between commit and done. Files older than `GIVE_UP_AGE` are moved to `failed/` and logged
rather than worked an hour late.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.kernel.ports import Clock
from bot.kernel.replies import Reply
from bot.kernel.reply_codec import reply_from_json, reply_to_json
from store.platform_state import PlatformState

log = logging.getLogger(__name__)

# A file this old whose lock is free was left by a worker that died (or was stopped) holding it.
ORPHAN_AGE = 5.0
SWEEP_SECONDS = 2.0  # how often a worker looks for orphans
POLL = 0.01  # how often a work process looks for new files (no inotify in the standard library)
# Leftovers (a write cut short, answers of a finished request) are deleted at this age only, so
# a file being written now is never taken for one, whatever `orphan_age` says.
LEFTOVER_AGE = 60.0
GIVE_UP_AGE = 3600.0  # Slack itself gives up on an event after about an hour
KEPT_HEADERS = ("content-type", "x-slack-request-timestamp", "x-slack-retry-num")
SUFFIX = ".json"
ANSWERS_SUFFIX = ".answers"
FAILED = "failed"
NO_LEASE = timedelta(0)  # under a file's lock, an unfinished claim is a dead worker's


@dataclass(frozen=True)
class Request:
    """One spooled Slack request: the raw body and the headers the work reads."""

    body: str
    headers: Mapping[str, str]

    @property
    def key(self) -> str:
        """The claim that makes this request's work apply once (see the module docstring)."""
        if self.headers.get("content-type", "").startswith("application/json"):
            try:
                payload = json.loads(self.body)
            except ValueError:
                payload = None
            event_id = payload.get("event_id") if isinstance(payload, dict) else None
            if isinstance(event_id, str) and event_id:
                return f"event:{event_id[:200]}"
        stamp = self.headers.get("x-slack-request-timestamp", "")
        digest = hashlib.sha256(f"{stamp}:{self.body}".encode()).hexdigest()
        return f"request:{digest}"


class Answers:
    """The core's replies to one spooled request, in the order it was asked, kept on disk.

    `ask` returns the recorded replies of a replay instead of asking the core again, and
    records (temporary file, then rename) what the core answers the first time.
    """

    def __init__(self, path: Path) -> None:
        """Read what an earlier try recorded at `path`, if anything."""
        self.path = path
        self._asked = 0
        try:
            self._recorded = [
                [reply_from_json(r) for r in replies]
                for replies in json.loads(path.read_text(encoding="utf-8"))
            ]
        except FileNotFoundError:
            self._recorded = []
        except (ValueError, TypeError):
            log.warning("unreadable answers %s: the core is asked again", path.name)
            self._recorded = []

    def ask(self, core: Callable[[], list[Reply]]) -> list[Reply]:
        """The replies of the core's next answer: recorded by an earlier try, or asked now."""
        turn = self._asked
        self._asked += 1
        if turn < len(self._recorded):
            return self._recorded[turn]
        replies = core()
        self._recorded.append(replies)
        temporary = self.path.with_name(self.path.name + ".tmp")
        encoded = [[reply_to_json(r) for r in replies] for replies in self._recorded]
        temporary.write_text(json.dumps(encoded), encoding="utf-8")
        temporary.rename(self.path)
        return replies


CURRENT_ANSWERS: ContextVar[Answers | None] = ContextVar("slack_inbox_answers", default=None)
"""The answers journal of the spooled request being worked in this context, if any."""


class Letter:
    """A spooled file held under its exclusive lock, for as long as it is being worked."""

    def __init__(self, path: Path, fd: int, request: Request) -> None:
        self.path = path
        self._fd = fd
        self.request = request
        self.answers_path = answers_path(path)

    def done(self) -> None:
        """The work is committed: delete the file and its answers, then drop the lock."""
        for path in (self.path, self.answers_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        os.close(self._fd)

    def release(self) -> None:
        """Leave the file for a later try (by this worker's sweep or another's)."""
        os.close(self._fd)


class Inbox:
    """The spool folder: `put` on the ack path, `take` and `orphans` on the work side."""

    def __init__(self, folder: Path, orphan_age: float = ORPHAN_AGE) -> None:
        """Create the folder if needed; `orphan_age` is how old an unlocked file must be."""
        self.folder = folder
        self.orphan_age = orphan_age
        folder.mkdir(parents=True, exist_ok=True)

    def put(self, body: str, headers: Mapping[str, str]) -> Path:
        """Spool one request whole (temporary name, then rename) and return its path."""
        letter = self.hold(body, headers)
        letter.release()
        return letter.path

    def hold(self, body: str, headers: Mapping[str, str]) -> Letter:
        """Spool one request, locked before anyone can see it: this thread works it first."""
        kept = {name: headers[name] for name in KEPT_HEADERS if headers.get(name)}
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        temporary = self.folder / f".{name}.tmp"
        final = self.folder / f"{name}{SUFFIX}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps({"headers": kept, "body": body}).encode())
        temporary.rename(final)
        return Letter(final, fd, Request(body, kept))

    def take(self, path: Path) -> Letter | None:
        """Lock a spooled file for working; None if another worker holds it or it is gone."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        if os.fstat(fd).st_nlink == 0:  # finished and deleted between our open and lock
            os.close(fd)
            return None
        try:
            with os.fdopen(os.dup(fd), encoding="utf-8") as file:
                data = json.load(file)
            request = Request(
                str(data["body"]), {str(k): str(v) for k, v in data["headers"].items()}
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("unreadable inbox file %s set aside", path.name)
            self._set_aside(path)
            os.close(fd)
            return None
        return Letter(path, fd, request)

    def pending(self) -> int:
        """How many requests wait in the folder (for tests and health)."""
        return sum(1 for _ in self.folder.glob(f"*{SUFFIX}"))

    def orphans(self, now: float | None = None) -> Iterator[Path]:
        """Spooled files old enough to be a dead worker's, oldest first (some may be locked)."""
        now = time.time() if now is None else now
        for path in sorted(self.folder.glob(f"*{SUFFIX}")):
            try:
                age = now - path.stat().st_mtime
            except FileNotFoundError:
                continue
            if age >= GIVE_UP_AGE:
                log.warning("inbox file %s is %.0f s old: set aside, not worked", path.name, age)
                self._set_aside(path)
            elif age >= self.orphan_age:
                yield path
        # Leftovers: a write cut short (never acked), answers whose request was finished.
        for stale in (*self.folder.glob(".*.tmp"), *self.folder.glob(f".*{ANSWERS_SUFFIX}")):
            with contextlib.suppress(FileNotFoundError):
                request = self.folder / stale.name.removeprefix(".").removesuffix(ANSWERS_SUFFIX)
                if stale.suffix == ANSWERS_SUFFIX and request.exists():
                    continue
                if now - stale.stat().st_mtime >= LEFTOVER_AGE:
                    stale.unlink()

    def _set_aside(self, path: Path) -> None:
        failed = self.folder / FAILED
        failed.mkdir(exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            path.rename(failed / path.name)


def answers_path(path: Path) -> Path:
    """Where the answers to the request spooled at `path` are kept (a hidden file beside it)."""
    return path.with_name(f".{path.name}{ANSWERS_SUFFIX}")


Work = Callable[[Request], bool]
"""Does a request's work; True when it ran to the end, False (or raising) when it failed."""


class InboxWorker:
    """Works spooled requests: those handed over by the ack path, and every orphan it finds.

    `threads` bound the work running at once in this process; what waits is on disk already.
    `stop` (SIGTERM) stops taking files, lets the ones being worked finish and leaves the rest
    for the next worker. A work process (`serve_forever`) watches the folder every `POLL`
    seconds and takes any file whose lock is free, of any age.
    """

    def __init__(
        self,
        inbox: Inbox,
        work: Work,
        state: PlatformState,
        clock: Clock,
        *,
        threads: int,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        """Bind the folder, the work (the Bolt dispatch of a request) and the claims."""
        self.inbox = inbox
        self._work = work
        self._state = state
        self._clock = clock
        self._sweep_seconds = sweep_seconds
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="inbox")
        self._stopping = threading.Event()
        self._sweeper: threading.Thread | None = None
        self._queued: set[Path] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Sweep for orphans now and every `sweep_seconds` on a background thread."""
        self._sweeper = threading.Thread(
            target=self._sweep_forever, name="inbox-sweep", daemon=True
        )
        self._sweeper.start()

    def submit(self, path: Path) -> None:
        """Work a file just spooled, on the pool (the ack has gone or is going)."""
        with self._lock:
            if self._stopping.is_set() or path in self._queued:
                return
            self._queued.add(path)
        try:
            self._pool.submit(self._work_file, path)
        except RuntimeError:  # the pool shut down meanwhile: the file waits for a sweep
            with self._lock:
                self._queued.discard(path)

    def sweep(self) -> None:
        """Queue every orphan not already queued here."""
        for path in self.inbox.orphans():
            if self._stopping.is_set():
                return
            self.submit(path)

    def serve_forever(self, stopping: threading.Event) -> None:
        """A work process's loop: take every free file as it appears, until `stopping`."""
        self.inbox.orphan_age = 0.0
        while not stopping.is_set():
            try:
                self.sweep()
            except OSError:
                log.exception("inbox poll failed")
            stopping.wait(POLL)
        self.stop()

    def stop(self) -> None:
        """Finish what is being worked; leave what is queued on disk for the next worker."""
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)

    def _sweep_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                self.sweep()
            except OSError:
                log.exception("inbox sweep failed")
            self._stopping.wait(self._sweep_seconds)

    def _work_file(self, path: Path) -> None:
        try:
            if self._stopping.is_set():
                return
            letter = self.inbox.take(path)
            if letter is not None:
                self._work_letter(letter)
        finally:
            with self._lock:
                self._queued.discard(path)

    def _work_letter(self, letter: Letter) -> None:
        key = letter.request.key
        try:
            fresh: bool | None = self._state.begin(key, self._clock.now(), lease=NO_LEASE)
        except Exception:
            log.warning("inbox: cannot claim %s (database away); answered unclaimed", key[:72])
            fresh = None
        if fresh is False:
            log.info("inbox: %s already done", key[:72])
            letter.done()
            return
        token = CURRENT_ANSWERS.set(Answers(letter.answers_path))
        try:
            finished = self._work(letter.request)
        except Exception:
            log.exception("inbox: the work of %s failed", key[:72])
            finished = False
        finally:
            CURRENT_ANSWERS.reset(token)
        if not finished:
            log.warning("inbox: %s failed; dropped (not retried)", key[:72])
        if fresh is None:  # never claimed, so nothing to mark done
            letter.done()
            return
        try:
            self._state.finish(key, self._clock.now())
        except Exception:
            log.warning("inbox: cannot mark %s done now; kept for a later try", key[:72])
            letter.release()
            return
        letter.done()
