"""Halting distributions over recurrent steps, and the time used on each input.

Steps are counted from 1 in everything returned to users (``expected_steps``,
``exit_step``); tensors are indexed from 0.
"""
from __future__ import annotations

import torch


def adaptive_halting(halt_logits: torch.Tensor) -> torch.Tensor:
    """Halting distribution pi(t | x) from per-step halting logits.

    ``pi_t = lambda_t * prod_{s<t} (1 - lambda_s)`` with ``lambda_t = sigmoid(logit_t)``;
    the last step takes the remaining mass, so each row sums to one (PonderNet).

    Parameters
    ----------
    halt_logits
        Shape (B, T).

    Returns
    -------
    torch.Tensor
        Shape (B, T), rows summing to one.
    """
    if halt_logits.shape[1] == 1:
        return torch.ones_like(halt_logits)
    lam = torch.sigmoid(halt_logits[:, :-1])
    log_survive = torch.cumsum(torch.log1p(-lam.clamp(max=1 - 1e-7)), dim=1)
    survive = torch.exp(log_survive)  # P(not halted after step t)
    before = torch.cat([torch.ones_like(lam[:, :1]), survive], dim=1)  # P(reach step t)
    lam_full = torch.cat([lam, torch.ones_like(lam[:, :1])], dim=1)
    return before * lam_full


def fixed_halting(time_logits: torch.Tensor, batch_size: int) -> torch.Tensor:
    """One learned distribution over steps, ``softmax(time_logits)``, repeated per input."""
    return torch.softmax(time_logits, dim=0).unsqueeze(0).expand(batch_size, -1)


def expected_steps(pi: torch.Tensor) -> torch.Tensor:
    """E_pi[t] with steps counted from 1; shape (B,)."""
    steps = torch.arange(1, pi.shape[1] + 1, device=pi.device, dtype=pi.dtype)
    return pi @ steps


def exit_step(pi: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """First step (from 1) at which the cumulative halting probability reaches ``threshold``."""
    reached = torch.cumsum(pi, dim=1) >= threshold - 1e-6
    reached[:, -1] = True
    return reached.float().argmax(dim=1) + 1
