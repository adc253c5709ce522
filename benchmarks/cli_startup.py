"""Start-up time of the ``neurogrow`` command line against ``python -c pass``.

Times ``neurogrow --help``, ``--version``, every subcommand's ``--help`` and ``neurogrow models``
(each as ``python -m neurogrow ...`` in a fresh process, the median of ``--repeat`` runs) and
``python -c pass`` beside them, and writes the seconds and the ratios to
``benchmarks/results/cli_startup.json``. The target is under 1 s each: torch and the analysis
modules load only when a command runs (``tests/test_cli_startup.py`` checks that they are not
imported; this is the timing, kept out of the tests because it depends on the machine's load).

    python benchmarks/cli_startup.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neurogrow.cli import SUBCOMMANDS  # noqa: E402

TARGET_S = 1.0


def commands() -> dict[str, list[str]]:
    """Label -> argv after ``python``."""
    out = {"python -c pass": ["-c", "pass"]}
    for argv in (["--help"], ["--version"], ["models"]) + tuple([s.replace("_", "-"), "--help"] for s in SUBCOMMANDS):
        out["neurogrow " + " ".join(argv)] = ["-m", "neurogrow", *argv]
    return out


def median_seconds(argv: list[str], repeat: int) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv], env=env, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per command; the median is kept (default 5)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "cli_startup.json"))
    args = ap.parse_args(argv)
    seconds = {label: median_seconds(cmd, args.repeat) for label, cmd in commands().items()}
    base = seconds["python -c pass"]
    rows = {label: {"seconds": round(s, 3), "ratio_to_python": round(s / base, 1)} for label, s in seconds.items()}
    slowest = max((s for label, s in seconds.items() if label != "python -c pass"), default=0.0)
    result = {
        "target_seconds": TARGET_S,
        "slowest_seconds": round(slowest, 3),
        "under_target": slowest < TARGET_S,
        "repeat": args.repeat,
        "commands": rows,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    for label, row in rows.items():
        print(f"{label:40s} {row['seconds']:6.3f} s  x{row['ratio_to_python']}")
    print(f"slowest {slowest:.3f} s (target {TARGET_S} s); wrote {args.out}")
    return 0 if result["under_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
