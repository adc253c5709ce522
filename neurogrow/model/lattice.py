"""The lattice RCNN: a BLT recurrent convolutional network whose window can grow and shrink.

The network is a finite window of an infinite lattice of units indexed by channel,
layer and recurrent step. At step t, layer l sums

* a bottom-up input, conv(h_{l-1}(t)) (the image for l = 1), max-pooled when the
  layer works at a lower resolution than the one below;
* a lateral input, conv(h_l(t-1)) (if ``lateral``);
* a top-down input, a_{l+1} * upsample(conv(h_{l+1}(t-1))) (if ``top_down``),

normalises the sum per channel (batch norm with statistics per step, no affine),
adds a per-channel bias, applies a ReLU and multiplies by a per-channel gate g_{l,c}.
The class logits at step t are a gated sum of per-layer readouts,
``y(t) = sum_l a_l R_l GAP(h_l(t)) + b``, with one depth gate a_l per layer.

Because a channel's gate multiplies everything the channel sends, a channel whose
gate is zero can be removed without changing any output; because a layer's depth
gate multiplies everything the layer sends upwards to the output and downwards as
top-down input, the top layer can be removed when its gate is zero and a new top
layer added with a zero gate leaves the outputs unchanged. A halting logit is read
out like the class logits (an extra readout row) and gives the per-input halting
distribution in adaptive mode; in fixed mode one learned distribution is used.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import torch
import torch.nn.functional as F
from torch import nn

from neurogrow.model.config import ModelConfig
from neurogrow.model.halting import (
    adaptive_halting,
    adaptive_log_halting,
    exit_step,
    expected_steps,
    fixed_halting,
)
from neurogrow.model.halting_head import HALT_HIDDEN, HaltingHead, halting_signals

#: Parameter roles, used to build optimizer groups (weight decay, gates under prices).
ROLES = ("weights", "biases", "gates")



def layer_resolutions(image_size: int, num_layers: int, min_resolution: int) -> list[int]:
    """Spatial size of each layer's feature map; a layer halves the size of the one below
    while the result stays at or above ``min_resolution``."""
    sizes = [image_size]
    for _ in range(1, num_layers):
        prev = sizes[-1]
        sizes.append(prev // 2 if prev % 2 == 0 and prev // 2 >= min_resolution else prev)
    return sizes


def _conv_weight(out_ch: int, in_ch: int, k: int, generator: torch.Generator | None) -> torch.Tensor:
    """Kaiming-normal initialised conv weight (fan-in, ReLU gain)."""
    std = math.sqrt(2.0 / (in_ch * k * k))
    return torch.randn(out_ch, in_ch, k, k, generator=generator) * std


def _readout_weight(out_dim: int, in_ch: int, generator: torch.Generator | None) -> torch.Tensor:
    bound = 1.0 / math.sqrt(in_ch)
    return (torch.rand(out_dim, in_ch, generator=generator) * 2 - 1) * bound


class LatticeLayer(nn.Module):
    """One layer of the lattice: its convolutions, normalisation statistics, gates and readout.

    Layer l owns the weights that *produce* its state (bottom-up from l-1, lateral)
    and the weights through which it *sends* (top-down into l-1, readout), so that
    adding or removing the top layer adds or removes exactly one module.
    """

    running_mean: torch.Tensor  #: (steps, channels) normalisation means, one row per step
    running_var: torch.Tensor  #: (steps, channels) normalisation variances

    def __init__(
        self,
        in_channels: int,
        channels: int,
        below_channels: int | None,
        steps: int,
        num_outputs: int,
        config: ModelConfig,
        depth_gate: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        k = config.kernel_size
        self.w_bottom_up = nn.Parameter(_conv_weight(channels, in_channels, k, generator))
        self.w_lateral = nn.Parameter(_conv_weight(channels, channels, k, generator)) if config.lateral else None
        self.w_top_down = (
            nn.Parameter(_conv_weight(below_channels, channels, k, generator))
            if config.top_down and below_channels is not None
            else None
        )
        self.bias = nn.Parameter(torch.zeros(channels))
        self.gate = nn.Parameter(torch.ones(channels))
        self.depth_gate = nn.Parameter(torch.tensor(float(depth_gate)))
        self.w_readout = nn.Parameter(_readout_weight(num_outputs, channels, generator))
        self.register_buffer("running_mean", torch.zeros(steps, channels))
        self.register_buffer("running_var", torch.ones(steps, channels))

    @property
    def channels(self) -> int:
        return self.gate.shape[0]

    def roles(self) -> dict[str, list[nn.Parameter]]:
        """This layer's parameters by optimizer role."""
        weights = [self.w_bottom_up, self.w_readout]
        weights += [w for w in (self.w_lateral, self.w_top_down) if w is not None]
        return {"weights": weights, "biases": [self.bias], "gates": [self.gate, self.depth_gate]}

    def activate(self, z: torch.Tensor, step: int, momentum: float = 0.1) -> torch.Tensor:
        """Normalise the summed input with step ``step``'s statistics, add bias, ReLU, gate."""
        z = F.batch_norm(
            z,
            self.running_mean[step],
            self.running_var[step],
            bias=self.bias,  # added inside the normalisation kernel: one pass over z less
            training=self.training,
            momentum=momentum,
            eps=1e-5,
        )
        return F.relu(z) * self.gate.view(1, -1, 1, 1)


class LayerList(nn.ModuleList):
    """An ``nn.ModuleList`` of :class:`LatticeLayer` (typed for the type checker; no other change)."""

    if TYPE_CHECKING:

        def __iter__(self) -> Iterator[LatticeLayer]: ...

        def __getitem__(self, index: int) -> LatticeLayer: ...  # type: ignore[override]


@dataclass
class LatticeOutput:
    """Everything one forward pass returns (B images, T steps, K classes, layers l = 0..L-1).

    Attributes
    ----------
    logits
        Class logits per step, shape (B, T, K); ``softmax(logits, -1)`` gives the per-step
        class probabilities.
    halting
        Halting distribution pi(t | x), shape (B, T), rows summing to one.
    features
        If requested (``model(x, return_features=True)``): ``features[t][l]`` is layer l's
        global-average-pooled state at step t (both from 0), shape (B, C_l); else None.

    Derived quantities
    ------------------
    expected_steps
        Property: E_pi[t] per image, steps counted from 1, shape (B,).
    exit_step(threshold=0.5)
        First step (from 1) where the cumulative halting probability reaches ``threshold``, shape (B,).
    exit_logits(threshold=0.5)
        Logits at each image's exit step, the early-exit answer, shape (B, K).
    mixture_probs()
        Class probabilities averaged over steps with weights pi, shape (B, K).

    For images of any size, file paths or PIL images, :func:`neurogrow.classify` does the
    preprocessing and returns all of this as a table.
    """

    logits: torch.Tensor
    halting: torch.Tensor
    features: list[list[torch.Tensor]] | None = field(default=None)
    halt_logits: torch.Tensor | None = field(default=None)

    def log_halting(self) -> torch.Tensor:
        """log pi(t | x), shape (B, T): stable from the halting logits where the output has them."""
        if self.halt_logits is not None:
            return adaptive_log_halting(self.halt_logits.float())
        return torch.log(self.halting.clamp_min(1e-30))

    @property
    def expected_steps(self) -> torch.Tensor:
        """E_pi[t] per input, steps counted from 1."""
        return expected_steps(self.halting)

    def exit_step(self, threshold: float = 0.5) -> torch.Tensor:
        """First step (from 1) where the cumulative halting probability reaches ``threshold``."""
        return exit_step(self.halting, threshold)

    def exit_logits(self, threshold: float = 0.5) -> torch.Tensor:
        """Logits at each input's exit step: the early-exit answer, shape (B, K)."""
        idx = self.exit_step(threshold) - 1
        return self.logits[torch.arange(len(idx), device=idx.device), idx]

    def mixture_probs(self) -> torch.Tensor:
        """Class probabilities averaged over steps with weights pi, shape (B, K)."""
        return torch.einsum("bt,btk->bk", self.halting, torch.softmax(self.logits.float(), dim=-1))


class LatticeRCNN(nn.Module):
    """A recurrent convolutional network over a growable window of the unit lattice.

    Parameters
    ----------
    config
        Architecture and initial window.
    seed
        Seed of the parameter initialisation (a private generator, so model
        construction does not disturb global random state).
    """

    # set by neurogrow.load_model on a loaded model (absent on a freshly built one)
    name: str
    path: str
    checksum: str
    summary: dict

    def __init__(self, config: ModelConfig, seed: int | None = 0) -> None:
        super().__init__()
        self.config = config
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        self.layers = LayerList()
        for layer_index, ch in enumerate(config.channels):
            self.layers.append(self.make_layer(layer_index, ch, generator=gen))
        bias = torch.zeros(config.num_classes + 1)
        bias[-1] = config.halt_bias
        self.readout_bias = nn.Parameter(bias)
        self.time_logits = nn.Parameter(torch.zeros(config.steps))
        self.halt_head = (
            HaltingHead(config.max_steps, HALT_HIDDEN, config.halt_bias, generator=gen)
            if config.halting_head == "mlp" and config.time_mode == "adaptive"
            else None
        )

    # ----------------------------------------------------------------- structure
    def make_layer(
        self,
        index: int,
        channels: int,
        depth_gate: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> LatticeLayer:
        """A freshly initialised layer to sit at position ``index`` of the current window."""
        cfg = self.config
        in_ch = cfg.in_channels if index == 0 else self.config.channels[index - 1]
        below = None if index == 0 else self.config.channels[index - 1]
        return LatticeLayer(
            in_ch, channels, below, cfg.steps, cfg.num_classes + 1, cfg, depth_gate=depth_gate, generator=generator
        )

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def steps(self) -> int:
        return self.config.steps

    @property
    def window(self) -> dict:
        """The current window: channels per layer, number of layers and steps T."""
        return {"channels": [layer.channels for layer in self.layers], "layers": self.num_layers, "steps": self.steps}

    @property
    def class_names(self) -> list[str]:
        return list(self.config.class_names) or [str(i) for i in range(self.config.num_classes)]

    def param_roles(self) -> dict[str, list[nn.Parameter]]:
        """All parameters by optimizer role, in a deterministic order (bottom layer first)."""
        roles: dict[str, list[nn.Parameter]] = {r: [] for r in ROLES}
        for layer in self.layers:
            for role, params in layer.roles().items():
                roles[role] += params
        roles["biases"] += [self.readout_bias, self.time_logits]
        if self.halt_head is not None:
            roles["weights"] += [self.halt_head.w1, self.halt_head.w2]
            roles["biases"] += [self.halt_head.b1, self.halt_head.b2]
        return roles

    def resolutions(self) -> list[int]:
        return layer_resolutions(self.config.image_size, self.num_layers, self.config.min_resolution)

    # ------------------------------------------------------------------- forward
    def forward(
        self,
        x: torch.Tensor,
        steps: int | None = None,
        return_features: bool = False,
    ) -> LatticeOutput:
        """Run the network for ``steps`` steps (default: the window's T).

        Parameters
        ----------
        x
            Images, shape (B, C, H, W), normalised.
        steps
            Number of steps to run, at most the window's T; the halting distribution
            is computed over the steps run.
        return_features
            Also return every layer's pooled state at every step.
        """
        T = self.steps if steps is None else steps
        if not 1 <= T <= self.steps:
            raise ValueError(f"steps must be in [1, {self.steps}], got {T}")
        state: Sequence[torch.Tensor | None] = [None] * self.num_layers
        logits, halts, feats = [], [], []
        image_drive = None
        for t in range(T):
            state, out, pooled, image_drive = self.step(x, state, t, image_drive)
            logits.append(out[:, :-1])
            halts.append(out[:, -1] if self.halt_head is None else self.detached_halt_row(pooled))
            if return_features:
                feats.append(pooled)
        logits_t = torch.stack(logits, dim=1)
        halt_logits = torch.stack(halts, dim=1)
        if self.halt_head is not None:
            halt_logits = self.halt_head(halting_signals(logits_t, halt_logits, self.config.max_steps))
        adaptive = self.config.time_mode == "adaptive"
        return LatticeOutput(
            logits_t,
            self.halting(halt_logits),
            feats if return_features else None,
            halt_logits=halt_logits.float() if adaptive else None,
        )

    def detached_halt_row(self, pooled: Sequence[torch.Tensor]) -> torch.Tensor:
        """The readout's halting row on detached pooled states and depth gates, shape (B,)."""
        row: torch.Tensor = self.readout_bias[-1]
        for layer, p in zip(self.layers, pooled):
            row = row + layer.depth_gate.detach() * (p.detach() @ layer.w_readout[-1])
        return row

    def halting(self, halt_logits: torch.Tensor) -> torch.Tensor:
        """Halting distribution for the steps run, from per-step halting logits (B, T)."""
        T = halt_logits.shape[1]
        if self.config.time_mode == "fixed":
            return fixed_halting(self.time_logits[:T].float(), halt_logits.shape[0])
        return adaptive_halting(halt_logits.float())

    def step(
        self,
        x: torch.Tensor,
        state: Sequence[torch.Tensor | None],
        t: int,
        image_drive: torch.Tensor | None = None,
    ) -> tuple[list[torch.Tensor], torch.Tensor, list[torch.Tensor], torch.Tensor]:
        """Advance every layer by one step.

        Returns the new states, the readout (B, K+1) whose last column is the halting
        logit, the pooled states and the (cached) bottom-up drive of the image.
        """
        pad = self.config.kernel_size // 2
        res = self.resolutions()
        previous = cast("list[torch.Tensor]", state)  # read only from step 2 on, when every entry is set
        new_state: list[torch.Tensor] = []
        for layer_index, layer in enumerate(self.layers):
            if layer_index == 0:
                if image_drive is None:
                    image_drive = F.conv2d(x, layer.w_bottom_up, padding=pad)
                z = image_drive
            else:
                below = new_state[layer_index - 1]
                if res[layer_index] != res[layer_index - 1]:
                    below = F.max_pool2d(below, 2)
                z = F.conv2d(below, layer.w_bottom_up, padding=pad)
            if t > 0:
                if layer.w_lateral is not None:
                    z = z + F.conv2d(previous[layer_index], layer.w_lateral, padding=pad)
                above = self.layers[layer_index + 1] if layer_index + 1 < self.num_layers else None
                if above is not None and above.w_top_down is not None:
                    # the depth gate scales the (small) kernel rather than the feature map
                    td = F.conv2d(previous[layer_index + 1], above.depth_gate * above.w_top_down, padding=pad)
                    if res[layer_index + 1] != res[layer_index]:
                        td = F.interpolate(td, size=z.shape[-2:], mode="nearest")
                    z = z + td
            new_state.append(layer.activate(z, t))
        pooled = [h.mean(dim=(2, 3)) for h in new_state]
        out: torch.Tensor = self.readout_bias
        for layer, p in zip(self.layers, pooled):
            out = out + layer.depth_gate * (p @ layer.w_readout.t())
        assert image_drive is not None  # set at the first layer
        return new_state, out, pooled, image_drive

    # ------------------------------------------------------------- bookkeeping
    def param_count(self) -> int:
        """Number of parameters in the current window."""
        return sum(p.numel() for p in self.parameters())
