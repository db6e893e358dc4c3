"""Commit to findable, query p95 and peak memory of a running worker, beside SQLite FTS5.

Run from the project root: `python bench/freshness.py --sizes 10000,100000 --kinds thin,realistic`.
Each (engine, kind, size) runs in its own process over its own SQLite file:

- **ours**: the bank is imported with the store's repository, a `SearchService` builds its index
  (one read of the bank), then a second engine on the same file imports one new practice at a
  time, as another process would; the time from that commit until the running service's next
  search finds it is "fresh ms" (the change read, the in-place apply and the query).
- **fts5**: the same practices in an FTS5 table in a SQLite file; fresh ms is from the commit of
  the insert to the query that finds it (FTS5 is updated inside the writer's transaction).

Query p95 is over the labelled and random queries of `bench/speed.py`, through the service
(so ours includes the change check, one database round trip, per query).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_demo_bank, load_queries
from bench.synthetic import KINDS, synthetic_bank, synthetic_queries
from bot.kernel.domain import Practice, format_ref

RANDOM_QUERIES = 200
FRESH_TRIALS = 15


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise RuntimeError(problem)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) > 1 else values[0]


def _newcomer(base: Practice, size: int, trial: int) -> Practice:
    """A practice with a word no other practice has, so "found" is unambiguous."""
    word = f"zqx{trial}marker"
    return replace(
        base, ref=format_ref(size + 1000 + trial), title=f"Bike {word} scheme", archived_at=None
    )


def measure_ours(bank: list[Practice], queries: list[str], folder: Path) -> dict[str, float]:
    from bot.search.index_cache import SearchService
    from bot.search.model import SearchFilters
    from store.engine import make_engine
    from store.migrate import upgrade
    from store.repositories import SqlUnitOfWorkFactory

    url = f"sqlite:///{folder / 'bank.db'}"
    engine = make_engine(url)
    upgrade(engine)
    worker = SqlUnitOfWorkFactory(engine)
    with worker() as uow:
        uow.practices.upsert_many(bank)
        uow.commit()
    del bank
    service = SearchService()
    started = time.perf_counter()
    with worker() as uow:
        service.searcher(uow)
    build = time.perf_counter() - started

    def run(text: str) -> int:
        with worker() as uow:
            result = service.search(
                uow, text, SearchFilters(), include_restricted=False, limit=5, offset=0
            )
        return len(result.hits)

    for text in queries[:20]:
        run(text)
    latencies = []
    for text in queries:
        t0 = time.perf_counter()
        run(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    other = SqlUnitOfWorkFactory(make_engine(url))  # "another process"
    with worker() as uow:
        base = uow.practices.get("PB001")
    if base is None:
        raise RuntimeError("the bank has no PB001")
    fresh = []
    for trial in range(FRESH_TRIALS):
        newcomer = _newcomer(base, 10**7, trial)
        with other() as uow:
            uow.practices.upsert_many([newcomer])
            uow.commit()
        t0 = time.perf_counter()
        with worker() as uow:
            found = service.search(
                uow,
                f"zqx{trial}marker",
                SearchFilters(),
                include_restricted=True,
                limit=5,
                offset=0,
            )
        fresh.append((time.perf_counter() - t0) * 1000)
        _check([h.practice.ref for h in found.hits] == [newcomer.ref], "not found")
    _check(service.builds == 1, "the index was rebuilt")
    return {
        "build_s": build,
        "p50_ms": statistics.median(latencies),
        "p95_ms": _p95(latencies),
        "fresh_p50_ms": statistics.median(fresh),
        "fresh_max_ms": max(fresh),
        "peak_mb": _peak_mb(),
    }


def measure_fts5(bank: list[Practice], queries: list[str], folder: Path) -> dict[str, float]:
    import sqlite3

    from bench.fts5 import FIELDS, Fts5Search, _text

    started = time.perf_counter()
    fts = Fts5Search(bank)
    build = time.perf_counter() - started
    disk = sqlite3.connect(folder / "fts.db")
    fts.db.backup(disk)  # the same index, in a file, as a worker would share it
    fts.db.close()
    fts.db = disk
    for text in queries[:20]:
        fts.search(text, limit=5)
    latencies = []
    for text in queries:
        t0 = time.perf_counter()
        fts.search(text, limit=5)
        latencies.append((time.perf_counter() - t0) * 1000)
    writer = sqlite3.connect(folder / "fts.db")
    placeholders = ", ".join("?" for _ in range(len(FIELDS) + 1))
    fresh = []
    for trial in range(FRESH_TRIALS):
        newcomer = _newcomer(bank[1], 10**7, trial)
        writer.execute(
            f"INSERT INTO bank VALUES ({placeholders})",
            (newcomer.ref, *(_text(newcomer, name) for name in FIELDS)),
        )
        writer.commit()
        t0 = time.perf_counter()
        found = fts.search(f"zqx{trial}marker", limit=5)
        fresh.append((time.perf_counter() - t0) * 1000)
        _check(found == [newcomer.ref], "not found")
    return {
        "build_s": build,
        "p50_ms": statistics.median(latencies),
        "p95_ms": _p95(latencies),
        "fresh_p50_ms": statistics.median(fresh),
        "fresh_max_ms": max(fresh),
        "peak_mb": _peak_mb(),
    }


def measure(engine: str, kind: str, size: int) -> dict[str, float]:
    demo = load_demo_bank()
    queries = synthetic_queries(demo, [q.query for q in load_queries()], RANDOM_QUERIES)
    bank = synthetic_bank(demo, size, kind=kind)
    with tempfile.TemporaryDirectory() as folder:
        if engine == "ours":
            return measure_ours(bank, queries, Path(folder))
        return measure_fts5(bank, queries, Path(folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated bank sizes")
    parser.add_argument("--kinds", default=",".join(KINDS), help="thin, realistic or both")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, kind, size = args.child
        print(json.dumps(measure(engine, kind, int(size))))
        return
    print("size     kind       engine  build s   p50 ms   p95 ms  fresh p50  fresh max  peak MB")
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        for kind in (k.strip() for k in args.kinds.split(",") if k.strip()):
            for engine in ("ours", "fts5"):
                out = subprocess.run(  # noqa: S603 - our own script with fixed arguments
                    [sys.executable, __file__, "--child", engine, kind, str(size)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                r = json.loads(out.stdout)
                print(
                    f"{size:<8} {kind:<10} {engine:<6} {r['build_s']:>7.2f} {r['p50_ms']:>8.2f}"
                    f" {r['p95_ms']:>8.2f} {r['fresh_p50_ms']:>10.2f} {r['fresh_max_ms']:>10.2f}"
                    f" {r['peak_mb']:>8.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
