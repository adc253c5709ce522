"""Growing and pruning the window: exactness, optimizer state, and the policy under prices."""
import pytest
import torch

from neurogrow.model import GrowthConfig, LatticeRCNN, ModelConfig, update_window
from neurogrow.model.costs import CostConfig, breadth_cost, proximal_step
from neurogrow.model.growth import (
    add_top_layer,
    make_optimizer,
    remap,
    remove_top_layer,
    resize_channels,
    set_steps,
)
from neurogrow.train import load_config, train


def trained_model(seed=0, **kw):
    """A small model after a few optimizer steps, so BN statistics and momentum are non-trivial."""
    cfg = {"channels": [6, 8, 8], "max_channels": 16, "max_layers": 4, "steps": 3, "max_steps": 5, "image_size": 16, "num_classes": 4}
    cfg.update(kw)
    model = LatticeRCNN(ModelConfig(**cfg), seed=seed)
    opt = make_optimizer(model, lr=0.05, momentum=0.9, weight_decay=5e-4)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(3):
        x = torch.randn(16, 3, 16, 16, generator=gen)
        y = torch.randint(0, 4, (16,), generator=gen)
        out = model(x)
        loss = torch.nn.functional.cross_entropy(out.logits[:, -1], y) + out.expected_steps.mean() * 0.01
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, opt


def outputs(model, x):
    with torch.no_grad():
        out = model(x)
    return out.logits, out.halting


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_pruning_dead_channels_leaves_outputs_unchanged(mode):
    model, opt = trained_model()
    with torch.no_grad():
        model.layers[0].gate[[1, 4]] = 0.0
        model.layers[2].gate[[0, 7]] = 0.0
    model.train(mode == "train")
    x = torch.randn(10, 3, 16, 16)
    before = outputs(model, x)
    update_window(model, GrowthConfig(grow_threshold=1e9, depth_grow_threshold=1e9, time_prune_threshold=-1), 0.0, opt, allow_grow=False)
    assert model.window["channels"] == [4, 8, 6]
    after = outputs(model, x)
    for a, b in zip(before, after):
        assert (a - b).abs().max() < 1e-5


def test_adding_channels_and_a_layer_leaves_outputs_unchanged_at_insertion():
    model, opt = trained_model()
    model.eval()
    x = torch.randn(10, 3, 16, 16)
    before = outputs(model, x)
    resize_channels(model, 1, torch.arange(8), 5, opt)
    add_top_layer(model, opt)
    assert model.window["channels"] == [6, 13, 8, 8]
    assert model.layers[1].gate[8:].abs().sum() == 0 and model.layers[3].depth_gate.item() == 0
    after = outputs(model, x)
    for a, b in zip(before, after):
        assert (a - b).abs().max() < 1e-5


def test_new_units_receive_gradient_so_they_can_grow():
    model, _ = trained_model()
    resize_channels(model, 0, torch.arange(6), 2)
    add_top_layer(model)
    out = model(torch.randn(8, 3, 16, 16))
    torch.nn.functional.cross_entropy(out.logits[:, -1], torch.randint(0, 4, (8,))).backward()
    assert model.layers[0].gate.grad[6:].abs().min() > 0
    assert model.layers[-1].depth_gate.grad.abs() > 0


def test_removing_a_dead_top_layer_leaves_outputs_unchanged():
    model, opt = trained_model()
    model.eval()
    with torch.no_grad():
        model.layers[-1].depth_gate.zero_()
    x = torch.randn(10, 3, 16, 16)
    before = outputs(model, x)
    remove_top_layer(model, opt)
    assert model.num_layers == 2
    after = outputs(model, x)
    for a, b in zip(before, after):
        assert (a - b).abs().max() < 1e-5


def test_optimizer_state_of_kept_units_is_carried_over():
    model, opt = trained_model()
    layer = model.layers[1]
    old_w = layer.w_lateral.detach().clone()
    old_m = opt.state[layer.w_lateral]["momentum_buffer"].clone()
    keep = torch.tensor([0, 2, 3, 5, 6, 7])
    resize_channels(model, 1, keep, 2, opt)
    new_m = opt.state[layer.w_lateral]["momentum_buffer"]
    assert layer.w_lateral.shape == (8, 8, 3, 3)
    torch.testing.assert_close(layer.w_lateral.detach()[:6, :6], old_w[keep][:, keep])
    torch.testing.assert_close(new_m[:6, :6], old_m[keep][:, keep])
    assert new_m[6:].abs().sum() == 0 and new_m[:, 6:].abs().sum() == 0
    # every parameter the model has is in exactly one optimizer group, and nothing else is
    in_opt = [p for g in opt.param_groups for p in g["params"]]
    assert {id(p) for p in in_opt} == {id(p) for p in model.parameters()}
    assert len(in_opt) == len(list(model.parameters()))
    assert all(any(p is q for q in in_opt) for p in opt.state)


def test_training_continues_after_resizing():
    model, opt = trained_model()
    resize_channels(model, 0, torch.tensor([0, 1, 2]), 4, opt)
    add_top_layer(model, opt)
    set_steps(model, 4, opt)
    out = model(torch.randn(8, 3, 16, 16))
    out.logits.sum().backward()
    opt.step()  # shapes of state and parameters agree


def test_time_window_grows_with_the_tail_and_shrinks_without_it():
    model, opt = trained_model()
    cfg = GrowthConfig(grow_threshold=1e9, depth_grow_threshold=1e9)
    update_window(model, cfg, last_step_mass=0.5, optimizer=opt)
    assert model.steps == 4 and model.layers[0].running_mean.shape[0] == 4
    assert model(torch.randn(2, 3, 16, 16)).logits.shape[1] == 4
    update_window(model, cfg, last_step_mass=0.001, optimizer=opt)
    assert model.steps == 3


def test_remap_places_kept_entries_and_fills_new_ones():
    old = torch.arange(6.0).view(2, 3)
    new = remap(old, {0: torch.tensor([1, -1]), 1: torch.tensor([2, 0, -1])}, torch.full((2, 3), -7.0))
    assert new.tolist() == [[5.0, 3.0, -7.0], [-7.0, -7.0, -7.0]]


def test_proximal_step_zeroes_small_gates_exactly():
    model, _ = trained_model()
    with torch.no_grad():
        model.layers[0].gate.copy_(torch.tensor([1.0, 0.001, -0.002, 0.5, 0.0, 2.0]))
    proximal_step(model, CostConfig(breadth_price=0.1, rank_slope=0.0), lr=0.05)
    assert model.layers[0].gate.tolist()[1:3] == [0.0, 0.0]
    assert model.layers[0].gate[0].item() == pytest.approx(0.995)
    assert breadth_cost(model, CostConfig(rank_slope=0.0)).item() > 0


def synthetic(tmp_path, name, *overrides):
    cfg = load_config(
        None,
        [
            "data.dataset='synthetic'",
            "data.synthetic_size=256",
            "model.channels=[8,8]",
            "model.max_channels=24",
            "model.max_layers=2",
            "model.steps=2",
            "model.max_steps=3",
            "optim.epochs=4",
            "optim.batch_size=32",
            "optim.lr=0.1",
            "data.max_shift=1",
            "growth.every_steps=8",
            "growth.until_fraction=1.0",
            *overrides,
        ],
    )
    return train(cfg, tmp_path / name, progress=False)


def test_high_breadth_price_shrinks_and_zero_price_grows_the_window(tmp_path):
    grown = synthetic(tmp_path, "free", "costs.breadth_price=0.0")
    shrunk = synthetic(tmp_path, "priced", "costs.breadth_price=0.5")
    assert sum(grown["window_channels"]) > 16
    assert sum(shrunk["window_channels"]) < 16
    assert grown["test_accuracy"] > 0.5
