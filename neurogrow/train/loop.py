"""The training loop: task loss plus priced costs, proximal steps, growth, checkpoints.

Per batch: ``loss = sum_t pi_t CE(y_t) + lambda_T E_pi[t] (+ lambda_B C_B for the l2 norm)``;
after the SGD step the L1 breadth and depth costs take their proximal step. At the
end of each epoch (or every ``growth.every_steps`` steps) the window is updated,
the test split evaluated, one line of metrics appended to ``metrics.jsonl`` and a
checkpoint written atomically. ``resume=True`` continues from the last checkpoint;
on the CPU a resumed run reproduces an uninterrupted one exactly.

Before anything is written: the config is checked (:func:`~neurogrow.train.config.check_config`),
the output location must be a writable folder, and the data are loaded. A run directory is
locked while a process trains into it (:func:`neurogrow.outputs.output_lock`), and temporary
files of a killed run are removed. ``--resume`` verifies ``checkpoint.pt`` and ``model.pt``
against the checksums recorded when they were written; a finished run is reported as finished
and left alone; a ``model.pt`` without its ``checkpoint.pt`` is an error, never a silent retrain.

Longer than 400 lines because the Trainer's set-up, epoch loop, mid-epoch resume state and
checkpointing share one object's state; the step itself lives in :mod:`neurogrow.train.step`.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import torch
from tqdm.auto import tqdm

from neurogrow.data import augment_batch
from neurogrow.errors import CheckpointError, ConfigError
from neurogrow.inference.forward import evaluate
from neurogrow.model.costs import HEAD_FOR_OBJECTIVE, breadth_cost, depth_cost
from neurogrow.model.growth import make_optimizer, update_window
from neurogrow.model.inputs import channel_stats, to_input
from neurogrow.model.lattice import LatticeRCNN
from neurogrow.outputs import check_writable, output_lock, remove_temp_files, write_json, write_text
from neurogrow.overlap import refuse_overlap
from neurogrow.progress import progress as _progress
from neurogrow.progress import status
from neurogrow.train.checkpoint import (
    load_checkpoint,
    load_model_file,
    model_from_state,
    save_checkpoint,
    save_model,
    verify_checksum,
)
from neurogrow.train.config import TrainConfig, check_config, config_differences
from neurogrow.train.data import counts_line, data_summary, load_data, train_data_root
from neurogrow.train.distributed import Parallel, process_group
from neurogrow.train.step import TrainStep, check_compile

CHECKPOINT = "checkpoint.pt"
FINAL_MODEL = "model.pt"
METRICS = "metrics.jsonl"
CONFIG = "config.json"
#: The run's images: dataset, classes and images per class in each split (:func:`data_summary`).
DATA = "data.json"


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device = 'cuda' but no CUDA device is available")
    if name not in ("cpu", "cuda"):
        raise ConfigError(f"device must be 'auto', 'cpu' or 'cuda', got {name!r}")
    return torch.device(name)


def lr_at(step: int, total: int, config: TrainConfig) -> float:
    """One-cycle learning rate: linear from lr/25 to lr over the warm-up, then linear to 0."""
    peak = config.optim.lr
    warm = max(1, int(config.optim.warmup_fraction * total))
    if step < warm:
        return peak / 25 + (peak - peak / 25) * step / warm
    return peak * max(0.0, (total - step) / max(1, total - warm))


def window_summary(model: LatticeRCNN) -> str:
    """e.g. ``ch=32/64/128 T=4``."""
    w = model.window
    return f"ch={'/'.join(map(str, w['channels']))} T={w['steps']}"




#: Keys of a metrics row that measure the machine, not the run: they differ between identical runs.
TIMING_KEYS = ("seconds", "cpu_seconds", "load_average")


class Trainer:
    """Holds a run's state; :meth:`run` trains to the configured number of epochs.

    Parameters
    ----------
    config
        The run's configuration.
    out_dir
        Run directory for ``config.json``, ``metrics.jsonl``, ``checkpoint.pt`` and
        ``model.pt``.
    resume
        Continue from ``out_dir/checkpoint.pt``; its configuration must match.
    progress
        Show a progress bar.
    parallel
        This process's place in data-parallel training (see
        :mod:`neurogrow.train.distributed`); by default a single process.
    """

    def __init__(
        self,
        config: TrainConfig,
        out_dir: str | Path,
        resume: bool = False,
        progress: bool = True,
        parallel: Parallel | None = None,
    ):
        self.config = check_config(config)
        self.out = Path(out_dir)
        self.parallel = parallel or Parallel()
        self.progress = progress and self.parallel.is_main
        self.device = self.parallel.place(resolve_device(config.device))
        if self.parallel.is_main:
            self._check_out(resume)
        self.train_data, self.test_data = load_data(config)  # resolved before the run folder is created
        self.data_summary = data_summary(config, self.train_data, self.test_data)
        if self.parallel.is_main:
            if config.data.dataset == "folder":
                status(f"{config.data.root}: {counts_line(self.data_summary)}")
            self._prepare_dir(resume)
            data_file = self.out / DATA
            if not data_file.exists() or json.loads(data_file.read_text() or "null") != self.data_summary:
                write_json(data_file, self.data_summary)  # unchanged on a resume: not rewritten
        self.data_gen = torch.Generator().manual_seed(config.seed)
        self.init_gen = torch.Generator().manual_seed(config.seed + 1)
        self.history: list[dict] = []
        self.train_images: torch.Tensor | None = None  # the training split on the device, set by run()
        self.train_labels: torch.Tensor | None = None
        self.start_epoch = 0
        self.step = 0
        self.last_step_mass: float | torch.Tensor = 0.0
        self.partial: dict | None = None  # position inside an epoch, from a mid-epoch checkpoint
        check_compile(config.compile)
        if config.checkpoint_every_steps and self.parallel.active:
            raise ConfigError("checkpoint_every_steps > 0 is not supported with distributed training; set it to 0")
        if resume and (self.out / CHECKPOINT).exists():
            self._restore(load_checkpoint(self.out / CHECKPOINT))
        else:
            self.model = LatticeRCNN(self._model_config(), seed=config.seed).to(self.device)
            o = config.optim
            self.optimizer = make_optimizer(self.model, o.lr, o.momentum, o.weight_decay)

    # ------------------------------------------------------------------ set-up
    def _check_out(self, resume: bool) -> None:
        """Refuse an output that is a file, unwritable, or a run that cannot be resumed; nothing is written."""
        out = self.out
        refuse_overlap(out, [("data root", train_data_root(self.config))])
        if out.exists() and not out.is_dir():
            raise ConfigError(f"{out}: exists and is not a folder; expected a run directory for --out")
        check_writable(out / CONFIG if out.is_dir() else out)
        ckpt, model = out / CHECKPOINT, out / FINAL_MODEL
        if not out.is_dir():
            return
        started = ckpt.exists() or model.exists()  # metrics alone: a run that died (a kill, a full disk) before its first checkpoint
        if not resume:
            if started:
                raise ConfigError(f"{out} already holds a run; pass --resume to continue it or choose another --out")
            return
        if model.exists() and not ckpt.exists():
            raise CheckpointError(
                f"{model} exists but {ckpt.name} is missing; cannot resume or verify this run "
                "(expected both; move model.pt away, or choose another --out, to train from scratch)"
            )
        if ckpt.exists():
            verify_checksum(ckpt)
        if model.exists() and not verify_checksum(model):
            load_model_file(model)  # no recorded checksum (an older run): at least it must load

    def _prepare_dir(self, resume: bool) -> None:
        remove_temp_files(self.out)  # of a killed earlier run (the run directory is locked)
        saved = self.out / CONFIG
        current = self.config.to_dict()
        started = any((self.out / f).exists() for f in (CHECKPOINT, FINAL_MODEL))
        if saved.exists() and not started:  # a run that failed before its first epoch: start it afresh
            write_json(saved, current)
        elif saved.exists():
            if not resume:
                raise ConfigError(f"{self.out} already holds a run; pass --resume to continue it or choose another --out")
            try:
                previous = json.loads(saved.read_text())
            except json.JSONDecodeError as exc:
                raise CheckpointError(f"{saved} is not valid JSON ({exc.msg})") from exc
            diffs = config_differences(previous, current)
            if diffs:
                raise ConfigError(f"cannot resume {self.out}: config differs from the saved run in {', '.join(diffs)}")
        else:
            write_json(saved, current)

    def _model_config(self):
        d = self.train_data
        mean, std = channel_stats(d.images)
        model = self.config.model
        head = HEAD_FOR_OBJECTIVE[self.config.costs.time_objective] if model.halting_head == "auto" else model.halting_head
        return dataclasses.replace(
            copy.deepcopy(model),
            halting_head=head,
            in_channels=d.images.shape[-1],
            num_classes=len(d.class_names),
            image_size=d.images.shape[1],
            class_names=list(d.class_names),
            input_mean=mean,
            input_std=std,
        )

    def _restore(self, ckpt: dict) -> None:
        diffs = config_differences(ckpt["config"], self.config.to_dict())
        if diffs:
            raise ConfigError(f"cannot resume from {self.out / CHECKPOINT}: config differs in {', '.join(diffs)}")
        self.model = model_from_state(ckpt["model_config"], ckpt["model_state"], str(self.out / CHECKPOINT))
        self.model.to(self.device)
        o = self.config.optim
        self.optimizer = make_optimizer(self.model, o.lr, o.momentum, o.weight_decay)
        try:
            self.optimizer.load_state_dict(ckpt["optimizer_state"])
            self.data_gen.set_state(ckpt["data_generator"])
            self.init_gen.set_state(ckpt["init_generator"])
        except (ValueError, KeyError, RuntimeError) as exc:
            raise CheckpointError(f"{self.out / CHECKPOINT}: optimizer or generator state unusable ({exc})") from exc
        self.start_epoch = ckpt["epoch"]
        self.step = ckpt["step"]
        self.history = list(ckpt["history"])
        self.last_step_mass = ckpt["last_step_mass"]
        self.partial = ckpt.get("partial")

    # --------------------------------------------------------------- training
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.train_data) / self.config.optim.batch_size)

    def run(self) -> dict:
        """Train to the configured number of epochs; returns the final metrics row."""
        cfg = self.config
        total = cfg.optim.epochs * self.steps_per_epoch()
        # the training split lives on the device for the whole run (uint8; normalised per batch):
        # window changes re-allocate parameters and optimizer state only
        if self.train_images is None:
            self.train_images = torch.from_numpy(self.train_data.images).to(self.device)
            self.train_labels = torch.from_numpy(self.train_data.labels).to(self.device)
        images, labels = self.train_images, self.train_labels
        assert images is not None and labels is not None  # loaded just above
        amp = cfg.amp and self.device.type == "cuda"
        if self.history and self.start_epoch >= cfg.optim.epochs and (self.out / FINAL_MODEL).exists():
            if self.parallel.is_main:
                print(f"{self.out}: the run already finished ({self.start_epoch} epochs); nothing to do", file=sys.stderr)
            return self.history[-1]
        self.net = self.parallel.wrap(self.model)
        self.train_step = TrainStep(
            self.model,
            self.optimizer,
            cfg.optim.label_smoothing,
            cfg.optim.step_supervision,
            cfg.costs,
            amp=amp,
            compile=cfg.compile,
            net=self.net,
        )
        # the halting-mass signal of time growth, kept on the device (read at window updates)
        self.last_step_mass = torch.as_tensor(float(self.last_step_mass), dtype=torch.float64, device=self.device)
        for epoch in range(self.start_epoch, cfg.optim.epochs):
            t0, cpu0 = time.time(), time.process_time()
            self.model.train()
            partial, self.partial = self.partial, None
            if partial is not None:  # resumed inside this epoch: same order, same position
                perm, first = partial["perm"], partial["next_batch"]
                sums, events = self._device_sums(partial["sums"]), list(partial["events"])
                t0 -= partial["seconds"]
                cpu0 -= partial.get("cpu_seconds", 0.0)
            else:
                perm, first = torch.randperm(len(images), generator=self.data_gen), 0
                sums, events = self._device_sums({"loss": 0.0, "correct": 0, "n": 0, "steps": 0.0}), []
            perm = perm.to(self.device)
            bar = _progress(  # a bar on a terminal, a plain line every 10 s in a log (neurogrow.progress)
                range(first, self.steps_per_epoch()),
                initial=first,
                unit="batch",
                total=self.steps_per_epoch(),
                desc=f"epoch {epoch + 1}/{cfg.optim.epochs}",
                disable=not self.progress,
                leave=False,
                dynamic_ncols=True,
            )
            for b in bar:
                idx = perm[b * cfg.optim.batch_size : (b + 1) * cfg.optim.batch_size]
                x = to_input(images[idx], self.model.config)
                x = augment_batch(x, self.data_gen, max_shift=cfg.data.max_shift, flip=cfg.data.flip)
                y = labels[idx]
                x, y = self.parallel.shard(x, y)
                lr = lr_at(self.step, total, cfg)
                task, out = self.train_step(x, y, lr)
                self.step += 1
                with torch.no_grad():  # device tensors only: no synchronisation per step
                    mass = self.parallel.mean(self.train_step.growth_signal).double()
                    self.last_step_mass = 0.9 * self.last_step_mass + 0.1 * mass if self.step > 1 else mass
                    sums["loss"] += task.double() * len(y)
                    sums["correct"] += (out.exit_logits().argmax(1) == y).sum()
                    sums["steps"] += out.expected_steps.sum().double()
                    sums["n"] += len(y)
                if cfg.growth.every_steps and self.step % cfg.growth.every_steps == 0:
                    events += self._grow(total)
                if self.progress and (b % 10 == 0 or b + 1 == self.steps_per_epoch()):
                    bar.set_postfix_str(
                        f"loss={sums['loss'] / sums['n']:.3f} acc={sums['correct'] / sums['n']:.3f} "
                        f"{window_summary(self.model)} E[t]={sums['steps'] / sums['n']:.2f}"
                    )
                every = cfg.checkpoint_every_steps
                if every and self.step % every == 0 and b + 1 < self.steps_per_epoch():
                    self._save_checkpoint(
                        epoch,
                        partial={
                            "perm": perm,
                            "next_batch": b + 1,
                            "sums": self._host_sums(sums),
                            "events": events,
                            "seconds": time.time() - t0,
                            "cpu_seconds": time.process_time() - cpu0,
                        },
                    )
            bar.close()
            cpu_train = time.process_time() - cpu0
            self.parallel.average_buffers(self.model)
            sums = self.parallel.sum_values(self._host_sums(sums))
            if not cfg.growth.every_steps and (epoch + 1) % cfg.growth.every_epochs == 0:
                events += self._grow(total)
            row = self._metrics_row(epoch, sums, lr, time.time() - t0, events, amp)
            # the epoch's training cost: CPU seconds of this process (all its threads; evaluation
            # excluded, as from "seconds") and the 1-minute load average (how idle the machine was)
            row["cpu_seconds"] = cpu_train
            row["load_average"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
            self._end_epoch(epoch + 1, row)
        if self.parallel.is_main and self.history and not (self.out / FINAL_MODEL).exists():
            # killed between the last checkpoint and the model file: write it now
            save_model(self.out / FINAL_MODEL, self.model, self.final_summary(), record=True)
        return self.history[-1] if self.history else {}

    def _device_sums(self, sums: dict) -> dict:
        """An epoch's running sums as device tensors (float64; counts int64)."""
        return {
            k: torch.as_tensor(v, dtype=torch.int64 if k == "correct" else torch.float64, device=self.device)
            if k != "n"
            else int(v)
            for k, v in sums.items()
        }

    @staticmethod
    def _host_sums(sums: dict) -> dict:
        """The running sums as Python numbers (one synchronisation)."""
        return {k: (int(v) if k in ("correct", "n") else float(v)) for k, v in sums.items()}

    def _grow(self, total_steps: int) -> list[str]:
        if not self.config.growth.enabled:
            return []
        allow = self.step <= self.config.growth.until_fraction * total_steps
        events = update_window(
            self.model, self.config.growth, float(self.last_step_mass), self.optimizer, self.init_gen, allow_grow=allow
        )
        if events:
            # parameters and optimizer state were re-allocated in place of the old ones; the
            # data stay where they are, only the forward wrapper (DDP, compiled code) is rebuilt
            self.net = self.parallel.wrap(self.model)
            self.train_step.rebuild(self.model, self.optimizer, self.net)
        return events

    def _metrics_row(self, epoch: int, sums: dict, lr: float, seconds: float, events: list[str], amp: bool) -> dict:
        cfg = self.config
        row = {
            "epoch": epoch + 1,
            "step": self.step,
            "train_loss": sums["loss"] / sums["n"],
            "train_accuracy": sums["correct"] / sums["n"],
            "train_mean_steps": sums["steps"] / sums["n"],
            "lr": lr,
            **{f"window_{k}": v for k, v in self.model.window.items()},
            "params": self.model.param_count(),
            "breadth_cost": breadth_cost(self.model, cfg.costs).item(),
            "depth_cost": depth_cost(self.model).item(),
            "last_step_mass": float(self.last_step_mass),
            "events": events,
            "seconds": seconds,
        }
        last = epoch + 1 == cfg.optim.epochs
        if last or (epoch + 1) % cfg.eval_every == 0:
            ev = evaluate(self.model, self.test_data, self.device, cfg.eval_batch_size, amp)
            row.update({f"test_{k}": v for k, v in ev.items()})
        return row

    def _end_epoch(self, epochs_done: int, row: dict) -> None:
        self.history.append(row)
        if not self.parallel.is_main:
            return
        line = json.dumps(row)
        metrics = self.out / METRICS
        kept = metrics.read_text().splitlines()[: epochs_done - 1] if metrics.exists() else []
        write_text(metrics, "\n".join([*kept, line]) + "\n")
        self._save_checkpoint(epochs_done)
        if epochs_done == self.config.optim.epochs:
            save_model(self.out / FINAL_MODEL, self.model, self.final_summary(), record=True)
        if self.progress:
            acc = f" test_acc={row['test_accuracy']:.4f}" if "test_accuracy" in row else ""
            tqdm.write(
                f"epoch {epochs_done}: loss={row['train_loss']:.3f} train_acc={row['train_accuracy']:.3f}{acc} "
                f"{window_summary(self.model)} E[t]={row['train_mean_steps']:.2f} ({row['seconds']:.0f}s)"
                + (f" [{'; '.join(row['events'])}]" if row["events"] else "")
            )

    def _save_checkpoint(self, epochs_done: int, partial: dict | None = None) -> None:
        """Write the resumable checkpoint; ``partial`` (data order, next batch, running sums)
        marks one written inside epoch ``epochs_done + 1``."""
        if not self.parallel.is_main:
            return
        save_checkpoint(
            self.out / CHECKPOINT,
            config=self.config.to_dict(),
            model_config=self.model.config.to_dict(),
            model_state=self.model.state_dict(),
            optimizer_state=self.optimizer.state_dict(),
            data_generator=self.data_gen.get_state(),
            init_generator=self.init_gen.get_state(),
            epoch=epochs_done,
            step=self.step,
            history=self.history,
            last_step_mass=float(self.last_step_mass),
            **({"partial": partial} if partial is not None else {}),
        )

    def final_summary(self) -> dict:
        """What a model file records about its training."""
        last = self.history[-1]
        return {
            "config": self.config.to_dict(),
            "dataset": self.train_data.name,
            "data": self.data_summary,
            "epochs": len(self.history),
            "window": self.model.window,
            "params": self.model.param_count(),
            "test": {k[5:]: v for k, v in last.items() if k.startswith("test_")},
            "device": str(self.device) if self.device.type == "cpu" else torch.cuda.get_device_name(self.device),
            "train_seconds": sum(r["seconds"] for r in self.history),
        }


def train(
    config: TrainConfig, out_dir: str | Path, resume: bool = False, progress: bool = True, distributed: bool = False
) -> dict:
    """Train a lattice RCNN as configured; see :class:`Trainer`.

    With ``distributed=True`` this process is one rank of a job launched by torchrun
    (see :mod:`neurogrow.train.distributed`); every rank returns the final metrics.
    """
    check_config(config)
    if not distributed:
        with output_lock(out_dir):  # one process per run directory
            return Trainer(config, out_dir, resume=resume, progress=progress).run()
    with (
        process_group(resolve_device(config.device), config.optim.batch_size) as parallel,
        output_lock(out_dir) if parallel.is_main else nullcontext(),
    ):
        return Trainer(config, out_dir, resume=resume, progress=progress, parallel=parallel).run()

