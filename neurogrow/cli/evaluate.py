"""``neurogrow evaluate``: accuracy, mean steps and window of a model on a test split."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from neurogrow.cli.help_text import DATA_ROOT_DEFAULT


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="classify a dataset's test split with a model and report accuracy and time used",
        description="Classify every image of a dataset's test split (CIFAR-10: all 10,000; --dataset folder: a "
        "model's own training folder, split as in training) and report "
        "early-exit accuracy, mixture accuracy, mean expected steps, mean exit step and the window.",
    )
    p.add_argument("model", nargs="?", default=None, help="shipped model name, model file or run directory (default: the default model)")
    p.add_argument("--dataset", default="cifar10", help="dataset name (default: cifar10; folder: your own images, see docs/training.md)")
    p.add_argument(
        "--data-root", default=None,
        help=f"data root, holding cifar10-jpeg/ or cifar10-python/ (default: {DATA_ROOT_DEFAULT}; --dataset folder: the folder, default the one the model was trained on)",
    )
    p.add_argument("--split", default="test", choices=["train", "test"])
    p.add_argument("--occlusion", type=float, default=0.0, help="fraction of each image occluded (seeded per image)")
    p.add_argument("--seed", type=int, default=0, help="occlusion seed")
    p.add_argument("--threshold", type=float, default=0.5, help="cumulative halting probability for the exit step")
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--json", metavar="FILE", help="also write the result as JSON (refuses to overwrite without --overwrite)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from neurogrow.data import load_dataset, occlude
    from neurogrow.errors import NeurogrowError
    from neurogrow.inference import evaluate, flops_per_step
    from neurogrow.model.halting import check_threshold
    from neurogrow.outputs import write_json
    from neurogrow.overlap import model_input, refuse_overlap
    from neurogrow.progress import status
    from neurogrow.zoo import load_model

    refuse_overlap(args.json, [("model file", model_input(args.model)), ("data root", args.data_root)], "--json")
    if args.json and Path(args.json).exists() and not args.overwrite:
        raise NeurogrowError(f"{args.json} exists; pass --overwrite to replace it")
    from neurogrow import arguments

    arguments.seed(args.seed)
    arguments.integer(args.batch_size, "--batch-size", 1)
    check_threshold(args.threshold, "--threshold")
    if not 0.0 <= args.occlusion < 1.0:
        raise NeurogrowError(f"--occlusion must be in [0, 1), got {args.occlusion}")
    status(f"loading model {args.model or 'default'}")
    model = load_model(args.model)
    status(f"loading {args.dataset} {args.split} split")
    if args.dataset == "folder":  # your own images at the model's input size; its own split and folder by default
        from neurogrow.data.folder import folder_for_model

        root, options = folder_for_model(model, args.data_root)
        data = load_dataset("folder", args.split, root=root, **options)
    else:
        data = load_dataset(args.dataset, args.split, root=args.data_root)
    if data.class_names != model.class_names:
        raise NeurogrowError(
            f"model {model.name} knows classes {model.class_names} but {data.name} has {data.class_names}"
        )
    if args.occlusion > 0:
        data.images = occlude(data.images, data.ids, args.occlusion, seed=args.seed)
    result = evaluate(model, data, torch.device("cpu"), args.batch_size, threshold=args.threshold, progress=True)
    result = {
        "model": model.name,
        "checksum": model.checksum,
        "dataset": data.name,
        "split": args.split,
        "occlusion": args.occlusion,
        "threshold": args.threshold,
        "window": model.window,
        "params": model.param_count(),
        "flops_per_step": flops_per_step(model).tolist(),  # read by `neurogrow models` (no torch there)
        **result,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        out = Path(args.json)
        write_json(out, result)
    return 0
