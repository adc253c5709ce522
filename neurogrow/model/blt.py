"""The benchmarks' baseline BLT recurrent convolutional network, without the lattice machinery.

:class:`BaselineBLT` (called ``BaselineBLT`` before 0.2) is only a speed and training baseline; the
shipped ``blt-cifar10-plain`` model is a :class:`~neurogrow.model.lattice.LatticeRCNN` trained
without breadth or depth prices, not this class.

The same recurrent topology as :class:`~neurogrow.model.lattice.LatticeRCNN` (bottom-up,
lateral and top-down 3x3 convolutions, max-pooling between layers down to
``min_resolution``, nearest-neighbour upsampling of top-down input, per-step batch
norm, ReLU), built from standard ``nn.Conv2d`` and ``nn.BatchNorm2d`` modules, with
none of the lattice's extras: no channel or depth gates, no costs, no halting. The
class logits at every step are read out from the top layer alone (global average
pooling and a linear layer), as in Spoerer et al.'s BLT networks; the loss is the
mean over steps of the per-step cross-entropy (or the last step's alone).

Like the lattice, the image's bottom-up drive into the first layer is computed once
and reused at every step, since the image does not change.
"""
from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from neurogrow.errors import ConfigError
from neurogrow.model.lattice import LatticeRCNN, layer_resolutions


class BaselineBLT(nn.Module):
    """A BLT RCNN of a fixed window, built from standard modules (the benchmarks' baseline).

    Parameters
    ----------
    window
        ``{"channels": [C_1, ..., C_L], "steps": T}`` (other keys, e.g. ``"layers"``,
        are ignored).
    image_size, in_channels, num_classes
        Square input size, input channels and number of classes.
    kernel_size
        Spatial size of every convolution (odd).
    min_resolution
        A layer halves the resolution of the one below while the result stays at
        or above this size.
    lateral, top_down
        Switch the lateral and top-down connections.
    """

    def __init__(
        self,
        window: dict,
        image_size: int = 32,
        in_channels: int = 3,
        num_classes: int = 10,
        kernel_size: int = 3,
        min_resolution: int = 4,
        lateral: bool = True,
        top_down: bool = True,
    ) -> None:
        super().__init__()
        channels = [int(c) for c in window.get("channels", [])]
        steps = int(window.get("steps", 0))
        if not channels or min(channels) < 1:
            raise ConfigError(f"window['channels'] must be a non-empty list of positive ints, got {channels}")
        if steps < 1:
            raise ConfigError(f"window['steps'] must be a positive int, got {window.get('steps')!r}")
        if kernel_size % 2 != 1:
            raise ConfigError(f"kernel_size must be odd, got {kernel_size}")
        self.channels = channels
        self.steps = steps
        self.resolution = layer_resolutions(image_size, len(channels), min_resolution)
        pad = kernel_size // 2

        def conv(cin: int, cout: int) -> nn.Conv2d:
            return nn.Conv2d(cin, cout, kernel_size, padding=pad, bias=False)

        below = [in_channels] + channels[:-1]
        self.bottom_up = nn.ModuleList(conv(cin, cout) for cin, cout in zip(below, channels))
        self.lateral = nn.ModuleList(conv(c, c) for c in channels) if lateral else None
        self.top_down = (
            nn.ModuleList(conv(channels[layer_index + 1], channels[layer_index]) for layer_index in range(len(channels) - 1)) if top_down else None
        )
        self.norms = nn.ModuleList(
            nn.ModuleList(nn.BatchNorm2d(c) for _ in range(steps)) for c in channels
        )
        self.readout = nn.Linear(channels[-1], num_classes)

    @classmethod
    def from_lattice_window(cls, model: LatticeRCNN) -> BaselineBLT:
        """A freshly initialised plain BLT of a lattice model's current window and architecture."""
        cfg = model.config
        return cls(
            model.window,
            image_size=cfg.image_size,
            in_channels=cfg.in_channels,
            num_classes=cfg.num_classes,
            kernel_size=cfg.kernel_size,
            min_resolution=cfg.min_resolution,
            lateral=cfg.lateral,
            top_down=cfg.top_down,
        )

    @property
    def num_layers(self) -> int:
        return len(self.channels)

    @property
    def window(self) -> dict:
        """Channels per layer, number of layers and steps T."""
        return {"channels": list(self.channels), "layers": self.num_layers, "steps": self.steps}

    def forward(self, x: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        """Class logits at every step, shape (B, T, K).

        Parameters
        ----------
        x
            Normalised images, shape (B, C, H, W).
        steps
            Number of steps to run, at most the window's T (default: T).
        """
        T = self.steps if steps is None else steps
        if not 1 <= T <= self.steps:
            raise ValueError(f"steps must be in [1, {self.steps}], got {T}")
        state: list[torch.Tensor] = []
        image_drive = self.bottom_up[0](x)
        logits = []
        for t in range(T):
            new_state: list[torch.Tensor] = []
            for layer_index in range(self.num_layers):
                if layer_index == 0:
                    z = image_drive
                else:
                    below = new_state[layer_index - 1]
                    if self.resolution[layer_index] != self.resolution[layer_index - 1]:
                        below = F.max_pool2d(below, 2)
                    z = self.bottom_up[layer_index](below)
                if t > 0:
                    if self.lateral is not None:
                        z = z + self.lateral[layer_index](state[layer_index])
                    if self.top_down is not None and layer_index + 1 < self.num_layers:
                        td = self.top_down[layer_index](state[layer_index + 1])
                        if self.resolution[layer_index + 1] != self.resolution[layer_index]:
                            td = F.interpolate(td, size=z.shape[-2:], mode="nearest")
                        z = z + td
                norms = cast(nn.ModuleList, self.norms[layer_index])  # one BatchNorm2d per step
                new_state.append(F.relu(norms[t](z)))
            state = new_state
            logits.append(self.readout(state[-1].mean(dim=(2, 3))))
        return torch.stack(logits, dim=1)


def blt_loss(logits: torch.Tensor, y: torch.Tensor, label_smoothing: float = 0.0, last_step: bool = False) -> torch.Tensor:
    """Cross-entropy of a BLT's per-step logits (B, T, K): mean over steps, or the last step's.

    Parameters
    ----------
    logits
        Shape (B, T, K).
    y
        Class indices, shape (B,).
    label_smoothing
        As in :func:`torch.nn.functional.cross_entropy`.
    last_step
        Use only the last step's logits.
    """
    if last_step:
        return F.cross_entropy(logits[:, -1].float(), y, label_smoothing=label_smoothing)
    B, T, K = logits.shape
    return F.cross_entropy(
        logits.float().reshape(B * T, K), y.repeat_interleave(T), label_smoothing=label_smoothing
    )
