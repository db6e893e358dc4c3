"""A search worker measured alone: build, query p50/p95, freshness and peak RSS, beside FTS5.

Run from the project root:
`python bench/freshness.py --sizes 10000,100000 --kinds thin,realistic`.

The bank is generated and imported once per (kind, size, seed) into a SQLite file that is
cached between runs (`bench.synthetic.bank_file`); the process that does that holds the whole
generated bank, so it is never the one measured. Each (engine, kind, size) then runs in a fresh
worker process over its own copy of that file, and a *third* process writes, as another worker
or the importer would:

- **ours**: the worker is a `SearchService` over the store, as `practicebank` runs it: it
  builds its index from one read of the bank, then answers every query through the service
  (so each query includes the change check, the one round trip that keeps it fresh).
- **fts5**: the worker builds an FTS5 table in a SQLite file from the bank file's practice rows
  (streamed, not held) and answers with `bench.fts5`'s query; the writer inserts into that table.

*fresh* is the time from the writer's commit of a practice with a word no other has until the
worker's next search finds it (the change read, the in-place apply and the query). *peak MB* is
the worker's `ru_maxrss` (imports, build and queries; not the generation), *built MB* its
resident size once the index is built. *cpu ms/q* is the CPU time a query took in the worker
(mean), which a loaded machine inflates far less than the wall times beside it. Query times
are over the labelled and random queries of `bench/speed.py`. The load average is printed
beside the figures: on a loaded machine wall times are inflated.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_demo_bank, load_queries
from bench.synthetic import KINDS, bank_file, synthetic_queries
from bot.kernel.domain import Practice, format_ref

RANDOM_QUERIES = 200
FRESH_TRIALS = 15
NEWCOMER_BASE = 10**7
_FTS_SOURCE = (
    "SELECT ref, title, summary, aim, intended_outcome, description, evaluation, learning,"
    " topics, organisation, partners, target_group FROM practices"
    " WHERE archived_at IS NULL AND visibility = 'public'"
)


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise RuntimeError(problem)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) > 1 else values[0]


def _marker(trial: int) -> str:
    return f"zqx{trial}marker"


def _newcomer(base: Practice, trial: int) -> Practice:
    """A practice with a word no other practice has, so "found" is unambiguous."""
    return replace(
        base,
        ref=format_ref(NEWCOMER_BASE + trial),
        title=f"Bike {_marker(trial)} scheme",
        archived_at=None,
    )


def _queries() -> list[str]:
    demo = load_demo_bank()
    return synthetic_queries(demo, [q.query for q in load_queries()], RANDOM_QUERIES)


# -- the writer: another process -------------------------------------------------------------


def writer(engine: str, path: str) -> None:
    """Commit one newcomer per trial number read from stdin, answering "ok" once committed."""
    from bench.fts5 import FIELDS, _text
    from store.engine import make_engine
    from store.repositories import SqlUnitOfWorkFactory

    bank = SqlUnitOfWorkFactory(make_engine(f"sqlite:///{path}"))
    with bank() as uow:
        base = uow.practices.get("PB001")
    if base is None:
        raise RuntimeError("the bank has no PB001")
    fts = sqlite3.connect(Path(path).with_name("fts.db")) if engine == "fts5" else None
    placeholders = ", ".join("?" for _ in range(len(FIELDS) + 1))
    for line in sys.stdin:
        newcomer = _newcomer(base, int(line))
        if fts is not None:
            fts.execute(
                f"INSERT INTO bank VALUES ({placeholders})",
                (newcomer.ref, *(_text(newcomer, name) for name in FIELDS)),
            )
            fts.commit()
        else:
            with bank() as uow:
                uow.practices.upsert_many([newcomer])
                uow.commit()
        print("ok", flush=True)


class _Writer:
    """The writer process, driven one trial at a time."""

    def __init__(self, engine: str, path: Path) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - our own script with fixed arguments
            [sys.executable, __file__, "--writer", engine, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def commit(self, trial: int) -> None:
        """Have the writer commit newcomer `trial`; return once it has."""
        stdin, stdout = self._process.stdin, self._process.stdout
        if stdin is None or stdout is None:
            raise RuntimeError("the writer has no pipes")
        stdin.write(f"{trial}\n")
        stdin.flush()
        _check(stdout.readline().strip() == "ok", "the writer failed")

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=60)


# -- the workers -------------------------------------------------------------------------------


def _timed(run: Callable[[str], object], queries: list[str]) -> tuple[list[float], float]:
    """Each query's wall time (ms), and the mean CPU time a query took in this process (ms).

    The CPU time is what a loaded machine inflates least: other processes' work is not in it.
    """
    for text in queries[:20]:
        run(text)  # warm caches
    latencies = []
    cpu = time.process_time()
    for text in queries:
        t0 = time.perf_counter()
        run(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, (time.process_time() - cpu) * 1000 / len(queries)


def _fresh(writer_process: _Writer, found: Callable[[str], list[str]]) -> list[float]:
    fresh = []
    for trial in range(FRESH_TRIALS):
        writer_process.commit(trial)
        t0 = time.perf_counter()
        refs = found(_marker(trial))
        fresh.append((time.perf_counter() - t0) * 1000)
        _check(refs == [format_ref(NEWCOMER_BASE + trial)], f"newcomer {trial} not found")
    writer_process.close()
    return fresh


def worker_ours(path: Path) -> dict[str, float]:
    from bot.search.index_cache import SearchService
    from bot.search.model import SearchFilters
    from store.engine import make_engine
    from store.repositories import SqlUnitOfWorkFactory

    queries = _queries()
    bank = SqlUnitOfWorkFactory(make_engine(f"sqlite:///{path}"))
    service = SearchService()
    started = time.perf_counter()
    with bank() as uow:
        service.searcher(uow)
    build = time.perf_counter() - started
    built_mb = _rss_mb()

    def search(text: str, *, include_restricted: bool = False) -> list[str]:
        with bank() as uow:
            result = service.search(
                uow,
                text,
                SearchFilters(),
                include_restricted=include_restricted,
                limit=5,
                offset=0,
            )
        return [hit.practice.ref for hit in result.hits]

    latencies, cpu = _timed(search, queries)
    fresh = _fresh(_Writer("ours", path), lambda text: search(text, include_restricted=True))
    _check(service.builds == 1, "the index was rebuilt")
    return _figures(build, latencies, cpu, fresh, built_mb)


def worker_fts5(path: Path) -> dict[str, float]:
    from bench.fts5 import FIELDS, Fts5Search

    queries = _queries()
    started = time.perf_counter()
    fts = Fts5Search(())
    disk = sqlite3.connect(path.with_name("fts.db"))
    fts.db.backup(disk)  # the empty table, in a file the writer can open too
    fts.db.close()
    fts.db = disk
    source = sqlite3.connect(path)
    placeholders = ", ".join("?" for _ in range(len(FIELDS) + 1))
    disk.executemany(f"INSERT INTO bank VALUES ({placeholders})", source.execute(_FTS_SOURCE))
    disk.commit()
    source.close()
    build = time.perf_counter() - started
    built_mb = _rss_mb()
    latencies, cpu = _timed(lambda text: fts.search(text, limit=5), queries)
    fresh = _fresh(_Writer("fts5", path), lambda text: fts.search(text, limit=5))
    return _figures(build, latencies, cpu, fresh, built_mb)


def _figures(
    build: float, latencies: list[float], cpu: float, fresh: list[float], built_mb: float
) -> dict[str, float]:
    return {
        "build_s": build,
        "p50_ms": statistics.median(latencies),
        "p95_ms": _p95(latencies),
        "cpu_ms": cpu,
        "fresh_p50_ms": statistics.median(fresh),
        "fresh_max_ms": max(fresh),
        "built_mb": built_mb,
        "peak_mb": _peak_mb(),
        "load": os.getloadavg()[0],
    }


def worker(engine: str, kind: str, size: int) -> dict[str, float]:
    """Measure one engine in this (fresh) process over a private copy of the cached bank."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bank.db"
        shutil.copyfile(bank_file(kind, size), path)
        if engine == "ours":
            return worker_ours(path)
        return worker_fts5(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated bank sizes")
    parser.add_argument("--kinds", default=",".join(KINDS), help="thin, realistic or both")
    parser.add_argument("--engines", default="ours,fts5", help="ours, fts5 or both")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--writer", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        writer(*args.writer)
        return
    if args.child:
        engine, kind, size = args.child
        print(json.dumps(worker(engine, kind, int(size))))
        return
    print(
        "size     kind       engine  build s   p50 ms   p95 ms  cpu ms/q  fresh p50  fresh max"
        "  built MB  peak MB  load"
    )
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        for kind in (k.strip() for k in args.kinds.split(",") if k.strip()):
            bank_file(kind, size)  # generated here, so no worker pays for it
            for engine in (e.strip() for e in args.engines.split(",") if e.strip()):
                out = subprocess.run(  # noqa: S603 - our own script with fixed arguments
                    [sys.executable, __file__, "--child", engine, kind, str(size)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                r = json.loads(out.stdout)
                print(
                    f"{size:<8} {kind:<10} {engine:<6} {r['build_s']:>7.2f} {r['p50_ms']:>8.2f}"
                    f" {r['p95_ms']:>8.2f} {r['cpu_ms']:>9.2f}"
                    f" {r['fresh_p50_ms']:>10.2f} {r['fresh_max_ms']:>10.2f}"
                    f" {r['built_mb']:>9.1f} {r['peak_mb']:>8.1f} {r['load']:>5.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
