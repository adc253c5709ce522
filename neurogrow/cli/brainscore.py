"""``neurogrow brainscore``: score neurogrow models on Brain-Score benchmarks, offline.

``neurogrow brainscore score --model ID --benchmark ID [--json FILE]`` prints the ceiled score,
its error, the raw score and the ceiling (per benchmark for a group such as
``Geirhos2021-solution_time_rt``); the data are Brain-Score's ``Geirhos2021_edge`` /
``Geirhos2021_silhouette``, built offline from the shipped trials (:mod:`neurogrow.brainscore.standin`).
The command sets ``BS_INSTALL_DEPENDENCIES=no`` and ``RESULTCACHING_DISABLE=1`` unless they are set:
it installs nothing and caches nothing.
``neurogrow brainscore list`` names the registered models, benchmarks and groups;
``neurogrow brainscore bundle --out DIR`` writes the plugin folders as they go into
brain-score/vision (:mod:`neurogrow.brainscore.bundle`).
"""
from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from neurogrow.errors import NeurogrowError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "brainscore",
        help="score neurogrow models on Brain-Score benchmarks (offline)",
        description="Brain-Score integration: neurogrow models as Brain-Score models and the Geirhos2021 "
        "reaction-time benchmarks. Needs the brainscore extra (pip install neurogrow[brainscore]).",
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
    b = sub.add_parser(
        "bundle",
        help="write the plugin folders (models/, benchmarks/, data/, metrics/) as they go into brain-score/vision",
    )
    b.add_argument("--out", required=True, metavar="DIR", help="folder to write (its brainscore_vision/ subfolders)")
    b.add_argument("--overwrite", action="store_true", help="replace plugin folders that exist in DIR")
    b.set_defaults(func=run)
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


def _entry(score) -> dict:
    raw, ceiling = score.attrs["raw"], score.attrs["ceiling"]
    return {
        "raw": _number(raw),
        "ceiling": _number(ceiling),
        "score": _number(score),
        "error": _number(score.attrs["error"]) if "error" in score.attrs else None,
        "ceiling_error": _number(ceiling.attrs["error"]) if "error" in ceiling.attrs else None,
    }


def result_dict(score) -> dict:
    """The JSON form of a benchmark's Score: model, benchmark, score, raw, ceiling (per benchmark of a group)."""
    out = {
        "model": score.attrs["model_identifier"],
        "benchmark": score.attrs["benchmark_identifier"],
        "score": _number(score),
    }
    if "members" in score.attrs:
        out["per_experiment"] = {
            m.attrs.get("dataset", name): {"benchmark": name, **_entry(m)} for name, m in score.attrs["members"].items()
        }
    else:
        out.update(_entry(score))
    if "per_image" in score.attrs:
        out["n_images"] = len(score.attrs["per_image"])
    if "note" in score.attrs:
        out["note"] = score.attrs["note"]
    return out


def format_result(result: dict) -> str:
    """Lines for the terminal: the score, and raw and ceiling per experiment."""

    def num(v) -> str:
        return "nan" if v is None else f"{v:.3f}"

    lines = [f"{result['benchmark']} on {result['model']}"]
    rows = result.get("per_experiment") or {"": {k: result.get(k) for k in ("raw", "ceiling", "score", "error")}}
    lines.append(f"{'dataset':12s}{'raw':>8s}{'ceiling':>9s}{'score':>8s}{'error':>8s}")
    for name, r in rows.items():
        lines.append(f"{name or '-':12s}{num(r['raw']):>8s}{num(r['ceiling']):>9s}{num(r['score']):>8s}{num(r.get('error')):>8s}")
    lines.append(f"score {num(result['score'])}" + (" (mean over the group's benchmarks)" if result.get("per_experiment") else ""))
    if result.get("note"):
        lines.append(f"note: {result['note']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "brainscore_command", None)
    if action is None:
        args._parser.print_help()
        return 0
    if action == "bundle":
        from neurogrow.brainscore.bundle import write_bundle

        written = write_bundle(args.out, overwrite=args.overwrite)
        for path in written:
            print(f"wrote {path}")
        return 0
    from neurogrow.progress import status

    # offline: no plugin requirements installed, nothing cached under ~/.result_caching (the caller's settings win)
    os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
    os.environ.setdefault("RESULTCACHING_DISABLE", "1")
    status("importing Brain-Score (a few seconds)")
    nb = _import()
    if action == "list":
        print("models:     " + ", ".join(nb.model_ids()))
        print("benchmarks: " + ", ".join(nb.benchmark_ids()))
        print("groups:     " + ", ".join(nb.group_ids()) + " (scored as the mean of their benchmarks)")
        return 0
    from neurogrow.overlap import refuse_overlap

    refuse_overlap(args.json, [("model file", args.model if Path(args.model).exists() else None)], "--json")
    out = Path(args.json) if args.json else None
    if out is not None and out.exists() and not args.overwrite:
        raise NeurogrowError(f"{out} exists; pass --overwrite to replace it")
    status(f"scoring {args.model} on {args.benchmark}: model forward passes, then the benchmark's statistics")
    result = result_dict(nb.score(args.model, args.benchmark))
    print(format_result(result))
    if out is not None:
        from neurogrow.outputs import write_json

        write_json(out, result)
        print(f"wrote {out}")
    return 0
