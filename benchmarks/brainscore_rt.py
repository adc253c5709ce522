"""Score the shipped neurogrow models on the Geirhos2021 solution-time RT benchmarks (Brain-Score plugin).

For each model (adaptive halting; fixed time; time disabled, T = 1; plain BLT of fixed window and
fixed time) scores the group ``Geirhos2021-solution_time_rt`` (the benchmarks
``Geirhos2021edge-solution_time_rt`` and ``Geirhos2021silhouette-solution_time_rt``, mean of their
scores; the model-agnostic solution time read from the time-binned IT responses by the
``solution_time_rt`` metric) and records the ceiled score and, per dataset, the raw Spearman
correlation, the split-half ceiling, the ceiled score and its bootstrap error. The data are the
offline stand-ins of Brain-Score's ``Geirhos2021_edge`` / ``_silhouette`` (the same trials).
Runs on CPU, offline, in a few minutes.
Writes ``benchmarks/results/brainscore/geirhos2021_solution_time_rt.json`` (refuses to overwrite
without ``--overwrite``).

    python benchmarks/brainscore_rt.py [--overwrite] [--out FILE]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODELS = [
    "neurogrow-blt-cifar10-adaptive",
    "neurogrow-blt-cifar10-fixed-time",
    "neurogrow-blt-cifar10-one-step",
    "neurogrow-blt-cifar10-plain",
]
BENCHMARK = "Geirhos2021-solution_time_rt"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "brainscore" / "geirhos2021_solution_time_rt.json"))
    ap.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        print(f"{out} exists; pass --overwrite to replace it", file=sys.stderr)
        return 2

    os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
    os.environ.setdefault("RESULTCACHING_DISABLE", "1")
    import torch
    from tqdm import tqdm

    import neurogrow.brainscore as nb
    from neurogrow.brainscore.timing import ONSET_MS, STEP_MS
    from neurogrow.cli.brainscore import format_result, result_dict
    from neurogrow.outputs import write_json

    results = []
    t0 = time.perf_counter()
    for model_id in tqdm(MODELS, desc="models"):
        candidate = nb.load_model(model_id)
        start = time.perf_counter()
        entry = result_dict(nb.score_candidate(candidate, BENCHMARK))
        entry["seconds"] = round(time.perf_counter() - start, 2)
        entry["model_window"] = candidate.model.window
        entry["model_checksum"] = candidate.model.checksum
        results.append(entry)
        tqdm.write(format_result(entry))
    result = {
        "description": "Shipped neurogrow models on the Geirhos2021 solution-time reaction-time benchmarks "
        "(score = Spearman(model solution time, human mean log RT per image) / split-half ceiling, bounded to [0, 1]; "
        "error = SD of that ratio over a subjects x images bootstrap; per dataset (benchmarks Geirhos2021edge-solution_time_rt, "
        "Geirhos2021silhouette-solution_time_rt), then averaged over the group Geirhos2021-solution_time_rt). "
        "Model RT: solution time of cross-validated IT decoders (metric solution_time_rt; see docs/brainscore.md).",
        "command": "python benchmarks/brainscore_rt.py",
        "step_to_ms": {"onset_ms": ONSET_MS, "step_ms": STEP_MS},
        "results": results,
        "seconds": round(time.perf_counter() - t0, 2),
        "environment": {
            "neurogrow": version("neurogrow"),
            "brainscore_vision": version("brainscore-vision"),
            "torch": torch.__version__,
            "device": "cpu",
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
    }
    write_json(out, result)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
