"""Speed of ``neurogrow compare-rt`` on large per-trial data.

Simulates 10,000 stimuli x 50 subjects (500,000 trials, 2 % without response, 16 categories),
writes them as a long CSV plus a model-times CSV, and runs the full command
(``neurogrow compare-rt ... --n-boot 1000``: loading, matching, bootstrap and two-level
bootstrap, permutations, noise ceilings, within-category analysis, mixed model, report and
figures).  The target is under 30 s on 2 cores.  Writes ``benchmarks/results/stats_speed.json``.

    python benchmarks/stats_speed.py [--stimuli 10000] [--subjects 50] [--n-boot 1000]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def simulate(n_stimuli: int, n_subjects: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cats = np.array([f"cat{c:02d}" for c in range(16)])
    cat = rng.integers(0, len(cats), n_stimuli)
    model_time = rng.gamma(3.0, 1.0, n_stimuli)
    image_effect = 0.03 * model_time + rng.normal(0, 0.05, len(cats))[cat] + rng.normal(0, 0.08, n_stimuli)
    subj_effect = rng.normal(0, 0.15, n_subjects)
    log_rt = -0.3 + image_effect[:, None] + subj_effect[None, :] + rng.normal(0, 0.25, (n_stimuli, n_subjects))
    rt = np.exp(log_rt).ravel()
    responded = rng.random(rt.size) > 0.02
    stim = np.array([f"img{i:05d}.png" for i in range(n_stimuli)])
    trials = pd.DataFrame(
        {
            "subject": np.tile([f"s{j:02d}" for j in range(n_subjects)], n_stimuli),
            "stimulus": np.repeat(stim, n_subjects),
            "rt": np.where(responded, rt, np.nan),
            "response": np.where(responded, "x", "na"),
            "correct": (rng.random(rt.size) > 0.1).astype(int),
            "category": np.repeat(cats[cat], n_subjects),
        }
    )
    times = pd.DataFrame({"stimulus": [f"{cats[c]}/{s}" for c, s in zip(cat, stim)], "model_time": model_time})
    return times, trials


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stimuli", type=int, default=10_000)
    ap.add_argument("--subjects", type=int, default=50)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "stats_speed.json"))
    args = ap.parse_args(argv)

    from neurogrow.cli import main as cli_main
    from neurogrow.outputs import write_json

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        times, trials = simulate(args.stimuli, args.subjects)
        times.to_csv(tmp / "model_times.csv", index=False)
        trials.to_csv(tmp / "trials.csv", index=False)
        t0 = time.perf_counter()
        rc = cli_main(
            ["compare-rt", str(tmp / "model_times.csv"), str(tmp / "trials.csv"), "--out", str(tmp / "out"), "--n-boot", str(args.n_boot)]
        )
        elapsed = time.perf_counter() - t0
        if rc != 0:
            print(f"compare-rt failed with exit code {rc}", file=sys.stderr)
            return rc
        summary = json.loads((tmp / "out" / "summary.json").read_text())

    result = {
        "benchmark": "compare-rt, full command (load, analyse, write)",
        "n_stimuli": args.stimuli,
        "n_subjects": args.subjects,
        "n_trials": args.stimuli * args.subjects,
        "n_boot": args.n_boot,
        "n_splits": summary["options"]["n_splits"],
        "n_perm": summary["options"]["n_perm"],
        "seconds": round(elapsed, 2),
        "target_seconds": 30,
        "passed": elapsed < 30,
        "stage_seconds": summary["timings_s"],
        "spearman_r": summary["spearman"]["r"],
        "noise_ceiling": summary["noise_ceiling"]["spearman_brown"],
        "mixed_model_coef": summary["mixed_model"]["coef"],
        "hardware": {
            "cpu_count": os.cpu_count(),
            "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out, result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
