"""Configuration of a lattice RCNN's architecture and of its current window."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

TIME_MODES = ("adaptive", "fixed")
#: Where the halting logit comes from (see :mod:`neurogrow.model.lattice`); "auto" = the head the
#: training objective calls for (:data:`neurogrow.model.costs.HEAD_FOR_OBJECTIVE`), "readout" for a
#: model built without a training config (every model file written before the key existed).
HALTING_HEADS = ("auto", "readout", "mlp")


@dataclass
class ModelConfig:
    """Architecture of a :class:`~neurogrow.model.lattice.LatticeRCNN`.

    ``channels`` and ``steps`` describe the *current* window (they change as the
    network grows or shrinks); the ``max_*`` fields bound the window.

    Attributes
    ----------
    in_channels
        Input image channels (3 RGB, 1 grey).
    num_classes
        Number of output classes.
    image_size
        Side of the (square) input image in pixels.
    channels
        Channels per layer of the active window, bottom layer first; its length is
        the number of layers L.
    max_channels
        The most channels a layer may grow to (the window's largest breadth).
    max_layers
        The most layers the network may grow to (the window's largest depth).
    steps
        The current number of recurrent steps T.
    max_steps
        The most recurrent steps T may grow to.
    lateral
        Lateral connections h_l(t-1) -> h_l(t) on (bottom-up connections are always on;
        ``lateral=top_down=False`` is a B network, ``lateral`` alone BL, ``top_down``
        alone BT, both BLT).
    top_down
        Top-down connections h_{l+1}(t-1) -> h_l(t) on.
    time_mode
        ``"adaptive"``: per-input halting probabilities (PonderNet-style);
        ``"fixed"``: one learned distribution over steps for all inputs.
    halting_head
        ``"readout"``: the halting logit is one extra row of the class readout (the trunk's pooled
        states, trained through the trunk); ``"mlp"``: a head of its own, a small MLP on
        signals that predict whether another step will help, all detached from the trunk (the
        step's confidence, entropy and margin, the change of the class probabilities since the
        last step, the readout row on detached states, the step's index); ``"auto"``: the head
        that the training objective ``costs.time_objective`` calls for.
    halt_bias
        Initial bias of the halting logit (negative so early training does not
        collapse to one step).
    kernel_size
        Spatial size of every convolution.
    min_resolution
        Layers are max-pooled by 2 before their bottom-up input until the feature
        map would fall below this size.
    class_names
        Names of the output classes, in output order.
    input_mean
        Per-channel mean (in [0, 1] pixel units) subtracted from input images; set from
        the training images.
    input_std
        Per-channel standard deviation (in [0, 1] pixel units) dividing input images; set
        from the training images.
    """

    in_channels: int = 3
    num_classes: int = 10
    image_size: int = 32
    channels: list[int] = field(default_factory=lambda: [32, 64, 128])
    max_channels: int = 128
    max_layers: int = 4
    steps: int = 4
    max_steps: int = 8
    lateral: bool = True
    top_down: bool = True
    time_mode: str = "adaptive"
    halt_bias: float = -2.0
    halting_head: str = "auto"
    kernel_size: int = 3
    min_resolution: int = 4
    class_names: list[str] = field(default_factory=list)
    input_mean: list[float] = field(default_factory=list)
    input_std: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        from neurogrow.errors import ConfigError

        self.channels = [int(c) for c in self.channels]
        if not self.channels or min(self.channels) < 1:
            raise ConfigError(f"model.channels must be a non-empty list of positive ints, got {self.channels}")
        if len(self.channels) > self.max_layers:
            raise ConfigError(f"model.channels has {len(self.channels)} layers but model.max_layers is {self.max_layers}")
        if max(self.channels) > self.max_channels:
            raise ConfigError(f"model.channels {self.channels} exceeds model.max_channels={self.max_channels}")
        if not 1 <= self.steps <= self.max_steps:
            raise ConfigError(f"model.steps must be in [1, model.max_steps={self.max_steps}], got {self.steps}")
        if self.time_mode not in TIME_MODES:
            raise ConfigError(f"model.time_mode must be one of {TIME_MODES}, got {self.time_mode!r}")
        if self.halting_head not in HALTING_HEADS:
            raise ConfigError(f"model.halting_head must be one of {HALTING_HEADS}, got {self.halting_head!r}")
        if self.kernel_size % 2 != 1:
            raise ConfigError(f"model.kernel_size must be odd, got {self.kernel_size}")
        if self.class_names and len(self.class_names) != self.num_classes:
            raise ConfigError(
                f"model.class_names has {len(self.class_names)} names but model.num_classes is {self.num_classes}"
            )

    @property
    def num_layers(self) -> int:
        """Number of layers L in the current window."""
        return len(self.channels)

    def to_dict(self) -> dict:
        """A JSON-serialisable copy."""
        return asdict(self)
