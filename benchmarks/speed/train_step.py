"""Training overhead of the lattice machinery: one training step of the growing lattice
model vs a plain BLT RCNN of the same window, timed interleaved in one process.

The lattice is the shipped ``blt-cifar10-adaptive`` model (window 37/79/128/128, T=4)
in training mode, trained with the training loop's own step,
:class:`neurogrow.train.step.TrainStep` (forward over T steps, halting-weighted task
loss, time cost, differentiable gate costs, backward, SGD step, proximal step of the L1
gate costs), plus the halting-mass signal read for time growth. The baseline is :class:`neurogrow.model.blt.BaselineBLT` of the
same window (standard ``nn.Conv2d``/``nn.BatchNorm2d``, top-layer readout, mean
per-step cross-entropy, SGD with the same hyperparameters) without gates, costs or
halting. Both see the same batch of normalised images. Each step is split into
forward, loss, backward and optimizer phases; the once-per-epoch window update
(``update_window``) is timed separately and amortised over an epoch of CIFAR-10, with
the first training step after it (which, with ``--compile``, holds the one recompilation).

Roofline: a dense matmul and a 3x3 convolution (NCHW and channels_last; fp32, and bf16 on a
GPU) are timed in the same interleaved loop, and the lattice step's FLOP rate (FLOPs counted
by ``torch.utils.flop_counter``, forward and backward) is reported as a fraction of each.
The lattice step is also timed with a channels_last input (``channels_last``: does it pay).
Goal: lattice step time at most 1.15 x the plain BLT's.

    python benchmarks/speed/train_step.py [--batch-size 128] [--repeats 20] [--threads 2]
    python benchmarks/speed/train_step.py --device cuda --amp --compile   # on a GPU

Writes ``benchmarks/results/speed/train_step.json`` when run alone; ``run_all.py`` puts it into the one results file ``results.json`` (or ``--out``).
"""
from __future__ import annotations

import argparse
import copy
import math
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    add_device_args,
    code_state,
    count_flops,
    hardware,
    interleaved_times,
    out_path,
    paired_ratio,
    roofline_kernels,
    roofline_report,
    setup_device,
    summary,
    synchronize,
    write_json,
)

from neurogrow.errors import NeurogrowError
from neurogrow.model.blt import BaselineBLT, blt_loss
from neurogrow.model.growth import make_optimizer, update_window
from neurogrow.train import load_config
from neurogrow.train.step import TrainStep
from neurogrow.zoo import ZOO_DIR, load_model, model_info

GOAL = 1.15
QUIET_FACTOR = 1.3  # a repeat is "quiet" when its plain BLT step is within this factor of the fastest one
CIFAR10_TRAIN = 50_000
PHASES = ("forward", "loss", "backward", "optimizer")


class PhaseClock:
    """Collects the duration of each phase of repeated steps (synchronised on CUDA)."""

    def __init__(self, device: torch.device):
        self.device = device
        self.record = False
        self.times: dict[str, list[float]] = {p: [] for p in PHASES}
        self._last = 0.0

    def start(self) -> None:
        synchronize(self.device)
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        synchronize(self.device)
        now = time.perf_counter()
        if self.record:
            self.times[phase].append(now - self._last)
        self._last = now


def profile_ops(steps: dict, n: int, device: torch.device) -> dict[str, dict[str, dict]]:
    """Per model, the self time (ms per step) and calls per step of each aten op, profiling
    ``n`` steps of each model in turn (interleaved, like the timings)."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    ops: dict[str, dict[str, dict]] = {name: {} for name in steps}
    for _ in range(n):
        for name, step in steps.items():
            with profile(activities=activities) as prof:
                step()
                synchronize(device)
            for ev in prof.key_averages():
                if ev.key.startswith("aten::"):
                    self_us = ev.self_device_time_total if device.type == "cuda" else ev.self_cpu_time_total
                    row = ops[name].setdefault(ev.key, {"self_ms": 0.0, "calls": 0.0})
                    row["self_ms"] += self_us / 1000 / n
                    row["calls"] += ev.count / n
    return ops


def op_differences(lattice: dict, plain: dict, top: int = 20) -> list[dict]:
    """The ops whose per-step self time differs most between the lattice and the plain BLT."""
    rows = []
    for op in set(lattice) | set(plain):
        a, b = lattice.get(op, {"self_ms": 0.0, "calls": 0}), plain.get(op, {"self_ms": 0.0, "calls": 0})
        rows.append({
            "op": op,
            "lattice_ms": round(a["self_ms"], 1),
            "plain_blt_ms": round(b["self_ms"], 1),
            "difference_ms": round(a["self_ms"] - b["self_ms"], 1),
            "lattice_calls": a["calls"],
            "plain_blt_calls": b["calls"],
        })
    rows.sort(key=lambda r: -abs(r["difference_ms"]))
    return rows[:top]


def plain_optimizer(model: BaselineBLT, lr: float, momentum: float, weight_decay: float) -> torch.optim.SGD:
    """SGD with Nesterov momentum; weight decay on convolution and readout weights only."""
    decay = [p for p in model.parameters() if p.dim() > 1]
    rest = [p for p in model.parameters() if p.dim() <= 1]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.SGD(groups, lr=lr, momentum=momentum, nesterov=momentum > 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="blt-cifar10-adaptive", help="shipped lattice model (default: %(default)s)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=20, help="timed steps of each model (default: %(default)s)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps of each model first (default: %(default)s)")
    ap.add_argument("--growth-repeats", type=int, default=3, help="timed window updates (default: %(default)s)")
    ap.add_argument("--profile-steps", type=int, default=3, help="steps of each model under torch.profiler (0: none)")
    add_device_args(ap)
    args = ap.parse_args(argv)
    try:
        return run(args)
    except NeurogrowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    device = setup_device(args)
    path = out_path(args, "train_step")
    amp = args.amp and device.type == "cuda"
    config = load_config(ZOO_DIR / model_info(args.model)["config"])
    o, costs = config.optim, config.costs
    lr = o.lr / 25  # the learning rate does not affect timings; a warm-up value keeps the trained weights sane

    torch.manual_seed(0)
    lattice = load_model(args.model, device=str(device)).train()
    lattice_opt = make_optimizer(lattice, lr, o.momentum, o.weight_decay)
    blt = BaselineBLT.from_lattice_window(lattice).to(device).train()
    blt_opt = plain_optimizer(blt, lr, o.momentum, o.weight_decay)
    # the training loop's own step (neurogrow.train.step.TrainStep), compiled as the loop compiles it
    lattice_train = TrainStep(
        lattice, lattice_opt, o.label_smoothing, o.step_supervision, costs, amp=amp,
        compile="inductor" if args.compile else "",
    )
    blt_fwd = torch.compile(blt) if args.compile else blt

    gen = torch.Generator().manual_seed(0)
    cfg = lattice.config
    x = torch.randn(args.batch_size, cfg.in_channels, cfg.image_size, cfg.image_size, generator=gen).to(device)
    y = torch.randint(0, cfg.num_classes, (args.batch_size,), generator=gen).to(device)
    clocks = {"lattice": PhaseClock(device), "plain_blt": PhaseClock(device)}

    def lattice_step(inputs: torch.Tensor = x, clock: PhaseClock | None = None) -> float:
        clock = clock or clocks["lattice"]
        clock.start()
        task, out = lattice_train(inputs, y, lr, lap=clock.lap)
        with torch.no_grad():
            out.halting[:, -1].mean().item()  # the last-step halting mass that drives time growth
        clock.lap("optimizer")
        return task.item()

    x_cl = x.contiguous(memory_format=torch.channels_last)
    clocks["lattice_channels_last"] = PhaseClock(device)

    def lattice_step_cl() -> float:
        return lattice_step(x_cl, clocks["lattice_channels_last"])

    def blt_step() -> float:
        clock = clocks["plain_blt"]
        clock.start()
        for group in blt_opt.param_groups:
            group["lr"] = lr
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            logits = blt_fwd(x)
        clock.lap("forward")
        loss = blt_loss(logits, y, o.label_smoothing)
        clock.lap("loss")
        blt_opt.zero_grad(set_to_none=True)
        loss.backward()
        clock.lap("backward")
        blt_opt.step()
        clock.lap("optimizer")
        return loss.item()

    print(f"lattice window {lattice.window}, batch {args.batch_size}, {device}, {torch.get_num_threads()} threads", flush=True)
    for _ in range(args.warmup):
        lattice_step()
        blt_step()
    lattice_step_cl()
    for clock in clocks.values():
        clock.record = True
    kernels = roofline_kernels(device)
    step_flops = count_flops(lattice_step)
    times = interleaved_times(
        {
            "lattice": lattice_step,
            "plain_blt": blt_step,
            "lattice_channels_last": lattice_step_cl,
            **{k: fn for k, (fn, _) in kernels.items()},
        },
        repeats=args.repeats,
        warmup=0,
        device=device,
        progress=lambda msg: print(msg.split(", matmul")[0], flush=True),
    )
    roofline = roofline_report(
        times, kernels, {"lattice": step_flops, "lattice_channels_last": step_flops}
    )
    wall = {k: v["wall"] for k, v in times.items()}
    cpu = {k: v["cpu"] for k, v in times.items()}
    # back-to-back pairs cancel load that changes between repeats; the ratio of the
    # separate medians is reported too
    ratio = paired_ratio(wall["lattice"], wall["plain_blt"])
    ratio_cpu = paired_ratio(cpu["lattice"], cpu["plain_blt"])
    pairs = [a / b for a, b in zip(wall["lattice"], wall["plain_blt"])]
    # repeats on a quiet machine vs repeats slowed by other processes (plain step well above its fastest)
    quiet = [p for p, b in zip(pairs, wall["plain_blt"]) if b <= QUIET_FACTOR * min(wall["plain_blt"])]
    loaded = [p for p, b in zip(pairs, wall["plain_blt"]) if b > QUIET_FACTOR * min(wall["plain_blt"])]

    # once-per-epoch window update, on copies so the timed models stay as they are
    # a last-step halting mass of 1 makes T grow by one step, so the window really changes; then
    # the first training step of the new window (with --compile: its one compilation) against
    # the second. The data are not touched: the loop keeps them on the device (neurogrow.train.loop).
    growth_s, first_step_s, second_step_s = [], [], []
    for _ in range(args.growth_repeats):
        m, opt = copy.deepcopy((lattice, lattice_opt))
        synchronize(device)
        t0 = time.perf_counter()
        events = update_window(m, config.growth, 1.0, opt, torch.Generator().manual_seed(1), allow_grow=True)
        synchronize(device)
        growth_s.append(time.perf_counter() - t0)
        after = TrainStep(
            m, opt, o.label_smoothing, o.step_supervision, costs, amp=amp, compile="inductor" if args.compile else ""
        )
        for times_list in (first_step_s, second_step_s):
            synchronize(device)
            t0 = time.perf_counter()
            after(x, y, lr)
            synchronize(device)
            times_list.append(time.perf_counter() - t0)
    steps_per_epoch = math.ceil(CIFAR10_TRAIN / args.batch_size)
    growth_per_step = statistics.median(growth_s) / steps_per_epoch
    ratio_with_growth = paired_ratio([w + growth_per_step for w in wall["lattice"]], wall["plain_blt"])

    profile = None
    if args.profile_steps > 0:
        clocks["lattice"].record = clocks["plain_blt"].record = False
        ops = profile_ops({"lattice": lattice_step, "plain_blt": blt_step}, args.profile_steps, device)
        profile = {
            "steps_profiled": args.profile_steps,
            "self_ms_per_step_total": {k: round(sum(o["self_ms"] for o in v.values()), 1) for k, v in ops.items()},
            "top_differences": op_differences(ops["lattice"], ops["plain_blt"]),
        }

    phases = {
        name: {p: round(statistics.median(clock.times[p]), 4) for p in PHASES} for name, clock in clocks.items()
    }
    phase_overhead = {p: round(phases["lattice"][p] - phases["plain_blt"][p], 4) for p in PHASES}
    goal_met = ratio <= GOAL
    result = {
        "benchmark": "one training step: growing lattice vs plain BLT of the same window",
        "lattice_model": args.model,
        "window": lattice.window,
        "batch_size": args.batch_size,
        "image_size": cfg.image_size,
        "params": {"lattice": lattice.param_count(), "plain_blt": sum(p.numel() for p in blt.parameters())},
        "lattice_step": "forward T steps + task_loss (step_supervision "
        f"{o.step_supervision}, label_smoothing {o.label_smoothing}) + time_price {costs.time_price} * time_cost "
        "+ differentiable_costs, backward, SGD (make_optimizer), proximal_step "
        f"(breadth {costs.breadth_price} {costs.breadth_norm}, depth {costs.depth_price}), last-step halting mass",
        "plain_blt_step": f"forward T steps + mean per-step CE (label_smoothing {o.label_smoothing}), backward, SGD",
        "n_repeats": args.repeats,
        "n_warmup": args.warmup,
        "wall": {"lattice": summary(wall["lattice"]), "plain_blt": summary(wall["plain_blt"])},
        "cpu": {"lattice": summary(cpu["lattice"]), "plain_blt": summary(cpu["plain_blt"])},
        "phase_median_wall_s": phases,
        "phase_overhead_wall_s": phase_overhead,
        "ratio": round(ratio, 4),
        "ratio_definition": "median over repeats of lattice step wall time / plain BLT step wall time, "
        "the two steps of a repeat run back to back",
        "ratio_cpu": round(ratio_cpu, 4),
        "ratio_of_medians_wall": round(statistics.median(wall["lattice"]) / statistics.median(wall["plain_blt"]), 4),
        "ratio_of_medians_cpu": round(statistics.median(cpu["lattice"]) / statistics.median(cpu["plain_blt"]), 4),
        "paired_ratios_wall": [round(p, 4) for p in pairs],
        "ratio_quiet_repeats": {
            "definition": f"repeats whose plain BLT step took at most {QUIET_FACTOR} x the fastest plain BLT step",
            "n": len(quiet),
            "median": round(statistics.median(quiet), 4) if quiet else None,
        },
        "ratio_loaded_repeats": {"n": len(loaded), "median": round(statistics.median(loaded), 4) if loaded else None},
        "growth_update": {
            "median_s": round(statistics.median(growth_s), 4),
            "events_on_a_copy": events,
            "steps_per_epoch": steps_per_epoch,
            "amortised_per_step_s": round(growth_per_step, 6),
            "first_step_after_change_s": round(statistics.median(first_step_s), 4),
            "second_step_after_change_s": round(statistics.median(second_step_s), 4),
            "change_cost_s": round(
                statistics.median(growth_s) + statistics.median(first_step_s) - statistics.median(second_step_s), 4
            ),
            "change_cost_definition": "window update + (first - second) training step after it "
            "(the recompilation with --compile); the dataset is neither copied nor reloaded",
        },
        "ratio_with_growth_amortised": round(ratio_with_growth, 4),
        "roofline": roofline,
        "channels_last": {
            "lattice_step_median_s": summary(wall["lattice_channels_last"])["median_s"],
            "ratio_to_nchw": round(paired_ratio(wall["lattice_channels_last"], wall["lattice"]), 4),
            "pays": paired_ratio(wall["lattice_channels_last"], wall["lattice"]) < 0.97,
        },
        "images_per_s": {
            "lattice": round(args.batch_size / statistics.median(wall["lattice"]), 1),
            "lattice_channels_last": round(args.batch_size / statistics.median(wall["lattice_channels_last"]), 1),
            "plain_blt": round(args.batch_size / statistics.median(wall["plain_blt"]), 1),
        },
        "profile": profile,
        "goal": GOAL,
        "goal_met": goal_met,
        "goal_met_cpu": ratio_cpu <= GOAL,
        "hardware": hardware(device, amp, args.compile),
        "code": code_state(
            ["neurogrow/model/lattice.py", "neurogrow/model/blt.py", "neurogrow/train/loop.py", "neurogrow/train/step.py"]
        ),
        "gpu_run": "made" if device.type == "cuda" else "not made: no GPU was available to this run",
        "notes": "",
    }
    result["notes"] = notes(result)
    write_json(path, result)
    print(f"lattice {result['wall']['lattice']['median_s']:.3f}s, plain BLT "
          f"{result['wall']['plain_blt']['median_s']:.3f}s, ratio {ratio:.3f} (cpu {ratio_cpu:.3f}; goal <= {GOAL}): "
          f"{'met' if goal_met else 'missed'}; wrote {path}")
    return 0


def notes(r: dict) -> str:
    """Plain-language reading of the result (filled in from the measured numbers)."""
    over = r["phase_overhead_wall_s"]
    total_over = r["wall"]["lattice"]["median_s"] - r["wall"]["plain_blt"]["median_s"]
    where = ", ".join(f"{p} {over[p] * 1000:+.1f} ms" for p in PHASES)
    quiet, loaded = r["ratio_quiet_repeats"], r["ratio_loaded_repeats"]
    text = (
        f"Lattice step {r['ratio']:.3f} x the plain BLT step (median of back-to-back pairs; CPU time "
        f"{r['ratio_cpu']:.3f} x; goal <= {r['goal']}), "
        f"{'met' if r['goal_met'] else 'missed by ' + format(r['ratio'] - r['goal'], '.3f') + ' x'}. "
        f"Difference of the medians {total_over * 1000:+.1f} ms per step, by phase: {where}. "
        f"The once-per-epoch window update adds {r['growth_update']['amortised_per_step_s'] * 1000:.2f} ms per step "
        f"amortised (ratio {r['ratio_with_growth_amortised']:.3f}). "
    )
    if loaded["n"] and quiet["n"]:
        text += (
            "The ratio depends on the load from other processes on this shared 2-core machine: "
            f"{quiet['n']} quiet repeats gave {quiet['median']:.3f} x, {loaded['n']} repeats slowed by other "
            f"processes gave {loaded['median']:.3f} x. "
        )
    else:
        text += f"All {quiet['n'] + loaded['n']} repeats ran at a similar machine load. "
    if r["profile"]:
        # ops run equally often in both models (the convolutions) do the same work: their time
        # difference is noise; the lattice's extra work is in the ops it calls more often
        top = [
            d for d in r["profile"]["top_differences"] if d["difference_ms"] > 0 and d["lattice_calls"] > d["plain_blt_calls"]
        ][:4]
        text += (
            "Where the extra time goes (torch.profiler, self time per step of the ops the lattice calls more often): "
            + ", ".join(
                f"{d['op']} {d['difference_ms']:+.0f} ms ({d['lattice_calls']:.0f} vs {d['plain_blt_calls']:.0f} calls)"
                for d in top
            )
            + ". The convolutions, which carry nearly all FLOPs, are the same in both models; the lattice adds per "
            "layer and step a channel-gate multiply, a readout from every layer (not only the top) scaled by its "
            "depth gate, and the halting distribution, i.e. several times as many small kernels and their gradient "
            "reductions."
        )
        if loaded["n"]:
            text += (
                " When other processes hold the cores each small multi-threaded kernel also waits for its threads "
                "to be scheduled, so the overhead grows with the number of kernels rather than their FLOPs."
            )
    if r["code"]["modified_vs_commit"]:
        text += f" Measured with uncommitted changes to {', '.join(r['code']['modified_vs_commit'])}."
    return text


if __name__ == "__main__":
    sys.exit(main())
