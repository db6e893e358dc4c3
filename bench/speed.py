"""Query latency, index build time and memory of our search against FTS5, on synthetic banks.

Run from the project root: `python bench/speed.py` (1k, 10k, 100k practices) or
`python bench/speed.py --sizes 1000,10000` for a quick run. Each engine and size runs in its own
process so peak memory (ru_maxrss) and the RSS growth while indexing belong to that engine alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_demo_bank, load_queries
from bench.synthetic import synthetic_bank, synthetic_queries

RANDOM_QUERIES = 200


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def measure(engine: str, size: int) -> dict[str, float]:
    """Build one engine over a synthetic bank of `size` and time its queries (child process)."""
    demo = load_demo_bank()
    bank = synthetic_bank(demo, size)
    queries = synthetic_queries(demo, [q.query for q in load_queries()], RANDOM_QUERIES)
    rss_before = _rss_mb()
    started = time.perf_counter()
    if engine == "ours":
        from bot.search.engine import PracticeSearch
        from bot.search.glossary import load_shipped_glossary

        ours = PracticeSearch(bank, load_shipped_glossary())

        def run(text: str) -> object:
            return ours.search(text, include_restricted=False, limit=5)
    else:
        from bench.fts5 import Fts5Search

        fts = Fts5Search(bank)

        def run(text: str) -> object:
            return fts.search(text, limit=5)

    build = time.perf_counter() - started
    rss_after = _rss_mb()
    for text in queries[:20]:
        run(text)  # warm caches
    latencies: list[float] = []
    for text in queries:
        t0 = time.perf_counter()
        run(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "build_s": build,
        "p50_ms": statistics.median(latencies),
        "p95_ms": cuts[94],
        "max_ms": max(latencies),
        "queries": len(latencies),
        "index_mb": rss_after - rss_before,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated bank sizes")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], int(args.child[1]))))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print("size     engine  build s   p50 ms   p95 ms   max ms  index MB  peak RSS MB")
    for size in sizes:
        row: dict[str, dict[str, float]] = {}
        for engine in ("ours", "fts5"):
            out = subprocess.run(  # noqa: S603 - our own script with fixed arguments
                [sys.executable, __file__, "--child", engine, str(size)],
                check=True,
                capture_output=True,
                text=True,
            )
            row[engine] = json.loads(out.stdout)
            r = row[engine]
            print(
                f"{size:<8} {engine:<6} {r['build_s']:>7.2f} {r['p50_ms']:>8.2f}"
                f" {r['p95_ms']:>8.2f} {r['max_ms']:>8.2f} {r['index_mb']:>9.1f}"
                f" {r['peak_mb']:>12.1f}"
            )
        ratio = row["ours"]["p95_ms"] / max(row["fts5"]["p95_ms"], 1e-9)
        print(f"{'':<8} p95 ours/fts5 = {ratio:.2f}x over {int(row['ours']['queries'])} queries")


if __name__ == "__main__":
    main()
