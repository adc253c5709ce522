"""Run the speed benchmarks and write their results to ONE file, from which the README's
performance table is generated (issue 18, item 5).

Sections of ``benchmarks/results/speed/results.json``:

* ``train_step``: one training step of the shipped lattice vs a plain BLT, with the roofline
  (matmul and 3x3-conv rates measured in the same loop), channels_last, and the cost of a
  window change (``train_step.py``);
* ``early_exit``: early-exit inference vs running every image to T, with the roofline
  (``early_exit.py``);
* ``grown_vs_fixed``: FLOPs and wall time of the grown model vs the largest-window BLT
  (``grown_vs_fixed.py``);
* ``time_to_accuracy``: the 8-epoch recipe's run (``time_to_accuracy.py RUN_DIR``);
* ``gpu``: whether a GPU figure was measured.

``--keep NAME`` carries a section over from the existing results file instead of rerunning
it (e.g. the slow ``grown_vs_fixed``); ``--time-to-accuracy RUN_DIR`` evaluates a run (without
it the section is kept). Afterwards ``python benchmarks/speed/readme_table.py`` rewrites the
README table.

    python benchmarks/speed/run_all.py [--keep grown_vs_fixed] [--time-to-accuracy runs/recipe-8-epochs] \
        [--quick] [--threads 2] [--device cpu]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import early_exit
import grown_vs_fixed
import time_to_accuracy
import train_step
from common import RESULTS, write_json

RESULTS_FILE = RESULTS / "results.json"
SECTIONS = ("train_step", "early_exit", "grown_vs_fixed", "time_to_accuracy")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", action="append", default=[], choices=SECTIONS, help="keep this section as it is")
    ap.add_argument("--time-to-accuracy", metavar="RUN_DIR", help="evaluate this run of the 8-epoch recipe")
    ap.add_argument("--quick", action="store_true", help="fewer repeats (for a loaded machine)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--out", default=str(RESULTS_FILE))
    args = ap.parse_args(argv)

    out = Path(args.out)
    old = json.loads(out.read_text()) if out.is_file() else {}
    results = {k: old.get(k) for k in SECTIONS}
    keep = set(args.keep) | ({"time_to_accuracy"} if not args.time_to_accuracy else set())
    gpu = ["--device", "cuda", "--amp", "--compile"] if args.device == "cuda" else []
    threads = ["--threads", str(args.threads)]
    commands = {
        "train_step": (train_step.main, threads + gpu + (["--repeats", "6", "--profile-steps", "0"] if args.quick else [])),
        "early_exit": (early_exit.main, threads + (["--repeats", "2", "--images", "1024"] if args.quick else [])),
        "grown_vs_fixed": (
            grown_vs_fixed.main,
            threads + gpu + (["--repeats", "3", "--time-images", "256"] if args.quick else []),
        ),
        "time_to_accuracy": (time_to_accuracy.main, [args.time_to_accuracy or "", *threads]),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in SECTIONS:
            if name in keep:
                legacy = RESULTS / f"{name}.json"  # the file the benchmark wrote before results.json existed
                if results[name] is None and legacy.is_file():
                    results[name] = json.loads(legacy.read_text())
                if results[name] is None and name in args.keep:
                    print(f"error: --keep {name}, but {out} has no such section", file=sys.stderr)
                    return 2
                continue
            fn, cli = commands[name]
            part = Path(tmp) / f"{name}.json"
            print(f"== {name}", flush=True)
            rc = fn([*cli, "--out", str(part)])
            if rc:
                print(f"error: {name} failed (exit {rc}); {out} not written", file=sys.stderr)
                return rc
            results[name] = json.loads(part.read_text())
            results[name]["command"] = results[name].get("command") or (
                f"python benchmarks/speed/{name}.py {' '.join(cli)}".strip()
            )
    results["gpu"] = {
        "measured": args.device == "cuda",
        "note": "GPU figures (training of the 8-epoch recipe with --set compile='cudagraphs', bf16, data on "
        "the device) are unmeasured: no GPU was lent to this project's sessions since the code path was "
        "written; it is tested on the CPU (tests/test_train.py)."
        if args.device != "cuda"
        else "measured with --device cuda --amp --compile",
    }
    write_json(out, results)
    print(f"wrote {out}; now run: python benchmarks/speed/readme_table.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
