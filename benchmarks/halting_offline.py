"""Which halting target can a halting head learn? The head trained alone on a fixed, trained trunk.

The in-training runs (``benchmarks/findings/price_response.py``) answer "is the price a dial?";
this benchmark isolates the halting head and its target from everything else (growth, a trunk
that is still learning): it takes a trained model's per-step class logits on N CIFAR-10 training
and test images (no augmentation), then trains only a fresh ``mlp`` halting head
(:class:`neurogrow.model.lattice.HaltingHead` on :func:`~neurogrow.model.lattice.halting_signals`,
the readout-row signal set to 0) with Adam for a fixed number of batches, for each target and
time price, and reports on the test images the mean and SD of E[t] and the early-exit accuracy.

Targets (``c_t = L_t + lambda t`` is the cost of stopping at step t):

* ``optimal-stop``: cross-entropy to the one-hot cheapest step, ``L_t = CE_t`` (the objective
  neurogrow trains with, ``costs.time_objective = "optimal-stop"``);
* ``optimal-stop-soft``: cross-entropy to ``softmax(-c / 0.1)``;
* ``expected-cost``: ``E_pi[c_t]`` minimised directly, ``L_t = CE_t`` (the ablation objective);
* ``expected-cost-entropy``: the same minus ``0.02 H(pi)``;
* ``label-free``: the ``optimal-stop`` target with ``L_t = KL(p_T || p_t)``, distance to the last
  step's answer instead of the loss.

    python benchmarks/halting_offline.py                      # shipped default model, 10,000 images each
    python benchmarks/halting_offline.py --model blt-cifar10-adaptive --images 2000 --iters 100   # quicker

Writes ``benchmarks/results/halting_offline.json`` and prints a Markdown table (docs/model.md).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent / "findings"))
from common import RESULTS, hardware, write_json

from neurogrow.model.halting import (
    adaptive_halting,
    adaptive_log_halting,
    exit_step,
    expected_steps,
    stopping_cost,
)
from neurogrow.model.halting_head import HaltingHead, halting_signals

PRICES = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32]
TARGETS = {
    "optimal-stop": ("ce", "forward", 0.0),
    "optimal-stop-soft": ("ce", "forward", 0.1),
    "expected-cost": ("ce", "expected", 0.0),
    "expected-cost-entropy": ("ce", "expected", 0.02),
    "label-free": ("kl", "forward", 0.0),
}
MAX_STEPS = 8


def per_step_logits(model_name: str, n: int, seed: int) -> dict:
    """``{split: (logits (n, T, K), labels (n,))}`` of a seeded random subset of each split."""
    import neurogrow
    from neurogrow.data.load import load_dataset
    from neurogrow.model.inputs import to_input

    model = neurogrow.load_model(model_name)
    model.eval()
    out = {}
    for split in ("train", "test"):
        ds = load_dataset("cifar10", split=split)
        idx = np.random.default_rng(seed).permutation(len(ds.labels))[:n]
        chunks = []
        with torch.no_grad():
            for i in range(0, n, 500):
                chunks.append(model(to_input(torch.from_numpy(ds.images[idx[i:i + 500]]), model.config)).logits.float())
        out[split] = (torch.cat(chunks), torch.from_numpy(ds.labels[idx]).long())
    return out


def step_costs(kind: str, logits: torch.Tensor, y: torch.Tensor, price: float) -> torch.Tensor:
    if kind == "ce":
        B, T, K = logits.shape
        loss = torch.nn.functional.cross_entropy(logits.reshape(B * T, K), y.repeat_interleave(T), reduction="none").view(B, T)
    else:  # KL(p_T || p_t)
        lp = logits.log_softmax(-1)
        loss = (lp[:, -1:].exp() * (lp[:, -1:] - lp)).sum(-1)
    return stopping_cost(loss, price)


def train_head(target: str, price: float, data: dict, iters: int, seed: int) -> dict:
    kind, fit, tau = TARGETS[target]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    head = HaltingHead(MAX_STEPS, 32, -2.0, generator=gen)
    opt = torch.optim.Adam(head.parameters(), lr=0.01)
    logits, y = data["train"]
    signals = halting_signals(logits, torch.zeros(logits.shape[:2]), MAX_STEPS)
    cost = step_costs(kind, logits, y, price)
    T = logits.shape[1]
    for _ in range(iters):
        b = torch.randint(0, len(y), (256,), generator=gen)
        z, c = head(signals[b]), cost[b]
        if fit == "forward":
            q = torch.softmax(-c / tau, 1) if tau > 0 else torch.nn.functional.one_hot(c.argmin(1), T).float()
            loss = -(q * adaptive_log_halting(z)).sum(1).mean()
        else:
            pi = adaptive_halting(z)
            loss = (pi * c).sum(1).mean() + tau * (pi * adaptive_log_halting(z)).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    logits, y = data["test"]
    with torch.no_grad():
        pi = adaptive_halting(head(halting_signals(logits, torch.zeros(logits.shape[:2]), MAX_STEPS)))
    e, ex = expected_steps(pi), exit_step(pi)
    acc = (logits[torch.arange(len(y)), ex - 1].argmax(-1) == y).float().mean()
    return {"target": target, "time_price": price, "mean_steps": e.mean().item(), "steps_sd": e.std().item(),
            "exit_accuracy": acc.item()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="blt-cifar10-adaptive", help="a zoo name or model file")
    parser.add_argument("--images", type=int, default=10000, help="images of each split")
    parser.add_argument("--iters", type=int, default=400, help="Adam batches of 256 per head")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "halting_offline.json"))
    args = parser.parse_args()
    t0 = time.time()
    data = per_step_logits(args.model, args.images, args.seed)
    T = data["test"][0].shape[1]
    step_acc = (data["test"][0].argmax(-1) == data["test"][1][:, None]).float().mean(0).tolist()
    rows = [train_head(t, p, data, args.iters, args.seed) for t in TARGETS for p in PRICES]
    write_json(Path(args.out), {
        "model": args.model, "images_per_split": args.images, "iters": args.iters, "seed": args.seed, "steps": T,
        "test_accuracy_per_step": step_acc, "targets": {k: {"loss": v[0], "fit": v[1], "tau": v[2]} for k, v in TARGETS.items()},
        "rows": rows, "seconds": time.time() - t0, "hardware": hardware(),
        "command": "python benchmarks/halting_offline.py " + " ".join(sys.argv[1:]),
    })
    print("| target | " + " | ".join(f"lambda {p:g}" for p in PRICES) + " |")
    print("|---|" + "---|" * len(PRICES))
    for t in TARGETS:
        cells = [f"{r['mean_steps']:.2f} ({r['steps_sd']:.2f}) {r['exit_accuracy']:.3f}" for r in rows if r["target"] == t]
        print(f"| `{t}` | " + " | ".join(cells) + " |")
    print(f"cells: mean E[t] (SD over test images) early-exit accuracy; wrote {args.out}")


if __name__ == "__main__":
    main()
