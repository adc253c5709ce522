"""Shared helpers of the speed benchmarks: device set-up, hardware record, interleaved timing,
FLOP counting and writing results.

Timings of a candidate and its baseline are interleaved within one loop (the order
alternating between repeats) so that load from other processes on a shared machine
hits both alike; each measurement is synchronised on CUDA and the median of the
repeats is reported.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from neurogrow.outputs import write_json  # noqa: F401  (re-exported for the scripts)

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "speed"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from neurogrow.errors import NeurogrowError  # noqa: E402


def add_device_args(ap: argparse.ArgumentParser, default_threads: int = 2) -> None:
    """``--device``, ``--amp``, ``--compile``, ``--threads``, ``--out`` and ``--overwrite``."""
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where to run (default: cpu)")
    ap.add_argument("--amp", action="store_true", help="bfloat16 autocast (CUDA only)")
    ap.add_argument("--compile", action="store_true", help="torch.compile the models (CUDA only)")
    ap.add_argument("--threads", type=int, default=default_threads, help="CPU threads (default: %(default)s)")
    ap.add_argument("--out", default=None, help="results JSON (default: benchmarks/results/speed/<name>.json)")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing results file")


def setup_device(args: argparse.Namespace) -> torch.device:
    """Set the thread count and check the device flags; returns the device."""
    torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise NeurogrowError("--device cuda given but no CUDA device is available")
    if args.device == "cpu" and (args.amp or args.compile):
        raise NeurogrowError("--amp and --compile are for --device cuda (they do not help on this CPU path)")
    if args.device == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    return torch.device(args.device)


def out_path(args: argparse.Namespace, name: str) -> Path:
    """The results file; refuses an existing one without ``--overwrite``."""
    path = Path(args.out) if args.out else RESULTS / f"{name}.json"
    if path.exists() and not args.overwrite:
        raise NeurogrowError(f"{path} exists; pass --overwrite to replace it")
    return path


def hardware(device: torch.device, amp: bool = False, compiled: bool = False) -> dict:
    """What the numbers were measured on."""
    cpu_model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "device": str(device),
        "cpu_model": cpu_model,
        "cpu_cores": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "amp_bf16": amp,
        "torch_compile": compiled,
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    return info


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def interleaved_times(
    fns: dict[str, Callable[[], object]],
    repeats: int,
    warmup: int,
    device: torch.device,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, list[float]]]:
    """Wall and process CPU time of each callable, measured ``repeats`` times in an interleaved loop.

    Each callable first runs ``warmup`` times untimed (interleaved too). In repeat r the
    callables run in their given order for even r and in reverse order for odd r. The
    process CPU time (all threads) is the less noisy measure on a CPU shared with other
    processes: it counts the work done, not the time spent waiting for a core.

    Returns
    -------
    dict
        Name -> {"wall": seconds per repeat, "cpu": CPU seconds per repeat}.
    """
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            fns[name]()
        synchronize(device)
    times: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in names}
    for r in range(repeats):
        for name in names if r % 2 == 0 else reversed(names):
            synchronize(device)
            t0, c0 = time.perf_counter(), time.process_time()
            fns[name]()
            synchronize(device)
            times[name]["wall"].append(time.perf_counter() - t0)
            times[name]["cpu"].append(time.process_time() - c0)
        if progress is not None:
            progress(
                f"repeat {r + 1}/{repeats}: "
                + ", ".join(f"{n}={times[n]['wall'][-1]:.3f}s (cpu {times[n]['cpu'][-1]:.3f}s)" for n in names)
            )
    return times


def paired_ratio(a: list[float], b: list[float]) -> float:
    """Median over repeats of a[r] / b[r] (pairs measured back to back)."""
    return statistics.median(x / y for x, y in zip(a, b))


def summary(seconds: list[float]) -> dict:
    """Median, min, max and all values of a list of timings (seconds, rounded to 0.1 ms)."""
    return {
        "median_s": round(statistics.median(seconds), 4),
        "min_s": round(min(seconds), 4),
        "max_s": round(max(seconds), 4),
        "all_s": [round(s, 4) for s in seconds],
    }


def count_flops(fn: Callable[[], object]) -> int:
    """Floating-point operations of one call, as counted by ``torch.utils.flop_counter``
    (convolutions and matrix products; elementwise ops, normalisation and pooling are not
    counted)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


def code_state(paths: list[str]) -> dict:
    """The git commit measured and which of ``paths`` (relative to the repository) differ from it."""
    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, check=True).stdout.rstrip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    status = git("status", "--porcelain", "--", *paths)
    return {"git_commit": git("rev-parse", "HEAD") or None, "modified_vs_commit": [line[3:] for line in status.splitlines()]}



# ------------------------------------------------------------------------ roofline
def roofline_kernels(device: torch.device, matmul_size: int | None = None) -> dict[str, tuple[Callable[[], object], int]]:
    """The machine's reference kernels, each with its FLOPs per call: a dense square matmul
    and a 3x3 convolution of the size the lattice's upper layers run (batch 64, 128 -> 128
    channels, 16 x 16), in NCHW and in channels_last. fp32 on a CPU; fp32 and bf16 on a GPU.

    Timed in the same loop as a benchmark's model figures (:func:`interleaved_times`), they
    give each figure's fraction of what the hardware does on dense work under the same load.
    """
    n = matmul_size or (2048 if device.type == "cpu" else 8192)
    gen = torch.Generator().manual_seed(0)
    dtypes = [torch.float32] + ([torch.bfloat16] if device.type == "cuda" else [])
    kernels: dict[str, tuple[Callable[[], object], int]] = {}
    for dtype in dtypes:
        tag = "fp32" if dtype == torch.float32 else "bf16"
        a = torch.randn(n, n, generator=gen).to(device, dtype)
        b = torch.randn(n, n, generator=gen).to(device, dtype)
        kernels[f"matmul_{tag}"] = (lambda a=a, b=b: a @ b, 2 * n**3)
        batch, ch, hw = (64, 128, 16) if device.type == "cpu" else (512, 128, 16)
        x = torch.randn(batch, ch, hw, hw, generator=gen).to(device, dtype)
        w = torch.randn(ch, ch, 3, 3, generator=gen).to(device, dtype)
        conv_flops = 2 * batch * ch * ch * 9 * hw * hw
        kernels[f"conv3x3_{tag}"] = (lambda x=x, w=w: torch.nn.functional.conv2d(x, w, padding=1), conv_flops)
        xc = x.contiguous(memory_format=torch.channels_last)
        wc = w.contiguous(memory_format=torch.channels_last)
        kernels[f"conv3x3_{tag}_channels_last"] = (
            lambda x=xc, w=wc: torch.nn.functional.conv2d(x, w, padding=1),
            conv_flops,
        )
    return kernels


def roofline_report(
    times: dict[str, dict[str, list[float]]],
    kernels: dict[str, tuple[Callable[[], object], int]],
    figures: dict[str, int],
) -> dict:
    """Rates of the reference kernels and each model figure's fraction of them.

    Parameters
    ----------
    times
        From :func:`interleaved_times`, holding the kernels and the figures timed in one loop.
    kernels
        From :func:`roofline_kernels`.
    figures
        Name of a timed model figure -> FLOPs it performs per call.

    Returns
    -------
    dict
        ``kernels``: GFLOP/s of each reference kernel (median over repeats);
        ``figures``: per figure its GFLOP/s and, per kernel, the fraction of that kernel's
        rate (median over repeats of the ratio of rates measured back to back).
    """
    rates = {k: [f / t for t in times[k]["wall"]] for k, (_, f) in kernels.items()}
    out = {"kernels_gflops": {k: round(statistics.median(r) / 1e9, 2) for k, r in rates.items()}, "figures": {}}
    for name, flops in figures.items():
        fig_rates = [flops / t for t in times[name]["wall"]]
        out["figures"][name] = {
            "flops_per_call": int(flops),
            "gflops": round(statistics.median(fig_rates) / 1e9, 2),
            "fraction_of": {k: round(statistics.median(f / r for f, r in zip(fig_rates, rates[k])), 3) for k in kernels},
        }
    return out
