"""Wall time of the `practicebank` command as a person runs it: `--help` and `search`.

Run from the project root: `python bench/cli_speed.py`. Each command runs as a fresh process
(the installed console script beside this interpreter) in a scratch data folder; the table
gives the median and the worst of `--runs` runs. `search` is timed on the demo bank twice:
the first search of a new database (which builds the index and keeps it on disk) and the
later ones (which load the kept index).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "practicebank"
DEMO_BANK = ROOT / "bot" / "bankfile" / "demo_bank.json"


def _run(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own console script with fixed arguments
        [str(SCRIPT), *argv], env=env, check=False, capture_output=True, timeout=120
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rows: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRACTICEBANK_")}
        env |= {"XDG_DATA_HOME": folder, "DATABASE_URL": f"sqlite:///{Path(folder) / 'b.db'}"}
        rows.append(("practicebank --help", [_run(["--help"], env) for _ in range(args.runs)]))
        _run(["import", str(DEMO_BANK)], env)
        firsts = []
        for _ in range(args.runs):
            for kept in (Path(folder) / "practicebank" / "index-cache").glob("*"):
                kept.unlink()
            firsts.append(_run(["search", "knife", "crime"], env))
        rows.append(("search, first on a database", firsts))
        later = [_run(["search", "knife", "crime"], env) for _ in range(args.runs)]
        rows.append(("search, index kept on disk", later))
    print(f"{'command':<30} {'median s':>9} {'max s':>7}")
    for name, times in rows:
        print(f"{name:<30} {statistics.median(times):>9.3f} {max(times):>7.3f}")


if __name__ == "__main__":
    main()
