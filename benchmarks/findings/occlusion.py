"""Finding 3: with adaptive time the network spends more steps on occluded inputs.

Runs the shipped adaptive model on all 10,000 CIFAR-10 test images at occlusion 0, 20,
40 and 60% (grey rectangles, seeded per image so the same image gets the same
occluder) and compares each image's expected steps E[t] and exit step with its own
unoccluded value: per-image paired differences, their mean with a 95% bootstrap CI
over images, a Wilcoxon signed-rank test, and the accuracy at each level. (A fixed-time
model spends the same steps on every input by construction, so it needs no run here.)

    python benchmarks/findings/occlusion.py [--data-root DIR] [--n-images 10000]
"""
from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from common import RESULTS, hardware, write_json
from scipy import stats

import neurogrow
from neurogrow.inference.extract import extract_times

OUT = RESULTS / "occlusion"
LEVELS = (0.0, 0.2, 0.4, 0.6)


def bootstrap_mean_ci(values: np.ndarray, n_boot: int = 10000, seed: int = 0) -> list[float]:
    """95% percentile bootstrap CI of the mean over images."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    means = values[idx].mean(axis=1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def measure(model_name: str, data_root: str | None, n_images: int) -> dict:
    """Per-level tables of one model."""
    model = neurogrow.load_model(model_name)
    tables = {}
    for level in LEVELS:
        result = extract_times(model, dataset="cifar10", data_root=data_root, occlusion=level, seed=0, full_length=True)
        tables[level] = result.table.iloc[:n_images].reset_index(drop=True)
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--n-images", type=int, default=10000)
    args = parser.parse_args()
    t0 = time.time()
    adaptive = measure("blt-cifar10-adaptive", args.data_root, args.n_images)
    base = adaptive[0.0]
    levels = {}
    for level in LEVELS:
        t = adaptive[level]
        assert (t["stimulus"] == base["stimulus"]).all()
        entry = {
            "accuracy": float(t["correct"].astype(float).mean()),
            "mean_expected_steps": float(t["expected_steps"].mean()),
            "mean_exit_step": float(t["exit_step"].mean()),
        }
        if level > 0:
            for col in ("expected_steps", "exit_step"):
                d = (t[col] - base[col]).to_numpy(float)
                nonzero = d[d != 0]
                entry[f"{col}_paired_difference"] = {
                    "mean": float(d.mean()),
                    "ci95": bootstrap_mean_ci(d),
                    "fraction_more": float((d > 0).mean()),
                    "fraction_fewer": float((d < 0).mean()),
                    "wilcoxon_p": float(stats.wilcoxon(nonzero).pvalue) if len(nonzero) else 1.0,
                }
        levels[f"{int(level * 100)}%"] = entry
    diffs = [levels[f"{int(lv * 100)}%"]["expected_steps_paired_difference"] for lv in LEVELS[1:]]
    positive = all(d["ci95"][0] > 0 for d in diffs)
    increasing = all(a["mean"] < b["mean"] for a, b in itertools.pairwise(diffs))
    verdict = "reproduced" if positive and increasing else "partly" if positive or any(d["ci95"][0] > 0 for d in diffs) else "not reproduced"
    results = {
        "finding": "more steps on occluded inputs",
        "verdict": verdict,
        "model": "blt-cifar10-adaptive",
        "n_images": len(base),
        "occluder": "grey (128) rectangles covering the given fraction of pixels, seeded per image id (seed 0)",
        "levels": levels,
        "more_steps_at_every_level": positive,
        "steps_increase_with_occlusion": increasing,
        "hardware": hardware(),
        "seconds": time.time() - t0,
        "command": "python benchmarks/findings/occlusion.py",
    }
    write_json(OUT / "results.json", results)
    plot(levels, OUT / "occlusion")
    print(f"verdict: {verdict}")
    for name, e in levels.items():
        d = e.get("expected_steps_paired_difference")
        extra = f", paired diff {d['mean']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]" if d else ""
        print(f"occlusion {name}: accuracy {e['accuracy']:.3f}, E[t] {e['mean_expected_steps']:.3f}{extra}")


def plot(levels: dict, stem) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(levels)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    axes[0].plot(names, [levels[n]["mean_expected_steps"] for n in names], "o-", label="E[t]")
    axes[0].plot(names, [levels[n]["mean_exit_step"] for n in names], "s--", label="exit step")
    axes[0].set_xlabel("occlusion")
    axes[0].set_ylabel("mean steps")
    axes[0].legend()
    diffs = [levels[n]["expected_steps_paired_difference"] for n in names[1:]]
    means = [d["mean"] for d in diffs]
    err = np.array([[m - d["ci95"][0], d["ci95"][1] - m] for m, d in zip(means, diffs)]).T
    axes[1].bar(names[1:], means, yerr=err, capsize=4, color="#4477aa")
    axes[1].axhline(0, color="k", lw=0.8)
    axes[1].set_ylabel("paired change in E[t] vs 0%")
    fig.suptitle("Adaptive model on CIFAR-10 test images (95% bootstrap CI)")
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(f"{stem}.{ext}", dpi=150)


if __name__ == "__main__":
    main()
