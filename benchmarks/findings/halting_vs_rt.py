"""Finding 4: the adaptive halting time correlates with human reaction times per image.

With ``neurogrow.rt.analyse`` (the statistics of ``neurogrow compare-rt``):

* Geirhos et al. (2019) edges and filled silhouettes (human_data/): Spearman of the
  model's time with the per-image mean log RT, its bootstrap CI and permutation p,
  the split-half noise ceiling, the same within category, and the mixed model;
* CIFAR-10H (all 10,000 CIFAR-10 test images): the model's time against human
  label entropy and human accuracy, with their split-half ceilings;

for the shipped adaptive model and, as the control, the fixed-time model. The model's
time is E[t] (``expected_steps``). A fixed-time model spends the same E[t] on every
image, so its correlation is undefined; for both models the script also reports a
model-agnostic time, the *confidence step*: the first step at which the largest class
probability reaches 0.5 (the last step if it never does).

    python benchmarks/findings/halting_vs_rt.py [--data-root DIR] [--n-boot 1000]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from common import RESULTS, ROOT, hardware, write_json

import neurogrow
from neurogrow.human import load_human
from neurogrow.human.layout import shipped_experiment
from neurogrow.inference.extract import extract_times
from neurogrow.rt import Options, analyse

OUT = RESULTS / "halting_vs_rt"
GEIRHOS = ROOT / "human_data" / "geirhos2019"
#: name -> (stimulus folder, trial folder), from the one Geirhos layout map.
EXPERIMENTS = {f"geirhos_{name}": shipped_experiment(name, GEIRHOS) for name in ("edges", "silhouettes")}
CONFIDENCE = 0.5


def confidence_step(step_probs: np.ndarray, threshold: float = CONFIDENCE) -> np.ndarray:
    """First step (from 1) whose largest class probability reaches ``threshold``, else T."""
    reached = step_probs.max(axis=2) >= threshold
    reached[:, -1] = True
    return reached.argmax(axis=1) + 1


def times_table(result) -> pd.DataFrame:
    """stimulus, label and the two model times of an extract result."""
    t = result.table[["stimulus", "label", "expected_steps"]].copy()
    t["confidence_step"] = confidence_step(result.step_probs)
    return t


def compare(times: pd.DataFrame, column: str, human, options: Options) -> dict:
    """Summary of one comparison, or the reason it is undefined."""
    frame = pd.DataFrame({"stimulus": times["stimulus"], "model_time": times[column]})
    if "label" in times and times["label"].notna().all():
        frame["category"] = times["label"].astype(str)
    if frame["model_time"].nunique() < 2:
        return {"undefined": f"{column} is the same ({frame['model_time'].iloc[0]:.3f}) for every image"}
    s = analyse(frame, human, options).summary
    keep = ("n_stimuli", "human_measure", "spearman", "pearson", "noise_ceiling", "within_category", "mixed_model")
    return {k: s[k] for k in keep if k in s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--n-perm", type=int, default=10000)
    args = parser.parse_args()
    t0 = time.time()
    options = {"n_boot": args.n_boot, "n_perm": args.n_perm, "seed": 0, "progress": False}
    humans = {name: load_human(GEIRHOS / trials) for name, (_, trials) in EXPERIMENTS.items()}
    cifar10h = load_human(ROOT / "human_data" / "cifar10h" / "cifar10h-counts.npy")
    results = {}
    for model_name in ("blt-cifar10-adaptive", "blt-cifar10-fixed-time"):
        model = neurogrow.load_model(model_name)
        per = {}
        for name, (stimuli, _) in EXPERIMENTS.items():
            times = times_table(extract_times(model, GEIRHOS / stimuli, full_length=True, progress=False))
            per[name] = {c: compare(times, c, humans[name], Options(**options)) for c in ("expected_steps", "confidence_step")}
        times = times_table(extract_times(model, dataset="cifar10", data_root=args.data_root, full_length=True))
        for measure in ("entropy", "accuracy"):
            per[f"cifar10h_{measure}"] = {
                c: compare(times.drop(columns="label"), c, cifar10h, Options(measure=measure, mixed_model=False, **options))
                for c in ("expected_steps", "confidence_step")
            }
        results[model_name] = per

    adaptive = results["blt-cifar10-adaptive"]
    geirhos_r = [adaptive[e]["expected_steps"]["spearman"] for e in EXPERIMENTS]
    positive = [r["ci95"][0] > 0 for r in geirhos_r]
    cifar = adaptive["cifar10h_entropy"]["expected_steps"]["spearman"]
    verdict = (
        "reproduced" if all(positive) and cifar["ci95"][0] > 0
        else "partly" if any(positive) or cifar["ci95"][0] > 0
        else "not reproduced"
    )
    out = {
        "finding": "adaptive halting time correlates with human reaction times",
        "verdict": verdict,
        "model_time": "expected_steps = E_pi[t]; confidence_step = first step with max class probability >= 0.5",
        "results": results,
        "adaptive_geirhos_spearman_ci_above_zero": dict(zip(EXPERIMENTS, positive)),
        "adaptive_cifar10h_entropy_spearman_ci_above_zero": cifar["ci95"][0] > 0,
        "hardware": hardware(),
        "seconds": time.time() - t0,
        "command": "python benchmarks/findings/halting_vs_rt.py",
    }
    write_json(OUT / "results.json", out)
    print(f"verdict: {verdict}")
    for model_name, per in results.items():
        for name, cols in per.items():
            for col, s in cols.items():
                if "undefined" in s:
                    print(f"{model_name:24s} {name:22s} {col:16s} undefined: {s['undefined']}")
                    continue
                r, nc = s["spearman"], s["noise_ceiling"]["spearman_brown"]
                print(
                    f"{model_name:24s} {name:22s} {col:16s} rho={r['r']:+.3f} [{r['ci95'][0]:+.3f}, {r['ci95'][1]:+.3f}] "
                    f"p={r['p_permutation']:.4f} ceiling={nc:.3f}"
                )


if __name__ == "__main__":
    main()
