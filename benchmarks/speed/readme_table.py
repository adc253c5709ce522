"""Rewrite the README's performance table from ``benchmarks/results/speed/results.json``.

The table sits between the markers ``<!-- speed-table:start -->`` and
``<!-- speed-table:end -->`` of README.md; everything between them is replaced.

    python benchmarks/speed/readme_table.py [--results FILE] [--readme README.md] [--check]

``--check`` exits 1 (changing nothing) when the README's table is not the one the results give.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from neurogrow.errors import NeurogrowError
from neurogrow.outputs import replace_between, write_text

ROOT = Path(__file__).resolve().parents[2]
START, END = "<!-- speed-table:start -->", "<!-- speed-table:end -->"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f} %"


def _yes(flag) -> str:
    return {True: "yes", False: "no", None: "n/a"}[flag]


def table(r: dict) -> str:
    """The markdown table (with a hardware line) for a results dict."""
    rows = ["| figure | measured | goal | met |", "|---|---|---|---|"]
    hw = None
    ts = r.get("train_step")
    if ts:
        hw = ts["hardware"]
        roof = ts["roofline"]
        k = roof["kernels_gflops"]
        lat = roof["figures"]["lattice"]
        conv_best = max(k["conv3x3_fp32"], k["conv3x3_fp32_channels_last"])
        rows.append(
            f"| training step, shipped lattice (batch {ts['batch_size']}) | {ts['images_per_s']['lattice']:.0f} images/s = "
            f"{lat['gflops']:.0f} GFLOP/s: {_pct(lat['fraction_of']['matmul_fp32'])} of the fp32 matmul rate "
            f"({k['matmul_fp32']:.0f} GFLOP/s), {_pct(lat['fraction_of']['conv3x3_fp32'])} of the 3x3-conv rate "
            f"({k['conv3x3_fp32']:.0f} GFLOP/s; channels_last {k['conv3x3_fp32_channels_last']:.0f}) | "
            f"roofline reported | - |"
        )
        rows.append(
            f"| lattice step / plain BLT step of the same window | {ts['ratio']:.3f} | <= {ts['goal']} | {_yes(ts['goal_met'])} |"
        )
        cl = ts["channels_last"]
        rows.append(
            f"| training step with channels_last input / NCHW | {cl['ratio_to_nchw']:.3f} "
            f"({ts['images_per_s']['lattice_channels_last']:.0f} images/s) | < 0.97 to pay | {_yes(cl['pays'])} |"
        )
        g = ts["growth_update"]
        rows.append(
            f"| window change: re-allocate parameters + optimizer state, then the first training step | "
            f"{1000 * g['median_s']:.0f} ms update; first step after it {g['first_step_after_change_s']:.2f} s, "
            f"the next {g['second_step_after_change_s']:.2f} s (a compiled run recompiles in the first); "
            f"data neither copied nor reloaded | paid once per change | - |"
        )
        del conv_best
    ee = r.get("early_exit")
    if ee:
        line = (
            f"| early exit: time per image / running every image to T | {ee['ratio']:.3f} (mean exit step "
            f"{ee['mean_exit_step']:.2f} of {ee['T']}) | <= {ee['goal_ratio']:.3f} | {_yes(ee['goal_met'])} |"
        )
        rows.append(line)
        if "roofline" in ee:
            f = ee["roofline"]["figures"]
            rows.append(
                f"| inference, full length / early exit (batch {ee['batch_size']}) | "
                f"{ee['images_per_s']['full']:.0f} / {ee['images_per_s']['early']:.0f} images/s = "
                f"{_pct(f['full']['fraction_of']['matmul_fp32'])} / {_pct(f['early']['fraction_of']['matmul_fp32'])} "
                f"of the fp32 matmul rate (channels_last inputs, as `to_input` makes them); with an NCHW input "
                f"{ee['images_per_s']['full_nchw']:.0f} images/s "
                f"({_pct(f['full_nchw']['fraction_of']['matmul_fp32'])}) | roofline reported | - |"
            )
    gv = r.get("grown_vs_fixed")
    if gv:
        q = gv["ratios"]
        rows.append(
            f"| grown model / largest-window BLT, inference FLOPs (wall time) | {q['flops_grown_vs_largest']:.3f} "
            f"({q['wall_grown_vs_largest']:.3f}); accuracy gap to the trained fixed-window BLT "
            f"{q['accuracy_gap_reference_minus_grown']:+.4f} | <= 0.5, accuracy within 1 point | {_yes(gv.get('goal_met'))} |"
        )
    tta = r.get("time_to_accuracy")
    if tta and tta.get("test") is None:
        tta = None
    if tta:
        acc = tta["test"]["accuracy"]
        done = f"{tta['epochs_done']} of {tta['epochs_planned']} epochs" + ("" if tta["finished"] else " (unfinished)")
        per_epoch = ", ".join(f"{e['test_accuracy']:.3f}" for e in tta["per_epoch"] if e.get("test_accuracy") is not None)
        rows.append(
            f"| time to accuracy: 8-epoch recipe, CIFAR-10 test accuracy (10,000 images) | {acc:.4f} after {done}; "
            f"per epoch {per_epoch or 'n/a'}; SD of E[t] over images {tta['halting']['expected_steps_sd']:.2f} | "
            f">= {tta['goal']['accuracy']} in <= {tta['goal']['epochs']} epochs | {_yes(tta['goal_met'])} |"
        )
    gpu = r.get("gpu") or {}
    if not gpu.get("measured"):
        rows.append("| GPU training of the recipe (bf16, compiled, data on the device) | unmeasured: no GPU lent | <= 60 s on one H100/H200 | n/a |")
    head = ""
    if hw:
        head = (
            f"Hardware: {hw['cpu_model']}, {hw['torch_threads']} torch threads of {hw['cpu_cores']} cores, "
            f"torch {hw['torch']}, load average {hw['load_average_1min']:.1f} (a shared machine). "
            "Fractions are medians over repeats of the model's FLOP rate over the reference kernel's rate, "
            "measured back to back in one loop.\n\n"
        )
    return head + "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(ROOT / "benchmarks" / "results" / "speed" / "results.json"))
    ap.add_argument("--readme", default=str(ROOT / "README.md"))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    results_path, readme = Path(args.results), Path(args.readme)
    if not results_path.is_file():
        print(f"error: {results_path} does not exist; run benchmarks/speed/run_all.py first", file=sys.stderr)
        return 2
    text = readme.read_text()
    try:
        new = replace_between(text, START, END, table(json.loads(results_path.read_text())), where=str(readme))
    except NeurogrowError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.check:
        return 0 if new == text else 1
    write_text(readme, new)
    print(f"rewrote the table in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
