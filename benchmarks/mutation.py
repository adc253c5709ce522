"""Mutation testing of neurogrow/stats and neurogrow/rt with mutmut (issue 29); not part of ``make test``.

mutmut (configuration: ``[tool.mutmut]`` in pyproject.toml) copies the package to ``mutants/``,
makes one small change at a time (an operator, a constant, a keyword argument, a string, ...) in
every function of the modules named, and runs the tests of its selection that execute the changed
function; a mutant is *detected* when a test fails, when it runs past its timeout, or when mypy
rejects it (``make test`` runs mypy over the package). This script runs it, then writes
``benchmarks/results/mutation.json``: per module the counts by status and the score, every
surviving mutant with its change, and which survivors are judged *equivalent* (a change that
cannot alter any result or message; the judgement and its reason, one per mutant, are in
``benchmarks/mutation_equivalent.json``):

    score = detected / (mutants checked - survivors judged equivalent).

    python benchmarks/mutation.py                      # all of stats/ and rt/ (about an hour on 2 cores)
    python benchmarks/mutation.py --modules neurogrow.stats.verdict
    python benchmarks/mutation.py --rerun-survivors     # after adding tests: only the survivors again
    python benchmarks/mutation.py --summarise-only     # the JSON from mutmut's stored results

mutmut keeps its results in ``mutants/`` and checks a changed function's mutants again; a test
added later is run against a survivor only when that survivor is run again (``--rerun-survivors``).
A change of the test selection in pyproject.toml resets mutmut's results, so modules judged with
different selections are run (and summarised, ``--modules``) separately: the JSON keeps the
records of the modules not named, each with the selection it was judged by.
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
EQUIVALENT_FILE = ROOT / "benchmarks" / "mutation_equivalent.json"
#: The modules mutated by default: every module of neurogrow/stats and neurogrow/rt.
MODULES = tuple(
    f"neurogrow.{p.parent.name}.{p.stem}"
    for sub in ("stats", "rt")
    for p in sorted((ROOT / "neurogrow" / sub).glob("*.py"))
    if p.stem != "__init__"
)
#: Statuses that count as a detection: a failing test, a run past its timeout or a crash, or a
#: mutant that mypy rejects (``make test`` runs mypy over the package).
DETECTED = ("killed", "timeout", "segfault", "caught by type check")
#: The score the issue asks for.
GOAL = 0.9


def _mutmut(*args: str) -> subprocess.CompletedProcess:
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}  # mypy, for type_check_command
    return subprocess.run([str(bindir / "mutmut"), *args], cwd=ROOT, capture_output=True, text=True, env=env)


def statuses() -> dict[str, str]:
    """mutant name -> status, from ``mutmut results --all true``."""
    out = {}
    for line in _mutmut("results", "--all", "true").stdout.splitlines():
        m = re.match(r"\s*(\S+): (.+)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def change(name: str) -> list[str]:
    """The lines a mutant removes (``-``) and adds (``+``)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        diff = get_diff_for_mutant(name)
    finally:
        os.chdir(cwd)
    return [ln.rstrip() for ln in diff.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]


def _selection() -> list[str]:
    """The test files mutmut runs (``[tool.mutmut] pytest_add_cli_args_test_selection``)."""
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]["pytest_add_cli_args_test_selection"]


def _module_of(name: str, modules) -> str | None:
    return next((m for m in modules if name.startswith(m + ".")), None)


def module_record(mod: str, st: dict[str, str], equivalent: dict[str, str], command: str) -> dict:
    """One module's record: counts by status, score, the equivalent and the other survivors with their changes."""
    mine = {k: v for k, v in st.items() if k.startswith(mod + ".")}
    counts = {v: list(mine.values()).count(v) for v in sorted(set(mine.values()))}
    survivors = sorted(k for k, v in mine.items() if v == "survived")
    eq = [k for k in survivors if k in equivalent]
    checked = sum(v not in ("not checked", "skipped") for v in mine.values())
    detected = sum(counts.get(s, 0) for s in DETECTED)
    denom = checked - len(eq)
    return {
        "command": command,
        "date": time.strftime("%Y-%m-%d"),
        "test_selection": _selection(),
        "mutants": len(mine),
        "checked": checked,
        "detected": detected,
        "counts": counts,
        "equivalent": len(eq),
        "score": round(detected / denom, 4) if denom else None,
        "equivalent_mutants": {k: {"reason": equivalent[k], "change": change(k)} for k in eq},
        "surviving_not_equivalent": {k: change(k) for k in survivors if k not in equivalent},
        "not_detected_other": {k: v for k, v in mine.items() if v not in DETECTED and v != "survived"},
    }


def summarise(modules, command: str, equivalent: dict[str, str], previous: dict | None = None) -> dict:
    """mutation.json: the records of ``modules`` from mutmut's stored results, beside the earlier
    records of the other modules (a module is recorded by the run that covered it)."""
    st = statuses()
    per_module = {m: r for m, r in (previous or {}).get("per_module", {}).items() if "mutants" in r}
    per_module.update({mod: module_record(mod, st, equivalent, command) for mod in modules})
    per_module = {m: per_module[m] for m in MODULES if m in per_module}
    tot = {k: sum(r[k] for r in per_module.values()) for k in ("mutants", "checked", "detected", "equivalent")}
    denom = tot["checked"] - tot["equivalent"]
    score = round(tot["detected"] / denom, 4) if denom else None
    missing = [m for m in MODULES if m not in per_module or per_module[m]["checked"] < per_module[m]["mutants"]]
    return {
        "tool": "mutmut 3.8.1 (configuration: [tool.mutmut] in pyproject.toml)",
        "tests": "per mutant, the tests of the module's test_selection that execute the mutated function",
        **tot,
        "survived_not_equivalent": sum(len(r["surviving_not_equivalent"]) for r in per_module.values()),
        "score": score,
        "goal": GOAL,
        "goal_met": None if missing or score is None else score >= GOAL,
        "modules_not_fully_checked": missing,
        "score_definition": "detected (a failing test, a timeout, a crash, or rejected by mypy, which `make test` runs) / "
        "(checked - survivors judged equivalent); 'no tests' and 'suspicious' mutants count as not detected",
        "per_module": per_module,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", nargs="+", default=list(MODULES))
    ap.add_argument("--max-children", default="2")
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--summarise-only", action="store_true", help="write the JSON from mutmut's stored results")
    what.add_argument("--rerun-survivors", action="store_true", help="run the surviving mutants again (after new tests)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.rerun_survivors:
        names = [k for k, v in statuses().items() if v == "survived" and _module_of(k, args.modules)]
        if names:
            _mutmut("run", "--max-children", args.max_children, *names)
    elif not args.summarise_only:
        _mutmut("run", "--max-children", args.max_children, *[f"{m}.*" for m in args.modules])
    seconds = None if args.summarise_only else round(time.perf_counter() - t0, 1)
    command = "python benchmarks/mutation.py " + " ".join(argv if argv is not None else sys.argv[1:])
    equivalent = json.loads(EQUIVALENT_FILE.read_text()) if EQUIVALENT_FILE.exists() else {}
    out = Path(args.out)
    previous = json.loads(out.read_text()) if out.exists() else None
    rec = summarise(args.modules, command + (f" ({seconds} s)" if seconds else ""), equivalent, previous)
    out.write_text(json.dumps(rec, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: rec[k] for k in ("mutants", "checked", "detected", "survived_not_equivalent", "equivalent", "score", "goal_met")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
