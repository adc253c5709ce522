"""Estimated CPU cost of the training-based findings (1 and 2) in a regime, from one measured epoch.

Trains one epoch of the regime's start window on ``--images`` CIFAR-10 training images (one
thread, growth off) and extrapolates: seconds per training image x images per epoch x epochs x
runs, for the start window (a lower bound: windows grow) and for the shipped model's window
(``--grown``: 37/79/128/128 x 4 steps, about what the full-scale runs grew to). Writes
``benchmarks/results/findings_cost.json``.

    python benchmarks/findings/cost.py [--regime cpu] [--images 2048]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, ROOT, SHIPPED_CONFIG, hardware, write_json

#: training images per task (CIFAR-10: 5,000 per class; Fashion-MNIST: 6,000 per class)
PER_CLASS = {"cifar10": 5000, "fashion-mnist": 6000, "synthetic": 64}


def seconds_per_image(sets: list[str], images: int) -> dict[str, float]:
    """Wall seconds of the epoch (from metrics) and CPU seconds of the whole process, per image.

    The CPU time includes start-up and the test pass, so it over-states the epoch a little; the
    wall time over-states it on a shared machine.
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "neurogrow", "train", "--config", str(SHIPPED_CONFIG), "--quiet", "--out", f"{tmp}/run",
               "--set", "optim.epochs=1", "--set", f"data.train_subset={images}", "--set", "data.test_subset=256",
               "--set", "eval_every=1", "--set", "growth.enabled=false", "--set", "amp=false"]
        cmd += [a for s in sets for a in ("--set", s)]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        row = json.loads((Path(tmp) / "run" / "metrics.jsonl").read_text().splitlines()[-1])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": row["seconds"] / images, "cpu": cpu / images}


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import growth_vs_complexity
    import tradeoffs

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regime", default="cpu")
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    t0 = time.time()
    start = [s for s in tradeoffs.REGIMES[args.regime]["sets"] if s.startswith("model.")]
    per_image = {"start_window": seconds_per_image(start, args.images),
                 "grown_window": seconds_per_image(["model.channels=[37,79,128,128]", "model.steps=4"], args.images)}
    tr = tradeoffs.REGIMES[args.regime]
    images_1 = 50000 * tr["epochs"] * len(tr["design"]) * args.seeds
    gr = growth_vs_complexity.REGIMES[args.regime]
    images_2 = sum(PER_CLASS[fam] * k for fam, k, _ in gr["tasks"].values()) * gr["epochs"] * args.seeds
    est = {}
    for name, n in (("finding1_tradeoffs", images_1), ("finding2_growth", images_2)):
        est[name] = {"training_images_total": n}
        for w, s in per_image.items():
            for kind in ("cpu", "wall"):
                est[name][f"hours_on_2_cores_{w}_{kind}"] = n * s[kind] / 7200
    out = {"regime": args.regime, "seconds_per_training_image": per_image, "measured_on_images": args.images,
           "estimates": est, "note": "one thread per run, 2 runs at a time. cpu: CPU seconds of the whole training process "
           "(start-up and test pass included); wall: wall seconds of the epoch on a machine shared with other jobs. "
           "start_window: growth off, the regime's start window (a lower bound: windows grow); grown_window: "
           "the shipped model's window",
           "hardware": hardware(), "seconds": time.time() - t0,
           "command": f"python benchmarks/findings/cost.py --regime {args.regime} --images {args.images}"}
    write_json(RESULTS / "findings_cost.json", out)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
