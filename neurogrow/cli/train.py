"""``neurogrow train``: train a lattice RCNN from a config file."""
from __future__ import annotations

import argparse
import json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a lattice RCNN that grows in breadth, depth and time",
        description="Train a lattice RCNN. Metrics go to RUN_DIR/metrics.jsonl, a checkpoint to "
        "RUN_DIR/checkpoint.pt after every epoch, the trained model to RUN_DIR/model.pt.",
    )
    p.add_argument("--config", metavar="FILE", help="TOML or YAML config (see neurogrow/configs/)")
    p.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="overrides",
        help="override a config key, e.g. --set optim.epochs=5 --set model.channels=[16,32] (repeatable)",
    )
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run directory")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its last checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neurogrow.train import load_config, train

    config = load_config(args.config, args.overrides)
    final = train(config, args.out, resume=args.resume, progress=not args.quiet)
    keys = ("test_accuracy", "test_mean_steps", "window_channels", "window_steps", "params")
    print(json.dumps({k: final.get(k) for k in keys}))
    return 0
