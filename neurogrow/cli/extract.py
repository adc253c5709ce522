"""``neurogrow extract MODEL (--images DIR | --dataset NAME) --out FILE.h5``: model halting times per stimulus.

Writes one row per stimulus (stimulus, label, per-step class probabilities, halting
distribution, expected steps E[t], exit step, prediction, correctness, FLOPs spent) to an HDF5
times file (``docs/hdf5_schema.md``); the computation is :func:`neurogrow.inference.extract.extract_times`.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from neurogrow.cli.help_text import DATA_ROOT_DEFAULT


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "extract",
        help="run a model on images or a dataset and write its halting times per stimulus (HDF5)",
        description="Run a model on a folder of images (DIR/<class>/<image>, resized to the model's input) "
        "or a dataset split and write, per stimulus, the per-step class probabilities, the halting "
        "distribution, expected steps E[t], the exit step, the prediction, its correctness and the FLOPs "
        "spent. By default images exit early (FLOPs counted to the exit) and are run on to T only to "
        "record E[t] and the per-step arrays; --full-length is the baseline that runs every image to T; "
        "--exit-only stops computing each image at its exit (E[t] then NaN where unknown).",
    )
    p.add_argument("model", nargs="?", default=None, metavar="MODEL", help="shipped model name, model file or run directory (default: the default model)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--images", metavar="DIR", help="folder of images, DIR/<class>/<image> (class = folder name) or flat")
    src.add_argument("--dataset", metavar="NAME", help="dataset name, e.g. cifar10 (stimuli are the dataset's indices)")
    p.add_argument("--out", metavar="FILE.h5", required=True, help="output times file")
    p.add_argument("--data-root", metavar="DIR", default=None, help=f"data root for --dataset (default: {DATA_ROOT_DEFAULT})")
    p.add_argument("--split", default="test", help="dataset split (default: test)")
    p.add_argument("--occlusion", type=float, default=0.0, metavar="F", help="fraction of each image covered by grey rectangles, in [0, 1) (default 0)")
    p.add_argument("--seed", type=int, default=0, help="occlusion seed (default 0)")
    p.add_argument("--threshold", type=float, default=0.5, help="cumulative halting probability that defines the exit step (default 0.5)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--full-length", action="store_true", help="run every image to T_max (the baseline)")
    mode.add_argument("--exit-only", action="store_true", help="compute each image only up to its exit step")
    p.add_argument("--activations", action="store_true", help="also store every layer's pooled activations at every step")
    p.add_argument(
        "--class-map",
        metavar="NAME|CSV",
        default=None,
        help="map label (folder) names to model classes for 'correct': geirhos16 (the 16 categories of "
        "Geirhos et al. 2019 to CIFAR-10 classes) or a CSV with columns folder,class",
    )
    p.add_argument("--batch-size", type=int, default=256, help="images per forward pass (default 256)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from neurogrow.api import check_extract_out
    from neurogrow.outputs import check_out_file, output_lock

    check_extract_out(args.out, args.model, args.images, args.dataset, args.data_root, args.class_map)
    check_out_file(args.out, args.overwrite)
    with output_lock(args.out):  # one writer per --out; debris of a killed run is removed when writing
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from neurogrow.api import extract

    out = Path(args.out)
    result = extract(
        args.model,
        images=args.images,
        dataset=args.dataset,
        out=out,
        overwrite=args.overwrite,
        data_root=args.data_root,
        split=args.split,
        occlusion=args.occlusion,
        seed=args.seed,
        threshold=args.threshold,
        full_length=args.full_length,
        exit_only=args.exit_only,
        activations=args.activations,
        batch_size=args.batch_size,
        class_map=args.class_map,
    )
    t = result.table
    known = t["correct"].dropna()
    accuracy = f"{known.mean():.3f} on {len(known)} labelled" if len(known) else "n/a (no labels in the model's classes)"
    mean_e = t["expected_steps"].mean()
    print(
        f"{len(t)} stimuli, mode {result.attrs['mode']}: mean expected steps "
        f"{'n/a' if t['expected_steps'].isna().any() else format(mean_e, '.3f')}, mean exit step "
        f"{t['exit_step'].mean():.3f}, accuracy {accuracy}, mean GFLOPs {t['flops'].mean() / 1e9:.4f}"
    )
    print(f"wrote {out}")
    return 0
