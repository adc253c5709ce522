"""The lattice RCNN's forward pass, connection variants and halting distributions."""
import pytest
import torch

from neurogrow.model import LatticeRCNN, ModelConfig
from neurogrow.model.halting import adaptive_halting, exit_step, expected_steps, fixed_halting
from neurogrow.model.lattice import layer_resolutions


def small_config(**kw):
    base = {"channels": [4, 6, 8], "max_channels": 16, "max_layers": 4, "steps": 3, "max_steps": 5, "image_size": 16, "num_classes": 5}
    base.update(kw)
    return ModelConfig(**base)


@pytest.mark.parametrize("lateral,top_down", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("time_mode", ["adaptive", "fixed"])
def test_variants_give_per_step_outputs_and_a_halting_distribution(lateral, top_down, time_mode):
    model = LatticeRCNN(small_config(lateral=lateral, top_down=top_down, time_mode=time_mode))
    out = model(torch.randn(7, 3, 16, 16), return_features=True)
    assert out.logits.shape == (7, 3, 5)
    assert out.halting.shape == (7, 3)
    torch.testing.assert_close(out.halting.sum(1), torch.ones(7))
    assert len(out.features) == 3 and [f.shape[1] for f in out.features[0]] == [4, 6, 8]
    assert (model.layers[0].w_lateral is not None) == lateral
    assert (model.layers[1].w_top_down is not None) == top_down


def test_b_network_steps_differ_only_through_normalisation_statistics():
    """Without lateral or top-down input every step sees the same drive (a pure feedforward net)."""
    model = LatticeRCNN(small_config(lateral=False, top_down=False)).eval()
    for layer in model.layers:  # identical statistics for every step
        layer.running_mean.copy_(layer.running_mean[:1].expand_as(layer.running_mean))
    out = model(torch.randn(3, 3, 16, 16))
    torch.testing.assert_close(out.logits[:, 0], out.logits[:, 2])


def test_recurrence_changes_later_steps():
    model = LatticeRCNN(small_config()).eval()
    out = model(torch.randn(3, 3, 16, 16))
    assert (out.logits[:, 0] - out.logits[:, 2]).abs().max() > 1e-4


def test_adaptive_halting_matches_the_product_formula():
    logits = torch.tensor([[0.0, 1.0, -1.0, 2.0]])
    lam = torch.sigmoid(logits[0])
    pi = adaptive_halting(logits)[0]
    expected = [lam[0], lam[1] * (1 - lam[0]), lam[2] * (1 - lam[0]) * (1 - lam[1]), (1 - lam[0]) * (1 - lam[1]) * (1 - lam[2])]
    torch.testing.assert_close(pi, torch.stack(expected))
    assert adaptive_halting(torch.zeros(2, 1)).tolist() == [[1.0], [1.0]]


def test_fixed_halting_is_one_distribution_for_all_inputs():
    pi = fixed_halting(torch.tensor([0.0, 1.0, 2.0]), batch_size=4)
    assert pi.shape == (4, 3)
    torch.testing.assert_close(pi[0], torch.softmax(torch.tensor([0.0, 1.0, 2.0]), 0))
    torch.testing.assert_close(pi[3], pi[0])


def test_expected_and_exit_steps_count_from_one():
    pi = torch.tensor([[0.1, 0.3, 0.6], [0.7, 0.2, 0.1], [0.0, 0.0, 1.0]])
    torch.testing.assert_close(expected_steps(pi), torch.tensor([2.5, 1.4, 3.0]))
    assert exit_step(pi).tolist() == [3, 1, 3]
    assert exit_step(pi, threshold=0.35).tolist() == [2, 1, 3]


def test_exit_logits_pick_each_inputs_exit_step():
    model = LatticeRCNN(small_config()).eval()
    out = model(torch.randn(6, 3, 16, 16))
    steps = out.exit_step()
    for b in range(6):
        torch.testing.assert_close(out.exit_logits()[b], out.logits[b, steps[b] - 1])


def test_resolutions_halve_down_to_the_minimum():
    assert layer_resolutions(32, 5, 4) == [32, 16, 8, 4, 4]
    assert layer_resolutions(28, 4, 4) == [28, 14, 7, 7]


def test_running_fewer_steps_than_the_window():
    model = LatticeRCNN(small_config()).eval()
    x = torch.randn(2, 3, 16, 16)
    full, short = model(x), model(x, steps=2)
    torch.testing.assert_close(short.logits, full.logits[:, :2])
    with pytest.raises(ValueError):
        model(x, steps=4)


def test_seeded_construction_is_reproducible():
    a, b = LatticeRCNN(small_config(), seed=3), LatticeRCNN(small_config(), seed=3)
    for (n, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(p, q), n
