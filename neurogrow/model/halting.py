"""Halting distributions over recurrent steps, and the time used on each input.

Steps are counted from 1 in everything returned to users (``expected_steps``,
``exit_step``); tensors are indexed from 0.

This module owns the exit rule: an input exits at the first step t where its cumulative
halting probability ``sum_{s<=t} pi(s | x)`` reaches the threshold (within
:data:`EXIT_TOLERANCE`), and at the last step at the latest. Early-exit inference
(:mod:`neurogrow.inference.early_exit`), the HDF5 times file (:mod:`neurogrow.io.times`), the
time cost (:func:`neurogrow.model.costs.time_cost`) and evaluation all call the functions
here; :func:`expected_steps`, :func:`exit_step` and :func:`reached_threshold` accept torch
tensors and NumPy arrays alike.
"""
from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

from neurogrow.errors import NeurogrowError

#: Default cumulative halting probability at which an input exits.
DEFAULT_THRESHOLD = 0.5
#: Tolerance of the threshold comparison: a cumulative probability that falls short of the
#: threshold by float rounding only still counts as reaching it.
EXIT_TOLERANCE = 1e-6

ArrayT = TypeVar("ArrayT", torch.Tensor, np.ndarray)


def check_threshold(threshold: object, name: str = "threshold") -> float:
    """Return ``threshold`` as a float if it is in (0, 1]; raise :class:`NeurogrowError` otherwise.

    ``name`` is how the error message calls the value (e.g. ``--threshold``).
    """
    try:
        if isinstance(threshold, (str, bytes, bool)):
            raise TypeError(type(threshold).__name__)
        value = float(threshold)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NeurogrowError(f"{name} {threshold!r}: expected a number in (0, 1]") from None
    if not 0.0 < value <= 1.0:
        raise NeurogrowError(f"{name} {threshold!r}: expected a cumulative halting probability in (0, 1]")
    return value


def reached_threshold(cumulative: ArrayT, threshold: float) -> ArrayT:
    """Whether a cumulative halting probability has reached ``threshold`` (the exit rule's test)."""
    return cumulative >= threshold - EXIT_TOLERANCE


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


def expected_steps(pi: ArrayT) -> ArrayT:
    """E_pi[t] with steps counted from 1; shape (B,) from a (B, T) tensor or array."""
    if isinstance(pi, np.ndarray):
        return pi @ np.arange(1, pi.shape[1] + 1)
    steps = torch.arange(1, pi.shape[1] + 1, device=pi.device, dtype=pi.dtype)
    return pi @ steps


def exit_step(pi: ArrayT, threshold: float = DEFAULT_THRESHOLD) -> ArrayT:
    """First step (from 1) at which the cumulative halting probability reaches ``threshold``.

    The last step if it never does. A (B, T) tensor gives an int64 tensor, an array an int32 array.
    """
    if isinstance(pi, np.ndarray):
        reached_np = reached_threshold(np.cumsum(pi, axis=1), threshold)
        reached_np[:, -1] = True
        return (reached_np.argmax(axis=1) + 1).astype(np.int32)
    reached = reached_threshold(torch.cumsum(pi, dim=1), threshold)
    reached[:, -1] = True
    return reached.float().argmax(dim=1) + 1


def adaptive_log_halting(halt_logits: torch.Tensor) -> torch.Tensor:
    """log pi(t | x) of :func:`adaptive_halting`, computed stably from the logits.

    ``log pi_t = log sigmoid(z_t) + sum_{s<t} log sigmoid(-z_s)`` for t < T and
    ``log pi_T = sum_{s<T} log sigmoid(-z_s)``; shape (B, T).
    """
    _B, T = halt_logits.shape
    if T == 1:
        return torch.zeros_like(halt_logits)
    z = halt_logits[:, :-1]
    log_go_on = torch.nn.functional.logsigmoid(-z)
    before = torch.cat([torch.zeros_like(z[:, :1]), torch.cumsum(log_go_on, dim=1)], dim=1)  # log P(reach t)
    log_stop = torch.cat([torch.nn.functional.logsigmoid(z), torch.zeros_like(z[:, :1])], dim=1)
    return before + log_stop


def stopping_cost(step_losses: torch.Tensor, price: float) -> torch.Tensor:
    """The cost of stopping at each step: ``c_t(x) = L_t(x) + price * t`` (steps from 1); shape (B, T)."""
    steps = torch.arange(1, step_losses.shape[1] + 1, device=step_losses.device, dtype=step_losses.dtype)
    return step_losses + price * steps


def stopping_target(step_losses: torch.Tensor, price: float, temperature: float = 0.0) -> torch.Tensor:
    """The halting distribution that the ``optimal-stop`` objective trains pi(t | x) towards.

    With the per-step losses ``L_t(x)`` of one input (taken as fixed numbers, no gradient) and
    the time price ``lambda``, stopping at step t costs ``c_t = L_t + lambda t``. The target is

    * ``temperature = 0``: all mass on ``t*(x) = argmin_t c_t`` (the first such step on ties);
    * ``temperature = tau > 0``: ``q_t = softmax_t(-c_t / tau)``, the distribution that minimises
      ``E_q[L_t] + lambda E_q[t] - tau H(q)``: the time-costed loss with an entropy bonus
      (PonderNet's KL to a geometric prior has this form).

    Returns a (B, T) tensor without gradient, rows summing to one.
    """
    with torch.no_grad():
        cost = stopping_cost(step_losses.detach().float(), price)
        if temperature > 0:
            return torch.softmax(-cost / temperature, dim=1)
        return torch.nn.functional.one_hot(cost.argmin(dim=1), cost.shape[1]).float()


def last_step_need(step_losses: torch.Tensor, price: float) -> torch.Tensor:
    """Share of inputs whose cheapest stopping step (:func:`stopping_target`, hard) is the last one.

    The growth-in-time signal of the ``optimal-stop`` objective: the last step is *needed* by an
    input when ``L_T + lambda T < L_s + lambda s`` for every earlier s, that is when it lowers the
    loss by more than its price. Unlike the learned pi's mass on the last step, this does not
    depend on where the halting head happens to put its mass (a negative initial bias puts most
    of it on the last step before anything is learned). A scalar tensor in [0, 1].
    """
    with torch.no_grad():
        cost = stopping_cost(step_losses.detach().float(), price)
        return (cost.argmin(dim=1) == cost.shape[1] - 1).float().mean()
