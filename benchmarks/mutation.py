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

    python benchmarks/mutation.py                      # the mutants of stats/ and rt/ not yet checked (resumes)
    python benchmarks/mutation.py --modules neurogrow.stats.verdict
    python benchmarks/mutation.py --rerun-survivors     # after adding tests: the survivors not judged equivalent again
    python benchmarks/mutation.py --rerun-all          # every mutant of the modules again
    python benchmarks/mutation.py --summarise-only     # the JSON from mutmut's stored results
    python benchmarks/mutation.py --modules neurogrow.rt.analysis ... --sample 300 --seed 0

``--sample N`` checks a uniform random sample of N of the named modules' mutants instead of all
of them (mutant sampling: the score of a random sample estimates the score of all, with a binomial
interval). The draw is seeded and stored in the JSON, and the drawn mutants run in the drawn
order (a resumed run checks the rest). The score and its interval are given only for a complete
sample: the mutants checked before an interruption need not be a uniform part of it.

The goal (:data:`GOAL_RULE`, fixed before the numbers): the pooled score of the modules checked
exhaustively is at least :data:`GOAL`, and the lower end of the 95 % Clopper-Pearson interval of
the sampled modules' score is at least :data:`GOAL`. It is not decided (null) while a module is
neither checked exhaustively nor in the sample, or while the sample is not completely checked.

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
#: Statuses of mutants that were not run.
UNCHECKED = ("not checked", "skipped")
#: The score the issue asks for.
GOAL = 0.9
#: The decision rule, stored beside the verdict in the JSON.
GOAL_RULE = (
    f"met when the pooled score of the exhaustively checked modules is >= {GOAL} and the lower end of the two-sided "
    f"95 % Clopper-Pearson interval of the sampled modules' score is >= {GOAL}; the sample's score is estimated from "
    "the status of its mutants when its first pass ended (tests written after a drawn survivor was seen, and the "
    "reruns that follow, do not count for that draw: they would make it an estimate of nothing); null while a module "
    "is neither fully checked nor sampled, or the sample's first pass has not ended"
)


def _env() -> dict[str, str]:
    """The environment of mutmut: the venv's bin first on PATH (mypy, for type_check_command), and
    bytecode written (else every worker compiles the multi-MB mutated modules again)."""
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _mutmut(*args: str) -> subprocess.CompletedProcess:
    bindir = Path(sys.executable).parent
    return subprocess.run([str(bindir / "mutmut"), *args], cwd=ROOT, capture_output=True, text=True, env=_env())


def _run_unchecked(modules: list[str], max_children: str, order: list[str] | None = None) -> None:
    """``mutmut run`` over the mutants of ``modules`` that have no stored result yet, or over those of
    ``order`` (a sample) in that order (run in a child process: :func:`main` with ``--_unchecked``).
    mutmut alone either runs every unchecked mutant of every module, or, given names, runs the named
    ones again even when they have a result; this filters its list of mutants instead, so that an
    interrupted run resumes where it stopped."""
    import mutmut.__main__ as mm

    collect = mm.collect_source_file_mutation_data
    rank = {name: i for i, name in enumerate(order or [])}

    def unchecked_of_modules(*, mutant_names):
        mutants, by_path = collect(mutant_names=mutant_names)
        todo = [t for t in mutants if t[2] is None and _module_of(t[1], modules) and (order is None or t[1] in rank)]
        return sorted(todo, key=lambda t: rank.get(t[1], 0)), by_path

    mm.collect_source_file_mutation_data = unchecked_of_modules
    if order is not None:  # mutmut runs the cheapest mutants first (its estimated worst-case time): run the draw's order
        mm.estimated_worst_case_time = lambda mutant_name: float(rank.get(mutant_name, len(rank)))
    mm.cli(["run", "--max-children", max_children], standalone_mode=False)


def _rerun(names: list[str], max_children: str) -> None:
    """``mutmut run`` over the named mutants again, without mypy's pre-filter (7-11 minutes on two
    cores): a mutant with a stored result other than "caught by type check" has passed it, and
    mutmut resets the result of every mutant of a changed function to unchecked (run in a child
    process: :func:`main` with ``--_rerun``)."""
    import mutmut.__main__ as mm

    mm.filter_mutants_with_type_checker = lambda: {}
    mm.cli(["run", "--max-children", max_children, *names], standalone_mode=False)


def _in_child(flag: str, max_children: str, modules: list[str], names: list[str] | None = None) -> None:
    """This script in a child process (which must not import neurogrow), running mutmut with ``flag``
    (``--_unchecked`` or ``--_rerun``) over ``names`` (a file in ``mutants/``), in their order."""
    cmd = [sys.executable, __file__, flag, "--max-children", max_children, "--modules", *modules]
    if names is not None:
        names_file = ROOT / "mutants" / "names_to_run.txt"
        names_file.parent.mkdir(exist_ok=True)
        names_file.write_text("\n".join(names) + "\n")
        cmd += ["--_order", str(names_file)]
    subprocess.run(cmd, cwd=ROOT, env=_env(), check=True)


def rerun_names(st: dict[str, str], modules, equivalent: dict[str, str], drawn: list[str] | None = None) -> list[str]:
    """The mutants of ``modules`` (of ``drawn``, for a sample) to run again after new tests: the
    survivors not judged equivalent (no test can detect an equivalent mutant; ``--rerun-all``
    checks those too) and those no test covered."""
    keep = set(drawn) if drawn is not None else None
    return [k for k, v in st.items() if (v == "no tests" or (v == "survived" and k not in equivalent))
            and _module_of(k, modules) and (keep is None or k in keep)]


def _equivalent() -> dict[str, str]:
    """mutant name -> why it is judged equivalent (``benchmarks/mutation_equivalent.json``)."""
    return json.loads(EQUIVALENT_FILE.read_text()) if EQUIVALENT_FILE.exists() else {}


def draw_sample(population, size: int, seed: int) -> list[str]:
    """``size`` names drawn uniformly without replacement from ``population`` (sorted first, so the
    draw depends only on the set and the seed), in the order drawn."""
    import numpy as np

    pop = sorted(population)
    if not 0 < size <= len(pop):
        raise ValueError(f"--sample {size}: expected 1 to {len(pop)} (the mutants of the modules named)")
    return [pop[i] for i in np.random.default_rng(seed).permutation(len(pop))[:size]]


def clopper_pearson(k: int, n: int, level: float = 0.95) -> list[float]:
    """The exact (Clopper-Pearson) interval of a binomial proportion k/n:
    [Beta^-1(a/2; k, n-k+1), Beta^-1(1-a/2; k+1, n-k)] with a = 1 - level, 0 and 1 at k = 0 and k = n."""
    from scipy.stats import beta

    if not 0 <= k <= n or n == 0:
        raise ValueError(f"expected 0 <= k <= n and n > 0, got k={k}, n={n}")
    a = 1 - level
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return [lo, hi]


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


def _source_commit(modules) -> str:
    """The last commit that changed the source of ``modules`` (mutant names follow that source)."""
    paths = [m.replace(".", "/") + ".py" for m in modules]
    out = subprocess.run(["git", "log", "-1", "--format=%H", "--", *paths], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def tally(mine: dict[str, str], equivalent: dict[str, str]) -> dict:
    """Mutants checked and detected, survivors judged equivalent, and the score detected / (checked -
    equivalent) of a set of mutants (name -> status)."""
    checked = sum(v not in UNCHECKED for v in mine.values())
    detected = sum(v in DETECTED for v in mine.values())
    eq = sum(v == "survived" and k in equivalent for k, v in mine.items())
    n = checked - eq
    return {"checked": checked, "detected": detected, "equivalent": eq, "score": round(detected / n, 4) if n else None}


def record(mine: dict[str, str], equivalent: dict[str, str], command: str, modules=()) -> dict:
    """The record of a set of mutants (name -> status): counts by status, score, the equivalent and
    the other survivors with their changes."""
    counts = {v: list(mine.values()).count(v) for v in sorted(set(mine.values()))}
    survivors = sorted(k for k, v in mine.items() if v == "survived")
    eq = [k for k in survivors if k in equivalent]
    n = tally(mine, equivalent)
    return {
        "command": command,
        "date": time.strftime("%Y-%m-%d"),
        "test_selection": _selection(),
        "source_commit": _source_commit(modules),
        "mutants": len(mine),
        "checked": n["checked"],
        "detected": n["detected"],
        "counts": counts,
        "equivalent": n["equivalent"],
        "score": n["score"],
        "equivalent_mutants": {k: {"reason": equivalent[k], "change": change(k)} for k in eq},
        "surviving_not_equivalent": {k: change(k) for k in survivors if k not in equivalent},
        "not_detected_other": {k: v for k, v in mine.items() if v not in DETECTED and v not in ("survived", "not checked")},
    }


def module_record(mod: str, st: dict[str, str], equivalent: dict[str, str], command: str) -> dict:
    """One module's record (:func:`record` of all its mutants)."""
    return record({k: v for k, v in st.items() if k.startswith(mod + ".")}, equivalent, command, [mod])


def same_draw(old: dict | None, new: dict, keys=("modules", "size", "seed")) -> bool:
    """Whether the stored sample ``old`` is the draw ``new`` (the same modules, size and seed)."""
    return old is not None and all(old.get(k) == new[k] for k in keys)


def estimate(first_pass: dict[str, str], equivalent: dict[str, str]) -> dict:
    """The sample's score and its 95 % Clopper-Pearson interval from the status of each drawn mutant
    when the first pass ended (survivors judged equivalent since are left out of the denominator)."""
    est = tally(first_pass, equivalent)
    n = est["checked"] - est["equivalent"]
    return {**est, "ci95": clopper_pearson(est["detected"], n) if n else None}


def sample_record(sample: dict, st: dict[str, str], equivalent: dict[str, str], command: str, old: dict | None = None) -> dict:
    """The record of a sample (:func:`draw_sample`): :func:`record` of the drawn mutants, with the
    draw, the counts per module and the :func:`estimate` of the score from the first pass: the
    status of each drawn mutant when every one had been checked once, kept from ``old`` (the earlier
    record of the same draw) once set."""
    mine = {k: st.get(k, "not in mutmut's store") for k in sample["drawn"]}
    rec = record(mine, equivalent, command, sample["modules"])
    n = rec["checked"] - rec["equivalent"]
    complete = rec["checked"] == len(mine)
    if not complete:  # the mutants checked first are not a uniform part of the sample: no estimate
        rec["score"] = None
    by_module = {m: [k for k in mine if k.startswith(m + ".")] for m in sample["modules"]}
    same = same_draw(old, sample, ("modules", "size", "seed", "drawn"))
    first = (old or {}).get("status_at_first_pass") if same else None
    first_command = (old or {}).get("first_pass_command") if same else None
    if first is None and complete:
        first, first_command = dict(mine), command
    return {
        **{k: sample[k] for k in ("modules", "population", "seed", "size")},
        **rec,
        "complete": complete,
        "ci95": clopper_pearson(rec["detected"], n) if n and complete else None,
        "estimate": estimate(first, equivalent) if first else None,
        "first_pass_command": first_command,
        "status_at_first_pass": first,
        "per_module": {m: {"drawn": len(ks), "checked": sum(mine[k] not in UNCHECKED for k in ks),
                           "detected": sum(mine[k] in DETECTED for k in ks)} for m, ks in by_module.items()},
        "drawn": sample["drawn"],
        "status_of_drawn": mine,
    }


def goal_met(exhaustive: dict, sample: dict | None) -> bool | None:
    """:data:`GOAL_RULE`."""
    if exhaustive["modules_not_fully_checked"] or exhaustive["score"] is None:
        return None
    if sample is None:
        return exhaustive["score"] >= GOAL
    est = sample.get("estimate")
    if not est or est["ci95"] is None:
        return None
    return exhaustive["score"] >= GOAL and est["ci95"][0] >= GOAL


def summarise(modules, command: str, equivalent: dict[str, str], previous: dict | None = None, sample: dict | None = None) -> dict:
    """mutation.json: the records of ``modules`` from mutmut's stored results (all their mutants, or
    ``sample``'s), beside the earlier records of the other modules (a module is recorded by the run
    that covered it)."""
    st = statuses()
    previous = previous or {}
    per_module = {m: r for m, r in previous.get("per_module", {}).items() if "mutants" in r}
    old_sample = previous.get("sample")
    earlier = previous.get("earlier_samples", [])
    if sample is not None:
        sample = sample_record(sample, st, equivalent, command, old_sample)
        if old_sample and not same_draw(old_sample, sample):
            earlier = [*earlier, old_sample]  # a new draw: the old one's record is kept beside it
        for m in sample["modules"]:
            per_module.pop(m, None)
    else:
        per_module.update({mod: module_record(mod, st, equivalent, command) for mod in modules})
        if old_sample and not set(old_sample["modules"]) & set(modules):
            sample = old_sample
    per_module = {m: per_module[m] for m in MODULES if m in per_module}
    tot = {k: sum(r[k] for r in per_module.values()) for k in ("mutants", "checked", "detected", "equivalent")}
    denom = tot["checked"] - tot["equivalent"]
    sampled = set(sample["modules"]) if sample else set()
    exhaustive = {
        **tot,
        "survived_not_equivalent": sum(len(r["surviving_not_equivalent"]) for r in per_module.values()),
        "score": round(tot["detected"] / denom, 4) if denom else None,
        "modules_not_fully_checked": [
            m for m in MODULES if m not in sampled and (m not in per_module or per_module[m]["checked"] < per_module[m]["mutants"])
        ],
    }
    return {
        "tool": "mutmut 3.8.1 (configuration: [tool.mutmut] in pyproject.toml)",
        "tests": "per mutant, the tests of the record's test_selection that execute the mutated function",
        "score_definition": "detected (a failing test, a timeout, a crash, or rejected by mypy, which `make test` runs) / "
        "(checked - survivors judged equivalent); 'no tests' and 'suspicious' mutants count as not detected",
        "goal": GOAL,
        "goal_rule": GOAL_RULE,
        "goal_met": goal_met(exhaustive, sample),
        "exhaustive": exhaustive,
        "sample": sample,
        "earlier_samples": earlier,
        "per_module": per_module,
    }


def _sample(args, previous: dict | None) -> dict:
    """The sample of ``--sample N --seed S``: the stored one when it was drawn for the same modules,
    size and seed (a resumed run), else a new draw from the modules' mutants in mutmut's store."""
    old = (previous or {}).get("sample")
    key = {"modules": list(args.modules), "size": args.sample, "seed": args.seed}
    if same_draw(old, key):
        return {**key, "population": old["population"], "drawn": old["drawn"]}
    population = [k for k in statuses() if _module_of(k, args.modules)]
    return {**key, "population": len(population), "drawn": draw_sample(population, args.sample, args.seed)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", nargs="+", default=list(MODULES))
    ap.add_argument("--max-children", default="2")
    ap.add_argument("--sample", type=int, help="check a uniform random sample of this many of the modules' mutants")
    ap.add_argument("--seed", type=int, default=0, help="the sample's seed")
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--summarise-only", action="store_true", help="write the JSON from mutmut's stored results")
    what.add_argument("--rerun-survivors", action="store_true",
                      help="run the surviving mutants not judged equivalent, and those no test covered, again (after new tests)")
    what.add_argument("--rerun-all", action="store_true", help="run every mutant of the modules again, not only the unchecked")
    what.add_argument("--_unchecked", action="store_true", help=argparse.SUPPRESS)
    what.add_argument("--_rerun", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_order", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    if args._unchecked:
        _run_unchecked(args.modules, args.max_children, Path(args._order).read_text().split() if args._order else None)
        return 0
    if args._rerun:
        _rerun(Path(args._order).read_text().split(), args.max_children)
        return 0
    out = Path(args.out)
    previous = json.loads(out.read_text()) if out.exists() else None
    sample = _sample(args, previous) if args.sample else None
    t0 = time.perf_counter()
    if args.rerun_survivors:
        names = rerun_names(statuses(), args.modules, _equivalent(), sample["drawn"] if sample else None)
        if names:
            _in_child("--_rerun", args.max_children, args.modules, names)
    elif args.rerun_all:
        _mutmut("run", "--max-children", args.max_children, *(sample["drawn"] if sample else [f"{m}.*" for m in args.modules]))
    elif not args.summarise_only:
        _in_child("--_unchecked", args.max_children, args.modules, sample["drawn"] if sample else None)
    seconds = None if args.summarise_only else round(time.perf_counter() - t0, 1)
    command = "python benchmarks/mutation.py " + " ".join(argv if argv is not None else sys.argv[1:])
    # read again: another run (the other group, from another clone) may have written it meanwhile
    previous = json.loads(out.read_text()) if out.exists() else None
    rec = summarise(args.modules, command + (f" ({seconds} s)" if seconds else ""), _equivalent(), previous, sample)
    from neurogrow.outputs import write_text  # not at the top: the child that runs mutmut must not import neurogrow

    write_text(out, json.dumps(rec, indent=1, ensure_ascii=False) + "\n")
    brief = {"exhaustive": {k: rec["exhaustive"][k] for k in ("mutants", "checked", "detected", "survived_not_equivalent", "score")}}
    if rec["sample"]:
        brief["sample"] = {k: rec["sample"][k] for k in ("size", "seed", "checked", "detected", "equivalent", "score", "estimate")}
    print(json.dumps({**brief, "goal_met": rec["goal_met"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
