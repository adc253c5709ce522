"""Render every compare-rt and compare-rsa figure type for runs of 2, 10 and 16 categories, to look at.

    python benchmarks/figure_gallery.py --out figure_gallery/

compare-rt: synthetic human RTs (long CSV, 8 subjects) for 2, 10 and 16 categories, against model
times where most images pile onto one value (as the shipped model's E[t] does on the Geirhos
stimuli), both as E[t] (continuous, piled) and as exit steps (integers, tied).
compare-rsa: the shipped model against the shipped CIFAR-10H counts (10 classes) and the
Geirhos edge experiment (16 categories). RSA needs at least 3 classes, so there is no 2-class RSA.
Each figure is written to OUT/<run>/ as PNG and PDF.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import neurogrow

ROOT = Path(__file__).resolve().parents[1]


def synthetic(k: int, folder: Path, seed: int = 0) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(seed)
    n = 160 if k > 2 else 120
    cats = [f"category{i:02d}" for i in range(k)]
    stim = [f"{cats[i % k]}/img{i:03d}.png" for i in range(n)]
    cat = [s.split("/")[0] for s in stim]
    difficulty = rng.normal(0, 1, n)
    piled = rng.random(n) < 0.8
    e_t = np.where(piled, 3.0 - rng.uniform(0, 0.003, n), 2.0 + 0.5 * rng.random(n) + 0.2 * difficulty)
    exit_step = np.where(piled, 3, rng.integers(1, 5, n))
    rows = []
    for j in range(8):
        for i in range(n):
            rows.append((f"s{j}", stim[i], float(np.exp(-0.3 + 0.15 * difficulty[i] + 0.05 * (hash(cat[i]) % 7) + rng.normal(0, 0.3))), cat[i]))
    folder.mkdir(parents=True, exist_ok=True)
    human = folder / "human.csv"
    pd.DataFrame(rows, columns=["subject", "stimulus", "rt", "category"]).to_csv(human, index=False)
    t1 = folder / "times_expected.csv"
    pd.DataFrame({"stimulus": stim, "model_time": e_t}).to_csv(t1, index=False)
    t2 = folder / "times_exit.csv"
    pd.DataFrame({"stimulus": stim, "model_time": exit_step}).to_csv(t2, index=False)
    return human, t1, t2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n-boot", type=int, default=200)
    args = ap.parse_args()
    fast = {"n_boot": args.n_boot, "n_perm": 200, "n_splits": 20, "mixed_model": False, "overwrite": True}
    for k in (2, 10, 16):
        human, t1, t2 = synthetic(k, args.out / "inputs" / f"k{k}")
        neurogrow.compare_rt(t1, human, args.out / f"rt-{k}cat-expected", **fast)
        neurogrow.compare_rt(t2, human, args.out / f"rt-{k}cat-exit", **fast)
    neurogrow.compare_rt(
        neurogrow.extract(images=ROOT / "human_data/geirhos2019/stimuli/edges", class_map="geirhos16"),
        ROOT / "human_data/geirhos2019/raw-data/edge-experiment", args.out / "rt-geirhos-edges", **fast,
    )
    neurogrow.compare_rsa(
        "blt-cifar10-adaptive", ROOT / "human_data/cifar10h/cifar10h-counts.npy", args.out / "rsa-cifar10h",
        per_class=20, comparators="spearman", n_boot=args.n_boot, overwrite=True,
    )
    neurogrow.compare_rsa(
        "blt-cifar10-adaptive", ROOT / "human_data/geirhos2019/raw-data/edge-experiment", args.out / "rsa-geirhos-edges",
        comparators="spearman", n_boot=args.n_boot, overwrite=True,
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
