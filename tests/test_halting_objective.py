"""The halting objectives (``costs.time_objective``): what each trains, what it detaches, when T grows.

Each test here was checked against a planted bug (noted in its docstring): it fails with the bug.
"""
from __future__ import annotations

import pytest
import torch

from neurogrow.model.config import ModelConfig
from neurogrow.model.costs import CostConfig
from neurogrow.model.growth import GrowthConfig, update_window
from neurogrow.model.halting import (
    adaptive_halting,
    adaptive_log_halting,
    expected_steps,
    last_step_need,
    stopping_target,
)
from neurogrow.model.halting_head import HaltingHead, halting_signals
from neurogrow.model.lattice import LatticeOutput, LatticeRCNN
from neurogrow.train.step import TrainStep, objective, step_losses

K = 5


def test_log_halting_matches_halting():
    z = torch.randn(64, 5) * 4
    assert torch.allclose(adaptive_log_halting(z).exp(), adaptive_halting(z), atol=1e-6)
    assert torch.allclose(adaptive_log_halting(z[:, :1]), torch.zeros(64, 1))


def test_stopping_target_is_the_cheapest_step():
    # per-step losses of 3 inputs; price 0.1 per step
    ce = torch.tensor([[1.0, 0.2, 0.15, 0.14], [0.1, 0.1, 0.1, 0.1], [2.0, 1.5, 1.0, 0.5]])
    hard = stopping_target(ce, 0.1)
    assert hard.argmax(1).tolist() == [1, 0, 3]  # 0.2+0.2 < 0.15+0.3; ties -> earliest; steady gains
    soft = stopping_target(ce, 0.1, temperature=0.05)
    cost = ce + 0.1 * torch.arange(1, 5)
    assert torch.allclose(soft, torch.softmax(-cost / 0.05, 1))
    assert last_step_need(ce, 0.1).item() == pytest.approx(1 / 3)
    # a higher price never moves the cheapest step later
    assert (stopping_target(ce, 0.5).argmax(1) <= hard.argmax(1)).all()


def _difficulty_batch(n: int, gen: torch.Generator, T: int = 4):
    """Per-step class logits of inputs that need d = 1, 2 or 3 steps: before step d the logits
    are noise that ignores the label; from step d on they are one fixed draw that favours the
    label (strength varies), so later steps add nothing."""
    d = torch.randint(1, 4, (n,), generator=gen)
    y = torch.randint(0, K, (n,), generator=gen)
    noise = torch.randn(n, T, K, generator=gen) * 1.5
    answer = torch.randn(n, 1, K, generator=gen) + (3 + 2 * torch.rand(n, 1, 1, generator=gen)) * torch.nn.functional.one_hot(y, K).unsqueeze(1)
    ready = (torch.arange(1, T + 1).unsqueeze(0) >= d.unsqueeze(1)).unsqueeze(-1)  # (n, T, 1)
    return torch.where(ready, answer.expand(n, T, K), noise), y, d


def _train_head(price: float, objective_name: str = "optimal-stop", iters: int = 300, seed: int = 0) -> HaltingHead:
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    head = HaltingHead(max_steps=4, hidden=32, halt_bias=-2.0, generator=gen)
    opt = torch.optim.Adam(head.parameters(), lr=0.02)
    costs = CostConfig(time_price=price, time_objective=objective_name)
    for _ in range(iters):
        logits, y, _ = _difficulty_batch(256, gen)
        z = head(halting_signals(logits, torch.zeros(logits.shape[:2]), 4))
        out = LatticeOutput(logits, adaptive_halting(z), halt_logits=z)
        _, halting_loss, _ = objective(out, y, costs, 0.0, 0.0)
        opt.zero_grad()
        halting_loss.backward()
        opt.step()
    return head


def _steps_by_difficulty(head: HaltingHead) -> list[float]:
    logits, _, d = _difficulty_batch(3000, torch.Generator().manual_seed(99))
    with torch.no_grad():
        e = expected_steps(adaptive_halting(head(halting_signals(logits, torch.zeros(logits.shape[:2]), 4))))
    return [e[d == k].mean().item() for k in (1, 2, 3)]


def test_trained_halting_orders_inputs_by_the_steps_they_need():
    """Inputs that need 1, 2 or 3 steps get increasing E[t], each near what it needs, and a
    higher price gives fewer steps. Fails if the target ignores the per-input losses (a batch
    mean in stopping_target) or if the head's signals carry no per-step information."""
    steps = _steps_by_difficulty(_train_head(0.05))
    assert steps[0] < steps[1] < steps[2], steps
    assert steps[1] - steps[0] > 0.3 and steps[2] - steps[1] > 0.3 and steps[0] < 1.6, steps
    # a price above every gain: every input stops at step 1
    expensive = _steps_by_difficulty(_train_head(3.0, iters=150))
    assert max(expensive) < 1.3, expensive


def test_new_objective_trains_every_step_and_the_head_alone():
    """Gradient test of what the optimal-stop objective detaches: the halting loss reaches only
    the halting head and the readout's halting row, the task loss never reaches the head, and
    every step's readout gets the task gradient even where pi puts no mass. Fails if
    halting_signals stops detaching the class logits, or if the task term is weighted by pi."""
    torch.manual_seed(0)
    cfg = ModelConfig(channels=[4, 8], steps=3, halting_head="mlp", halt_bias=-8.0)  # pi ~ all on the last step
    model = LatticeRCNN(cfg, seed=0)
    with torch.no_grad():
        model.halt_head.w2.normal_(0, 0.01)  # as after some training (it starts at 0: no gradient to w1 yet)
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
    out = model(x)
    assert out.halting[:, -1].min() > 0.99
    task, halting_loss, _ = objective(out, y, CostConfig(time_price=0.05), smoothing=0.1, step_supervision=0.0)
    head = list(model.halt_head.parameters())
    trunk = [p for layer in model.layers for p in (layer.w_bottom_up, layer.w_lateral, layer.bias, layer.gate, layer.depth_gate)
             if p is not None]
    g_trunk = torch.autograd.grad(halting_loss, trunk, retain_graph=True, allow_unused=True)
    assert all(g is None or g.abs().max() == 0 for g in g_trunk)
    g_rows = torch.autograd.grad(halting_loss, [layer.w_readout for layer in model.layers], retain_graph=True)
    assert all(g[:-1].abs().max() == 0 for g in g_rows)  # class rows untouched
    assert any(g[-1].abs().max() > 0 for g in g_rows)  # the halting row is trained
    g_head = torch.autograd.grad(task, head, retain_graph=True, allow_unused=True)
    assert all(g is None or g.abs().max() == 0 for g in g_head)
    assert any(g.abs().max() > 0 for g in torch.autograd.grad(halting_loss, head, retain_graph=True))
    # every step's logits get the same share of the task gradient although pi ~ (0, 0, 1)
    g_logits = torch.autograd.grad(task, out.logits, retain_graph=True)[0]
    per_step = g_logits.abs().sum(dim=(0, 2))
    assert per_step.min() > 0.2 * per_step.max()


def test_expected_cost_takes_step_losses_as_fixed():
    """In the expected-cost ablation the halting term sees CE_t as fixed costs: no gradient of
    it reaches the class logits. Fails if the stopgrad on CE_t is dropped."""
    model = LatticeRCNN(ModelConfig(channels=[4, 8], steps=3, halting_head="mlp"), seed=0)
    out = model(torch.randn(8, 3, 32, 32))
    _, halting_loss, _ = objective(out, torch.randint(0, 10, (8,)), CostConfig(time_price=0.05, time_objective="expected-cost"), 0.1, 0)
    (g,) = torch.autograd.grad(halting_loss, out.logits, allow_unused=True)
    assert g is None or g.abs().max() == 0


def _flat_output(B: int = 64, T: int = 4, last_mass_logit: float = -8.0) -> tuple[LatticeOutput, torch.Tensor]:
    """Every step gives the same logits (another step never helps); pi puts ~all mass on the last step."""
    y = torch.randint(0, K, (B,), generator=torch.Generator().manual_seed(1))
    logits = torch.randn(B, 1, K, generator=torch.Generator().manual_seed(2)).expand(B, T, K).clone()
    z = torch.full((B, T), last_mass_logit)
    return LatticeOutput(logits, adaptive_halting(z), halt_logits=z), y


def test_time_does_not_grow_when_the_last_step_is_not_needed():
    """pi's last-step mass is 0.98 for a reason unrelated to need (a very negative halting bias),
    while another step never lowers the loss: the new objective's growth signal is 0, so T stays;
    under 'coupled' the same output grows T. Fails if the growth signal is pi's last-step mass."""
    out, y = _flat_output()
    assert out.halting[:, -1].mean() > 0.98
    growth = GrowthConfig(grow_threshold=10, depth_grow_threshold=10)  # only time may change
    for name, grows in (("optimal-stop", False), ("expected-cost", False), ("coupled", True)):
        _, _, signal = objective(out, y, CostConfig(time_price=0.01, time_objective=name), 0.0, 0.3)
        model = LatticeRCNN(ModelConfig(channels=[4], steps=4, max_steps=8), seed=0)
        for _ in range(5):
            update_window(model, growth, float(signal))
        assert (model.steps > 4) == grows, (name, float(signal), model.steps)


def test_time_grows_when_the_last_step_pays_for_itself():
    B, T = 64, 3
    y = torch.zeros(B, dtype=torch.long)
    logits = torch.zeros(B, T, K)
    logits[:, :, 0] = torch.tensor([0.0, 1.0, 3.0])  # each step lowers CE by much more than the price
    z = torch.full((B, T), 2.0)  # pi ~ stops at step 1: its last-step mass is small
    out = LatticeOutput(logits, adaptive_halting(z), halt_logits=z)
    _, _, signal = objective(out, y, CostConfig(time_price=0.01), 0.0, 0.0)
    assert signal.item() == 1.0
    model = LatticeRCNN(ModelConfig(channels=[4], steps=T, max_steps=8), seed=0)
    update_window(model, GrowthConfig(grow_threshold=10, depth_grow_threshold=10), float(signal))
    assert model.steps == T + 1


def test_trainstep_records_the_growth_signal_and_coupled_is_unchanged():
    """'coupled' keeps the pre-2026-12 loss exactly: sum_t w_t CE_t + lambda E_pi[t]."""
    torch.manual_seed(0)
    model = LatticeRCNN(ModelConfig(channels=[4, 8], steps=3, halting_head="readout"), seed=0)
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
    out = model(x)
    costs = CostConfig(time_price=0.03, time_objective="coupled")
    task, halting_loss, signal = objective(out, y, costs, 0.1, 0.3)
    ce = step_losses(out, y, 0.1)
    w = 0.7 * out.halting + 0.3 / 3
    assert torch.allclose(task, (w * ce).sum(1).mean())
    assert torch.allclose(halting_loss, 0.03 * expected_steps(out.halting).mean())
    assert torch.allclose(signal, out.halting[:, -1].mean())
    from neurogrow.model.growth import make_optimizer

    step = TrainStep(model, make_optimizer(model, 0.1, 0.9, 0), 0.1, 0.3, costs)
    step(x, y, 0.1)
    assert 0 <= float(step.growth_signal) <= 1


def test_old_model_files_and_configs_keep_the_coupled_objective():
    from neurogrow.train.config import config_differences, with_legacy_values

    old = {"costs": {"time_price": 0.03}, "model": {"steps": 4}}
    assert with_legacy_values(old)["costs"]["time_objective"] == "coupled"
    new = {"costs": {"time_price": 0.03, "time_objective": "coupled", "time_temperature": 0.0},
           "model": {"steps": 4, "halting_head": "auto"}}
    assert config_differences(old, new) == []
    assert config_differences(old, {**new, "costs": {**new["costs"], "time_objective": "optimal-stop"}}) == ["costs.time_objective"]
    # a model config without the key (every file written before it) builds the readout head
    assert LatticeRCNN(ModelConfig(channels=[4]), seed=0).halt_head is None
