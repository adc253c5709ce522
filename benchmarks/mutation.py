"""Mutation testing of neurogrow/stats and neurogrow/rt with mutmut (issue 29); not part of ``make test``.

mutmut (configuration: ``[tool.mutmut]`` in pyproject.toml) copies the package to ``mutants/``,
makes one small change at a time (an operator, a constant, a keyword argument, ...) in the
modules named, and runs the tests of ``tests_dir`` that execute the changed function; a mutant
is *killed* when a test fails.  This script runs it over the modules given (default
:data:`MODULES`), then writes ``benchmarks/results/mutation.json``: per module the counts by
status, the surviving mutants (with their diff) and which of them are judged equivalent (a change
that cannot alter any result: :data:`EQUIVALENT`, each with the reason), and the score

    killed / (mutants checked - equivalent survivors).

    python benchmarks/mutation.py [--modules neurogrow.stats.bootstrap ...] [--max-children 2]

Runs for hours over every module on 2 shared cores; ``--modules`` restricts it (the JSON records
exactly which modules were covered).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "mutation.json"
#: The modules mutated by default (the statistics behind compare-rt's numbers).
MODULES = tuple(
    f"neurogrow.{p.parent.name}.{p.stem}"
    for sub in ("stats", "rt")
    for p in sorted((ROOT / "neurogrow" / sub).glob("*.py"))
    if p.stem != "__init__"
)
#: Statuses that count as a detection: a failing test, a run past its timeout or a crash, or a
#: mutant that mypy rejects (``make test`` runs mypy over the package).
DETECTED = ("killed", "timeout", "segfault", "caught by type check")
#: Surviving mutants judged equivalent: mutant name -> why no result can change.
EQUIVALENT: dict[str, str] = {
    "neurogrow.stats.bootstrap.x_multinomial_counts__mutmut_5": "rng.integers(n, size) is rng.integers(0, n, size): the same draws",
    "neurogrow.stats.bootstrap.x_multinomial_counts__mutmut_13": "astype(None) is astype(float64)",
    "neurogrow.stats.bootstrap.x_centred_resamples__mutmut_4": "np.asarray(samples, dtype=None): every caller passes float arrays of resamples",
    "neurogrow.stats.bootstrap.x_centred_resamples__mutmut_6": "np.asarray(samples): every caller passes float arrays of resamples",
    "neurogrow.stats.bootstrap.x_centred_resamples__mutmut_9": "'or' -> 'and' in the all-NaN guard: a NaN estimate or no finite resample gives all-NaN output through the shift too",
    "neurogrow.stats.bootstrap.x_centred_resamples__mutmut_10": "as _9: the output is all NaN either way (the median of no finite value is NaN)",
    "neurogrow.stats.bootstrap.x_image_bootstrap__mutmut_5": "chunk ignored: the chunk size only bounds memory; Generator.integers gives the same stream in any row split (checked)",
    "neurogrow.stats.bootstrap.x_image_bootstrap__mutmut_9": "as _5",
}
#: Survivors of the recorded run killed by tests added after it (each planted by hand and seen to fail:
#: mutmut 3 maps mutants to the tests that covered them in its first run, so a later test is not
#: run against an older survivor).
KILLED_AFTER_RUN: dict[str, str] = {
    **{f"neurogrow.stats.bootstrap.x_centred_resamples__mutmut_{i}": "tests/test_stats_bugs.py::test_centred_resamples" for i in (15, 28, 29, 33, 39, 40)},
}


def _mutmut(*args: str, timeout: float | None = None) -> str:
    bindir = Path(sys.executable).parent
    cmd = [str(bindir / "mutmut"), *args]
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}  # mypy for type_check_command
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    return res.stdout


def statuses() -> dict[str, str]:
    """mutant name -> status, from ``mutmut results --all true``."""
    out = {}
    for line in _mutmut("results", "--all", "true").splitlines():
        m = re.match(r"\s*(\S+): (.+)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def summarise(modules, seconds: float | None, command: str) -> dict:
    """The mutation.json record of the modules (from mutmut's stored results)."""
    st = {k: v for k, v in statuses().items() if any(k.startswith(m + ".") for m in modules)}
    per_module = {}
    survivors = []
    for mod in modules:
        mine = {k: v for k, v in st.items() if k.startswith(mod + ".")}
        counts: dict[str, int] = {}
        for v in mine.values():
            counts[v] = counts.get(v, 0) + 1
        per_module[mod] = counts
        survivors += [k for k, v in mine.items() if v == "survived"]
    st = {k: ("killed" if k in KILLED_AFTER_RUN and v == "survived" else v) for k, v in st.items()}
    survivors = [k for k in survivors if st[k] == "survived"]
    for mod in modules:
        mine = [v for k, v in st.items() if k.startswith(mod + ".")]
        per_module[mod] = {v: mine.count(v) for v in sorted(set(mine))}
    killed = sum(v in DETECTED for v in st.values())
    checked = sum(v not in ("not checked", "skipped") for v in st.values())
    no_tests = sum(v == "no tests" for v in st.values())
    equivalent = [k for k in survivors if k in EQUIVALENT]
    denominator = checked - len(equivalent)
    return {
        "command": command,
        "tool": "mutmut 3.8.1 (configuration: [tool.mutmut] in pyproject.toml)",
        "modules": list(modules),
        "tests": "tests_dir of [tool.mutmut]; per mutant only the tests that execute the mutated function",
        "seconds": seconds,
        "mutants": len(st),
        "checked": checked,
        "killed": killed,
        "survived": len(survivors),
        "no_tests": no_tests,
        "equivalent": len(equivalent),
        "score": round(killed / denominator, 4) if denominator else None,
        "score_definition": "detected (a failing test, a timeout, a crash, or rejected by mypy, which `make test` runs) / (checked - survivors judged equivalent); 'no tests' and 'suspicious' mutants count as not detected",
        "per_module": per_module,
        "equivalent_mutants": {k: EQUIVALENT[k] for k in equivalent},
        "killed_by_tests_added_after_the_run": {k: v for k, v in KILLED_AFTER_RUN.items() if any(k.startswith(m + ".") for m in modules)},
        "surviving_not_equivalent": sorted(k for k in survivors if k not in EQUIVALENT),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", nargs="+", default=list(MODULES))
    ap.add_argument("--max-children", default="2")
    ap.add_argument("--summarise-only", action="store_true", help="write the JSON from mutmut's stored results")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if not args.summarise_only:
        _mutmut("run", "--max-children", args.max_children, *[f"{m}.*" for m in args.modules])
    seconds = None if args.summarise_only else round(time.perf_counter() - t0, 1)
    command = "python benchmarks/mutation.py " + " ".join(argv if argv is not None else sys.argv[1:])
    rec = summarise(args.modules, seconds, command)
    Path(args.out).write_text(json.dumps(rec, indent=1) + "\n")
    print(json.dumps({k: rec[k] for k in ("mutants", "checked", "killed", "survived", "no_tests", "equivalent", "score")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
