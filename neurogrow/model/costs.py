"""Differentiable costs of the window in breadth, depth and time, and their proximal steps.

* Breadth: ``C_B = sum_l sum_c beta(c) |g_{l,c}|^p`` with ``beta(c) = 1 + rank_slope * c``
  increasing with the channel's rank c (from 0), so the window's edge is the cheapest
  place to stop; p = 1 (``"l1"``) or 2 (``"l2"``).
* Depth: ``C_D = sum_l delta(l) |a_l|`` with ``delta(l) = l`` (layers counted from 1).
* Time: ``C_T = E_pi[t]`` averaged over the batch.

The costs sit on the gates, not on convolution weights: a weight cost followed by a
per-channel normalisation is scale-invariant and does nothing. For the L1 costs the
optimiser takes a proximal step (soft-thresholding) after each gradient step, which
puts unused gates at exactly zero so that the units can be pruned exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from neurogrow.model.halting import expected_steps
from neurogrow.model.lattice import LatticeRCNN

BREADTH_NORMS = ("l1", "l2")
#: How the halting distribution is trained against its time price (``costs.time_objective``;
#: :mod:`neurogrow.train.step` has the formulas).
TIME_OBJECTIVES = ("optimal-stop", "expected-cost", "coupled")
#: The halting head each objective uses when ``model.halting_head = "auto"``.
HEAD_FOR_OBJECTIVE = {"optimal-stop": "mlp", "expected-cost": "mlp", "coupled": "readout"}


@dataclass
class CostConfig:
    """Prices of the three dimensions and the shape of the breadth cost.

    Attributes
    ----------
    breadth_price
        lambda_B in ``loss = task + lambda_B C_B + lambda_D C_D + lambda_T C_T``: price of channels.
    depth_price
        lambda_D in the loss: price of layers.
    time_price
        lambda_T in the loss: price of expected steps E[t].
    breadth_norm
        ``"l1"`` (|g|, with a proximal step) or ``"l2"`` (g^2, plain gradient).
    rank_slope
        Slope of beta(c) = 1 + rank_slope * c.
    time_objective
        How halting is trained against the time price (:mod:`neurogrow.train.step`):
        ``"optimal-stop"`` (the default): every step's readout at equal weight, and pi(t | x)
        fitted by cross-entropy to the cheapest stopping step ``argmin_t CE_t(x) + lambda_T t``
        of each input (:func:`~neurogrow.model.halting.stopping_target`), with a halting head of
        its own; T grows when the last step pays for its price on enough inputs.
        ``"expected-cost"``: every step's readout at equal weight, and pi trained on
        ``E_pi[stopgrad CE_t] + lambda_T E_pi[t]`` (an ablation).
        ``"coupled"``: the objective of the models trained before 2026-12 (``sum_t w_t CE_t +
        lambda_T E_pi[t]``, ``w_t = (1 - alpha) pi_t + alpha / T``, the halting logit a row of the
        class readout, T growing with the learned pi's last-step mass).
    time_temperature
        Temperature tau of the ``optimal-stop`` target: 0 puts all its mass on the cheapest
        step; tau > 0 gives ``softmax_t(-(CE_t + lambda_T t) / tau)``.
    """

    breadth_price: float = 0.0
    depth_price: float = 0.0
    time_price: float = 0.0
    breadth_norm: str = "l1"
    rank_slope: float = 1.0 / 16
    time_objective: str = "optimal-stop"
    time_temperature: float = 0.0

    def __post_init__(self) -> None:
        from neurogrow.errors import ConfigError

        if self.breadth_norm not in BREADTH_NORMS:
            raise ConfigError(f"costs.breadth_norm must be one of {BREADTH_NORMS}, got {self.breadth_norm!r}")
        if self.time_objective not in TIME_OBJECTIVES:
            raise ConfigError(f"costs.time_objective must be one of {TIME_OBJECTIVES}, got {self.time_objective!r}")
        for name in ("breadth_price", "depth_price", "time_price", "rank_slope", "time_temperature"):
            if getattr(self, name) < 0:
                raise ConfigError(f"costs.{name} must be >= 0, got {getattr(self, name)}")


def breadth_weights(channels: int, rank_slope: float, device=None) -> torch.Tensor:
    """beta(c) for ranks c = 0..channels-1."""
    return 1.0 + rank_slope * torch.arange(channels, device=device, dtype=torch.float32)


def breadth_cost(model: LatticeRCNN, costs: CostConfig) -> torch.Tensor:
    """C_B of the current window."""
    total = model.readout_bias.new_zeros(())
    power = 1 if costs.breadth_norm == "l1" else 2
    for layer in model.layers:
        beta = breadth_weights(layer.channels, costs.rank_slope, layer.gate.device)
        total = total + (beta * layer.gate.abs() ** power).sum()
    return total


def depth_cost(model: LatticeRCNN) -> torch.Tensor:
    """C_D of the current window."""
    total = model.readout_bias.new_zeros(())
    for layer_index, layer in enumerate(model.layers, start=1):
        total = total + layer_index * layer.depth_gate.abs()
    return total


def time_cost(halting: torch.Tensor) -> torch.Tensor:
    """C_T = E_pi[t] (steps from 1), averaged over the batch."""
    return expected_steps(halting).mean()


def differentiable_costs(model: LatticeRCNN, costs: CostConfig) -> torch.Tensor:
    """The gate costs that enter the loss by gradient (those without a proximal step)."""
    total = model.readout_bias.new_zeros(())
    if costs.breadth_norm == "l2" and costs.breadth_price > 0:
        total = total + costs.breadth_price * breadth_cost(model, costs)
    return total


@torch.no_grad()
def soft_threshold_(param: torch.Tensor, threshold: torch.Tensor | float) -> None:
    """In place: ``param <- sign(param) * max(|param| - threshold, 0)``."""
    param.copy_(torch.sign(param) * torch.clamp(param.abs() - threshold, min=0))


@torch.no_grad()
def proximal_step(model: LatticeRCNN, costs: CostConfig, lr: float) -> None:
    """Proximal step of the L1 costs after a gradient step with learning rate ``lr``."""
    if costs.breadth_norm == "l1" and costs.breadth_price > 0:
        for layer in model.layers:
            beta = breadth_weights(layer.channels, costs.rank_slope, layer.gate.device)
            soft_threshold_(layer.gate, lr * costs.breadth_price * beta)
    if costs.depth_price > 0:
        for layer_index, layer in enumerate(model.layers, start=1):
            soft_threshold_(layer.depth_gate, lr * costs.depth_price * layer_index)
