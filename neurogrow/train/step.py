"""One training step of the lattice RCNN, shared by the training loop and the speed benchmark.

Per batch: ``loss = sum_t w_t CE(y_t) + lambda_T E_pi[t] (+ differentiable gate costs)``
with ``w_t = (1 - alpha) pi_t + alpha / T``; SGD step; proximal step of the L1 breadth and
depth costs. :class:`TrainStep` returns tensors only (no ``.item()``), so on a GPU the
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
        forward pass's output (detached use only). ``lap(phase)`` is called after each of the
        phases ``forward``, ``loss``, ``backward`` and ``optimizer`` (for timing)."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        device_type = x.device.type
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=self.amp):
            out = self._forward(x)
        lap("forward")
        task = task_loss(out, y, self.label_smoothing, self.step_supervision)
        loss = task + self.costs.time_price * time_cost(out.halting)
        loss = loss + differentiable_costs(self.model, self.costs)
        lap("loss")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        lap("backward")
        self.optimizer.step()
        proximal_step(self.model, self.costs, lr)
        lap("optimizer")
        return task.detach(), out
