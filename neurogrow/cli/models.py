"""``neurogrow models``: list the shipped trained models."""
from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "models",
        help="list the shipped trained models (the default first)",
        description="List the shipped trained models, the default first, with their window and "
        "the test metrics recorded at the end of training.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neurogrow.model.files import load_model_file
    from neurogrow.zoo import ZOO_DIR, default_model, list_models, model_info

    for name in list_models():
        info = model_info(name)
        _, summary = load_model_file(ZOO_DIR / info["file"])
        w = summary["window"]
        test = summary.get("test", {})
        flag = " (default)" if name == default_model() else ""
        print(
            f"{name}{flag}: channels {'/'.join(map(str, w['channels']))}, T={w['steps']}, "
            f"{summary['params']:,} params; test accuracy {test.get('accuracy', float('nan')):.4f}, "
            f"mean steps {test.get('mean_steps', float('nan')):.2f}\n    {info['description']}"
        )
    return 0
