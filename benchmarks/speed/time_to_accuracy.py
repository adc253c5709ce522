"""Time to accuracy: the 8-epoch recipe's run, evaluated and recorded (issue 18, item 2).

Reads a run directory of ``neurogrow train --config benchmarks/speed/recipe_8_epochs.toml``
(finished or not), evaluates its model (``model.pt`` when the run finished, else the model
of its last checkpoint) on all 10,000 CIFAR-10 test images with
:func:`neurogrow.train.evaluate`, and records the accuracy, how halting varies across
images (E[t] per image: standard deviation, quantiles, share of images per exit step), the
per-epoch metrics, the training time, the command and the hardware. A finished run's model
file is copied next to the results (``--model-out``). Goal (decided here, before the
numbers): test accuracy >= 0.87 within <= 8 epochs, with E[t] varying across images
(standard deviation of E[t] over the test images >= 0.1 steps).

    python benchmarks/speed/time_to_accuracy.py runs/recipe-8-epochs [--overwrite]

Writes ``benchmarks/results/speed/time_to_accuracy.json`` (or ``--out``).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, hardware, write_json

from neurogrow.data import load_dataset
from neurogrow.errors import NeurogrowError
from neurogrow.model.inputs import to_input
from neurogrow.train import evaluate
from neurogrow.train.checkpoint import file_checksum, load_checkpoint, load_model_file

GOAL_ACCURACY = 0.87
GOAL_EPOCHS = 8
GOAL_STEPS_SD = 0.1  # E[t] must vary across images by at least this (steps, SD over test images)
RECIPE = "benchmarks/speed/recipe_8_epochs.toml"


def goal_met(finished: bool, epochs_done: int, accuracy: float, steps_sd: float) -> bool:
    """The goal, decided before the run: a finished run of at most ``GOAL_EPOCHS`` epochs whose model
    file reaches ``GOAL_ACCURACY`` on all test images (its own evaluation, what a user of the file
    gets, not the training log), with E[t] varying over the images (SD >= ``GOAL_STEPS_SD``)."""
    return bool(finished and epochs_done <= GOAL_EPOCHS and accuracy >= GOAL_ACCURACY and steps_sd >= GOAL_STEPS_SD)


@torch.no_grad()
def halting_spread(model, data, batch_size: int = 1000) -> dict:
    """How E[t] and the exit step vary over the images of ``data``."""
    images = torch.from_numpy(data.images)
    expected, exits = [], []
    for start in range(0, len(data), batch_size):
        out = model(to_input(images[start : start + batch_size], model.config))
        expected.append(out.expected_steps.float())
        exits.append(out.exit_step())
    e, x = torch.cat(expected), torch.cat(exits)
    q = torch.quantile(e, torch.tensor([0.05, 0.25, 0.5, 0.75, 0.95]))
    return {
        "expected_steps_mean": round(e.mean().item(), 4),
        "expected_steps_sd": round(e.std().item(), 4),
        "expected_steps_quantiles_5_25_50_75_95": [round(v, 4) for v in q.tolist()],
        "exit_step_share": {int(s): round((x == s).double().mean().item(), 4) for s in x.unique().tolist()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", help="run directory of neurogrow train")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(RESULTS / "time_to_accuracy.json"))
    ap.add_argument("--model-out", default=str(RESULTS / "recipe_8_epochs_model.pt"))
    ap.add_argument("--overwrite", action="store_true", help="replace existing results")
    ap.add_argument(
        "--note",
        default="load on the machine during training not recorded: the per-epoch seconds are wall time, "
        "not a speed measurement",
        help="what else ran on the machine during training (recorded beside the hardware)",
    )
    args = ap.parse_args(argv)
    try:
        return run(args)
    except NeurogrowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    run_dir, out = Path(args.run_dir), Path(args.out)
    if out.exists() and not args.overwrite:
        raise NeurogrowError(f"{out} exists; pass --overwrite to replace it")
    config = json.loads((run_dir / "config.json").read_text()) if (run_dir / "config.json").is_file() else None
    if config is None:
        raise NeurogrowError(f"{run_dir} holds no config.json: not a run directory of neurogrow train")
    finished = (run_dir / "model.pt").is_file()
    source = run_dir / ("model.pt" if finished else "checkpoint.pt")
    model, _ = load_model_file(source)
    ckpt = load_checkpoint(run_dir / "checkpoint.pt")
    history = ckpt.get("history", [])
    partial = ckpt.get("partial")
    test = load_dataset(config["data"]["dataset"], "test", root=config["data"]["root"] or None)
    ev = evaluate(model, test, torch.device("cpu"))
    spread = halting_spread(model, test)
    epochs_done = len(history)
    per_epoch = [
        {k: r.get(k) for k in ("epoch", "test_accuracy", "test_mean_steps", "train_accuracy", "window_channels",
                               "window_steps", "seconds")}
        for r in history
    ]
    reached = [r["epoch"] for r in history if (r.get("test_accuracy") or 0) >= GOAL_ACCURACY]
    met = goal_met(finished, epochs_done, ev["accuracy"], spread["expected_steps_sd"])
    model_file = None
    if finished:
        shutil.copyfile(run_dir / "model.pt", args.model_out)
        size = Path(args.model_out).stat().st_size
        if size > 5 * 2**20:
            raise NeurogrowError(f"{args.model_out} is {size / 2**20:.1f} MB; the limit is 5 MB")
        model_file = {"path": str(Path(args.model_out)), "checksum": file_checksum(args.model_out), "bytes": size}
    result = {
        "benchmark": "time to accuracy: the adaptive lattice model, shipped window limits and prices, 8 epochs",
        "recipe": RECIPE,
        "command": f"neurogrow train --config {RECIPE} --out {run_dir}",
        "evaluate_command": f"python benchmarks/speed/time_to_accuracy.py {run_dir}",
        "goal": {
            "accuracy": GOAL_ACCURACY,
            "epochs": GOAL_EPOCHS,
            "expected_steps_sd_at_least": GOAL_STEPS_SD,
            "rule": "finished after at most `epochs` epochs, the model file's test accuracy (early exit at "
            "threshold 0.5, all 10,000 test images) >= accuracy, and the SD of E[t] over the test images >= the bound",
        },
        "finished": finished,
        "epochs_done": epochs_done,
        "epochs_planned": config["optim"]["epochs"],
        "steps_done": ckpt.get("step"),
        "inside_epoch": None if partial is None else {"epoch": epochs_done + 1, "next_batch": partial["next_batch"]},
        "evaluated": str(source),
        "test": ev,
        "halting": spread,
        "per_epoch": per_epoch,
        "first_epoch_at_goal_accuracy": reached[0] if reached else None,
        "goal_met": met,
        "train_seconds": round(sum(r["seconds"] for r in history), 1),
        "model_file": model_file,
        "window": model.window,
        "params": model.param_count(),
        "hardware": hardware(torch.device(config.get("device") if config.get("device") in ("cpu", "cuda") else "cpu")),
        "hardware_note": args.note,
    }
    write_json(out, result)
    print(json.dumps({k: result[k] for k in ("finished", "epochs_done", "test", "goal_met")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
