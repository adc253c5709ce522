"""One training step of the lattice RCNN, shared by the training loop and the speed benchmark.

Per batch: ``loss = task + halting (+ differentiable gate costs)``; SGD step; proximal step of
the L1 breadth and depth costs. ``CE_t`` is the cross-entropy of step t's logits (with label
smoothing in the task term, without it in the halting terms), lambda_T the time price, and the
halting terms depend on ``costs.time_objective``:

* ``optimal-stop`` (default): ``task = mean_t CE_t``, every step's readout trained at equal
  weight whatever the halting; ``halting = -sum_t q_t(x) log pi_t(x)``, the cross-entropy from
  the cheapest-stopping target ``q`` (:func:`~neurogrow.model.halting.stopping_target`, built
  from ``CE_t + lambda_T t`` with the CE taken as fixed numbers) to the halting distribution.
  Its minimiser over pi is ``q`` itself, the halting that minimises the time-costed loss
  ``E_pi[CE_t] + lambda_T E_pi[t]`` image by image; the gradient reaches only the halting head.
  Growth signal: the share of inputs whose cheapest step is the last
  (:func:`~neurogrow.model.halting.last_step_need`).
* ``expected-cost`` (ablation): ``task = mean_t CE_t``; ``halting = sum_t pi_t stopgrad(CE_t) +
  lambda_T E_pi[t]``, the time-costed loss itself with the per-step losses as fixed costs.
  Growth signal as ``optimal-stop``.
* ``coupled`` (before 2026-12): ``task = sum_t w_t CE_t`` with ``w_t = (1 - alpha) pi_t + alpha /
  T``, ``halting = lambda_T E_pi[t]``; growth signal: the mean of pi's last-step mass. :class:`TrainStep` returns tensors only (no ``.item()``), so on a GPU the
step never waits for the device; callers read numbers when they need them.

The GPU path: with ``compile`` set, the forward pass runs through ``torch.compile``
(``"inductor"``; ``"cudagraphs"`` = inductor with CUDA graphs, ``mode="reduce-overhead"``;
or any registered dynamo backend name, e.g. ``"aot_eager"`` to check the path on a CPU).
A window change makes new parameter tensors of new shapes, so :meth:`TrainStep.rebuild`
drops the compiled code and the next full batch compiles once for the new window. The
last, smaller batch of an epoch runs eagerly, so a window is compiled for one batch
shape only: at most one compilation per window.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from neurogrow.errors import ConfigError
from neurogrow.model.costs import CostConfig, differentiable_costs, proximal_step, time_cost
from neurogrow.model.halting import last_step_need, stopping_target
from neurogrow.model.lattice import LatticeOutput, LatticeRCNN

#: ``compile`` values that are not dynamo backend names.
COMPILE_MODES = {"inductor": ("inductor", None), "cudagraphs": ("inductor", "reduce-overhead")}


def task_loss(out: LatticeOutput, y: torch.Tensor, smoothing: float, step_supervision: float) -> torch.Tensor:
    """Halting-weighted per-step cross-entropy, ``mean_b sum_t w_t CE(y_t)`` with
    ``w_t = (1 - alpha) pi_t + alpha / T``."""
    B, T, K = out.logits.shape
    ce = F.cross_entropy(
        out.logits.float().reshape(B * T, K), y.repeat_interleave(T), reduction="none", label_smoothing=smoothing
    ).view(B, T)
    weights = (1 - step_supervision) * out.halting + step_supervision / T
    return (weights * ce).sum(1).mean()


def step_losses(out: LatticeOutput, y: torch.Tensor, smoothing: float = 0.0) -> torch.Tensor:
    """Per-input, per-step cross-entropy ``CE_t``, shape (B, T)."""
    B, T, K = out.logits.shape
    return F.cross_entropy(
        out.logits.float().reshape(B * T, K), y.repeat_interleave(T), reduction="none", label_smoothing=smoothing
    ).view(B, T)


def objective(
    out: LatticeOutput, y: torch.Tensor, costs: CostConfig, smoothing: float, step_supervision: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(task, halting, growth_signal)`` of ``costs.time_objective`` (formulas: the module docstring).

    ``task + halting`` is the loss (without the gate costs); ``growth_signal`` (no gradient) is
    what :func:`~neurogrow.model.growth.update_window` compares with the time thresholds.
    """
    price = costs.time_price
    if costs.time_objective == "coupled":
        task = task_loss(out, y, smoothing, step_supervision)
        return task, price * time_cost(out.halting), out.halting[:, -1].detach().mean()
    task = step_losses(out, y, smoothing).mean()
    with torch.no_grad():
        ce = step_losses(out, y)
    need = last_step_need(ce, price)
    if costs.time_objective == "expected-cost":
        halting = (out.halting * ce).sum(1).mean() + price * time_cost(out.halting)
        return task, halting, need
    target = stopping_target(ce, price, costs.time_temperature)
    return task, -(target * out.log_halting()).sum(1).mean(), need


def check_compile(name: str) -> None:
    """Raise ConfigError unless ``name`` is empty, a mode of :data:`COMPILE_MODES` or a dynamo backend."""
    if not name or name in COMPILE_MODES:
        return
    import torch._dynamo

    backends = torch._dynamo.list_backends(exclude_tags=())
    if name not in backends:
        raise ConfigError(
            f"config key 'compile': {name!r} is neither '', {', '.join(map(repr, COMPILE_MODES))} "
            f"nor a torch.compile backend ({', '.join(backends)})"
        )


def _no_lap(phase: str) -> None:
    pass


class TrainStep:
    """The training step of one run; call it once per batch.

    Parameters
    ----------
    model
        The lattice model (its gates carry the costs; the proximal step changes them).
    optimizer
        From :func:`neurogrow.model.growth.make_optimizer`.
    label_smoothing, step_supervision
        Of the task loss.
    costs
        Prices of time, breadth and depth.
    amp
        bfloat16 autocast of the forward pass (CUDA only; ignored on the CPU).
    compile
        ``""`` (eager), ``"inductor"``, ``"cudagraphs"`` or a dynamo backend name.
    net
        The module that runs the forward pass (a DDP wrapper of ``model``); default ``model``.
    """

    def __init__(
        self,
        model: LatticeRCNN,
        optimizer: torch.optim.Optimizer,
        label_smoothing: float,
        step_supervision: float,
        costs: CostConfig,
        amp: bool = False,
        compile: str = "",
        net: nn.Module | None = None,
    ) -> None:
        check_compile(compile)
        self.label_smoothing = label_smoothing
        self.step_supervision = step_supervision
        self.costs = costs
        self.compile = compile
        self.compilations = 0  # how many times a compiled forward was built (one per window)
        self.rebuild(model, optimizer, net)
        self.amp = amp and next(model.parameters()).device.type == "cuda"
        self.full_batch: int | None = None
        #: the last batch's growth-in-time signal (:func:`objective`), a device tensor
        self.growth_signal: torch.Tensor = torch.zeros(())

    def rebuild(self, model: LatticeRCNN, optimizer: torch.optim.Optimizer, net: nn.Module | None = None) -> None:
        """Point the step at the current window (call after every window change)."""
        self.model, self.optimizer = model, optimizer
        self.net = net if net is not None else model
        self._compiled: Callable | None = None
        if self.compile:
            import torch._dynamo

            torch._dynamo.reset()  # the old window's code can never run again: do not count it

    def _forward(self, x: torch.Tensor) -> LatticeOutput:
        if not self.compile:
            return self.net(x)
        if self.full_batch is None:
            self.full_batch = len(x)
        if len(x) != self.full_batch:  # an epoch's last, smaller batch: eager, no second compilation
            return self.net(x)
        if self._compiled is None:
            backend, mode = COMPILE_MODES.get(self.compile, (self.compile, None))
            self._compiled = torch.compile(self.net, backend=backend, mode=mode, dynamic=False)
            self.compilations += 1
        return self._compiled(x)

    def __call__(
        self, x: torch.Tensor, y: torch.Tensor, lr: float, lap: Callable[[str], None] = _no_lap
    ) -> tuple[torch.Tensor, LatticeOutput]:
        """One step on batch ``(x, y)`` at learning rate ``lr``; returns the task loss and the
        forward pass's output (detached use only); the batch's growth-in-time signal is left in
        :attr:`growth_signal`. ``lap(phase)`` is called after each of the
        phases ``forward``, ``loss``, ``backward`` and ``optimizer`` (for timing)."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        device_type = x.device.type
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=self.amp):
            out = self._forward(x)
        lap("forward")
        task, halting, self.growth_signal = objective(
            out, y, self.costs, self.label_smoothing, self.step_supervision
        )
        loss = task + halting + differentiable_costs(self.model, self.costs)
        lap("loss")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        lap("backward")
        self.optimizer.step()
        proximal_step(self.model, self.costs, lr)
        lap("optimizer")
        return task.detach(), out
