"""``neurogrow train``: train a lattice RCNN from a config file."""
from __future__ import annotations

import argparse
import json
import os

from neurogrow.cli.help_text import DATA_ROOT_DEFAULT


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a lattice RCNN that grows in breadth, depth and time",
        description="Train a lattice RCNN. Metrics go to RUN_DIR/metrics.jsonl, a checkpoint to "
        "RUN_DIR/checkpoint.pt after every epoch, the trained model to RUN_DIR/model.pt.",
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        help="TOML or YAML config, e.g. neurogrow/zoo/blt-cifar10-adaptive.toml (the shipped models' "
        "configs are in neurogrow/zoo/); without it, the defaults of neurogrow.train.TrainConfig",
    )
    p.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="overrides",
        help="override a config key, e.g. --set optim.epochs=5 --set model.channels=[16,32] (repeatable)",
    )
    p.add_argument(
        "--data-root",
        metavar="DIR",
        default=None,
        help=f"data root (same as --set data.root=DIR; default: the config's data.root, else {DATA_ROOT_DEFAULT})",
    )
    p.add_argument("--out", metavar="RUN_DIR", help="run directory (required unless --print-config)")
    p.add_argument(
        "--print-config",
        action="store_true",
        help="print every config key with its value, type, meaning and default (after --config and --set) "
        "as a TOML file, and exit; recipes in docs/training.md",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its last checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--distributed",
        action="store_true",
        help="train as one rank of a torchrun job with DistributedDataParallel "
        "(automatic when torchrun starts several processes: torchrun --nproc_per_node N -m neurogrow train ...)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neurogrow.errors import NeurogrowError
    from neurogrow.progress import is_quiet
    from neurogrow.train import load_config, train
    from neurogrow.train.distributed import launched_distributed

    config = load_config(args.config, args.overrides)
    if args.data_root is not None:
        config.data.root = str(args.data_root)
    if args.print_config:
        from neurogrow.train.config_help import format_config

        print(format_config(config), end="")
        return 0
    if not args.out:
        raise NeurogrowError("--out RUN_DIR is required: the run directory for metrics, checkpoints and model.pt")
    from neurogrow.overlap import refuse_overlap

    refuse_overlap(args.out, [("config file", args.config)])
    distributed = args.distributed or launched_distributed()
    final = train(config, args.out, resume=args.resume, progress=not (args.quiet or is_quiet()), distributed=distributed)
    keys = ("test_accuracy", "test_mean_steps", "window_channels", "window_steps", "params")
    if os.environ.get("RANK", "0") == "0":
        print(json.dumps({k: final.get(k) for k in keys}))
    return 0
