"""``neurogrow sweep``: train a grid of configs and seeds, locally or on Slurm, and collect the results."""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

#: Command-line flags of the Slurm options, by SlurmOptions field.
SLURM_FLAGS = {
    "partition": "--partition",
    "gpus_per_node": "--gpus-per-node",
    "cpus_per_task": "--cpus-per-task",
    "time": "--time",
    "mem": "--mem",
    "account": "--account",
    "qos": "--qos",
}


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="train a grid of config overrides and seeds, locally or on Slurm, and collect one results table",
        description="Expand SWEEP_FILE (see docs/sweeps.md) into runs under DIR/runs/, train the runs that are "
        "not finished (resuming interrupted ones), and write every run's final metrics to DIR/results.csv "
        "and DIR/results.json. Invoking it again skips finished runs.",
    )
    p.add_argument("sweep_file", metavar="SWEEP_FILE", help="sweep file (.toml, .yaml or .yml)")
    p.add_argument("--out", required=True, metavar="DIR", help="sweep output directory")
    p.add_argument(
        "--executor",
        choices=("local", "slurm"),
        default="local",
        help="local: worker processes on this machine (waits for them); slurm: submit one job array and return "
        "(default: local)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="runs at once: worker processes (local, default 1) or running array tasks (slurm, default unbounded)",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--collect", action="store_true", help="only write the results table of the runs as they are")
    what.add_argument("--dry-run", action="store_true", help="list the runs, their status and what would be done")
    p.add_argument("--resubmit", action="store_true", help="also run runs still marked as submitted to Slurm")
    p.add_argument("--overwrite", action="store_true", help="DIR may hold a sweep of another name (its runs are kept)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    slurm = p.add_argument_group("Slurm options (override the sweep file's [slurm] table)")
    slurm.add_argument("--partition", help="partition")
    slurm.add_argument(
        "--gpus-per-node", type=int, metavar="N", help="GPUs per run (> 1: data-parallel, one task per GPU)"
    )
    slurm.add_argument("--cpus-per-task", type=int, metavar="N", help="CPU cores per task")
    slurm.add_argument("--time", metavar="T", help="time limit per run: minutes or D-HH:MM:SS (default 1 day)")
    slurm.add_argument("--mem", metavar="M", help="memory per run, e.g. 32G")
    slurm.add_argument("--account", help="account to charge")
    slurm.add_argument("--qos", help="quality of service")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neurogrow.errors import ConfigError
    from neurogrow.overlap import refuse_overlap
    from neurogrow.sweep import SlurmOptions, collect_sweep, load_sweep, plan, run_sweep

    refuse_overlap(args.out, [("sweep file", args.sweep_file)])
    spec = load_sweep(args.sweep_file)
    out = Path(args.out)
    flags = {field: getattr(args, field) for field in SLURM_FLAGS}
    if args.executor != "slurm":
        given = [SLURM_FLAGS[k] for k, v in flags.items() if v is not None]
        if given:
            raise ConfigError(f"{', '.join(given)} only apply to --executor slurm")
    if args.dry_run:
        planned = plan(spec, out, args.resubmit)
        action = "submit" if args.executor == "slurm" else "run"
        for run_, status, todo in planned:
            print(f"{run_.id}\t{status}\t{action if todo else 'skip'}")
        print(f"{len(planned)} runs, {sum(todo for _, _, todo in planned)} to {action}")
        return 0
    if args.collect:
        records = collect_sweep(spec, out)
        _print_summary(records, out)
        return 0
    slurm = None
    if args.executor == "slurm":
        slurm = SlurmOptions.from_mapping(spec.slurm, f"sweep file {spec.path} [slurm]").merged(flags)
    outcome = run_sweep(
        spec,
        out,
        executor=args.executor,
        jobs=args.jobs,
        slurm=slurm,
        resubmit=args.resubmit,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    if outcome.submitted:
        jobs = sorted({job.split("_")[0] for job in outcome.submitted.values()})
        print(
            f"submitted {len(outcome.submitted)} runs as Slurm job {', '.join(jobs)} (logs in {out / 'slurm'}); "
            f"collect later with: neurogrow sweep {args.sweep_file} --out {out} --collect"
        )
    for run_id, error in outcome.failed.items():
        print(f"run {run_id} failed: {error}")
    _print_summary(outcome.records, out)
    return 1 if outcome.failed else 0


def _print_summary(records: list[dict], out: Path) -> None:
    counts = Counter(r["status"] for r in records)
    states = ", ".join(f"{n} {status}" for status, n in counts.items())
    print(f"{len(records)} runs: {states}; results in {out / 'results.csv'} and {out / 'results.json'}")
