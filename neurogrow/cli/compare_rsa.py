"""``neurogrow compare-rsa MODEL_OR_H5 HUMAN --out DIR``: model RDMs per layer x step vs human confusion RDMs."""
from __future__ import annotations

import argparse

from neurogrow.cli.help_text import DATA_ROOT_DEFAULT


def add_parser(subparsers) -> argparse.ArgumentParser:
    from neurogrow.rsa.compare import COMPARATORS
    from neurogrow.rsa.model_rdms import DISTANCES

    p = subparsers.add_parser(
        "compare-rsa",
        help="compare the model's representational geometry per layer x step with human confusion RDMs",
        description="Representational similarity analysis with rsatoolbox: class-by-class RDMs of every layer at "
        "every recurrent step (and at each image's exit step) and the model's confusions, compared with human RDMs "
        "from CIFAR-10H counts or Geirhos et al. 2019 responses; bootstrap CIs, noise ceiling, heatmaps, report.",
    )
    p.add_argument(
        "model_or_h5",
        metavar="MODEL_OR_H5",
        help="extract HDF5 file with activations (neurogrow extract --activations), or a model: shipped name, model file or run directory",
    )
    p.add_argument("human", metavar="HUMAN", help="folder of Geirhos et al. 2019 trial CSVs, or CIFAR-10H counts (.npy)")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (summary.json, report.md, heatmaps, RDM files)")
    p.add_argument("--images", metavar="DIR", help="Geirhos data with a model: the stimuli (DIR/<category>/<file>); default inferred from the shipped layout")
    p.add_argument(
        "--stimuli",
        metavar="DIR|CSV",
        help="the human experiment's images (a folder) or a manifest CSV stimulus,sha256 to check the model's stimuli against "
        "(default: stimuli/<set> beside a Geirhos raw-data/<experiment> folder)",
    )
    p.add_argument("--labels", metavar="FILE", help="CIFAR-10H: true test labels (.npy or CSV with a label column); default next to the counts, else the CIFAR-10 test set")
    p.add_argument("--data-root", metavar="DIR", help=f"CIFAR-10H with a model: data root for the CIFAR-10 test images (default: {DATA_ROOT_DEFAULT})")
    p.add_argument("--per-class", type=int, default=100, help="CIFAR-10H with a model: test images per class (first in test order; 0: all; default 100)")
    p.add_argument("--comparators", default="spearman,cosine_cov,corr_cov", help=f"comma-separated rsatoolbox comparators (default spearman,cosine_cov,corr_cov; any of {', '.join(COMPARATORS)})")
    p.add_argument("--distance", choices=DISTANCES, default="correlation", help="distance between class-mean patterns (default correlation)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap samples (default 1000; 0: none)")
    p.add_argument("--n-splits", type=int, default=10, help="CIFAR-10H: random response splits for the noise ceiling (default 10)")
    p.add_argument("--min-per-class", type=int, default=5, help="fewest stimuli a class may have (default 5)")
    p.add_argument("--threshold", type=float, default=0.5, help="with a model: cumulative halting probability of the exit step (default 0.5)")
    p.add_argument("--batch-size", type=int, default=256, help="with a model: images per forward pass (default 256)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing non-empty output folder")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from contextlib import nullcontext

    from neurogrow.outputs import output_lock
    from neurogrow.overlap import refuse_overlap
    from neurogrow.rsa.analysis import rsa_inputs

    refuse_overlap(args.out, rsa_inputs(args.model_or_h5, args.human, args.images, args.labels, args.data_root, args.stimuli))
    with output_lock(args.out) if args.out else nullcontext():  # one writer per --out, for the whole command
        return _run(args)


def _run(args) -> int:
    from neurogrow.api import compare_rsa
    from neurogrow.rsa.analysis import format_table

    result = compare_rsa(
        args.model_or_h5,
        args.human,
        args.out,
        images=args.images,
        labels=args.labels,
        data_root=args.data_root,
        per_class=args.per_class,
        comparators=args.comparators,
        distance=args.distance,
        n_boot=args.n_boot,
        n_splits=args.n_splits,
        min_per_class=args.min_per_class,
        threshold=args.threshold,
        batch_size=args.batch_size,
        seed=args.seed,
        stimuli=args.stimuli,
        overwrite=args.overwrite,
    )
    print(format_table(result.summary))
    print(f"wrote {args.out}")
    return 0
