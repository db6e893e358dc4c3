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
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "practicebank"
DEMO_BANK = ROOT / "bot" / "bankfile" / "demo_bank.json"


CPU: dict[str, list[float]] = {}


def _run(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run; its CPU seconds (user + system) go to `CPU`, by command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own console script with fixed arguments
        [str(SCRIPT), *argv], env=env, check=False, capture_output=True, timeout=120
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    CPU.setdefault(" ".join(argv[:1]), []).append(cpu)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rows: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRACTICEBANK_")}
        env |= {"XDG_DATA_HOME": folder, "DATABASE_URL": f"sqlite:///{Path(folder) / 'b.db'}"}
        rows.append(("practicebank --help", [_run(["--help"], env) for _ in range(args.runs)]))
        cpus = [("practicebank --help", CPU.pop("--help"))]
        _run(["import", str(DEMO_BANK)], env)
        firsts = []
        for _ in range(args.runs):
            for kept in (Path(folder) / "practicebank" / "index-cache").glob("*"):
                kept.unlink()
            firsts.append(_run(["search", "knife", "crime"], env))
        rows.append(("search, first on a database", firsts))
        cpus.append(("search, first on a database", CPU.pop("search")))
        later = [_run(["search", "knife", "crime"], env) for _ in range(args.runs)]
        rows.append(("search, index kept on disk", later))
        cpus.append(("search, index kept on disk", CPU.pop("search")))
    # CPU seconds are what the command costs; wall seconds also show how busy the machine was.
    print(f"{'command':<30} {'wall median s':>13} {'wall max s':>10} {'CPU median s':>12}")
    for (name, times), (_, cpu) in zip(rows, cpus, strict=True):
        print(
            f"{name:<30} {statistics.median(times):>13.3f} {max(times):>10.3f}"
            f" {statistics.median(cpu):>12.3f}"
        )


if __name__ == "__main__":
    main()
