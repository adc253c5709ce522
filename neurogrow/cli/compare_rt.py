"""``neurogrow compare-rt MODEL_TIMES HUMAN --out DIR``: model halting times vs human reaction times.

With no arguments, or ``--demo``, it runs the shipped model on the Geirhos et al. (2019) edge and
silhouette stimuli in ``human_data/`` and prints the comparison (:func:`run_demo`).
"""
from __future__ import annotations

import argparse
import sys

from neurogrow.errors import NeurogrowError


def add_parser(subparsers) -> argparse.ArgumentParser:
    from neurogrow.rt import MEASURES, MODEL_TIME_COLUMNS

    p = subparsers.add_parser(
        "compare-rt",
        help="correlate model halting times with human reaction times per image",
        description="Compare model halting times with human reaction times (or human difficulty) per image: "
        "Spearman/Pearson with bootstrap CIs, permutation p, split-half noise ceiling, within-category "
        "analysis and a mixed model. With no arguments (or --demo) runs the shipped demo.",
    )
    p.add_argument("model_times", nargs="?", metavar="MODEL_TIMES", help="extract HDF5 file, or CSV with columns stimulus,model_time")
    p.add_argument(
        "human",
        nargs="?",
        metavar="HUMAN",
        help="folder of Geirhos et al. 2019 trial CSVs, long CSV (subject,stimulus,rt[,correct,category]; other names: --columns), "
        "CIFAR-10H per-trial CSV, or CIFAR-10H counts .npy",
    )
    p.add_argument(
        "--columns",
        metavar="NAME=COLUMN,...",
        help="HUMAN is a long-format CSV with its own column names: which column holds each of subject, stimulus, rt "
        "(and optional correct, category, response), e.g. --columns subject=participant,stimulus=image,rt=reaction_time",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (summary.json, per_image.csv, report.md, figures)")
    p.add_argument("--measure", choices=MEASURES, default=None, help="per-image human measure (default: mean_log_rt; entropy for counts)")
    p.add_argument("--correct-only", action="store_true", help="use correct trials only for the RT measure")
    p.add_argument("--model-time", choices=MODEL_TIME_COLUMNS, default="expected_steps", help="HDF5 input: which model time (default expected_steps)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap samples (default 1000)")
    p.add_argument("--n-splits", type=int, default=100, help="random split-halves for the noise ceiling (default 100)")
    p.add_argument("--n-perm", type=int, default=10000, help="permutations for the p-value (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--labels", metavar="FILE", help="CIFAR-10H counts: true labels (.npy or CSV with a label column) for accuracy")
    p.add_argument("--allow-unmatched", action="store_true", help="analyse the stimuli common to both inputs instead of requiring a full match")
    p.add_argument("--no-mixed-model", action="store_true", help="skip the per-trial mixed models")
    p.add_argument(
        "--stimuli",
        metavar="DIR|CSV",
        help="the human experiment's images (a folder) or a manifest CSV stimulus,sha256, to prove that the model saw the same "
        "images (default: stimuli/<set> beside a Geirhos raw-data/<experiment> folder; without either, stimuli are matched by name only)",
    )
    p.add_argument(
        "--baseline",
        metavar="FILE[:COLUMN]",
        action="append",
        default=[],
        help="another model's times (extract .h5 or CSV; COLUMN default expected_steps/model_time) to compare E[t] with; repeatable",
    )
    p.add_argument("--rt-unit", choices=("s", "ms"), default=None, help="unit of the human RTs (default: the format's: seconds; CIFAR-10H milliseconds); checked per file and subject")
    p.add_argument("--rt-max", type=float, default=None, metavar="S", help="exclude trials slower than S seconds (counted in summary.json); without it an RT above 60 s is an error")
    p.add_argument("--rt-min", type=float, default=None, metavar="S", help="exclude trials faster than S seconds (counted in summary.json)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing non-empty output folder")
    p.add_argument("--demo", action="store_true", help="run the shipped model on the shipped Geirhos stimuli and print the result")
    p.set_defaults(func=run)
    return p


def _option_kwargs(args) -> dict:
    """The analysis options of the command line, as :func:`neurogrow.compare_rt`'s keyword arguments
    (one mapping, used by the demo and by a run on given files)."""
    return {
        "measure": args.measure,
        "correct_only": args.correct_only,
        "n_boot": args.n_boot,
        "n_splits": args.n_splits,
        "n_perm": args.n_perm,
        "seed": args.seed,
        "model_time": args.model_time,
        "allow_unmatched": args.allow_unmatched,
        "mixed_model": not args.no_mixed_model,
        "stimuli": args.stimuli,
        "baseline": args.baseline,
        "rt_unit": args.rt_unit,
        "rt_max": args.rt_max,
        "rt_min": args.rt_min,
    }


def run(args) -> int:
    from contextlib import nullcontext

    from neurogrow.outputs import output_lock

    if args.out and not (args.demo or (args.model_times is None and args.human is None)):
        from neurogrow.api import rt_options
        from neurogrow.overlap import refuse_overlap
        from neurogrow.rt.pipeline import rt_inputs

        refuse_overlap(args.out, rt_inputs(args.model_times, args.human, rt_options(**_option_kwargs(args)), args.labels))
    with output_lock(args.out) if args.out else nullcontext():  # one writer per --out, for the whole command
        return _run(args)


def _run(args) -> int:
    from neurogrow.api import compare_rt
    from neurogrow.rt import format_table

    if args.demo or (args.model_times is None and args.human is None):
        return run_demo(args)
    if args.model_times is None or args.human is None:
        raise NeurogrowError("expected both MODEL_TIMES and HUMAN (or neither, for the demo)")
    if not args.out:
        raise NeurogrowError("--out DIR is required: the folder for summary.json, per_image.csv, report.md and figures")
    result = compare_rt(
        args.model_times,
        args.human,
        args.out,
        labels=args.labels,
        columns=args.columns,
        overwrite=args.overwrite,
        **_option_kwargs(args),
    )
    print(format_table(result.summary))
    print(f"wrote {args.out}")
    return 0


def run_demo(args) -> int:
    """Run the shipped model on the shipped Geirhos edge and silhouette stimuli and print the comparison.

    INTEGRATION POINT: this is the only part of compare-rt that depends on the model and on
    ``neurogrow extract``.  It expects ``neurogrow.load_model(name=None)`` to return the shipped
    model and ``neurogrow.inference.extract.extract_times(model, images_dir, ...)`` to return a result whose
    ``.table`` is a DataFrame with one row per image: ``stimulus`` (path relative to
    ``images_dir``) and ``expected_steps`` (and ``exit_step``).  With ``--out DIR`` the outputs of
    each experiment are written to ``DIR/edges`` and ``DIR/silhouettes``.
    """
    from neurogrow.progress import status

    status("loading torch and the analysis modules")
    from neurogrow.api import rt_options
    from neurogrow.human import load_human
    from neurogrow.human.layout import SHIPPED_EXPERIMENTS, geirhos2019_dir, shipped_experiment
    from neurogrow.rt import analyse, check_out_dir, format_table, write_outputs
    from neurogrow.rt.model_times import times_from_extract
    from neurogrow.rt.summary import holm_family

    root = geirhos2019_dir()
    if not root.is_dir():
        raise NeurogrowError(f"{root}: the shipped human data are missing; set NEUROGROW_HUMAN_DATA to the human_data folder")
    try:
        from neurogrow import load_model  # lazily: the model is written elsewhere
        from neurogrow.inference.extract import extract_times
    except ImportError as exc:
        raise NeurogrowError(f"the demo needs the shipped model and neurogrow.inference.extract ({exc}); run compare-rt MODEL_TIMES HUMAN --out DIR instead") from None
    if args.out:
        from neurogrow.overlap import refuse_overlap
        from neurogrow.zoo import ZOO_DIR

        refuse_overlap(args.out, [("shipped human data", root), ("shipped model folder", ZOO_DIR), ("stimuli", args.stimuli)])
        check_out_dir(args.out, args.overwrite)
    options = rt_options(**_option_kwargs(args))
    status("loading the shipped model")
    model = load_model()
    results = []
    for name in SHIPPED_EXPERIMENTS:
        stim_dir, trial_dir = shipped_experiment(name, root)
        status(f"{name}: running the model on {stim_dir}")
        times = times_from_extract(extract_times(model, stim_dir, note_classes=False))  # labels unused here
        human = load_human(trial_dir, rt=options.rt_rules())
        label = stim_dir.relative_to(root).as_posix()
        result = analyse(times, human, options, inputs={"model_times": f"shipped model on {label}", "human": str(trial_dir)})
        results.append((name, result))
    holm_family({name: result.summary for name, result in results})  # one family: both experiments
    for name, result in results:
        print(f"== Geirhos et al. 2019, {name} ==")
        print(format_table(result.summary))
    if args.out:  # written only once both analyses have succeeded, as one folder renamed into place
        from neurogrow.outputs import atomic_output_dir

        with atomic_output_dir(args.out, args.overwrite) as tmp:
            for name, result in results:
                write_outputs(result, tmp / name)
    if args.out:
        print(f"wrote {args.out}")
    sys.stdout.flush()
    return 0
