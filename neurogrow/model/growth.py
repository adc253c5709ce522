"""Growing and pruning the window: parameter tensors change shape, optimizer state follows.

A resized tensor becomes a new Parameter; the optimizer's groups (one per role) are
pointed at the model's current parameters after every change, and each parameter's
state (momentum, Adam moments) is carried over for the units that are kept and
starts at zero for new units. A new layer's parameters join the optimizer, a
removed layer's leave it.

Exactness:

* a channel whose gate is zero sends nothing, so pruning it leaves every output unchanged;
* a new channel starts with gate zero, a new top layer with depth gate zero, so adding
  either leaves every output unchanged at insertion (their other weights are random, so
  the gate receives a gradient and can grow if the unit is useful);
* the top layer can be removed when its depth gate is zero;
* changing the number of steps T moves halting mass: removing the last step moves its
  mass (below ``time_prune_threshold``) to the step before; a new last step is
  initialised from the old last step's statistics and time logit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from neurogrow.model.lattice import ROLES, LatticeRCNN


@dataclass
class GrowthConfig:
    """When and by how much the window grows and shrinks.

    Attributes
    ----------
    enabled
        Grow and prune at all.
    every_epochs
        Check the window at the end of every this many epochs.
    every_steps
        If > 0, check every this many optimizer steps instead (for small tasks).
    until_fraction
        Grow only during this fraction of training (pruning dead units is exact and
        continues to the end), so the final window is trained for a while.
    grow_threshold
        A layer grows when its outermost channel's |gate| is at least this.
    grow_fraction
        A growing layer adds ``max(1, round(grow_fraction * C_l))`` channels.
    dead_threshold
        A channel (or the top layer) is dead when |gate| is at most this. With L1
        costs the proximal step makes unused gates exactly zero, so 0 is exact.
    depth_grow_threshold
        A new top layer is added when the top layer's |depth gate| is at least this.
    time_grow_threshold
        T grows when the time-growth signal exceeds this: under the ``optimal-stop`` and
        ``expected-cost`` objectives the share of recent training inputs whose last step lowers
        their loss by more than its price; under ``coupled`` the mean halting mass on the last
        step (:func:`neurogrow.train.step.objective`).
    time_prune_threshold
        T shrinks when the time-growth signal falls below this.
    """

    enabled: bool = True
    every_epochs: int = 1
    every_steps: int = 0
    until_fraction: float = 0.75
    grow_threshold: float = 0.05
    grow_fraction: float = 0.25
    dead_threshold: float = 0.0
    depth_grow_threshold: float = 0.05
    time_grow_threshold: float = 0.1
    time_prune_threshold: float = 0.01


# ------------------------------------------------------------------ tensor surgery
def remap(old: torch.Tensor, maps: dict[int, torch.Tensor], fresh: torch.Tensor) -> torch.Tensor:
    """A tensor of ``fresh``'s shape holding ``old``'s entries where ``maps`` keep them.

    ``maps[d][i]`` is the old index along dimension d of new position i, or -1 for a
    new position, which takes ``fresh``'s value.
    """
    cur, mask = old, torch.ones_like(old, dtype=torch.bool)
    for d, m in sorted(maps.items()):
        m = m.to(old.device)
        keep = torch.nonzero(m >= 0).squeeze(1)
        shape = list(cur.shape)
        shape[d] = len(m)
        nxt = cur.new_zeros(shape)
        nxt_mask = mask.new_zeros(shape)
        nxt.index_copy_(d, keep, cur.index_select(d, m[keep]))
        nxt_mask.index_copy_(d, keep, mask.index_select(d, m[keep]))
        cur, mask = nxt, nxt_mask
    return torch.where(mask, cur, fresh.to(cur.device, cur.dtype))


def _set_param(module: torch.nn.Module, name: str, maps: dict[int, torch.Tensor], fresh: torch.Tensor, optimizer) -> None:
    """Replace parameter ``module.name`` by a new Parameter holding its remapped values, and move
    its optimizer state (remapped likewise, zero for new entries) to the new Parameter.

    A new Parameter object (rather than a new ``.data``) keeps autograd's cached
    gradient accumulators, which remember shapes, consistent.
    """
    param = getattr(module, name)
    old = param.data
    new = torch.nn.Parameter(remap(old, maps, fresh))
    if optimizer is not None and param in optimizer.state:
        state = optimizer.state.pop(param)
        for key, value in state.items():
            if torch.is_tensor(value) and value.shape == old.shape and value.dim() > 0:
                state[key] = remap(value, maps, torch.zeros(fresh.shape, dtype=value.dtype))
        optimizer.state[new] = state
    setattr(module, name, new)


def _set_buffer(module: torch.nn.Module, name: str, maps: dict[int, torch.Tensor], fresh: torch.Tensor) -> None:
    setattr(module, name, remap(getattr(module, name), maps, fresh))


def channel_map(keep: torch.Tensor, new: int) -> torch.Tensor:
    """Index map for a layer that keeps channels ``keep`` (old indices, in order) and adds ``new``."""
    return torch.cat([keep.long().cpu(), torch.full((new,), -1, dtype=torch.long)])


def _kaiming(shape, fan_in: int, generator) -> torch.Tensor:
    return torch.randn(*shape, generator=generator) * math.sqrt(2.0 / fan_in)


def _uniform(shape, fan_in: int, generator) -> torch.Tensor:
    bound = 1.0 / math.sqrt(fan_in)
    return (torch.rand(*shape, generator=generator) * 2 - 1) * bound


def sync_optimizer(model: LatticeRCNN, optimizer) -> None:
    """Point each optimizer group (keyed by its ``role``) at the model's current parameters
    and drop state of parameters no longer in the model."""
    if optimizer is None:
        return
    roles = model.param_roles()
    for group in optimizer.param_groups:
        group["params"] = list(roles[group["role"]])
    live = {id(p) for p in model.parameters()}
    for p in [p for p in optimizer.state if id(p) not in live]:
        del optimizer.state[p]


# -------------------------------------------------------------- window changes
def resize_channels(
    model: LatticeRCNN,
    layer_index: int,
    keep: torch.Tensor,
    new: int,
    optimizer=None,
    generator: torch.Generator | None = None,
) -> None:
    """Keep channels ``keep`` of layer ``layer_index`` and append ``new`` zero-gated channels.

    Every tensor that has the layer's channels along a dimension is remapped: the
    layer's own convolutions, bias, gate, readout and statistics, the next layer's
    bottom-up input and its top-down projection into this layer.
    """
    k = model.config.kernel_size
    layer = model.layers[layer_index]
    m = channel_map(keep, new)
    C = len(m)
    in_ch = layer.w_bottom_up.shape[1]
    _set_param(layer, "w_bottom_up", {0: m}, _kaiming((C, in_ch, k, k), in_ch * k * k, generator), optimizer)
    if layer.w_lateral is not None:
        _set_param(layer, "w_lateral", {0: m, 1: m}, _kaiming((C, C, k, k), C * k * k, generator), optimizer)
    if layer.w_top_down is not None:
        below = layer.w_top_down.shape[0]
        _set_param(layer, "w_top_down", {1: m}, _kaiming((below, C, k, k), C * k * k, generator), optimizer)
    _set_param(layer, "bias", {0: m}, torch.zeros(C), optimizer)
    _set_param(layer, "gate", {0: m}, torch.zeros(C), optimizer)
    out_dim = layer.w_readout.shape[0]
    _set_param(layer, "w_readout", {1: m}, _uniform((out_dim, C), C, generator), optimizer)
    T = layer.running_mean.shape[0]
    _set_buffer(layer, "running_mean", {1: m}, torch.zeros(T, C))
    _set_buffer(layer, "running_var", {1: m}, torch.ones(T, C))
    if layer_index + 1 < model.num_layers:
        above = model.layers[layer_index + 1]
        ca = above.channels
        _set_param(above, "w_bottom_up", {1: m}, _kaiming((ca, C, k, k), C * k * k, generator), optimizer)
        if above.w_top_down is not None:
            _set_param(above, "w_top_down", {0: m}, _kaiming((C, ca, k, k), ca * k * k, generator), optimizer)
    model.config.channels[layer_index] = C
    sync_optimizer(model, optimizer)


def add_top_layer(model: LatticeRCNN, optimizer=None, generator: torch.Generator | None = None) -> None:
    """Add a layer on top, as wide as the current top layer, with depth gate zero."""
    index = model.num_layers
    channels = model.layers[-1].channels
    model.config.channels.append(channels)
    device = model.readout_bias.device
    layer = model.make_layer(index, channels, depth_gate=0.0, generator=generator).to(device)
    model.layers.append(layer)
    sync_optimizer(model, optimizer)


def remove_top_layer(model: LatticeRCNN, optimizer=None) -> None:
    """Remove the top layer (exact when its depth gate is zero)."""
    if model.num_layers <= 1:
        raise ValueError("cannot remove the only layer")
    del model.layers[-1]
    model.config.channels.pop()
    sync_optimizer(model, optimizer)


def set_steps(model: LatticeRCNN, steps: int, optimizer=None) -> None:
    """Change the window's number of steps T; new steps copy the last step's statistics."""
    old = model.steps
    if steps == old:
        return
    m = torch.cat([torch.arange(min(old, steps)), torch.full((max(steps - old, 0),), -1)]).long()
    for layer in model.layers:
        C = layer.channels
        _set_buffer(layer, "running_mean", {0: m}, layer.running_mean[-1:].expand(steps, C).cpu())
        _set_buffer(layer, "running_var", {0: m}, layer.running_var[-1:].expand(steps, C).cpu())
    last = model.time_logits.data[-1].item()
    _set_param(model, "time_logits", {0: m}, torch.full((steps,), last), optimizer)
    model.config.steps = steps
    sync_optimizer(model, optimizer)


# ------------------------------------------------------------------ the policy
def update_window(
    model: LatticeRCNN,
    growth: GrowthConfig,
    last_step_mass: float,
    optimizer=None,
    generator: torch.Generator | None = None,
    allow_grow: bool = True,
) -> list[str]:
    """Prune dead units and grow where the window's edge is in use.

    Parameters
    ----------
    last_step_mass
        The time-growth signal over recent training batches (see ``GrowthConfig.time_grow_threshold``;
        the mean halting probability on the last step under the ``coupled`` objective).
    allow_grow
        False late in training: only pruning (exact) and time shrinking happen.

    Returns
    -------
    list of str
        Human-readable events, e.g. ``"layer2 +8 channels"``.
    """
    cfg = model.config
    events: list[str] = []
    with torch.no_grad():
        while model.num_layers > 1 and model.layers[-1].depth_gate.abs().item() <= growth.dead_threshold:
            remove_top_layer(model, optimizer)
            events.append(f"removed layer{model.num_layers + 1}")
        for layer_index, layer in enumerate(model.layers):
            mag = layer.gate.detach().abs().cpu()
            alive = mag > growth.dead_threshold
            if not alive.any():
                alive[mag.argmax()] = True
            keep = torch.nonzero(alive).squeeze(1)
            edge = mag[keep[-1]].item()
            n_new = 0
            if allow_grow and edge >= growth.grow_threshold and len(keep) < cfg.max_channels:
                n_new = min(cfg.max_channels - len(keep), max(1, round(growth.grow_fraction * len(keep))))
            if len(keep) < layer.channels or n_new:
                pruned = layer.channels - len(keep)
                resize_channels(model, layer_index, keep, n_new, optimizer, generator)
                events.append(f"layer{layer_index + 1} -{pruned} +{n_new} channels -> {layer.channels}")
        top_gate = model.layers[-1].depth_gate.abs().item()
        if allow_grow and model.num_layers < cfg.max_layers and top_gate >= growth.depth_grow_threshold:
            add_top_layer(model, optimizer, generator)
            events.append(f"added layer{model.num_layers}")
        if allow_grow and last_step_mass > growth.time_grow_threshold and model.steps < cfg.max_steps:
            set_steps(model, model.steps + 1, optimizer)
            events.append(f"steps -> {model.steps}")
        elif last_step_mass < growth.time_prune_threshold and model.steps > 1:
            set_steps(model, model.steps - 1, optimizer)
            events.append(f"steps -> {model.steps}")
    return events


def make_optimizer(model: LatticeRCNN, lr: float, momentum: float, weight_decay: float) -> torch.optim.SGD:
    """SGD with Nesterov momentum over role groups; weight decay on weights only."""
    roles = model.param_roles()
    groups = [
        {"params": roles[r], "role": r, "weight_decay": weight_decay if r == "weights" else 0.0} for r in ROLES
    ]
    return torch.optim.SGD(groups, lr=lr, momentum=momentum, nesterov=momentum > 0)
