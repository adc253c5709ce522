"""``neurogrow brainscore``: score neurogrow models on Brain-Score benchmarks, offline.

``neurogrow brainscore score --model ID --benchmark ID [--json FILE]`` prints the ceiled score,
the raw score and the ceiling (per experiment where a benchmark has several);
``neurogrow brainscore list`` names the registered models and benchmarks.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from neurogrow.errors import NeurogrowError
from neurogrow.outputs import write_json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "brainscore",
        help="score neurogrow models on Brain-Score benchmarks (offline)",
        description="Brain-Score integration: neurogrow models as Brain-Score models and the Geirhos 2019 "
        "reaction-time benchmark. Needs the brainscore extra (pip install neurogrow[brainscore]).",
    )
    sub = p.add_subparsers(dest="brainscore_command", metavar="ACTION")
    s = sub.add_parser("score", help="score a model on a benchmark and print the score with its ceiling")
    s.add_argument("--model", required=True, metavar="ID", help="model identifier (see `neurogrow brainscore list`) or a neurogrow model file")
    s.add_argument("--benchmark", required=True, metavar="ID", help="benchmark identifier (see `neurogrow brainscore list`)")
    s.add_argument("--json", metavar="FILE", help="also write the result as JSON (refuses to overwrite without --overwrite)")
    s.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    s.set_defaults(func=run)
    ls = sub.add_parser("list", help="list the registered model and benchmark identifiers")
    ls.set_defaults(func=run)
    p.set_defaults(func=run, _parser=p)


def _import():
    try:
        import neurogrow.brainscore as nb
    except ImportError as exc:
        raise NeurogrowError(f"Brain-Score is not installed ({exc}); install the extra: pip install 'neurogrow[brainscore]'") from None
    return nb


def _number(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def result_dict(score) -> dict:
    """The JSON form of a benchmark's Score: model, benchmark, score, raw, ceiling, per experiment."""
    raw = score.attrs["raw"]
    ceiling = score.attrs["ceiling"]
    out = {
        "model": score.attrs["model_identifier"],
        "benchmark": score.attrs["benchmark_identifier"],
        "rt_source": score.attrs.get("rt_source"),
        "score": _number(score),
    }
    if "experiment" in raw.dims:
        per = {}
        for e in raw["experiment"].values:
            per[str(e)] = {
                "raw": _number(raw.sel(experiment=e)),
                "ceiling": _number(ceiling.sel(experiment=e)),
                "score": _number(score.attrs["experiment_scores"][str(e)]),
                "ceiling_ci95": ceiling.attrs["ci95"][str(e)],
            }
        out["per_experiment"] = per
    else:
        out.update({"raw": _number(raw), "ceiling": _number(ceiling), "ceiling_ci95": ceiling.attrs.get("ci95")})
    if "per_image" in score.attrs:
        out["n_images"] = len(score.attrs["per_image"])
    if "note" in score.attrs:
        out["note"] = score.attrs["note"]
    return out


def format_result(result: dict) -> str:
    """Lines for the terminal: the score, and raw and ceiling per experiment."""

    def num(v) -> str:
        return "nan" if v is None else f"{v:.3f}"

    lines = [f"{result['benchmark']} on {result['model']} (model reaction times: {result.get('rt_source') or 'n/a'})"]
    rows = result.get("per_experiment") or {"": {k: result.get(k) for k in ("raw", "ceiling", "score")}}
    lines.append(f"{'experiment':12s}{'raw':>8s}{'ceiling':>9s}{'score':>8s}")
    for name, r in rows.items():
        lines.append(f"{name or '-':12s}{num(r['raw']):>8s}{num(r['ceiling']):>9s}{num(r['score']):>8s}")
    lines.append(f"score {num(result['score'])}" + (" (mean over experiments)" if result.get("per_experiment") else ""))
    if result.get("note"):
        lines.append(f"note: {result['note']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "brainscore_command", None)
    if action is None:
        args._parser.print_help()
        return 0
    from neurogrow.progress import status

    status("importing Brain-Score (a few seconds)")
    nb = _import()
    if action == "list":
        print("models:     " + ", ".join(nb.model_ids()))
        print("benchmarks: " + ", ".join(nb.benchmark_ids()))
        return 0
    out = Path(args.json) if args.json else None
    if out is not None and out.exists() and not args.overwrite:
        raise NeurogrowError(f"{out} exists; pass --overwrite to replace it")
    status(f"scoring {args.model} on {args.benchmark}: model forward passes, then the benchmark's statistics")
    result = result_dict(nb.score(args.model, args.benchmark))
    print(format_result(result))
    if out is not None:
        write_json(out, result)
        print(f"wrote {out}")
    return 0
