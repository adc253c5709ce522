"""The ``mlp`` halting head: a head of its own that reads signals of whether another step will help.

``z_t = MLP(s_t)`` where the signals ``s_t`` (:func:`halting_signals`) are computed from
detached tensors, so that the halting loss never moves the trunk or the class readout. See
``docs/model.md`` ("Time") for why the head exists and what it sees.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

#: Hidden units of the ``mlp`` halting head.
HALT_HIDDEN = 32


def _uniform(out_dim: int, in_dim: int, generator: torch.Generator | None) -> torch.Tensor:
    bound = 1.0 / math.sqrt(in_dim)
    return (torch.rand(out_dim, in_dim, generator=generator) * 2 - 1) * bound


#: Number of per-step signals of :class:`HaltingHead` before the step's one-hot index.
HALT_SIGNALS = 6


def halting_signals(logits: torch.Tensor, readout_row: torch.Tensor, max_steps: int, first_step: int = 0) -> torch.Tensor:
    """The inputs of :class:`HaltingHead` per step, shape (B, T, HALT_SIGNALS + max_steps), no gradient.

    ``logits`` (B, T, K) are detached here; ``readout_row`` (B, T) is computed on detached states
    (:meth:`LatticeRCNN.detached_halt_row`), so its gradient reaches that readout row only. Per
    step t: the readout row,
    ``max_k p_t``, ``H(p_t) / log K``, the margin ``p_(1) - p_(2)``, ``0.5 ||p_t - p_{t-1}||_1``
    (0 at t = 1), ``[argmax p_t != argmax p_{t-1}]`` (0 at t = 1), then one-hot(t).
    ``first_step``: the step (from 0) of ``logits[:, 0]``, when they are a window of the steps.
    """
    B, T, K = logits.shape
    p = torch.softmax(logits.detach().float(), dim=-1)
    top2 = p.topk(min(2, K), dim=-1).values
    margin = top2[..., 0] - (top2[..., 1] if K > 1 else 0.0)
    entropy = -(p * torch.log(p.clamp_min(1e-12))).sum(-1) / math.log(max(K, 2))
    previous = torch.cat([p[:, :1], p[:, :-1]], dim=1)
    change = 0.5 * (p - previous).abs().sum(-1)
    switched = (p.argmax(-1) != previous.argmax(-1)).float()
    index = F.one_hot(torch.arange(first_step, first_step + T, device=logits.device), max_steps).float().expand(B, T, max_steps)
    scalars = torch.stack([readout_row.float(), top2[..., 0], entropy, margin, change, switched], dim=-1)
    return torch.cat([scalars, index], dim=-1)


class HaltingHead(nn.Module):
    """``z_t = w2 . relu(W1 s_t + b1) + b2``: the ``mlp`` halting head (see :func:`halting_signals`).

    ``b2`` starts at ``halt_bias`` and ``w2`` at zero, so at initialisation every input has the
    hazard ``sigmoid(halt_bias)`` at every step, as the readout head does.
    """

    def __init__(self, max_steps: int, hidden: int, halt_bias: float, generator: torch.Generator | None = None) -> None:
        super().__init__()
        n_in = HALT_SIGNALS + max_steps
        self.w1 = nn.Parameter(_uniform(hidden, n_in, generator))
        self.b1 = nn.Parameter(torch.zeros(hidden))
        self.w2 = nn.Parameter(torch.zeros(hidden))
        self.b2 = nn.Parameter(torch.tensor(float(halt_bias)))

    def forward(self, signals: torch.Tensor) -> torch.Tensor:
        return F.relu(signals @ self.w1.t() + self.b1) @ self.w2 + self.b2


def step_signals(
    logits: torch.Tensor, previous: torch.Tensor | None, readout_row: torch.Tensor, t: int, max_steps: int
) -> torch.Tensor:
    """:func:`halting_signals` of step ``t`` (from 0) alone, shape (B, HALT_SIGNALS + max_steps): from
    that step's logits (B, K), the previous step's (None at t = 0) and its readout row (B,). Early
    exit computes the halting logit step by step with it, as the full forward pass does at once."""
    stacked = logits[:, None] if previous is None else torch.stack([previous, logits], dim=1)
    rows = readout_row[:, None].expand(-1, stacked.shape[1])
    return halting_signals(stacked, rows, max_steps, first_step=max(t - 1, 0) if previous is not None else t)[:, -1]
