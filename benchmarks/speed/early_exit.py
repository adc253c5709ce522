"""Speed of early-exit inference against running every image to T (issue 8, benchmark a).

In one process, on the shipped adaptive model and the first N CIFAR-10 test images (default
2,560, batches of 256), times :func:`neurogrow.inference.run_early_exit` (an image leaves the
batch at its exit step) against :func:`neurogrow.inference.run_full_length` (every image runs all
T steps; the same halting rule picks the answer afterwards). The two are interleaved batch by
batch (full first on even batches of even repeats, early exit first otherwise), so that the
load of a shared machine falls on both alike; each repeat's time of a mode is the sum over its
batches, and the median over repeats is reported. Wall time is the goal's measure; the
process's CPU time is reported beside it, as it is less sensitive to other processes. Inputs are
converted to tensors before timing; one untimed pass over the first two batches warms both up.

Goal: early-exit time / full time <= 1.2 x (mean exit step / T). Also reported: FLOPs per image
of both (``neurogrow.inference.flops_per_step``), and whether both gave the same exit steps and
predictions. Writes ``benchmarks/results/speed/early_exit.json`` when run alone; ``run_all.py`` puts it into the one results file ``results.json``.

    python benchmarks/speed/early_exit.py [--images 2560] [--batch-size 256] [--repeats 3] [--threads 2] [--overwrite]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import interleaved_times, roofline_kernels, roofline_report  # noqa: E402

from neurogrow import load_model  # noqa: E402
from neurogrow.data import load_dataset  # noqa: E402
from neurogrow.inference import flops_per_step, run_early_exit, run_full_length  # noqa: E402
from neurogrow.model.inputs import to_input  # noqa: E402
from neurogrow.outputs import write_json  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def timed(fn, x) -> tuple[float, float, object]:
    """Wall and CPU seconds of ``fn(x)``, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(x)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="blt-cifar10-adaptive")
    ap.add_argument("--images", type=int, default=2560)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "speed" / "early_exit.json"))
    ap.add_argument("--overwrite", action="store_true", help="replace an existing results file")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        print(f"{out} exists; pass --overwrite to replace it", file=sys.stderr)
        return 2

    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    data = load_dataset("cifar10", "test")
    n = min(args.images, len(data))
    images = torch.from_numpy(data.images[:n])
    batches = [to_input(images[i : i + args.batch_size], model.config) for i in range(0, n, args.batch_size)]
    step_flops = flops_per_step(model)
    T = model.steps

    def early(x):
        return run_early_exit(model, x, args.threshold, step_flops=step_flops)

    def full(x):
        return run_full_length(model, x, args.threshold, step_flops=step_flops)

    for x in batches[:2]:
        early(x), full(x)
    load_start = os.getloadavg()
    modes = {"full": full, "early": early}
    times = {name: [] for name in modes}
    cpu_times = {name: [] for name in modes}
    outputs = {name: [None] * len(batches) for name in modes}
    for r in range(args.repeats):
        wall = dict.fromkeys(modes, 0.0)
        cpu = dict.fromkeys(modes, 0.0)
        for b, x in enumerate(batches):
            order = ["full", "early"] if (r + b) % 2 == 0 else ["early", "full"]
            for name in order:
                w, c, outputs[name][b] = timed(modes[name], x)
                wall[name] += w
                cpu[name] += c
        for name in modes:
            times[name].append(wall[name])
            cpu_times[name].append(cpu[name])
        print(f"repeat {r + 1}/{args.repeats}: full {wall['full']:7.2f} s, early exit {wall['early']:7.2f} s (wall)", flush=True)
    load_end = os.getloadavg()

    exit_early = torch.cat([o.exit_step for o in outputs["early"]])
    exit_full = torch.cat([o.exit_step for o in outputs["full"]])
    pred_early = torch.cat([o.prediction for o in outputs["early"]])
    pred_full = torch.cat([o.prediction for o in outputs["full"]])
    flops_early = torch.cat([o.flops for o in outputs["early"]]).double()
    flops_full = torch.cat([o.flops for o in outputs["full"]]).double()
    labels = torch.from_numpy(data.labels[:n])

    mean_exit = exit_early.double().mean().item()
    time_full = statistics.median(times["full"])
    time_early = statistics.median(times["early"])
    ratio = time_early / time_full
    goal_ratio = 1.2 * mean_exit / T
    result = {
        "benchmark": "early-exit inference vs full length (issue 8 a)",
        "hardware": {
            "cpu_model": cpu_model(),
            "cores": os.cpu_count(),
            "torch_version": torch.__version__,
            "threads": torch.get_num_threads(),
            "load_average_1min_start": round(load_start[0], 2),
            "load_average_1min_end": round(load_end[0], 2),
        },
        "model": args.model,
        "threshold": args.threshold,
        "n_images": n,
        "batch_size": args.batch_size,
        "repeats": args.repeats,
        "mean_exit_step": mean_exit,
        "T": T,
        "time_full_s": time_full,
        "time_early_s": time_early,
        "times_full_s": times["full"],
        "times_early_s": times["early"],
        "time_full_per_image_ms": 1e3 * time_full / n,
        "time_early_per_image_ms": 1e3 * time_early / n,
        "ratio": ratio,
        "cpu_time_full_s": statistics.median(cpu_times["full"]),
        "cpu_time_early_s": statistics.median(cpu_times["early"]),
        "cpu_ratio": statistics.median(cpu_times["early"]) / statistics.median(cpu_times["full"]),
        "goal_ratio": goal_ratio,
        "goal_met": bool(ratio <= goal_ratio),
        "flops_per_step": [int(f) for f in step_flops],
        "flops_full_per_image": flops_full.mean().item(),
        "flops_early_per_image": flops_early.mean().item(),
        "flops_ratio": (flops_early.mean() / flops_full.mean()).item(),
        "same_exit_steps": bool(torch.equal(exit_early, exit_full)),
        "same_predictions": bool(torch.equal(pred_early, pred_full)),
        "accuracy": (pred_early == labels).double().mean().item(),
    }
    # roofline: one batch of each mode timed in one interleaved loop with the machine's dense
    # matmul and 3x3 convolution. to_input's tensors are channels_last already (a permuted
    # NHWC image batch); full length is also timed with the same batch made NCHW-contiguous.
    xb = batches[0].contiguous(memory_format=torch.channels_last)
    xb_nchw = batches[0].contiguous()
    flops_b = {"full": full(xb).flops.double().sum().item(), "early": early(xb).flops.double().sum().item()}
    kernels = roofline_kernels(torch.device("cpu"))
    rtimes = interleaved_times(
        {
            "full": lambda: full(xb),
            "full_nchw": lambda: full(xb_nchw),
            "early": lambda: early(xb),
            **{k: fn for k, (fn, _) in kernels.items()},
        },
        repeats=max(3, args.repeats),
        warmup=1,
        device=torch.device("cpu"),
    )
    result["roofline"] = roofline_report(
        rtimes, kernels, {"full": flops_b["full"], "full_nchw": flops_b["full"], "early": flops_b["early"]}
    )
    cl_ratio = statistics.median(a / b for a, b in zip(rtimes["full"]["wall"], rtimes["full_nchw"]["wall"]))
    result["channels_last"] = {
        "full_length_ratio_to_nchw": round(cl_ratio, 4),
        "pays": cl_ratio < 0.97,
        "note": "inference inputs (neurogrow.model.inputs.to_input) are channels_last already",
    }
    result["images_per_s"] = {
        k: round(len(xb) / statistics.median(rtimes[k]["wall"]), 1) for k in ("full", "full_nchw", "early")
    }
    result["command"] = "python benchmarks/speed/early_exit.py " + " ".join(argv or sys.argv[1:])
    write_json(out, result)
    print(json.dumps({k: result[k] for k in ("mean_exit_step", "time_full_s", "time_early_s", "ratio", "goal_ratio", "goal_met", "cpu_ratio", "flops_ratio")}, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
