"""Score the shipped neurogrow models on the Geirhos 2019 reaction-time benchmark (Brain-Score plugin).

For each model (adaptive halting; fixed time; time disabled, T = 1; plain BLT of fixed window and
fixed time) and each reaction-time source (``decoding``, the benchmarks' default: the
model-agnostic solution time read from the time-binned IT responses by the ``solution_time_rt``
metric; ``native``: the model's own halting time), scores the group ``Geirhos2019-rt`` (the
benchmarks ``Geirhos2019edge-rt`` and ``Geirhos2019silhouette-rt``, mean of their scores) and
records the ceiled score and, per experiment, the raw Spearman correlation, the split-half ceiling
and the ceiled score. Runs on CPU, offline, in about three minutes.
Writes ``benchmarks/results/brainscore/geirhos2019_rt.json`` (refuses to overwrite without
``--overwrite``).

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
BENCHMARK = "Geirhos2019-rt"
RT_SOURCES = ["decoding", "native"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "brainscore" / "geirhos2019_rt.json"))
    ap.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        print(f"{out} exists; pass --overwrite to replace it", file=sys.stderr)
        return 2

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
        for rt_source in RT_SOURCES:
            start = time.perf_counter()
            entry = result_dict(nb.score_candidate(candidate, BENCHMARK, rt_source))
            entry["seconds"] = round(time.perf_counter() - start, 2)
            entry["model_window"] = candidate.model.window
            entry["model_checksum"] = candidate.model.checksum
            results.append(entry)
            tqdm.write(format_result(entry))
    result = {
        "description": "Shipped neurogrow models on the Geirhos et al. 2019 reaction-time benchmark "
        "(score = Spearman(model RT, human mean log RT per image) / split-half ceiling, bounded to [0, 1]; "
        "per experiment (benchmarks Geirhos2019edge-rt, Geirhos2019silhouette-rt), then averaged over the group Geirhos2019-rt). "
        "rt_source decoding (the default): solution time of cross-validated IT decoders (metric solution_time_rt); "
        "native: the model's halting time E_pi[t] (see docs/brainscore.md).",
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
