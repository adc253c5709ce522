"""The plain BLT baseline: shapes, construction from a lattice window, training."""
import pytest
import torch

from neurogrow.errors import ConfigError
from neurogrow.model import LatticeRCNN, ModelConfig
from neurogrow.model.blt import BaselineBLT, blt_loss


def test_forward_shapes_per_step_logits():
    net = BaselineBLT({"channels": [4, 8, 8], "steps": 3}, image_size=16, num_classes=5)
    out = net(torch.randn(2, 3, 16, 16))
    assert out.shape == (2, 3, 5)
    assert net(torch.randn(2, 3, 16, 16), steps=2).shape == (2, 2, 5)
    assert net.resolution == [16, 8, 4]
    with pytest.raises(ValueError):
        net(torch.randn(2, 3, 16, 16), steps=4)


def test_no_gates_costs_or_halting():
    net = BaselineBLT({"channels": [4, 8], "steps": 2}, image_size=8)
    names = [n for n, _ in net.named_parameters()]
    assert not any("gate" in n or "halt" in n or "time" in n for n in names)
    # one BatchNorm per layer and step, a top-down conv into every layer but the top
    assert len(net.norms) == 2 and all(len(n) == 2 for n in net.norms)
    assert len(net.top_down) == 1 and net.top_down[0].in_channels == 8 and net.top_down[0].out_channels == 4


def test_recurrence_changes_later_steps():
    torch.manual_seed(0)
    net = BaselineBLT({"channels": [4, 8], "steps": 3}, image_size=8).eval()
    ff = BaselineBLT({"channels": [4, 8], "steps": 3}, image_size=8, lateral=False, top_down=False).eval()
    ff.load_state_dict({k: v for k, v in net.state_dict().items() if k in ff.state_dict()})
    x = torch.randn(2, 3, 8, 8)
    a, b = net(x), ff(x)
    torch.testing.assert_close(a[:, 0], b[:, 0])
    assert not torch.allclose(a[:, 1], b[:, 1])


def test_from_lattice_window_matches_channels_and_steps():
    cfg = ModelConfig(channels=[5, 7, 9], steps=3, max_steps=4, image_size=16, num_classes=4)
    lattice = LatticeRCNN(cfg, seed=0)
    net = BaselineBLT.from_lattice_window(lattice)
    assert net.window == lattice.window
    assert [c.out_channels for c in net.bottom_up] == [5, 7, 9]
    assert net.resolution == lattice.resolutions()
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 3, 4)


def test_bad_window_raises():
    with pytest.raises(ConfigError, match="channels"):
        BaselineBLT({"channels": [], "steps": 2})
    with pytest.raises(ConfigError, match="steps"):
        BaselineBLT({"channels": [4], "steps": 0})


def test_training_steps_decrease_loss():
    torch.manual_seed(0)
    net = BaselineBLT({"channels": [4, 8], "steps": 2}, image_size=8, num_classes=3)
    y = torch.arange(32) % 3
    x = torch.randn(32, 3, 8, 8) + torch.eye(3)[y].view(32, 3, 1, 1)  # class k brightens channel k
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(10):
        loss = blt_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_loss_mean_over_steps_or_last():
    logits = torch.zeros(2, 3, 4)
    logits[:, -1, 1] = 10.0
    y = torch.tensor([1, 1])
    last = blt_loss(logits, y, last_step=True)
    mean = blt_loss(logits, y)
    assert last < 1e-3
    assert mean == pytest.approx((2 * torch.log(torch.tensor(4.0)).item() + last.item()) / 3, rel=1e-5)
