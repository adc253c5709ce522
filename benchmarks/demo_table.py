"""Rewrite the README's compare-rt demo tables from ``make demo``'s output (``demo_results/``).

The tables sit between the markers ``<!-- demo-table:start -->`` and ``<!-- demo-table:end -->``
of README.md; everything between them is replaced. Every number comes from the two
``summary.json`` files that ``neurogrow compare-rt --demo --out demo_results`` writes.

    make demo && python benchmarks/demo_table.py [--results demo_results] [--readme README.md] [--check]

``--check`` exits 1 (changing nothing) when the README's tables are not the ones the results give.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from neurogrow.errors import NeurogrowError
from neurogrow.outputs import replace_between

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- demo-table:start -->", "<!-- demo-table:end -->"
#: (folder of demo_results, the results table's label, the baselines table's label)
EXPERIMENTS = [("edges", "edges", "edges"), ("silhouettes", "filled silhouettes", "silhouettes")]
BASELINES = [
    ("step1_uncertainty", "1 − max probability at step 1"),
    ("step1_entropy", "entropy at step 1"),
    ("final_entropy", "entropy of the final answer"),
    ("confidence_step", "confidence step (max probability >= 0.5)"),
]


def _ci(pair: list[float]) -> str:
    return f"[{pair[0]:.3f}, {pair[1]:.3f}]"


def _p(p: float) -> str:
    return f"{p:.2f}" if p >= 0.1 else f"{p:.3f}"


def tables(summaries: dict[str, dict]) -> str:
    """The two markdown tables (results, then baselines) for the demo's summaries by folder."""
    head = ("| Geirhos et al. 2019 | Spearman [two-level 95% CI] (images only) | p (perm.) | noise ceiling | "
            "Spearman / ceiling | within category, mean-removed (its ceiling) | rank-residual (its ceiling) | "
            "mixed-model slope, crossed subject + image (subject only) |")
    rows = [head, "|---|---|---|---|---|---|---|---|"]
    for folder, label, _ in EXPERIMENTS:
        s = summaries[folder]
        sp, wc, mm = s["spearman"], s["within_category"], s["mixed_model"]
        mr, rr = wc["mean_removed"], wc["rank_residual"]
        n = f"{label} ({s['n_stimuli']} images)" if folder == EXPERIMENTS[0][0] else f"{label} ({s['n_stimuli']})"
        rows.append(
            f"| {n} | {sp['r']:.3f} {_ci(sp['ci95_two_level'])} ({_ci(sp['ci95'])}) | {sp['p_permutation']:.3f} | "
            f"{s['noise_ceiling']['spearman_brown']:.3f} | {sp['relative_to_ceiling']:.3f} | "
            f"{mr['spearman_partial']['r']:.3f} {_ci(mr['spearman_partial']['ci95_two_level'])} "
            f"({mr['noise_ceiling']['spearman_brown']:.3f}) | "
            f"{rr['spearman_partial']['r']:.3f} {_ci(rr['spearman_partial']['ci95_two_level'])} "
            f"({rr['noise_ceiling']['spearman_brown']:.3f}) | "
            f"{mm['coef']:.3f}, p = {_p(mm['p'])} ({mm['subject_only']['coef']:.3f}, p = {_p(mm['subject_only']['p'])}) |")
    a, b = (summaries[f] for f, _, _ in EXPERIMENTS)
    names = [short for _, _, short in EXPERIMENTS]
    base = [f"| baseline | {names[0]}: ρ baseline | E[t] − baseline | E[t] given baseline | {names[1]}: ρ baseline | "
            "E[t] − baseline | E[t] given baseline |", "|---|---|---|---|---|---|---|"]
    for key, label in BASELINES:
        cells = []
        for s in (a, b):
            bl = s["baselines"][key]
            d, part = bl["difference"], bl["partial"]
            cells.append(f"{bl['spearman']['r']:.3f} | {d['r']:.3f} {_ci(d['ci95_two_level'])} | "
                         f"{part['r']:.3f} {_ci(part['ci95_two_level'])}")
        base.append(f"| {label} | {cells[0]} | {cells[1]} |")
    return "\n".join(rows) + "\n\n" + SENTENCE + "\n\n" + "\n".join(base)


SENTENCE = ("Against the same network's confidence (baselines from the same times file; difference\n"
            "ρ(E[t]) − ρ(baseline) and partial Spearman of E[t] given the baseline, both with two-level 95% CIs\n"
            "on the same resamples):")


def load(results: Path) -> dict[str, dict]:
    out = {}
    for folder, _, _ in EXPERIMENTS:
        path = results / folder / "summary.json"
        if not path.is_file():
            raise SystemExit(f"error: {path} not found: run `make demo` (or neurogrow compare-rt --demo --out {results}) first")
        out[folder] = json.loads(path.read_text())
    return out


def replace(text: str, table: str) -> str:
    try:
        return replace_between(text, START, END, table, where="README")
    except NeurogrowError as e:
        raise SystemExit(f"error: {e}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", default=str(ROOT / "demo_results"))
    parser.add_argument("--readme", default=str(ROOT / "README.md"))
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's tables differ; change nothing")
    args = parser.parse_args()
    readme = Path(args.readme)
    text = readme.read_text()
    new = replace(text, tables(load(Path(args.results))))
    if args.check:
        if new != text:
            print(f"{readme}: the demo tables differ from {args.results}; run python benchmarks/demo_table.py", file=sys.stderr)
            raise SystemExit(1)
        print(f"{readme}: demo tables match {args.results}")
        return
    from neurogrow.outputs import write_text

    write_text(readme, new)
    print(f"rewrote the demo tables in {readme}")


if __name__ == "__main__":
    main()
