"""The search engine alone (no database in the query path) beside FTS5, and a profile of it.

Run from the project root: `python bench/speed.py --sizes 10000,100000 --kinds thin,realistic`,
or `python bench/speed.py --sizes 100000 --profile` to print where a query's time goes at 100k.
Each engine, kind and size runs in its own process over the cached bank file of
`bench.synthetic.bank_file`, read as a worker reads it; *index MB* is the resident growth while
the index is built (the bank's rows already read), *peak MB* that process's ru_maxrss.
`bench/freshness.py` measures the worker as it serves (change check, freshness); this one
isolates the engine's own cost per query.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_demo_bank, load_queries
from bench.synthetic import KINDS, bank_file, synthetic_queries

RANDOM_QUERIES = 200


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _engine(engine: str, path: Path) -> Callable[[str], object]:
    """Build one engine over the bank file and return its query function."""
    if engine == "ours":
        from bot.search.engine import PracticeSearch
        from bot.search.glossary import load_shipped_glossary
        from store.engine import make_engine
        from store.repositories import SqlUnitOfWorkFactory

        with SqlUnitOfWorkFactory(make_engine(f"sqlite:///{path}"))() as uow:
            practices = uow.practices.changed_since(None).practices
        started = _rss_mb()
        ours = PracticeSearch(practices, load_shipped_glossary())
        del practices

        def run(text: str) -> object:
            return ours.search(text, include_restricted=False, limit=5)

        run.index_mb = _rss_mb() - started  # type: ignore[attr-defined]
        return run
    from bench.freshness import _FTS_SOURCE
    from bench.fts5 import Fts5Search

    started = _rss_mb()
    fts = Fts5Search(())
    placeholders = ", ".join("?" for _ in range(12))
    fts.db.executemany(
        f"INSERT INTO bank VALUES ({placeholders})", sqlite3.connect(path).execute(_FTS_SOURCE)
    )
    fts.db.commit()

    def run_fts(text: str) -> object:
        return fts.search(text, limit=5)

    run_fts.index_mb = _rss_mb() - started  # type: ignore[attr-defined]
    return run_fts


def measure(engine: str, kind: str, size: int, profile: bool) -> dict[str, object]:
    """Build one engine over the cached bank and time its queries (child process)."""
    demo = load_demo_bank()
    queries = synthetic_queries(demo, [q.query for q in load_queries()], RANDOM_QUERIES)
    started = time.perf_counter()
    run = _engine(engine, bank_file(kind, size))
    build = time.perf_counter() - started
    for text in queries[:20]:
        run(text)  # warm caches
    latencies: list[float] = []
    profiler = cProfile.Profile() if profile else None
    cpu = time.process_time()
    for text in queries:
        t0 = time.perf_counter()
        if profiler is not None:
            profiler.runcall(run, text)
        else:
            run(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    cpu = time.process_time() - cpu
    report = ""
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        report = out.getvalue()
    return {
        "build_s": build,
        "p50_ms": statistics.median(latencies),
        "p95_ms": statistics.quantiles(latencies, n=100)[94],
        "cpu_ms": cpu * 1000 / len(queries),
        "queries": len(latencies),
        "index_mb": getattr(run, "index_mb", 0.0),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load": os.getloadavg()[0],
        "profile": report,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated bank sizes")
    parser.add_argument("--kinds", default=",".join(KINDS), help="thin, realistic or both")
    parser.add_argument("--profile", action="store_true", help="profile our query path")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, kind, size = args.child
        print(json.dumps(measure(engine, kind, int(size), args.profile)))
        return
    print(
        "size     kind       engine  build s   p50 ms   p95 ms  cpu ms/q  index MB  peak MB  load"
    )
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        for kind in (k.strip() for k in args.kinds.split(",") if k.strip()):
            bank_file(kind, size)  # generated here, so no measured process pays for it
            for engine in ("ours", "fts5"):
                command = [sys.executable, __file__, "--child", engine, kind, str(size)]
                if args.profile and engine == "ours":
                    command.append("--profile")
                out = subprocess.run(  # noqa: S603 - our own script with fixed arguments
                    command, check=True, capture_output=True, text=True
                )
                r = json.loads(out.stdout)
                print(
                    f"{size:<8} {kind:<10} {engine:<6} {r['build_s']:>7.2f} {r['p50_ms']:>8.2f}"
                    f" {r['p95_ms']:>8.2f} {r['cpu_ms']:>9.2f} {r['index_mb']:>9.1f}"
                    f" {r['peak_mb']:>8.1f} {r['load']:>5.1f}",
                    flush=True,
                )
                if r["profile"]:
                    print(r["profile"])


if __name__ == "__main__":
    main()
