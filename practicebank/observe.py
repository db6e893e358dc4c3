"""What an operator sees of a running process: `/healthz`, `/metrics` and one log line per event.

`/healthz` answers 200 or 503 with a JSON body: the database reachable, its migrations at head,
the last sweep (recorded in the database by whichever process sweeps, so every process reports
the same) and the outbox depth. `/metrics` is Prometheus text from prometheus-client: requests
and latencies by kind and deliveries by result are counted in-process (under gunicorn in
multiprocess mode, `PROMETHEUS_MULTIPROC_DIR`, so every worker's counts add up); the outbox depth
and oldest age, reminders due and sent, decisions and (zero-result) searches are read from the
shared database at scrape time, so they are right whichever process is scraped. The web process
serves both beside `/slack/events` on `$PORT`; the others on `HEALTH_PORT`.

Logs are JSON, one line per event, with anything that looks like a token, a secret or a contact
detail (Slack/Discord tokens, bearer headers, e-mail addresses, phone numbers) masked, whatever
logged it.

prometheus-client chooses between in-process and multiprocess values when it is first imported,
so it is imported here lazily, after `practicebank.settings.use_metrics_folder` has run.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy import Engine, text

from bot.kernel.delivery import SendOutcome
from bot.kernel.events import Event
from bot.kernel.records import Notification
from bot.kernel.replies import Reply
from store.migrate import current_revision, head_revision
from store.platform_state import PlatformState
from store.stats import bank_stats

if TYPE_CHECKING:
    from prometheus_client.core import Metric

log = logging.getLogger(__name__)

WsgiApp = Callable[..., Iterable[bytes]]
SWEEP_PLATFORM = "scheduler"
SWEEP_KEY = "last-sweep"

# --- logs ------------------------------------------------------------------------------------

_SECRETS = (
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),  # Slack bot/user/app tokens
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)(bearer|bot|basic)\s+[A-Za-z0-9._~+/=-]{16,}"),
    re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"),  # Discord token
    re.compile(r"v0=[0-9a-f]{64}"),  # a Slack request signature
    re.compile(r"(?i)(secret|password|token|signature)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),  # e-mail addresses
    re.compile(r"\+?\d[\d ()-]{8,}\d"),  # phone numbers
)


def redact(message: str) -> str:
    """The message with tokens, secrets, signatures and contact details masked."""
    for pattern in _SECRETS:
        message = pattern.sub(_mask, message)
    return message


def _mask(match: re.Match[str]) -> str:
    if match.re.groups >= 2 and match.group(2) is not None:  # key=value: keep the key
        return f"{match.group(1)}{match.group(2)}****"
    return "****"


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message (redacted), error type."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as a single redacted JSON line."""
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["detail"] = redact(str(record.exc_info[1]))[:500]
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int | str = logging.INFO) -> None:
    """Send every log record to standard error as one redacted JSON line."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


# --- metrics ---------------------------------------------------------------------------------


class Metrics:
    """The counters this process adds to; safe to share between threads."""

    def __init__(self) -> None:
        """Create (or, in a gunicorn worker, attach to) the metric families."""
        from prometheus_client import Counter, Histogram

        self.requests = Counter(
            "practicebank_requests", "Events handled by the core, by kind", ["kind"]
        )
        self.latency = Histogram(
            "practicebank_request_seconds",
            "Time the core took to answer an event, by kind",
            ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.deliveries = Counter(
            "practicebank_deliveries",
            "Notification send attempts by result",
            ["platform", "result"],
        )

    def delivered(self, notification: Notification, outcome: SendOutcome) -> None:
        """The delivery loop's `on_outcome`: count one attempt."""
        self.deliveries.labels(notification.platform, outcome.result.value).inc()


_PROCESS_METRICS: list[Metrics] = []


def process_metrics() -> Metrics:
    """The one `Metrics` of this process (prometheus-client refuses a family twice)."""
    if not _PROCESS_METRICS:
        _PROCESS_METRICS.append(Metrics())
    return _PROCESS_METRICS[0]


class CountedHandler:
    """The core with every event counted and timed (what the adapters are handed)."""

    def __init__(self, bank: Any, metrics: Metrics) -> None:
        """Wrap `bank` (a `bot.core.PracticeBank`); other attributes pass through."""
        self._bank = bank
        self._metrics = metrics

    def handle(self, event: Event) -> list[Reply]:
        """Handle the event, counting it by kind and timing it."""
        kind = type(event).__name__.lower()
        started = time.perf_counter()
        try:
            return list(self._bank.handle(event))
        finally:
            self._metrics.requests.labels(kind).inc()
            self._metrics.latency.labels(kind).observe(time.perf_counter() - started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bank, name)


class DatabaseCollector:
    """Gauges read from the shared database when `/metrics` is scraped."""

    def __init__(self, engine: Engine) -> None:
        """Bind the engine the counts are read from."""
        self._engine = engine

    def collect(self) -> Iterable[Metric]:
        """Read the counts; nothing (and a log line) when the database does not answer."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        now = datetime.now(UTC)
        try:
            stats = bank_stats(self._engine, now)
        except Exception as error:  # a scrape must not fail because the database is away
            log.warning("metrics: database unavailable: %s", type(error).__name__)
            return
        yield GaugeMetricFamily(
            "practicebank_outbox_depth", "Notifications waiting to be sent", stats.outbox.waiting
        )
        oldest = stats.outbox.oldest
        age = (now - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "practicebank_outbox_oldest_age_seconds", "Age of the oldest waiting one", age
        )
        yield GaugeMetricFamily(
            "practicebank_outbox_given_up", "Notifications given up", stats.outbox.given_up
        )
        yield GaugeMetricFamily(
            "practicebank_reminders_due", "Follow-up reminders due", stats.reminders_due
        )
        yield CounterMetricFamily(
            "practicebank_reminders_sent", "Follow-up reminders sent", stats.reminders_sent
        )
        decisions = CounterMetricFamily(
            "practicebank_decisions", "Moderation decisions", labels=["decision"]
        )
        for decision, count in sorted(stats.decisions.items()):
            decisions.add_metric([decision], count)
        yield decisions
        yield CounterMetricFamily("practicebank_searches", "Searches run", stats.searches)
        yield CounterMetricFamily(
            "practicebank_zero_result_searches",
            "Searches that found nothing",
            stats.zero_result_searches,
        )


def metrics_text(engine: Engine, multiprocess_dir: str | None) -> bytes:
    """The Prometheus exposition: this process's (or all workers') counters and the gauges."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

    registry: CollectorRegistry
    if multiprocess_dir:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(DatabaseCollector(engine))
    return generate_latest(registry)


# --- health ----------------------------------------------------------------------------------


def record_sweep(engine: Engine, at: datetime) -> None:
    """Note when the sweeps last ran (in the database: every process reports the same)."""
    PlatformState(engine, SWEEP_PLATFORM).remember_message("-", SWEEP_KEY, at.isoformat(), "-", at)


def last_sweep(engine: Engine) -> str | None:
    """When the sweeps last ran (ISO 8601), or None when they never did."""
    found = PlatformState(engine, SWEEP_PLATFORM).message_for("-", SWEEP_KEY)
    return found[0] if found else None


def health(engine: Engine) -> tuple[int, dict[str, Any]]:
    """The status code and JSON body of `/healthz`: 200 only when the database is usable."""
    body: dict[str, Any] = {"database": "unreachable", "migrations": "unknown"}
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        body["database"] = "ok"
        current, head = current_revision(engine), head_revision()
        body["migrations"] = "at head" if current == head else f"at {current}, head is {head}"
        body["last_sweep"] = last_sweep(engine)
        stats = bank_stats(engine, datetime.now(UTC))
        body["outbox_depth"] = stats.outbox.waiting
        body["outbox_given_up"] = stats.outbox.given_up
    except Exception as error:  # the point of /healthz is to say so, not to raise
        body["error"] = type(error).__name__
    healthy = body["database"] == "ok" and body["migrations"] == "at head"
    body["status"] = "ok" if healthy else "unhealthy"
    return (200 if healthy else 503), body


def observe_app(
    engine: Engine, multiprocess_dir: str | None, inner: WsgiApp | None = None
) -> WsgiApp:
    """A WSGI app answering `/healthz` and `/metrics`, passing anything else to `inner`."""

    def app(wsgi_env: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = wsgi_env.get("PATH_INFO", "")
        if path == "/healthz" and wsgi_env.get("REQUEST_METHOD") == "GET":
            status, body = health(engine)
            payload = json.dumps(body).encode()
            phrase = "200 OK" if status == 200 else "503 Service Unavailable"
            start_response(phrase, [("Content-Type", "application/json")])
            return [payload]
        if path == "/metrics" and wsgi_env.get("REQUEST_METHOD") == "GET":
            from prometheus_client import CONTENT_TYPE_LATEST

            payload = metrics_text(engine, multiprocess_dir)
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [payload]
        if inner is not None:
            return inner(wsgi_env, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would flood the log; say nothing."""


def serve_observe(engine: Engine, port: int, host: str = "0.0.0.0") -> WSGIServer:  # noqa: S104
    """Answer `/healthz` and `/metrics` on `port` in a daemon thread; `shutdown()` stops it."""
    server = make_server(host, port, observe_app(engine, None), handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    log.info("health and metrics on port %d", server.server_port)
    return server


__all__ = [
    "CountedHandler",
    "DatabaseCollector",
    "JsonLines",
    "Metrics",
    "configure_logging",
    "health",
    "observe_app",
    "process_metrics",
    "record_sweep",
    "redact",
    "serve_observe",
]
