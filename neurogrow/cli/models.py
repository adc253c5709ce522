"""``neurogrow models``: list the shipped trained models with their recorded test results."""
from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "models",
        help="list the shipped trained models (the default first)",
        description="List the shipped trained models, the default first, with their window and the "
        "CIFAR-10 test results recorded by `neurogrow evaluate` in neurogrow/zoo/<name>.eval.json "
        "(the same files, and numbers, as the README's table).",
    )
    p.add_argument("--names", action="store_true", help="print only the names, one per line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neurogrow.zoo import default_model, list_models, model_info
    from neurogrow.zoo.table import evaluation_path, row

    for name in list_models():
        if args.names:
            print(name)
            continue
        r = row(name)
        flag = " (default)" if name == default_model() else ""
        print(
            f"{name}{flag}: channels {r['window']}, {r['params']} params, {r['file']}\n"
            f"    CIFAR-10 test accuracy {r['accuracy']} (mixture {r['accuracy_mixture']}), mean E[t] {r['mean_steps']}, "
            f"mean exit step {r['mean_exit_step']}, MFLOPs per image {r['mflops']} (early exit / all steps)\n"
            f"    {model_info(name)['description']}\n"
            f"    results: {evaluation_path(name).name} (neurogrow evaluate {name}); trained on {r['trained_on']}"
        )
    return 0
