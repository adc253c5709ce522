"""The README's table of shipped models, from `neurogrow evaluate` results and FLOP counts.

    for m in $(neurogrow models | grep -o '^blt[^ :]*'); do
        neurogrow evaluate $m --json benchmarks/results/zoo/$m.json --overwrite; done
    python benchmarks/zoo_table.py      # writes benchmarks/results/zoo/table.md

FLOPs come from ``torch.utils.flop_counter`` per step; every step after the first costs the
same, so the mean FLOPs per image under early exit is the cumulative count interpolated at
the mean exit step.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import neurogrow
from neurogrow.inference.flops import flops_per_step
from neurogrow.zoo import ZOO_DIR, model_info

RESULTS = Path(__file__).resolve().parent / "results" / "zoo"


def main() -> None:
    lines = [
        "| model | window (channels per layer, T) | params | file | CIFAR-10 test accuracy (10,000 images) | mean E[t] | mean exit step | MFLOPs per image (early exit / all T steps) | trained on |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in neurogrow.list_models():
        ev = json.loads((RESULTS / f"{name}.json").read_text())
        model = neurogrow.load_model(name)
        info = model_info(name)
        per_step = flops_per_step(model)
        cum = np.cumsum(per_step)
        early = np.interp(ev["mean_exit_step"], np.arange(1, len(cum) + 1), cum) if len(cum) > 1 else cum[0]
        w = ev["window"]
        size = (ZOO_DIR / info["file"]).stat().st_size / 2**20
        lines.append(
            f"| `{name}` | {'/'.join(map(str, w['channels']))}, T={w['steps']} | {ev['params']:,} | {size:.1f} MB | "
            f"{ev['accuracy']:.4f} (mixture {ev['accuracy_mixture']:.4f}) | {ev['mean_steps']:.2f} | {ev['mean_exit_step']:.2f} | "
            f"{early / 1e6:.0f} / {cum[-1] / 1e6:.0f} | {info['trained_on']}, {info['train_seconds']} s |"
        )
    out = RESULTS / "table.md"
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
