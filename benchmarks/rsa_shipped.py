"""``neurogrow compare-rsa`` on the shipped model: Geirhos et al. (2019) edges and CIFAR-10H.

Runs the full analysis (rsatoolbox RDMs per layer x step and at each image's exit step, three
comparators, 1000 bootstrap samples, noise ceilings) twice:

- the 160 edge drawings of ``human_data/geirhos2019/stimuli/edges`` (resized to 32x32) vs the
  per-subject response confusions of the edge experiment (16 categories, 10 subjects);
- the first ``--per-class`` CIFAR-10 test images of each class vs the CIFAR-10H label counts
  (10 classes, 10 random response splits).

Writes ``benchmarks/results/rsa/<model>/<experiment>/`` (summary.json, report.md, heatmaps, RDM
files) and ``benchmarks/results/rsa/<model>/results.json`` with the key numbers and timings.

    python benchmarks/rsa_shipped.py [--model blt-cifar10-adaptive] [--per-class 100] [--n-boot 1000]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Experiment name -> human data, relative to the repository root (the script runs there).
EXPERIMENTS = {
    "geirhos_edges": "human_data/geirhos2019/raw-data/edge-experiment",
    "cifar10h": "human_data/cifar10h/cifar10h-counts.npy",
}


def key_numbers(summary: dict) -> dict:
    """Best layer/step vs the noise ceiling, and the halting-step answer, per comparator."""
    out = {}
    for m in summary["comparators"]:
        q = summary["halting_question"]["per_comparator"][m]
        out[m] = {
            "best": summary["best"][m],
            "noise_ceiling": summary["noise_ceiling"][m],
            "halting_answer": q["answer"],
            "halting_mean_over_layers": q.get("mean_over_layers"),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    from neurogrow.outputs import write_json
    from neurogrow.rsa import Options, compare_rsa
    from neurogrow.rsa.analysis import format_table

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="blt-cifar10-adaptive")
    p.add_argument("--per-class", type=int, default=100)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--out", default="benchmarks/results/rsa", help="relative to the repository root")
    args = p.parse_args(argv)
    os.chdir(ROOT)  # relative paths in the summaries

    base = Path(args.out) / args.model
    results = {
        "model": args.model,
        "per_class": args.per_class,
        "n_boot": args.n_boot,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "experiments": {},
    }
    for name, human in EXPERIMENTS.items():
        options = Options(n_boot=args.n_boot, per_class=args.per_class, progress=True)
        start = time.perf_counter()
        result = compare_rsa(args.model, human, base / name, options, overwrite=True)
        seconds = time.perf_counter() - start
        s = result.summary
        results["experiments"][name] = {
            "human": s["human"]["source"],
            "n_classes": s["n_classes"],
            "n_stimuli": s["n_stimuli"],
            "human_rdms": f"{s['human']['n_rdms']} {s['human']['unit']}s",
            "seconds": round(seconds, 1),
            "comparators": key_numbers(s),
        }
        print(f"== {name} ({seconds:.0f} s) ==")
        print(format_table(s))
    base.mkdir(parents=True, exist_ok=True)
    write_json(base / "results.json", results)
    print(f"wrote {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
