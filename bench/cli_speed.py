"""Wall time of the `practicebank` command as a person runs it: `--help`, `search`, `show`.

Run from the project root: `python bench/cli_speed.py`. Each command runs as a fresh process
(the installed console script beside this interpreter) in a scratch data folder; the table
gives the median and the worst of `--runs` runs and the median CPU seconds, and the load
average is printed beside it (on a busy machine wall time is inflated, CPU time much less).
`search` is timed on the demo bank twice: the first search of a new database (which builds
the index and keeps it on disk) and the later ones (which load the kept index).

The commands run with Python's bytecode cache allowed, as an installed package has it, even
where the environment sets PYTHONDONTWRITEBYTECODE: otherwise every run would compile the
project's modules from source, a cost no user pays. One untimed run of each command first
writes that cache.
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
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("PRACTICEBANK_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env |= {"XDG_DATA_HOME": folder, "DATABASE_URL": f"sqlite:///{Path(folder) / 'b.db'}"}
        for warm in (["--help"], ["import", str(DEMO_BANK)], ["search", "x"], ["show", "PB001"]):
            _run(warm, env)  # writes the bytecode cache; untimed
        CPU.clear()
        rows.append(("practicebank --help", [_run(["--help"], env) for _ in range(args.runs)]))
        cpus = [("practicebank --help", CPU.pop("--help"))]
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
        rows.append(("show PB001", [_run(["show", "PB001"], env) for _ in range(args.runs)]))
        cpus.append(("show PB001", CPU.pop("show")))
    # CPU seconds are what the command costs; wall seconds also show how busy the machine was.
    one, five, fifteen = os.getloadavg()
    print(f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs")
    print(f"{'command':<30} {'wall median s':>13} {'wall max s':>10} {'CPU median s':>12}")
    for (name, times), (_, cpu) in zip(rows, cpus, strict=True):
        print(
            f"{name:<30} {statistics.median(times):>13.3f} {max(times):>10.3f}"
            f" {statistics.median(cpu):>12.3f}"
        )


if __name__ == "__main__":
    main()
